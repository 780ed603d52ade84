// Workload — what a run does with a model: batch, sequence length, gradient accumulation, and
// the counting conventions that the field disagrees on.
#pragma once

#include <cstdint>
#include <string>

#include "tsize/choices.hpp"
#include "tsize/model.hpp"

namespace tsize {

struct Workload {
  std::int64_t batch = 1;       // [b] sequences per micro-batch
  std::int64_t seq = 0;         // [s] tokens per sequence; 0 = the model's context
  std::int64_t grad_accum = 1;  // micro-batches per optimizer step
};

// How many attention scores a kernel computes.
//   kFull:   every (query, key) pair, s² per head: what eager PyTorch runs and what
//            FlopCounterMode counts (the causal mask is applied after the matmul).
//   kCausal: only the pairs a query may see (causal mask, sliding window, sparse top-k):
//            what FlashAttention-style kernels that skip masked blocks compute, and what
//            Megatron-style formulas with s²/2 assume.
enum class AttentionFlops { kFull, kCausal };

template <>
struct ChoiceTable<AttentionFlops> {
  static constexpr std::string_view kFlag = "--attention-flops";
  static constexpr std::array<Choice<AttentionFlops>, 2> kChoices{{
      {AttentionFlops::kFull, "full", "full", "all s² scores, as eager PyTorch computes them"},
      {AttentionFlops::kCausal, "causal", "causal",
       "only the scores a query may see (causal mask, sliding window, sparse top-k)"},
  }};
};

// Activation recomputation (Korthikanti et al. 2022, arXiv:2205.05198 §4-5).
//   kSelective: the attention core (scores, softmax, weighted sum) is recomputed in backward.
//   kFull:      every layer's forward runs again in backward; only its input is kept.
enum class Recompute { kNone, kSelective, kFull };

template <>
struct ChoiceTable<Recompute> {
  static constexpr std::string_view kFlag = "--recompute";
  static constexpr std::array<Choice<Recompute>, 3> kChoices{{
      {Recompute::kNone, "none", "none", "every tensor saved in the forward"},
      {Recompute::kSelective, "selective", "selective",
       "the attention core's scores and softmax recomputed in backward"},
      {Recompute::kFull, "full", "full", "each layer's forward run again in backward"},
  }};
};

struct FlopOptions {
  AttentionFlops attention = AttentionFlops::kFull;
  Recompute recompute = Recompute::kNone;
};

// w with seq defaulted to the model's context. Throws Error if batch, seq or grad_accum is not
// positive, or seq exceeds the context the model is built for.
Workload resolve_workload(const ModelSpec& spec, Workload w);

}  // namespace tsize
