// The GPU catalog: dense peak FLOP/s per dtype, memory and bandwidth, each figure sourced in
// gpus/gpus.json (embedded at build time). Adding a GPU is adding a row there.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "tsize/choices.hpp"
#include "tsize/count.hpp"

namespace tsize {

enum class Dtype { kFp32, kTf32, kBf16, kFp16, kFp8 };

template <>
struct ChoiceTable<Dtype> {
  static constexpr std::string_view kFlag = "--dtype";
  static constexpr std::array<Choice<Dtype>, 5> kChoices{{
      {Dtype::kFp32, "fp32", "fp32", "32-bit float"},
      {Dtype::kTf32, "tf32", "tf32", "TensorFloat-32 (fp32 storage, 10-bit mantissa matmuls)"},
      {Dtype::kBf16, "bf16", "bf16", "bfloat16"},
      {Dtype::kFp16, "fp16", "fp16", "IEEE half"},
      {Dtype::kFp8, "fp8", "fp8", "8-bit float (E4M3/E5M2)"},
  }};
};
inline constexpr std::array<Dtype, 5> kDtypes = {Dtype::kFp32, Dtype::kTf32, Dtype::kBf16,
                                                 Dtype::kFp16, Dtype::kFp8};

struct Gpu {
  std::string name;  // "H100-SXM"
  std::string vendor;
  std::string full_name;   // "NVIDIA H100 SXM5 80GB (HBM3)"
  Count memory_bytes = 0;  // as the vendor's capacity means it (GiB for every card listed)
  Count usable_bytes = 0;  // what a process can allocate: torch's total_memory (cudaMemGetInfo)
  std::string usable_source;
  Count bandwidth_bytes_per_s = 0;
  std::array<std::optional<Count>, 5> peak_flops;  // dense FLOP/s by Dtype; nullopt: unsupported
  int tdp_watts = 0;
  std::string notes;
  bool custom = false;  // built from --peak-tflops / --memory-gb

  std::optional<Count> peak(Dtype d) const { return peak_flops[static_cast<std::size_t>(d)]; }
};

// The catalog, in file order. Throws Error if the embedded file is malformed (a build defect).
const std::vector<Gpu>& gpu_catalog();

// The catalog entry named `name`, case-insensitive. Throws Error naming the nearest names.
const Gpu& find_gpu(const std::string& name);

// A GPU from flags: peak (TFLOP/s, used for every dtype) and memory in GB (10^9 bytes; the
// catalog's cards are specified in GiB). Throws Error for non-positive values.
Gpu custom_gpu(double peak_tflops, double memory_gb);

}  // namespace tsize
