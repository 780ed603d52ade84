// Rendering a Report as an aligned table, JSON, CSV or Markdown. Pure: returns text.
#pragma once

#include <string>
#include <vector>

#include "tsize/choices.hpp"
#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {

enum class Format { kTable, kJson, kCsv, kMarkdown };

template <>
struct ChoiceTable<Format> {
  static constexpr std::string_view kFlag = "--format";
  static constexpr std::array<Choice<Format>, 5> kChoices{{
      {Format::kTable, "table", "table", "an aligned table (default)"},
      {Format::kJson, "json", "json", "one JSON object (the contract in docs/cli.md)"},
      {Format::kCsv, "csv", "csv", "section,kind,name,column,value,unit,repeat,note rows"},
      {Format::kMarkdown, "markdown", "markdown", "Markdown tables"},
      {Format::kMarkdown, "md", "markdown", "the same as markdown"},
  }};
};

template <>
struct ChoiceTable<ByteUnits> {
  static constexpr std::string_view kFlag = "--units";
  static constexpr std::array<Choice<ByteUnits>, 2> kChoices{{
      {ByteUnits::kBinary, "binary", "binary", "bytes in KiB, MiB, GiB (powers of 1024; default)"},
      {ByteUnits::kSI, "si", "si", "bytes in kB, MB, GB (powers of 1000)"},
  }};
};

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
  std::string title;  // a line above the table and Markdown (what the rows are of); may be empty
  std::vector<std::string> headers;                 // for people: "name", "params"
  std::vector<std::string> keys;                    // for JSON and CSV: "name", "params"
  std::vector<bool> numeric;                        // right-aligned in tables, unquoted in JSON
  std::vector<std::vector<std::string>> rows;       // table/markdown cells
  std::vector<std::vector<std::string>> data_rows;  // JSON/CSV cells (exact values)
};
std::string render_list(const ListTable& table, Format format);

}  // namespace tsize
