// Report — what a command answers: sections of Breakdown trees, scalar facts and assumptions.
//
// Output rows are declared once here; the table, JSON, CSV and Markdown renderers (render.hpp)
// all read the same Report, so the formats cannot disagree.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tsize/activation_estimates.hpp"
#include "tsize/breakdown.hpp"
#include "tsize/checkpoint_files.hpp"
#include "tsize/count.hpp"
#include "tsize/figure.hpp"
#include "tsize/fit.hpp"
#include "tsize/flops.hpp"
#include "tsize/gpus.hpp"
#include "tsize/graph.hpp"
#include "tsize/layout_memory.hpp"
#include "tsize/memory.hpp"
#include "tsize/params.hpp"
#include "tsize/plan.hpp"
#include "tsize/serving_memory.hpp"
#include "tsize/serving_plan.hpp"
#include "tsize/serving_time.hpp"
#include "tsize/step_time.hpp"
#include "tsize/sweep.hpp"
#include "tsize/timing.hpp"
#include "tsize/units.hpp"

namespace tsize {

// Exact units (integers) and measured or derived ones (reals).
enum class Unit {
  kCount,
  kBytes,
  kFlops,  // Count values
  kSeconds,
  kRatio,
  kFlopsPerSecond,
  kPerSecond,
  kMoney,    // real values
  kBoolean,  // a yes/no fact: value 1 or 0, JSON true or false
  kText,     // a word: `text` (a layout's "selective", "interleaved"), a JSON string
};

// One scalar result. `key` is the JSON field name and never changes; `label` is for people.
// Exact quantities are `value`; times, ratios and rates are `real` (set, with a real unit).
struct Fact {
  std::string key;    // "total", "bytes_bf16", "mfu"
  std::string label;  // "total", "bf16 weights"
  Count value = 0;
  Unit unit = Unit::kCount;
  std::string note;  // shown beside the value in tables, e.g. "2 B/param"
  std::optional<double> real;
  std::string text;  // Unit::kText's value

  static Fact of_real(std::string key, std::string label, double v, Unit unit,
                      std::string note = "") {
    Fact f{std::move(key), std::move(label), 0, unit, std::move(note), v, {}};
    return f;
  }
  static Fact of_text(std::string key, std::string label, std::string text) {
    return {std::move(key), std::move(label), 0, Unit::kText, "", std::nullopt, std::move(text)};
  }
};

// Seconds as a breakdown value (a Unit::kSeconds tree holds nanoseconds), rounded; below 0: 0.
Count ns(double seconds);

struct Section {
  std::string key;           // JSON key of the section in `tsize report`, e.g. "params"
  std::string title;         // "Parameters"
  Unit unit = Unit::kCount;  // unit of the breakdown's values (kSeconds: held in nanoseconds)
  std::vector<std::string> columns;  // breakdown value columns = JSON fields, e.g. {"params"}
  int share_column = 0;    // the column whose share of the root a table shows; -1: every column
  bool show_share = true;  // false: no share column (a list of alternatives, not parts)
  Breakdown breakdown;
  std::vector<Fact> facts;
  // --explain: each op's figure by its path (values in `unit`), rendered after the facts.
  std::vector<std::pair<std::string, Figure>> figures;
  std::vector<std::string> assumptions;
  // Exact records, one object each in JSON under `records_key` (a pipeline's stages); tables
  // show them through a section of their own.
  std::string records_key;
  std::vector<std::vector<Fact>> records;
  bool in_json = true;  // false: a table for people whose data JSON has in another section
};

struct Report {
  std::string model;    // preset name or config path
  std::string family;   // HF model_type
  std::string summary;  // describe(spec)
  std::vector<Section> sections;
  bool nested = false;    // JSON nests every section under its key (a sweep, `tsize report`)
  Provenance provenance;  // what the config left to defaults, shown after the sections
};

// The parameter section: tree, totals, bytes per dtype, and the counting rules used.
Section params_section(const ModelSpec& spec, const ParamCounts& counts);

// The FLOP section of one step: tree (forward, backward, step), totals, matmul-only totals,
// per token and per sequence, and the usual approximations with their deviations.
Section flops_section(const Graph& graph, const ParamCounts& params, const FlopCounts& flops);

// One column per sequence length (step FLOPs of each op and its share), for `--seq a,b,c`.
// REQUIRES: runs of the same graph, non-empty.
Section flops_sweep_section(const std::vector<FlopCounts>& runs);

// Utilization of a measured step: tokens/s, achieved FLOP/s, MFU, HFU, and MFU by 6N and PaLM.
Section utilization_section(const FlopCounts& flops, const Cluster& cluster, const Utilization& u);

// A training run: FLOPs (exact and 6ND), wall time, GPU-hours, cost, Chinchilla tokens.
// Where a run's utilization comes from.
enum class MfuSource { kMeasured, kGiven, kDefault, kStepModel };
Section training_section(const FlopCounts& flops, const Cluster& cluster, const TrainingRun& run,
                         MfuSource mfu);

// The compute-optimal model for a FLOP budget (Hoffmann et al. 2022).
Section compute_optimal_section(Count budget_flops, const ComputeOptimal& optimal);

// Step time on a cluster (step_time.hpp): the iteration as a tree of seconds on the bounding
// stage's GPU, each collective's total and exposed seconds, and the memory peak beside it.
struct StepReportInputs {
  const ResolvedLayout& layout;
  const ClusterSpec& cluster;
  const StepTime& time;
  const StepOptions& options;
  const MemoryOptions& memory;
  Count peak = 0;
  Count capacity = 0;  // fit_capacity of the cluster's GPU
};
std::vector<Section> step_sections(const StepReportInputs& in);
// --explain on a step: every figure of the GPU's kernel model and of the cluster's fabrics, with
// what each was fitted to or taken from.
Section explain_step(const ClusterSpec& cluster);

struct ServingReportInputs {
  const ServingMemory& memory;
  const ServingOptions& options;
  const Gpu& gpu;
  std::int64_t context = 0, concurrency = 0, model_context = 0;
  bool concurrency_is_max = false;
  ByteUnits units = ByteUnits::kBinary;
  const ServingTime* time = nullptr;  // the load's time, when the GPU has a kernel model
  const ServingLoad* load = nullptr;
  std::string cluster;  // whose fabric the tensor-parallel all-reduces cross
};
// tsize infer: one GPU's serving memory as a tree, the whole deployment's facts (the time's
// among them when given).
Section serving_section(const ServingReportInputs& in);
// tsize infer --max-tpot: the most sequences within the target, as facts of the serving section.
void add_tpot_target(double max_tpot_s, std::int64_t batch, const std::optional<ServingTime>& time,
                     const ServingLoad& load, Section& serving);
// tsize infer: the seconds of the prefill and of one decode step by kernel class.
Section serving_time_section(const ServingReportInputs& in);
// tsize infer --explain: one decode step's kernels by block, each memory- or compute-bound.
Section decode_kernels_section(const std::vector<BlockKernels>& blocks, const ServingLoad& load,
                               ByteUnits units);
// tsize infer --cheapest: each format's fewest GPUs for the load, the cheapest first (JSON:
// records "deployments").
Section cheapest_section(const std::vector<FormatChoice>& choices, const ServingLoad& load,
                         const Gpu& gpu, ByteUnits units);

// The layout search: what was searched and how much of it fit (JSON: the best layouts as
// records "layouts"), and the best layouts as a table of seconds.
std::vector<Section> plan_sections(const PlanRequest& q, const PlanResult& r, ByteUnits units);
// The best layout against the runner-up, term by term.
Section explain_plan(const PlanResult& r);

// Training memory of one GPU: the peak phase's composition as a tree (activations by op),
// model states, every phase, the closed form beside the exact activations, and the options.
Section memory_section(const Graph& graph, const Workload& w, const MemoryOptions& o,
                       const MemoryCounts& m, const ActivationEstimate& korthikanti);

// The facts every training-memory report gives for one GPU: its states, autocast copies,
// activations, the peak's transient and gradients, the overhead, each phase and the peak.
struct GpuMemoryFacts {
  const ModelStates& states;
  Count autocast_copies = 0, activations = 0;
  std::string_view activations_note;
  Count overhead = 0;
  std::span<const MemoryPhase> phases;
  std::size_t peak_index = 0;
  std::string_view gradients_note;
};
std::vector<Fact> gpu_memory_facts(const GpuMemoryFacts& g);
// The recipe lines every training-memory report starts its assumptions with: bytes per
// parameter, the runtime and its kernels, device, dropout and recomputation.
std::vector<std::string> recipe_assumptions(const MemoryOptions& o);

// Training memory under a parallel layout: the stage that bounds the fit with the fields of
// memory_section, `stage` and every stage as a record (JSON `stages`), then a table of every
// stage for people.
std::vector<Section> layout_memory_sections(const Graph& graph, const Workload& w,
                                            const MemoryOptions& o, const LayoutMemory& m);
// --explain under a layout: every sharding rule with its source.
Section explain_layout(const LayoutMemory& m);
// One column per run (seed 001's table): every memory part at each run's peak, and the peaks.
Section memory_sweep_section(const std::vector<MemoryRun>& runs);

// What fits where: per GPU, the largest micro-batch that fits and the peak's share of memory.
// Each note gives the peak, the usable memory and the margin in `units`.
Section fit_section(const Workload& w, const std::vector<GpuFit>& fits, ByteUnits units);

// Checkpoint size: weights in `dtype`, and optionally the optimizer's states (fp32, as
// model_states counts them: Adafactor factored) and the fp32 master copy; with `actual_bytes`,
// the file's size against the estimate.
Section checkpoint_section(const Graph& graph, Dtype dtype, bool with_optimizer,
                           Optimizer optimizer, std::optional<Count> actual_bytes);

// A released checkpoint's stored tensors (headers only) beside tsize's count: stored values and
// bytes per dtype, how many of them the graph places, and the tensors it does not, by reason.
Section stored_checkpoint_section(const Graph& graph, const ParamCounts& params,
                                  const StoredCheckpoint& stored);

// A report with the model's heading and no sections yet.
Report report_heading(const ModelSpec& spec);

// The cluster `tsize report` assumes for its time section.
inline constexpr const char* kReportGpu = "H100-SXM";
inline constexpr std::int64_t kReportGpus = 8;
// The MFU every command assumes when none is given or measured (report, compare, train): a
// stated default, typical of well-tuned dense training on H100s (Llama 3 reports 38-43 %,
// arXiv:2407.21783 Table 4).
inline constexpr double kDefaultMfu = 0.4;
inline constexpr double kReportMfu = kDefaultMfu;

// `tsize report`: every section tsize can compute for the model, for workload w (FLOPs of one
// step with the default options; training time on kReportGpus × kReportGpu at kReportMfu); with
// explain, every op's parameters, FLOPs and saved bytes with their formulas.
Report full_report(const Graph& graph, const Workload& w = {}, bool explain = false,
                   ByteUnits units = ByteUnits::kBinary);

}  // namespace tsize
