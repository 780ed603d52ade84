// Model states — what a GPU holds for the parameters: weights, gradients, an fp32 master copy
// and the optimizer's states, by precision recipe, optimizer and ZeRO sharding.
#pragma once

#include <array>
#include <cstdint>

#include "tsize/choices.hpp"
#include "tsize/count.hpp"
#include "tsize/graph.hpp"
#include "tsize/precision.hpp"
#include "tsize/runtime.hpp"

namespace tsize {

enum class Optimizer { kAdamW, kAdam, kSgd, kSgdMomentum, kAdafactor, kLion, kAdam8bit };

template <>
struct ChoiceTable<Optimizer> {
  static constexpr std::string_view kFlag = "--optimizer";
  static constexpr std::array<Choice<Optimizer>, 7> kChoices{{
      {Optimizer::kAdamW, "adamw", "AdamW", "two states per parameter (m and v)"},
      {Optimizer::kAdam, "adam", "Adam", "two states per parameter (m and v)"},
      {Optimizer::kSgd, "sgd", "SGD", "no state"},
      {Optimizer::kSgdMomentum, "sgd-momentum", "SGD with momentum", "one momentum"},
      {Optimizer::kAdafactor, "adafactor", "Adafactor",
       "factored second moment: rows + columns per matrix, no first moment"},
      {Optimizer::kLion, "lion", "Lion", "one momentum"},
      {Optimizer::kAdam8bit, "adam-8bit", "8-bit Adam",
       "bitsandbytes: two 1-byte states and an fp32 absmax per 2048-value block"},
  }};
};

struct StatesOptions {
  Precision precision = Precision::kFp32;
  Optimizer optimizer = Optimizer::kAdamW;
  OptimizerImpl optimizer_impl = OptimizerImpl::kFused;
  int zero_stage = 0;     // 0-3 (3 = FSDP full sharding)
  std::int64_t gpus = 1;  // data-parallel GPUs that ZeRO shards over
};

// Bytes per parameter of each model state, unsharded: weights, gradients, master, optimizer
// (Adafactor's factored states are counted from shapes instead: 0 here).
struct StateBytes {
  double weights, gradients, master, optimizer;
};
StateBytes state_bytes_per_param(Precision precision, Optimizer optimizer);

// The states of one GPU, after ZeRO sharding.
struct ModelStates {
  Count weights = 0, gradients = 0, master_weights = 0, optimizer = 0;
  // The first gradient backward produces (lm_head, or the tied embedding: V·h), sharded as the
  // gradients are; 0 for an encoder.
  Count first_gradient = 0;
  // Temporaries of the optimizer step: PyTorch's foreach Adam allocates one parameter-sized
  // buffer (the square root of v) in the states' dtype; fused kernels none.
  Count optimizer_temporaries = 0;
  // ZeRO-3: what running a unit gathers (PhaseInputs::gathered_weights); 0 below stage 3.
  Count gathered_weights = 0;
};

// ZeRO (Rajbhandari et al. 2020, arXiv:1910.02054 §5): stage 1 shards optimizer states (the
// fp32 master included), stage 2 gradients too, stage 3 the weights. Throws Error on overflow.
ModelStates model_states(const Graph& graph, const StatesOptions& options);

// The parameters one rank holds, by the group ZeRO shards them over: dense parameters over the
// data-parallel ranks, routed experts over the expert-data-parallel ranks (Megatron-Core's
// distributed optimizer keeps the two apart).
struct RankParams {
  Count total = 0, trainable = 0;                // sharded over ShardGroups::dense
  Count expert_total = 0, expert_trainable = 0;  // sharded over ShardGroups::expert
  Count adafactor = 0;       // Adafactor's factored state elements (counted from shapes)
  Count first_gradient = 0;  // elements of the first gradient backward makes (lm_head: V·h)
  Count largest_unit = 0;    // the largest layer's parameters on this rank (ZeRO-3's unit)
};
struct ShardGroups {
  std::int64_t dense = 1, expert = 1;
};

// The whole model as one rank holds it without model parallelism.
RankParams whole_model_params(const Graph& graph);

// The states of a rank holding `params`, ZeRO sharding each group over its ranks (options.gpus
// is not read). model_states(g, o) = rank_states(whole_model_params(g), o, {o.gpus, o.gpus}).
ModelStates rank_states(const RankParams& params, const StatesOptions& options, ShardGroups groups);

}  // namespace tsize
