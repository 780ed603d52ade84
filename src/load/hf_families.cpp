// One reader per HF model_type. Defaults are those of transformers' configuration_<type>.py
// __init__; facts a config does not state (hard-coded biases, fused projections) come from
// modeling_<type>.py. docs/models.md lists the mapping.
#include "hf_families.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tsize::detail {
namespace {

// Defaults of the keys most families share.
// Heads and head_dim; without head_dim the heads must divide hidden_size.
// GPT-2, BERT, GPT-NeoX, OLMoE, Phi, StableLM and Cohere-2 ignore a head_dim key (their
// modeling code divides hidden by heads); the llama family reads it.
enum class HeadDimKey { kRead, kIgnored };

struct Defaults {
  std::int64_t vocab, hidden, d_ff, layers, heads;
  std::int64_t kv_heads = 0;  // 0: = num_attention_heads
  std::int64_t head_dim = 0;  // 0: = hidden_size / num_attention_heads
  std::int64_t max_positions = 2048;
  bool tied = false;
  const char* activation = "silu";
  HeadDimKey head_dim_key = HeadDimKey::kRead;
  bool kv_heads_key = true;  // false: the config class has no num_key_value_heads (GPT-2, BERT)
};

Activation parse_activation(ConfigReader& c, const char* fallback) {
  std::string key;
  const nlohmann::json* v =
      c.find({"hidden_activation", "hidden_act", "activation_function", "activation"}, &key);
  const std::string name = v && v->is_string() ? v->get<std::string>() : fallback;
  if (v && !v->is_string()) c.problem(fmt::format("{}={}: expected a string", key, v->dump()));
  if (name == "gelu" || name == "gelu_python") return Activation::kGelu;
  if (name == "gelu_new") return Activation::kGeluNew;  // NewGELUActivation, Python ops
  if (name == "gelu_pytorch_tanh" || name == "gelu_fast" || name == "gelu_tanh") {
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

void read_heads(ConfigReader& c, ModelSpec& s, const Defaults& d,
                std::initializer_list<const char*> heads_keys = {"num_attention_heads"},
                std::initializer_list<const char*> hidden_keys = {"hidden_size"},
                HeadDimKey head_dim_key = HeadDimKey::kRead) {
  s.d_model = c.integer(hidden_keys, d.hidden);
  s.n_heads = c.integer(heads_keys, d.heads);
  if (d.head_dim_key == HeadDimKey::kIgnored) head_dim_key = HeadDimKey::kIgnored;
  // Absent: the config class default; null: num_attention_heads (transformers' __init__).
  const bool kv_class_default = d.kv_heads > 0 && !c.is_null("num_key_value_heads");
  s.n_kv_heads = !d.kv_heads_key
                     ? s.n_heads
                     : c.integer({"num_key_value_heads"},
                                 kv_class_default ? Fallback(d.kv_heads)
                                                  : Fallback(s.n_heads, "num_attention_heads"));
  std::string key;
  const bool explicit_head_dim =
      head_dim_key == HeadDimKey::kRead && c.find({"head_dim"}, &key) != nullptr;
  s.d_head = explicit_head_dim ? c.integer({"head_dim"}, d.head_dim) : d.head_dim;
  if (!explicit_head_dim && d.head_dim > 0 && head_dim_key == HeadDimKey::kRead) {
    c.defaulted("head_dim", fmt::format("{}", d.head_dim));
  }
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

// A MoE of E experts of hidden size ff, top-k; `experts_keys` in the order the config spells it.
MoeSpec read_moe(ConfigReader& c, std::initializer_list<const char*> experts_keys,
                 std::int64_t experts, std::int64_t k, std::int64_t ff) {
  MoeSpec m;
  m.n_routed_experts = c.integer(experts_keys, experts);
  m.experts_per_token = c.integer({"num_experts_per_tok"}, k);
  m.d_ff_expert = ff;
  check_moe(c, m, *experts_keys.begin());
  return m;
}

// Qwen-MoE's layer rule: MoE where (i + 1) % decoder_sparse_step == 0, except mlp_only_layers.
void read_sparse_step(ConfigReader& c, MoeSpec& m) {
  m.layer_frequency = c.integer({"decoder_sparse_step"}, 1);
  m.frequency_offset = 1;
  m.dense_layers = c.integer_list("mlp_only_layers");
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
  Defaults d{50257, 768, 0, 12, 12};
  d.kv_heads_key = false;
  read_heads(c, s, d, {"num_attention_heads", "n_head"}, {"hidden_size", "n_embd"},
             HeadDimKey::kIgnored);
  if (const auto* x = c.find({"add_cross_attention"}, nullptr); x && *x == true) {
    c.problem("add_cross_attention=true: encoder-decoder cross-attention is not supported");
  }
  s.n_kv_heads = s.n_heads;
  s.d_ff = c.integer({"n_inner"}, {4 * s.d_model, "4 · n_embd"});  // n_inner None → 4 · n_embd
  s.max_positions = c.integer({"max_position_embeddings", "n_positions"}, 1024);
  s.activation = parse_activation(c, "gelu_new");
  s.fused_qkv = true;  // Conv1D c_attn, always with biases
  // modeling_gpt2.py: the causal mask is a registered bool buffer [1, 1, n_positions,
  // n_positions] that torch.where reads a slice of; the scores are divided by
  // torch.full([], √d_head, dtype=attn_weights.dtype); softmax runs in the scores' dtype.
  s.causal_mask_buffer = s.scale_tensor = s.softmax_native = true;
  s.qkv_bias = s.o_bias = s.mlp_bias = true;
  s.tied_embeddings = c.boolean("tie_word_embeddings", true);
  return s;
}

ModelSpec bert(ConfigReader& c) {
  ModelSpec s;
  s.structure = Structure::kEncoder;
  s.vocab = c.integer({"vocab_size"}, 30522);
  s.n_layers = c.integer({"num_hidden_layers"}, 12);
  Defaults d{30522, 768, 3072, 12, 12};
  d.kv_heads_key = false;
  read_heads(c, s, d, {"num_attention_heads"}, {"hidden_size"}, HeadDimKey::kIgnored);
  if (const auto* x = c.find({"add_cross_attention"}, nullptr); x && *x == true) {
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
  Defaults d{50432, 6144, 24576, 44, 64};
  d.kv_heads_key = false;
  read_heads(c, s, d, {"num_attention_heads"}, {"hidden_size"}, HeadDimKey::kIgnored);
  s.n_kv_heads = s.n_heads;
  s.d_ff = c.integer({"intermediate_size"}, 24576);
  s.max_positions = c.integer({"max_position_embeddings"}, 2048);
  s.positions = PositionKind::kRotary;
  s.rotary_fraction = c.number("rotary_pct", 0.25);
  s.layer_norms =
      c.boolean("use_parallel_residual", true) ? LayerNorms::kParallel : LayerNorms::kPre;
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

// sliding_window on every layer (Mistral, Mixtral, Phi-3, StarCoder2, Phi-3.5-MoE): null means
// none; absent, the class default (MistralConfig: 4096; the others: None).
void read_sliding_window(ConfigReader& c, ModelSpec& s, std::int64_t fallback = 0) {
  s.sliding_window = c.is_null("sliding_window") ? 0 : c.integer({"sliding_window"}, fallback, 0);
  s.sliding_window_period = 1;
}

// The local/global pattern of layer_types ("sliding_attention", "chunked_attention",
// "full_attention"): the period P with every P-th layer global (model.hpp); 1 when every layer
// is local, 0 when none is. Absent: `fallback`. An irregular list is a problem.
std::int64_t local_period(ConfigReader& c, std::int64_t layers, std::int64_t fallback) {
  std::string key;
  const nlohmann::json* v = c.find({"layer_types"}, &key);
  if (!v) return fallback;
  std::vector<bool> local;
  if (v->is_array()) {
    for (const auto& t : *v)
      local.push_back(!t.is_string() || t.get<std::string>() != "full_attention");
  }
  if (!v->is_array() || static_cast<std::int64_t>(local.size()) != layers) {
    c.problem(
        fmt::format("layer_types: expected a list of {} layer types (num_hidden_layers)", layers));
    return fallback;
  }
  const auto first_global = std::find(local.begin(), local.end(), false);
  if (first_global == local.end()) return 1;
  const std::int64_t period = first_global - local.begin() + 1;
  for (std::int64_t i = 0; i < layers; ++i) {
    const bool expected = period > 1 && i % period != period - 1;
    if (local[static_cast<std::size_t>(i)] != expected) {
      if (std::find(local.begin(), local.end(), true) == local.end()) return 0;
      c.problem(
          "layer_types: local and global layers must repeat with one global layer every P layers "
          "(the last of each P); this list does not");
      return fallback;
    }
  }
  return period;
}

ModelSpec mistral(ConfigReader& c) {
  ModelSpec s = llama_like(c, {32000, 4096, 14336, 32, 32, 8, 0, 131072});  // no bias anywhere
  read_sliding_window(c, s, 4096);
  return s;
}

ModelSpec mixtral(ConfigReader& c) {
  ModelSpec s = llama_like(c, {32000, 4096, 14336, 32, 32, 8, 0, 131072});
  s.moe = read_moe(c, {"num_local_experts", "num_experts"}, 8, 2, s.d_ff);  // experts of d_ff
  read_sliding_window(c, s);
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
  MoeSpec m = read_moe(c, {"num_experts"}, 60, 4, c.integer({"moe_intermediate_size"}, 1408));
  m.d_ff_shared = c.integer({"shared_expert_intermediate_size"}, 5632, 0);
  m.n_shared_experts = m.d_ff_shared > 0 ? 1 : 0;
  m.shared_expert_gate = m.n_shared_experts > 0;
  m.renormalize = c.boolean("norm_topk_prob", false);
  read_sparse_step(c, m);
  s.moe = m;
  return s;
}

ModelSpec qwen3(ConfigReader& c) {
  ModelSpec s = llama_like(c, {151936, 4096, 22016, 32, 32, 32, 128, 32768});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.qk_norm = QkNorm::kShared;
  return s;
}

ModelSpec gemma(ConfigReader& c) {
  ModelSpec s =
      llama_like(c, {256000, 3072, 24576, 28, 16, 16, 256, 8192, true, "gelu_pytorch_tanh"});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.norm_plus_one = s.embedding_scale = true;  // Gemma RMSNorm: x̂·(1 + w); embeddings × √h
  return s;
}

// attn_logit_softcapping and final_logit_softcapping: null (or 0) means none.
void read_softcaps(ConfigReader& c, ModelSpec& s, double attn, double final) {
  s.attn_softcap =
      !c.is_null("attn_logit_softcapping") && c.number("attn_logit_softcapping", attn) > 0;
  s.final_softcap =
      !c.is_null("final_logit_softcapping") && c.number("final_logit_softcapping", final) > 0;
}

ModelSpec gemma2(ConfigReader& c) {
  ModelSpec s = llama_like(c, {256000, 2304, 9216, 26, 8, 4, 256, 8192, true, "gelu_pytorch_tanh"});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.layer_norms = LayerNorms::kSandwich;  // input, post_attention, pre/post_feedforward
  // modeling_gemma2.py: is_sliding = not bool(layer_idx % 2), window 4096 by default.
  s.sliding_window = c.integer({"sliding_window"}, 4096, 0);
  s.sliding_window_period = local_period(c, s.n_layers, 2);
  s.norm_plus_one = s.embedding_scale = true;  // Gemma RMSNorm: x̂·(1 + w); embeddings × √h
  read_softcaps(c, s, 50.0, 30.0);
  return s;
}

ModelSpec phi3(ConfigReader& c) {
  ModelSpec s = llama_like(c, {32064, 3072, 8192, 32, 32, 0, 0, 4096});
  s.fused_qkv = true;      // qkv_proj, no bias
  s.fused_gate_up = true;  // gate_up_proj, no bias
  s.rotary_fraction = c.number("partial_rotary_factor", 1.0);
  read_sliding_window(c, s);
  return s;
}

// Defaults of DeepSeek's MoE and MLA keys (transformers' configuration_deepseek_v2/v3.py).
struct DeepSeekDefaults {
  std::int64_t routed_experts, experts_per_token;  // experts_per_token 0: no default (V2)
  std::int64_t shared_experts, d_ff_expert, first_dense;
  const char* topk_method;
  bool norm_topk_prob;
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
    m.renormalize = c.boolean("norm_topk_prob", dd.norm_topk_prob);
    // DeepseekV3TopkRouter: F.linear(x.type(float32), w.type(float32)), sigmoid, and
    // topk_weights * routed_scaling_factor.
    m.routing_in_compute_dtype = m.routed_scaling = dd.topk_method == std::string("noaux_tc");
    check_moe(c, m, "n_routed_experts");
    s.moe = m;
  }
  s.mtp_layers = c.integer({"num_nextn_predict_layers"}, 0, 0);
  return s;
}

ModelSpec deepseek_v2(ConfigReader& c) {
  return deepseek(c, {32000, 4096, 11008, 32, 32, 0, 0, 2048},
                  {64, 0, 2, 1407, 0, "greedy", false});
}

ModelSpec deepseek_v3(ConfigReader& c) {
  return deepseek(c, {129280, 7168, 18432, 61, 128, 0, 0, 4096},
                  {256, 8, 1, 2048, 3, "noaux_tc", true});
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

// --- Families added for today's models (transformers' configuration_/modeling_<type>.py) ---

// Qwen3-MoE: Qwen3's attention (q/k RMSNorm over d_head), MoE on layers with
// (i + 1) % decoder_sparse_step == 0 outside mlp_only_layers; no shared expert, router unbiased.
ModelSpec qwen3_moe(ConfigReader& c) {
  ModelSpec s = llama_like(c, {151936, 2048, 6144, 24, 32, 4, 0, 32768});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.qk_norm = QkNorm::kShared;
  MoeSpec m = read_moe(c, {"num_experts", "num_local_experts"}, 128, 8,
                       c.integer({"moe_intermediate_size"}, 768));
  m.renormalize = c.boolean("norm_topk_prob", false);
  read_sparse_step(c, m);
  s.moe = m;
  return s;
}

// OLMo-2: RMSNorm on the output of each branch only (no input norm), q/k RMSNorm over their full
// width (a·d_head and kv·d_head).
ModelSpec olmo2(ConfigReader& c) {
  ModelSpec s = llama_like(c, {50304, 4096, 11008, 32, 32, 0, 0, 2048});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.qk_norm = QkNorm::kFullWidth;
  s.layer_norms = LayerNorms::kPostBranch;
  return s;
}

// OLMoE: pre-norm, q/k RMSNorm over their full width, every layer MoE with experts of
// intermediate_size; head_dim is hidden_size / heads.
ModelSpec olmoe(ConfigReader& c) {
  Defaults d{50304, 2048, 2048, 16, 16, 0, 0, 4096};
  d.head_dim_key = HeadDimKey::kIgnored;
  ModelSpec s = llama_like(c, d);
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.qk_norm = QkNorm::kFullWidth;
  s.clip_qkv = c.find({"clip_qkv"}, nullptr) != nullptr;  // q, k, v clamp_()ed when set
  s.moe = read_moe(c, {"num_experts", "num_local_experts"}, 64, 8, s.d_ff);
  s.moe->renormalize = c.boolean("norm_topk_prob", false);
  return s;
}

// Gemma-3: Gemma-2's sandwich norms, q/k RMSNorm over d_head, one global layer in
// sliding_window_pattern (6) unless layer_types says otherwise.
ModelSpec gemma3_text(ConfigReader& c) {
  ModelSpec s =
      llama_like(c, {262208, 2304, 9216, 26, 8, 4, 256, 131072, true, "gelu_pytorch_tanh"});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.layer_norms = LayerNorms::kSandwich;
  s.qk_norm = QkNorm::kShared;
  s.sliding_window = c.integer({"sliding_window"}, 4096, 0);
  s.sliding_window_period = local_period(c, s.n_layers, c.integer({"sliding_window_pattern"}, 6));
  s.norm_plus_one = s.embedding_scale = true;  // Gemma RMSNorm: x̂·(1 + w); embeddings × √h
  s.local_rope_table = true;  // rotary_emb_local (rope_local_base_freq) beside rotary_emb
  read_softcaps(c, s, 0, 0);
  return s;
}

// gpt-oss: biased attention with a sink logit per head, every layer MoE with a biased router and
// biased experts (gate_up_proj fused), sliding window on alternate layers.
ModelSpec gpt_oss(ConfigReader& c) {
  ModelSpec s = llama_like(c, {201088, 2880, 2880, 36, 64, 8, 64, 131072});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", true);
  s.attention_sinks = true;
  s.mlp_bias = true;       // gate_up_proj_bias [E, 2f], down_proj_bias [E, h]
  s.fused_gate_up = true;  // one [E, h, 2f] tensor; its SwiGLU is clamped (α 1.702, limit 7)
  MoeSpec m = read_moe(c, {"num_local_experts", "num_experts"}, 128, 4, s.d_ff);
  m.router_bias = true;
  m.renormalize = false;  // softmax over the top-k logits: no division by their sum
  s.moe = m;
  s.sliding_window = c.integer({"sliding_window"}, 128, 0);
  s.sliding_window_period = local_period(c, s.n_layers, 2);
  return s;
}

// Llama-4 (text): MoE layers (a shared expert beside routed ones of intermediate_size) and dense
// layers of intermediate_size_mlp; chunked attention with RoPE on three layers of four, global
// attention without positions on the fourth. The weightless L2 q/k norm is not modelled.
ModelSpec llama4_text(ConfigReader& c) {
  ModelSpec s = llama_like(c, {202048, 5120, 8192, 48, 40, 8, 128, 131072});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.l2_qk_norm = c.boolean("use_qk_norm", true);  // an L2 norm without weights
  s.rope_complex = true;                          // freqs_cis = torch.polar(...), complex64
  // attn_temperature_tuning: an int (4) at the reference commit, a bool later.
  const nlohmann::json* tuning = c.find({"attn_temperature_tuning"}, nullptr);
  s.attn_temperature_tuning =
      !tuning || (tuning->is_boolean() ? tuning->get<bool>()
                                       : tuning->is_number() && tuning->get<double>() != 0);
  const std::int64_t expert_ff = s.d_ff;
  s.d_ff = c.integer({"intermediate_size_mlp"}, 16384);
  MoeSpec m = read_moe(c, {"num_local_experts", "num_experts"}, 16, 1, expert_ff);
  m.n_shared_experts = 1;
  m.d_ff_shared = expert_ff;
  m.renormalize = false;   // sigmoid scores of the top-k, not divided by their sum
  m.dense_experts = true;  // Llama4TextMoe: routed_in for every expert, bmm over all of them
  if (c.find({"moe_layers"}, nullptr) != nullptr) {  // explicit: every other layer is dense
    const std::vector<std::int64_t> moe_layers = c.integer_list("moe_layers");
    for (std::int64_t i = 0; i < s.n_layers; ++i) {
      if (std::find(moe_layers.begin(), moe_layers.end(), i) == moe_layers.end()) {
        m.dense_layers.push_back(i);
      }
    }
  } else {  // range(step - 1, L, step)
    m.layer_frequency = c.integer({"interleave_moe_layer_step"}, 1);
    m.frequency_offset = 1;
  }
  s.moe = m;
  s.attention_chunk =
      c.is_null("attention_chunk_size") ? 0 : c.integer({"attention_chunk_size"}, 8192);
  // no_rope_layers: 1 where a layer uses RoPE; empty means every no_rope_layer_interval-th layer
  // (the last of each interval) has none.
  std::int64_t period = c.integer({"no_rope_layer_interval"}, 4);
  const std::vector<std::int64_t> rope = c.integer_list("no_rope_layers");
  if (!rope.empty()) {
    const auto nope = std::find(rope.begin(), rope.end(), 0);
    period = nope == rope.end() ? 1 : nope - rope.begin() + 1;
    for (std::size_t i = 0; i < rope.size(); ++i) {
      const auto p = static_cast<std::size_t>(period);
      if ((rope[i] != 0) != (p == 1 || i % p != p - 1)) {
        c.problem("no_rope_layers: the layers without RoPE must repeat every P layers");
        break;
      }
    }
  }
  s.sliding_window_period = local_period(c, s.n_layers, period);
  s.global_layers_nope = s.attention_chunk > 0;
  return s;
}

// Phi-1/1.5/2: one LayerNorm feeding attention and MLP in parallel, biases on every Linear (the
// output projection is `dense`) and on lm_head, partial RoPE.
ModelSpec phi(ConfigReader& c) {
  ModelSpec s;
  Defaults d{51200, 2048, 8192, 24, 32, 0, 0, 2048, false, "gelu_new", HeadDimKey::kIgnored};
  s.vocab = c.integer({"vocab_size"}, d.vocab);
  s.n_layers = c.integer({"num_hidden_layers"}, d.layers);
  read_heads(c, s, d);
  s.d_ff = c.integer({"intermediate_size"}, d.d_ff);
  s.max_positions = c.integer({"max_position_embeddings"}, d.max_positions);
  s.positions = PositionKind::kRotary;
  s.rotary_fraction = c.number("partial_rotary_factor", 0.5);
  s.layer_norms = LayerNorms::kParallelOne;
  s.activation = parse_activation(c, d.activation);
  s.qkv_bias = s.o_bias = s.mlp_bias = true;
  s.lm_head_bias = true;                   // PhiForCausalLM: nn.Linear(h, V, bias=True)
  if (c.boolean("qk_layernorm", false)) {  // one nn.LayerNorm(d_head) each for q and k
    s.qk_norm = QkNorm::kShared;
    s.qk_norm_kind = NormKind::kLayerNorm;
    s.qk_norm_bias = true;
  }
  s.tied_embeddings = c.boolean("tie_word_embeddings", d.tied);
  return s;
}

// Phi-3.5-MoE: LayerNorm with β everywhere (despite rms_norm_eps), attention_bias on q/k/v/o,
// every layer MoE, lm_head_bias.
ModelSpec phimoe(ConfigReader& c) {
  ModelSpec s = llama_like(c, {32064, 4096, 6400, 32, 32, 8, 0, 131072});
  s.norm = NormKind::kLayerNorm;
  s.norm_bias = true;
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.lm_head_bias = c.boolean("lm_head_bias", false);
  s.moe = read_moe(c, {"num_local_experts", "num_experts"}, 16, 2, s.d_ff);
  s.moe->renormalize = false;  // sparsemixer's top-2 weights, not divided by their sum
  s.moe->sparsemixer = true;
  s.rope_tables = RopeTables::kIndexedPerLayer;  // cos[position_ids] in each attention
  s.moe->input_jitter = c.number("input_jitter_noise", 0.0) > 0;
  read_sliding_window(c, s);
  return s;
}

// StableLM: LayerNorm with β, q/k/v biases by use_qkv_bias, partial RoPE, a parallel block with
// one norm by use_parallel_residual, per-head q/k LayerNorms (weight only) by qk_layernorm.
ModelSpec stablelm(ConfigReader& c) {
  Defaults d{50304, 2560, 6912, 32, 32, 32, 0, 4096};
  d.head_dim_key = HeadDimKey::kIgnored;
  ModelSpec s = llama_like(c, d);
  s.norm = NormKind::kLayerNorm;
  s.norm_bias = true;
  s.qkv_bias = c.boolean("use_qkv_bias", false);
  s.rotary_fraction = c.number("partial_rotary_factor", 0.25);
  if (c.boolean("use_parallel_residual", false)) s.layer_norms = LayerNorms::kParallelOne;
  if (c.boolean("qk_layernorm", false)) {
    s.qk_norm = QkNorm::kPerHead;
    s.qk_norm_kind = NormKind::kLayerNorm;
  }
  return s;
}

// StarCoder2: LayerNorm with β, biases on every Linear by use_bias, a plain GELU-tanh MLP
// (c_fc, c_proj), a sliding window on every layer, tied unless stated.
ModelSpec starcoder2(ConfigReader& c) {
  ModelSpec s = llama_like(c, {49152, 3072, 12288, 30, 24, 2, 0, 4096, true, "gelu_pytorch_tanh"});
  s.norm = NormKind::kLayerNorm;
  s.norm_bias = true;
  s.mlp = MlpKind::kPlain;
  s.qkv_bias = s.o_bias = s.mlp_bias = c.boolean("use_bias", true);
  read_sliding_window(c, s);
  return s;
}

// Cohere (Command-R): one LayerNorm without β feeding attention and MLP in parallel, per-head
// q/k LayerNorms by use_qk_norm, tied.
ModelSpec cohere(ConfigReader& c) {
  ModelSpec s = llama_like(c, {256000, 8192, 22528, 40, 64, 0, 0, 8192, true});
  s.norm = NormKind::kLayerNorm;
  s.norm_bias = false;
  s.layer_norms = LayerNorms::kParallelOne;
  s.layer_norm_composite = true;  // CohereLayerNorm: mean, pow, rsqrt in fp32
  s.logits_multiplier = true;     // logits * self.logit_scale
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  if (c.boolean("use_qk_norm", false)) {
    s.qk_norm = QkNorm::kPerHead;
    s.qk_norm_kind = NormKind::kLayerNorm;
  }
  return s;
}

// Cohere-2 (Command R7B): Cohere's block, head_dim forced to hidden / heads, no q/k norm, a
// sliding window on three layers of four.
ModelSpec cohere2(ConfigReader& c) {
  Defaults d{256000, 8192, 22528, 40, 64, 0, 0, 8192, true};
  d.head_dim_key = HeadDimKey::kIgnored;
  ModelSpec s = llama_like(c, d);
  s.norm = NormKind::kLayerNorm;
  s.norm_bias = false;
  s.layer_norms = LayerNorms::kParallelOne;
  s.layer_norm_composite = true;  // CohereLayerNorm: mean, pow, rsqrt in fp32
  s.logits_multiplier = true;     // logits * self.logit_scale
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.sliding_window = c.integer({"sliding_window"}, 4096, 0);
  s.sliding_window_period = local_period(c, s.n_layers, c.integer({"sliding_window_pattern"}, 4));
  return s;
}

// Granite: Llama with scalar multipliers (no weights).
ModelSpec granite(ConfigReader& c) {
  ModelSpec s = llama_like(c, {32000, 4096, 11008, 32, 32, 0, 0, 2048});
  s.qkv_bias = s.o_bias = c.boolean("attention_bias", false);
  s.mlp_bias = c.boolean("mlp_bias", false);
  // modeling_granite.py: inputs_embeds * embedding_multiplier, residual + h * residual_multiplier,
  // logits / logits_scaling: Python floats, whatever their values.
  s.embedding_multiplier = s.residual_multiplier = s.logits_multiplier = true;
  return s;
}

// Falcon: a fused query_key_value (MQA for 7B, grouped for the new decoder architecture), a
// plain GELU MLP of ffn_hidden_size, LayerNorms by parallel_attn and num_ln_in_parallel_attn,
// RoPE or ALiBi, biases by `bias`, tied. `rw`: an original RefinedWeb config, read with the key
// names transformers' convert_custom_code_checkpoint.py renames (n_head, n_layer, n_head_kv).
ModelSpec falcon_like(ConfigReader& c, bool rw) {
  ModelSpec s;
  s.vocab = c.integer({"vocab_size"}, 65024);
  s.n_layers =
      rw ? c.integer({"n_layer", "num_hidden_layers"}, 32) : c.integer({"num_hidden_layers"}, 32);
  s.d_model = c.integer({"hidden_size", "n_embed"}, 4544);
  s.n_heads = rw ? c.integer({"n_head", "num_attention_heads"}, 71)
                 : c.integer({"num_attention_heads"}, 71);
  if (s.d_model % s.n_heads != 0) {
    c.problem(
        fmt::format("num_attention_heads={} does not divide hidden_size={}", s.n_heads, s.d_model));
  }
  s.d_head = s.d_model / s.n_heads;
  const bool new_architecture =
      rw ? c.find({"n_head_kv"}, nullptr) != nullptr : c.boolean("new_decoder_architecture", false);
  const bool multi_query = c.boolean("multi_query", true);
  // num_kv_heads counts only in the new architecture; otherwise MQA has 1, the rest n_heads.
  std::int64_t kv = multi_query ? 1 : s.n_heads;
  if (new_architecture) {
    kv = rw ? c.integer({"n_head_kv", "num_kv_heads"}, {s.n_heads, "n_head"})
            : c.integer({"num_kv_heads"}, {s.n_heads, "num_attention_heads"});
  } else {
    c.find({"num_kv_heads", "n_head_kv"}, nullptr);  // read by transformers, unused here
  }
  s.n_kv_heads = kv;
  if (s.n_kv_heads > 0 && s.n_heads % s.n_kv_heads != 0) {
    c.problem(fmt::format("num_kv_heads={} does not divide num_attention_heads={}", s.n_kv_heads,
                          s.n_heads));
  }
  s.d_ff = c.integer({"ffn_hidden_size"}, {4 * s.d_model, "4 · hidden_size"});
  s.max_positions = c.integer({"max_position_embeddings"}, 2048);
  s.positions = c.boolean("alibi", false) ? PositionKind::kAlibi : PositionKind::kRotary;
  const bool parallel = c.boolean("parallel_attn", true);
  std::optional<std::int64_t> norms = c.maybe_integer({"num_ln_in_parallel_attn"});
  if (!norms && new_architecture) norms = 2;
  s.layer_norms = !parallel                                 ? LayerNorms::kPre
                  : norms == std::optional<std::int64_t>(2) ? LayerNorms::kParallel
                                                            : LayerNorms::kParallelOne;
  s.activation = parse_activation(c, "gelu");
  s.fused_qkv = true;
  s.qkv_bias = s.o_bias = s.mlp_bias = c.boolean("bias", false);
  s.bias_after_matmul = true;  // FalconLinear: input @ self.weight.T, then + self.bias
  s.rope_unused = s.positions == PositionKind::kAlibi;  // FalconModel runs rotary_emb anyway
  // qkv[:, :, :, [-2]] (new architecture) and fused_qkv[..., [-2], :] (multi-query): index
  // lists, each kept as an int64 tensor.
  s.kv_index_select = new_architecture || multi_query;
  s.tied_embeddings = c.boolean("tie_word_embeddings", true);
  return s;
}

ModelSpec falcon(ConfigReader& c) { return falcon_like(c, false); }
ModelSpec refined_web(ConfigReader& c) { return falcon_like(c, true); }

// DBRX: attn_config and ffn_config nested; fused Wqkv, LayerNorms without β, every layer MoE of
// SwiGLU experts (w1, v1, w2), never tied.
ModelSpec dbrx(ConfigReader& c) {
  ModelSpec s;
  s.vocab = c.integer({"vocab_size"}, 32000);
  s.n_layers = c.integer({"n_layers", "num_hidden_layers"}, 24);
  Defaults d{32000, 2048, 3584, 24, 16, 0, 0, 2048, false, "silu", HeadDimKey::kIgnored, false};
  read_heads(c, s, d, {"n_heads", "num_attention_heads"}, {"d_model", "hidden_size"});
  s.n_kv_heads = c.integer_in("attn_config", "kv_n_heads", 1);
  if (s.n_kv_heads > 0 && s.n_heads % s.n_kv_heads != 0) {
    c.problem(fmt::format("attn_config.kv_n_heads={} does not divide n_heads={}", s.n_kv_heads,
                          s.n_heads));
  }
  s.max_positions = c.integer({"max_seq_len", "max_position_embeddings"}, 2048);
  s.positions = PositionKind::kRotary;
  s.norm = NormKind::kLayerNorm;
  s.norm_bias = false;
  s.mlp = MlpKind::kGated;
  s.activation = Activation::kSilu;  // ffn_act_fn {"name": "silu"}
  s.fused_qkv = true;
  s.clip_qkv = c.present_in("attn_config", "clip_qkv");  // the Wqkv output clamped when set
  s.rope_tables = RopeTables::kPerLayer;  // DbrxAttention: self.rotary_emb(value_states, ...)
  s.d_ff = c.integer_in("ffn_config", "ffn_hidden_size", 3584);
  MoeSpec m;
  m.n_routed_experts = c.integer_in("ffn_config", "moe_num_experts", 4);
  m.experts_per_token = c.integer_in("ffn_config", "moe_top_k", 1);
  m.d_ff_expert = s.d_ff;
  check_moe(c, m, "ffn_config.moe_num_experts");
  // DbrxRouter: `if self.training and self.moe_jitter_eps is not None` (0 included).
  m.input_jitter = c.present_in("ffn_config", "moe_jitter_eps");
  s.moe = m;
  if (c.boolean("tie_word_embeddings", false)) {
    c.problem(
        "tie_word_embeddings=true: DBRX does not support tied embeddings (transformers "
        "raises)");
  }
  return s;
}

}  // namespace

const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = {
      {"RefinedWeb", "RWConfig (converted as FalconConfig)", refined_web},
      {"RefinedWebModel", "RWConfig (converted as FalconConfig)", refined_web},
      {"bert", "BertConfig", bert},
      {"cohere", "CohereConfig", cohere},
      {"cohere2", "Cohere2Config", cohere2},
      {"dbrx", "DbrxConfig", dbrx},
      {"deepseek_v2", "DeepseekV2Config", deepseek_v2},
      {"deepseek_v3", "DeepseekV3Config", deepseek_v3},
      {"deepseek_v32", "DeepseekV32Config", deepseek_v32},
      {"falcon", "FalconConfig", falcon},
      {"gemma", "GemmaConfig", gemma},
      {"gemma2", "Gemma2Config", gemma2},
      {"gemma3_text", "Gemma3TextConfig", gemma3_text},
      {"gpt2", "GPT2Config", gpt2},
      {"gpt_neox", "GPTNeoXConfig", gpt_neox},
      {"gpt_oss", "GptOssConfig", gpt_oss},
      {"granite", "GraniteConfig", granite},
      {"llama", "LlamaConfig", llama},
      {"llama4_text", "Llama4TextConfig", llama4_text},
      {"mistral", "MistralConfig", mistral},
      {"mixtral", "MixtralConfig", mixtral},
      {"olmo2", "Olmo2Config", olmo2},
      {"olmoe", "OlmoeConfig", olmoe},
      {"phi", "PhiConfig", phi},
      {"phi3", "Phi3Config", phi3},
      {"phimoe", "PhimoeConfig", phimoe},
      {"qwen2", "Qwen2Config", qwen2},
      {"qwen2_moe", "Qwen2MoeConfig", qwen2_moe},
      {"qwen3", "Qwen3Config", qwen3},
      {"qwen3_moe", "Qwen3MoeConfig", qwen3_moe},
      {"stablelm", "StableLmConfig", stablelm},
      {"starcoder2", "Starcoder2Config", starcoder2},
  };
  return kFamilies;
}

}  // namespace tsize::detail
