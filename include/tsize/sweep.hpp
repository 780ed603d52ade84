// Sweeps: one model over a list of workloads, ZeRO stages or GPU counts, one result each.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tsize/flops.hpp"
#include "tsize/memory.hpp"
#include "tsize/timing.hpp"

namespace tsize {

struct MemoryRun {
  std::string label;  // "b=4 s=1024", "ZeRO 2"
  Workload workload;
  MemoryOptions options;
  MemoryCounts counts;
};

// One run per workload, or one per ZeRO stage of `zero_stages` (options.zero_stage is replaced).
// Throws Error if both lists hold more than one value. REQUIRES: workloads resolved, non-empty.
std::vector<MemoryRun> sweep_memory(const Graph& graph, const std::vector<Workload>& workloads,
                                    const MemoryOptions& options,
                                    const std::vector<int>& zero_stages);

// One FLOP count per workload.
std::vector<FlopCounts> sweep_flops(const Graph& graph, const std::vector<Workload>& workloads,
                                    const FlopOptions& options);

struct TrainingSweepRow {
  std::int64_t gpus = 0;
  TrainingRun run;
};

// One training run per GPU count, the rest of the cluster as given.
std::vector<TrainingSweepRow> sweep_training(const ParamCounts& params, const FlopCounts& flops,
                                             Cluster cluster, const std::vector<std::int64_t>& gpus,
                                             Count tokens, std::optional<double> mfu,
                                             std::optional<double> step_time_s,
                                             std::optional<double> price_per_gpu_hour);

}  // namespace tsize
