// The usual closed form for activation memory, to show beside the exact count.
#pragma once

#include <string>

#include "tsize/memory.hpp"

namespace tsize {

// Korthikanti et al. 2022's closed form for the activations of the layers, in bytes:
// L·s·b·h·(34 + 5·a·s/h) (16-bit activations, 1-byte dropout masks, MHA, d_ff = 4h).
Count korthikanti_activations(const ModelSpec& spec, const Workload& w);

struct ActivationEstimate {
  Count value = 0;       // the closed form
  Count exact = 0;       // tsize's saved bytes for the same step without recomputation
  double deviation = 0;  // (value − exact) / exact
};

// The closed form against the exact count with the same options but no recomputation (the
// closed form assumes none). REQUIRES: w resolved.
ActivationEstimate korthikanti_estimate(const Graph& graph, const Workload& w,
                                        const MemoryOptions& o);

}  // namespace tsize
