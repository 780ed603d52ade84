// What fits where: the largest micro-batch whose training peak fits a GPU's memory.
#pragma once

#include <cstdint>
#include <vector>

#include "tsize/gpus.hpp"
#include "tsize/memory.hpp"

namespace tsize {

// The largest micro-batch (at most 2^30) whose peak fits in `capacity` bytes; 0 if not even one
// sequence does. REQUIRES: w resolved.
std::int64_t max_micro_batch(const Graph& graph, Workload w, const MemoryOptions& o,
                             Count capacity);

// What a training process can use on a GPU: its usable memory less the CUDA context.
Count fit_capacity(const Gpu& gpu, const MemoryOptions& o);

struct GpuFit {
  Gpu gpu;
  Count peak = 0;              // at the workload's micro-batch
  Count capacity = 0;          // fit_capacity
  bool fits = false;           // peak <= capacity
  double share = 0;            // peak / capacity
  double margin_bytes = 0;     // capacity − peak (negative: short by that much)
  std::int64_t max_batch = 0;  // max_micro_batch on this GPU's capacity
};

// One GpuFit per GPU, in order.
std::vector<GpuFit> fit_gpus(const Graph& graph, const Workload& w, const MemoryOptions& o,
                             const std::vector<Gpu>& gpus);

}  // namespace tsize
