// Graph — the network as the framework runs it: blocks of ops, each block with a repeat count.
//
// The single description that parameter, FLOP and memory accounting fold over, so they cannot
// disagree. Ops appear in forward order; identical layers are one block with a repeat count, so
// the cost of a fold does not grow with depth. Every op has a role (role.hpp) and names the
// tensors it reads and writes, so the folds wire dataflow by role and tensor identity, never by
// name: a tensor that is read must be a block input or the output of an earlier op of its block,
// which build_graph checks.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tsize/count.hpp"
#include "tsize/model.hpp"
#include "tsize/role.hpp"

namespace tsize {

// Head layout of an attention core or a rotary op.
struct AttentionShape {
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;
  std::int64_t qk_dim = 0;      // per head, queries and keys
  std::int64_t v_dim = 0;       // per head, values
  std::int64_t rotary_dim = 0;  // per head, rotated part
  bool causal = true;
  std::int64_t window = 0;  // keys per query in a sliding window (0: unlimited)
  std::int64_t chunk = 0;   // queries see only keys of their own chunk of this many tokens
  bool sinks = false;       // a learned sink logit per head joins each softmax (gpt-oss)
  std::int64_t top_k = 0;   // keys per query chosen by a sparse indexer (0: all)
  bool softmax = true;      // false: DSA indexer scores (ReLU, weighted sum over heads)
};

// A named size, as formulas print it: {"h", 4096}. A null name is a literal.
struct Dim {
  const char* name = nullptr;
  std::int64_t size = 1;
};

// Rows of a tensor, per micro-batch of b sequences of s tokens.
enum class Rows : std::uint8_t {
  kTokens,        // b·s
  kRoutedTokens,  // b·s·k: one row per token and routed expert
  kFirstTokens,   // b: BERT's pooler reads the first token of each sequence
  kPositions,     // s: position ids are shared by the batch
};

// The storage class of a tensor; precision and runtime give its bytes per element.
enum class TensorDtype : std::uint8_t {
  kResidual,    // the residual stream (fp32 under autocast)
  kNormOutput,  // a norm on the residual stream returns it (fp32 under autocast)
  kCompute,     // matmul inputs and outputs, attention, MLP
  kIndex,       // int64 token ids, labels, positions
};

using TensorId = std::int16_t;

struct Tensor {
  Rows rows = Rows::kTokens;
  TensorDtype dtype = TensorDtype::kCompute;
  std::array<Dim, 2> width{};  // elements per row: the product of the two
  int producer = -1;           // index of the op in its block that writes it; -1: block input
};

// The tensors an op reads or writes, by id in its block (at most four).
class TensorList {
 public:
  TensorList() = default;
  TensorList(std::initializer_list<TensorId> ids);
  const TensorId* begin() const { return ids_.data(); }
  const TensorId* end() const { return ids_.data() + n_; }
  std::size_t size() const { return n_; }
  TensorId operator[](std::size_t i) const { return ids_[i]; }

 private:
  std::array<TensorId, 4> ids_{};
  std::uint8_t n_ = 0;
};

struct Op {
  Role role = Role::kQProj;
  Component component = Component::kAttention;
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
  bool unread = false;             // a rotary table nothing keeps (Falcon under ALiBi, PhiMoE's)
  bool no_matmul = false;          // a rotary table by torch.outer or indexing: no matmul
  bool plus_one = false;           // Gemma: a norm's x̂·(1 + w) in fp32; an embedding's ×√h
  std::int64_t per_token = 1;      // applications per token: Qwen3's q_norm runs once per head
  TensorList inputs;               // read, in the order the role defines (see graph.cpp)
  TensorList outputs;              // written

  OpKind kind() const { return role_info(role).kind; }
  std::string_view name() const { return role_info(role).name; }
  std::string_view group() const { return component_name(component); }
};

struct Block {
  std::string name;             // "embedding", "layers", "dense layers", "final norm", ...
  std::int64_t repeat = 1;      // number of identical instances
  std::string layers;           // which layers, e.g. "0-2" (empty outside the layer stack)
  std::vector<Op> ops;          // forward order
  std::vector<Tensor> tensors;  // block inputs first, then each op's outputs
};

struct Graph {
  ModelSpec spec;
  std::vector<Block> blocks;  // forward order
  // The block of each layer, in layer order: a pipeline stage holds a range of layers, and
  // layers of one kind share a block wherever they stand.
  std::vector<std::uint8_t> layer_blocks;  // a block index (a graph has at most 8 blocks)
};

// Builds the graph of a model. Validates spec first (throws Error).
Graph build_graph(const ModelSpec& spec);

// Weights of one instance of op (0 for tied and weightless ops). Throws Error on overflow.
Count params_per_copy(const Op& op);

// Throws std::logic_error (an internal error) naming the block, op and tensor if an op reads a
// tensor that is neither a block input nor written by an earlier op of its block.
void check_dataflow(const Graph& graph);

// "layers/attention/q_proj": the op's path in every tree and in --explain.
std::string op_path(const Block& block, const Op& op);

}  // namespace tsize
