#include "tsize/kernel_time.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace tsize {
namespace {

double ceil_div(double a, double b) { return std::ceil(a / b); }

// cuBLAS splits k when the grid is smaller than one wave (split-K), down to slices of this
// many elements: enough tiles to fill the SMs, never slices too thin to amortize the reduction.
constexpr double kMinSplitK = 256;

// cuBLAS's CTA tiles, largest first, with each one's throughput relative to the largest's
// (NVIDIA, "Matrix Multiplication Background User's Guide": 256×128 and 128×256 are the most
// efficient, 64×64 the least; smaller tiles reuse each loaded element fewer times). The thin
// tiles serve a GEMM of a few rows (a decode step's tokens): the MMA instructions' smaller side
// goes down to 8 (mma.m16n8k16, Hopper's wgmma n ≥ 8), so a batch of one wastes 15 of 16 rows,
// not 63 of 64; taken at the smallest tile's rate.
struct Tile {
  double m, n, rate;
};
constexpr std::array<Tile, 7> kTiles{{{256, 128, 1.0},
                                      {128, 256, 1.0},
                                      {128, 128, 0.9},
                                      {128, 64, 0.75},
                                      {64, 64, 0.55},
                                      {16, 128, 0.55},
                                      {128, 16, 0.55}}};

// The rate of the tile cuBLAS's heuristics would pick: the fastest after quantization, as a
// fraction of the largest tile's full rate (tile × wave utilization × the tile's rate).
double best_tile_rate(const GemmShape& g, const KernelModel& k) {
  double best = 0;
  const double sms = k.sms;
  for (const Tile& t : kTiles) {
    const double tiles_m = ceil_div(static_cast<double>(g.m), t.m);
    const double tiles_n = ceil_div(static_cast<double>(g.n), t.n);
    const double tiles = tiles_m * tiles_n * static_cast<double>(g.batch);
    // Split-K: as many k slices as fill one wave, each of at least kMinSplitK elements.
    const double split = std::max(
        1.0, std::min(std::floor(sms / tiles), std::floor(static_cast<double>(g.k) / kMinSplitK)));
    const double work = tiles * split;
    const double useful = static_cast<double>(g.m) * static_cast<double>(g.n) /
                          (tiles_m * t.m * tiles_n * t.n);  // tile quantization
    // Wave quantization: a grid of less than one wave leaves SMs idle; from one wave on,
    // cuBLAS's stream-K kernels (CUDA 11.8+) share the last wave's tiles over every SM.
    const double utilization = useful * std::min(1.0, work / sms);
    best = std::max(best, utilization * t.rate);
  }
  return best;
}

}  // namespace

double element_bytes(Dtype d) {
  switch (d) {
    case Dtype::kFp32:
    case Dtype::kTf32:
      return 4;
    case Dtype::kBf16:
    case Dtype::kFp16:
      return 2;
    case Dtype::kFp8:
      return 1;
  }
  return 2;
}

double gemm_seconds(const GemmShape& g, Dtype dtype, const Gpu& gpu) {
  const double weights = static_cast<double>(g.k) * static_cast<double>(g.n) *
                         static_cast<double>(g.batch) * element_bytes(dtype);
  return gemm_cost(g, dtype, gpu, weights, gpu.kernels.kernel_start_s).seconds();
}

GemmCost gemm_cost(const GemmShape& g, Dtype dtype, const Gpu& gpu, double weight_bytes,
                   double fixed_s) {
  const KernelModel& k = gpu.kernels;
  if (g.m <= 0 || g.n <= 0 || g.k <= 0 || g.batch <= 0) return {};
  const double peak_flops = to_double(gpu.peak(dtype).value_or(0));
  const double efficiency = dtype == Dtype::kFp8 ? k.fp8_gemm_efficiency : k.gemm_efficiency;
  const double m = static_cast<double>(g.m), n = static_cast<double>(g.n),
               kk = static_cast<double>(g.k), batch = static_cast<double>(g.batch);
  const double flops = 2 * m * n * kk * batch;
  const double depth = kk / (kk + k.k_overhead);  // prologue and epilogue per tile
  GemmCost c;
  c.compute = flops / (peak_flops * efficiency * best_tile_rate(g, k) * depth);
  const double bytes = (m * kk + m * n) * batch * element_bytes(dtype) + weight_bytes;
  c.memory = bytes / (static_cast<double>(gpu.bandwidth_bytes_per_s) * k.bandwidth_efficiency);
  c.fixed = fixed_s;
  return c;
}

double flash_attention_seconds(double flops, bool backward, Dtype dtype, const Gpu& gpu) {
  if (flops <= 0) return 0;
  const double peak_flops = to_double(gpu.peak(dtype).value_or(0));
  const KernelModel& k = gpu.kernels;
  const double efficiency =
      backward ? k.attention_backward_efficiency : k.attention_forward_efficiency;
  return flops / (peak_flops * efficiency);
}

double stream_seconds(double bytes, const Gpu& gpu) {
  if (bytes <= 0) return 0;
  return bytes /
         (static_cast<double>(gpu.bandwidth_bytes_per_s) * gpu.kernels.bandwidth_efficiency);
}

}  // namespace tsize
