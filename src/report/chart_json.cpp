// Charts as JSON data: what render_svg draws, for another plotting tool (the Python module draws
// it with matplotlib). Keys follow the chart structs' fields.
#include <fmt/format.h>

#include <cmath>

#include "render_format.hpp"
#include "tsize/chart.hpp"

namespace tsize {

namespace {

using detail::json_quoted;

// A real as JSON: shortest round-trip digits; null for a value JSON cannot hold.
std::string json_real(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; }

std::string json_reals(const std::vector<double>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + json_real(values[i]);
  return out + "]";
}

std::string json_points(const std::vector<std::pair<double, double>>& points) {
  std::string out = "[";
  for (std::size_t i = 0; i < points.size(); ++i) {
    out += fmt::format("{}[{}, {}]", i ? ", " : "", json_real(points[i].first),
                       json_real(points[i].second));
  }
  return out + "]";
}

// The fields every chart has: kind, titles and axis labels.
std::string json_heading(const char* kind, const std::string& title, const std::string& subtitle,
                         const std::string& x_label, const std::string& y_label) {
  return fmt::format(
      "{{\n  \"kind\": \"{}\",\n  \"title\": {},\n  \"subtitle\": {},\n  \"x_label\": {},\n"
      "  \"y_label\": {},\n",
      kind, json_quoted(title), json_quoted(subtitle), json_quoted(x_label), json_quoted(y_label));
}

}  // namespace

std::string render_chart_json(const StackedBarChart& chart) {
  std::string out =
      json_heading("stacked_bars", chart.title, chart.subtitle, chart.x_label, chart.y_label);
  out += "  \"categories\": [";
  for (std::size_t i = 0; i < chart.categories.size(); ++i) {
    out += (i ? ", " : "") + json_quoted(chart.categories[i]);
  }
  out += "],\n  \"series\": [";
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const ChartSeries& s = chart.series[i];
    out += fmt::format("{}\n    {{\"name\": {}, \"values\": {}, \"color\": \"{}\"}}", i ? "," : "",
                       json_quoted(s.name), json_reals(s.values), series_color(s, i));
  }
  out += chart.series.empty() ? "],\n" : "\n  ],\n";
  out += fmt::format("  \"reference\": {},\n  \"reference_label\": {},\n  \"percent\": {}\n}}\n",
                     chart.reference ? json_real(*chart.reference) : "null",
                     json_quoted(chart.reference_label), chart.percent ? "true" : "false");
  return out;
}

std::string render_chart_json(const FrontChart& chart) {
  std::string out =
      json_heading("front", chart.title, chart.subtitle, chart.x_label, chart.y_label);
  out += fmt::format(
      "  \"front\": {},\n  \"marked\": {},\n  \"capacity\": {},\n  \"capacity_label\": {}\n}}\n",
      json_points(chart.front), json_points(chart.marked), json_real(chart.capacity),
      json_quoted(chart.capacity_label));
  return out;
}

}  // namespace tsize
