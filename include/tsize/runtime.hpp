// Runtime — whose code runs the model, and the kernels that choice implies.
//
// What autograd saves, and which kernels run, depends on the code that runs the model, not on
// the architecture: transformers' eager code materializes attention scores and writes RMSNorm
// as a Python composite; nanoGPT's and Megatron's call fused kernels; torch.compile fuses again.
// A Runtime is a named profile that sets every such knob; each knob can still be set apart
// (`--attention flash` over `--runtime transformers`), and reports list the runtime and every
// knob with where it came from.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "tsize/choices.hpp"

namespace tsize {

// The attention kernel: eager (scores materialized, softmax saved) or fused flash/SDPA
// (q, k, v, output and the log-sum-exp saved).
enum class AttentionImpl { kEager, kFlash };

// The loss: eager cross-entropy saves fp32 log-probabilities (B·T·V·4 bytes); a fused kernel
// (torch.compile, Liger, Apex) saves the logits in the compute dtype and a log-sum-exp.
enum class LossImpl { kEager, kFused };

// RMSNorm as transformers' eager composite (an fp32 copy of the input, rsqrt and the normalized
// input saved) or as a fused kernel (input and rsqrt saved, as LayerNorm's kernel does).
enum class NormImpl { kEager, kFused };

// The optimizer step: a fused kernel updates every state in place; PyTorch's foreach
// implementation (torch.optim's default on CUDA) allocates one temporary the size of the
// parameters for Adam's denominator.
enum class OptimizerImpl { kFused, kForeach };

// Where the step runs: the two places PyTorch on CPU saves differently from CUDA (dropout keeps
// a float noise tensor instead of a 1-byte mask; autocast runs softmax in bf16, not fp32).
enum class Device { kCuda, kCpu };

enum class Runtime { kTransformers, kTransformersSdpa, kNanoGpt, kMegatron, kCompiled };

template <>
struct ChoiceTable<AttentionImpl> {
  static constexpr std::string_view kFlag = "--attention";
  static constexpr std::array<Choice<AttentionImpl>, 2> kChoices{{
      {AttentionImpl::kEager, "eager", "eager", "scores and softmax materialized and saved"},
      {AttentionImpl::kFlash, "flash", "flash",
       "a fused flash/SDPA kernel: q, k, v, output and log-sum-exp saved"},
  }};
};

template <>
struct ChoiceTable<LossImpl> {
  static constexpr std::string_view kFlag = "--loss";
  static constexpr std::array<Choice<LossImpl>, 2> kChoices{{
      {LossImpl::kEager, "eager", "eager", "eager cross-entropy: fp32 log-probabilities saved"},
      {LossImpl::kFused, "fused", "fused",
       "a fused kernel (torch.compile, Liger): logits and a log-sum-exp saved"},
  }};
};

template <>
struct ChoiceTable<NormImpl> {
  static constexpr std::string_view kFlag = "--rmsnorm";
  static constexpr std::array<Choice<NormImpl>, 2> kChoices{{
      {NormImpl::kEager, "eager", "eager",
       "transformers' composite: an fp32 copy, rsqrt and the normalized input saved"},
      {NormImpl::kFused, "fused", "fused", "a fused kernel: input and rsqrt saved"},
  }};
};

template <>
struct ChoiceTable<OptimizerImpl> {
  static constexpr std::string_view kFlag = "--optimizer-impl";
  static constexpr std::array<Choice<OptimizerImpl>, 2> kChoices{{
      {OptimizerImpl::kFused, "fused", "fused", "states updated in place by a fused kernel"},
      {OptimizerImpl::kForeach, "foreach", "foreach",
       "torch.optim's foreach path: Adam allocates a parameter-sized temporary"},
  }};
};

template <>
struct ChoiceTable<Device> {
  static constexpr std::string_view kFlag = "--device";
  static constexpr std::array<Choice<Device>, 2> kChoices{{
      {Device::kCuda, "cuda", "cuda", "a GPU"},
      {Device::kCpu, "cpu", "cpu",
       "PyTorch on CPU: dropout saves float noise, autocast runs softmax in bf16"},
  }};
};

template <>
struct ChoiceTable<Runtime> {
  static constexpr std::string_view kFlag = "--runtime";
  static constexpr std::array<Choice<Runtime>, 5> kChoices{{
      {Runtime::kTransformers, "transformers", "HuggingFace transformers, eager attention",
       "transformers' modeling code with attn_implementation=\"eager\" (config.json default)"},
      {Runtime::kTransformersSdpa, "transformers-sdpa", "HuggingFace transformers, SDPA",
       "transformers' modeling code with attn_implementation=\"sdpa\""},
      {Runtime::kNanoGpt, "nanogpt", "nanoGPT",
       "karpathy/nanoGPT's model.py, its manual attention (the default for models from flags)"},
      {Runtime::kMegatron, "megatron", "Megatron-LM",
       "Megatron-Core with Transformer Engine: fused attention, norms and optimizer"},
      {Runtime::kCompiled, "compiled", "torch.compile",
       "a model under torch.compile: SDPA attention, fused loss and norms"},
  }};
};

// The knobs a runtime sets.
struct RuntimeKnobs {
  AttentionImpl attention = AttentionImpl::kEager;
  LossImpl loss = LossImpl::kEager;
  NormImpl rmsnorm = NormImpl::kEager;
  OptimizerImpl optimizer = OptimizerImpl::kFused;
  // The model runs transformers' modeling code (not nanoGPT's), whose autograd saves differ
  // (docs/memory-vs-measured.md, issue 12): the float causal mask is added, which saves nothing
  // (nanoGPT's masked_fill keeps a bool mask); ForCausalLMLoss pads the labels by one, so
  // nll_loss keeps a view of a b·(s + 1) storage; softmax(dtype=float32) keeps fp32
  // probabilities and, in 16 bits, the copy p·v reads; gelu_new is a Python composite; and the
  // family's own quirks in ModelSpec (GPT-2's mask buffer and scale tensor) apply.
  bool transformers_code = false;
  // Megatron-Core's unfused attention (DotProductAttention, with --attention eager): the scale
  // and the causal mask are inside FusedScaleMaskSoftmax's kernel, which keeps only its output
  // in the compute dtype (fused_softmax.py: ScaledUpperTriangMaskedSoftmax saves
  // softmax_results); no float64 scale, no mask.
  bool megatron_code = false;
};

// A runtime's profile: its knobs and, for each, where the choice comes from.
struct RuntimeProfile {
  Runtime runtime;
  RuntimeKnobs knobs;
  const char* source;  // the code that sets these kernels, for the assumptions
};
const RuntimeProfile& runtime_profile(Runtime r);

// Knobs set apart from the runtime (a flag given on the command line); nullopt: the runtime's.
struct KnobOverrides {
  std::optional<AttentionImpl> attention;
  std::optional<LossImpl> loss;
  std::optional<NormImpl> rmsnorm;
  std::optional<OptimizerImpl> optimizer;
};

// The runtime that runs a model when none is named: transformers for a config.json or preset,
// nanoGPT for a model built from flags alone.
Runtime default_runtime(bool from_config);

// The runtime's knobs with the overrides applied.
RuntimeKnobs resolve_knobs(Runtime r, const KnobOverrides& o);

// One line per knob for the assumptions: "--attention flash (set by --runtime compiled)".
std::vector<std::string> describe_knobs(Runtime r, const KnobOverrides& o);

}  // namespace tsize
