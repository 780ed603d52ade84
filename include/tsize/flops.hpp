// FLOP accounting: a fold over the Graph's ops for a workload.
//
// Matrix multiplications are exact: 2·m·n·k for an (m×k)·(k×n) product, the rule PyTorch's
// FlopCounterMode applies to mm/addmm/bmm. Everything else (norms, softmax, activations, RoPE,
// residual adds, bias adds, the loss) is a documented per-element convention, the constants
// below, and is reported apart so matmul-only figures can be compared with profilers.
#pragma once

#include <cstdint>

#include "tsize/breakdown.hpp"
#include "tsize/count.hpp"
#include "tsize/figure.hpp"
#include "tsize/graph.hpp"
#include "tsize/workload.hpp"

namespace tsize {

// Pointwise conventions, FLOPs per element (docs/formulas.md explains each count).
inline constexpr int kLayerNormFlops = 7;     // mean, center, square, sum, scale, ·γ, +β
inline constexpr int kRmsNormFlops = 4;       // square, sum, scale, ·γ
inline constexpr int kSoftmaxFlops = 6;       // 1/√d scale, max, subtract, exp, sum, divide
inline constexpr int kIndexerScoreFlops = 3;  // DSA indexer: ReLU, ·head weight, sum over heads
inline constexpr int kGeluFlops = 5;          // 0.5·x·(1 + erf(x/√2))
inline constexpr int kGeluTanhFlops = 9;      // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
inline constexpr int kSiluFlops = 5;          // x / (1 + exp(−x))
inline constexpr int kReluFlops = 1;
inline constexpr int kGateFlops = 1;          // act(gate) · up
inline constexpr int kRopeFlops = 3;          // x·cos + rotate(x)·sin, per rotated element
inline constexpr int kCrossEntropyFlops = 5;  // log-softmax per logit: max, subtract, exp, sum, log
inline constexpr int kBackwardPointwiseFactor = 2;  // backward of a pointwise op = 2 × forward

struct OpFlops {
  Count forward_matmul = 0, forward_other = 0;
  Count backward_matmul = 0, backward_other = 0;
  Count forward() const { return add(forward_matmul, forward_other, "forward FLOPs"); }
  Count backward() const { return add(backward_matmul, backward_other, "backward FLOPs"); }
};

// (query, key) score entries one head computes for one sequence of `seq` tokens:
// s² in kFull mode or for a bidirectional encoder; otherwise Σ_i min(i + 1, W) with W the
// smallest of s, the sliding window and the sparse top-k (s(s+1)/2 for plain causal).
Count attention_pairs(const AttentionShape& shape, std::int64_t seq, AttentionFlops mode);

// FLOPs of one instance of op (all its copies, each token through its active ones) for
// `batch` sequences of `seq` tokens. Backward: 2× forward for matmuls (input and weight
// gradients), kBackwardPointwiseFactor× for the rest; nothing for weightless lookups.
OpFlops op_flops(const Op& op, std::int64_t batch, std::int64_t seq, AttentionFlops mode);

// The forward FLOPs of op_flops() as a Figure: each term with its formula, inputs and source
// (--explain prints it; op_flops adds the same terms).
Figure forward_flop_figure(const Op& op, std::int64_t batch, std::int64_t seq, AttentionFlops mode);

struct FlopCounts {
  Workload workload;  // resolved: seq set
  FlopOptions options;
  Count tokens = 0;     // per optimizer step: b · s · grad_accum
  Count sequences = 0;  // per optimizer step: b · grad_accum
  // Per optimizer step (all micro-batches):
  Count forward = 0, backward = 0, recompute = 0;
  Count forward_matmul = 0, backward_matmul = 0;
  Count model = 0;     // forward + backward: what MFU divides by
  Count hardware = 0;  // model + recompute: what the GPU executes (HFU)
  // Columns "forward", "backward", "step" (forward + backward + recompute of the op).
  Breakdown breakdown;

  // Model FLOPs per token and per sequence, rounded to the nearest integer.
  Count per_token() const { return (model + tokens / 2) / tokens; }
  Count per_sequence() const { return (model + sequences / 2) / sequences; }
};

// Counts the FLOPs of one optimizer step. REQUIRES: w resolved (resolve_workload).
// Throws Error on overflow.
FlopCounts count_flops(const Graph& graph, const Workload& w, const FlopOptions& options);

}  // namespace tsize
