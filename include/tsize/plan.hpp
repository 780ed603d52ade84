// Plan — the layout search: every parallel layout of a model on a cluster's GPUs that the
// runtime can launch, priced by the layout memory and step-time models, best first.
//
// The search walks the graph once per micro-batch and recomputation choice (step_totals), prices
// each shard (T, SP, C, E, ETP) once per micro-batch (shard_time), and each layout by arithmetic
// on those: its memory peak first (layout_peak), and the step time only of layouts that fit.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "tsize/choices.hpp"
#include "tsize/clusters.hpp"
#include "tsize/count.hpp"
#include "tsize/graph.hpp"
#include "tsize/layout.hpp"
#include "tsize/memory.hpp"
#include "tsize/step_time.hpp"

namespace tsize {

// What the search ranks by. With one GPU count and a fixed global batch the three agree (a step
// moves the same tokens on the same GPUs); over several GPU counts cost weighs the GPUs.
enum class Objective { kTime, kCost, kTokensPerSecond };

template <>
struct ChoiceTable<Objective> {
  static constexpr std::string_view kFlag = "--objective";
  static constexpr std::array<Choice<Objective>, 3> kChoices{{
      {Objective::kTime, "time", "time", "the shortest iteration"},
      {Objective::kCost, "cost", "cost", "the fewest GPU-seconds per token"},
      {Objective::kTokensPerSecond, "tokens-per-s", "tokens per second",
       "the most tokens per second of the whole run"},
  }};
};

// The space searched: each dimension fixed to a value, bounded, or free (every value valid for
// the model and the GPU count).
struct PlanSpace {
  std::optional<std::int64_t> tp, pp, vpp, cp, ep, etp, dp, micro_batch;
  std::int64_t max_tp = 0, max_pp = 0, max_cp = 0, max_micro_batch = 0;  // 0: unbounded
  std::optional<bool> sp;
  std::optional<Schedule> schedule;
  std::optional<Recompute> recompute;
  std::vector<int> zero_stages;  // empty: 0 to 3
  std::optional<bool> overlap_grad_reduce, overlap_param_gather, tp_comm_overlap;
};

struct PlanRequest {
  std::int64_t seq = 0;                  // tokens per sequence (resolved)
  std::int64_t global_batch = 0;         // sequences per optimizer step
  std::vector<std::int64_t> gpu_counts;  // one or more N; each layout uses all N
  MemoryOptions options;                 // the recipe; recompute and ZeRO are searched
  ClusterSpec cluster;
  PlanSpace space;
  Objective objective = Objective::kTime;
  std::size_t top = 5;                                   // layouts returned, best first
  Count memory_margin = 0;                               // bytes left free beyond the CUDA context
  AttentionFlops mfu_attention = AttentionFlops::kFull;  // MFU's FLOP convention, as tsize step
  unsigned threads = 0;                                  // 0: every core
  // Called on the calling thread with the fraction of the search done, now and then.
  std::function<void(double)> progress;
};

// One layout of the space: the parallel layout and the recipe choices searched with it.
struct PlanCandidate {
  ResolvedLayout layout;
  std::int64_t micro_batch = 1;
  Recompute recompute = Recompute::kNone;
  int zero = 0;
  StepOptions overlap;
};

// One layout the search priced.
struct PlannedLayout : PlanCandidate {
  Count peak = 0;  // the bounding stage's, per GPU
  StepTime time;
  double objective = 0;  // lower is better: seconds, GPU-seconds per token, or −tokens/s
};

// A point of the Pareto front: no fitting layout is both faster and smaller.
struct ParetoPoint {
  Count peak = 0;
  double iteration_s = 0;
};

struct PlanResult {
  std::int64_t valid = 0;      // layouts of the space the runtime can launch
  std::int64_t evaluated = 0;  // whose memory peak was priced
  std::int64_t fit = 0;        // whose peak fits the capacity
  std::int64_t timed = 0;      // whose step time was priced
  double seconds = 0;          // the search's wall time
  unsigned threads = 1;
  Count capacity = 0;               // per GPU: usable memory less the CUDA context and the margin
  std::vector<PlannedLayout> best;  // at most `top`, best first
  std::vector<ParetoPoint> front;   // by peak, ascending (iteration time descending)
  std::optional<PlannedLayout> smallest;  // the evaluated layout with the smallest peak (untimed)
};

// Searches the space. Throws Error for a request that cannot be searched (no GPUs, a global
// batch below one, a cluster that cannot hold a GPU count, a margin beyond the GPU's memory, a
// GPU without a kernel model); an empty `best` when nothing fits.
PlanResult plan_layouts(const Graph& graph, const PlanRequest& request);

// The valid layouts of the space one by one, without pricing them: the search's enumeration,
// for tests that check it against resolve_layout.
std::vector<PlanCandidate> plan_candidates(const Graph& graph, const PlanRequest& request);

}  // namespace tsize
