// --explain: every op's figure with its formula, the values put into it, and the source.
#pragma once

#include "tsize/graph.hpp"
#include "tsize/memory.hpp"
#include "tsize/report.hpp"
#include "tsize/timing.hpp"
#include "tsize/workload.hpp"

namespace tsize {

// One fact per weighted op (first instance of each block): params = formula = values [source].
Section explain_params(const Graph& graph);

// One fact per op: forward FLOPs of one instance, its formula with values, backward rule.
Section explain_flops(const Graph& graph, const Workload& w, const FlopOptions& options);

// One fact per op that saves tensors: bytes and which tensors, one instance of its block.
Section explain_memory(const Graph& graph, const Workload& w, const MemoryOptions& options);

// Utilization: each figure with its formula and the values put into it.
Section explain_utilization(const FlopCounts& flops, const Cluster& cluster, const Utilization& u);

// A training run: each figure with its formula and the values put into it.
Section explain_training(const FlopCounts& flops, const Cluster& cluster, const TrainingRun& run);

}  // namespace tsize
