// Flat lists in every format: the catalogs of `tsize models` and `tsize gpus`.
#include <fmt/format.h>

#include <algorithm>

#include "render_format.hpp"
#include "tsize/render.hpp"

namespace tsize {
namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string pad(const std::string& s, std::size_t w, bool right) {
  const std::string fill(w > width(s) ? w - width(s) : 0, ' ');
  return right ? fill + s : s + fill;
}

}  // namespace

std::string render_list(const ListTable& t, Format format) {
  const std::size_t n = t.headers.size();
  std::string out;
  switch (format) {
    case Format::kTable: {
      std::vector<std::size_t> w(n, 0);
      for (std::size_t i = 0; i < n; ++i) w[i] = width(t.headers[i]);
      for (const auto& row : t.rows) {
        for (std::size_t i = 0; i < n; ++i) w[i] = std::max(w[i], width(row[i]));
      }
      auto line = [&](const std::vector<std::string>& cells) {
        std::string l;
        for (std::size_t i = 0; i < n; ++i) {
          const bool last_text = i + 1 == n && !t.numeric[i];  // no trailing padding
          l += (i ? "  " : "") + (last_text ? cells[i] : pad(cells[i], w[i], t.numeric[i]));
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        out += l + "\n";
      };
      if (!t.title.empty()) out = t.title + "\n\n";
      line(t.headers);
      for (const auto& row : t.rows) line(row);
      return out;
    }
    case Format::kJson:
      out = "[\n";
      for (std::size_t r = 0; r < t.data_rows.size(); ++r) {
        out += "  {";
        for (std::size_t i = 0; i < n; ++i) {
          const std::string& cell = t.data_rows[r][i];
          out += (i ? ", " : "") + detail::json_quoted(t.keys[i]) + ": " +
                 (t.numeric[i] ? (cell.empty() ? "null" : cell) : detail::json_quoted(cell));
        }
        out += r + 1 < t.data_rows.size() ? "},\n" : "}\n";
      }
      return out + "]\n";
    case Format::kCsv:
      for (std::size_t i = 0; i < n; ++i) out += (i ? "," : "") + t.keys[i];
      out += "\n";
      for (const auto& row : t.data_rows) {
        for (std::size_t i = 0; i < n; ++i) out += (i ? "," : "") + csv_field(row[i]);
        out += "\n";
      }
      return out;
    case Format::kMarkdown:
      if (!t.title.empty()) out = "**" + t.title + "**\n\n";
      out += "|";
      for (const auto& h : t.headers) out += " " + h + " |";
      out += "\n|";
      for (std::size_t i = 0; i < n; ++i) out += t.numeric[i] ? "---:|" : "---|";
      out += "\n";
      for (const auto& row : t.rows) {
        out += "|";
        for (const auto& c : row) out += " " + c + " |";
        out += "\n";
      }
      return out;
  }
  return out;
}

}  // namespace tsize
