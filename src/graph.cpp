#include "tsize/graph.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tsize {
namespace {

Op linear(std::string group, std::string name, std::int64_t in, std::int64_t out, bool bias) {
  Op op;
  op.group = std::move(group);
  op.name = std::move(name);
  op.kind = OpKind::kLinear;
  op.in = in;
  op.out = out;
  op.bias = bias;
  return op;
}

Op weightless(std::string group, std::string name, OpKind kind, std::int64_t width) {
  Op op;
  op.group = std::move(group);
  op.name = std::move(name);
  op.kind = kind;
  op.out = width;
  return op;
}

Op norm(const ModelSpec& s, std::string group, std::string name, std::int64_t width) {
  Op op = weightless(std::move(group), std::move(name), OpKind::kNorm, width);
  op.norm = s.norm;
  op.bias = s.norm == NormKind::kLayerNorm && s.norm_bias;
  return op;
}

Op rms_norm(std::string group, std::string name, std::int64_t width) {
  Op op = weightless(std::move(group), std::move(name), OpKind::kNorm, width);
  op.norm = NormKind::kRMSNorm;
  return op;
}

Op embedding(std::string name, std::int64_t rows, std::int64_t width) {
  Op op = weightless("embedding", std::move(name), OpKind::kEmbedding, width);
  op.in = rows;
  op.embedding = true;
  return op;
}

Op activation(const ModelSpec& s, std::string group, std::int64_t width) {
  Op op = weightless(std::move(group), "act", OpKind::kActivation, width);
  op.gated = s.mlp == MlpKind::kGated;
  op.activation = s.activation;
  return op;
}

Op attention_core(const ModelSpec& s, AttentionShape shape) {
  shape.causal = s.structure == Structure::kDecoder;
  Op op = weightless("attention", "core", OpKind::kAttention, shape.heads * shape.v_dim);
  op.attention = shape;
  return op;
}

Op rotary(AttentionShape shape) {
  Op op = weightless("attention", "rope", OpKind::kRotary, shape.heads * shape.qk_dim);
  op.attention = shape;
  return op;
}

// Multi-head attention with MHA/GQA/MQA heads: q, k, v (or fused qkv), rope, core, o.
void append_mha(const ModelSpec& s, bool sliding, std::vector<Op>& ops) {
  const std::int64_t h = s.d_model, dh = s.d_head;
  const std::int64_t q = s.n_heads * dh, kv = s.n_kv_heads * dh;
  if (s.fused_qkv) {
    ops.push_back(linear("attention", "qkv_proj", h, q + 2 * kv, s.qkv_bias));
  } else {
    ops.push_back(linear("attention", "q_proj", h, q, s.qkv_bias));
    ops.push_back(linear("attention", "k_proj", h, kv, s.qkv_bias));
    ops.push_back(linear("attention", "v_proj", h, kv, s.qkv_bias));
  }
  if (s.qk_norm) {  // Qwen3: RMSNorm over each head's d_head features
    ops.push_back(rms_norm("attention", "q_norm", dh));
    ops.back().per_token = s.n_heads;
    ops.push_back(rms_norm("attention", "k_norm", dh));
    ops.back().per_token = s.n_kv_heads;
  }
  AttentionShape shape{s.n_heads, s.n_kv_heads, dh, dh, 0, true};
  if (sliding) shape.window = s.sliding_window;
  if (s.positions == PositionKind::kRotary) {
    // GPT-NeoX: rotary_ndims = int(head_size * rotary_pct)
    shape.rotary_dim = static_cast<std::int64_t>(static_cast<double>(dh) * s.rotary_fraction);
    ops.push_back(rotary(shape));
  }
  ops.push_back(attention_core(s, shape));
  ops.push_back(linear("attention", "o_proj", q, h, s.o_bias));
}

// DeepSeek-V2/V3 multi-head latent attention (arXiv:2405.04434 §2.1), and V3.2's indexer.
void append_mla(const ModelSpec& s, bool sliding, std::vector<Op>& ops) {
  const MlaSpec& m = *s.mla;
  const std::int64_t h = s.d_model, a = s.n_heads;
  const std::int64_t qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
  if (m.q_lora_rank > 0) {
    ops.push_back(linear("attention", "q_a_proj", h, m.q_lora_rank, s.qkv_bias));
    ops.push_back(rms_norm("attention", "q_a_norm", m.q_lora_rank));
    ops.push_back(linear("attention", "q_b_proj", m.q_lora_rank, a * qk, false));
  } else {
    ops.push_back(linear("attention", "q_proj", h, a * qk, false));
  }
  ops.push_back(
      linear("attention", "kv_a_proj", h, m.kv_lora_rank + m.qk_rope_head_dim, s.qkv_bias));
  ops.push_back(rms_norm("attention", "kv_a_norm", m.kv_lora_rank));
  ops.push_back(linear("attention", "kv_b_proj", m.kv_lora_rank,
                       a * (m.qk_nope_head_dim + m.v_head_dim), false));
  if (s.indexer) {
    // DeepSeek-V3.2-Exp inference/model.py, class Indexer: wq_b, wk, k_norm (LayerNorm),
    // weights_proj; none of its Linears has a bias.
    const IndexerSpec& ix = *s.indexer;
    ops.push_back(linear("indexer", "wq_b", m.q_lora_rank, ix.n_heads * ix.head_dim, false));
    ops.push_back(linear("indexer", "wk", h, ix.head_dim, false));
    Op k_norm = weightless("indexer", "k_norm", OpKind::kNorm, ix.head_dim);
    k_norm.bias = true;
    ops.push_back(k_norm);
    ops.push_back(linear("indexer", "weights_proj", h, ix.n_heads, false));
    // Index scores: every causal (query, key) pair, ReLU(q·k) weighted and summed over heads.
    AttentionShape scores{ix.n_heads, 1, ix.head_dim, 0, 0, true};
    scores.softmax = false;
    Op op = attention_core(s, scores);
    op.group = "indexer";
    op.name = "scores";
    ops.push_back(op);
  }
  AttentionShape shape{a, a, qk, m.v_head_dim, m.qk_rope_head_dim, true};
  if (sliding) shape.window = s.sliding_window;
  if (s.indexer) shape.top_k = s.indexer->top_k;  // DSA: each query attends to top-k keys
  AttentionShape rope = shape;
  rope.kv_heads = 1;  // the RoPE part of the key is one head, shared by all query heads
  ops.push_back(rotary(rope));
  ops.push_back(attention_core(s, shape));
  ops.push_back(linear("attention", "o_proj", a * m.v_head_dim, h, s.o_bias));
}

// A dense MLP of hidden size ff: up/act/down, or gate·up/act/down (fused in Phi-3).
void append_mlp(const ModelSpec& s, const std::string& group, std::int64_t ff, bool bias,
                std::vector<Op>& ops) {
  const std::int64_t h = s.d_model;
  if (s.mlp == MlpKind::kGated) {
    if (s.fused_gate_up) {
      ops.push_back(linear(group, "gate_up_proj", h, 2 * ff, bias));
    } else {
      ops.push_back(linear(group, "gate_proj", h, ff, bias));
      ops.push_back(linear(group, "up_proj", h, ff, bias));
    }
  } else {
    ops.push_back(linear(group, "up_proj", h, ff, bias));
  }
  ops.push_back(activation(s, group, ff));
  ops.push_back(linear(group, "down_proj", ff, h, bias));
}

// Router, routed experts (E copies, k active per token), shared experts.
void append_moe(const ModelSpec& s, std::vector<Op>& ops) {
  const MoeSpec& m = *s.moe;
  ops.push_back(linear("router", "gate", s.d_model, m.n_routed_experts, m.router_bias));
  if (m.router_score_correction) {
    Op bias = weightless("router", "score_bias", OpKind::kBias, m.n_routed_experts);
    bias.trainable = false;  // DeepSeek-V3 §2.1.2: adjusted by the balancing rule, not by SGD
    ops.push_back(bias);
  }
  std::vector<Op> expert;
  append_mlp(s, "experts", m.d_ff_expert, s.mlp_bias, expert);
  for (Op& op : expert) {
    op.copies = m.n_routed_experts;
    op.active_copies = m.experts_per_token;
    ops.push_back(op);
  }
  if (m.n_shared_experts > 0) {
    append_mlp(s, "shared_experts", m.d_ff_shared, s.mlp_bias, ops);
    if (m.shared_expert_gate) {
      ops.push_back(linear("shared_experts", "gate", s.d_model, 1, false));
    }
  }
}

std::vector<Op> layer_ops(const ModelSpec& s, bool moe, bool sliding) {
  std::vector<Op> ops;
  const std::int64_t h = s.d_model;
  const bool post_norm = s.structure == Structure::kEncoder;  // BERT: norm after the residual
  const bool sandwich = s.norms_per_layer == 4;               // Gemma-2: pre and post norms
  auto attention = [&] { s.mla ? append_mla(s, sliding, ops) : append_mha(s, sliding, ops); };
  auto mlp = [&] { moe ? append_moe(s, ops) : append_mlp(s, "mlp", s.d_ff, s.mlp_bias, ops); };
  auto residual = [&](std::string name) {
    ops.push_back(weightless("residual", std::move(name), OpKind::kResidual, h));
  };
  if (post_norm) {
    attention();
    residual("attn_add");
    ops.push_back(norm(s, "norms", "attn_norm", h));
    mlp();
    residual("mlp_add");
    ops.push_back(norm(s, "norms", "mlp_norm", h));
  } else if (s.parallel_residual) {  // GPT-NeoX: x + attn(ln1(x)) + mlp(ln2(x))
    ops.push_back(norm(s, "norms", "attn_norm", h));
    attention();
    ops.push_back(norm(s, "norms", "mlp_norm", h));
    mlp();
    residual("attn_add");
    residual("mlp_add");
  } else {
    ops.push_back(norm(s, "norms", "attn_norm", h));
    attention();
    if (sandwich) ops.push_back(norm(s, "norms", "post_attn_norm", h));
    residual("attn_add");
    ops.push_back(norm(s, "norms", "mlp_norm", h));
    mlp();
    if (sandwich) ops.push_back(norm(s, "norms", "post_mlp_norm", h));
    residual("mlp_add");
  }
  return ops;
}

// "0-2", "3-60", "1,3,5": the layers in a block, as ranges.
std::string layer_ranges(const std::vector<std::int64_t>& layers) {
  if (layers.size() >= 3) {  // an arithmetic progression: "0-40 step 2"
    const std::int64_t step = layers[1] - layers[0];
    bool regular = step > 1;
    for (std::size_t i = 1; i < layers.size() && regular; ++i) {
      regular = layers[i] - layers[i - 1] == step;
    }
    if (regular) return fmt::format("{}-{} step {}", layers.front(), layers.back(), step);
  }
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < layers.size();) {
    std::size_t j = i;
    while (j + 1 < layers.size() && layers[j + 1] == layers[j] + 1) ++j;
    parts.push_back(i == j ? fmt::format("{}", layers[i])
                           : fmt::format("{}-{}", layers[i], layers[j]));
    i = j + 1;
  }
  if (parts.size() > 6) return fmt::format("{} layers from {}", layers.size(), layers.front());
  return fmt::format("{}", fmt::join(parts, ","));
}

Block embedding_block(const ModelSpec& s) {
  Block b{"embedding", 1, "", {}};
  b.ops.push_back(embedding("token", s.vocab, s.d_model));
  if (s.positions == PositionKind::kLearned) {
    b.ops.push_back(embedding("position", s.max_positions, s.d_model));
  }
  if (s.type_vocab > 0) b.ops.push_back(embedding("token_type", s.type_vocab, s.d_model));
  if (s.embedding_norm) b.ops.push_back(norm(s, "embedding", "norm", s.d_model));
  return b;
}

// Layers are grouped by kind (MoE or dense MLP, sliding or global attention), not by
// contiguity, so alternating layers still make two blocks.
void append_layer_blocks(const ModelSpec& s, std::vector<Block>& blocks) {
  std::vector<std::int64_t> kinds[2][2];  // [moe][sliding]
  for (std::int64_t i = 0; i < s.n_layers; ++i) {
    kinds[is_moe_layer(s, i)][is_sliding_layer(s, i)].push_back(i);
  }
  const bool mixed_mlp =
      kinds[0][0].size() + kinds[0][1].size() > 0 && kinds[1][0].size() + kinds[1][1].size() > 0;
  const bool mixed_attention =
      kinds[0][0].size() + kinds[1][0].size() > 0 && kinds[0][1].size() + kinds[1][1].size() > 0;
  std::vector<std::pair<std::int64_t, Block>> stack;  // keyed by first layer: forward order
  for (int moe = 0; moe < 2; ++moe) {
    for (int sliding = 0; sliding < 2; ++sliding) {
      const std::vector<std::int64_t>& layers = kinds[moe][sliding];
      if (layers.empty()) continue;
      std::string name = "layers";
      if (mixed_attention) name = std::string(sliding ? "sliding " : "global ").append(name);
      if (mixed_mlp) name = std::string(moe ? "moe " : "dense ").append(name);
      stack.emplace_back(layers.front(), Block{name, static_cast<std::int64_t>(layers.size()),
                                               layer_ranges(layers), layer_ops(s, moe, sliding)});
    }
  }
  std::sort(stack.begin(), stack.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [first, block] : stack) blocks.push_back(std::move(block));
}

}  // namespace

Graph build_graph(const ModelSpec& spec) {
  validate(spec);
  Graph g{spec, {}};
  g.blocks.push_back(embedding_block(spec));
  append_layer_blocks(spec, g.blocks);
  if (spec.final_norm) {
    Block b{"final norm", 1, "", {}};
    b.ops.push_back(norm(spec, "final norm", "norm", spec.d_model));
    g.blocks.push_back(b);
  }
  if (spec.pooler) {
    Block b{"pooler", 1, "", {}};
    b.ops.push_back(linear("pooler", "dense", spec.d_model, spec.d_model, true));
    b.ops.push_back(weightless("pooler", "tanh", OpKind::kPooler, spec.d_model));
    for (Op& op : b.ops) op.first_token_only = true;  // BertPooler reads hidden_states[:, 0]
    g.blocks.push_back(b);
  }
  if (spec.structure == Structure::kDecoder) {
    Block b{"lm_head", 1, "", {}};
    Op head = linear("lm_head", "lm_head", spec.d_model, spec.vocab, false);
    head.tied = spec.tied_embeddings;
    head.embedding = true;  // Kaplan et al. 2020 §2.1: N excludes embedding and unembedding
    b.ops.push_back(head);
    b.ops.push_back(weightless("loss", "cross_entropy", OpKind::kLoss, spec.vocab));
    g.blocks.push_back(b);
  }
  // Every weight count is computed once here, so overflow is reported before any fold runs.
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) mul(mul(params_per_copy(op), op.copies), b.repeat, "parameters");
  }
  return g;
}

Count params_per_copy(const Op& op) {
  if (op.tied) return 0;
  const std::string what = "parameters of " + op.group + "/" + op.name;
  const Count out = static_cast<std::uint64_t>(op.out);
  switch (op.kind) {
    case OpKind::kEmbedding:
      return mul(static_cast<std::uint64_t>(op.in), out, what);
    case OpKind::kLinear:
      return add(mul(static_cast<std::uint64_t>(op.in), out, what), op.bias ? out : 0, what);
    case OpKind::kNorm:  // gamma, and beta for LayerNorm with bias
      return op.bias ? mul(out, 2, what) : out;
    case OpKind::kBias:
      return out;
    default:
      return 0;
  }
}

}  // namespace tsize
