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
#include "tsize/provenance.hpp"

namespace tsize {

enum class Structure { kDecoder, kEncoder };  // causal LM, or BERT-style encoder
enum class NormKind { kLayerNorm, kRMSNorm };
enum class PositionKind { kLearned, kRotary, kAlibi, kNone };
enum class MlpKind { kPlain, kGated };  // up→act→down, or act(gate)·up→down
enum class Activation { kGelu, kGeluTanh, kGeluNew, kRelu, kSilu };

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
  static constexpr std::array<Choice<PositionKind>, 4> kChoices{{
      {PositionKind::kLearned, "learned", "learned positions", "a learned position embedding"},
      {PositionKind::kRotary, "rope", "RoPE", "rotary position embedding"},
      {PositionKind::kAlibi, "alibi", "ALiBi",
       "a fixed per-head linear bias on the attention scores (Press et al. 2022), no weights"},
      {PositionKind::kNone, "none", "no positions", "no position information"},
  }};
};

// Where a decoder layer normalizes, and how its two branches meet the residual stream.
enum class LayerNorms {
  kPre,          // x + attn(norm(x)), then + mlp(norm(·)) (Llama, GPT-2)
  kSandwich,     // x + norm(attn(norm(x))), the same for the MLP: 4 norms (Gemma-2, Gemma-3)
  kPostBranch,   // x + norm(attn(x)), then + norm(mlp(·)): no input norm (OLMo-2)
  kParallel,     // x + attn(norm1(x)) + mlp(norm2(x)) (GPT-NeoX, Falcon-40B)
  kParallelOne,  // x + attn(norm(x)) + mlp(norm(x)): one norm (GPT-J, Phi-2, Cohere, Falcon-7B)
};

// Normalization of queries and keys per head, before RoPE.
enum class QkNorm {
  kNone,
  kShared,     // one γ over d_head, shared by every head (Qwen3, Gemma-3, Phi qk_layernorm)
  kPerHead,    // a γ for each head and feature, statistics per head (Cohere, StableLM)
  kFullWidth,  // one norm over all heads' features, heads·d_head (OLMo-2, OLMoE)
};

template <>
struct ChoiceTable<Activation> {
  static constexpr std::string_view kFlag = "activation";
  static constexpr std::array<Choice<Activation>, 5> kChoices{{
      {Activation::kGelu, "gelu", "GELU", "0.5·x·(1 + erf(x/√2))"},
      {Activation::kGeluTanh, "gelu-tanh", "GELU-tanh", "the tanh approximation of GELU"},
      {Activation::kGeluNew, "gelu-new", "GELU-tanh",
       "the tanh approximation as transformers' NewGELUActivation writes it in Python (GPT-2)"},
      {Activation::kRelu, "relu", "ReLU", "max(x, 0)"},
      {Activation::kSilu, "silu", "SiLU", "x·σ(x)"},
  }};
};

// Mixture of experts: which layers route, and the experts' shapes.
// Where transformers' code computes RoPE's cos and sin, and what keeps them.
enum class RopeTables {
  kModel,            // once per forward (inv_freq @ positions); every layer keeps views of them
  kPerLayer,         // DBRX: each attention computes its own, in v's dtype, and keeps them
  kIndexedPerLayer,  // PhiMoE: once by torch.outer (no matmul); each layer keeps the copy that
                     // cos[position_ids] makes, in the embeddings' dtype
};

struct MoeSpec {
  std::int64_t n_routed_experts = 0;     // [E]
  std::int64_t experts_per_token = 0;    // [k] routed experts each token visits
  std::int64_t n_shared_experts = 0;     // always-on experts (DeepSeek, Qwen-MoE)
  std::int64_t d_ff_expert = 0;          // hidden size of one routed expert
  std::int64_t d_ff_shared = 0;          // hidden size of the shared-expert MLP (all shared, fused)
  bool router_bias = false;              // Linear bias on the router
  bool router_score_correction = false;  // DeepSeek-V3 aux-free balancing bias [E], not trained
  bool shared_expert_gate = false;       // Qwen2-MoE: sigmoid gate Linear(d, 1) on the shared MLP
  bool renormalize = true;  // the top-k weights are divided by their sum (norm_topk_prob)
  // Facts of the family's transformers code that change what its router saves:
  bool routing_in_compute_dtype = false;  // DeepSeek-V3: F.linear(x.float(), w.float()) is cast
                                          // back by autocast: scores, weights, index_add_ in it
  bool routed_scaling = false;  // DeepSeek-V3: top-k weights × routed_scaling_factor (a float)
  bool input_jitter = false;    // DBRX, PhiMoE: x × uniform noise in training (the noise kept)
  bool sparsemixer = false;     // PhiMoE: two masked softmaxes and a gathered multiplier
  // Llama-4 at the reference commit: every expert runs on every token (scores scattered over
  // all E, gather, one bmm over all experts); saved bytes grow with E, not k. Model FLOPs stay
  // the routed ones (the rest is the code's extra work, as recomputation's is).
  bool dense_experts = false;
  std::int64_t first_dense_layers = 0;     // DeepSeek first_k_dense_replace
  std::int64_t layer_frequency = 1;        // MoE on layers with (i % frequency == 0) ...
  std::int64_t frequency_offset = 0;       // ... shifted: Qwen2-MoE uses (i + 1) % step == 0
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
  std::int64_t n_layers = 0;       // [L]
  std::int64_t d_model = 0;        // [h]
  std::int64_t n_heads = 0;        // [a]
  std::int64_t n_kv_heads = 0;     // = n_heads for MHA, 1 for MQA
  std::int64_t d_head = 0;         // may differ from d_model / n_heads (Gemma)
  std::int64_t d_ff = 0;           // dense MLP hidden size
  std::int64_t vocab = 0;          // [V]
  std::int64_t max_positions = 0;  // context length the model was built for
  std::int64_t type_vocab = 0;     // BERT token-type embeddings (0: none)
  // Local and global layers: with period P > 1, layer i with i % P == P − 1 is global, the others
  // local (Gemma-2: P 2, Gemma-3: P 6, Llama-4: P 4); with P = 1 every layer is local. A local
  // layer attends within a sliding window of `sliding_window` keys, or within its chunk of
  // `attention_chunk` tokens (Llama-4); with neither set, every layer is global.
  std::int64_t sliding_window = 0;
  std::int64_t sliding_window_period = 1;
  std::int64_t attention_chunk = 0;

  PositionKind positions = PositionKind::kLearned;
  double rotary_fraction = 1.0;     // share of d_head that RoPE rotates (NeoX, Phi)
  bool global_layers_nope = false;  // global layers use no positions (Llama-4's NoPE layers)

  NormKind norm = NormKind::kLayerNorm;
  bool norm_bias = true;                      // LayerNorm beta
  LayerNorms layer_norms = LayerNorms::kPre;  // decoders; BERT normalizes after each add
  QkNorm qk_norm = QkNorm::kNone;
  NormKind qk_norm_kind = NormKind::kRMSNorm;
  bool qk_norm_bias = false;     // Phi's qk_layernorm has β
  bool embedding_norm = false;   // BERT: LayerNorm after the embeddings
  bool norm_plus_one = false;    // Gemma: RMSNorm scales by (1 + w), computed in fp32
  bool embedding_scale = false;  // Gemma: the embeddings are multiplied by √h
  // Facts of the family's transformers modeling code that change what autograd saves:
  bool causal_mask_buffer = false;  // GPT-2: torch.where on a slice of a bool [n_pos²] buffer
  bool scale_tensor = false;        // GPT-2: scores ÷ a scalar tensor in their dtype
  bool softmax_native = false;      // GPT-2: softmax without dtype=float32 (Llama's has it)
  // Gemma-2: scores and final logits soft-capped, c·tanh(x / c); tanh keeps its result.
  bool attn_softcap = false;
  bool final_softcap = false;
  bool layer_norm_composite = false;     // Cohere: LayerNorm as fp32 Python ops (mean, pow, rsqrt)
  bool clip_qkv = false;                 // OLMoE, DBRX: q, k, v clamped to ±clip_qkv
  bool kv_index_select = false;          // Falcon: k and v picked by index lists ([-2], [-1])
  bool l2_qk_norm = false;               // Llama-4: q and k L2-normalized in fp32 after RoPE
  bool rope_complex = false;             // Llama-4: one complex64 freqs_cis table, not cos and sin
  bool attn_temperature_tuning = false;  // Llama-4: NoPE layers scale q by an fp32 [s] factor
  bool bias_after_matmul = false;        // Falcon: x @ W.T, then + b: fp32 under autocast
  bool local_rope_table = false;         // Gemma-3: local layers' own rotary embedding and tables
  RopeTables rope_tables = RopeTables::kModel;
  bool rope_unused = false;  // Falcon with ALiBi: FalconModel still runs its rotary embedding
  // Scalar multipliers (a Python float each: the product keeps it as a float64 scalar):
  bool embedding_multiplier = false;  // Granite: embeddings × embedding_multiplier
  bool residual_multiplier = false;   // Granite: each branch × residual_multiplier
  bool logits_multiplier = false;     // Granite ÷ logits_scaling, Cohere × logit_scale
  bool final_norm = true;             // decoders end in a norm; BERT does not

  MlpKind mlp = MlpKind::kPlain;
  Activation activation = Activation::kGelu;
  bool fused_qkv = false;      // one Linear for q, k, v (GPT-2, NeoX, Phi-3)
  bool fused_gate_up = false;  // one Linear for gate and up (Phi-3)

  bool qkv_bias = false;
  bool o_bias = false;
  bool mlp_bias = false;         // dense and expert MLP Linears (gpt-oss: experts' biases)
  bool lm_head_bias = false;     // Phi, Phi-3.5-MoE: nn.Linear(h, V, bias=True)
  bool attention_sinks = false;  // gpt-oss: a learned sink logit per head, [a] per layer
  bool tied_embeddings = false;  // lm_head shares the token embedding
  bool pooler = false;           // BERT pooler: Linear(h, h) + tanh

  std::optional<MoeSpec> moe;
  std::optional<MlaSpec> mla;
  std::optional<IndexerSpec> indexer;
  std::int64_t mtp_layers = 0;  // DeepSeek multi-token-prediction modules (not counted)

  Provenance provenance;  // what the config left to defaults (empty for flag-built models)
};

// The largest size of any one dimension (2^30): keeps every product of two or three sizes
// inside 64 bits, and is far above any real model.
inline constexpr std::int64_t kMaxDimension = std::int64_t{1} << 30;

// Throws Error listing every problem (one per line) if spec cannot describe a model: zero or
// negative sizes, heads that do not divide, experts per token above experts, ...
void validate(const ModelSpec& spec);

// True if layer i (0-based) uses the MoE MLP. REQUIRES: validated spec.
bool is_moe_layer(const ModelSpec& spec, std::int64_t layer);

// True if layer i (0-based) is local: it attends within a sliding window or a chunk.
// REQUIRES: validated spec.
bool is_local_layer(const ModelSpec& spec, std::int64_t layer);

// One line a user reads, e.g. "32 layers, d_model 4096, 32 heads / 8 KV heads (GQA), ...".
std::string describe(const ModelSpec& spec);

}  // namespace tsize
