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

struct GpuFit {
  Gpu gpu;
  Count peak = 0;              // at the workload's micro-batch
  bool fits = false;           // peak <= the GPU's memory
  double share = 0;            // peak / memory
  std::int64_t max_batch = 0;  // max_micro_batch on this GPU
};

// One GpuFit per GPU, in order.
std::vector<GpuFit> fit_gpus(const Graph& graph, const Workload& w, const MemoryOptions& o,
                             const std::vector<Gpu>& gpus);

}  // namespace tsize
