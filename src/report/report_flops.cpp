#include <fmt/format.h>

#include <functional>

#include "tsize/flop_estimates.hpp"
#include "tsize/report.hpp"

namespace tsize {
namespace {

std::string attention_words(AttentionFlops mode) {
  return mode == AttentionFlops::kFull
             ? "attention scores: all s² (query, key) pairs per head, as eager PyTorch computes "
               "them and FlopCounterMode counts (--attention-flops causal: only unmasked pairs)"
             : "attention scores: only the (query, key) pairs a query may see (causal mask, "
               "sliding window, sparse top-k), as kernels that skip masked blocks compute";
}

}  // namespace

Section flops_section(const Graph& graph, const ParamCounts& params, const FlopCounts& f) {
  Section s;
  s.key = "flops";
  s.title = fmt::format("FLOPs (batch {}, seq {}, grad-accum {})", f.workload.batch, f.workload.seq,
                        f.workload.grad_accum);
  s.unit = Unit::kFlops;
  s.columns = {"forward", "backward", "step"};
  s.share_column = 2;
  s.breakdown = f.breakdown;
  const auto u = [](std::int64_t v) { return Count{static_cast<std::uint64_t>(v)}; };
  s.facts = {
      {"batch", "batch", u(f.workload.batch), Unit::kCount, "sequences per micro-batch"},
      {"seq", "seq", u(f.workload.seq), Unit::kCount, "tokens per sequence"},
      {"grad_accum", "grad-accum", u(f.workload.grad_accum), Unit::kCount,
       "micro-batches per step"},
      {"tokens", "tokens per step", f.tokens, Unit::kCount, ""},
      {"forward", "forward", f.forward, Unit::kFlops, ""},
      {"backward", "backward", f.backward, Unit::kFlops, ""},
      {"recompute", "recompute", f.recompute, Unit::kFlops,
       fmt::format("--recompute {}", to_string(f.options.recompute))},
      {"step", "step", f.hardware, Unit::kFlops, "forward + backward + recompute"},
      {"model_flops", "model FLOPs", f.model, Unit::kFlops, "forward + backward: MFU's numerator"},
      {"hardware_flops", "hardware FLOPs", f.hardware, Unit::kFlops, "with recompute: HFU's"},
      {"forward_matmul", "forward matmul", f.forward_matmul, Unit::kFlops, "matmuls only"},
      {"backward_matmul", "backward matmul", f.backward_matmul, Unit::kFlops, "matmuls only"},
      {"per_token", "model FLOPs per token", f.per_token(), Unit::kFlops, "rounded"},
      {"per_sequence", "model FLOPs per sequence", f.per_sequence(), Unit::kFlops, "rounded"},
  };
  for (const FlopEstimate& e : flop_estimates(graph, params, f)) {
    s.facts.push_back({e.key, e.label, e.value, Unit::kFlops, deviation(e) + "; " + e.source});
  }
  s.assumptions = {
      "matmuls 2·m·n·k; backward of a matmul = 2 × forward (input and weight gradients)",
      attention_words(f.options.attention),
      "pointwise ops (norms, softmax, activations, RoPE, adds, loss) by per-element "
      "conventions (docs/formulas.md), backward 2 × forward; embedding lookups count 0",
  };
  if (params.active != params.total) {
    s.assumptions.push_back(
        "MoE: each token runs through its k routed experts and the shared "
        "ones; approximations use active parameters");
  }
  return s;
}

Section flops_sweep_section(const std::vector<FlopCounts>& runs) {
  Section s;
  s.key = "flops_sweep";
  s.title = fmt::format("Step FLOPs by sequence length (batch {})", runs.front().workload.batch);
  s.unit = Unit::kFlops;
  s.share_column = -1;
  // Columns side by side: rebuild the tree with one value per run, same shape for every run.
  s.breakdown = runs.front().breakdown;
  std::function<void(Breakdown&, const std::vector<const Breakdown*>&)> merge =
      [&](Breakdown& into, const std::vector<const Breakdown*>& nodes) {
        into.values.clear();
        for (const Breakdown* n : nodes) into.values.push_back(n->value(2));
        for (std::size_t i = 0; i < into.children.size(); ++i) {
          std::vector<const Breakdown*> kids;
          kids.reserve(nodes.size());
          for (const Breakdown* n : nodes) kids.push_back(&n->children[i]);
          merge(into.children[i], kids);
        }
      };
  std::vector<const Breakdown*> roots;
  for (const FlopCounts& r : runs) {
    roots.push_back(&r.breakdown);
    s.columns.push_back(fmt::format("s={}", r.workload.seq));
  }
  merge(s.breakdown, roots);
  for (const FlopCounts& r : runs) {
    s.facts.push_back({fmt::format("per_token_s{}", r.workload.seq),
                       fmt::format("per token at s={}", r.workload.seq), r.per_token(),
                       Unit::kFlops, "model FLOPs, rounded"});
  }
  s.assumptions = {attention_words(runs.front().options.attention)};
  return s;
}

}  // namespace tsize
