// One reader per HF model_type. Defaults are those of transformers' configuration_<type>.py
// __init__; facts a config does not state (hard-coded biases, fused projections) come from
// modeling_<type>.py. docs/models.md lists the mapping.
#include "hf_families.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tsize::detail {
namespace {

// Defaults of the keys most families share.
struct Defaults {
  std::int64_t vocab, hidden, d_ff, layers, heads;
  std::int64_t kv_heads = 0;  // 0: = num_attention_heads
  std::int64_t head_dim = 0;  // 0: = hidden_size / num_attention_heads
  std::int64_t max_positions = 2048;
  bool tied = false;
  const char* activation = "silu";
};

Activation parse_activation(ConfigReader& c, const char* fallback) {
  std::string key;
  const nlohmann::json* v =
      c.find({"hidden_activation", "hidden_act", "activation_function"}, &key);
  const std::string name = v && v->is_string() ? v->get<std::string>() : fallback;
  if (v && !v->is_string()) c.problem(fmt::format("{}={}: expected a string", key, v->dump()));
  if (name == "gelu" || name == "gelu_python") return Activation::kGelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast" ||
      name == "gelu_tanh") {
    return Activation::kGeluTanh;
  }
  if (name == "relu") return Activation::kRelu;
  if (name == "silu" || name == "swish") return Activation::kSilu;
  c.problem(
      fmt::format("{}=\"{}\": unsupported activation (expected gelu, gelu_new, "
                  "gelu_pytorch_tanh, relu or silu)",
                  key, name));
  return Activation::kGelu;
}

// Heads and head_dim; without head_dim the heads must divide hidden_size.
// GPT-2, BERT and GPT-NeoX ignore a head_dim key (their modeling code divides hidden by heads);
// the llama family reads it.
enum class HeadDimKey { kRead, kIgnored };

void read_heads(ConfigReader& c, ModelSpec& s, const Defaults& d,
                std::initializer_list<const char*> heads_keys = {"num_attention_heads"},
                std::initializer_list<const char*> hidden_keys = {"hidden_size"},
                HeadDimKey head_dim_key = HeadDimKey::kRead) {
  s.d_model = c.integer(hidden_keys, d.hidden);
  s.n_heads = c.integer(heads_keys, d.heads);
  // Absent: the config class default; null: num_attention_heads (transformers' __init__).
  const std::int64_t kv_default =
      d.kv_heads > 0 && !c.is_null("num_key_value_heads") ? d.kv_heads : s.n_heads;
  s.n_kv_heads = c.integer({"num_key_value_heads"}, kv_default);
  std::string key;
  const bool explicit_head_dim =
      head_dim_key == HeadDimKey::kRead && c.find({"head_dim"}, &key) != nullptr;
  s.d_head = explicit_head_dim ? c.integer({"head_dim"}, d.head_dim) : d.head_dim;
  if (!explicit_head_dim && d.head_dim == 0) {
    if (s.n_heads > 0 && s.d_model % s.n_heads != 0) {
      std::string heads_key,
          hidden_key;  // the spelling the file uses: n_head or num_attention_heads
      c.find(heads_keys, &heads_key);
      c.find(hidden_keys, &hidden_key);
      c.problem(fmt::format("{}={} does not divide {}={} (and head_dim is not given)", heads_key,
                            s.n_heads, hidden_key, s.d_model));
    }
    s.d_head = s.n_heads > 0 ? s.d_model / s.n_heads : 0;
  }
  if (s.n_kv_heads > 0 && s.n_heads % s.n_kv_heads != 0) {
    c.problem(fmt::format("num_key_value_heads={} does not divide num_attention_heads={}",
                          s.n_kv_heads, s.n_heads));
  }
}

// Router sizes must agree; named by their config keys.
void check_moe(ConfigReader& c, const MoeSpec& m, const char* experts_key) {
  if (m.experts_per_token > m.n_routed_experts) {
    c.problem(fmt::format("num_experts_per_tok={} exceeds {}={}", m.experts_per_token, experts_key,
                          m.n_routed_experts));
  }
}

// The llama-shaped decoder: RMSNorm, RoPE, gated MLP, untied unless stated.
ModelSpec llama_like(ConfigReader& c, const Defaults& d) {
  ModelSpec s;
  s.structure = Structure::kDecoder;
  s.vocab = c.integer({"vocab_size"}, d.vocab);
  s.n_layers = c.integer({"num_hidden_layers"}, d.layers);
  read_heads(c, s, d);
  s.d_ff = c.integer({"intermediate_size"}, d.d_ff);
  s.max_positions = c.integer({"max_position_embeddings"}, d.max_positions);
  s.positions = PositionKind::kRotary;
  s.norm = NormKind::kRMSNorm;
  s.norm_bias = false;
  s.mlp = MlpKind::kGated;
  s.activation = parse_activation(c, d.activation);
  s.tied_embeddings = c.boolean("tie_word_embeddings", d.tied);
  return s;
}

ModelSpec gpt2(ConfigReader& c) {
  ModelSpec s;
  // configuration_gpt2.py; hidden_size etc. are attribute_map aliases and win over n_embd.
  s.vocab = c.integer({"vocab_size"}, 50257);
  s.n_layers = c.integer({"num_hidden_layers", "n_layer"}, 12);
  read_heads(c, s, {50257, 768, 0, 12, 12}, {"num_attention_heads", "n_head"},
             {"hidden_size", "n_embd"}, HeadDimKey::kIgnored);
  if (c.boolean("add_cross_attention", false)) {
    c.problem("add_cross_attention=true: encoder-decoder cross-attention is not supported");
  }
  s.n_kv_heads = s.n_heads;
  s.d_ff = c.integer({"n_inner"}, 4 * s.d_model);  // n_inner None → 4 · n_embd
  s.max_positions = c.integer({"max_position_embeddings", "n_positions"}, 1024);
  s.activation = parse_activation(c, "gelu_new");
  s.fused_qkv = true;  // Conv1D c_attn, always with biases
  s.qkv_bias = s.o_bias = s.mlp_bias = true;
  s.tied_embeddings = c.boolean("tie_word_embeddings", true);
  return s;
}

ModelSpec bert(ConfigReader& c) {
  ModelSpec s;
  s.structure = Structure::kEncoder;
  s.vocab = c.integer({"vocab_size"}, 30522);
  s.n_layers = c.integer({"num_hidden_layers"}, 12);
  read_heads(c, s, {30522, 768, 3072, 12, 12}, {"num_attention_heads"}, {"hidden_size"},
             HeadDimKey::kIgnored);
  if (c.boolean("add_cross_attention", false)) {
    c.problem("add_cross_attention=true: encoder-decoder cross-attention is not supported");
  }
  s.n_kv_heads = s.n_heads;
  s.d_ff = c.integer({"intermediate_size"}, 3072);
  s.max_positions = c.integer({"max_position_embeddings"}, 512);
  s.type_vocab = c.integer({"type_vocab_size"}, 2, 0);
  const std::string pos = c.string("position_embedding_type", "absolute");
  if (pos != "absolute") {
    c.problem(fmt::format("position_embedding_type=\"{}\": only \"absolute\" is supported", pos));
  }
  s.activation = parse_activation(c, "gelu");
  s.embedding_norm = true;
  s.final_norm = false;
  s.pooler = true;  // BertModel(add_pooling_layer=True)
  s.qkv_bias = s.o_bias = s.mlp_bias = true;
  return s;
}

ModelSpec gpt_neox(ConfigReader& c) {
  ModelSpec s;
  s.vocab = c.integer({"vocab_size"}, 50432);
  s.n_layers = c.integer({"num_hidden_layers"}, 44);
  read_heads(c, s, {50432, 6144, 24576, 44, 64}, {"num_attention_heads"}, {"hidden_size"},
             HeadDimKey::kIgnored);
  s.n_kv_heads = s.n_heads;
  s.d_ff = c.integer({"intermediate_size"}, 24576);
  s.max_positions = c.integer({"max_position_embeddings"}, 2048);
  s.positions = PositionKind::kRotary;
  s.rotary_fraction = c.number("rotary_pct", 0.25);
  s.parallel_residual = c.boolean("use_parallel_residual", true);
  s.activation = parse_activation(c, "gelu");
  s.fused_qkv = true;  // query_key_value
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", true);
  s.mlp_bias = true;  // dense_h_to_4h and dense_4h_to_h always have biases
  s.tied_embeddings = c.boolean("tie_word_embeddings", false);
  return s;
}

ModelSpec llama(ConfigReader& c) {
  ModelSpec s = llama_like(c, {32000, 4096, 11008, 32, 32});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);  // all four projections
  s.mlp_bias = c.boolean("mlp_bias", false);
  return s;
}

// sliding_window on every layer (Mistral, Mixtral, Phi-3): null or absent means none.
void read_sliding_window(ConfigReader& c, ModelSpec& s, std::int64_t period) {
  s.sliding_window = c.integer({"sliding_window"}, 0, 0);
  s.sliding_window_period = period;
}

ModelSpec mistral(ConfigReader& c) {
  ModelSpec s = llama_like(c, {32000, 4096, 14336, 32, 32, 8, 0, 131072});  // no bias anywhere
  read_sliding_window(c, s, 1);
  return s;
}

ModelSpec mixtral(ConfigReader& c) {
  ModelSpec s = llama_like(c, {32000, 4096, 14336, 32, 32, 8, 0, 131072});
  MoeSpec m;
  m.n_routed_experts = c.integer({"num_local_experts", "num_experts"}, 8);
  m.experts_per_token = c.integer({"num_experts_per_tok"}, 2);
  m.d_ff_expert = s.d_ff;  // each expert is an MLP of intermediate_size
  check_moe(c, m, "num_local_experts");
  read_sliding_window(c, s, 1);
  s.moe = m;
  return s;
}

ModelSpec qwen2(ConfigReader& c) {
  ModelSpec s = llama_like(c, {151936, 4096, 22016, 32, 32, 32, 0, 32768});
  s.qkv_bias = true;  // modeling_qwen2.py: q/k/v bias=True, o_proj bias=False (hard-coded)
  return s;
}

ModelSpec qwen2_moe(ConfigReader& c) {
  ModelSpec s = llama_like(c, {151936, 2048, 5632, 24, 16, 16, 0, 32768});
  s.qkv_bias = c.boolean("qkv_bias", true);
  MoeSpec m;
  m.n_routed_experts = c.integer({"num_experts"}, 60);
  m.experts_per_token = c.integer({"num_experts_per_tok"}, 4);
  m.d_ff_expert = c.integer({"moe_intermediate_size"}, 1408);
  m.d_ff_shared = c.integer({"shared_expert_intermediate_size"}, 5632, 0);
  m.n_shared_experts = m.d_ff_shared > 0 ? 1 : 0;
  m.shared_expert_gate = m.n_shared_experts > 0;
  // MoE where (i + 1) % decoder_sparse_step == 0 and i not in mlp_only_layers.
  m.layer_frequency = c.integer({"decoder_sparse_step"}, 1);
  m.frequency_offset = 1;
  m.dense_layers = c.integer_list("mlp_only_layers");
  check_moe(c, m, "num_experts");
  s.moe = m;
  return s;
}

ModelSpec qwen3(ConfigReader& c) {
  ModelSpec s = llama_like(c, {151936, 4096, 22016, 32, 32, 32, 128, 32768});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.qk_norm = true;
  return s;
}

ModelSpec gemma(ConfigReader& c) {
  ModelSpec s =
      llama_like(c, {256000, 3072, 24576, 28, 16, 16, 256, 8192, true, "gelu_pytorch_tanh"});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  return s;
}

ModelSpec gemma2(ConfigReader& c) {
  ModelSpec s = llama_like(c, {256000, 2304, 9216, 26, 8, 4, 256, 8192, true, "gelu_pytorch_tanh"});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.norms_per_layer = 4;  // input, post_attention, pre_feedforward, post_feedforward
  // modeling_gemma2.py: is_sliding = not bool(layer_idx % 2), window 4096 by default.
  s.sliding_window = c.integer({"sliding_window"}, 4096, 0);
  s.sliding_window_period = 2;
  return s;
}

ModelSpec phi3(ConfigReader& c) {
  ModelSpec s = llama_like(c, {32064, 3072, 8192, 32, 32, 0, 0, 4096});
  s.fused_qkv = true;      // qkv_proj, no bias
  s.fused_gate_up = true;  // gate_up_proj, no bias
  s.rotary_fraction = c.number("partial_rotary_factor", 1.0);
  read_sliding_window(c, s, 1);
  return s;
}

// Defaults of DeepSeek's MoE and MLA keys (transformers' configuration_deepseek_v2/v3.py).
struct DeepSeekDefaults {
  std::int64_t routed_experts, experts_per_token;  // experts_per_token 0: no default (V2)
  std::int64_t shared_experts, d_ff_expert, first_dense;
  const char* topk_method;
};

// DeepSeek-V2/V3 (and V3.2): MLA attention, MoE after the first dense layers.
ModelSpec deepseek(ConfigReader& c, const Defaults& d, const DeepSeekDefaults& dd) {
  ModelSpec s = llama_like(c, d);
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.mlp_bias = c.boolean("mlp_bias", false);
  MlaSpec a;
  // q_lora_rank null means one full q_proj; absent means the class default 1536.
  a.q_lora_rank = c.is_null("q_lora_rank") ? 0 : c.integer({"q_lora_rank"}, 1536);
  a.kv_lora_rank = c.integer({"kv_lora_rank"}, 512);
  a.qk_nope_head_dim = c.integer({"qk_nope_head_dim"}, 128, 0);
  a.qk_rope_head_dim = c.integer({"qk_rope_head_dim"}, 64);
  a.v_head_dim = c.integer({"v_head_dim"}, 128);
  s.mla = a;
  s.d_head = a.qk_nope_head_dim + a.qk_rope_head_dim;
  s.n_kv_heads = s.n_heads;              // MLA shapes ignore num_key_value_heads
  if (!c.is_null("n_routed_experts")) {  // null: a dense model (DeepSeek's own code)
    MoeSpec m;
    m.n_routed_experts = c.integer({"n_routed_experts", "num_local_experts"}, dd.routed_experts);
    const auto k = c.maybe_integer({"num_experts_per_tok"});
    if (!k && dd.experts_per_token == 0) {
      c.problem("num_experts_per_tok is missing (needed with n_routed_experts)");
    }
    m.experts_per_token = k.value_or(std::max<std::int64_t>(dd.experts_per_token, 1));
    m.d_ff_expert = c.integer({"moe_intermediate_size"}, dd.d_ff_expert);
    m.n_shared_experts = c.integer({"n_shared_experts"}, dd.shared_experts, 0);
    m.d_ff_shared = m.d_ff_expert * m.n_shared_experts;  // one MLP of moe_I · n_shared
    m.first_dense_layers = c.integer({"first_k_dense_replace"}, dd.first_dense, 0);
    m.layer_frequency = c.integer({"moe_layer_freq"}, 1);
    // noaux_tc adds e_score_correction_bias [E] (DeepSeek-V3 §2.1.2), a Parameter in
    // DeepSeek's modeling_deepseek.py.
    m.router_score_correction = c.string("topk_method", dd.topk_method) == "noaux_tc";
    check_moe(c, m, "n_routed_experts");
    s.moe = m;
  }
  s.mtp_layers = c.integer({"num_nextn_predict_layers"}, 0, 0);
  return s;
}

ModelSpec deepseek_v2(ConfigReader& c) {
  return deepseek(c, {32000, 4096, 11008, 32, 32, 0, 0, 2048}, {64, 0, 2, 1407, 0, "greedy"});
}

ModelSpec deepseek_v3(ConfigReader& c) {
  return deepseek(c, {129280, 7168, 18432, 61, 128, 0, 0, 4096}, {256, 8, 1, 2048, 3, "noaux_tc"});
}

ModelSpec deepseek_v32(ConfigReader& c) {
  ModelSpec s = deepseek_v3(c);
  IndexerSpec ix;  // DeepSeek-V3.2-Exp config.json / inference/model.py ModelArgs defaults
  ix.n_heads = c.integer({"index_n_heads"}, 64);
  ix.head_dim = c.integer({"index_head_dim"}, 128);
  ix.top_k = c.integer({"index_topk"}, 2048);
  s.indexer = ix;
  return s;
}

}  // namespace

const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = {
      {"bert", bert},
      {"deepseek_v2", deepseek_v2},
      {"deepseek_v3", deepseek_v3},
      {"deepseek_v32", deepseek_v32},
      {"gemma", gemma},
      {"gemma2", gemma2},
      {"gpt2", gpt2},
      {"gpt_neox", gpt_neox},
      {"llama", llama},
      {"mistral", mistral},
      {"mixtral", mixtral},
      {"phi3", phi3},
      {"qwen2", qwen2},
      {"qwen2_moe", qwen2_moe},
      {"qwen3", qwen3},
  };
  return kFamilies;
}

}  // namespace tsize::detail
