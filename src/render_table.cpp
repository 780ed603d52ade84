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

std::string layout(const std::vector<Line>& lines, std::size_t n_values) {
  std::size_t wn = 0, ws = 0;
  std::vector<std::size_t> wv(n_values, 0);
  for (const Line& l : lines) {
    wn = std::max(wn, l.name.size());
    ws = std::max(ws, l.share.size());
    for (std::size_t i = 0; i < l.values.size() && i < n_values; ++i) {
      wv[i] = std::max(wv[i], l.values[i].size());
    }
  }
  std::string out;
  for (const Line& l : lines) {
    std::string line = fmt::format("{:<{}}", l.name, wn);
    for (std::size_t i = 0; i < n_values; ++i) {
      line += fmt::format("  {:>{}}", i < l.values.size() ? l.values[i] : "", wv[i]);
    }
    line += fmt::format("  {:<{}}  {}", l.share, ws, l.note);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string section_table(const Section& s, ByteUnits units) {
  const std::size_t n = s.columns.size();
  std::vector<Line> lines;
  lines.push_back({s.title, s.columns, "share", ""});
  const Count total = s.breakdown.value(static_cast<std::size_t>(s.share_column));
  for (const detail::Row& r : detail::flatten(s.breakdown)) {
    Line l;
    l.name = std::string(static_cast<std::size_t>(2 * r.depth), ' ') +
             (r.repeat > 1 ? fmt::format("{} × {}", r.repeat, r.name) : r.name);
    for (const Count v : r.each) l.values.push_back(with_commas(v));
    const Count v = static_cast<std::size_t>(s.share_column) < r.values.size()
                        ? r.values[static_cast<std::size_t>(s.share_column)]
                        : Count{0};
    l.share = r.per_instance ? "per layer" : percent(v, total);
    l.note = r.note;
    lines.push_back(l);
  }
  lines.push_back({});
  for (const Fact& f : s.facts) {
    std::string note = detail::human(f.value, f.unit, units);
    if (!f.note.empty()) note += "  (" + f.note + ")";
    // Facts put their exact value in the last value column, so it lines up with the totals.
    std::vector<std::string> values(n > 0 ? n - 1 : 0, "");
    values.push_back(with_commas(f.value));
    lines.push_back({f.label, values, "", note});
  }
  std::string out = layout(lines, n);
  for (const std::string& a : s.assumptions) out += "  · " + a + "\n";
  return out;
}

}  // namespace

std::string render_table(const Report& report, ByteUnits units) {
  std::string out = detail::heading(report) + "\n";
  for (const Section& s : report.sections) out += "\n" + section_table(s, units);
  return out;
}

}  // namespace tsize
