// CSV (RFC 4180) and Markdown: the same rows as the table, with full paths instead of indents.
#include <fmt/format.h>

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

// Columns: section, kind (breakdown | fact), name (path or fact key), value (exact), unit,
// repeat, note. Breakdown values are totals over all instances.
std::string render_csv(const Report& report) {
  std::string out = "section,kind,name,value,unit,repeat,note\n";
  for (const Section& s : report.sections) {
    const char* unit = detail::unit_name(s.unit);
    for (const detail::Row& r : detail::flatten(s.breakdown)) {
      out += fmt::format("{},breakdown,{},{},{},{},{}\n", s.key, csv_field(r.path),
                         to_string(r.value), unit, r.repeat, csv_field(r.note));
    }
    for (const Fact& f : s.facts) {
      out += fmt::format("{},fact,{},{},{},1,{}\n", s.key, f.key, to_string(f.value),
                         detail::unit_name(f.unit), csv_field(f.note));
    }
  }
  return out;
}

std::string render_markdown(const Report& report, ByteUnits units) {
  std::string out = "**" + md_cell(detail::heading(report)) + "**\n";
  for (const Section& s : report.sections) {
    out += fmt::format("\n### {}\n\n| component | {} | share | note |\n|---|---:|---:|---|\n",
                       s.title, s.value_name);
    for (const detail::Row& r : detail::flatten(s.breakdown)) {
      std::string name = r.repeat > 1 ? fmt::format("{} × {}", r.repeat, r.path) : r.path;
      std::string share = r.per_instance ? "per layer" : percent(r.value, s.breakdown.value);
      out += fmt::format("| {} | {} | {} | {} |\n", md_cell(name), with_commas(r.each), share,
                         md_cell(r.note));
    }
    out += "\n| total | exact | human | note |\n|---|---:|---:|---|\n";
    for (const Fact& f : s.facts) {
      out += fmt::format("| {} | {} | {} | {} |\n", md_cell(f.label), with_commas(f.value),
                         detail::human(f.value, f.unit, units), md_cell(f.note));
    }
    if (!s.assumptions.empty()) out += "\n";
    for (const std::string& a : s.assumptions) out += "- " + md_cell(a) + "\n";
  }
  return out;
}

}  // namespace tsize
