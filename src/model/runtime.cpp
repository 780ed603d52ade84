#include "tsize/runtime.hpp"

#include <fmt/format.h>

namespace tsize {
namespace {

// Each profile's kernels, with the code that sets them.
constexpr std::array<RuntimeProfile, 5> kProfiles{{
    {Runtime::kTransformers,
     {AttentionImpl::kEager, LossImpl::kEager, NormImpl::kEager, OptimizerImpl::kFused,
      /*transformers_code=*/true},
     "transformers' modeling code, attn_implementation=\"eager\": attention scores materialized, "
     "RMSNorm a Python composite, ForCausalLMLoss's eager cross-entropy; the Trainer's default "
     "optimizer adamw_torch_fused (torch >= 2.8)"},
    {Runtime::kTransformersSdpa,
     {AttentionImpl::kFlash, LossImpl::kEager, NormImpl::kEager, OptimizerImpl::kFused,
      /*transformers_code=*/true},
     "transformers' modeling code, attn_implementation=\"sdpa\": "
     "torch.nn.functional.scaled_dot_product_attention's fused kernels; the rest as eager"},
    {Runtime::kNanoGpt,
     {AttentionImpl::kEager, LossImpl::kEager, NormImpl::kEager, OptimizerImpl::kFused},
     "karpathy/nanoGPT model.py: its manual attention (PyTorch < 2.0, as in "
     "tests/data/pytorch-nanogpt.json; on PyTorch >= 2.0 it calls SDPA: --attention flash), "
     "F.cross_entropy, nn.LayerNorm, AdamW(fused=True) on CUDA"},
    {Runtime::kMegatron,
     {AttentionImpl::kFlash, LossImpl::kEager, NormImpl::kFused, OptimizerImpl::kFused, false,
      true},
     "Megatron-Core with Transformer Engine: fused attention and norms, the vocab-parallel "
     "cross-entropy (an fp32 softmax of the logits saved, as eager), a fused distributed Adam"},
    {Runtime::kCompiled,
     {AttentionImpl::kFlash, LossImpl::kFused, NormImpl::kFused, OptimizerImpl::kFused},
     "torch.compile over the model: SDPA attention, Inductor-fused cross-entropy and norms "
     "(nanoGPT's train.py compiles by default)"},
}};

}  // namespace

const RuntimeProfile& runtime_profile(Runtime r) { return kProfiles[static_cast<std::size_t>(r)]; }

Runtime default_runtime(bool from_config) {
  return from_config ? Runtime::kTransformersSdpa : Runtime::kNanoGpt;
}

RuntimeKnobs resolve_knobs(Runtime r, const KnobOverrides& o) {
  RuntimeKnobs k = runtime_profile(r).knobs;
  if (o.attention) k.attention = *o.attention;
  if (o.loss) k.loss = *o.loss;
  if (o.rmsnorm) k.rmsnorm = *o.rmsnorm;
  if (o.optimizer) k.optimizer = *o.optimizer;
  return k;
}

std::vector<std::string> describe_knobs(Runtime r, const KnobOverrides& o) {
  const RuntimeKnobs k = resolve_knobs(r, o);
  auto line = [&](auto value, bool given) {
    using E = decltype(value);
    return fmt::format("{} {} ({})", ChoiceTable<E>::kFlag, to_string(value),
                       given ? "given" : std::string("set by --runtime ") + to_string(r));
  };
  return {
      fmt::format("--runtime {}: {}", to_string(r), runtime_profile(r).source),
      line(k.attention, o.attention.has_value()),
      line(k.loss, o.loss.has_value()),
      line(k.rmsnorm, o.rmsnorm.has_value()),
      line(k.optimizer, o.optimizer.has_value()),
  };
}

}  // namespace tsize
