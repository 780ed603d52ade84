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

// How fast a GPU generation runs kernels, beside its datasheet peaks: the few parameters the step
// and inference time models read (kernel_time.hpp). One entry per generation in gpus/gpus.json's
// "generations", each with the measurements it comes from.
struct KernelModel {
  std::string generation;  // "hopper"
  int sms = 0;             // streaming multiprocessors: a GEMM's tiles run in waves of this many
  double gemm_efficiency = 0;      // fraction of the dtype's peak a large, well-shaped GEMM reaches
  double fp8_gemm_efficiency = 0;  // the same for FP8 GEMMs
  double k_overhead = 0;           // a tile's prologue and epilogue, in elements of k
  double kernel_start_s = 0;       // a GEMM kernel's fixed cost: launch, ramp-up and tail
  double attention_forward_efficiency = 0;   // a flash kernel's forward, fraction of peak
  double attention_backward_efficiency = 0;  // and its backward
  double bandwidth_efficiency = 0;           // streaming kernels' fraction of memory bandwidth
  double host_op_s = 0;       // the host's time to issue one op of tsize's graph (PyTorch eager)
  double graph_kernel_s = 0;  // a kernel's fixed cost inside a CUDA graph (no host launch)
  std::string source;         // what the figures were fitted to or taken from
  bool known() const { return sms > 0 && gemm_efficiency > 0; }
};

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
  KernelModel kernels;
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
