#include "tsize/render.hpp"

#include "render_format.hpp"
#include "tsize/error.hpp"

namespace tsize {

std::string render_table(const Report& report, ByteUnits units);
std::string render_json(const Report& report, bool nest_sections);
std::string render_csv(const Report& report);
std::string render_markdown(const Report& report, ByteUnits units);

std::string render(const Report& report, const RenderOptions& o) {
  switch (o.format) {
    case Format::kTable: return render_table(report, o.units);
    case Format::kJson: return render_json(report, o.nest_sections);
    case Format::kCsv: return render_csv(report);
    case Format::kMarkdown: return render_markdown(report, o.units);
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
    case Unit::kBytes: return human_bytes(v, units);
    case Unit::kFlops: return human_flops(v);
    case Unit::kCount: return human_count(v);
  }
  return human_count(v);
}

const char* unit_name(Unit unit) {
  switch (unit) {
    case Unit::kCount: return "params";
    case Unit::kBytes: return "bytes";
    case Unit::kFlops: return "flops";
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
