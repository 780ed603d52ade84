// What fits where: the largest micro-batch whose training peak fits a GPU's memory.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "tsize/gpus.hpp"
#include "tsize/memory.hpp"

namespace tsize {

// The largest micro-batch (at most 2^30) whose peak fits in `capacity` bytes; 0 if not even one
// sequence does. REQUIRES: w resolved.
std::int64_t max_micro_batch(const Graph& graph, Workload w, const MemoryOptions& o,
                             Count capacity);

// The largest b (at most 2^30) with peak(b) <= capacity, for a peak that grows with b; 0 if
// peak(1) does not fit.
std::int64_t largest_fitting(const std::function<Count(std::int64_t)>& peak, Count capacity);

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

// One GPU's fit: `peak` against its capacity, and the largest micro-batch by `peak_at`.
GpuFit fit_on(const Gpu& gpu, const MemoryOptions& o, Count peak,
              const std::function<Count(std::int64_t)>& peak_at);

// One GpuFit per GPU, in order.
std::vector<GpuFit> fit_gpus(const Graph& graph, const Workload& w, const MemoryOptions& o,
                             const std::vector<Gpu>& gpus);

}  // namespace tsize
