#include "tsize/fit.hpp"

#include <algorithm>
#include <map>

namespace tsize {

std::int64_t max_micro_batch(const Graph& g, Workload w, const MemoryOptions& o, Count capacity) {
  return largest_fitting(
      [&](std::int64_t b) {
        w.batch = b;
        return count_memory(g, w, o).peak();
      },
      capacity);
}

std::int64_t largest_fitting(const std::function<Count(std::int64_t)>& peak, Count capacity) {
  auto fits = [&](std::int64_t b) { return peak(b) <= capacity; };
  const Count one = peak(1);
  if (one > capacity) return 0;
  // Every saved tensor is per sequence or per step, so a peak grows linearly in the batch
  // (convexly, when the largest recomputed layer changes): extrapolate from b = 1 and 2, and
  // keep the guess if it fits and one more does not.
  const Count two = peak(2);
  if (two > one) {
    const Count guess = 1 + (capacity - one) / (two - one);
    if (guess < static_cast<std::uint64_t>(kMaxDimension)) {
      const auto b = static_cast<std::int64_t>(guess);
      if (fits(b) && !fits(b + 1)) return b;
    }
  }
  std::int64_t lo = 1, hi = 2;  // fits(lo); search for the first batch that does not
  while (hi <= kMaxDimension && fits(hi)) {
    lo = hi;
    hi *= 2;
  }
  hi = std::min(hi, kMaxDimension + 1);
  while (hi - lo > 1) {  // fits(lo), !fits(hi)
    const std::int64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

Count fit_capacity(const Gpu& gpu, const MemoryOptions& o) {
  return gpu.usable_bytes > o.cuda_context_bytes ? gpu.usable_bytes - o.cuda_context_bytes : 0;
}

std::vector<GpuFit> fit_gpus(const Graph& g, const Workload& w, const MemoryOptions& o,
                             const std::vector<Gpu>& gpus) {
  const Count peak = count_memory(g, w, o).peak();
  // Every GPU's search starts at batch 1 and 2: each batch is counted once for them all.
  std::map<std::int64_t, Count> counted{{w.batch, peak}};
  auto peak_at = [&](std::int64_t b) {
    const auto [it, added] = counted.try_emplace(b, 0);
    if (added) {
      Workload wb = w;
      wb.batch = b;
      it->second = count_memory(g, wb, o).peak();
    }
    return it->second;
  };
  std::vector<GpuFit> out;
  out.reserve(gpus.size());
  for (const Gpu& gpu : gpus) out.push_back(fit_on(gpu, o, peak, peak_at));
  return out;
}

GpuFit fit_on(const Gpu& gpu, const MemoryOptions& o, Count peak,
              const std::function<Count(std::int64_t)>& peak_at) {
  GpuFit f;
  f.gpu = gpu;
  f.peak = peak;
  f.capacity = fit_capacity(gpu, o);
  f.fits = peak <= f.capacity;
  f.share = f.capacity > 0 ? to_double(peak) / to_double(f.capacity) : 0;
  f.margin_bytes = to_double(f.capacity) - to_double(peak);
  f.max_batch = largest_fitting(peak_at, f.capacity);
  return f;
}

}  // namespace tsize
