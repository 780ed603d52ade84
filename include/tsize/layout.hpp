// Layout — how a training run splits a model over GPUs: tensor (and sequence), pipeline,
// context, expert and data parallelism, the pipeline schedule, and the batch.
//
// The ranks form a grid T·P·C·D (Megatron-Core's order: tensor, context, data within a pipeline
// stage). Experts are split over E ranks carved out of the T·C·D ranks of a stage, each with an
// expert-tensor-parallel size ETP (Megatron-Core's "MoE parallel folding": E·ETP divides T·C·D).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "tsize/choices.hpp"
#include "tsize/model.hpp"
#include "tsize/workload.hpp"

namespace tsize {

// The pipeline schedule: which micro-batches a stage holds activations for at its peak.
//   k1F1B:        PipeDream-Flush (Narayanan et al. 2021 §2.2): stage i holds min(P − i, m).
//   kInterleaved: V model chunks per stage (Narayanan et al. 2021 §2.2.1), Megatron's warm-up.
//   kGPipe:       every forward before any backward (Huang et al. 2019): all m micro-batches.
enum class Schedule { k1F1B, kInterleaved, kGPipe };

template <>
struct ChoiceTable<Schedule> {
  static constexpr std::string_view kFlag = "--schedule";
  static constexpr std::array<Choice<Schedule>, 3> kChoices{{
      {Schedule::k1F1B, "1f1b", "1F1B",
       "one forward, one backward: stage i holds P − i micro-batches"},
      {Schedule::kInterleaved, "interleaved", "interleaved 1F1B",
       "V model chunks per stage (--vpp): a smaller bubble, more in flight on the first stage"},
      {Schedule::kGPipe, "gpipe", "GPipe", "all forwards, then all backwards: m micro-batches"},
  }};
};

struct Layout {
  std::int64_t tp = 1;   // tensor parallel ranks (T)
  bool sp = false;       // sequence parallel over the T ranks (Korthikanti et al. 2022 §4.2.2)
  std::int64_t pp = 1;   // pipeline stages (P)
  std::int64_t vpp = 1;  // model chunks per stage (V, the interleaved schedule)
  Schedule schedule = Schedule::k1F1B;
  std::int64_t cp = 1;            // context parallel ranks (C): the sequence split in 2·C chunks
  std::int64_t ep = 1;            // expert parallel ranks (E)
  std::int64_t etp = 0;           // expert tensor parallel ranks; 0: T
  std::int64_t dp = 0;            // data parallel ranks (D); 0: from gpus
  std::int64_t gpus = 0;          // total (N = T·P·C·D); 0: from dp
  std::int64_t global_batch = 0;  // sequences per optimizer step; 0: micro-batch · D · grad-accum
  // An uneven pipeline (Megatron's --decoder-first/last-pipeline-num-layers): the first and last
  // stages' layers, the rest split evenly over the other stages; 0: even.
  std::int64_t first_stage_layers = 0, last_stage_layers = 0;

  std::int64_t expert_tp() const { return etp > 0 ? etp : tp; }
  std::int64_t model_parallel() const { return tp * pp * cp; }
  bool trivial() const { return tp == 1 && pp == 1 && cp == 1 && ep == 1 && expert_tp() == 1; }
};

// A layout made whole: D and N from each other, the micro-batches per step m.
struct ResolvedLayout {
  Layout layout;
  std::int64_t micro_batches = 1;  // m = global batch / (micro-batch · D): per step, per pipeline
  std::int64_t dense_shard = 1;    // ranks ZeRO shards dense states over: D·C
  std::int64_t expert_shard = 1;   // ranks ZeRO shards expert states over: T·C·D / (E·ETP)
};

// Checks a layout against a model and a workload (resolved), collecting every problem: splits
// that do not divide what they split (heads, KV heads, FFN, experts, layers over P·V, the
// sequence over 2·C and over T with SP), N ≠ T·P·C·D, SP without TP, a global batch that the
// micro-batch and D do not divide, and interleaving without V > 1 (and the reverse).
// `eager_attention`: context parallelism needs a fused attention kernel. Throws Error.
ResolvedLayout resolve_layout(const ModelSpec& spec, const Workload& w, Layout layout,
                              bool eager_attention);

// resolve_layout without messages: the resolved layout, or nothing when resolve_layout would
// throw (the layout search's filter, so that both accept exactly the same layouts).
std::optional<ResolvedLayout> try_resolve_layout(const ModelSpec& spec, const Workload& w,
                                                 const Layout& layout, bool eager_attention);

// The layers [first, last) of chunk `chunk` of stage `stage`, L layers in all. REQUIRES: r
// resolved for a model of L layers.
std::pair<std::int64_t, std::int64_t> chunk_layers(const Layout& l, std::int64_t layers,
                                                   std::int64_t stage, std::int64_t chunk);

// "TP 2 (SP) · PP 4 (interleaved, V 2) · CP 1 · EP 8 · DP 4 = 64 GPUs".
std::string describe(const ResolvedLayout& r);

}  // namespace tsize
