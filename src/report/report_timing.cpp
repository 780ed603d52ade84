#include <fmt/format.h>

#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {
namespace {

std::string cluster_words(const Cluster& c) {
  return fmt::format("{} × {} ({}), dense {} peak {:.1f} TFLOP/s per GPU", c.gpus, c.gpu.name,
                     c.gpu.custom ? "from flags" : c.gpu.full_name, to_string(c.dtype),
                     to_double(peak_flops(c)) / 1e12);
}

}  // namespace

Section utilization_section(const FlopCounts& f, const Cluster& c, const Utilization& u) {
  Section s;
  s.key = "mfu";
  const bool replicas = c.model_parallel > 1;  // a parallel layout: one replica on T·P·C GPUs
  const std::string per =
      replicas ? fmt::format("per replica of {} GPUs", c.model_parallel) : std::string("per GPU");
  s.title = fmt::format("Utilization (batch {} × grad-accum {} × seq {} {}, {} GPUs)",
                        f.workload.batch, f.workload.grad_accum, f.workload.seq, per, c.gpus);
  const auto copies = static_cast<std::uint64_t>(c.gpus / c.model_parallel);
  s.facts = {
      Fact::of_real("step_time_s", "step time", u.step_time_s, Unit::kSeconds),
      {"tokens_per_step", "tokens per step", mul(f.tokens, copies), Unit::kCount, "all GPUs"},
      Fact::of_real("tokens_per_s", "tokens per second", u.tokens_per_s, Unit::kPerSecond,
                    "all GPUs"),
      {replicas ? "model_flops_per_replica_step" : "model_flops_per_gpu_step",
       replicas ? "model FLOPs per replica step" : "model FLOPs per GPU step", f.model,
       Unit::kFlops, "exact"},
      Fact::of_real("achieved_flops_per_s", "achieved FLOP/s per GPU", u.achieved_flops_per_s,
                    Unit::kFlopsPerSecond),
      Fact::of_real("mfu", "MFU", u.mfu, Unit::kRatio, "model FLOPs, exact count"),
      Fact::of_real("hfu", "HFU", u.hfu, Unit::kRatio, "with recomputation"),
      Fact::of_real("mfu_6n", "MFU by 6N", u.mfu_6n, Unit::kRatio, "6·N FLOPs per token"),
      Fact::of_real("mfu_palm", "MFU by PaLM", u.mfu_palm, Unit::kRatio,
                    "6·N + 12·L·H·Q·T per token (nanoGPT's estimate_mfu)"),
  };
  s.assumptions = {
      cluster_words(c),
      replicas ? "--batch is the micro-batch; a replica runs global batch / data-parallel ranks "
                 "sequences per step; tokens/s counts every GPU"
               : "--batch and --grad-accum are per GPU (data parallel); tokens/s counts every GPU",
      "MFU = model FLOPs / (step time · peak); Chowdhery et al. 2022 (PaLM) App. B",
  };
  return s;
}

Section training_section(const FlopCounts& f, const Cluster& c, const TrainingRun& r,
                         MfuSource mfu) {
  const bool mfu_assumed = mfu != MfuSource::kMeasured;
  Section s;
  s.key = "train";
  s.title = fmt::format("Training on {} tokens", human_count(r.tokens));
  const double deviation =
      (to_double(r.flops_6nd) - to_double(r.model_flops)) / to_double(r.model_flops) * 100;
  s.facts = {
      {"tokens", "tokens", r.tokens, Unit::kCount, ""},
      {"model_flops", "model FLOPs", r.model_flops, Unit::kFlops,
       fmt::format("exact per token at seq {}", f.workload.seq)},
      {"hardware_flops", "hardware FLOPs", r.hardware_flops, Unit::kFlops, "with recomputation"},
      {"flops_6nd", "6·N·D", r.flops_6nd, Unit::kFlops,
       fmt::format("{:+.2f} % vs exact; Kaplan et al. 2020", deviation)},
      Fact::of_real("mfu", "MFU", r.mfu, Unit::kRatio,
                    mfu == MfuSource::kMeasured    ? "measured"
                    : mfu == MfuSource::kGiven     ? "given by --mfu"
                    : mfu == MfuSource::kStepModel ? "implied by the step model (tsize step)"
                                                   : "assumed: the default; --mfu sets it"),
      Fact::of_real("seconds", "wall time", r.seconds, Unit::kSeconds),
      Fact::of_real("gpu_hours", "GPU-hours", r.gpu_hours, Unit::kCount),
      {"chinchilla_tokens", "compute-optimal tokens", r.chinchilla_tokens, Unit::kCount,
       "≈ 20 per parameter; Hoffmann et al. 2022"},
  };
  if (r.seconds_6nd) {
    s.facts.push_back(Fact::of_real("seconds_6nd", "wall time by 6·N·D", *r.seconds_6nd,
                                    Unit::kSeconds, "what 6ND-based estimates report"));
  }
  if (r.cost) s.facts.push_back(Fact::of_real("cost", "cost", *r.cost, Unit::kMoney));
  s.assumptions = {
      cluster_words(c),
      mfu_assumed ? "time = model FLOPs / (GPUs · peak · MFU)"
                  : "time = tokens / measured tokens per second",
  };
  return s;
}

Section compute_optimal_section(Count budget, const ComputeOptimal& o) {
  Section s;
  s.key = "compute_optimal";
  s.title = fmt::format("Compute-optimal model for {}", human_flops(budget));
  s.facts = {
      {"budget_flops", "budget", budget, Unit::kFlops, ""},
      {"optimal_params", "parameters", o.params, Unit::kCount, "N = √(C / 120)"},
      {"optimal_tokens", "tokens", o.tokens, Unit::kCount, "D = 20·N"},
  };
  s.assumptions = {
      "C = 6·N·D and D ≈ 20·N: Hoffmann et al. 2022 (arXiv:2203.15556), the "
      "usual reading of their Table 3"};
  return s;
}

}  // namespace tsize
