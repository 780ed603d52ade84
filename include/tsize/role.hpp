// Role — what an op is in the network, declared once for every fold that needs to know.
//
// Folds decide what an op computes, reads, saves and (in later layouts) how it is sharded by its
// role, never by its name: a role has one name (the op's name in every tree and path), one kind
// of computation and one component. The list is designed for the parallel and inference folds
// that key on it: tensor parallelism splits the projections column-wise (q, k, v, qkv, up,
// gate, gate_up, the MLA up-projections) and row-wise (o_proj, down_proj), the vocabulary of
// the embedding, lm_head and loss, and the heads of rotary and the attention core; norms,
// routers and biases are replicated; expert parallelism splits the routed experts between
// dispatch and combine; a KV cache keeps what the core reads as keys and values.
#pragma once

#include <array>
#include <string_view>

namespace tsize {

// The computation an op performs: what the FLOP and parameter folds dispatch on.
enum class OpKind {
  kEmbedding,    // table lookup: [in = rows] × [out = width]; not a matmul
  kLinear,       // y = x·W (+ b): in → out features
  kNorm,         // LayerNorm or RMSNorm over `out` features
  kRotary,       // RoPE applied to q and k
  kRotaryTable,  // the model's cos/sin tables: inv_freq · positions, once per forward, no grad
  kAttention,    // softmax(q·kᵀ/√d)·v, no weights
  kActivation,   // pointwise activation on `out` features (gated: act(gate)·up)
  kResidual,     // x + f(x) over `out` features
  kBias,         // a standalone learned vector of `out` elements (DeepSeek's router score bias)
  kPooler,       // BERT pooler's tanh over the first token (its Linear is a separate op)
  kLoss,         // cross-entropy over `out` = vocab classes
  kRoute,        // MoE token movement: gather to experts, weighted scatter back
};

// A component of a layer or of the model: the middle level of every breakdown tree.
enum class Component {
  kEmbedding,
  kNorms,
  kAttention,
  kIndexer,
  kMlp,
  kRouter,
  kExperts,
  kSharedExperts,
  kResidual,
  kFinalNorm,
  kPooler,
  kLmHead,
  kLoss,
};

enum class Role {
  // Embeddings
  kTokenEmbedding,
  kPositionEmbedding,
  kTokenTypeEmbedding,
  kEmbeddingNorm,     // BERT: LayerNorm after the embedding sum
  kRotaryTable,       // RoPE's cos and sin for every position, shared by the layers
  kLocalRotaryTable,  // Gemma-3: the local layers' own cos and sin (another base frequency)
  // Norms on the residual stream (pre-norm, or BERT's post-norm after the add)
  kAttentionNorm,
  kMlpNorm,
  kPostAttentionNorm,  // Gemma-2's sandwich: the attention branch normalized before the add
  kPostMlpNorm,
  kFinalNorm,
  // Attention
  kQProj,
  kKProj,
  kVProj,
  kQkvProj,       // fused q, k, v (GPT-2, NeoX, Phi-3)
  kQNorm,         // Qwen3: RMSNorm over each query head
  kKNorm,         // Qwen3: RMSNorm over each key head
  kQDownProj,     // MLA q_a_proj: h → q_lora_rank
  kQLatentNorm,   // MLA q_a_norm
  kQUpProj,       // MLA q_b_proj: q_lora_rank → heads · (nope + rope)
  kKvDownProj,    // MLA kv_a_proj: h → kv_lora_rank + rope (the compressed KV cache)
  kKvLatentNorm,  // MLA kv_a_norm
  kKvUpProj,      // MLA kv_b_proj: kv_lora_rank → heads · (nope + v)
  kRotary,
  kAttentionCore,
  kOutProj,
  // DeepSeek Sparse Attention's lightning indexer
  kIndexerQProj,
  kIndexerKProj,
  kIndexerKNorm,
  kIndexerWeights,
  kIndexerScores,
  // MLP (dense, routed experts or shared experts, by component)
  kMlpGate,
  kMlpUp,
  kMlpGateUp,  // fused gate and up (Phi-3)
  kMlpAct,
  kMlpDown,
  // Mixture of experts
  kRouter,
  kRouterBias,        // DeepSeek-V3's score-correction bias
  kExpertDispatch,    // tokens gathered to their k experts
  kExpertCombine,     // expert outputs weighted by the router and summed back (+ shared experts)
  kSharedExpertGate,  // Qwen2-MoE: sigmoid gate on the shared experts' output
  // Residual stream: the branch added back (BERT and NeoX add both in their own order)
  kAttentionAdd,
  kMlpAdd,
  // Heads
  kPoolerDense,
  kPoolerAct,
  kLmHead,
  kLoss,
};

// What is declared once per role.
struct RoleInfo {
  Role role;
  std::string_view name;  // the op's name in trees, paths and --explain: "q_proj"
  OpKind kind;
};

inline constexpr std::array<RoleInfo, 47> kRoles{{
    {Role::kTokenEmbedding, "token", OpKind::kEmbedding},
    {Role::kPositionEmbedding, "position", OpKind::kEmbedding},
    {Role::kTokenTypeEmbedding, "token_type", OpKind::kEmbedding},
    {Role::kEmbeddingNorm, "norm", OpKind::kNorm},
    {Role::kRotaryTable, "rope_table", OpKind::kRotaryTable},
    {Role::kLocalRotaryTable, "rope_table_local", OpKind::kRotaryTable},
    {Role::kAttentionNorm, "attn_norm", OpKind::kNorm},
    {Role::kMlpNorm, "mlp_norm", OpKind::kNorm},
    {Role::kPostAttentionNorm, "post_attn_norm", OpKind::kNorm},
    {Role::kPostMlpNorm, "post_mlp_norm", OpKind::kNorm},
    {Role::kFinalNorm, "norm", OpKind::kNorm},
    {Role::kQProj, "q_proj", OpKind::kLinear},
    {Role::kKProj, "k_proj", OpKind::kLinear},
    {Role::kVProj, "v_proj", OpKind::kLinear},
    {Role::kQkvProj, "qkv_proj", OpKind::kLinear},
    {Role::kQNorm, "q_norm", OpKind::kNorm},
    {Role::kKNorm, "k_norm", OpKind::kNorm},
    {Role::kQDownProj, "q_a_proj", OpKind::kLinear},
    {Role::kQLatentNorm, "q_a_norm", OpKind::kNorm},
    {Role::kQUpProj, "q_b_proj", OpKind::kLinear},
    {Role::kKvDownProj, "kv_a_proj", OpKind::kLinear},
    {Role::kKvLatentNorm, "kv_a_norm", OpKind::kNorm},
    {Role::kKvUpProj, "kv_b_proj", OpKind::kLinear},
    {Role::kRotary, "rope", OpKind::kRotary},
    {Role::kAttentionCore, "core", OpKind::kAttention},
    {Role::kOutProj, "o_proj", OpKind::kLinear},
    {Role::kIndexerQProj, "wq_b", OpKind::kLinear},
    {Role::kIndexerKProj, "wk", OpKind::kLinear},
    {Role::kIndexerKNorm, "k_norm", OpKind::kNorm},
    {Role::kIndexerWeights, "weights_proj", OpKind::kLinear},
    {Role::kIndexerScores, "scores", OpKind::kAttention},
    {Role::kMlpGate, "gate_proj", OpKind::kLinear},
    {Role::kMlpUp, "up_proj", OpKind::kLinear},
    {Role::kMlpGateUp, "gate_up_proj", OpKind::kLinear},
    {Role::kMlpAct, "act", OpKind::kActivation},
    {Role::kMlpDown, "down_proj", OpKind::kLinear},
    {Role::kRouter, "gate", OpKind::kLinear},
    {Role::kRouterBias, "score_bias", OpKind::kBias},
    {Role::kExpertDispatch, "dispatch", OpKind::kRoute},
    {Role::kExpertCombine, "combine", OpKind::kRoute},
    {Role::kSharedExpertGate, "gate", OpKind::kLinear},
    {Role::kAttentionAdd, "attn_add", OpKind::kResidual},
    {Role::kMlpAdd, "mlp_add", OpKind::kResidual},
    {Role::kPoolerDense, "dense", OpKind::kLinear},
    {Role::kPoolerAct, "tanh", OpKind::kPooler},
    {Role::kLmHead, "lm_head", OpKind::kLinear},
    {Role::kLoss, "cross_entropy", OpKind::kLoss},
}};

constexpr const RoleInfo& role_info(Role r) { return kRoles[static_cast<std::size_t>(r)]; }

// Component names, as trees and paths print them.
inline constexpr std::array<std::string_view, 13> kComponentNames = {
    "embedding",      "norms",    "attention",  "indexer", "mlp",     "router", "experts",
    "shared_experts", "residual", "final norm", "pooler",  "lm_head", "loss"};

constexpr std::string_view component_name(Component c) {
  return kComponentNames[static_cast<std::size_t>(c)];
}

}  // namespace tsize
