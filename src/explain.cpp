#include "tsize/explain.hpp"

#include <fmt/format.h>

#include "activations.hpp"
#include "tsize/flops.hpp"

namespace tsize {
namespace {

std::string path(const Block& b, const Op& op) {
  return b.name + "/" + (op.group == b.name ? "" : op.group + "/") + op.name;
}

std::string params_formula(const Op& op) {
  const std::string copies = op.copies > 1 ? fmt::format("{} × ", op.copies) : "";
  switch (op.kind) {
    case OpKind::kEmbedding:
      return fmt::format("rows·width = {}·{}  [nn.Embedding]", op.in, op.out);
    case OpKind::kLinear:
      return op.bias ? fmt::format("{}(in·out + out) = {}({}·{} + {})  [nn.Linear]", copies, copies,
                                   op.in, op.out, op.out)
                     : fmt::format("{}in·out = {}{}·{}  [nn.Linear, no bias]", copies, copies,
                                   op.in, op.out);
    case OpKind::kNorm:
      return op.bias
                 ? fmt::format("γ + β = 2·{}  [LayerNorm]", op.out)
                 : fmt::format("γ = {}  [{}]", op.out,
                               op.norm == NormKind::kRMSNorm ? "RMSNorm" : "LayerNorm, no bias");
    case OpKind::kBias:
      return fmt::format("{} values  [DeepSeek-V3 §2.1.2, not trained by gradients]", op.out);
    default:
      return "";
  }
}

std::string flops_formula(const Op& op, const Workload& w, AttentionFlops mode) {
  const std::int64_t n = op.first_token_only ? w.batch : w.batch * w.seq;
  switch (op.kind) {
    case OpKind::kLinear:
      return fmt::format("2·N·{}in·out = 2·{}·{}{}·{}{}; backward 2×  [2·m·n·k]",
                         op.active_copies > 1 ? "k·" : "", n,
                         op.active_copies > 1 ? fmt::format("{}·", op.active_copies) : "", op.in,
                         op.out, op.bias ? " (+ bias add N·out)" : "");
    case OpKind::kAttention: {
      const AttentionShape& a = op.attention;
      return fmt::format(
          "2·b·a·P·(d_qk + d_v) = 2·{}·{}·{}·({} + {}), P = {} pairs per head "
          "({}); + {} per score pointwise",
          w.batch, a.heads, to_string(attention_pairs(a, w.seq, mode)), a.qk_dim, a.v_dim,
          to_string(attention_pairs(a, w.seq, mode)),
          mode == AttentionFlops::kFull || !a.causal ? "s²" : "unmasked",
          a.softmax ? kSoftmaxFlops : kIndexerScoreFlops);
    }
    case OpKind::kEmbedding:
      return "a lookup: no arithmetic";
    default: {
      const char* what = op.kind == OpKind::kNorm
                             ? (op.norm == NormKind::kRMSNorm ? "4 (RMSNorm)" : "7 (LayerNorm)")
                         : op.kind == OpKind::kRotary     ? "3 (RoPE) on q and k heads"
                         : op.kind == OpKind::kResidual   ? "1 (add)"
                         : op.kind == OpKind::kLoss       ? "5 (log-softmax)"
                         : op.kind == OpKind::kActivation ? "5/9 (GELU erf/tanh), 5 (SiLU), +1 gate"
                                                          : "1";
      return fmt::format("{} FLOPs per element × N·{} (N = {}); backward 2×  [docs/formulas.md]",
                         what, op.out, n);
    }
  }
}

}  // namespace

Section explain_params(const Graph& g) {
  Section s;
  s.key = "explain_params";
  s.title = "Explain: parameters of each op (one instance)";
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      const Count n = mul(params_per_copy(op), static_cast<std::uint64_t>(op.copies));
      if (n == 0) continue;
      s.facts.push_back({path(b, op), path(b, op), n, Unit::kCount, params_formula(op)});
    }
  }
  return s;
}

Section explain_flops(const Graph& g, const Workload& w, const FlopOptions& o) {
  Section s;
  s.key = "explain_flops";
  s.title =
      fmt::format("Explain: forward FLOPs of each op (one instance, b {}, s {})", w.batch, w.seq);
  s.unit = Unit::kFlops;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      const OpFlops f = op_flops(op, w.batch, w.seq, o.attention);
      if (f.forward() == 0) continue;
      s.facts.push_back(
          {path(b, op), path(b, op), f.forward(), Unit::kFlops, flops_formula(op, w, o.attention)});
    }
  }
  return s;
}

Section explain_memory(const Graph& g, const Workload& w, const MemoryOptions& o) {
  Section s;
  s.key = "explain_memory";
  s.title = fmt::format("Explain: bytes each op saves for backward (one instance, b {}, s {})",
                        w.batch, w.seq);
  s.unit = Unit::kBytes;
  const detail::SavedTensors saved = detail::saved_for_backward(g, w, o);
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      const auto it = saved.per_op.find(&op);
      if (it == saved.per_op.end() || it->second == 0) continue;
      const auto what = saved.what.find(&op);
      s.facts.push_back(
          {path(b, op), path(b, op), it->second, Unit::kBytes,
           what != saved.what.end() ? what->second : "indices, statistics or the loss's tensors"});
    }
  }
  s.assumptions = {"each storage is charged to the first op that saves it, in forward order"};
  return s;
}

Section explain_utilization(const FlopCounts& f, const Cluster& c, const Utilization& u) {
  Section s;
  s.key = "explain_mfu";
  s.title = "Explain: utilization";
  const double peak = to_double(peak_flops(c));
  s.facts = {
      Fact::of_real(
          "tokens_per_s", "tokens per second", u.tokens_per_s, Unit::kPerSecond,
          fmt::format("GPUs · b · g · s / t = {} · {} · {} · {} / {}", c.gpus, f.workload.batch,
                      f.workload.grad_accum, f.workload.seq, u.step_time_s)),
      Fact::of_real("achieved_flops_per_s", "achieved FLOP/s per GPU", u.achieved_flops_per_s,
                    Unit::kFlopsPerSecond,
                    fmt::format("model FLOPs / t = {} / {}", to_string(f.model), u.step_time_s)),
      Fact::of_real("mfu", "MFU", u.mfu, Unit::kRatio,
                    fmt::format("achieved / peak = {:.6g} / {:.6g} ({} {} dense, gpus/gpus.json)",
                                u.achieved_flops_per_s, peak, c.gpu.name, to_string(c.dtype))),
      Fact::of_real("hfu", "HFU", u.hfu, Unit::kRatio,
                    fmt::format("hardware FLOPs / t / peak = {} / {} / {:.6g}",
                                to_string(f.hardware), u.step_time_s, peak)),
  };
  return s;
}

Section explain_training(const FlopCounts& f, const Cluster& c, const TrainingRun& r) {
  Section s;
  s.key = "explain_train";
  s.title = "Explain: training run";
  const double peak = to_double(peak_flops(c));
  s.facts = {
      {"model_flops", "model FLOPs", r.model_flops, Unit::kFlops,
       fmt::format("model FLOPs per step · D / tokens per step = {} · {} / {}", to_string(f.model),
                   to_string(r.tokens), to_string(f.tokens))},
      {"flops_6nd", "6·N·D", r.flops_6nd, Unit::kFlops,
       fmt::format("6 · {} · {}", to_string(r.flops_6nd / 6 / (r.tokens ? r.tokens : 1)),
                   to_string(r.tokens))},
      Fact::of_real("seconds", "wall time", r.seconds, Unit::kSeconds,
                    fmt::format("model FLOPs / (GPUs · peak · MFU) = {} / ({} · {:.6g} · {})",
                                to_string(r.model_flops), c.gpus, peak, r.mfu)),
      Fact::of_real("gpu_hours", "GPU-hours", r.gpu_hours, Unit::kCount,
                    fmt::format("seconds · GPUs / 3600 = {:.1f} · {} / 3600", r.seconds, c.gpus)),
  };
  if (r.cost) {
    s.facts.push_back(Fact::of_real(
        "cost", "cost", *r.cost, Unit::kMoney,
        fmt::format("GPU-hours · price = {:.1f} · {:.4g}", r.gpu_hours, *r.cost / r.gpu_hours)));
  }
  return s;
}

}  // namespace tsize
