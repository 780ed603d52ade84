// Training memory of one GPU: model states (model_states.hpp) + the tensors saved for backward
// (activations.hpp) + transients, as a list of named phases of a step. Each phase is an explicit
// sum of named parts; the peak is the largest phase. Adding a phase touches no other.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tsize/activations.hpp"
#include "tsize/choices.hpp"
#include "tsize/count.hpp"
#include "tsize/graph.hpp"
#include "tsize/model_states.hpp"
#include "tsize/precision.hpp"
#include "tsize/runtime.hpp"
#include "tsize/workload.hpp"

namespace tsize {

// The default CUDA context: the first CUDA call creates it, taking hundreds of MiB before any
// tensor (723 MiB on an older stack: discuss.pytorch.org "What is the reason for pytorch's GPU
// memory floor"; CUDA >= 11.7 loads modules lazily and takes less). A stated default: 512 MiB.
inline constexpr Count kCudaContextBytes = Count{512} << 20;

struct MemoryOptions {
  Precision precision = Precision::kFp32;
  Optimizer optimizer = Optimizer::kAdamW;
  Runtime runtime = Runtime::kTransformers;  // sets the kernels below unless overridden
  KnobOverrides kernels;                     // kernels chosen apart from the runtime
  Device device = Device::kCuda;
  Recompute recompute = Recompute::kNone;
  double dropout = 0;        // in [0, 1): embeddings, attention probabilities, residual branches
  int zero_stage = 0;        // 0-3 (3 = FSDP full sharding)
  std::int64_t gpus = 1;     // data-parallel GPUs that ZeRO shards over
  Count overhead_bytes = 0;  // allocator reserve, fragmentation: added to every phase as stated
  // The CUDA context a process holds beside its tensors: not part of any phase (PyTorch's
  // max_memory_allocated leaves it out), subtracted from a GPU's usable memory when fitting.
  Count cuda_context_bytes = kCudaContextBytes;

  RuntimeKnobs knobs() const { return resolve_knobs(runtime, kernels); }
  ActivationOptions activation_options() const;
  StatesOptions states_options() const;
};

// What memory holds, declared once: every phase is a sum of these, and every table, chart and
// JSON field that lists them reads this list.
enum class MemoryPart {
  kWeights,
  kMasterWeights,
  kOptimizerStates,
  kGradients,
  kGatheredWeights,
  kAutocastCopies,
  kActivations,
  kLossTransient,
  kRecomputedLayer,
  kOptimizerTemporaries,
  kOverhead,
};

struct MemoryPartInfo {
  MemoryPart part;
  std::string_view key;    // JSON field of the sweep sections and charts' series id
  std::string_view label;  // tree rows, sweep rows, chart legends
};

inline constexpr std::array<MemoryPartInfo, 11> kMemoryParts{{
    {MemoryPart::kWeights, "weights", "weights"},
    {MemoryPart::kMasterWeights, "master_weights", "master weights"},
    {MemoryPart::kOptimizerStates, "optimizer", "optimizer states"},
    {MemoryPart::kGradients, "gradients", "gradients"},
    {MemoryPart::kGatheredWeights, "gathered_weights", "gathered weights"},
    {MemoryPart::kAutocastCopies, "autocast_weight_copies", "autocast weight copies"},
    {MemoryPart::kActivations, "activations", "activations"},
    {MemoryPart::kLossTransient, "loss_transient", "loss transient"},
    {MemoryPart::kRecomputedLayer, "recomputed_layer", "recomputed layer"},
    {MemoryPart::kOptimizerTemporaries, "optimizer_temporaries", "optimizer temporaries"},
    {MemoryPart::kOverhead, "overhead", "overhead"},
}};

constexpr const MemoryPartInfo& part_info(MemoryPart p) {
  return kMemoryParts[static_cast<std::size_t>(p)];
}

// The moments of a step whose memory can be the peak.
enum class Phase {
  kStartOfBackward,  // every saved tensor, the loss's logits and gradient, the first gradient
  kRecomputedLayer,  // --recompute full: a layer's forward runs again in backward
  kEndOfBackward,    // every gradient, the saved tensors freed
  kOptimizerStep,    // every gradient and the optimizer's temporaries
};

struct PhaseInfo {
  Phase phase;
  std::string_view key;   // JSON: "phase_<key>"
  std::string_view name;  // "start of backward, at the loss gradient"
};

inline constexpr std::array<PhaseInfo, 4> kPhases{{
    {Phase::kStartOfBackward, "start_of_backward", "start of backward, at the loss gradient"},
    {Phase::kRecomputedLayer, "recomputed_layer", "backward of a recomputed layer"},
    {Phase::kEndOfBackward, "end_of_backward", "end of backward, with every gradient"},
    {Phase::kOptimizerStep, "optimizer_step", "optimizer step, with every gradient"},
}};

constexpr const PhaseInfo& phase_info(Phase p) { return kPhases[static_cast<std::size_t>(p)]; }

// One part of a phase, with what it holds there ("first gradient (lm_head)").
struct PhasePart {
  MemoryPart part;
  Count bytes = 0;
  std::string_view note;
};

class MemoryPhase {
 public:
  MemoryPhase() = default;
  explicit MemoryPhase(Phase which) : phase(which) {}

  // Adds `bytes` of `part` (with what it holds there); zero bytes add nothing.
  MemoryPhase& add(MemoryPart part, Count bytes, std::string_view note = {});

  // The bytes of `part` in this phase (0 if absent).
  Count bytes(MemoryPart part) const { return bytes_[static_cast<std::size_t>(part)]; }
  // The parts it holds, in kMemoryParts order; zero parts left out.
  std::vector<PhasePart> parts() const;

  Phase phase = Phase::kStartOfBackward;
  Count total = 0;

 private:
  std::array<Count, kMemoryParts.size()> bytes_{};
  std::array<std::string_view, kMemoryParts.size()> notes_{};
};

// What a step's phases are built from: one GPU's states, the saved activations it holds when
// backward starts, and the transients. count_memory and the layout's stages both build their
// phases from this, so a one-GPU layout is today's memory by construction.
struct PhaseInputs {
  ModelStates states;
  Count activations = 0;         // saved when backward starts (every micro-batch in flight)
  Count checkpoints = 0;         // --recompute full: the layers' inputs kept
  Count recomputed_layer = 0;    // --recompute full: one layer re-materialized
  Count autocast_copies = 0;     // or, under fp8, Transformer Engine's FP8 weight caches
  std::string_view copies_note;  // what the copies are, where not autocast's
  // ZeRO-3 / FSDP: a unit's weights are all-gathered to run it; two units' unsharded weights
  // (the one running and the one prefetched: FSDP's BACKWARD_PRE, its rate limiter of two)
  // and one unit's unsharded gradients before their reduce-scatter. A unit is a layer.
  Count gathered_weights = 0;
  Count loss_transient = 0;
  Count overhead = 0;
  bool accumulating = false;    // gradients of earlier micro-batches exist when backward starts
  bool full_recompute = false;  // a phase for the backward of a recomputed layer
  Optimizer optimizer = Optimizer::kAdamW;
};

// The phases in a step's order (3, or 4 with full recomputation) and the largest (the first of
// equals).
struct StepPhases {
  std::array<MemoryPhase, 4> phases;
  std::size_t count = 0;
  std::size_t peak_index = 0;

  const MemoryPhase& peak_phase() const { return phases[peak_index]; }
  Count peak() const { return peak_phase().total; }
};
StepPhases step_phases(const PhaseInputs& in);
// step_phases(in).peak() by arithmetic alone (no parts, no notes): the layout search's hot path.
Count step_peak(const PhaseInputs& in);

struct MemoryCounts {
  ModelStates states;            // one GPU, after ZeRO
  SavedActivations activations;  // one micro-batch
  Count loss_transient = 0;      // at the start of backward: logits + the loss's gradient
  Count overhead = 0;
  std::vector<MemoryPhase> phases;  // in a step's order
  std::size_t peak_index = 0;       // the largest phase (the first of equals)

  const MemoryPhase& peak_phase() const { return phases[peak_index]; }
  Count peak() const { return peak_phase().total; }
};

// The loss's transient at the start of backward, per logit: the logits the caller holds and,
// for the eager loss, the fp32 gradients of the log-probabilities and of the logits.
Count loss_bytes_per_logit(const MemoryOptions& o);

// What the weight copies are under a recipe, for notes ("" for autocast's casts).
std::string_view copies_note(Precision p);

// Throws Error naming every impossible option (dropout outside [0, 1), a ZeRO stage outside
// 0-3, ZeRO without data-parallel GPUs).
void validate_memory_options(const MemoryOptions& o);

// REQUIRES: w resolved. Throws Error for impossible options (ZeRO without GPUs, dropout outside
// [0, 1), ...) and on overflow.
MemoryCounts count_memory(const Graph& graph, const Workload& w, const MemoryOptions& o);

}  // namespace tsize
