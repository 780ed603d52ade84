// Comparing models side by side at a common workload, recipe, cluster and token budget.
#pragma once

#include <string>
#include <vector>

#include "tsize/memory.hpp"
#include "tsize/model.hpp"
#include "tsize/render.hpp"
#include "tsize/timing.hpp"
#include "tsize/workload.hpp"

namespace tsize {

struct CompareSetup {
  Workload workload;  // seq 0: the shortest context of the models compared
  FlopOptions flops;
  MemoryOptions memory;
  Cluster cluster;  // training time and what fits
  double mfu = 0.4;
  Count tokens = 0;  // 0: each model's compute-optimal 20·N
};

struct Comparison {
  std::string model, family;
  Count params = 0, active = 0;
  Count flops_per_token = 0;   // model FLOPs per token at the common seq
  Count peak_bytes = 0;        // training memory per GPU at the common workload
  MemoryCounts memory;         // its composition
  std::int64_t max_batch = 0;  // on the cluster's GPU
  Count tokens = 0;
  double train_seconds = 0;  // on the cluster at the assumed MFU
  // Serving in bf16 on the cluster's GPU, one sequence of the common seq (decoders only; 0: an
  // encoder, or no deployment of up to 64 GPUs fits):
  Count kv_bytes_per_token = 0;
  std::int64_t serving_gpus = 0;   // the fewest that hold it (serving_plan.hpp)
  double decode_tokens_per_s = 0;  // one sequence's output tokens per second on them
};

// One Comparison per model; sets setup.workload.seq when it was 0. Throws Error if the common
// seq exceeds a model's context.
std::vector<Comparison> compare_models(const std::vector<ModelSpec>& models, CompareSetup& setup);

// Models as columns (table, Markdown) or as rows (JSON, CSV).
std::string render_comparison(const std::vector<Comparison>& rows, const CompareSetup& setup,
                              const RenderOptions& o);

}  // namespace tsize
