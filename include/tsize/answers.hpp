// Answers — one call per question a user asks, returning the Report that answers it.
//
// The CLI, and later a Python module or a web page, parse their inputs into a request, make one
// call here and render what comes back; every computation (sweeps, what fits, the closed forms
// beside exact counts, --explain's figures) happens in the library.
#pragma once

#include <optional>
#include <vector>

#include "tsize/clusters.hpp"
#include "tsize/gpus.hpp"
#include "tsize/graph.hpp"
#include "tsize/layout.hpp"
#include "tsize/memory.hpp"
#include "tsize/plan.hpp"
#include "tsize/render.hpp"
#include "tsize/report.hpp"
#include "tsize/serving_memory.hpp"
#include "tsize/serving_time.hpp"
#include "tsize/step_time.hpp"
#include "tsize/sweep.hpp"
#include "tsize/timing.hpp"
#include "tsize/workload.hpp"

namespace tsize {

// tsize params: the parameter tree and totals; with explain, every op's formula; with a
// checkpoint (a model folder's safetensors), its stored tensors against the count.
Report answer_params(const Graph& graph, bool explain,
                     const std::optional<StoredCheckpoint>& stored = std::nullopt);

struct FlopsRequest {
  std::vector<Workload> workloads;  // resolved; several: a sweep
  FlopOptions options;
  bool explain = false;  // one workload only
  bool columns = false;  // a sweep as one section of columns (tables) rather than one per run
};
struct FlopsAnswer {
  Report report;
  std::vector<FlopCounts> runs;  // one per workload, for charts
};
// Throws Error for --explain over several workloads.
FlopsAnswer answer_flops(const Graph& graph, const FlopsRequest& request);

struct MemoryRequest {
  std::vector<Workload> workloads;  // resolved; several: a sweep
  MemoryOptions options;
  std::vector<int> zero_stages;          // several: a sweep over ZeRO stages (not with workloads)
  std::vector<Gpu> gpus;                 // the fit table's GPUs
  ByteUnits units = ByteUnits::kBinary;  // of the fit table's notes
  bool explain = false;                  // one run only
  bool columns = false;                  // a sweep as one section of columns (tables)
  // A parallel layout (one run only); a layout of one rank per model is today's memory with
  // ZeRO over its data-parallel ranks.
  std::optional<Layout> layout;
};
struct MemoryAnswer {
  Report report;
  std::vector<MemoryRun> runs;  // for charts
};
// Throws Error for impossible options, both lists at once, or --explain over several runs.
MemoryAnswer answer_memory(const Graph& graph, const MemoryRequest& request);

struct CheckpointRequest {
  Dtype dtype = Dtype::kFp32;
  bool with_optimizer = false;
  Optimizer optimizer = Optimizer::kAdamW;
  std::optional<Count> actual_bytes;       // a real file's size to compare with
  std::optional<StoredCheckpoint> stored;  // its tensors, when its headers can be read
};
Report answer_checkpoint(const Graph& graph, const CheckpointRequest& request);

// tsize mfu: utilization of a measured step of `flops` (one GPU's step) on the cluster.
Report answer_mfu(const Graph& graph, const FlopCounts& flops, const Cluster& cluster,
                  double step_time_s, bool explain);

// tsize step: one training iteration of a layout on a cluster.
struct StepRequest {
  Workload workload;  // resolved: batch is the micro-batch
  MemoryOptions options;
  Layout layout;
  ClusterSpec cluster;
  StepOptions step;
  AttentionFlops mfu_attention = AttentionFlops::kFull;  // MFU's FLOP convention
  bool explain = false;  // every figure of the kernel model and the fabrics, with its source
};
struct StepAnswer {
  Report report;
  StepTime time;
  ResolvedLayout layout;
  Count peak = 0;
  bool fits = false;
};
// Throws Error for a layout that does not divide the model, a cluster that cannot hold its
// GPUs, or ZeRO without data-parallel ranks.
StepAnswer answer_step(const Graph& graph, const StepRequest& request);

// tsize plan: the layout search; the best layouts, how many were valid and fit, and with
// explain why the best beats the runner-up.
struct PlanAnswer {
  Report report;
  PlanResult result;
};
// Throws Error as plan_layouts.
PlanAnswer answer_plan(const Graph& graph, const PlanRequest& request, bool explain,
                       ByteUnits units);

// tsize infer: serving memory per GPU for a load, and its time: prefill, each decode step,
// tokens per second.
struct InferRequest {
  ServingOptions options;
  Gpu gpu;
  // Whose fabric the tensor-parallel collectives cross (its GPU replaced by `gpu`); nullopt, or a
  // GPU without a kernel model: memory only.
  std::optional<ClusterSpec> cluster;
  std::int64_t context = 0;                 // tokens per sequence; 0: input + output, else the
                                            // model's context
  std::optional<std::int64_t> concurrency;  // sequences; nullopt: the most that fit ("max")
  std::int64_t input_len = 0;               // prompt tokens; 0: the context less the output
  std::int64_t output_len = 0;              // generated tokens; 0: 128 (vLLM's benchmark default)
  std::int64_t batch = 0;                   // sequences timed together; 0: the concurrency
  ByteUnits units = ByteUnits::kBinary;
  bool by_concurrency = false;  // also the memory at 1, 2, 4, ... sequences (a chart's bars)
  bool by_context = false;      // also the memory at 1,024, 2,048, ... tokens (a chart's bars)
  bool cheapest = false;        // also each format of kServingFormats on its fewest GPUs
  bool explain = false;         // also one decode step kernel by kernel
  double max_tpot_s = 0;        // > 0: also the most sequences whose TPOT stays within it
};
struct InferAnswer {
  Report report;
  ServingMemory memory;
  std::optional<ServingTime> time;
  ServingLoad load;
  std::int64_t context = 0;  // tokens per sequence the memory holds
  // With max_tpot_s: the most sequences (within memory) whose TPOT stays within it, and the
  // time of that load; 0 sequences: not even one.
  std::int64_t batch_within_tpot = 0;
  std::optional<ServingTime> time_within_tpot;
  // With by_concurrency: powers of two up to twice the most that fit (at most 12), the load
  // asked for among them.
  std::vector<std::pair<std::int64_t, ServingMemory>> by_concurrency;
  // With by_context: powers of two from 1,024 to the model's context (at most 12), the context
  // asked for among them, at the concurrency.
  std::vector<std::pair<std::int64_t, ServingMemory>> by_context;
};
// Throws Error for options the model or GPU cannot take, a context a model with learned
// positions cannot reach, and "max" when not one sequence fits.
InferAnswer answer_infer(const Graph& graph, const InferRequest& request);

struct TrainRequest {
  Cluster cluster;
  std::vector<std::int64_t> gpu_counts;  // several: one row per count
  std::optional<Count> tokens;           // default: 20 per parameter
  // Neither mfu nor step_time_s: kDefaultMfu, said so.
  std::optional<double> mfu, step_time_s, price_per_gpu_hour;
  std::optional<Count> budget_flops;  // also the compute-optimal model for this budget
  bool explain = false;
  // A layout on a cluster: without mfu or step_time_s, the step model's MFU times the run, and
  // its sections follow the run's.
  std::optional<StepRequest> step;
};
struct TrainAnswer {
  Report report;                  // one GPU count
  std::optional<ListTable> list;  // several: one row per count
};
TrainAnswer answer_train(const Graph& graph, const FlopCounts& flops, const TrainRequest& request,
                         Format format);

}  // namespace tsize
