#include "tsize/render.hpp"

#include "render_format.hpp"

#include <fmt/format.h>
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
      return render_json(report, o.nest_sections);
    case Format::kCsv:
      return render_csv(report);
    case Format::kMarkdown:
      return render_markdown(report, o.units);
  }
  return {};
}

Format parse_format(const std::string& name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "csv") return Format::kCsv;
  if (name == "markdown" || name == "md") return Format::kMarkdown;
  throw Error("--format " + name + ": expected one of table, json, csv, markdown");
}

ByteUnits parse_units(const std::string& name) {
  if (name == "binary") return ByteUnits::kBinary;
  if (name == "si") return ByteUnits::kSI;
  throw Error("--units " + name + ": expected binary (GiB) or si (GB)");
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

std::string human(const Fact& f, ByteUnits units) {
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
      return fmt::format("${:.2f}", v);
    default:
      return fmt::format("{:.4g}", v);
  }
}

std::string exact(const Fact& f) {
  if (!f.real) return with_commas(f.value);
  switch (f.unit) {
    case Unit::kRatio:
      return fmt::format("{:.4f}", *f.real);
    case Unit::kSeconds:
      return fmt::format("{:.1f} s", *f.real);
    case Unit::kMoney:
      return fmt::format("${:.2f}", *f.real);
    default:
      return fmt::format("{:.1f}", *f.real);
  }
}

std::string json_number(const Fact& f) {
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
  }
  return "";
}

std::string heading(const Report& r) {
  std::string out = r.model;
  if (!r.family.empty()) out += " (" + r.family + ")";
  if (!r.summary.empty()) out += ": " + r.summary;
  return out;
}

}  // namespace detail
}  // namespace tsize
