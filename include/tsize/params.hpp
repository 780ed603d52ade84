// Parameter accounting: a fold over the Graph's ops.
#pragma once

#include "tsize/breakdown.hpp"
#include "tsize/count.hpp"
#include "tsize/figure.hpp"
#include "tsize/graph.hpp"

namespace tsize {

struct ParamCounts {
  Count total = 0;          // every weight, bias and norm vector; tied matrices once
  Count trainable = 0;      // total less what is updated without gradients
  Count non_embedding = 0;  // total less token/position/type embeddings and an untied lm_head
  Count active = 0;         // per token: routed experts count k of E (= total without MoE)
  Breakdown breakdown;      // model → blocks → components → ops
};

// Counts the parameters of graph, exactly. Throws Error on overflow.
ParamCounts count_params(const Graph& graph);

// The parameters of one op (all its copies) as a Figure, for --explain: each term with its
// formula over in, out and E (experts), and its source. params_per_copy() adds the same terms.
Figure param_figure(const Op& op);

// The totals alone, without the breakdown tree (for folds that need only the numbers).
ParamCounts count_param_totals(const Graph& graph);

}  // namespace tsize
