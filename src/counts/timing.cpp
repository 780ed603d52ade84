#include "tsize/timing.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tsize/error.hpp"
#include "tsize/flop_estimates.hpp"

namespace tsize {
namespace {

// The FLOPs of an estimate by key, for the same step.
Count estimate(const Graph& g, const ParamCounts& p, const FlopCounts& f, const char* key) {
  for (const FlopEstimate& e : flop_estimates(g, p, f)) {
    if (e.key == key) return e.value;
  }
  return 0;
}

void check_positive(double v, const char* flag) {
  if (!(v > 0) || !std::isfinite(v))
    throw Error(fmt::format("{} {}: expected a positive number", flag, v));
}

}  // namespace

Count peak_flops(const Cluster& c) {
  const auto peak = c.gpu.peak(c.dtype);
  if (!peak || *peak == 0) {
    throw Error(fmt::format("{} has no dense {} peak in the catalog (try --dtype)", c.gpu.name,
                            to_string(c.dtype)));
  }
  return *peak;
}

Utilization measure_utilization(const Graph& g, const ParamCounts& p, const FlopCounts& f,
                                const Cluster& c, double step_time_s) {
  check_positive(step_time_s, "--step-time");
  if (c.gpus <= 0) throw Error(fmt::format("--gpus {}: expected a positive integer", c.gpus));
  const double peak = to_double(peak_flops(c));
  const auto mp = static_cast<double>(c.model_parallel);
  Utilization u;
  u.step_time_s = step_time_s;
  u.tokens_per_s = to_double(f.tokens) * static_cast<double>(c.gpus) / mp / step_time_s;
  u.achieved_flops_per_s = to_double(f.model) / mp / step_time_s;
  u.mfu = u.achieved_flops_per_s / peak;
  u.hfu = to_double(f.hardware) / mp / step_time_s / peak;
  u.mfu_6n = to_double(estimate(g, p, f, "approx_6n")) / mp / step_time_s / peak;
  u.mfu_palm = to_double(estimate(g, p, f, "approx_palm")) / mp / step_time_s / peak;
  if (u.hfu > 1.0) {
    // No GPU exceeds its peak: the step did less work than described, or took longer.
    std::string msg = fmt::format(
        "inconsistent inputs: MFU would be {:.1f} % (HFU {:.1f} %) of {}'s dense {} peak "
        "{:.1f} TFLOP/s; no step can exceed 100 %. Likely causes:",
        100 * u.mfu, 100 * u.hfu, c.gpu.name, to_string(c.dtype), peak / 1e12);
    msg += fmt::format(
        "\n  - --batch {} and --grad-accum {} are per GPU; if they are the "
        "global batch of a multi-GPU step, divide them by the GPU count",
        f.workload.batch, f.workload.grad_accum);
    msg += fmt::format("\n  - the step ran on at least {} GPUs at once, not --gpus {}",
                       static_cast<long long>(std::ceil(u.hfu)), c.gpus);
    msg += fmt::format("\n  - --step-time {} s is not the time of one whole optimizer step",
                       step_time_s);
    msg += "\n  - the peak is a sparse or wrong figure (tsize's catalog uses dense peaks)";
    throw Error(msg);
  }
  return u;
}

TrainingRun plan_training(const ParamCounts& p, const FlopCounts& f, const Cluster& c, Count tokens,
                          std::optional<double> mfu, std::optional<double> step_time_s,
                          std::optional<double> price_per_gpu_hour) {
  if (tokens == 0) throw Error("--tokens 0: expected a positive number of training tokens");
  if (mfu.has_value() == step_time_s.has_value()) {
    throw Error("give exactly one of --mfu (assumed utilization) or --step-time (measured)");
  }
  if (c.gpus <= 0) throw Error(fmt::format("--gpus {}: expected a positive integer", c.gpus));
  TrainingRun r;
  r.tokens = tokens;
  // Exact FLOPs per token at this workload, scaled to D tokens: F_step · D / tokens_step.
  r.model_flops = mul(f.model, tokens, "training FLOPs") / f.tokens;
  r.hardware_flops = mul(f.hardware, tokens, "training FLOPs") / f.tokens;
  r.flops_6nd = mul(mul(6, p.active), tokens, "6ND");
  r.chinchilla_tokens = mul(20, p.total, "Chinchilla tokens");
  const double gpus = static_cast<double>(c.gpus);
  const double peak = to_double(peak_flops(c));
  if (mfu) {
    if (!(*mfu > 0 && *mfu <= 1))
      throw Error(fmt::format("--mfu {}: expected a value in (0, 1]", *mfu));
    r.mfu = *mfu;
    r.seconds = to_double(r.model_flops) / (gpus * peak * *mfu);
    r.seconds_6nd = to_double(r.flops_6nd) / (gpus * peak * *mfu);
  } else {
    check_positive(*step_time_s, "--step-time");
    const double tokens_per_s = to_double(f.tokens) * gpus / *step_time_s;
    r.seconds = to_double(tokens) / tokens_per_s;
    r.mfu = to_double(f.model) / *step_time_s / peak;
    if (r.mfu > 1.0) {
      throw Error(
          fmt::format("inconsistent inputs: the measured step implies MFU {:.1f} % "
                      "(see `tsize mfu` for the likely causes)",
                      100 * r.mfu));
    }
  }
  r.gpu_hours = r.seconds * gpus / 3600.0;
  if (price_per_gpu_hour) {
    if (!(*price_per_gpu_hour >= 0) || !std::isfinite(*price_per_gpu_hour)) {
      throw Error(fmt::format("--price-per-gpu-hour {}: expected a non-negative number",
                              *price_per_gpu_hour));
    }
    r.cost = r.gpu_hours * *price_per_gpu_hour;
  }
  return r;
}

ComputeOptimal compute_optimal(Count budget_flops) {
  if (budget_flops < 120) {  // 6·N·D with D = 20·N: a model of one parameter needs 120 FLOPs
    throw Error("--budget-flops " + to_string(budget_flops) +
                ": too small for a model of one parameter (6·N·20·N = 120 FLOPs at N = 1)");
  }
  // N = √(C / 120): the integer square root, exact for counts far beyond double's 2^53.
  const Count target = budget_flops / 120;
  Count n = static_cast<std::uint64_t>(std::sqrt(to_double(target)));
  while (n * n > target) --n;
  while ((n + 1) * (n + 1) <= target) ++n;
  return {n, mul(20, n, "tokens")};
}

}  // namespace tsize
