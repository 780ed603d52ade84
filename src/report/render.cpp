#include "tsize/render.hpp"

#include "render_format.hpp"

#include <fmt/format.h>

#include <cmath>
#include "tsize/error.hpp"

namespace tsize {

std::string render_table(const Report& report, const RenderOptions& options);
std::string render_json(const Report& report, bool nest_sections);
std::string render_csv(const Report& report);
std::string render_markdown(const Report& report, ByteUnits units);

std::string render(const Report& report, const RenderOptions& o) {
  switch (o.format) {
    case Format::kTable:
      return render_table(report, o);
    case Format::kJson:
      return render_json(report, o.nest_sections || report.nested);
    case Format::kCsv:
      return render_csv(report);
    case Format::kMarkdown:
      return render_markdown(report, o.units);
  }
  return {};
}

namespace detail {

std::string human(Count v, Unit unit, ByteUnits units) {
  switch (unit) {
    case Unit::kBytes:
      return human_bytes(v, units);
    case Unit::kFlops:
      return human_flops(v);
    default:
      return human_count(v);
  }
}

namespace {

// Thousands separators and `decimals` (1 or 2) decimals: "64,820.3", "$1,234.50".
std::string with_decimals(double v, int decimals) {
  const double a = std::fabs(v);
  if (a >= 1e16) return fmt::format("{:.{}f}", v, decimals);
  const std::uint64_t scale = decimals == 2 ? 100 : 10;
  const auto units = static_cast<std::uint64_t>(std::llround(a * static_cast<double>(scale)));
  return fmt::format("{}{}.{:0{}}", v < 0 && units > 0 ? "-" : "", with_commas(units / scale),
                     units % scale, decimals);
}
std::string one_decimal(double v) { return with_decimals(v, 1); }

}  // namespace

std::string human(const Fact& f, ByteUnits units) {
  if (f.unit == Unit::kBoolean) return f.value != 0 ? "yes" : "no";
  if (f.unit == Unit::kText) return f.text;
  if (!f.real) return human(f.value, f.unit, units);
  const double v = *f.real;
  switch (f.unit) {
    case Unit::kSeconds:
      return human_seconds(v);
    case Unit::kRatio:
      return fmt::format("{:.1f} %", 100 * v);
    case Unit::kFlopsPerSecond:
      return human_rate(v, "FLOP/s");
    case Unit::kPerSecond:
      return human_rate(v, "/s");
    case Unit::kMoney:
      return v >= 1e6 ? "$" + human_rate(v, "") : "$" + with_decimals(v, 2);
    default:
      return human_number(v);
  }
}

std::string exact(const Fact& f) {
  if (f.unit == Unit::kBoolean) return f.value != 0 ? "true" : "false";
  if (f.unit == Unit::kText) return f.text;
  if (!f.real) return with_commas(f.value);
  switch (f.unit) {
    case Unit::kRatio:
      return fmt::format("{:.4f}", *f.real);
    case Unit::kSeconds:  // a step's milliseconds keep their digits; a run's seconds get commas
      return std::fabs(*f.real) < 1000 ? fmt::format("{:.4g} s", *f.real)
                                       : one_decimal(*f.real) + " s";
    case Unit::kMoney:
      return "$" + with_decimals(*f.real, 2);
    default:
      return one_decimal(*f.real);
  }
}

std::string cell(Count v, Unit unit) {
  if (unit == Unit::kSeconds) return human_seconds(to_double(v) / 1e9);
  return with_commas(v);
}

std::string number(Count v, Unit unit) {
  if (unit != Unit::kSeconds) return to_string(v);
  std::string s = fmt::format("{}", to_double(v) / 1e9);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string json_quoted(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  std::size_t plain = 0;  // the first character not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s, plain, i - plain);  // copied in runs: most text needs no escape
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[(c >> 4) & 0xf];
        out += kHex[c & 0xf];
      }
    }
  }
  out.append(s, plain);
  return out + '"';
}

std::string json_number(const Fact& f) {
  if (f.unit == Unit::kBoolean) return f.value != 0 ? "true" : "false";
  if (f.unit == Unit::kText) return json_quoted(f.text);
  if (!f.real) return to_string(f.value);
  std::string s = fmt::format("{}", *f.real);                   // shortest round-trip form
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // a real stays a real: 5 → 5.0
  return s;
}

const char* unit_name(Unit unit) {
  switch (unit) {
    case Unit::kCount:
      return "count";
    case Unit::kBytes:
      return "bytes";
    case Unit::kFlops:
      return "flops";
    case Unit::kSeconds:
      return "seconds";
    case Unit::kRatio:
      return "ratio";
    case Unit::kFlopsPerSecond:
      return "flops_per_s";
    case Unit::kPerSecond:
      return "per_s";
    case Unit::kMoney:
      return "dollars";
    case Unit::kBoolean:
      return "boolean";
    case Unit::kText:
      return "text";
  }
  return "";
}

std::string heading(const Report& r) {
  std::string out = r.model;
  if (!r.family.empty()) out += " (" + r.family + ")";
  if (!r.summary.empty()) out += ": " + r.summary;
  return out;
}

std::vector<std::string> provenance_lines(const Provenance& p) {
  std::vector<std::string> out;
  if (!p.note.empty()) out.push_back("Counted: " + p.note + ".");
  if (!p.defaults_used.empty()) {
    out.emplace_back("Defaults used (the config does not set these; --strict refuses them):");
    for (const DefaultUsed& d : p.defaults_used) {
      out.push_back(fmt::format("  {} = {} ({})", d.key, d.value, d.source));
    }
  }
  if (!p.ignored_keys.empty()) {
    out.push_back(fmt::format("Ignored keys (not read for this family): {}",
                              fmt::join(p.ignored_keys, ", ")));
  }
  return out;
}

namespace {

bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string substituted(const Figure& f) {
  const std::string formula = f.formula();
  const std::vector<Input> inputs = f.inputs();
  std::string out;
  for (std::size_t i = 0; i < formula.size();) {
    if (!identifier_char(formula[i])) {
      out += formula[i++];
      continue;
    }
    std::size_t j = i;
    while (j < formula.size() && identifier_char(formula[j])) ++j;
    const std::string word = formula.substr(i, j - i);
    std::string value = word;  // a literal, or a function name (min, max, ceil, floor)
    for (const Input& in : inputs) {
      if (word == in.name) value = to_string(in.value);
    }
    out += value;
    i = j;
  }
  return out;
}

std::string inputs_text(const Figure& f) {
  std::string out;
  for (const Input& in : f.inputs()) {
    if (!out.empty()) out += ", ";
    out += std::string(in.name) + "=" + to_string(in.value);
  }
  return out;
}

}  // namespace detail
}  // namespace tsize
