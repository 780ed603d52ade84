// The aligned plain-text table: a tree with indented names, exact values, shares and notes.
#include <fmt/format.h>

#include <algorithm>

#include "render_format.hpp"
#include "render_rows.hpp"
#include "tsize/render.hpp"

namespace tsize {
namespace {

struct Line {
  std::string name, value, share, note;
};

std::string layout(const std::vector<Line>& lines) {
  std::size_t wn = 0, wv = 0, ws = 0;
  for (const Line& l : lines) {
    wn = std::max(wn, l.name.size());
    wv = std::max(wv, l.value.size());
    ws = std::max(ws, l.share.size());
  }
  std::string out;
  for (const Line& l : lines) {
    std::string line = fmt::format("{:<{}}  {:>{}}  {:<{}}  {}", l.name, wn, l.value, wv, l.share,
                                   ws, l.note);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string section_table(const Section& s, ByteUnits units) {
  std::vector<Line> lines;
  lines.push_back({s.title, s.value_name, "share", ""});
  const Count total = s.breakdown.value;
  for (const detail::Row& r : detail::flatten(s.breakdown)) {
    Line l;
    l.name = std::string(static_cast<std::size_t>(2 * r.depth), ' ') +
             (r.repeat > 1 ? fmt::format("{} × {}", r.repeat, r.name) : r.name);
    l.value = with_commas(r.each);
    l.share = r.per_instance ? "per layer" : percent(r.value, total);
    l.note = r.note;
    lines.push_back(l);
  }
  lines.push_back({"", "", "", ""});
  for (const Fact& f : s.facts) {
    std::string note = detail::human(f.value, f.unit, units);
    if (!f.note.empty()) note += "  (" + f.note + ")";
    lines.push_back({f.label, with_commas(f.value), "", note});
  }
  std::string out = layout(lines);
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
