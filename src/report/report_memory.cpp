#include <fmt/format.h>

#include <algorithm>

#include "counts/op_tree.hpp"
#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {
namespace {

std::vector<std::string> memory_assumptions(const MemoryOptions& o, const MemoryCounts& m) {
  std::vector<std::string> a = recipe_assumptions(o);
  a.push_back(fmt::format("peak at the {}", phase_info(m.peak_phase().phase).name));
  a.push_back(
      "gradients are set to None between steps (PyTorch's default): without accumulation only "
      "the first gradient exists when backward starts");
  if (o.zero_stage > 0) {
    a.push_back(fmt::format("ZeRO stage {} over {} GPUs: optimizer states{}{} sharded",
                            o.zero_stage, o.gpus, o.zero_stage >= 2 ? ", gradients" : "",
                            o.zero_stage >= 3 ? " and weights" : ""));
  }
  if (o.overhead_bytes == 0) {
    a.push_back(
        "no framework overhead added (--overhead): the peak is what the allocator hands out "
        "(torch.cuda.max_memory_allocated); nvidia-smi also shows the CUDA context");
  }
  return a;
}

// The activations saved when backward starts, by op.
Breakdown activation_tree(const Graph& g, const MemoryOptions& o, const SavedActivations& a) {
  if (o.recompute == Recompute::kFull) {  // the layers keep their inputs; the rest as walked
    return Breakdown{"activations", {a.total}, 1, "full recomputation: each layer's input", {}};
  }
  detail::OpRows rows;
  for (const Count bytes : a.per_op) {
    if (bytes == 0) {
      rows.emplace_back();
    } else {
      rows.emplace_back(detail::OpRow{{bytes}, 1, ""});
    }
  }
  Breakdown tree = detail::op_tree(g, rows);
  tree.name = "activations";
  return tree;
}

// The peak phase, part by part; activations as a tree by op while they are all saved.
Breakdown peak_tree(const Graph& g, const MemoryOptions& o, const MemoryCounts& m) {
  const MemoryPhase& peak = m.peak_phase();
  Breakdown root{"peak", {}, 1, std::string(phase_info(peak.phase).name), {}};
  for (const PhasePart& p : peak.parts()) {
    if (p.part == MemoryPart::kActivations && peak.phase == Phase::kStartOfBackward) {
      root.children.push_back(activation_tree(g, o, m.activations));
      continue;
    }
    root.children.push_back(
        Breakdown{std::string(part_info(p.part).label), {p.bytes}, 1, std::string(p.note), {}});
  }
  sum_up(root);
  return root;
}

// The transient part of a phase: the loss's (start of backward) or a recomputed layer's.
Count transient(const MemoryPhase& p) {
  return add(p.bytes(MemoryPart::kLossTransient), p.bytes(MemoryPart::kRecomputedLayer));
}

}  // namespace

std::vector<std::string> recipe_assumptions(const MemoryOptions& o) {
  const StateBytes b = state_bytes_per_param(o.precision, o.optimizer);
  std::vector<std::string> a = {fmt::format(
      "--precision {}: weights {:g} B, gradients {:g} B, master {:g} B, {} states {:.4g} B per "
      "parameter{}",
      to_string(o.precision), b.weights, b.gradients, b.master, to_string(o.optimizer), b.optimizer,
      o.optimizer == Optimizer::kAdafactor ? " (factored: rows + columns per matrix)" : "")};
  for (std::string& line : describe_knobs(o.runtime, o.kernels)) a.push_back(std::move(line));
  a.push_back(fmt::format("--device {}, --dropout {:g}, --recompute {}", to_string(o.device),
                          o.dropout, to_string(o.recompute)));
  return a;
}

std::vector<Fact> gpu_memory_facts(const GpuMemoryFacts& g) {
  const MemoryPhase& peak = g.phases[g.peak_index];
  const ModelStates& st = g.states;
  std::vector<Fact> f = {
      {"weights", "weights", st.weights, Unit::kBytes, ""},
      {"gradients", "gradients", st.gradients, Unit::kBytes, std::string(g.gradients_note)},
      {"master_weights", "master weights", st.master_weights, Unit::kBytes, ""},
      {"optimizer", "optimizer states", st.optimizer, Unit::kBytes, ""},
      {"optimizer_temporaries", "optimizer temporaries", st.optimizer_temporaries, Unit::kBytes,
       "during the optimizer step"},
      {"autocast_weight_copies", "autocast weight copies", g.autocast_copies, Unit::kBytes, ""},
      {"activations", "activations", g.activations, Unit::kBytes, std::string(g.activations_note)},
      {"loss_transient", "transient at the peak", transient(peak), Unit::kBytes, ""},
      {"gradients_at_peak", "gradients at the peak", peak.bytes(MemoryPart::kGradients),
       Unit::kBytes, ""},
      {"overhead", "overhead", g.overhead, Unit::kBytes, ""},
  };
  for (const MemoryPhase& p : g.phases) {
    const PhaseInfo& info = phase_info(p.phase);
    f.push_back({"phase_" + std::string(info.key), "phase: " + std::string(info.name), p.total,
                 Unit::kBytes, ""});
  }
  f.push_back({"peak", "peak", peak.total, Unit::kBytes, std::string(phase_info(peak.phase).name)});
  return f;
}

Section memory_section(const Graph& g, const Workload& w, const MemoryOptions& o,
                       const MemoryCounts& m, const ActivationEstimate& korthikanti) {
  Section s;
  s.key = "memory";
  s.title = fmt::format("Training memory per GPU (batch {}, seq {}, grad-accum {})", w.batch, w.seq,
                        w.grad_accum);
  s.unit = Unit::kBytes;
  s.columns = {"bytes"};
  s.breakdown = peak_tree(g, o, m);
  s.facts = {
      {"batch", "batch", to_count(w.batch), Unit::kCount, "sequences per micro-batch"},
      {"seq", "seq", to_count(w.seq), Unit::kCount, "tokens per sequence"},
      {"grad_accum", "grad-accum", to_count(w.grad_accum), Unit::kCount, "micro-batches per step"},
  };
  const GpuMemoryFacts facts{m.states,
                             m.activations.autocast_weight_copies,
                             m.activations.total,
                             "saved for backward",
                             m.overhead,
                             m.phases,
                             m.peak_index,
                             "all of them"};
  for (Fact& f : gpu_memory_facts(facts)) s.facts.push_back(std::move(f));
  s.facts.push_back({"approx_korthikanti", "L·s·b·h·(34 + 5·a·s/h)", korthikanti.value,
                     Unit::kBytes,
                     fmt::format("{:+.2f} % vs exact activations without recomputation; "
                                 "Korthikanti et al. 2022 §4.1, layers only, 16-bit with "
                                 "dropout masks",
                                 korthikanti.deviation * 100)});
  s.assumptions = memory_assumptions(o, m);
  return s;
}

Section memory_sweep_section(const std::vector<MemoryRun>& runs) {
  Section s;
  s.key = "memory_sweep";
  s.title = "Training memory per GPU by run";
  s.unit = Unit::kBytes;
  s.show_share = false;
  for (const MemoryRun& r : runs) s.columns.push_back(r.label);
  Breakdown peak{"peak", {}, 1, "", {}};
  for (const MemoryPartInfo& part : kMemoryParts) {
    Breakdown row{std::string(part.label), {}, 1, "", {}};
    for (const MemoryRun& r : runs) row.values.push_back(r.counts.peak_phase().bytes(part.part));
    if (std::any_of(row.values.begin(), row.values.end(), [](Count v) { return v > 0; })) {
      peak.children.push_back(row);  // a part no run holds at its peak gets no row
    }
  }
  s.breakdown.name = "sweep";
  s.breakdown.children.push_back(peak);
  sum_up(s.breakdown);
  for (const MemoryRun& r : runs) {
    std::string key = "peak_" + r.label;
    for (char& c : key) c = c == ' ' || c == '=' ? '_' : c;
    s.facts.push_back({key, "peak at " + r.label, r.counts.peak(), Unit::kBytes,
                       std::string(phase_info(r.counts.peak_phase().phase).name)});
  }
  return s;
}

Section fit_section(const Workload& w, const std::vector<GpuFit>& fits, ByteUnits units) {
  Section s;
  s.key = "fit";
  s.title = fmt::format("What fits (batch {}, seq {})", w.batch, w.seq);
  s.unit = Unit::kCount;
  s.columns = {"max_batch"};
  s.show_share = false;
  s.breakdown.name = "gpus";
  for (const GpuFit& f : fits) {
    const std::string margin =
        f.margin_bytes >= 0
            ? human_bytes(static_cast<std::uint64_t>(f.margin_bytes), units) + " to spare"
            : human_bytes(static_cast<std::uint64_t>(-f.margin_bytes), units) + " short";
    s.breakdown.children.push_back(Breakdown{
        f.gpu.name,
        {to_count(f.max_batch)},
        1,
        fmt::format("{} at batch {}: {} of {} usable ({})", f.fits ? "fits" : "does not fit",
                    w.batch, human_bytes(f.peak, units), human_bytes(f.capacity, units), margin),
        {}});
  }
  s.assumptions = {
      "max_batch: the largest micro-batch whose peak fits the GPU's usable memory; 0: not even "
      "one sequence",
      "usable: what a process can allocate (torch's total_memory, `tsize gpus`), less the CUDA "
      "context (default --cuda-context 512MiB); fragmentation and other processes take more "
      "(--overhead adds to the peak)"};
  return s;
}

Section checkpoint_section(const Graph& g, Dtype dtype, bool with_optimizer, Optimizer optimizer,
                           std::optional<Count> actual) {
  Section s;
  s.key = "checkpoint";
  s.title = "Checkpoint size";
  const ParamCounts p = count_param_totals(g);
  const Count dtype_bytes = dtype == Dtype::kFp32 || dtype == Dtype::kTf32 ? 4
                            : dtype == Dtype::kFp8                         ? 1
                                                                           : 2;
  const Count weights = mul(p.total, dtype_bytes, "checkpoint bytes");
  Count total = weights;
  s.facts.push_back({"weights", fmt::format("weights ({})", to_string(dtype)), weights,
                     Unit::kBytes, fmt::format("{} B/param", to_string(dtype_bytes))});
  if (with_optimizer) {
    StatesOptions o;
    o.optimizer = optimizer;  // fp32 states, unsharded
    const Count states = model_states(g, o).optimizer;
    total = add(total, states);
    s.facts.push_back(
        {"optimizer", fmt::format("{} states", to_string(optimizer)), states, Unit::kBytes,
         optimizer == Optimizer::kAdafactor
             ? std::string("factored: rows + columns per matrix")
             : fmt::format("{:.4g} B/param",
                           state_bytes_per_param(Precision::kFp32, optimizer).optimizer)});
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
