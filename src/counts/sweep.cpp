#include "tsize/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tsize/error.hpp"

namespace tsize {

std::vector<MemoryRun> sweep_memory(const Graph& g, const std::vector<Workload>& workloads,
                                    const MemoryOptions& options,
                                    const std::vector<int>& zero_stages) {
  if (zero_stages.size() > 1 && workloads.size() > 1) {
    throw Error("--zero and --batch/--seq cannot both be lists: sweep one at a time");
  }
  const std::vector<int> stages =
      zero_stages.empty() ? std::vector<int>{options.zero_stage} : zero_stages;
  std::vector<MemoryRun> out;
  for (std::size_t i = 0; i < std::max(workloads.size(), stages.size()); ++i) {
    MemoryRun run;
    run.workload = workloads[std::min(i, workloads.size() - 1)];
    run.options = options;
    run.options.zero_stage = stages[std::min(i, stages.size() - 1)];
    run.counts = count_memory(g, run.workload, run.options);
    run.label = stages.size() > 1 ? fmt::format("ZeRO {}", run.options.zero_stage)
                                  : fmt::format("b={} s={}", run.workload.batch, run.workload.seq);
    out.push_back(std::move(run));
  }
  return out;
}

std::vector<FlopCounts> sweep_flops(const Graph& g, const std::vector<Workload>& workloads,
                                    const FlopOptions& options) {
  std::vector<FlopCounts> out;
  out.reserve(workloads.size());
  for (const Workload& w : workloads) out.push_back(count_flops(g, w, options));
  return out;
}

std::vector<TrainingSweepRow> sweep_training(const ParamCounts& p, const FlopCounts& f,
                                             Cluster cluster, const std::vector<std::int64_t>& gpus,
                                             Count tokens, std::optional<double> mfu,
                                             std::optional<double> step_time_s,
                                             std::optional<double> price) {
  std::vector<TrainingSweepRow> out;
  for (const std::int64_t n : gpus) {
    cluster.gpus = n;
    out.push_back({n, plan_training(p, f, cluster, tokens, mfu, step_time_s, price)});
  }
  return out;
}

}  // namespace tsize
