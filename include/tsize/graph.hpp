// Graph — the network as the framework runs it: blocks of ops, each block with a repeat count.
//
// The single description that parameter, FLOP and memory accounting fold over, so they cannot
// disagree. Ops appear in forward order; identical layers are one block with a repeat count, so
// the cost of a fold does not grow with depth. An op knows its weights (params_per_copy) and the
// shapes the later folds need.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tsize/count.hpp"
#include "tsize/model.hpp"

namespace tsize {

enum class OpKind {
  kEmbedding,   // table lookup: [in = rows] × [out = width]; not a matmul
  kLinear,      // y = x·W (+ b): in → out features
  kNorm,        // LayerNorm or RMSNorm over `out` features
  kRotary,      // RoPE applied to q and k
  kAttention,   // softmax(q·kᵀ/√d)·v, no weights
  kActivation,  // pointwise activation on `out` features (gated: act(gate)·up)
  kResidual,    // x + f(x) over `out` features
  kBias,        // a standalone learned vector of `out` elements (DeepSeek's router score bias)
  kPooler,      // BERT pooler's tanh over the first token (its Linear is a separate op)
  kLoss,        // cross-entropy over `out` = vocab classes
};

// Head layout of an attention core or a rotary op.
struct AttentionShape {
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;
  std::int64_t qk_dim = 0;      // per head, queries and keys
  std::int64_t v_dim = 0;       // per head, values
  std::int64_t rotary_dim = 0;  // per head, rotated part
  bool causal = true;
  std::int64_t window = 0;  // keys per query in a sliding window (0: unlimited)
  std::int64_t top_k = 0;   // keys per query chosen by a sparse indexer (0: all)
  bool softmax = true;      // false: DSA indexer scores (ReLU, weighted sum over heads)
};

struct Op {
  std::string group;  // component: "attention", "mlp", "norms", "experts", ...
  std::string name;   // "q_proj", "up_proj", ...
  OpKind kind = OpKind::kLinear;
  std::int64_t in = 0;   // input features (Linear), rows (Embedding)
  std::int64_t out = 0;  // output features, norm or activation width
  bool bias = false;     // Linear bias; LayerNorm beta
  NormKind norm = NormKind::kLayerNorm;
  bool gated = false;  // kActivation: act(gate)·up
  Activation activation = Activation::kGelu;
  AttentionShape attention;        // kAttention, kRotary
  std::int64_t copies = 1;         // identical instances: routed experts
  std::int64_t active_copies = 1;  // instances each token passes through (top-k)
  bool tied = false;               // reuses another op's weight (lm_head tied to the embedding)
  bool trainable = true;           // false: updated without gradients (DeepSeek's score bias)
  bool embedding = false;          // counts as an embedding for non-embedding totals
  bool first_token_only = false;   // runs on one token per sequence (BERT pooler)
  std::int64_t per_token = 1;      // applications per token: Qwen3's q_norm runs once per head
};

struct Block {
  std::string name;         // "embedding", "layers", "dense layers", "final norm", ...
  std::int64_t repeat = 1;  // number of identical instances
  std::string layers;       // which layers, e.g. "0-2" (empty outside the layer stack)
  std::vector<Op> ops;      // forward order
};

struct Graph {
  ModelSpec spec;
  std::vector<Block> blocks;  // forward order
};

// Builds the graph of a model. Validates spec first (throws Error).
Graph build_graph(const ModelSpec& spec);

// Weights of one instance of op (0 for tied and weightless ops). Throws Error on overflow.
Count params_per_copy(const Op& op);

}  // namespace tsize
