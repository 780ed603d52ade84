// Precision — how a training step stores weights, gradients and activations.
#pragma once

#include <array>

#include "tsize/choices.hpp"

namespace tsize {

//   kFp32:        everything fp32.
//   kAmpBf16/16:  torch.autocast over fp32 weights: Linears run in bf16/fp16 on cast copies of
//                 their inputs and weights; norms, softmax (on CUDA) and the loss stay fp32.
//   kMixedBf16:   bf16 weights and gradients with an fp32 master copy in the optimizer
//                 (Megatron, DeepSpeed; ZeRO's 2 + 2 + 12 bytes per parameter).
//   kMixedBf16Fp32Grads: the same with fp32 gradients (2 + 4 + 12).
//   kMixedFp16:   Megatron's --fp16 as it defaults: fp16 weights, activations and gradients
//                 (accumulated and reduced in the parameters' dtype without
//                 --accumulate-allreduce-grads-in-fp32), fp32 master and states (2 + 2 + 12).
//   kMixedFp16Fp32Grads: the same with fp32 main gradients (2 + 4 + 12; the loss scaled
//                 dynamically in both).
//   kFp8:         Megatron with Transformer Engine's FP8 (delayed scaling, hybrid, Hopper): bf16
//                 weights and activations, fp32 gradients, master and Adam (2 + 4 + 12), TE's
//                 cached FP8 copy and transpose of every GEMM weight (2 B per Linear weight),
//                 and each GEMM's input saved as an FP8 transpose (1 B per element).
//   kBf16:        everything bf16, optimizer states too.
enum class Precision {
  kFp32,
  kAmpBf16,
  kAmpFp16,
  kMixedBf16,
  kMixedBf16Fp32Grads,
  kMixedFp16,
  kMixedFp16Fp32Grads,
  kFp8,
  kBf16
};

template <>
struct ChoiceTable<Precision> {
  static constexpr std::string_view kFlag = "--precision";
  static constexpr std::array<Choice<Precision>, 9> kChoices{{
      {Precision::kFp32, "fp32", "fp32", "everything fp32"},
      {Precision::kAmpBf16, "amp-bf16", "amp-bf16",
       "torch.autocast to bf16 over fp32 weights (4 + 4 + 8 B per parameter with Adam)"},
      {Precision::kAmpFp16, "amp-fp16", "amp-fp16", "torch.autocast to fp16 over fp32 weights"},
      {Precision::kMixedBf16, "mixed-bf16", "mixed-bf16",
       "bf16 weights and gradients, fp32 master and states (2 + 2 + 12 B)"},
      {Precision::kMixedBf16Fp32Grads, "mixed-bf16-fp32-grads", "mixed-bf16-fp32-grads",
       "the same with fp32 gradients (2 + 4 + 12 B)"},
      {Precision::kMixedFp16, "mixed-fp16", "mixed-fp16",
       "Megatron's --fp16 as it defaults: fp16 weights, activations and gradients, fp32 master "
       "and states (2 + 2 + 12 B)"},
      {Precision::kMixedFp16Fp32Grads, "mixed-fp16-fp32-grads", "mixed-fp16-fp32-grads",
       "Megatron's fp16 recipe: fp16 weights and activations, fp32 gradients (2 + 4 + 12 B)"},
      {Precision::kFp8, "fp8", "fp8",
       "Transformer Engine FP8 (Megatron's --fp8-format hybrid): mixed-bf16-fp32-grads, FP8 "
       "weight caches (2 B per Linear weight), GEMM inputs saved in FP8"},
      {Precision::kBf16, "bf16", "bf16", "everything bf16, optimizer states too"},
  }};
};

// True under torch.autocast (amp-bf16, amp-fp16).
constexpr bool is_autocast(Precision p) {
  return p == Precision::kAmpBf16 || p == Precision::kAmpFp16;
}

// Bytes a recipe keeps per Linear weight beside the weights: autocast's 16-bit casts (2), or
// Transformer Engine's cached FP8 weight and its transpose (2: te/pytorch/module/base.py,
// get_weight_workspace, kept across micro-batches); 0 otherwise.
constexpr unsigned weight_copy_bytes(Precision p) {
  return is_autocast(p) || p == Precision::kFp8 ? 2 : 0;
}

}  // namespace tsize
