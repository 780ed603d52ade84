#include "tsize/model.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tsize/error.hpp"

namespace tsize {
namespace {

// Collects every problem so the user fixes them in one go.
class Problems {
 public:
  void positive(std::string_view field, std::int64_t v) {
    if (v <= 0) add(fmt::format("{}={} must be a positive integer", field, v));
    at_most_max(field, v);
  }
  void non_negative(std::string_view field, std::int64_t v) {
    if (v < 0) add(fmt::format("{}={} must not be negative", field, v));
    at_most_max(field, v);
  }
  void at_most_max(std::string_view field, std::int64_t v) {
    if (v > kMaxDimension) {
      add(fmt::format("{}={} exceeds the largest supported size 2^30 = {}", field, v,
                      kMaxDimension));
    }
  }
  void add(std::string p) { list_.push_back(std::move(p)); }
  void raise(const std::string& model) const {
    if (list_.empty()) return;
    std::string msg = model.empty() ? "not a valid model:" : model + ": not a valid model:";
    for (const auto& p : list_) {
      msg += "\n  ";
      msg += p;
    }
    throw Error(msg);
  }

 private:
  std::vector<std::string> list_;
};

void validate_attention(const ModelSpec& s, Problems& p) {
  p.positive("n_heads", s.n_heads);
  if (s.mla) {
    const MlaSpec& m = *s.mla;
    p.non_negative("q_lora_rank", m.q_lora_rank);
    p.positive("kv_lora_rank", m.kv_lora_rank);
    p.non_negative("qk_nope_head_dim", m.qk_nope_head_dim);
    p.positive("qk_rope_head_dim", m.qk_rope_head_dim);
    p.positive("v_head_dim", m.v_head_dim);
    return;
  }
  p.positive("n_kv_heads", s.n_kv_heads);
  p.positive("d_head", s.d_head);
  if (s.n_heads > 0 && s.n_kv_heads > 0 && s.n_heads % s.n_kv_heads != 0) {
    p.add(fmt::format("n_kv_heads={} does not divide n_heads={}", s.n_kv_heads, s.n_heads));
  }
  if (s.n_kv_heads > s.n_heads && s.n_heads > 0) {
    p.add(fmt::format("n_kv_heads={} exceeds n_heads={}", s.n_kv_heads, s.n_heads));
  }
  if (s.rotary_fraction <= 0.0 || s.rotary_fraction > 1.0) {
    p.add(fmt::format("rotary_fraction={} must be in (0, 1]", s.rotary_fraction));
  }
}

void validate_moe(const MoeSpec& m, std::int64_t n_layers, Problems& p) {
  p.positive("n_routed_experts", m.n_routed_experts);
  p.positive("experts_per_token", m.experts_per_token);
  p.non_negative("n_shared_experts", m.n_shared_experts);
  p.positive("d_ff_expert", m.d_ff_expert);
  if (m.n_shared_experts > 0) p.positive("d_ff_shared", m.d_ff_shared);
  p.non_negative("first_dense_layers", m.first_dense_layers);
  p.positive("moe_layer_frequency", m.layer_frequency);
  if (m.experts_per_token > m.n_routed_experts && m.n_routed_experts > 0) {
    p.add(fmt::format("experts_per_token={} exceeds n_routed_experts={}", m.experts_per_token,
                      m.n_routed_experts));
  }
  if (m.first_dense_layers > n_layers && n_layers > 0) {
    p.add(fmt::format("first_dense_layers={} exceeds n_layers={}", m.first_dense_layers, n_layers));
  }
}

}  // namespace

void validate(const ModelSpec& s) {
  Problems p;
  p.positive("n_layers", s.n_layers);
  p.positive("d_model", s.d_model);
  p.positive("vocab", s.vocab);
  p.positive("max_positions", s.max_positions);
  p.non_negative("type_vocab", s.type_vocab);
  validate_attention(s, p);
  const bool all_moe = s.moe && s.moe->first_dense_layers == 0 && s.moe->layer_frequency == 1 &&
                       s.moe->dense_layers.empty();
  if (!all_moe) p.positive("d_ff", s.d_ff);
  if (s.moe) validate_moe(*s.moe, s.n_layers, p);
  if (s.indexer) {
    p.positive("index_n_heads", s.indexer->n_heads);
    p.positive("index_head_dim", s.indexer->head_dim);
    p.positive("index_topk", s.indexer->top_k);
    if (!s.mla || s.mla->q_lora_rank == 0) {
      p.add(
          "the sparse-attention indexer needs MLA with q_lora_rank > 0 (its queries read the "
          "compressed query)");
    }
  }
  if (s.sliding_window > 0 && s.attention_chunk > 0) {
    p.add("a local layer either slides (sliding_window) or is chunked (attention_chunk), not both");
  }
  if (s.structure == Structure::kEncoder && s.moe)
    p.add("encoder models with MoE are not supported");
  p.non_negative("mtp_layers", s.mtp_layers);
  p.non_negative("sliding_window", s.sliding_window);
  p.non_negative("attention_chunk", s.attention_chunk);
  p.positive("sliding_window_period", s.sliding_window_period);
  p.raise(s.name);
}

bool is_moe_layer(const ModelSpec& s, std::int64_t layer) {
  if (!s.moe) return false;
  const MoeSpec& m = *s.moe;
  if (layer < m.first_dense_layers) return false;
  if (std::find(m.dense_layers.begin(), m.dense_layers.end(), layer) != m.dense_layers.end()) {
    return false;
  }
  return (layer + m.frequency_offset) % m.layer_frequency == 0;
}

bool is_local_layer(const ModelSpec& s, std::int64_t layer) {
  const std::int64_t p = s.sliding_window_period;
  return (s.sliding_window > 0 || s.attention_chunk > 0) && (p == 1 || layer % p != p - 1);
}

namespace {

std::string attention_words(const ModelSpec& s) {
  if (s.mla) {
    return fmt::format("{} heads, MLA (q rank {}, kv rank {})", s.n_heads, s.mla->q_lora_rank,
                       s.mla->kv_lora_rank);
  }
  std::string kind = s.n_kv_heads == s.n_heads ? "" : s.n_kv_heads == 1 ? " (MQA)" : " (GQA)";
  std::string out = s.n_kv_heads == s.n_heads
                        ? fmt::format("{} heads", s.n_heads)
                        : fmt::format("{} heads / {} KV heads{}", s.n_heads, s.n_kv_heads, kind);
  if (s.d_head * s.n_heads != s.d_model) out += fmt::format(", d_head {}", s.d_head);
  return out;
}

std::string mlp_words(const ModelSpec& s) {
  std::string_view act = s.mlp == MlpKind::kPlain            ? label_of(s.activation)
                         : s.activation == Activation::kSilu ? "SwiGLU"
                                                             : "GeGLU";
  if (!s.moe) return fmt::format("d_ff {} {}", s.d_ff, act);
  const MoeSpec& m = *s.moe;
  std::string out = fmt::format("MoE {} experts (top-{}", m.n_routed_experts, m.experts_per_token);
  if (m.n_shared_experts > 0) out += fmt::format(", {} shared", m.n_shared_experts);
  out += fmt::format(") d_ff {} {}", m.d_ff_expert, act);
  return out;
}

}  // namespace

std::string describe(const ModelSpec& s) {
  std::string out = fmt::format("{} layers, d_model {}, {}, {}, {}", s.n_layers, s.d_model,
                                attention_words(s), mlp_words(s), label_of(s.norm));
  if (s.positions == PositionKind::kRotary && s.rotary_fraction < 1.0) {
    out += fmt::format(", RoPE on {:g}% of d_head", s.rotary_fraction * 100);
  } else {
    out += fmt::format(", {}", label_of(s.positions));
  }
  if (s.sliding_window > 0 || s.attention_chunk > 0) {
    const std::string local = s.sliding_window > 0
                                  ? fmt::format("sliding window {}", s.sliding_window)
                                  : fmt::format("chunked attention {}", s.attention_chunk);
    const std::int64_t p = s.sliding_window_period;
    out += p == 1   ? ", " + local
           : p == 2 ? fmt::format(", {} on alternate layers", local)
                    : fmt::format(", {} on {} of {} layers", local, p - 1, p);
  }
  if (s.global_layers_nope) out += ", no positions on global layers";
  if (s.indexer) out += fmt::format(", sparse attention top-{}", s.indexer->top_k);
  out += fmt::format(", vocab {}", s.vocab);
  if (s.structure == Structure::kEncoder) {
    out += ", encoder";
  } else {
    out += s.tied_embeddings ? ", tied embeddings" : ", untied embeddings";
  }
  return out;
}

}  // namespace tsize
