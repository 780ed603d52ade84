// Kernel time — how long one GPU takes for a GEMM, an attention kernel or a streaming
// (memory-bound) kernel, from the GPU's datasheet peaks and its generation's kernel model
// (KernelModel in gpus.hpp): GPU time only; the host's time to issue each kernel bounds a pass
// of many small kernels (step_time.cpp). Reals, not counts: these are estimates, each term
// documented in docs/time-vs-measured.md.
#pragma once

#include <cstdint>

#include "tsize/gpus.hpp"

namespace tsize {

// A (m×k)·(k×n) product, `batch` times (a batched matmul, or an expert's copies).
struct GemmShape {
  std::int64_t m = 0, n = 0, k = 0, batch = 1;
};

// Bytes of one element of a GEMM operand: 4 (fp32, tf32), 2 (bf16, fp16), 1 (fp8).
double element_bytes(Dtype d);

// Seconds of one GEMM in `dtype`: its FLOPs at the dtype's peak × the generation's GEMM
// efficiency (FP8's apart) × the chosen tile's utilization and relative rate × the
// k-dimension's k / (k + k_overhead), or the bytes of its operands at achievable bandwidth when
// that is slower (a roofline), plus kernel_start. REQUIRES: gpu.peak(dtype) and a kernel model.
double gemm_seconds(const GemmShape& g, Dtype dtype, const Gpu& gpu);

// A GEMM's time in parts: its FLOPs at the tile's rate, its operands' bytes at achievable
// bandwidth, and the kernel's fixed cost; it takes the slower of the first two, plus the third.
// The second operand's stored bytes are given (a weight in a quantized format: packed integers,
// scales, zeros; every copy of `batch`), the activations are in `dtype`; the fixed cost is
// kernel_start from the host, graph_kernel inside a CUDA graph.
struct GemmCost {
  double compute = 0, memory = 0, fixed = 0;
  double seconds() const { return (compute > memory ? compute : memory) + fixed; }
};
GemmCost gemm_cost(const GemmShape& g, Dtype dtype, const Gpu& gpu, double weight_bytes,
                   double fixed_s);

// Seconds of a fused (flash) attention kernel doing `flops` in its forward or backward pass.
double flash_attention_seconds(double flops, bool backward, Dtype dtype, const Gpu& gpu);

// Seconds of a memory-bound kernel moving `bytes` (read + written) at achievable bandwidth.
double stream_seconds(double bytes, const Gpu& gpu);

}  // namespace tsize
