#include "tsize/flops.hpp"

#include <algorithm>

#include "op_tree.hpp"

namespace tsize {
namespace {

Count u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

int activation_flops(const Op& op) {
  int f = 0;
  switch (op.activation) {
    case Activation::kGelu:
      f = kGeluFlops;
      break;
    case Activation::kGeluTanh:
      f = kGeluTanhFlops;
      break;
    case Activation::kSilu:
      f = kSiluFlops;
      break;
    case Activation::kRelu:
      f = kReluFlops;
      break;
  }
  return op.gated ? f + kGateFlops : f;
}

// A pointwise op: `elements` · `per_element` forward, the convention's factor backward.
OpFlops pointwise(Count elements, int per_element) {
  OpFlops f;
  f.forward_other = mul(elements, u(per_element), "pointwise FLOPs");
  f.backward_other = mul(f.forward_other, u(kBackwardPointwiseFactor), "pointwise FLOPs");
  return f;
}

OpFlops attention_flops(const Op& op, std::int64_t batch, std::int64_t seq, AttentionFlops mode) {
  const AttentionShape& a = op.attention;
  // scores = q·kᵀ: [s × d_qk]·[d_qk × s] per head; out = p·v: [s × s]·[s × d_v] per head.
  const Count scores = mul(mul(u(batch), u(a.heads)), attention_pairs(a, seq, mode), "attention");
  OpFlops f = pointwise(scores, a.softmax ? kSoftmaxFlops : kIndexerScoreFlops);
  f.forward_matmul = mul(mul(scores, 2), u(a.qk_dim + a.v_dim), "attention FLOPs");
  f.backward_matmul = mul(f.forward_matmul, 2, "attention FLOPs");
  return f;
}

}  // namespace

Count attention_pairs(const AttentionShape& a, std::int64_t seq, AttentionFlops mode) {
  const Count s = u(seq);
  if (mode == AttentionFlops::kFull || !a.causal) return s * s;
  std::int64_t w = seq;  // keys the last query sees
  if (a.window > 0) w = std::min(w, a.window);
  if (a.top_k > 0) w = std::min(w, a.top_k);
  // Query i (0-based) sees min(i + 1, w) keys: a triangle of w rows, then (s − w) full rows.
  const Count wc = u(w);
  return wc * (wc + 1) / 2 + (s - wc) * wc;
}

OpFlops op_flops(const Op& op, std::int64_t batch, std::int64_t seq, AttentionFlops mode) {
  const Count tokens = op.first_token_only ? u(batch) : mul(u(batch), u(seq), "tokens");
  const Count routed = mul(tokens, u(op.active_copies), "routed tokens");  // experts: k per token
  switch (op.kind) {
    case OpKind::kLinear: {
      OpFlops f;
      // [tokens × in]·[in × out]; backward: dX = dY·Wᵀ and dW = Xᵀ·dY, each the same size.
      f.forward_matmul = mul(mul(mul(routed, 2), u(op.in)), u(op.out), "matmul FLOPs");
      f.backward_matmul = mul(f.forward_matmul, 2, "matmul FLOPs");
      if (op.bias) {  // bias add forward, its gradient (a sum over tokens) backward
        f.forward_other = mul(routed, u(op.out));
        f.backward_other = f.forward_other;
      }
      return f;
    }
    case OpKind::kEmbedding:
      return {};  // a lookup and a scatter of gradients: memory traffic, no arithmetic counted
    case OpKind::kNorm: {
      const int per = op.norm == NormKind::kRMSNorm ? kRmsNormFlops
                      : op.bias                     ? kLayerNormFlops
                                                    : kLayerNormFlops - 1;
      return pointwise(mul(mul(tokens, u(op.per_token)), u(op.out)), per);
    }
    case OpKind::kRotary: {  // q heads and k heads, rotated part of each
      const AttentionShape& a = op.attention;
      return pointwise(mul(tokens, u((a.heads + a.kv_heads) * a.rotary_dim)), kRopeFlops);
    }
    case OpKind::kAttention:
      return attention_flops(op, batch, seq, mode);
    case OpKind::kActivation:
      return pointwise(mul(routed, u(op.out)), activation_flops(op));
    case OpKind::kResidual:
      return pointwise(mul(tokens, u(op.out)), 1);
    case OpKind::kBias: {  // added to router scores for selection; receives no gradient
      OpFlops f;
      f.forward_other = mul(tokens, u(op.out));
      return f;
    }
    case OpKind::kPooler:
      return pointwise(mul(tokens, u(op.out)), 1);  // tanh
    case OpKind::kLoss:
      return pointwise(mul(tokens, u(op.out)), kCrossEntropyFlops);
  }
  return {};
}

FlopCounts count_flops(const Graph& graph, const Workload& w, const FlopOptions& o) {
  FlopCounts r;
  r.workload = w;
  r.options = o;
  const Count steps = u(w.grad_accum);
  r.sequences = mul(u(w.batch), steps, "sequences");
  r.tokens = mul(r.sequences, u(w.seq), "tokens");
  // FLOPs of op for one instance of its block over the whole step; recompute as configured.
  auto step_flops = [&](const Block& block, const Op& op, Count* recompute) {
    OpFlops f = op_flops(op, w.batch, w.seq, o.attention);
    f.forward_matmul = mul(f.forward_matmul, steps, "forward FLOPs");
    f.forward_other = mul(f.forward_other, steps, "forward FLOPs");
    f.backward_matmul = mul(f.backward_matmul, steps, "backward FLOPs");
    f.backward_other = mul(f.backward_other, steps, "backward FLOPs");
    const bool in_layer = !block.layers.empty();
    const bool again = (o.recompute == Recompute::kFull && in_layer) ||
                       (o.recompute == Recompute::kSelective && op.kind == OpKind::kAttention);
    *recompute = again ? f.forward() : Count{0};
    return f;
  };
  for (const Block& block : graph.blocks) {
    const Count n = u(block.repeat);
    for (const Op& op : block.ops) {
      Count again = 0;
      const OpFlops f = step_flops(block, op, &again);
      r.forward_matmul = add(r.forward_matmul, mul(f.forward_matmul, n), "forward FLOPs");
      r.backward_matmul = add(r.backward_matmul, mul(f.backward_matmul, n), "backward FLOPs");
      r.forward = add(r.forward, mul(f.forward(), n), "forward FLOPs");
      r.backward = add(r.backward, mul(f.backward(), n), "backward FLOPs");
      r.recompute = add(r.recompute, mul(again, n), "recompute FLOPs");
    }
  }
  r.model = add(r.forward, r.backward, "model FLOPs");
  r.hardware = add(r.model, r.recompute, "hardware FLOPs");
  r.breakdown = detail::op_tree(graph, [&](const Block& block, const Op& op) {
    Count again = 0;
    const OpFlops f = step_flops(block, op, &again);
    const Count fwd = f.forward(), bwd = f.backward();
    const Count step = add(add(fwd, bwd), again);
    if (step == 0) return std::optional<detail::OpRow>();  // lookups: no row
    return std::optional<detail::OpRow>(detail::OpRow{{fwd, bwd, step}, ""});
  });
  return r;
}

}  // namespace tsize
