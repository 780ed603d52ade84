// The aligned plain-text table: a tree with indented names, exact values, shares and notes.
#include <fmt/format.h>

#include <algorithm>

#include "render_format.hpp"
#include "render_rows.hpp"
#include "tsize/render.hpp"

namespace tsize {
namespace {

// Cells of one line: name, then right-aligned value columns, then left-aligned share and note.
struct Line {
  std::string name;
  std::vector<std::string> values;
  std::string share, note;
};

// Columns on a terminal: UTF-8 code points ("×", "·", "²" are one column, several bytes).
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The first `n` code points of s.
std::string prefix(const std::string& s, std::size_t n) {
  std::size_t i = 0, seen = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == n) break;
      ++seen;
    }
  }
  return s.substr(0, i);
}

constexpr const char* kBold = "\x1b[1m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kReset = "\x1b[0m";

std::string layout(const std::vector<Line>& lines, std::size_t n_values, const RenderOptions& o) {
  std::size_t wn = 0, ws = 0;
  std::vector<std::size_t> wv(n_values, 0);
  for (const Line& l : lines) {
    wn = std::max(wn, width(l.name));
    ws = std::max(ws, width(l.share));
    for (std::size_t i = 0; i < l.values.size() && i < n_values; ++i) {
      wv[i] = std::max(wv[i], width(l.values[i]));
    }
  }
  std::string out;
  bool first = true;
  for (const Line& l : lines) {
    std::string line = fmt::format("{:<{}}", l.name, wn);
    for (std::size_t i = 0; i < n_values; ++i) {
      line += fmt::format("  {:>{}}", i < l.values.size() ? l.values[i] : "", wv[i]);
    }
    line += fmt::format("  {:<{}}  ", l.share, ws);
    std::string note = l.note;
    if (o.width > 0 && width(line) + width(note) > o.width) {  // fit the note, or drop it
      const std::size_t room = o.width > width(line) ? o.width - width(line) : 0;
      note = room > 4 ? prefix(note, room - 1) + "…" : "";
    }
    if (o.color && !note.empty()) note = std::string(kDim).append(note).append(kReset);
    line += note;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (o.color && first) line = std::string(kBold).append(line).append(kReset);
    first = false;
    out += line;
    out += '\n';
  }
  return out;
}

std::string section_table(const Section& s, const RenderOptions& o) {
  const ByteUnits units = o.units;
  const bool every = s.share_column < 0 && s.show_share;  // a share after every value column
  const std::size_t n = s.columns.size() * (every ? 2 : 1);
  std::vector<Line> lines;
  Line header{s.title, {}, every || !s.show_share ? "" : "share", ""};
  for (const std::string& c : s.columns) {
    header.values.push_back(c);
    if (every) header.values.push_back("share");
  }
  if (!s.columns.empty())
    lines.push_back(header);
  else
    lines.push_back({s.title, {}, "", ""});
  const auto share_col = static_cast<std::size_t>(std::max(s.share_column, 0));
  for (const detail::Row& r : detail::flatten(s.breakdown)) {
    Line l;
    l.name = std::string(static_cast<std::size_t>(2 * r.depth), ' ') +
             (r.repeat > 1 ? fmt::format("{} × {}", r.repeat, r.name) : r.name);
    for (std::size_t i = 0; i < r.each.size(); ++i) {
      l.values.push_back(detail::cell(r.each[i], s.unit));
      if (every) {
        l.values.push_back(r.per_instance ? "" : percent(r.values[i], s.breakdown.value(i)));
      }
    }
    if (!s.show_share) {
      // a list of alternatives: no share
    } else if (!every) {
      const Count v = share_col < r.values.size() ? r.values[share_col] : Count{0};
      l.share = r.per_instance ? "per layer" : percent(v, s.breakdown.value(share_col));
    } else if (r.per_instance) {
      l.share = "per layer";
    }
    l.note = r.note;
    lines.push_back(l);
  }
  if (!s.columns.empty()) lines.push_back({});
  for (const Fact& f : s.facts) {
    std::string note = detail::human(f, units);
    if (!f.note.empty()) note += "  (" + f.note + ")";
    // Facts put their exact value in the last value column, so it lines up with the totals.
    std::vector<std::string> values(n > 1 ? n - 1 : 0, "");
    values.push_back(detail::exact(f));
    if (every && n > 1) std::swap(values[n - 1], values[n - 2]);  // under the last value
    lines.push_back({f.label, values, "", note});
  }
  for (const auto& [path, f] : s.figures) {
    // The op's value, then its formula, the formula with the values put in, and the source;
    // a figure of several terms lists each under it.
    std::vector<std::string> values(n > 1 ? n - 1 : 0, "");
    values.push_back(with_commas(f.value()));
    lines.push_back({path, values, "",
                     detail::human(f.value(), s.unit, units) + "  = " + f.formula() + " = " +
                         detail::substituted(f) + "  [" + f.source() + "]"});
    if (f.terms().size() < 2) continue;
    for (const Term& t : f.terms()) {
      std::vector<std::string> term_values(n > 1 ? n - 1 : 0, "");
      term_values.push_back(with_commas(t.value));
      lines.push_back({"  · " + t.label, term_values, "",
                       detail::human(t.value, s.unit, units) + "  = " + t.formula});
    }
  }
  std::string out = layout(lines, std::max<std::size_t>(n, 1), o);
  for (const std::string& a : s.assumptions) {
    out += o.color ? std::string(kDim) + "  · " + a + kReset + "\n" : "  · " + a + "\n";
  }
  return out;
}

}  // namespace

std::string render_table(const Report& report, const RenderOptions& o) {
  std::string out = detail::heading(report) + "\n";
  for (const Section& s : report.sections) out += "\n" + section_table(s, o);
  const std::vector<std::string> lines = detail::provenance_lines(report.provenance);
  if (!lines.empty()) out += "\n";
  for (const std::string& l : lines) {
    out += o.color ? std::string(kDim) + l + kReset + "\n" : l + "\n";
  }
  return out;
}

}  // namespace tsize
