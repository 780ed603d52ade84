// Rendering a Report as an aligned table, JSON, CSV or Markdown. Pure: returns text.
#pragma once

#include <string>
#include <vector>

#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {

enum class Format { kTable, kJson, kCsv, kMarkdown };

struct RenderOptions {
  Format format = Format::kTable;
  ByteUnits units = ByteUnits::kBinary;
  // Tables only: ANSI bold titles and dim notes (a terminal), and a line width to fit notes
  // into (0: no limit). Never set for files or pipes, so output there is plain.
  bool color = false;
  std::size_t width = 0;
  // JSON: nest each section under its key ({"params": {...}}), as `tsize report` does. Off: the
  // first section's fields go at the top level (`tsize params`), any others under their keys.
  bool nest_sections = false;
};

// The report in the chosen format, ending in a newline.
std::string render(const Report& report, const RenderOptions& options);

// A flat list (the catalogs of `tsize models` and `tsize gpus`): one row per item. In JSON, an
// array of objects keyed by `keys`; cells of `number_columns` are written as JSON numbers.
struct ListTable {
  std::vector<std::string> headers;                 // for people: "name", "params"
  std::vector<std::string> keys;                    // for JSON and CSV: "name", "params"
  std::vector<bool> numeric;                        // right-aligned in tables, unquoted in JSON
  std::vector<std::vector<std::string>> rows;       // table/markdown cells
  std::vector<std::vector<std::string>> data_rows;  // JSON/CSV cells (exact values)
};
std::string render_list(const ListTable& table, Format format);

// Parses "table", "json", "csv", "markdown" (also "md"). Throws Error naming the choices.
Format parse_format(const std::string& name);

// Parses "binary" (GiB) or "si" (GB). Throws Error naming the choices.
ByteUnits parse_units(const std::string& name);

}  // namespace tsize
