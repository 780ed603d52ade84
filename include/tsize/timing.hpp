// Time, throughput, MFU and cost: from a measured step, or from an assumed MFU over a token
// budget. Model FLOPs come from the exact count (flops.hpp); times and ratios are reals.
#pragma once

#include <optional>
#include <string>

#include "tsize/flops.hpp"
#include "tsize/gpus.hpp"
#include "tsize/params.hpp"

namespace tsize {

// Where the step ran. --batch and --grad-accum are per model replica (data parallel, as
// nanoGPT's estimate_mfu reads them): one step processes gpus / model_parallel · batch ·
// grad_accum sequences, each replica on model_parallel GPUs (T·P·C of a parallel layout).
struct Cluster {
  Gpu gpu;
  Dtype dtype = Dtype::kBf16;  // whose peak the utilization is measured against
  std::int64_t gpus = 1;
  std::int64_t model_parallel = 1;  // GPUs per model replica; divides gpus
};

struct Utilization {
  double step_time_s = 0;
  double tokens_per_s = 0;          // all GPUs
  double achieved_flops_per_s = 0;  // model FLOPs per second per GPU
  double mfu = 0;                   // model FLOPs / (time · peak), Chowdhery et al. 2022 App. B
  double hfu = 0;                   // hardware FLOPs (with recompute) / (time · peak)
  double mfu_6n = 0;                // with 6·N FLOPs per token (N all active parameters)
  double mfu_palm = 0;              // with PaLM's 6·N + 12·L·H·Q·T
};

// Utilization of a measured step. `flops` is the count of one replica's step (its batch and
// grad_accum), shared by its cluster.model_parallel GPUs. Throws Error when MFU or HFU would exceed
// 100 %: the inputs are inconsistent, and the message names the likely cause.
Utilization measure_utilization(const Graph& graph, const ParamCounts& params,
                                const FlopCounts& flops, const Cluster& cluster,
                                double step_time_s);

// The peak FLOP/s of the cluster's GPU in its dtype. Throws Error if the GPU has none.
Count peak_flops(const Cluster& cluster);

struct TrainingRun {
  Count tokens = 0;                   // D
  Count model_flops = 0;              // exact model FLOPs per token at the workload's seq × D
  Count hardware_flops = 0;           // with recomputation
  Count flops_6nd = 0;                // 6·N·D, N active parameters (Kaplan)
  double seconds = 0;                 // wall time
  std::optional<double> seconds_6nd;  // at an assumed MFU: wall time if the run did 6·N·D FLOPs
  double gpu_hours = 0;
  std::optional<double> cost;   // with a price per GPU-hour
  double mfu = 0;               // assumed or implied by a step time
  Count chinchilla_tokens = 0;  // ≈ 20 tokens per parameter (Hoffmann et al. 2022)
};

// A run of `tokens` training tokens, either at an assumed MFU or at the throughput of a
// measured step (`step_time_s`, with `flops` describing one GPU's step). Exactly one of mfu and
// step_time_s is set. Throws Error for out-of-range inputs.
TrainingRun plan_training(const ParamCounts& params, const FlopCounts& flops,
                          const Cluster& cluster, Count tokens, std::optional<double> mfu,
                          std::optional<double> step_time_s,
                          std::optional<double> price_per_gpu_hour);

// Hoffmann et al. 2022 (arXiv:2203.15556): for a budget C = 6·N·D with D ≈ 20·N,
// N = √(C / 120) and D = 20·N.
struct ComputeOptimal {
  Count params = 0;
  Count tokens = 0;
};
// Throws Error for a budget below 120 FLOPs (not one parameter).
ComputeOptimal compute_optimal(Count budget_flops);

}  // namespace tsize
