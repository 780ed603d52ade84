// JSON: exact integers (written digit by digit, so values above 2^64 stay exact), stable keys.
#include <fmt/format.h>

#include <string>

#include "render_format.hpp"
#include "tsize/render.hpp"

namespace tsize {
namespace {

std::string quoted(const std::string& s) { return detail::json_quoted(s); }

std::string pad(int indent) { return std::string(static_cast<std::size_t>(indent), ' '); }

// Appended piece by piece to `out` (a tree has hundreds of nodes: no temporary strings).
void node(const Breakdown& b, const std::vector<std::string>& columns, Unit unit, int indent,
          std::string& out) {
  out += "{\"name\": ";
  out += quoted(b.name);
  for (std::size_t i = 0; i < columns.size() && !b.values.empty(); ++i) {
    out += ", ";
    out += quoted(columns[i]);
    out += ": ";
    out += detail::number(b.value(i), unit);
  }
  if (b.repeat > 1) {
    out += ", \"repeat\": ";
    out += std::to_string(b.repeat);
  }
  if (!b.note.empty()) {
    out += ", \"note\": ";
    out += quoted(b.note);
  }
  out += ", \"children\": [";
  for (std::size_t i = 0; i < b.children.size(); ++i) {
    out += i == 0 ? "\n" : ",\n";
    out.append(static_cast<std::size_t>(indent + 2), ' ');
    node(b.children[i], columns, unit, indent + 2, out);
  }
  if (!b.children.empty()) {
    out += '\n';
    out.append(static_cast<std::size_t>(indent), ' ');
  }
  out += "]}";
}

// An explain section: {"path": {"value", "formula", "inputs", "source", "terms"}, ...}.
std::string figures(const Section& s, int indent) {
  std::string out;
  for (const auto& [path, f] : s.figures) {
    if (!out.empty()) out += ",\n";
    out += pad(indent) + quoted(path) + ": {\"value\": " + to_string(f.value()) +
           ", \"formula\": " + quoted(f.formula()) + ", \"inputs\": {";
    bool first = true;
    for (const Input& in : f.inputs()) {
      out += (first ? "" : ", ") + quoted(in.name) + ": " + to_string(in.value);
      first = false;
    }
    out += "}, \"source\": " + quoted(f.source()) + ", \"terms\": [";
    first = true;
    for (const Term& t : f.terms()) {
      out += std::string(first ? "" : ", ") + "{\"label\": " + quoted(t.label) +
             ", \"formula\": " + quoted(t.formula) + ", \"value\": " + to_string(t.value) + "}";
      first = false;
    }
    out += "]}";
  }
  return out;
}

// The section's fields, one per line at `indent`, without braces.
std::string fields(const Section& s, int indent) {
  if (!s.figures.empty()) return figures(s, indent);
  std::string out;
  for (const Fact& f : s.facts) {
    out += pad(indent) + quoted(f.key) + ": " + detail::json_number(f) + ",\n";
  }
  out += pad(indent) + "\"assumptions\": [";
  for (std::size_t i = 0; i < s.assumptions.size(); ++i) {
    out += (i == 0 ? "" : ", ") + quoted(s.assumptions[i]);
  }
  out += "]";
  if (!s.records_key.empty()) {
    out += ",\n" + pad(indent) + quoted(s.records_key) + ": [";
    for (std::size_t i = 0; i < s.records.size(); ++i) {
      out += (i == 0 ? "\n" : ",\n") + pad(indent + 2) + "{";
      for (std::size_t j = 0; j < s.records[i].size(); ++j) {
        const Fact& f = s.records[i][j];
        out += (j == 0 ? "" : ", ") + quoted(f.key) + ": " + detail::json_number(f);
      }
      out += "}";
    }
    out += s.records.empty() ? "]" : "\n" + pad(indent) + "]";
  }
  if (s.columns.empty()) return out;  // a section of facts only
  out += ",\n" + pad(indent) + "\"breakdown\": ";
  node(s.breakdown, s.columns, s.unit, indent, out);
  return out;
}

// "note", "defaults_used": [{"key", "value", "source"}], "ignored_keys": [...]. A default's value
// is JSON as the reader wrote it (a number, true, "silu", []).
std::string provenance_fields(const Provenance& p) {
  std::string out = "  \"note\": " + quoted(p.note) + ",\n  \"defaults_used\": [";
  for (std::size_t i = 0; i < p.defaults_used.size(); ++i) {
    const DefaultUsed& d = p.defaults_used[i];
    out += fmt::format("{}\n    {{\"key\": {}, \"value\": {}, \"source\": {}}}", i ? "," : "",
                       quoted(d.key), d.value, quoted(d.source));
  }
  out += p.defaults_used.empty() ? "],\n" : "\n  ],\n";
  out += "  \"ignored_keys\": [";
  for (std::size_t i = 0; i < p.ignored_keys.size(); ++i) {
    out += (i ? ", " : "") + quoted(p.ignored_keys[i]);
  }
  return out + "]";
}

}  // namespace

std::string render_json(const Report& r, bool nest_sections) {
  std::string out = "{\n";
  out += "  \"model\": " + quoted(r.model) + ",\n";
  out += "  \"family\": " + quoted(r.family) + ",\n";
  out += "  \"summary\": " + quoted(r.summary) + ",\n";
  out += provenance_fields(r.provenance);
  // Flat: the first section's fields at the top level, any others under their keys.
  for (std::size_t i = 0; i < r.sections.size(); ++i) {
    const Section& s = r.sections[i];
    if (!s.in_json) continue;
    if (!nest_sections && i == 0 && s.figures.empty()) {
      out += ",\n" + fields(s, 2);
    } else {
      out += ",\n  " + quoted(s.key) + ": {\n" + fields(s, 4) + "\n  }";
    }
  }
  return out + "\n}\n";
}

}  // namespace tsize
