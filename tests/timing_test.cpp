// Time, MFU and cost: seed 001's tables from their inputs, and cases derived by hand.
#include "tsize/timing.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"
#include "tsize/flops.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

FlopCounts step(const Graph& g, std::int64_t batch, std::int64_t grad_accum, std::int64_t seq) {
  Workload w;
  w.batch = batch;
  w.grad_accum = grad_accum;
  w.seq = seq;
  return count_flops(g, resolve_workload(g.spec, w), {});
}

Cluster on(const Gpu& gpu, std::int64_t gpus) {
  Cluster c;
  c.gpu = gpu;
  c.gpus = gpus;
  return c;
}

// Seed 001, "Total Training Compute": 6·N·D with its N = 1,557,304,000 (its get_params),
// D = 300e9 tokens, 8 GPUs at MFU 0.3, with its GPU_FLOPS table.
TEST(PlanTraining, ReproducesSeed001TrainingDaysFromItsInputs) {
  const Graph g = build_graph(load_preset("gpt2-xl"));
  ParamCounts seed_params = count_params(g);
  seed_params.active = seed_params.total = 1'557'304'000;
  const FlopCounts f = step(g, 1, 1, 1024);
  const struct {
    double tflops, days;
  } rows[] = {{756, 17.88}, {312, 43.33}, {83, 162.87}, {15, 901.22}};
  for (const auto& row : rows) {
    const TrainingRun r = plan_training(seed_params, f, on(custom_gpu(row.tflops, 80), 8),
                                        300'000'000'000, 0.3, std::nullopt, std::nullopt);
    EXPECT_NEAR(*r.seconds_6nd / 86400, row.days, 0.005) << row.tflops;
  }
}

// Seed 001, "GPU Flops Usage": batch 20 × grad_accum 5 sequences of 1024 tokens in 0.755 s on
// one H100 counted at 756 TFLOP/s. Its matmul-only FLOPs give 184.31 %; the exact model FLOPs
// (10,557,250,206,720 per sequence) give 100 · 10,557,250,206,720 / 0.755 / 756e12 = 185.0 %.
// No GPU exceeds its peak: tsize refuses the inputs and says why.
TEST(MeasureUtilization, RejectsSeed001sImpossibleMfu) {
  const Graph g = build_graph(load_preset("gpt2-xl"));
  const FlopCounts f = step(g, 20, 5, 1024);
  EXPECT_THAT(
      [&] { measure_utilization(g, count_params(g), f, on(custom_gpu(756, 80), 1), 0.755); },
      ThrowsMessage<Error>(AllOf(HasSubstr("MFU would be 185.0 %"), HasSubstr("at least 2 GPUs"))));
}

// nanoGPT's estimate_mfu, derived independently: GPT-2 small, B = 12, G = 40, T = 1024,
// N = 124,439,808 − 786,432 (wpe) = 123,653,376; per token 6N + 12·L·H·Q·T =
// 741,920,256 + 12·12·12·64·1024 = 855,166,464 FLOPs; per step × 1024 × 480.
TEST(MeasureUtilization, PalmMfuIsNanoGptsEstimate) {
  const Graph g = build_graph(load_preset("gpt2"));
  const FlopCounts f = step(g, 12, 40, 1024);
  const Utilization u =
      measure_utilization(g, count_params(g), f, on(find_gpu("A100-40GB"), 1), 5.0);
  const double per_step = 855'166'464.0 * 1024 * 480;
  EXPECT_NEAR(u.mfu_palm, per_step / 5.0 / 312e12, 1e-12);
  EXPECT_NEAR(u.mfu, to_double(f.model) / 5.0 / 312e12, 1e-12);
  EXPECT_NEAR(u.tokens_per_s, 12.0 * 40 * 1024 / 5.0, 1e-9);
  // Eight GPUs of the same per-GPU work: 8 × the tokens, the same MFU.
  const Utilization eight =
      measure_utilization(g, count_params(g), f, on(find_gpu("A100-40GB"), 8), 5.0);
  EXPECT_NEAR(eight.tokens_per_s, 8 * u.tokens_per_s, 1e-6);
  EXPECT_DOUBLE_EQ(eight.mfu, u.mfu);
}

TEST(PlanTraining, AssumedMfuAndMeasuredStepAgree) {
  const Graph g = build_graph(load_preset("gpt2"));
  const FlopCounts f = step(g, 8, 4, 1024);
  const ParamCounts p = count_params(g);
  const Cluster c = on(find_gpu("H100-SXM"), 8);
  // A step of 32 sequences on each GPU that takes t seconds runs at MFU = F / t / peak.
  const double t = 0.5, mfu = to_double(f.model) / t / 989.4e12;
  const TrainingRun measured = plan_training(p, f, c, 10'000'000'000, std::nullopt, t, 2.0);
  const TrainingRun assumed = plan_training(p, f, c, 10'000'000'000, mfu, std::nullopt, 2.0);
  EXPECT_NEAR(measured.seconds / assumed.seconds, 1.0, 1e-9);
  EXPECT_NEAR(measured.mfu, mfu, 1e-12);
  EXPECT_NEAR(*measured.cost, measured.gpu_hours * 2.0, 1e-9);
  EXPECT_NEAR(measured.gpu_hours, measured.seconds * 8 / 3600, 1e-9);
}

TEST(PlanTraining, BadInputsAreErrors) {
  const Graph g = build_graph(load_preset("gpt2"));
  const FlopCounts f = step(g, 1, 1, 1024);
  const ParamCounts p = count_params(g);
  const Cluster c = on(find_gpu("H100-SXM"), 1);
  EXPECT_THAT([&] { plan_training(p, f, c, 1000, 1.5, std::nullopt, std::nullopt); },
              ThrowsMessage<Error>(HasSubstr("--mfu 1.5: expected a value in (0, 1]")));
  EXPECT_THAT([&] { plan_training(p, f, c, 1000, 0.4, 1.0, std::nullopt); },
              ThrowsMessage<Error>(HasSubstr("exactly one of --mfu")));
  EXPECT_THAT([&] { plan_training(p, f, c, 1000, 0.4, std::nullopt, -1.0); },
              ThrowsMessage<Error>(HasSubstr("--price-per-gpu-hour")));
  Cluster fp8 = on(find_gpu("A100-80GB"), 1);
  fp8.dtype = Dtype::kFp8;
  EXPECT_THAT([&] { plan_training(p, f, fp8, 1000, 0.4, std::nullopt, std::nullopt); },
              ThrowsMessage<Error>(HasSubstr("A100-80GB has no dense fp8 peak")));
}

TEST(ComputeOptimal, ChinchillaSplit) {
  // C = 1e21: N = ⌊√(1e21 / 120)⌋ = ⌊2,886,751,345.9⌋, D = 20·N.
  const ComputeOptimal o = compute_optimal(Count{1'000'000'000'000'000'000} * 1000);
  EXPECT_EQ(o.params, 2'886'751'345);
  EXPECT_EQ(o.tokens, 57'735'026'900);
}

TEST(Gpus, CatalogHasDensePeaksAndFindsByNameCaseInsensitively) {
  const Gpu& h100 = find_gpu("h100-sxm");
  EXPECT_EQ(*h100.peak(Dtype::kBf16), 989'400'000'000'000);  // 1,979 "with sparsity" / 2
  EXPECT_EQ(h100.memory_bytes, Count{80} << 30);
  EXPECT_FALSE(find_gpu("A100-40GB").peak(Dtype::kFp8));
  for (const char* name : {"H100-SXM", "H100-PCIe", "H200", "B200", "A100-40GB", "A100-80GB", "L4",
                           "RTX-3090", "RTX-4090", "RTX-2070", "MI300X"}) {
    const Gpu& g = find_gpu(name);
    EXPECT_GT(g.memory_bytes, 0) << name;
    EXPECT_GT(g.bandwidth_bytes_per_s, 0) << name;
    EXPECT_TRUE(g.peak(Dtype::kFp32)) << name;
  }
  EXPECT_THAT([] { find_gpu("H100"); }, ThrowsMessage<Error>(HasSubstr("did you mean H100-SXM")));
  EXPECT_THAT([] { custom_gpu(-1, 80); }, ThrowsMessage<Error>(HasSubstr("--peak-tflops -1")));
}

}  // namespace
}  // namespace tsize
