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
//   kMixedFp16Fp32Grads: Megatron's fp16 recipe: fp16 weights and activations, fp32 main
//                 gradients, master and states (2 + 4 + 12; the loss scaled dynamically).
//   kBf16:        everything bf16, optimizer states too.
enum class Precision {
  kFp32,
  kAmpBf16,
  kAmpFp16,
  kMixedBf16,
  kMixedBf16Fp32Grads,
  kMixedFp16Fp32Grads,
  kBf16
};

template <>
struct ChoiceTable<Precision> {
  static constexpr std::string_view kFlag = "--precision";
  static constexpr std::array<Choice<Precision>, 7> kChoices{{
      {Precision::kFp32, "fp32", "fp32", "everything fp32"},
      {Precision::kAmpBf16, "amp-bf16", "amp-bf16",
       "torch.autocast to bf16 over fp32 weights (4 + 4 + 8 B per parameter with Adam)"},
      {Precision::kAmpFp16, "amp-fp16", "amp-fp16", "torch.autocast to fp16 over fp32 weights"},
      {Precision::kMixedBf16, "mixed-bf16", "mixed-bf16",
       "bf16 weights and gradients, fp32 master and states (2 + 2 + 12 B)"},
      {Precision::kMixedBf16Fp32Grads, "mixed-bf16-fp32-grads", "mixed-bf16-fp32-grads",
       "the same with fp32 gradients (2 + 4 + 12 B)"},
      {Precision::kMixedFp16Fp32Grads, "mixed-fp16-fp32-grads", "mixed-fp16-fp32-grads",
       "Megatron's fp16 recipe: fp16 weights and activations, fp32 gradients (2 + 4 + 12 B)"},
      {Precision::kBf16, "bf16", "bf16", "everything bf16, optimizer states too"},
  }};
};

// True under torch.autocast (amp-bf16, amp-fp16).
constexpr bool is_autocast(Precision p) {
  return p == Precision::kAmpBf16 || p == Precision::kAmpFp16;
}

}  // namespace tsize
