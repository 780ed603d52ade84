#include "tsize/graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace tsize {

TensorList::TensorList(std::initializer_list<TensorId> ids) {
  if (ids.size() > ids_.size()) throw std::logic_error("an op reads or writes at most 4 tensors");
  for (const TensorId id : ids) ids_[n_++] = id;
}

namespace {

// Builds one block: its input tensors, then ops in forward order, each reading tensors already
// made and making its outputs. The inputs each role reads, in order:
//   embeddings [ids] (the first) or [ids, embeddings so far]; norms, Linears, the pooler's tanh
//   and the router [x]; rotary [q, k] → [q, k] rotated; attention core [q, k, v] (+ the
//   indexer's selection); indexer scores [q, k, head weights]; MLP activation [up] or
//   [gate, up]; residual add [stream, branch]; dispatch [x, router logits]; combine [expert
//   outputs, router logits (, shared experts' output (, its gate))]; loss [logits, labels].
class BlockBuilder {
 public:
  BlockBuilder(std::string name, std::int64_t repeat, std::string layers) {
    block_.name = std::move(name);
    block_.repeat = repeat;
    block_.layers = std::move(layers);
  }

  TensorId input(Rows rows, TensorDtype dtype, Dim a, Dim b = {}) {
    return make(Tensor{rows, dtype, {a, b}, -1});
  }

  // Appends op reading `in`; returns its output (if `out` is given) or -1.
  TensorId add(Op op, TensorList in, const Tensor* out = nullptr) {
    op.inputs = in;
    TensorId id = -1;
    if (out) {
      Tensor t = *out;
      t.producer = static_cast<int>(block_.ops.size());
      id = make(t);
      op.outputs = {id};
    }
    block_.ops.push_back(op);
    return id;
  }

  // Appends op writing two outputs (rotary: q and k).
  std::pair<TensorId, TensorId> add2(Op op, TensorList in, Tensor out1, Tensor out2) {
    op.inputs = in;
    out1.producer = out2.producer = static_cast<int>(block_.ops.size());
    const TensorId a = make(out1), b = make(out2);
    op.outputs = {a, b};
    block_.ops.push_back(op);
    return {a, b};
  }

  Block take() { return std::move(block_); }

 private:
  TensorId make(const Tensor& t) {
    block_.tensors.push_back(t);
    return static_cast<TensorId>(block_.tensors.size() - 1);
  }
  Block block_;
};

Tensor tokens(TensorDtype dtype, Dim a, Dim b = {}) { return Tensor{Rows::kTokens, dtype, {a, b}}; }
Tensor compute(Dim a, Dim b = {}) { return tokens(TensorDtype::kCompute, a, b); }

Op make_op(Role role, Component component, std::int64_t out) {
  Op op;
  op.role = role;
  op.component = component;
  op.out = out;
  return op;
}

Op linear(Role role, Component component, std::int64_t in, std::int64_t out, bool bias) {
  Op op = make_op(role, component, out);
  op.in = in;
  op.bias = bias;
  return op;
}

Op norm(const ModelSpec& s, Role role, Component component, std::int64_t width) {
  Op op = make_op(role, component, width);
  op.norm = s.norm;
  op.bias = s.norm == NormKind::kLayerNorm && s.norm_bias;
  op.plus_one = s.norm_plus_one;
  return op;
}

Op rms_norm(Role role, std::int64_t width) {
  Op op = make_op(role, Component::kAttention, width);
  op.norm = NormKind::kRMSNorm;
  return op;
}

// A q or k norm over `heads` heads of d_head features: one γ shared by the heads, or one each.
Op qk_norm(const ModelSpec& s, Role role, std::int64_t heads) {
  const bool shared = s.qk_norm == QkNorm::kShared;
  Op op = make_op(role, Component::kAttention, shared ? s.d_head : heads * s.d_head);
  op.norm = s.qk_norm_kind;
  op.bias = s.qk_norm_kind == NormKind::kLayerNorm && s.qk_norm_bias;
  op.per_token = s.qk_norm == QkNorm::kFullWidth ? 1 : heads;  // statistics per head or token
  op.plus_one = s.norm_plus_one;
  return op;
}

Op embedding(Role role, std::int64_t rows, std::int64_t width) {
  Op op = make_op(role, Component::kEmbedding, width);
  op.in = rows;
  op.embedding = true;
  return op;
}

Op attention_core(const ModelSpec& s, Role role, Component component, AttentionShape shape) {
  shape.causal = s.structure == Structure::kDecoder;
  Op op = make_op(role, component, shape.heads * shape.v_dim);
  op.attention = shape;
  return op;
}

// The per-head width RoPE rotates: NeoX's int(d_head · rotary_pct), MLA's qk_rope_head_dim.
std::int64_t rotary_dim(const ModelSpec& s) {
  if (s.mla) return s.mla->qk_rope_head_dim;
  return static_cast<std::int64_t>(static_cast<double>(s.d_head) * s.rotary_fraction);
}

// The layer under construction: the builder and the model's sizes as formulas name them.
struct LayerBuilder {
  const ModelSpec& s;
  BlockBuilder& b;
  Dim h{"h", s.d_model};

  TensorId residual_norm(Role role, TensorId x) {
    const Tensor out = tokens(TensorDtype::kNormOutput, h);
    return b.add(norm(s, role, Component::kNorms, s.d_model), {x}, &out);
  }
  TensorId proj(Role role, Component c, TensorId x, std::int64_t in, Dim out, bool bias) {
    const Tensor t = compute(out);
    return b.add(linear(role, c, in, out.size, bias), {x}, &t);
  }
};

// Multi-head attention with MHA/GQA/MQA heads: q, k, v (or fused qkv), q/k norms, rope, core, o.
TensorId append_mha(LayerBuilder& l, bool local, TensorId x) {
  const ModelSpec& s = l.s;
  const std::int64_t dh = s.d_head;
  const std::int64_t q = s.n_heads * dh, kv = s.n_kv_heads * dh;
  const auto attn = Component::kAttention;
  TensorId tq = -1, tk = -1, tv = -1;
  if (s.fused_qkv) {
    tq = tk = tv = l.proj(Role::kQkvProj, attn, x, s.d_model, {"qkv", q + 2 * kv}, s.qkv_bias);
  } else {
    tq = l.proj(Role::kQProj, attn, x, s.d_model, {"q", q}, s.qkv_bias);
    tk = l.proj(Role::kKProj, attn, x, s.d_model, {"k", kv}, s.qkv_bias);
    tv = l.proj(Role::kVProj, attn, x, s.d_model, {"v", kv}, s.qkv_bias);
  }
  const Dim d_qk{"d_qk", dh};
  if (s.qk_norm != QkNorm::kNone) {
    const Tensor q_out = compute({"a", s.n_heads}, d_qk);
    tq = l.b.add(qk_norm(s, Role::kQNorm, s.n_heads), {tq}, &q_out);
    const Tensor k_out = compute({"kv", s.n_kv_heads}, d_qk);
    tk = l.b.add(qk_norm(s, Role::kKNorm, s.n_kv_heads), {tk}, &k_out);
  }
  AttentionShape shape{s.n_heads, s.n_kv_heads, dh, dh, 0, true};
  if (local) {
    shape.window = s.sliding_window;
    shape.chunk = s.attention_chunk;
  }
  shape.sinks = s.attention_sinks;
  const bool nope = !local && s.global_layers_nope;  // Llama-4: global layers have no RoPE
  if (s.positions == PositionKind::kRotary && !nope) {
    shape.rotary_dim = rotary_dim(s);  // GPT-NeoX: rotary_ndims = int(head_size * rotary_pct)
    Op rope = make_op(Role::kRotary, attn, s.n_heads * dh);
    rope.attention = shape;
    std::tie(tq, tk) = l.b.add2(rope, {tq, tk}, compute({"a", s.n_heads}, d_qk),
                                compute({"kv", s.n_kv_heads}, d_qk));
  }
  const Tensor out = compute({"a", s.n_heads}, {"d_v", dh});
  const TensorId o =
      l.b.add(attention_core(s, Role::kAttentionCore, attn, shape), {tq, tk, tv}, &out);
  return l.proj(Role::kOutProj, attn, o, q, l.h, s.o_bias);
}

// DeepSeek-V2/V3 multi-head latent attention (arXiv:2405.04434 §2.1), and V3.2's indexer.
TensorId append_mla(LayerBuilder& l, bool local, TensorId x) {
  const ModelSpec& s = l.s;
  const MlaSpec& m = *s.mla;
  const std::int64_t h = s.d_model, a = s.n_heads;
  const std::int64_t qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
  const auto attn = Component::kAttention;
  TensorId q = -1, q_latent = -1;
  if (m.q_lora_rank > 0) {
    const TensorId q_a =
        l.proj(Role::kQDownProj, attn, x, h, {"q_rank", m.q_lora_rank}, s.qkv_bias);
    const Tensor latent = compute({"q_rank", m.q_lora_rank});
    q_latent = l.b.add(rms_norm(Role::kQLatentNorm, m.q_lora_rank), {q_a}, &latent);
    q = l.proj(Role::kQUpProj, attn, q_latent, m.q_lora_rank, {"q", a * qk}, false);
  } else {
    q = l.proj(Role::kQProj, attn, x, h, {"q", a * qk}, false);
  }
  const TensorId kv_a = l.proj(Role::kKvDownProj, attn, x, h,
                               {"kv_a", m.kv_lora_rank + m.qk_rope_head_dim}, s.qkv_bias);
  const Tensor kv_latent = compute({"kv_rank", m.kv_lora_rank});
  const TensorId kv_normed =
      l.b.add(rms_norm(Role::kKvLatentNorm, m.kv_lora_rank), {kv_a}, &kv_latent);
  const TensorId kv = l.proj(Role::kKvUpProj, attn, kv_normed, m.kv_lora_rank,
                             {"kv_b", a * (m.qk_nope_head_dim + m.v_head_dim)}, false);
  TensorId selection = -1;
  if (s.indexer) {
    // DeepSeek-V3.2-Exp inference/model.py, class Indexer: wq_b, wk, k_norm (LayerNorm),
    // weights_proj; none of its Linears has a bias.
    const IndexerSpec& ix = *s.indexer;
    const auto idx = Component::kIndexer;
    const TensorId iq = l.proj(Role::kIndexerQProj, idx, q_latent, m.q_lora_rank,
                               {"index_q", ix.n_heads * ix.head_dim}, false);
    const TensorId ik_raw = l.proj(Role::kIndexerKProj, idx, x, h, {"index_k", ix.head_dim}, false);
    Op k_norm = make_op(Role::kIndexerKNorm, idx, ix.head_dim);
    k_norm.bias = true;
    const Tensor ik_out = compute({"index_k", ix.head_dim});
    const TensorId ik = l.b.add(k_norm, {ik_raw}, &ik_out);
    const TensorId iw =
        l.proj(Role::kIndexerWeights, idx, x, h, {"index_heads", ix.n_heads}, false);
    // Index scores: every causal (query, key) pair, ReLU(q·k) weighted and summed over heads;
    // the top-k keys of each query are what the attention core reads.
    AttentionShape scores{ix.n_heads, 1, ix.head_dim, 0, 0, true};
    scores.softmax = false;
    const Tensor top = tokens(TensorDtype::kIndex, {"top_k", ix.top_k});
    selection = l.b.add(attention_core(s, Role::kIndexerScores, idx, scores), {iq, ik, iw}, &top);
  }
  AttentionShape shape{a, a, qk, m.v_head_dim, m.qk_rope_head_dim, true};
  if (local) {
    shape.window = s.sliding_window;
    shape.chunk = s.attention_chunk;
  }
  if (s.indexer) shape.top_k = s.indexer->top_k;  // DSA: each query attends to top-k keys
  AttentionShape rope_shape = shape;
  rope_shape.kv_heads = 1;  // the RoPE part of the key is one head, shared by all query heads
  Op rope = make_op(Role::kRotary, attn, a * qk);
  rope.attention = rope_shape;
  // The rotated q and k are reassembled from their nope and RoPE parts: new tensors, the key
  // expanded to every head.
  const Dim heads{"a", a}, d_qk{"d_qk", qk};
  const auto [rq, rk] = l.b.add2(rope, {q, kv_a}, compute(heads, d_qk), compute(heads, d_qk));
  const Tensor out = compute(heads, {"d_v", m.v_head_dim});
  const Op core = attention_core(s, Role::kAttentionCore, attn, shape);
  const TensorId o = selection >= 0 ? l.b.add(core, {rq, rk, kv, selection}, &out)
                                    : l.b.add(core, {rq, rk, kv}, &out);
  return l.proj(Role::kOutProj, attn, o, a * m.v_head_dim, l.h, s.o_bias);
}

// A dense MLP of hidden size ff reading x: up/act/down, or gate·up/act/down (fused in Phi-3).
TensorId append_mlp(LayerBuilder& l, Component c, std::int64_t ff, bool bias, TensorId x,
                    Rows rows = Rows::kTokens, std::int64_t copies = 1, std::int64_t active = 1) {
  const ModelSpec& s = l.s;
  auto expert = [&](Op op) {
    op.copies = copies;
    op.active_copies = active;
    return op;
  };
  auto out = [&](Dim d) { return Tensor{rows, TensorDtype::kCompute, {d, {}}}; };
  const Dim d_ff{"d_ff", ff};
  TensorList act_in;
  // Llama-4's dense expert path runs one bmm on a fused gate_up (its parameter's layout).
  const bool fused = s.fused_gate_up || (c == Component::kExperts && s.moe && s.moe->dense_experts);
  if (s.mlp == MlpKind::kGated && fused) {
    const Tensor t = out({"gate_up", 2 * ff});
    const TensorId gu =
        l.b.add(expert(linear(Role::kMlpGateUp, c, s.d_model, 2 * ff, bias)), {x}, &t);
    act_in = {gu, gu};  // chunk views of one output
  } else if (s.mlp == MlpKind::kGated) {
    const Tensor t = out(d_ff);
    const TensorId g = l.b.add(expert(linear(Role::kMlpGate, c, s.d_model, ff, bias)), {x}, &t);
    const TensorId u = l.b.add(expert(linear(Role::kMlpUp, c, s.d_model, ff, bias)), {x}, &t);
    act_in = {g, u};
  } else {
    const Tensor t = out(d_ff);
    act_in = {l.b.add(expert(linear(Role::kMlpUp, c, s.d_model, ff, bias)), {x}, &t)};
  }
  Op act = make_op(Role::kMlpAct, c, ff);
  act.gated = s.mlp == MlpKind::kGated;
  act.activation = s.activation;
  const Tensor t = out(d_ff);
  const TensorId hidden = l.b.add(expert(act), act_in, &t);
  const Tensor down = out(l.h);
  return l.b.add(expert(linear(Role::kMlpDown, c, ff, s.d_model, bias)), {hidden}, &down);
}

// Router, dispatch, routed experts (E copies, k active per token), shared experts, combine.
TensorId append_moe(LayerBuilder& l, TensorId x) {
  const ModelSpec& s = l.s;
  const MoeSpec& m = *s.moe;
  const Tensor logits = compute({"experts", m.n_routed_experts});
  const TensorId scores = l.b.add(
      linear(Role::kRouter, Component::kRouter, s.d_model, m.n_routed_experts, m.router_bias), {x},
      &logits);
  if (m.router_score_correction) {
    Op bias = make_op(Role::kRouterBias, Component::kRouter, m.n_routed_experts);
    bias.trainable = false;  // DeepSeek-V3 §2.1.2: adjusted by the balancing rule, not by SGD
    l.b.add(bias, {scores});
  }
  // The routed tokens are gathered from the MoE block's input: its dtype (fp32 under autocast,
  // where each expert projection then casts its own copy).
  const Tensor gathered{Rows::kRoutedTokens, TensorDtype::kNormOutput, {l.h, {}}};
  const TensorId routed = l.b.add(make_op(Role::kExpertDispatch, Component::kExperts, s.d_model),
                                  {x, scores}, &gathered);
  const TensorId experts = append_mlp(l, Component::kExperts, m.d_ff_expert, s.mlp_bias, routed,
                                      Rows::kRoutedTokens, m.n_routed_experts, m.experts_per_token);
  TensorList combine_in = {experts, scores};
  if (m.n_shared_experts > 0) {
    const TensorId shared = append_mlp(l, Component::kSharedExperts, m.d_ff_shared, s.mlp_bias, x);
    combine_in = {experts, scores, shared};
    if (m.shared_expert_gate) {
      const Tensor g = compute({nullptr, 1});
      const TensorId gate = l.b.add(
          linear(Role::kSharedExpertGate, Component::kSharedExperts, s.d_model, 1, false), {x}, &g);
      combine_in = {experts, scores, shared, gate};
    }
  }
  const Tensor out = compute(l.h);
  return l.b.add(make_op(Role::kExpertCombine, Component::kExperts, s.d_model), combine_in, &out);
}

Block layer_block(const ModelSpec& s, bool moe, bool local, std::string name, std::int64_t repeat,
                  std::string layers) {
  BlockBuilder b(std::move(name), repeat, std::move(layers));
  LayerBuilder l{s, b};
  const bool post_norm = s.structure == Structure::kEncoder;  // BERT: norm after the residual
  const LayerNorms norms = s.layer_norms;
  // A post-norm layer's input is the previous layer's norm output; the bytes are the same.
  const TensorId x = b.input(Rows::kTokens, TensorDtype::kResidual, l.h);
  if (s.positions == PositionKind::kRotary && s.rope_tables != RopeTables::kModel) {
    // DBRX computes cos and sin in each attention (v's dtype); PhiMoE indexes the model's
    // tables in each layer (a copy, in the embeddings' dtype, no matmul).
    const bool indexed = s.rope_tables == RopeTables::kIndexedPerLayer;
    const std::int64_t d_rot = rotary_dim(s);
    const TensorId pos = b.input(Rows::kPositions, TensorDtype::kIndex, {});
    Op table = make_op(Role::kRotaryTable, Component::kAttention, d_rot);
    table.no_matmul = indexed;
    const Tensor t{Rows::kPositions,
                   indexed ? TensorDtype::kResidual : TensorDtype::kCompute,
                   {{{"d_rot", d_rot}, {nullptr, 2}}}};
    b.add(table, {pos}, &t);
  }
  auto attention = [&](TensorId in) {
    return s.mla ? append_mla(l, local, in) : append_mha(l, local, in);
  };
  auto mlp = [&](TensorId in) {
    return moe ? append_moe(l, in) : append_mlp(l, Component::kMlp, s.d_ff, s.mlp_bias, in);
  };
  auto add = [&](Role role, TensorId stream, TensorId branch) {
    const Tensor t = tokens(TensorDtype::kResidual, l.h);
    return b.add(make_op(role, Component::kResidual, s.d_model), {stream, branch}, &t);
  };
  auto branch_norm = [&](Role role, TensorId branch) {  // a norm on a branch's output
    const Tensor t = tokens(TensorDtype::kNormOutput, l.h);
    return b.add(norm(s, role, Component::kNorms, s.d_model), {branch}, &t);
  };
  if (post_norm) {
    const TensorId r1 = add(Role::kAttentionAdd, x, attention(x));
    const TensorId n1 = l.residual_norm(Role::kAttentionNorm, r1);
    const TensorId r2 = add(Role::kMlpAdd, n1, mlp(n1));
    l.residual_norm(Role::kMlpNorm, r2);
  } else if (norms == LayerNorms::kParallel) {  // GPT-NeoX: x + attn(ln1(x)) + mlp(ln2(x))
    const TensorId attn = attention(l.residual_norm(Role::kAttentionNorm, x));
    const TensorId ffn = mlp(l.residual_norm(Role::kMlpNorm, x));
    add(Role::kMlpAdd, add(Role::kAttentionAdd, x, attn), ffn);
  } else if (norms == LayerNorms::kParallelOne) {  // Phi-2, Cohere: x + attn(ln(x)) + mlp(ln(x))
    const TensorId n = l.residual_norm(Role::kAttentionNorm, x);
    const TensorId attn = attention(n);
    const TensorId ffn = mlp(n);
    add(Role::kMlpAdd, add(Role::kAttentionAdd, x, attn), ffn);
  } else if (norms == LayerNorms::kPostBranch) {  // OLMo-2: x + norm(attn(x)), + norm(mlp(·))
    const TensorId r1 =
        add(Role::kAttentionAdd, x, branch_norm(Role::kPostAttentionNorm, attention(x)));
    add(Role::kMlpAdd, r1, branch_norm(Role::kPostMlpNorm, mlp(r1)));
  } else {
    const bool sandwich = norms == LayerNorms::kSandwich;  // Gemma-2: pre and post norms
    TensorId attn = attention(l.residual_norm(Role::kAttentionNorm, x));
    if (sandwich) attn = branch_norm(Role::kPostAttentionNorm, attn);
    const TensorId r1 = add(Role::kAttentionAdd, x, attn);
    TensorId ffn = mlp(l.residual_norm(Role::kMlpNorm, r1));
    if (sandwich) ffn = branch_norm(Role::kPostMlpNorm, ffn);
    add(Role::kMlpAdd, r1, ffn);
  }
  return b.take();
}

// "0-2", "3-60", "1,3,5", "0-40 step 2", "0-46 except 5-41 step 6": a block's layers.
std::string layer_ranges(const std::vector<std::int64_t>& layers) {
  auto progression = [](const std::vector<std::int64_t>& v) {  // "5-41 step 6", or ""
    if (v.size() < 3) return std::string();
    const std::int64_t step = v[1] - v[0];
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (step < 2 || v[i] - v[i - 1] != step) return std::string();
    }
    return fmt::format("{}-{} step {}", v.front(), v.back(), step);
  };
  if (std::string p = progression(layers); !p.empty()) return p;
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < layers.size();) {
    std::size_t j = i;
    while (j + 1 < layers.size() && layers[j + 1] == layers[j] + 1) ++j;
    parts.push_back(i == j ? fmt::format("{}", layers[i])
                           : fmt::format("{}-{}", layers[i], layers[j]));
    i = j + 1;
  }
  if (parts.size() <= 6) return fmt::format("{}", fmt::join(parts, ","));
  std::vector<std::int64_t> missing;  // Gemma-3's local layers: all but every sixth
  for (std::int64_t l = layers.front(), i = 0; l <= layers.back(); ++l) {
    if (layers[static_cast<std::size_t>(i)] == l) {
      ++i;
    } else {
      missing.push_back(l);
    }
  }
  if (std::string p = progression(missing); !p.empty()) {
    return fmt::format("{}-{} except {}", layers.front(), layers.back(), p);
  }
  return fmt::format("{} layers from {}", layers.size(), layers.front());
}

// Token ids (and positions, token types) in, the embedding sum out; BERT normalizes it.
Block embedding_block(const ModelSpec& s) {
  BlockBuilder b("embedding", 1, "");
  const Dim h{"h", s.d_model};
  const Tensor sum = tokens(TensorDtype::kResidual, h);
  const TensorId ids = b.input(Rows::kTokens, TensorDtype::kIndex, {});
  Op token = embedding(Role::kTokenEmbedding, s.vocab, s.d_model);
  token.plus_one = s.embedding_scale;
  TensorId x = b.add(token, {ids}, &sum);
  if (s.positions == PositionKind::kLearned) {
    const TensorId pos = b.input(Rows::kPositions, TensorDtype::kIndex, {});
    x = b.add(embedding(Role::kPositionEmbedding, s.max_positions, s.d_model), {pos, x}, &sum);
  }
  if (s.type_vocab > 0) {
    const TensorId types = b.input(Rows::kTokens, TensorDtype::kIndex, {});
    x = b.add(embedding(Role::kTokenTypeEmbedding, s.type_vocab, s.d_model), {types, x}, &sum);
  }
  if (s.embedding_norm) {
    const Tensor out = tokens(TensorDtype::kNormOutput, h);
    b.add(norm(s, Role::kEmbeddingNorm, Component::kEmbedding, s.d_model), {x}, &out);
  }
  // cos and sin [1, s, d_rot] in the stream's dtype, once per forward (DBRX: per layer only)
  const bool model_table =
      s.positions == PositionKind::kRotary && s.rope_tables != RopeTables::kPerLayer;
  if (model_table || s.rope_unused) {
    const std::int64_t d_rot = s.rope_unused ? s.d_head : rotary_dim(s);
    const TensorId pos = b.input(Rows::kPositions, TensorDtype::kIndex, {});
    Op table = make_op(Role::kRotaryTable, Component::kEmbedding, d_rot);
    table.unread = s.rope_unused || s.rope_tables != RopeTables::kModel;
    table.no_matmul = s.rope_tables == RopeTables::kIndexedPerLayer;
    const Tensor t{Rows::kPositions, TensorDtype::kResidual, {{{"d_rot", d_rot}, {nullptr, 2}}}};
    b.add(table, {pos}, &t);
    // Gemma-3: a second rotary embedding for the local layers; kept when local layers use it.
    bool any_local = false;
    for (std::int64_t i = 0; i < s.n_layers && !any_local; ++i) any_local = is_local_layer(s, i);
    if (s.local_rope_table && any_local) {
      b.add(make_op(Role::kLocalRotaryTable, Component::kEmbedding, d_rot), {pos}, &t);
    }
  }
  return b.take();
}

// Layers are grouped by kind (MoE or dense MLP, sliding or global attention), not by
// contiguity, so alternating layers still make two blocks.
void append_layer_blocks(const ModelSpec& s, std::vector<Block>& blocks,
                         std::vector<std::uint8_t>& layer_blocks) {
  std::vector<std::int64_t> kinds[2][2];  // [moe][local]
  for (std::int64_t i = 0; i < s.n_layers; ++i) {
    kinds[is_moe_layer(s, i)][is_local_layer(s, i)].push_back(i);
  }
  const bool mixed_mlp =
      kinds[0][0].size() + kinds[0][1].size() > 0 && kinds[1][0].size() + kinds[1][1].size() > 0;
  const bool mixed_attention =
      kinds[0][0].size() + kinds[1][0].size() > 0 && kinds[0][1].size() + kinds[1][1].size() > 0;
  std::vector<std::pair<std::int64_t, Block>> stack;  // keyed by first layer: forward order
  const char* local_name = s.attention_chunk > 0 ? "chunked " : "sliding ";
  for (int moe = 0; moe < 2; ++moe) {
    for (int local = 0; local < 2; ++local) {
      const std::vector<std::int64_t>& layers = kinds[moe][local];
      if (layers.empty()) continue;
      std::string name = "layers";
      if (mixed_attention) name = std::string(local ? local_name : "global ").append(name);
      if (mixed_mlp) name = std::string(moe ? "moe " : "dense ").append(name);
      stack.emplace_back(layers.front(),
                         layer_block(s, moe, local, name, static_cast<std::int64_t>(layers.size()),
                                     layer_ranges(layers)));
    }
  }
  std::sort(stack.begin(), stack.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  layer_blocks.assign(static_cast<std::size_t>(s.n_layers), 0);
  for (auto& [first, block] : stack) {
    for (int moe = 0; moe < 2; ++moe) {
      for (int local = 0; local < 2; ++local) {
        if (kinds[moe][local].empty() || kinds[moe][local].front() != first) continue;
        for (const std::int64_t l : kinds[moe][local]) {
          layer_blocks[static_cast<std::size_t>(l)] = static_cast<std::uint8_t>(blocks.size());
        }
      }
    }
    blocks.push_back(std::move(block));
  }
}

Block final_norm_block(const ModelSpec& s) {
  BlockBuilder b("final norm", 1, "");
  const Dim h{"h", s.d_model};
  const TensorId x = b.input(Rows::kTokens, TensorDtype::kResidual, h);
  const Tensor out = tokens(TensorDtype::kNormOutput, h);
  b.add(norm(s, Role::kFinalNorm, Component::kFinalNorm, s.d_model), {x}, &out);
  return b.take();
}

// BertPooler reads hidden_states[:, 0]: a dense layer and tanh on the first token.
Block pooler_block(const ModelSpec& s) {
  BlockBuilder b("pooler", 1, "");
  const Dim h{"h", s.d_model};
  const TensorId x = b.input(Rows::kTokens, TensorDtype::kNormOutput, h);
  const Tensor first{Rows::kFirstTokens, TensorDtype::kCompute, {h, {}}};
  Op dense = linear(Role::kPoolerDense, Component::kPooler, s.d_model, s.d_model, true);
  dense.first_token_only = true;
  const TensorId y = b.add(dense, {x}, &first);
  Op tanh = make_op(Role::kPoolerAct, Component::kPooler, s.d_model);
  tanh.first_token_only = true;
  b.add(tanh, {y}, &first);
  return b.take();
}

Block lm_head_block(const ModelSpec& s) {
  BlockBuilder b("lm_head", 1, "");
  const Dim h{"h", s.d_model};
  const TensorId x =
      b.input(Rows::kTokens, s.final_norm ? TensorDtype::kNormOutput : TensorDtype::kResidual, h);
  const TensorId labels = b.input(Rows::kTokens, TensorDtype::kIndex, {});
  Op head = linear(Role::kLmHead, Component::kLmHead, s.d_model, s.vocab, s.lm_head_bias);
  head.tied = s.tied_embeddings;
  head.embedding = true;  // Kaplan et al. 2020 §2.1: N excludes embedding and unembedding
  const Tensor logits = compute({"vocab", s.vocab});
  const TensorId y = b.add(head, {x}, &logits);
  b.add(make_op(Role::kLoss, Component::kLoss, s.vocab), {y, labels});
  return b.take();
}

}  // namespace

Graph build_graph(const ModelSpec& spec) {
  validate(spec);
  Graph g{spec, {}, {}};
  g.blocks.push_back(embedding_block(spec));
  append_layer_blocks(spec, g.blocks, g.layer_blocks);
  if (spec.final_norm) g.blocks.push_back(final_norm_block(spec));
  if (spec.pooler) g.blocks.push_back(pooler_block(spec));
  if (spec.structure == Structure::kDecoder) g.blocks.push_back(lm_head_block(spec));
  check_dataflow(g);
  // Every weight count is computed once here, so overflow is reported before any fold runs.
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) mul(mul(params_per_copy(op), op.copies), b.repeat, "parameters");
  }
  return g;
}

void check_dataflow(const Graph& graph) {
  for (const Block& b : graph.blocks) {
    for (std::size_t i = 0; i < b.ops.size(); ++i) {
      const Op& op = b.ops[i];
      for (const TensorId id : op.inputs) {
        const bool known = id >= 0 && static_cast<std::size_t>(id) < b.tensors.size();
        const int producer = known ? b.tensors[static_cast<std::size_t>(id)].producer : 0;
        if (!known || producer >= static_cast<int>(i)) {
          throw std::logic_error(
              fmt::format("{} reads tensor {} that no earlier op produced", op_path(b, op), id));
        }
      }
      for (const TensorId id : op.outputs) {
        if (id < 0 || static_cast<std::size_t>(id) >= b.tensors.size() ||
            b.tensors[static_cast<std::size_t>(id)].producer != static_cast<int>(i)) {
          throw std::logic_error(
              fmt::format("{} writes tensor {} that is not its own", op_path(b, op), id));
        }
      }
    }
  }
}

std::string op_path(const Block& b, const Op& op) {
  std::string path = b.name + "/";
  if (op.group() != b.name) path.append(op.group()).append("/");
  return path.append(op.name());
}

}  // namespace tsize
