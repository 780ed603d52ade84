#include "tsize/flops.hpp"

#include <algorithm>

#include "op_tree.hpp"

namespace tsize {
namespace {

int activation_flops(const Op& op) {
  int f = 0;
  switch (op.activation) {
    case Activation::kGelu:
      f = kGeluFlops;
      break;
    case Activation::kGeluTanh:
    case Activation::kGeluNew:
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

int norm_flops(const Op& op) {
  return op.norm == NormKind::kRMSNorm ? kRmsNormFlops
         : op.bias                     ? kLayerNormFlops
                                       : kLayerNormFlops - 1;
}

// The rows an op runs on, as three factors (unused ones are literal 1, left out of formulas):
// b, then s unless the op reads only the first token, then k for routed experts.
struct RowFactors {
  Input b, s, k;
};
RowFactors row_factors(const Op& op, std::int64_t batch, std::int64_t seq) {
  RowFactors r{{"b", to_count(batch)}, {"s", to_count(seq)}, {nullptr, 1}};
  if (op.first_token_only) r.s = {nullptr, 1};
  if (op.active_copies > 1) r.k = {"k", to_count(op.active_copies)};
  return r;
}

// Pairs P of one head in formulas, as attention_pairs() computes them.
#define TSIZE_P_FULL "s*s"
#define TSIZE_P_CAUSAL "s*(s+1)/2"
#define TSIZE_P_WINDOW(W) "(min(s," W ")*(min(s," W ")+1)/2+(s-min(s," W "))*min(s," W "))"
#define TSIZE_P_CHUNK \
  "(floor(s/chunk)*chunk*(chunk+1)/2+(s-floor(s/chunk)*chunk)*(s-floor(s/chunk)*chunk+1)/2)"
#define TSIZE_ATTENTION(P) "2*b*a*" P "*(d_qk+d_v)"

// The forward FLOPs of the attention core: both matmuls, and the pointwise work per score.
template <class Sink>
void attention_flops(const Op& op, std::int64_t batch, std::int64_t seq, AttentionFlops mode,
                     Sink& out) {
  const AttentionShape& a = op.attention;
  const Count pairs = attention_pairs(a, seq, mode);
  const Count scores = mul(mul(to_count(batch), to_count(a.heads)), pairs, "attention FLOPs");
  const Count matmul = mul(mul(scores, 2), to_count(a.qk_dim + a.v_dim), "attention FLOPs");
  const int per = a.softmax ? kSoftmaxFlops : kIndexerScoreFlops;
  const Count pointwise = mul(scores, to_count(per), "attention FLOPs");
  const bool full = mode == AttentionFlops::kFull || !a.causal;
  const bool window = a.window > 0 && !full, top_k = a.top_k > 0 && !full;
  const bool chunk = a.chunk > 0 && !full;
  const char* matmul_formula = full    ? TSIZE_ATTENTION(TSIZE_P_FULL)
                               : chunk ? TSIZE_ATTENTION(TSIZE_P_CHUNK)
                               : window && top_k
                                   ? TSIZE_ATTENTION(TSIZE_P_WINDOW("min(window,top_k)"))
                               : window ? TSIZE_ATTENTION(TSIZE_P_WINDOW("window"))
                               : top_k  ? TSIZE_ATTENTION(TSIZE_P_WINDOW("top_k"))
                                        : TSIZE_ATTENTION(TSIZE_P_CAUSAL);
  const char* pointwise_formula = full              ? "per*b*a*" TSIZE_P_FULL
                                  : chunk           ? "per*b*a*" TSIZE_P_CHUNK
                                  : window && top_k ? "per*b*a*" TSIZE_P_WINDOW("min(window,top_k)")
                                  : window          ? "per*b*a*" TSIZE_P_WINDOW("window")
                                  : top_k           ? "per*b*a*" TSIZE_P_WINDOW("top_k")
                                                    : "per*b*a*" TSIZE_P_CAUSAL;
  const Input b{"b", to_count(batch)}, s{"s", to_count(seq)}, heads{"a", to_count(a.heads)};
  const Input w{"window", to_count(a.window)}, k{"top_k", to_count(a.top_k)},
      c{"chunk", to_count(a.chunk)};
  out.formula("q·kᵀ and p·v", matmul, matmul_formula,
              {b, heads, s, w, k, c, {"d_qk", to_count(a.qk_dim)}, {"d_v", to_count(a.v_dim)}},
              TermKind::kMatmul);
  out.formula(a.softmax ? "scale, mask, softmax" : "ReLU, head weights, sum", pointwise,
              pointwise_formula, {{"per", to_count(per)}, b, heads, s, w, k, c},
              TermKind::kPointwise);
}

#undef TSIZE_P_FULL
#undef TSIZE_P_CAUSAL
#undef TSIZE_P_WINDOW
#undef TSIZE_P_CHUNK
#undef TSIZE_ATTENTION

// Writes the forward FLOPs of one instance of op (all its copies, each token through its
// active ones) for `batch` sequences of `seq` tokens to `out`.
template <class Sink>
void forward_flops(const Op& op, std::int64_t batch, std::int64_t seq, AttentionFlops mode,
                   Sink& out) {
  const RowFactors r = row_factors(op, batch, seq);
  const Input width{"out", to_count(op.out)};
  switch (op.kind()) {
    case OpKind::kLinear:
      // [tokens × in]·[in × out]; the bias add one FLOP per output element.
      out.set_source("2·m·n·k per matmul (PyTorch FlopCounterMode); bias add 1 per element");
      out.product("matmul", {{nullptr, 2}, r.b, r.s, r.k, {"in", to_count(op.in)}, width},
                  TermKind::kMatmul);
      if (op.bias) out.product("bias add", {r.b, r.s, r.k, width}, TermKind::kPointwise);
      return;
    case OpKind::kNorm: {
      out.set_source(op.norm == NormKind::kRMSNorm ? "RMSNorm: square, sum, scale, ·γ = 4 FLOPs "
                                                     "per element"
                     : op.bias ? "LayerNorm: mean, center, square, sum, scale, ·γ, +β = 7 FLOPs "
                                 "per element"
                               : "LayerNorm without β: mean, center, square, sum, scale, ·γ = 6 "
                                 "FLOPs per element");
      const Input per{nullptr, to_count(norm_flops(op))};
      const Input heads = op.per_token == 1         ? Input{nullptr, 1}
                          : op.role == Role::kQNorm ? Input{"a", to_count(op.per_token)}
                          : op.role == Role::kKNorm ? Input{"kv", to_count(op.per_token)}
                                                    : Input{nullptr, to_count(op.per_token)};
      out.product("normalize", {per, r.b, r.s, heads, width}, TermKind::kPointwise);
      return;
    }
    case OpKind::kRotary: {  // q heads and k heads, rotated part of each
      const AttentionShape& a = op.attention;
      out.set_source("RoPE: x·cos + rotate(x)·sin = 3 FLOPs per rotated element of q and k");
      const Count v = mul(
          mul(mul(to_count(batch), to_count(seq)), to_count((a.heads + a.kv_heads) * a.rotary_dim)),
          to_count(kRopeFlops), "rotary FLOPs");
      out.formula("rotate q and k", v, "3*b*s*(a+kv)*d_rot",
                  {r.b,
                   r.s,
                   {"a", to_count(a.heads)},
                   {"kv", to_count(a.kv_heads)},
                   {"d_rot", to_count(a.rotary_dim)}},
                  TermKind::kPointwise);
      return;
    }
    case OpKind::kRotaryTable: {  // [d_rot/2 × 1]·[1 × s] per forward, shared by the batch
      if (op.no_matmul) {
        out.set_source("torch.outer(positions, inv_freq) or cos[position_ids]: no matmul");
        return;
      }
      out.set_source(
          "transformers' rotary embedding: inv_freq @ position_ids, 2·(d_rot/2)·s, under "
          "no_grad; cos and sin are not counted");
      const Input half{"d_rot", to_count(op.out)};
      out.formula("inv_freq · positions", mul(to_count(op.out), to_count(seq)), "s*d_rot",
                  {r.s, half}, TermKind::kMatmul);
      return;
    }
    case OpKind::kAttention:
      out.set_source(op.attention.softmax
                         ? (op.attention.sinks
                                ? "2·m·n·k for q·kᵀ and p·v per head; softmax 6 FLOPs per score "
                                  "(scale, max, subtract, exp, sum, divide); the sink logit, "
                                  "one per query and head, is not counted"
                                : "2·m·n·k for q·kᵀ and p·v per head; softmax 6 FLOPs per score "
                                  "(scale, max, subtract, exp, sum, divide)")
                         : "DSA indexer: q·kᵀ per head, then ReLU, head weight and sum = 3 "
                           "FLOPs per score");
      attention_flops(op, batch, seq, mode, out);
      return;
    case OpKind::kActivation:
      out.set_source(op.gated
                         ? "activation FLOPs per element (GELU 5, GELU-tanh 9, SiLU 5, "
                           "ReLU 1) + 1 for ·up"
                         : "activation FLOPs per element: GELU 5, GELU-tanh 9, SiLU 5, ReLU 1");
      out.product("activation", {{nullptr, to_count(activation_flops(op))}, r.b, r.s, r.k, width},
                  TermKind::kPointwise);
      return;
    case OpKind::kResidual:
      out.set_source("residual add: 1 FLOP per element");
      out.product("add", {r.b, r.s, width}, TermKind::kPointwise);
      return;
    case OpKind::kBias:
      out.set_source("score bias added for expert selection: 1 FLOP per element, no gradient");
      out.product("add", {r.b, r.s, width}, TermKind::kPointwise);
      return;
    case OpKind::kPooler:
      out.set_source("tanh on the first token: 1 FLOP per element");
      out.product("tanh", {r.b, width}, TermKind::kPointwise);
      return;
    case OpKind::kLoss:
      out.set_source("log-softmax and NLL: max, subtract, exp, sum, log = 5 FLOPs per logit");
      out.product("cross-entropy", {{nullptr, to_count(kCrossEntropyFlops)}, r.b, r.s, width},
                  TermKind::kPointwise);
      return;
    case OpKind::kEmbedding:
      out.set_source("a lookup, and a scatter of gradients: memory traffic, no arithmetic");
      return;
    case OpKind::kRoute:
      out.set_source(
          "tokens moved to and from their experts: not counted (the combine's k·h "
          "multiply-adds per token are below 0.1 % of the experts' matmuls)");
      return;
  }
}

}  // namespace

Count attention_pairs(const AttentionShape& a, std::int64_t seq, AttentionFlops mode) {
  const Count s = to_count(seq);
  if (mode == AttentionFlops::kFull || !a.causal) return s * s;
  if (a.chunk > 0) {  // Llama-4: query i sees the keys of its chunk up to itself, i % chunk + 1
    const Count c = to_count(a.chunk), whole = s / c * c, rest = s - whole;
    return whole / c * (c * (c + 1) / 2) + rest * (rest + 1) / 2;
  }
  std::int64_t w = seq;  // keys the last query sees
  if (a.window > 0) w = std::min(w, a.window);
  if (a.top_k > 0) w = std::min(w, a.top_k);
  // Query i (0-based) sees min(i + 1, w) keys: a triangle of w rows, then (s − w) full rows.
  const Count wc = to_count(w);
  return wc * (wc + 1) / 2 + (s - wc) * wc;
}

Figure forward_flop_figure(const Op& op, std::int64_t batch, std::int64_t seq,
                           AttentionFlops mode) {
  Figure f;
  forward_flops(op, batch, seq, mode, f);
  return f;
}

OpFlops op_flops(const Op& op, std::int64_t batch, std::int64_t seq, AttentionFlops mode) {
  Tally t;
  forward_flops(op, batch, seq, mode, t);
  OpFlops f;
  f.forward_matmul = t.matmul();
  f.forward_other = t.pointwise();
  // Backward: dX = dY·Wᵀ and dW = Xᵀ·dY, each the size of the forward matmul.
  f.backward_matmul = mul(f.forward_matmul, 2, "backward FLOPs");
  switch (op.kind()) {
    case OpKind::kLinear:  // the bias gradient: a sum over tokens, one FLOP per element
      f.backward_other = f.forward_other;
      break;
    case OpKind::kBias:  // receives no gradient
      break;
    case OpKind::kRotaryTable:  // computed under no_grad: no backward at all
      f.backward_matmul = 0;
      break;
    default:
      f.backward_other = mul(f.forward_other, to_count(kBackwardPointwiseFactor), "backward FLOPs");
  }
  return f;
}

FlopCounts count_flops(const Graph& graph, const Workload& w, const FlopOptions& o) {
  FlopCounts r;
  r.workload = w;
  r.options = o;
  const Count steps = to_count(w.grad_accum);
  r.sequences = mul(to_count(w.batch), steps, "sequences");
  r.tokens = mul(r.sequences, to_count(w.seq), "tokens");
  // FLOPs of op for one instance of its block over the whole step; recompute as configured.
  auto step_flops = [&](const Block& block, const Op& op, Count* recompute) {
    OpFlops f = op_flops(op, w.batch, w.seq, o.attention);
    f.forward_matmul = mul(f.forward_matmul, steps, "forward FLOPs");
    f.forward_other = mul(f.forward_other, steps, "forward FLOPs");
    f.backward_matmul = mul(f.backward_matmul, steps, "backward FLOPs");
    f.backward_other = mul(f.backward_other, steps, "backward FLOPs");
    const bool in_layer = !block.layers.empty();
    const bool again = (o.recompute == Recompute::kFull && in_layer) ||
                       (o.recompute == Recompute::kSelective && op.kind() == OpKind::kAttention);
    *recompute = again ? f.forward() : Count{0};
    return f;
  };
  detail::OpRows rows;
  std::size_t ops = 0;
  for (const Block& block : graph.blocks) ops += block.ops.size();
  rows.reserve(ops);
  for (const Block& block : graph.blocks) {
    const Count n = to_count(block.repeat);
    for (const Op& op : block.ops) {
      Count again = 0;
      const OpFlops f = step_flops(block, op, &again);
      r.forward_matmul = add(r.forward_matmul, mul(f.forward_matmul, n), "forward FLOPs");
      r.backward_matmul = add(r.backward_matmul, mul(f.backward_matmul, n), "backward FLOPs");
      r.forward = add(r.forward, mul(f.forward(), n), "forward FLOPs");
      r.backward = add(r.backward, mul(f.backward(), n), "backward FLOPs");
      r.recompute = add(r.recompute, mul(again, n), "recompute FLOPs");
      const Count fwd = f.forward(), bwd = f.backward();
      const Count step = add(add(fwd, bwd), again);
      if (step == 0) {  // lookups and token movement: no row
        rows.emplace_back();
      } else {
        rows.emplace_back(detail::OpRow{{fwd, bwd, step}, 3, ""});
      }
    }
  }
  r.model = add(r.forward, r.backward, "model FLOPs");
  r.hardware = add(r.model, r.recompute, "hardware FLOPs");
  r.breakdown = detail::op_tree(graph, rows);
  return r;
}

}  // namespace tsize
