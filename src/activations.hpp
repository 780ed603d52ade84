// Internal: bytes autograd saves for backward, per op, for one micro-batch (activations.cpp).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tsize/count.hpp"
#include "tsize/graph.hpp"
#include "tsize/memory.hpp"
#include "tsize/workload.hpp"

namespace tsize::detail {

struct SavedTensors {
  std::map<const Op*, Count> per_op;      // one instance of the op's block
  std::map<const Op*, std::string> what;  // the tensors behind per_op, for --explain (layers)
  std::vector<Count> per_layer;           // one instance of each layer block, in block order
  Count total = 0;                        // the whole model, every instance
};

// What a step saves for backward without recomputation (or with selective recomputation when
// o.recompute says so; full recomputation is applied by count_memory).
SavedTensors saved_for_backward(const Graph& graph, const Workload& w, const MemoryOptions& o);

}  // namespace tsize::detail
