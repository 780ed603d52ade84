#include "tsize/memory.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tsize/error.hpp"

namespace tsize {
namespace {

void validate_options(const MemoryOptions& o) {
  std::string problems;
  if (!(o.dropout >= 0 && o.dropout < 1)) {
    problems += fmt::format("\n  --dropout {}: expected a probability in [0, 1)", o.dropout);
  }
  if (o.zero_stage < 0 || o.zero_stage > 3) {
    problems += fmt::format("\n  --zero {}: expected a stage 0, 1, 2 or 3", o.zero_stage);
  }
  if (o.gpus <= 0) problems += fmt::format("\n  --gpus {}: expected a positive integer", o.gpus);
  if (o.zero_stage > 0 && o.gpus == 1) {
    problems += fmt::format(
        "\n  --zero {} shards states over data-parallel GPUs: give --gpus N with N >= 2",
        o.zero_stage);
  }
  if (!problems.empty()) throw Error("not a valid memory setup:" + problems);
}

// What every phase holds: the states that live through the step, and the overhead.
MemoryPhase resident(Phase phase, const PhaseInputs& in) {
  MemoryPhase b(phase);
  b.add(MemoryPart::kWeights, in.states.weights)
      .add(MemoryPart::kMasterWeights, in.states.master_weights, "fp32 copy for the optimizer")
      .add(MemoryPart::kOptimizerStates, in.states.optimizer, to_string(in.optimizer))
      .add(MemoryPart::kOverhead, in.overhead, "CUDA context and allocator, as given");
  return b;
}

// The loss at the start of backward: the logits the caller holds, and the gradient of the loss
// input (eager: fp32 gradients of the log-probabilities and of the logits).
Count loss_transient(const Graph& g, const Workload& w, const MemoryOptions& o) {
  if (g.spec.structure != Structure::kDecoder) return 0;
  const Count logits_elements =
      mul(mul(to_count(w.batch), to_count(w.seq)), to_count(g.spec.vocab), "logits");
  return mul(logits_elements, loss_bytes_per_logit(o), "loss transient");
}

}  // namespace

std::string_view copies_note(Precision p) {
  return p == Precision::kFp8 ? "Transformer Engine's FP8 weights and their transposes" : "";
}

Count loss_bytes_per_logit(const MemoryOptions& o) {
  const Count compute = o.precision == Precision::kFp32 ? 4 : 2;
  if (o.knobs().loss == LossImpl::kFused) return compute;  // the saved logits and their gradient
  return compute + 8;  // and the fp32 gradients of the log-probabilities and of the logits
}

void validate_memory_options(const MemoryOptions& o) { validate_options(o); }

ActivationOptions MemoryOptions::activation_options() const {
  ActivationOptions a;
  a.precision = precision;
  a.kernels = knobs();
  a.device = device;
  a.recompute = recompute;
  a.dropout = dropout;
  return a;
}

StatesOptions MemoryOptions::states_options() const {
  return {precision, optimizer, knobs().optimizer, zero_stage, gpus};
}

MemoryPhase& MemoryPhase::add(MemoryPart part, Count bytes, std::string_view note) {
  if (bytes == 0) return *this;
  const auto i = static_cast<std::size_t>(part);
  bytes_[i] = tsize::add(bytes_[i], bytes, "memory bytes");
  notes_[i] = note;
  total = tsize::add(total, bytes, "memory bytes");
  return *this;
}

std::vector<PhasePart> MemoryPhase::parts() const {
  std::vector<PhasePart> out;
  for (const MemoryPartInfo& info : kMemoryParts) {
    const auto i = static_cast<std::size_t>(info.part);
    if (bytes_[i] > 0) out.push_back({info.part, bytes_[i], notes_[i]});
  }
  return out;
}

StepPhases step_phases(const PhaseInputs& in) {
  StepPhases out;
  auto push = [&out](const MemoryPhase& p) { out.phases[out.count++] = p; };
  const Count all_gradients = in.states.gradients;
  // Backward starts: every saved tensor, the loss's transient and the gradients alive then:
  // all of them under accumulation, else only the first one backward produces (gradients are
  // set to None between steps, PyTorch's default).
  push(resident(Phase::kStartOfBackward, in)
           .add(MemoryPart::kGradients, in.accumulating ? all_gradients : in.states.first_gradient,
                in.accumulating ? "" : "first gradient (lm_head)")
           .add(MemoryPart::kGatheredWeights, in.gathered_weights,
                "two layers' weights and one layer's gradients, unsharded")
           .add(MemoryPart::kAutocastCopies, in.autocast_copies, in.copies_note)
           .add(MemoryPart::kActivations, in.activations)
           .add(MemoryPart::kLossTransient, in.loss_transient));
  // Backward of the first layer under full recomputation: every gradient, the layer inputs
  // kept as checkpoints, and one layer re-materialized (the loss and head are freed by then).
  if (in.full_recompute) {
    push(resident(Phase::kRecomputedLayer, in)
             .add(MemoryPart::kGradients, all_gradients)
             .add(MemoryPart::kGatheredWeights, in.gathered_weights,
                  "two layers' weights and one layer's gradients, unsharded")
             .add(MemoryPart::kAutocastCopies, in.autocast_copies, in.copies_note)
             .add(MemoryPart::kActivations, in.checkpoints,
                  "the layers' inputs, kept for recomputation")
             .add(MemoryPart::kRecomputedLayer, in.recomputed_layer));
  }
  push(resident(Phase::kEndOfBackward, in).add(MemoryPart::kGradients, all_gradients));
  push(resident(Phase::kOptimizerStep, in)
           .add(MemoryPart::kGradients, all_gradients)
           .add(MemoryPart::kOptimizerTemporaries, in.states.optimizer_temporaries,
                "foreach Adam: the square root of v, one value per parameter"));
  for (std::size_t i = 1; i < out.count; ++i) {
    if (out.phases[i].total > out.phases[out.peak_index].total) out.peak_index = i;
  }
  return out;
}

Count step_peak(const PhaseInputs& in) {
  const ModelStates& st = in.states;
  const Count resident = st.weights + st.master_weights + st.optimizer + in.overhead;
  const Count grads = st.gradients;
  const Count transient = in.gathered_weights + in.autocast_copies;
  Count peak = resident + (in.accumulating ? grads : st.first_gradient) + transient +
               in.activations + in.loss_transient;
  if (in.full_recompute) {
    peak = std::max(peak, resident + grads + transient + in.checkpoints + in.recomputed_layer);
  }
  return std::max(peak, resident + grads + st.optimizer_temporaries);  // end of backward ≤ step
}

MemoryCounts count_memory(const Graph& g, const Workload& w, const MemoryOptions& o) {
  validate_options(o);
  MemoryCounts m;
  m.states = model_states(g, o.states_options());
  m.activations = saved_activations(g, w, o.activation_options());
  m.loss_transient = loss_transient(g, w, o);
  m.overhead = o.overhead_bytes;
  const SavedActivations& a = m.activations;
  PhaseInputs in;
  in.states = m.states;
  in.activations = a.total;
  in.checkpoints = a.checkpoints;
  in.recomputed_layer = a.recomputed_layer;
  in.autocast_copies = a.autocast_weight_copies;
  in.gathered_weights = m.states.gathered_weights;
  in.copies_note = copies_note(o.precision);
  in.loss_transient = m.loss_transient;
  in.overhead = m.overhead;
  in.accumulating = w.grad_accum > 1;
  in.full_recompute = o.recompute == Recompute::kFull;
  in.optimizer = o.optimizer;
  const StepPhases p = step_phases(in);
  m.phases.assign(p.phases.begin(), p.phases.begin() + static_cast<std::ptrdiff_t>(p.count));
  m.peak_index = p.peak_index;
  return m;
}

}  // namespace tsize
