#include "tsize/chart.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.hpp"
#include "tsize/answers.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MemoryChart, StacksAddUpToThePeaks) {
  const Graph g = build_graph(load_preset("gpt2"));
  MemoryOptions o;
  o.precision = Precision::kAmpBf16;
  std::vector<MemoryCounts> counts;
  for (const std::int64_t b : {1, 8}) {
    Workload w;
    w.batch = b;
    counts.push_back(count_memory(g, resolve_workload(g.spec, w), o));
  }
  const StackedBarChart c =
      memory_chart("gpt2", {"b=1", "b=8"}, counts, find_gpu("RTX-4090"), ByteUnits::kBinary);
  for (std::size_t i = 0; i < 2; ++i) {
    double total = 0;
    for (const ChartSeries& s : c.series) total += s.values[i];
    EXPECT_NEAR(total, to_double(counts[i].peak()) / (1 << 30), 1e-9);
  }
  // RTX 4090: torch's total_memory 25,756,172,288 B less the 512 MiB CUDA context.
  EXPECT_DOUBLE_EQ(*c.reference, (25'756'172'288.0 - 512.0 * (1 << 20)) / (1 << 30));
  const std::string svg = render_svg(c);
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr("RTX-4090 (23 GiB)"));
  EXPECT_THAT(svg, HasSubstr(">activations</text>"));
  EXPECT_THAT(svg, Not(HasSubstr(">master weights</text>")));  // autocast has no master copy
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  // The same chart as data (`--chart FILE.json`, what the Python module plots): every value, each
  // part's color as the SVG draws it.
  const auto j = nlohmann::json::parse(render_chart_json(c));
  EXPECT_EQ(j["kind"], "stacked_bars");
  EXPECT_EQ(j["categories"], nlohmann::json({"b=1", "b=8"}));
  ASSERT_EQ(j["series"].size(), c.series.size());
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    EXPECT_EQ(j["series"][k]["name"], c.series[k].name);
    EXPECT_EQ(j["series"][k]["values"].get<std::vector<double>>(), c.series[k].values);
    EXPECT_THAT(svg,
                HasSubstr(fmt::format("fill=\"{}\"", j["series"][k]["color"].get<std::string>())));
  }
  EXPECT_DOUBLE_EQ(j["reference"].get<double>(), *c.reference);
  EXPECT_EQ(j["reference_label"], "RTX-4090 (23 GiB)");
}

TEST(FlopsChart, SharesSumToOneHundredAndAttentionGrowsWithContext) {
  const Graph g = build_graph(load_preset("gpt2"));
  std::vector<FlopCounts> runs;
  for (const std::int64_t s : {128, 1024}) {
    Workload w;
    w.seq = s;
    runs.push_back(count_flops(g, resolve_workload(g.spec, w), {}));
  }
  const StackedBarChart c = flops_share_chart(g, runs);
  for (std::size_t i = 0; i < 2; ++i) {
    double total = 0;
    for (const ChartSeries& s : c.series) total += s.values[i];
    EXPECT_NEAR(total, 100.0, 1e-9);
  }
  EXPECT_LT(c.series[0].values[0], c.series[0].values[1]);  // attention scores: s² vs s
}

TEST(RenderSvg, EscapesText) {
  StackedBarChart c;
  c.title = "a < b & \"c\"";
  c.categories = {"x"};
  c.series = {{"s", {1.0}}};
  EXPECT_THAT(render_svg(c), HasSubstr("a &lt; b &amp; &quot;c&quot;"));
}

TEST(FrontChart, FrontPointsAndBestLayoutsOnTheGpusLine) {
  PlanResult r;
  r.capacity = Count{80} << 30;
  r.front = {{Count{20} << 30, 4.0}, {Count{40} << 30, 3.0}, {Count{60} << 30, 2.5}};
  PlannedLayout best;
  best.peak = Count{60} << 30;
  best.time.iteration_s = 2.5;
  r.best = {best};
  r.fit = 10;
  r.valid = 20;
  const FrontChart c = plan_chart("m", r, ByteUnits::kBinary);
  ASSERT_EQ(c.front.size(), 3U);
  EXPECT_DOUBLE_EQ(c.front[1].first, 40.0);  // GiB
  EXPECT_DOUBLE_EQ(c.front[1].second, 3.0);
  EXPECT_DOUBLE_EQ(c.capacity, 80.0);
  EXPECT_THAT(c.subtitle, HasSubstr("10 of 20 valid layouts fit"));
  // A point slower than 3× the fastest is left out (it would flatten the rest).
  PlanResult slow = r;
  slow.front.insert(slow.front.begin(), ParetoPoint{Count{1} << 30, 7.6});
  EXPECT_EQ(plan_chart("m", slow, ByteUnits::kBinary).front.size(), 3U);
  slow.front.front().iteration_s = 7.4;
  EXPECT_EQ(plan_chart("m", slow, ByteUnits::kBinary).front.size(), 4U);
  const std::string svg = render_svg(c);
  std::size_t circles = 0;
  for (std::size_t at = svg.find("<circle"); at != std::string::npos;
       at = svg.find("<circle", at + 1)) {
    ++circles;
  }
  EXPECT_EQ(circles, 3U + 1U + 1U);  // the front, the best layout's mark, the legend's
  EXPECT_THAT(svg, HasSubstr("capacity 80.00 GiB"));
  EXPECT_THAT(svg, HasSubstr("Pareto front"));
  const auto j = nlohmann::json::parse(render_chart_json(c));
  EXPECT_EQ(j["kind"], "front");
  ASSERT_EQ(j["front"].size(), 3U);
  EXPECT_DOUBLE_EQ(j["front"][1][0].get<double>(), 40.0);
  EXPECT_DOUBLE_EQ(j["front"][1][1].get<double>(), 3.0);
  EXPECT_EQ(j["marked"].size(), 1U);
  EXPECT_DOUBLE_EQ(j["capacity"].get<double>(), 80.0);
  EXPECT_THAT(svg, HasSubstr("</svg>"));
}

TEST(ServingChart, BarsAreEachLoadsPartsUnderTheBudget) {
  // Llama-3-8B at 8,192 tokens on an H100: 56 sequences fit (--concurrency max), so the bars run
  // 1, 2, 4, ..., 32, the 56 asked for, 64.
  const Graph g = build_graph(load_preset("llama-3-8b"));
  InferRequest q;
  q.gpu = find_gpu("H100-SXM");
  q.context = 8192;
  q.by_concurrency = true;
  const InferAnswer a = answer_infer(g, q);
  ASSERT_EQ(a.by_concurrency.size(), 8U);
  EXPECT_EQ(a.by_concurrency[6].first, 56);
  EXPECT_EQ(a.by_concurrency.back().first, 64);
  const StackedBarChart c =
      serving_chart("llama-3-8b", a.by_concurrency, false, 8192, ByteUnits::kBinary);
  ASSERT_EQ(c.categories.size(), 8U);
  for (std::size_t i = 0; i < c.categories.size(); ++i) {
    double total = 0;
    for (const ChartSeries& s : c.series) total += s.values[i];
    EXPECT_NEAR(total, to_double(a.by_concurrency[i].second.peak) / (1 << 30), 1e-9);
  }
  EXPECT_DOUBLE_EQ(*c.reference, to_double(a.by_concurrency[0].second.budget) / (1 << 30));
  EXPECT_GT(to_double(a.by_concurrency.back().second.peak) / (1 << 30), *c.reference);
}

TEST(ServingChart, ByContextDoublesTheTokensToTheModelsContext) {
  // Llama-3.1-8B-shaped llama-3-8b has 8,192 positions: bars at 1,024, 2,048, 4,096, 8,192, each
  // holding the KV of 4 sequences of that many tokens (131,072 bytes a token).
  const Graph g = build_graph(load_preset("llama-3-8b"));
  InferRequest q;
  q.gpu = find_gpu("H100-SXM");
  q.context = 4096;
  q.concurrency = 4;
  q.by_context = true;
  const InferAnswer a = answer_infer(g, q);
  ASSERT_EQ(a.by_context.size(), 4U);
  EXPECT_EQ(a.by_context.back().first, 8192);
  EXPECT_EQ(a.by_context.back().second.kv, 4ULL * 8192 * 131'072);
  const StackedBarChart c = serving_chart("llama-3-8b", a.by_context, true, 4, ByteUnits::kBinary);
  EXPECT_EQ(c.categories.back(), "8,192");
  EXPECT_EQ(c.x_label, "tokens per sequence");
}

}  // namespace
}  // namespace tsize
