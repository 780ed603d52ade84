#include "tsize/chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tsize {
namespace {

constexpr double kWidth = 880, kHeight = 520;
constexpr double kLeft = 90, kRight = 210, kTop = 70, kBottom = 70;  // plot margins
constexpr const char* kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                   "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A "nice" axis step (1, 2 or 5 × 10^k) giving about 5 ticks up to `top`.
double nice_step(double top) {
  if (top <= 0) return 1;
  const double raw = top / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * magnitude) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string tick_label(double v, bool percent) {
  if (percent) return fmt::format("{:g} %", v);
  if (v == std::floor(v)) return std::fabs(v) >= 1000 ? human_number(v) : fmt::format("{:.0f}", v);
  return std::fabs(v) >= 100 ? human_number(v) : fmt::format("{:.2g}", v);
}

constexpr double kPlotWidth = kWidth - kLeft - kRight, kPlotHeight = kHeight - kTop - kBottom;

// A value's height on a y axis from 0 to `top`.
double y_of(double v, double top) { return kTop + kPlotHeight * (1 - v / top); }

// The document's opening: white background, title, subtitle.
std::string svg_open(const std::string& title, const std::string& subtitle) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"30\" font-size=\"18\" font-weight=\"bold\">{3}</text>\n"
      "<text x=\"{2}\" y=\"50\" fill=\"#555\">{4}</text>\n",
      kWidth, kHeight, kLeft, escape(title), escape(subtitle));
}

// Horizontal grid lines from 0 to `top` every `step`, labelled on the y axis; then both axes
// with their labels.
void add_grid_and_axes(std::string& svg, double top, double step, bool percent,
                       const std::string& x_label, const std::string& y_label) {
  for (double v = 0; v <= top + step / 2; v += step) {
    svg += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#e5e5e5\"/>\n"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\" fill=\"#333\">{5}</text>\n",
        kLeft, kLeft + kPlotWidth, y_of(v, top), kLeft - 8, y_of(v, top) + 4,
        tick_label(v, percent));
  }
  svg += fmt::format(
      "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#333\"/>\n"
      "<line x1=\"{0}\" x2=\"{3}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#333\"/>\n"
      "<text transform=\"translate(24,{4:.1f}) rotate(-90)\" text-anchor=\"middle\">{5}</text>\n"
      "<text x=\"{6:.1f}\" y=\"{7}\" text-anchor=\"middle\">{8}</text>\n",
      kLeft, kTop, kTop + kPlotHeight, kLeft + kPlotWidth, kTop + kPlotHeight / 2, escape(y_label),
      kLeft + kPlotWidth / 2, kHeight - 18, escape(x_label));
}

// The chart's categories: 0 attention scores, 1 attention projections, 2 MLP and experts,
// 3 lm_head and loss, 4 the rest (norms, RoPE, residual adds).
int share_category(const Op& op) {
  const Component c = op.component;
  if (op.kind() == OpKind::kAttention) return 0;
  if (op.kind() == OpKind::kLinear && (c == Component::kAttention || c == Component::kIndexer)) {
    return 1;
  }
  if (c == Component::kMlp || c == Component::kExperts || c == Component::kSharedExperts ||
      c == Component::kRouter) {
    return 2;
  }
  if (c == Component::kLmHead || c == Component::kLoss) return 3;
  return 4;
}

}  // namespace

const char* series_color(const ChartSeries& s, std::size_t position) {
  const std::size_t i = s.color >= 0 ? static_cast<std::size_t>(s.color) : position;
  return kColors[i % std::size(kColors)];
}

std::string render_svg(const StackedBarChart& c) {
  const std::size_t n = c.categories.size();
  std::vector<double> totals(n, 0);
  for (const ChartSeries& s : c.series) {
    for (std::size_t i = 0; i < n && i < s.values.size(); ++i) totals[i] += s.values[i];
  }
  double top = c.percent ? 100 : *std::max_element(totals.begin(), totals.end());
  if (c.reference) top = std::max(top, *c.reference);
  const double step = c.percent ? 20 : nice_step(top * 1.05);
  if (!c.percent) top = std::ceil(top * 1.05 / step) * step;
  auto y = [&](double v) { return y_of(v, top); };
  std::string svg = svg_open(c.title, c.subtitle);
  add_grid_and_axes(svg, top, step, c.percent, c.x_label, c.y_label);
  // Bars.
  const double slot = n ? kPlotWidth / static_cast<double>(n) : kPlotWidth;
  const double bar = std::min(slot * 0.6, 90.0);
  // Labels wider than their slot (about 7 px a character at 13 px) are turned, so they never
  // overlap.
  std::size_t longest = 0;
  for (const std::string& l : c.categories) longest = std::max(longest, l.size());
  const bool turned = static_cast<double>(longest) * 7.0 > slot - 6;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = kLeft + slot * (static_cast<double>(i) + 0.5) - bar / 2;
    double base = 0;
    for (std::size_t k = 0; k < c.series.size(); ++k) {
      const double v = i < c.series[k].values.size() ? c.series[k].values[i] : 0;
      if (v <= 0) continue;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{}: {}</title></rect>\n",
          x, y(base + v), bar, y(base) - y(base + v), series_color(c.series[k], k),
          escape(c.series[k].name), human_number(v));
      base += v;
    }
    if (turned) {
      svg += fmt::format(
          "<text transform=\"translate({:.1f},{:.1f}) rotate(-35)\" "
          "text-anchor=\"end\">{}</text>\n",
          x + bar / 2 + 4, kTop + kPlotHeight + 14, escape(c.categories[i]));
    } else {
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                         x + bar / 2, kTop + kPlotHeight + 20, escape(c.categories[i]));
    }
    if (!c.percent) {
      svg += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"11\" "
          "fill=\"#333\">{}</text>\n",
          x + bar / 2, y(totals[i]) - 5, human_number(totals[i]));
    }
  }
  // Reference line.
  if (c.reference) {
    svg += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#d62728\" "
        "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n"
        "<text x=\"{1}\" y=\"{3:.1f}\" text-anchor=\"end\" fill=\"#d62728\">{4}</text>\n",
        kLeft, kLeft + kPlotWidth, y(*c.reference), y(*c.reference) - 6, escape(c.reference_label));
  }
  // Legend, top entry = top of the stack.
  double ly = kTop;
  for (std::size_t k = c.series.size(); k-- > 0;) {
    svg += fmt::format(
        "<rect x=\"{0}\" y=\"{1:.1f}\" width=\"14\" height=\"14\" fill=\"{2}\"/>\n"
        "<text x=\"{3}\" y=\"{4:.1f}\">{5}</text>\n",
        kWidth - kRight + 20, ly, series_color(c.series[k], k), kWidth - kRight + 40, ly + 12,
        escape(c.series[k].name));
    ly += 22;
  }
  return svg + "</svg>\n";
}

StackedBarChart memory_chart(const std::string& model, const std::vector<std::string>& labels,
                             const std::vector<MemoryCounts>& counts, const Gpu& gpu,
                             ByteUnits units) {
  StackedBarChart c;
  c.title = fmt::format("{}: training memory per GPU", model);
  c.subtitle =
      "stacked: what the peak holds; dashed: the GPU's usable memory less the CUDA context";
  c.x_label = "run";
  const bool binary = units == ByteUnits::kBinary;
  c.y_label = binary ? "GiB per GPU" : "GB per GPU";
  c.categories = labels;
  const double unit = binary ? 1024.0 * 1024 * 1024 : 1e9;
  for (const MemoryPartInfo& part : kMemoryParts) {
    ChartSeries s{std::string(part.label), {}, static_cast<int>(part.part)};
    for (const MemoryCounts& m : counts) {
      s.values.push_back(to_double(m.peak_phase().bytes(part.part)) / unit);
    }
    if (std::any_of(s.values.begin(), s.values.end(), [](double v) { return v > 0; })) {
      c.series.push_back(s);
    }
  }
  c.reference = to_double(gpu.usable_bytes - std::min(gpu.usable_bytes, kCudaContextBytes)) / unit;
  c.reference_label = fmt::format("{} ({:.0f} {})", gpu.name, *c.reference, binary ? "GiB" : "GB");
  return c;
}

StackedBarChart memory_sweep_chart(const std::string& model, const std::vector<MemoryRun>& runs,
                                   const Gpu& gpu, ByteUnits units) {
  std::vector<MemoryCounts> counts;
  bool batch_varies = false, seq_varies = false, zero_varies = false;
  for (const MemoryRun& r : runs) {
    counts.push_back(r.counts);
    batch_varies |= r.workload.batch != runs.front().workload.batch;
    seq_varies |= r.workload.seq != runs.front().workload.seq;
    zero_varies |= r.options.zero_stage != runs.front().options.zero_stage;
  }
  std::vector<std::string> labels;
  labels.reserve(runs.size());
  for (const MemoryRun& r : runs) {
    labels.push_back(zero_varies    ? fmt::format("ZeRO {}", r.options.zero_stage)
                     : seq_varies   ? with_commas(static_cast<std::uint64_t>(r.workload.seq))
                     : batch_varies ? fmt::format("{}", r.workload.batch)
                                    : r.label);
  }
  StackedBarChart c = memory_chart(model, labels, counts, gpu, units);
  const MemoryRun& first = runs.front();
  const bool stages = std::all_of(runs.begin(), runs.end(), [](const MemoryRun& r) {
    return r.label.rfind("stage ", 0) == 0;  // a layout's pipeline stages (answer_memory)
  });
  if (stages) {
    c.title += " by pipeline stage";
    c.x_label = fmt::format("pipeline stage, one GPU of each (batch {}, seq {})",
                            first.workload.batch, first.workload.seq);
  } else if (zero_varies) {
    c.title += " by ZeRO stage";
    c.x_label = fmt::format("ZeRO stage over {} GPUs (batch {}, seq {})", first.options.gpus,
                            first.workload.batch, first.workload.seq);
  } else if (seq_varies) {
    c.title += " by sequence length";
    c.x_label = fmt::format("sequence length in tokens (micro-batch {})", first.workload.batch);
  } else if (batch_varies) {
    c.title += " by micro-batch";
    c.x_label = fmt::format("micro-batch in sequences (seq {})", first.workload.seq);
  } else {
    c.x_label = "micro-batch (b) and sequence length (s)";
  }
  return c;
}

StackedBarChart flops_share_chart(const Graph& g, const std::vector<FlopCounts>& runs) {
  StackedBarChart c;
  c.title = fmt::format("{}: where a training step's FLOPs go, by sequence length", g.spec.name);
  c.subtitle = fmt::format("share of forward + backward FLOPs, batch {}, attention FLOPs {}",
                           runs.front().workload.batch, to_string(runs.front().options.attention));
  c.x_label = "sequence length in tokens";
  c.y_label = "% of step FLOPs";
  c.percent = true;
  const char* names[] = {"attention scores", "attention projections", "MLP / experts",
                         "lm_head and loss", "norms, RoPE, adds"};
  std::vector<ChartSeries> series;
  for (const char* name : names) series.push_back({name, {}});
  for (const FlopCounts& f : runs) {
    double parts[5] = {0, 0, 0, 0, 0};
    for (const Block& b : g.blocks) {
      for (const Op& op : b.ops) {
        const OpFlops of = op_flops(op, f.workload.batch, f.workload.seq, f.options.attention);
        const double v = to_double(of.forward() + of.backward()) * static_cast<double>(b.repeat);
        const int k = share_category(op);
        parts[k] += v;
      }
    }
    const double total = parts[0] + parts[1] + parts[2] + parts[3] + parts[4];
    for (int k = 0; k < 5; ++k)
      series[static_cast<std::size_t>(k)].values.push_back(100 * parts[k] / total);
    c.categories.push_back(with_commas(static_cast<std::uint64_t>(f.workload.seq)));
  }
  c.series = series;
  return c;
}

StackedBarChart serving_chart(const std::string& model,
                              const std::vector<std::pair<std::int64_t, ServingMemory>>& runs,
                              bool by_context, std::int64_t held, ByteUnits units) {
  const bool binary = units == ByteUnits::kBinary;
  const double unit = binary ? 1024.0 * 1024 * 1024 : 1e9;
  StackedBarChart c;
  c.title = fmt::format("{}: serving memory per GPU by {}", model,
                        by_context ? "context" : "concurrency");
  const std::string held_text = by_context
                                    ? fmt::format("{} sequence{}", held, held == 1 ? "" : "s")
                                    : fmt::format("sequences of {} tokens", held);
  c.subtitle = fmt::format("{}; dashed: the engine's budget (--gpu-memory-utilization)", held_text);
  c.x_label = by_context ? "tokens per sequence" : "sequences served at once";
  c.y_label = binary ? "GiB per GPU" : "GB per GPU";
  std::vector<ChartSeries> series{
      {"weights", {}, 0}, {"KV cache", {}, 6}, {"activations", {}, 2}, {"reserve", {}, 9}};
  for (const auto& [x, m] : runs) {
    c.categories.push_back(by_context ? with_commas(static_cast<std::uint64_t>(x))
                                      : std::to_string(x));
    series[0].values.push_back(to_double(m.weights) / unit);
    series[1].values.push_back(to_double(m.kv) / unit);
    series[2].values.push_back(to_double(m.activations) / unit);
    series[3].values.push_back(to_double(m.reserve) / unit);
  }
  c.series = std::move(series);
  if (!runs.empty()) {
    c.reference = to_double(runs.front().second.budget) / unit;
    c.reference_label = fmt::format("budget {}", human_bytes(runs.front().second.budget, units));
  }
  return c;
}

std::string render_svg(const FrontChart& c) {
  double right = c.capacity, top = 0;
  for (const auto& points : {&c.front, &c.marked}) {
    for (const auto& [x, y] : *points) {
      right = std::max(right, x);
      top = std::max(top, y);
    }
  }
  const double x_step = nice_step(right * 1.05), y_step = nice_step(top * 1.05);
  right = std::max(std::ceil(right * 1.05 / x_step) * x_step, x_step);
  top = std::max(std::ceil(top * 1.05 / y_step) * y_step, y_step);
  auto px = [&](double v) { return kLeft + kPlotWidth * v / right; };
  auto py = [&](double v) { return y_of(v, top); };
  std::string svg = svg_open(c.title, c.subtitle);
  add_grid_and_axes(svg, top, y_step, false, c.x_label, c.y_label);
  for (double v = 0; v <= right + x_step / 2; v += x_step) {
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#e5e5e5\"/>\n"
        "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#333\">{4}</text>\n",
        px(v), kTop, kTop + kPlotHeight, kTop + kPlotHeight + 18, tick_label(v, false));
  }
  // The front as a staircase: from each point, right at its time until the next, faster one.
  std::string path;
  for (std::size_t i = 0; i < c.front.size(); ++i) {
    const auto [x, y] = c.front[i];
    path += fmt::format("{}{:.1f},{:.1f} ", i == 0 ? "M" : "L", px(x), py(y));
    const double next = i + 1 < c.front.size() ? c.front[i + 1].first : c.capacity;
    if (next > x) path += fmt::format("L{:.1f},{:.1f} ", px(next), py(y));
  }
  if (!path.empty()) {
    svg += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", path,
                       kColors[0]);
  }
  for (const auto& [x, y] : c.front) {
    svg += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{} GiB, {} s</title>"
        "</circle>\n",
        px(x), py(y), kColors[0], human_number(x), human_number(y));
  }
  for (std::size_t i = 0; i < c.marked.size(); ++i) {
    const auto [x, y] = c.marked[i];
    svg += fmt::format(
        "<circle cx=\"{0:.1f}\" cy=\"{1:.1f}\" r=\"6\" fill=\"none\" stroke=\"{2}\" "
        "stroke-width=\"2\"/>\n<text x=\"{3:.1f}\" y=\"{4:.1f}\" fill=\"{2}\">{5}</text>\n",
        px(x), py(y), kColors[1], px(x) + 8, py(y) - 8, i + 1);
  }
  if (c.capacity > 0) {
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#d62728\" "
        "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n"
        "<text x=\"{3:.1f}\" y=\"{4}\" fill=\"#d62728\">{5}</text>\n",
        px(c.capacity), kTop, kTop + kPlotHeight, px(c.capacity) + 6, kTop + 12,
        escape(c.capacity_label));
  }
  // Legend.
  svg += fmt::format(
      "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"/>\n"
      "<text x=\"{4}\" y=\"{5}\">Pareto front</text>\n"
      "<circle cx=\"{6}\" cy=\"{7}\" r=\"6\" fill=\"none\" stroke=\"{8}\" stroke-width=\"2\"/>\n"
      "<text x=\"{4}\" y=\"{9}\">best layouts, by rank</text>\n",
      kWidth - kRight + 20, kWidth - kRight + 34, kTop + 7, kColors[0], kWidth - kRight + 40,
      kTop + 12, kWidth - kRight + 27, kTop + 29, kColors[1], kTop + 34);
  return svg + "</svg>\n";
}

FrontChart plan_chart(const std::string& model, const PlanResult& r, ByteUnits units) {
  // The front's slow end (deep pipelines, TP across nodes) would flatten the rest: it is cut at
  // this many times the fastest iteration.
  constexpr double kFrontSpan = 3;
  const bool binary = units == ByteUnits::kBinary;
  const double unit = binary ? 1024.0 * 1024 * 1024 : 1e9;
  FrontChart c;
  c.title = model + ": the fastest layout at each memory per GPU";
  c.subtitle = fmt::format(
      "{} of {} valid layouts fit; the front up to {:g}× the fastest iteration (no layout is "
      "both faster and smaller than one of its points)",
      r.fit, r.valid, kFrontSpan);
  c.x_label =
      binary ? "GiB per GPU (the bounding stage's peak)" : "GB per GPU (the bounding stage's peak)";
  c.y_label = "seconds per iteration";
  const double fastest = r.front.empty() ? 0 : r.front.back().iteration_s;
  for (const ParetoPoint& p : r.front) {
    if (p.iteration_s <= kFrontSpan * fastest) {
      c.front.emplace_back(to_double(p.peak) / unit, p.iteration_s);
    }
  }
  for (const PlannedLayout& p : r.best) {
    c.marked.emplace_back(to_double(p.peak) / unit, p.time.iteration_s);
  }
  c.capacity = to_double(r.capacity) / unit;
  c.capacity_label = fmt::format("capacity {}", human_bytes(r.capacity, units));
  return c;
}

}  // namespace tsize
