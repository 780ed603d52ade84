// ModelSpec — the architecture of a transformer, independent of any workload.
//
// Start here. A ModelSpec holds every fact that determines parameters and compute: sizes,
// attention layout (MHA/GQA/MQA, MLA), MLP kind, MoE routing, norms, positions, biases and
// tying. It is built by the config loader (hf_config.hpp) or by flags (overrides.hpp), and is
// plain data: validate() is the one place that decides whether it describes a buildable model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tsize/choices.hpp"

namespace tsize {

enum class Structure { kDecoder, kEncoder };  // causal LM, or BERT-style encoder
enum class NormKind { kLayerNorm, kRMSNorm };
enum class PositionKind { kLearned, kRotary, kNone };
enum class MlpKind { kPlain, kGated };  // up→act→down, or act(gate)·up→down
enum class Activation { kGelu, kGeluTanh, kRelu, kSilu };

template <>
struct ChoiceTable<NormKind> {
  static constexpr std::string_view kFlag = "--norm";
  static constexpr std::array<Choice<NormKind>, 2> kChoices{{
      {NormKind::kLayerNorm, "layernorm", "LayerNorm", "LayerNorm (with β unless biases are off)"},
      {NormKind::kRMSNorm, "rmsnorm", "RMSNorm", "RMSNorm (γ only)"},
  }};
};

template <>
struct ChoiceTable<PositionKind> {
  static constexpr std::string_view kFlag = "--pos";
  static constexpr std::array<Choice<PositionKind>, 3> kChoices{{
      {PositionKind::kLearned, "learned", "learned positions", "a learned position embedding"},
      {PositionKind::kRotary, "rope", "RoPE", "rotary position embedding"},
      {PositionKind::kNone, "none", "no positions", "no position information"},
  }};
};

template <>
struct ChoiceTable<Activation> {
  static constexpr std::string_view kFlag = "activation";
  static constexpr std::array<Choice<Activation>, 4> kChoices{{
      {Activation::kGelu, "gelu", "GELU", "0.5·x·(1 + erf(x/√2))"},
      {Activation::kGeluTanh, "gelu-tanh", "GELU-tanh", "the tanh approximation of GELU"},
      {Activation::kRelu, "relu", "ReLU", "max(x, 0)"},
      {Activation::kSilu, "silu", "SiLU", "x·σ(x)"},
  }};
};

// Mixture of experts: which layers route, and the experts' shapes.
struct MoeSpec {
  std::int64_t n_routed_experts = 0;     // [E]
  std::int64_t experts_per_token = 0;    // [k] routed experts each token visits
  std::int64_t n_shared_experts = 0;     // always-on experts (DeepSeek, Qwen-MoE)
  std::int64_t d_ff_expert = 0;          // hidden size of one routed expert
  std::int64_t d_ff_shared = 0;          // hidden size of the shared-expert MLP (all shared, fused)
  bool router_bias = false;              // Linear bias on the router
  bool router_score_correction = false;  // DeepSeek-V3 aux-free balancing bias [E], not trained
  bool shared_expert_gate = false;       // Qwen2-MoE: sigmoid gate Linear(d, 1) on the shared MLP
  std::int64_t first_dense_layers = 0;   // DeepSeek first_k_dense_replace
  std::int64_t layer_frequency = 1;      // MoE on layers with (i % frequency == 0) ...
  std::int64_t frequency_offset = 0;     // ... shifted: Qwen2-MoE uses (i + 1) % step == 0
  std::vector<std::int64_t> dense_layers;  // explicit exceptions (Qwen2-MoE mlp_only_layers)
};

// Multi-head latent attention (DeepSeek-V2/V3): low-rank queries and a compressed KV cache.
struct MlaSpec {
  std::int64_t q_lora_rank = 0;       // 0: queries are one full projection (V2-Lite)
  std::int64_t kv_lora_rank = 0;      // [d_c]
  std::int64_t qk_nope_head_dim = 0;  // per-head query/key part without RoPE
  std::int64_t qk_rope_head_dim = 0;  // per-head RoPE part (key part shared by all heads)
  std::int64_t v_head_dim = 0;
};

// DeepSeek Sparse Attention's lightning indexer (DeepSeek-V3.2-Exp), one per layer.
struct IndexerSpec {
  std::int64_t n_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t top_k = 0;  // tokens each query attends to
};

struct ModelSpec {
  std::string name;         // preset name or config file stem
  std::string family;       // HF model_type, e.g. "llama"
  std::string description;  // one line, from the preset

  Structure structure = Structure::kDecoder;
  std::int64_t n_layers = 0;               // [L]
  std::int64_t d_model = 0;                // [h]
  std::int64_t n_heads = 0;                // [a]
  std::int64_t n_kv_heads = 0;             // = n_heads for MHA, 1 for MQA
  std::int64_t d_head = 0;                 // may differ from d_model / n_heads (Gemma)
  std::int64_t d_ff = 0;                   // dense MLP hidden size
  std::int64_t vocab = 0;                  // [V]
  std::int64_t max_positions = 0;          // context length the model was built for
  std::int64_t type_vocab = 0;             // BERT token-type embeddings (0: none)
  std::int64_t sliding_window = 0;         // keys a query sees in sliding layers (0: no window)
  std::int64_t sliding_window_period = 1;  // layers with i % period == 0 slide (Gemma-2: 2)

  PositionKind positions = PositionKind::kLearned;
  double rotary_fraction = 1.0;  // share of d_head that RoPE rotates (NeoX, Phi)

  NormKind norm = NormKind::kLayerNorm;
  bool norm_bias = true;           // LayerNorm beta
  int norms_per_layer = 2;         // Gemma-2: 4 (pre and post, attention and MLP)
  bool qk_norm = false;            // Qwen3: RMSNorm over d_head on q and k
  bool embedding_norm = false;     // BERT: LayerNorm after the embeddings
  bool final_norm = true;          // decoders end in a norm; BERT does not
  bool parallel_residual = false;  // GPT-NeoX: attention and MLP read the same input

  MlpKind mlp = MlpKind::kPlain;
  Activation activation = Activation::kGelu;
  bool fused_qkv = false;      // one Linear for q, k, v (GPT-2, NeoX, Phi-3)
  bool fused_gate_up = false;  // one Linear for gate and up (Phi-3)

  bool qkv_bias = false;
  bool o_bias = false;
  bool mlp_bias = false;
  bool tied_embeddings = false;  // lm_head shares the token embedding
  bool pooler = false;           // BERT pooler: Linear(h, h) + tanh

  std::optional<MoeSpec> moe;
  std::optional<MlaSpec> mla;
  std::optional<IndexerSpec> indexer;
  std::int64_t mtp_layers = 0;  // DeepSeek multi-token-prediction modules (not counted)
};

// The largest size of any one dimension (2^30): keeps every product of two or three sizes
// inside 64 bits, and is far above any real model.
inline constexpr std::int64_t kMaxDimension = std::int64_t{1} << 30;

// Throws Error listing every problem (one per line) if spec cannot describe a model: zero or
// negative sizes, heads that do not divide, experts per token above experts, ...
void validate(const ModelSpec& spec);

// True if layer i (0-based) uses the MoE MLP. REQUIRES: validated spec.
bool is_moe_layer(const ModelSpec& spec, std::int64_t layer);

// True if layer i (0-based) attends within a sliding window. REQUIRES: validated spec.
bool is_sliding_layer(const ModelSpec& spec, std::int64_t layer);

// One line a user reads, e.g. "32 layers, d_model 4096, 32 heads / 8 KV heads (GQA), ...".
std::string describe(const ModelSpec& spec);

}  // namespace tsize
