// Activations — the tensors autograd saves for backward, op by op, for one micro-batch.
//
// A walk over each block's ops in forward order that follows the graph's dataflow: each op
// saves tensors it reads (q, k and v of a fused projection are one storage) or new ones it makes
// (a cast copy, the softmax probabilities, a dropout mask). A storage is charged once, to the
// first op that saves it. Reproduces PyTorch's saved bytes on every nanoGPT record to the byte
// (tests/data); other families follow the same rules for their ops under the runtime's kernels
// (docs/formulas.md).
#pragma once

#include <vector>

#include "tsize/count.hpp"
#include "tsize/figure.hpp"
#include "tsize/graph.hpp"
#include "tsize/precision.hpp"
#include "tsize/runtime.hpp"
#include "tsize/workload.hpp"

namespace tsize {

struct ActivationOptions {
  Precision precision = Precision::kFp32;
  RuntimeKnobs kernels;  // attention, loss and RMSNorm kernels
  Device device = Device::kCuda;
  Recompute recompute = Recompute::kNone;
  double dropout = 0;  // embeddings, attention probabilities, residual branches
};

struct SavedActivations {
  // Bytes each op saves while its forward runs, one instance of its block, in graph order
  // (blocks, then ops). Under full recomputation, a layer's ops save these when the layer runs
  // again in backward; its forward keeps only the layer's input.
  std::vector<Count> per_op;
  // Bytes one instance of each block saves while its forward runs, in block order.
  std::vector<Count> per_block;
  // What stays saved when the forward ends, every instance: what backward starts with.
  Count total = 0;
  // --recompute full: the layers' inputs kept (every instance), and the most one layer saves
  // when it runs again in backward beyond its input. 0 otherwise.
  Count checkpoints = 0;
  Count recomputed_layer = 0;
  // 16-bit casts of every Linear weight that autocast keeps for backward (0 without autocast).
  Count autocast_weight_copies = 0;
};

// REQUIRES: w resolved. Throws Error on overflow, std::logic_error on a dataflow defect.
SavedActivations saved_activations(const Graph& graph, const Workload& w,
                                   const ActivationOptions& o);

// Whether a Linear has a weight copy under the recipe (weight_copy_bytes): every Linear under
// autocast; under FP8 the GEMMs Transformer Engine runs, not Megatron's output layer or the
// router (plain bf16 GEMMs).
bool has_weight_copy(const Op& op, Precision p);

// The input a layer keeps under full recomputation, one micro-batch: b·s·h in the residual
// stream's dtype.
Count layer_input_bytes(const Graph& graph, const Workload& w, const ActivationOptions& o);

// The same walk, each op's saved bytes as a Figure (one instance of its block, in graph
// order): every saved tensor a term with its formula, the inputs put into it and its source.
std::vector<Figure> saved_activation_figures(const Graph& graph, const Workload& w,
                                             const ActivationOptions& o);

}  // namespace tsize
