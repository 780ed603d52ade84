#include <fmt/format.h>

#include <algorithm>

#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {
namespace {

std::vector<std::string> memory_assumptions(const MemoryOptions& o, const MemoryCounts& m) {
  const StateBytes b = state_bytes_per_param(o);
  std::vector<std::string> a = {
      fmt::format(
          "--precision {}: weights {:g} B, gradients {:g} B, master {:g} B, {} states "
          "{:.4g} B per parameter{}",
          to_string(o.precision), b.weights, b.gradients, b.master, to_string(o.optimizer),
          b.optimizer,
          o.optimizer == Optimizer::kAdafactor ? " (factored: rows + columns per matrix)" : ""),
      fmt::format("--attention {}, --device {}, --loss {}, --rmsnorm {}, --dropout {:g}, "
                  "--recompute {}",
                  o.attention == AttentionImpl::kFlash ? "flash" : "eager",
                  o.device == Device::kCpu ? "cpu" : "cuda",
                  o.loss == LossImpl::kFused ? "fused" : "eager",
                  o.fused_rmsnorm ? "fused" : "eager", o.dropout, to_string(o.recompute)),
      fmt::format("peak at the {}", m.peak_phase),
      "gradients are set to None between steps (PyTorch's default): without accumulation only "
      "the first gradient exists when backward starts",
  };
  if (o.zero_stage > 0) {
    a.push_back(fmt::format("ZeRO stage {} over {} GPUs: optimizer states{}{} sharded",
                            o.zero_stage, o.gpus, o.zero_stage >= 2 ? ", gradients" : "",
                            o.zero_stage >= 3 ? " and weights" : ""));
  }
  if (o.overhead_bytes == 0) {
    a.push_back(
        "no framework overhead added (--overhead): the peak is what the allocator "
        "hands out (torch.cuda.max_memory_allocated); nvidia-smi also shows the CUDA "
        "context");
  }
  return a;
}

}  // namespace

Count korthikanti_activations(const ModelSpec& spec, const Workload& w) {
  // Korthikanti et al. 2022 (arXiv:2205.05198) §4.1: per layer s·b·h·(34 + 5·a·s/h) bytes
  // = 34·s·b·h + 5·a·s²·b (16-bit activations, 1-byte dropout masks, MHA, d_ff = 4h).
  const Count s = static_cast<std::uint64_t>(w.seq), b = static_cast<std::uint64_t>(w.batch);
  const Count h = static_cast<std::uint64_t>(spec.d_model);
  const Count a = static_cast<std::uint64_t>(spec.n_heads);
  return mul(add(mul(34 * s * b, h), mul(5 * a * s * s, b)),
             static_cast<std::uint64_t>(spec.n_layers), "activation bytes");
}

Section memory_section(const Graph& g, const Workload& w, const MemoryOptions& o,
                       const MemoryCounts& m) {
  Section s;
  s.key = "memory";
  s.title = fmt::format("Training memory per GPU (batch {}, seq {}, grad-accum {})", w.batch, w.seq,
                        w.grad_accum);
  s.unit = Unit::kBytes;
  s.columns = {"bytes"};
  s.breakdown = m.breakdown;
  const auto u = [](std::int64_t v) { return Count{static_cast<std::uint64_t>(v)}; };
  s.facts = {
      {"batch", "batch", u(w.batch), Unit::kCount, "sequences per micro-batch"},
      {"seq", "seq", u(w.seq), Unit::kCount, "tokens per sequence"},
      {"grad_accum", "grad-accum", u(w.grad_accum), Unit::kCount, "micro-batches per step"},
      {"weights", "weights", m.weights, Unit::kBytes, ""},
      {"gradients", "gradients", m.gradients, Unit::kBytes, "all of them"},
      {"master_weights", "master weights", m.master_weights, Unit::kBytes, ""},
      {"optimizer", "optimizer states", m.optimizer, Unit::kBytes, ""},
      {"autocast_weight_copies", "autocast weight copies", m.autocast_weight_copies, Unit::kBytes,
       ""},
      {"activations", "activations", m.activations, Unit::kBytes, "saved for backward"},
      {"loss_transient", "transient at the peak", m.loss_transient, Unit::kBytes, ""},
      {"gradients_at_peak", "gradients at the peak", m.gradients_at_peak, Unit::kBytes, ""},
      {"overhead", "overhead", m.overhead, Unit::kBytes, ""},
      {"peak", "peak", m.peak, Unit::kBytes, m.peak_phase},
  };
  // The closed form assumes no recomputation: compare it with the exact count without it.
  MemoryOptions plain = o;
  plain.recompute = Recompute::kNone;
  const Count exact =
      o.recompute == Recompute::kNone ? m.activations : count_memory(g, w, plain).activations;
  const Count closed = korthikanti_activations(g.spec, w);
  s.facts.push_back({"approx_korthikanti", "L·s·b·h·(34 + 5·a·s/h)", closed, Unit::kBytes,
                     fmt::format("{:+.2f} % vs exact activations without recomputation; "
                                 "Korthikanti et al. 2022 §4.1, layers only, 16-bit with "
                                 "dropout masks",
                                 (to_double(closed) - to_double(exact)) / to_double(exact) * 100)});
  s.assumptions = memory_assumptions(o, m);
  return s;
}

Section memory_sweep_section(const std::vector<std::string>& labels,
                             const std::vector<MemoryCounts>& counts) {
  Section s;
  s.key = "memory_sweep";
  s.title = "Training memory per GPU by micro-batch";
  s.unit = Unit::kBytes;
  s.show_share = false;
  s.columns = labels;
  Breakdown peak{"peak", {}, 1, "", {}};
  auto row = [&](const char* name, Count MemoryCounts::*field) {
    Breakdown b{name, {}, 1, "", {}};
    for (const MemoryCounts& m : counts) b.values.push_back(m.*field);
    if (std::any_of(b.values.begin(), b.values.end(), [](Count v) { return v > 0; })) {
      peak.children.push_back(b);  // a state this recipe does not have gets no row
    }
  };
  row("weights", &MemoryCounts::weights);
  row("master weights", &MemoryCounts::master_weights);
  row("optimizer states", &MemoryCounts::optimizer);
  row("gradients at the peak", &MemoryCounts::gradients_at_peak);
  row("autocast weight copies", &MemoryCounts::autocast_weight_copies);
  row("activations", &MemoryCounts::activations);
  row("transient at the peak", &MemoryCounts::loss_transient);
  row("overhead", &MemoryCounts::overhead);
  s.breakdown.name = "sweep";
  s.breakdown.children.push_back(peak);
  sum_up(s.breakdown);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    std::string key = "peak_" + labels[i];
    for (char& c : key) c = c == ' ' || c == '=' ? '_' : c;
    s.facts.push_back(
        {key, "peak at " + labels[i], counts[i].peak, Unit::kBytes, counts[i].peak_phase});
  }
  return s;
}

std::int64_t max_micro_batch(const Graph& g, Workload w, const MemoryOptions& o, Count capacity) {
  auto fits = [&](std::int64_t b) {
    w.batch = b;
    return count_memory(g, w, o).peak <= capacity;
  };
  if (!fits(1)) return 0;
  std::int64_t lo = 1, hi = 2;
  while (hi <= kMaxDimension && fits(hi)) {
    lo = hi;
    hi *= 2;
  }
  hi = std::min(hi, kMaxDimension + 1);
  while (hi - lo > 1) {  // fits(lo), !fits(hi)
    const std::int64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

Section fit_section(const Graph& g, const Workload& w, const MemoryOptions& o,
                    const std::vector<Gpu>& gpus) {
  Section s;
  s.key = "fit";
  s.title = fmt::format("What fits (batch {}, seq {})", w.batch, w.seq);
  s.unit = Unit::kCount;
  s.columns = {"max_batch"};
  s.show_share = false;
  s.breakdown.name = "gpus";
  const Count peak = count_memory(g, w, o).peak;
  for (const Gpu& gpu : gpus) {
    const std::int64_t best = max_micro_batch(g, w, o, gpu.memory_bytes);
    const double share = to_double(peak) / to_double(gpu.memory_bytes);
    s.breakdown.children.push_back(Breakdown{
        gpu.name,
        {static_cast<std::uint64_t>(best)},
        1,
        fmt::format("{}: {} at batch {} ({:.0f} % of memory)",
                    human_bytes(gpu.memory_bytes, ByteUnits::kBinary),
                    peak <= gpu.memory_bytes ? "fits" : "does not fit", w.batch, 100 * share),
        {}});
  }
  s.assumptions = {
      "max_batch: the largest micro-batch whose peak fits the GPU's memory; 0: not "
      "even one sequence",
      "memory as the vendor states it (GiB); the CUDA context and fragmentation "
      "take some of it (--overhead)"};
  return s;
}

Section checkpoint_section(const ParamCounts& p, Dtype dtype, bool with_optimizer,
                           Optimizer optimizer, std::optional<Count> actual) {
  Section s;
  s.key = "checkpoint";
  s.title = "Checkpoint size";
  const Count dtype_bytes = dtype == Dtype::kFp32 || dtype == Dtype::kTf32 ? 4
                            : dtype == Dtype::kFp8                         ? 1
                                                                           : 2;
  const Count weights = mul(p.total, dtype_bytes, "checkpoint bytes");
  Count total = weights;
  s.facts.push_back({"weights", fmt::format("weights ({})", to_string(dtype)), weights,
                     Unit::kBytes, fmt::format("{} B/param", to_string(dtype_bytes))});
  if (with_optimizer) {
    MemoryOptions o;
    o.optimizer = optimizer;
    const Count states = static_cast<std::uint64_t>(
        std::llround(to_double(p.trainable) * state_bytes_per_param(o).optimizer));
    total = add(total, states);
    s.facts.push_back({"optimizer", fmt::format("{} states", to_string(optimizer)), states,
                       Unit::kBytes,
                       fmt::format("{:.4g} B/param", state_bytes_per_param(o).optimizer)});
    if (dtype_bytes != 4) {
      const Count master = mul(p.trainable, 4);
      total = add(total, master);
      s.facts.push_back({"master_weights", "fp32 master weights", master, Unit::kBytes,
                         "kept to resume mixed-precision training"});
    }
  }
  s.facts.push_back({"total", "estimate", total, Unit::kBytes, "tensor bytes only"});
  if (actual) {
    s.facts.push_back({"actual", "file", *actual, Unit::kBytes, ""});
    const double ratio = to_double(*actual) / to_double(total);
    s.facts.push_back(Fact::of_real("ratio", "file / estimate", ratio, Unit::kRatio,
                                    ratio < 0.5 || ratio > 2
                                        ? "far from the estimate: is it this model and dtype?"
                                        : "the rest is metadata and serialization"));
  }
  s.assumptions = {
      "torch.save / safetensors store each tensor's bytes plus a small header; "
      "tied matrices are stored once"};
  return s;
}

}  // namespace tsize
