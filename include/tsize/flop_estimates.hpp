// The usual closed-form FLOP approximations, to show beside the exact count.
#pragma once

#include <string>
#include <vector>

#include "tsize/flops.hpp"
#include "tsize/params.hpp"

namespace tsize {

struct FlopEstimate {
  std::string key;         // JSON field, e.g. "approx_6n"
  std::string label;       // "6·N·D (N: all parameters)"
  std::string source;      // paper or notebook
  Count value = 0;         // for the same step as the exact count
  Count exact = 0;         // the exact figure it approximates
  std::string exact_name;  // "model FLOPs", "forward matmul FLOPs", ...
};

// 6ND with N non-embedding (Kaplan) and with N all parameters; PaLM's 6N + 12·L·H·Q·T;
// Megatron's 72·B·s·L·h²·(1 + s/6h + V/12Lh) (96·… with full recomputation); seed 004's
// 2svh + L(16sh² + 4s²h). Active parameters for MoE models.
std::vector<FlopEstimate> flop_estimates(const Graph& graph, const ParamCounts& params,
                                         const FlopCounts& flops);

// "+0.04 % vs exact model FLOPs".
std::string deviation(const FlopEstimate& e);

}  // namespace tsize
