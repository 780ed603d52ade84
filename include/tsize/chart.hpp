// Charts as SVG text (or their data as JSON): stacked bars with a title, axes, units, a legend and
// an optional reference line (a GPU's capacity). Pure: returns the document; the CLI writes the
// file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tsize/flops.hpp"
#include "tsize/gpus.hpp"
#include "tsize/memory.hpp"
#include "tsize/plan.hpp"
#include "tsize/serving_memory.hpp"
#include "tsize/sweep.hpp"
#include "tsize/units.hpp"
#include "tsize/workload.hpp"

namespace tsize {

struct ChartSeries {
  std::string name;
  std::vector<double> values;  // one per category
  int color = -1;              // index into the palette; -1: the series' position
};

// A series' color ("#4e79a7"): its own when it has one (a memory part is the same color in every
// chart), else its position's in the palette.
const char* series_color(const ChartSeries& s, std::size_t position);

struct StackedBarChart {
  std::string title;
  std::string subtitle;
  std::string x_label;
  std::string y_label;  // with its unit, e.g. "GiB per GPU"
  std::vector<std::string> categories;
  std::vector<ChartSeries> series;  // stacked bottom to top
  std::optional<double> reference;  // a horizontal line, e.g. GPU memory
  std::string reference_label;
  bool percent = false;  // y axis 0–100 %
};

// The chart as a standalone SVG document.
std::string render_svg(const StackedBarChart& chart);

// Memory parts at each run's peak, in GiB or GB, with the GPU's memory as the reference line.
StackedBarChart memory_chart(const std::string& model, const std::vector<std::string>& labels,
                             const std::vector<MemoryCounts>& counts, const Gpu& gpu,
                             ByteUnits units);

// The memory chart of a sweep (tsize memory with a list): its title says what varies ("by
// sequence length", "by micro-batch", "by ZeRO stage") and each bar is labelled by that value.
StackedBarChart memory_sweep_chart(const std::string& model, const std::vector<MemoryRun>& runs,
                                   const Gpu& gpu, ByteUnits units);

// Shares of a step's FLOPs by component (attention scores, attention projections, MLP,
// lm_head and loss, the rest) per sequence length.
StackedBarChart flops_share_chart(const Graph& graph, const std::vector<FlopCounts>& runs);

// Serving memory per GPU (weights, KV cache, activations, reserve) at each concurrency of
// `context`-token sequences, or (by_context) at each context of `concurrency` sequences, with the
// engine's budget as the line.
StackedBarChart serving_chart(const std::string& model,
                              const std::vector<std::pair<std::int64_t, ServingMemory>>& runs,
                              bool by_context, std::int64_t held, ByteUnits units);

// A layout search's Pareto front: iteration time against memory per GPU, the layouts no other
// beats on both as a staircase, the best layouts marked by rank, the GPU's capacity as a line.
struct FrontChart {
  std::string title;
  std::string subtitle;
  std::string x_label;                            // "GiB per GPU"
  std::string y_label;                            // "seconds per iteration"
  std::vector<std::pair<double, double>> front;   // (memory, seconds), memory ascending
  std::vector<std::pair<double, double>> marked;  // best first: labelled 1, 2, ...
  double capacity = 0;
  std::string capacity_label;
};
std::string render_svg(const FrontChart& chart);

FrontChart plan_chart(const std::string& model, const PlanResult& r, ByteUnits units);

// A chart's data as JSON (kind "stacked_bars" or "front", then the struct's fields; a series'
// color as the SVG draws it), for another plotting tool: the Python module draws it.
std::string render_chart_json(const StackedBarChart& chart);
std::string render_chart_json(const FrontChart& chart);

}  // namespace tsize
