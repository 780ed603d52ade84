// CSV (RFC 4180) and Markdown: the same rows as the table, with full paths instead of indents.
#include <fmt/format.h>

#include <algorithm>

#include "render_format.hpp"
#include "render_rows.hpp"
#include "tsize/render.hpp"

namespace tsize {
namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

// Columns: section, kind (breakdown | fact | explain | record), name (path, fact key, or a
// record's list and index: "layouts/0"), column (the breakdown column, or a record's field), value
// (exact), unit, repeat, note. Breakdown values are totals over all instances; a node with several
// columns has one row per column.
std::string render_csv(const Report& report) {
  std::string out = "section,kind,name,column,value,unit,repeat,note\n";
  for (const Section& s : report.sections) {
    const char* unit = detail::unit_name(s.unit);
    for (const detail::Row& r : detail::flatten(s.breakdown)) {
      for (std::size_t i = 0; i < s.columns.size(); ++i) {
        const Count v = i < r.values.size() ? r.values[i] : Count{0};
        out +=
            fmt::format("{},breakdown,{},{},{},{},{},{}\n", s.key, csv_field(r.path), s.columns[i],
                        detail::number(v, s.unit), unit, r.repeat, csv_field(r.note));
      }
    }
    for (const Fact& f : s.facts) {
      out += fmt::format("{},fact,{},,{},{},1,{}\n", s.key, f.key, detail::json_number(f),
                         detail::unit_name(f.unit), csv_field(f.note));
    }
    for (const auto& [path, f] : s.figures) {
      out += fmt::format(
          "{},explain,{},,{},{},1,{}\n", s.key, csv_field(path), to_string(f.value()), unit,
          csv_field(f.formula() + " = " + detail::substituted(f) + "; " + f.source()));
    }
    for (std::size_t i = 0; i < s.records.size(); ++i) {  // one row per field of each record
      for (const Fact& f : s.records[i]) {
        const std::string value =
            f.unit == Unit::kText ? csv_field(f.text) : detail::json_number(f);
        out += fmt::format("{},record,{}/{},{},{},{},1,\n", s.key, s.records_key, i, f.key, value,
                           detail::unit_name(f.unit));
      }
    }
  }
  return out;
}

namespace {

// The breakdown as a Markdown table with paths for names.
std::string markdown_tree(const Section& s) {
  if (!s.show_share) {  // a list of alternatives: values and notes
    std::string out = "\n| component |";
    for (const std::string& c : s.columns) out += " " + c + " |";
    out += " note |\n|---|";
    for (std::size_t i = 0; i < s.columns.size(); ++i) out += "---:|";
    out += "---|\n";
    for (const detail::Row& r : detail::flatten(s.breakdown)) {
      out += "| " + md_cell(r.path) + " |";
      for (const Count e : r.each) out += " " + detail::cell(e, s.unit) + " |";
      out += " " + md_cell(r.note) + " |\n";
    }
    return out;
  }
  const bool every = s.share_column < 0;
  std::string out = "\n| component |";
  for (const std::string& c : s.columns) out += " " + c + (every ? " | share |" : " |");
  out += every ? " note |\n|---|" : " share | note |\n|---|";
  for (std::size_t i = 0; i < s.columns.size(); ++i) out += every ? "---:|---:|" : "---:|";
  out += every ? "---|\n" : "---:|---|\n";
  const auto share_col = static_cast<std::size_t>(std::max(s.share_column, 0));
  for (const detail::Row& r : detail::flatten(s.breakdown)) {
    std::string name = r.repeat > 1 ? fmt::format("{} × {}", r.repeat, r.path) : r.path;
    out += "| " + md_cell(name) + " |";
    for (std::size_t i = 0; i < r.each.size(); ++i) {
      out += " " + detail::cell(r.each[i], s.unit) + " |";
      if (every) {
        out += " " +
               (r.per_instance ? std::string("per layer")
                               : percent(r.values[i], s.breakdown.value(i))) +
               " |";
      }
    }
    if (!every) {
      const Count v = share_col < r.values.size() ? r.values[share_col] : Count{0};
      out +=
          " " +
          (r.per_instance ? std::string("per layer") : percent(v, s.breakdown.value(share_col))) +
          " |";
    }
    out += " " + md_cell(r.note) + " |\n";
  }
  return out;
}

}  // namespace

std::string render_markdown(const Report& report, ByteUnits units) {
  std::string out = "**" + md_cell(detail::heading(report)) + "**\n";
  for (const Section& s : report.sections) {
    out += fmt::format("\n### {}\n", s.title);
    if (!s.columns.empty()) out += markdown_tree(s);
    if (!s.facts.empty()) {
      out += "\n| total | exact | human | note |\n|---|---:|---:|---|\n";
      for (const Fact& f : s.facts) {
        out += fmt::format("| {} | {} | {} | {} |\n", md_cell(f.label), detail::exact(f),
                           detail::human(f, units), md_cell(f.note));
      }
    }
    if (!s.figures.empty()) {
      out += "\n| op | exact | human | formula | inputs | source |\n|---|---:|---:|---|---|---|\n";
      for (const auto& [path, f] : s.figures) {
        out +=
            fmt::format("| {} | {} | {} | `{}` | {} | {} |\n", md_cell(path),
                        with_commas(f.value()), detail::human(f.value(), s.unit, units),
                        md_cell(f.formula()), md_cell(detail::inputs_text(f)), md_cell(f.source()));
      }
    }
    if (!s.assumptions.empty()) out += "\n";
    for (const std::string& a : s.assumptions) out += "- " + md_cell(a) + "\n";
  }
  const std::vector<std::string> lines = detail::provenance_lines(report.provenance);
  if (!lines.empty()) out += "\n";
  for (const std::string& l : lines) {
    out += l.rfind("  ", 0) == 0 ? "  - " + md_cell(l.substr(2)) + "\n" : "- " + md_cell(l) + "\n";
  }
  return out;
}

}  // namespace tsize
