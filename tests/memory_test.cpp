// Training memory: saved activations against PyTorch (nanoGPT), model states by recipe, ZeRO,
// and seed 001's measured peaks.
#include "tsize/memory.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "test_util.hpp"
#include "tsize/activation_estimates.hpp"
#include "tsize/activations.hpp"
#include "tsize/overrides.hpp"
#include "tsize/report.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

Workload workload(std::int64_t batch, std::int64_t seq, std::int64_t grad_accum = 1) {
  Workload w;
  w.batch = batch;
  w.seq = seq;
  w.grad_accum = grad_accum;
  return w;
}

// The nanoGPT records ran karpathy/nanoGPT's model.py on CPU: runtime nanogpt, --device cpu.
MemoryOptions nanogpt_record_options(const nlohmann::json& r) {
  MemoryOptions o;
  o.runtime = Runtime::kNanoGpt;
  o.device = Device::kCpu;
  o.precision = r["dtype"] == "float32" ? Precision::kFp32 : Precision::kAmpBf16;
  o.dropout = r["dropout"].get<double>();
  return o;
}

// shared/reference/pytorch-nanogpt.json: bytes autograd saved (storages once, parameters and
// autocast weight copies excluded) for every record, on CPU, fp32 or bf16 autocast, dropout 0
// or 0.1. tsize --runtime nanogpt --device cpu must reproduce each exactly, and per layer.
TEST(SavedActivations, MatchPyTorchOnEveryNanoGptRecord) {
  for (const auto& r : test::nanogpt_records()) {
    const auto& c = r["config"];
    const Graph g = build_graph(test::nanogpt_spec(c));
    const MemoryOptions o = nanogpt_record_options(r);
    const Workload w = resolve_workload(g.spec, workload(r["batch"], r["seq"]));
    const std::string what = c["name"].get<std::string>() + " b=" + r["batch"].dump() +
                             " s=" + r["seq"].dump() + " " + r["dtype"].get<std::string>() +
                             " dropout=" + r["dropout"].dump();
    const MemoryCounts m = count_memory(g, w, o);
    EXPECT_EQ(m.activations.total, r["saved_bytes"].get<std::uint64_t>()) << what;
    ASSERT_EQ(g.blocks[1].name, "layers");
    EXPECT_EQ(m.activations.per_block[1], r["saved_bytes_per_layer"][0].get<std::uint64_t>())
        << what;
    if (r.contains("saved_bytes_by_category") &&
        r["saved_bytes_by_category"].contains("param_cast")) {
      EXPECT_EQ(m.activations.autocast_weight_copies,
                r["saved_bytes_by_category"]["param_cast"].get<std::uint64_t>())
          << what;
    }
  }
}

// The records' saved_breakdown, line by line: their (module, grad_fn, slot) lines summed per
// nanoGPT module equal tsize's bytes of the op that module is, for every record.
TEST(SavedActivations, MatchPyTorchPerModuleOnEveryNanoGptRecord) {
  // nanoGPT module → tsize op path (the attention module's own lines are the attention core;
  // dropout modules are charged where tsize charges their mask).
  const std::vector<std::pair<std::string, std::string>> modules = {
      {"transformer.wte", "embedding/token"},
      {"transformer.drop", "embedding/token"},
      {"transformer.wpe", "embedding/position"},
      {"transformer.h.*.ln_1", "layers/norms/attn_norm"},
      {"transformer.h.*.attn.c_attn", "layers/attention/qkv_proj"},
      {"transformer.h.*.attn.c_proj", "layers/attention/o_proj"},
      {"transformer.h.*.attn.attn_dropout", "layers/attention/core"},
      {"transformer.h.*.attn.resid_dropout", "layers/residual/attn_add"},
      {"transformer.h.*.attn", "layers/attention/core"},
      {"transformer.h.*.ln_2", "layers/norms/mlp_norm"},
      {"transformer.h.*.mlp.c_fc", "layers/mlp/up_proj"},
      {"transformer.h.*.mlp.gelu", "layers/mlp/act"},
      {"transformer.h.*.mlp.c_proj", "layers/mlp/down_proj"},
      {"transformer.h.*.mlp.dropout", "layers/residual/mlp_add"},
      {"transformer.ln_f", "final norm/norm"},
      {"lm_head", "lm_head/lm_head"},
      {"<GPT.forward>", "lm_head/cross_entropy"},
  };
  for (const auto& r : test::nanogpt_records()) {
    const Graph g = build_graph(test::nanogpt_spec(r["config"]));
    const MemoryOptions o = nanogpt_record_options(r);
    const Workload w = resolve_workload(g.spec, workload(r["batch"], r["seq"]));
    const SavedActivations saved = saved_activations(g, w, o.activation_options());
    std::map<std::string, Count> ours, theirs;
    std::size_t i = 0;
    for (const Block& b : g.blocks) {
      for (const Op& op : b.ops) {
        const std::string path = b.name + "/" + std::string(op.name());
        ours[path] += saved.per_op.at(i++) * static_cast<std::uint64_t>(b.repeat);
      }
    }
    for (const auto& line : r["saved_breakdown"]) {
      const std::string module = line["module"];
      const auto it = std::find_if(modules.begin(), modules.end(),
                                   [&](const auto& m) { return m.first == module; });
      ASSERT_NE(it, modules.end()) << module;
      std::string path = it->second;
      path = path.substr(0, path.find('/')) + path.substr(path.rfind('/'));  // block/op
      theirs[path] += line["bytes"].get<std::uint64_t>();
    }
    EXPECT_GE(theirs.size(), 12u);  // every module of the model has its line
    for (const auto& [path, bytes] : theirs) {
      EXPECT_EQ(ours[path], bytes)
          << path << " in " << r["config"]["name"] << " b=" << r["batch"] << " s=" << r["seq"]
          << " " << r["dtype"] << " dropout " << r["dropout"];
    }
  }
}

}  // namespace
}  // namespace tsize

namespace tsize {
namespace {

MemoryCounts memory_of(const std::string& preset, const Workload& w, const MemoryOptions& o) {
  const Graph g = build_graph(load_preset(preset));
  return count_memory(g, resolve_workload(g.spec, w), o);
}

// Bytes per parameter that the usual recipes quote: 16 (fp32 or autocast + Adam), 16 (ZeRO's
// mixed precision 2 + 2 + 12), 18 (with fp32 gradients), 8 (pure bf16 with bf16 Adam states).
TEST(ModelStates, BytesPerParameterOfEachRecipe) {
  auto total = [](Precision p, Optimizer opt) {
    const StateBytes b = state_bytes_per_param(p, opt);
    return b.weights + b.gradients + b.master + b.optimizer;
  };
  EXPECT_EQ(total(Precision::kFp32, Optimizer::kAdamW), 16);
  EXPECT_EQ(total(Precision::kAmpBf16, Optimizer::kAdamW), 16);
  EXPECT_EQ(total(Precision::kMixedBf16, Optimizer::kAdamW), 16);
  EXPECT_EQ(total(Precision::kMixedBf16Fp32Grads, Optimizer::kAdamW), 18);
  EXPECT_EQ(total(Precision::kBf16, Optimizer::kAdamW), 8);
  EXPECT_EQ(total(Precision::kFp32, Optimizer::kSgd), 8);
  EXPECT_EQ(total(Precision::kFp32, Optimizer::kSgdMomentum), 12);
  EXPECT_EQ(total(Precision::kFp32, Optimizer::kLion), 12);
  EXPECT_NEAR(total(Precision::kFp32, Optimizer::kAdam8bit), 10.0 + 8.0 / 2048, 1e-12);
}

TEST(ModelStates, GptXlAdamStatesAndAdafactorFactoring) {
  MemoryOptions o;  // fp32 AdamW: 4 + 4 + 8 bytes per parameter
  const MemoryCounts m = memory_of("gpt2-xl", workload(1, 1024), o);
  EXPECT_EQ(m.states.weights, 4 * Count{1'557'611'200});
  EXPECT_EQ(m.states.optimizer, 8 * Count{1'557'611'200});
  // Adafactor keeps rows + columns per matrix: for GPT-2 small's c_fc (768 × 3072) that is
  // 3840 values instead of 2,359,296; overall far below one value per parameter.
  o.optimizer = Optimizer::kAdafactor;
  const MemoryCounts a = memory_of("gpt2", workload(1, 1024), o);
  EXPECT_LT(a.states.optimizer, 4 * Count{1'000'000});
  EXPECT_GT(a.states.optimizer, 0);
}

TEST(ModelStates, ZeroThreeShardsEveryStateEvenly) {
  MemoryOptions o;
  o.precision = Precision::kMixedBf16;
  const MemoryCounts one = memory_of("llama-3-8b", workload(1, 1024), o);
  for (int stage = 1; stage <= 3; ++stage) {
    o.zero_stage = stage;
    o.gpus = 8;
    const MemoryCounts z = memory_of("llama-3-8b", workload(1, 1024), o);
    // Per-GPU shard × GPUs = the unsharded state (8,030,261,248 parameters divide by 8).
    EXPECT_EQ(z.states.optimizer * 8, one.states.optimizer) << stage;
    EXPECT_EQ(z.states.master_weights * 8, one.states.master_weights) << stage;
    EXPECT_EQ(z.states.gradients * (stage >= 2 ? 8 : 1), one.states.gradients) << stage;
    EXPECT_EQ(z.states.weights * (stage >= 3 ? 8 : 1), one.states.weights) << stage;
    EXPECT_EQ(z.activations.total, one.activations.total) << stage;
    // ZeRO-3 runs each layer on its gathered weights: two layers' weights and one layer's
    // gradients, unsharded, in bf16. Llama-3-8B's layer: q and o 4096², k and v 4096·1024, the
    // MLP 3·4096·14336 and two norms 2·4096: 218,112,000 parameters.
    const Count layer = 2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336 + 2 * 4096;
    EXPECT_EQ(layer, 218'112'000u);
    EXPECT_EQ(z.states.gathered_weights, stage == 3 ? 3 * layer * 2 : 0) << stage;
    EXPECT_EQ(z.peak_phase().bytes(MemoryPart::kGatheredWeights), z.states.gathered_weights);
  }
}

TEST(Activations, ScaleLinearlyInBatchBesidesPerStepConstants) {
  MemoryOptions o;
  o.kernels.attention = AttentionImpl::kFlash;  // no s² mask: linear in b but for constants:
  // the flash RNG state (16 bytes per layer), the loss's scalar weight (4 bytes) and the RoPE
  // cos and sin tables, fp32 [s, 128] each, shared by the batch.
  // From batch 2: at batch 1 the loss's shifted labels are a view of the padded [1, s + 1]
  // labels (8 bytes more than linear), above a [b, s] copy.
  const Count constant = 32 * 16 + 4 + 2 * 2048 * 128 * 4;
  const Count two = memory_of("llama-3-8b", workload(2, 2048), o).activations.total - constant;
  EXPECT_EQ(memory_of("llama-3-8b", workload(6, 2048), o).activations.total - constant, 3 * two);
}

TEST(Activations, SelectiveRecomputeDropsTheScoresAndFullKeepsLayerInputs) {
  MemoryOptions o;
  o.runtime = Runtime::kNanoGpt;  // masked_fill: the bool mask is saved
  const MemoryCounts none = memory_of("gpt2", workload(2, 1024), o);
  o.recompute = Recompute::kSelective;
  const MemoryCounts selective = memory_of("gpt2", workload(2, 1024), o);
  // Per layer: scale scalar 8, mask s², probabilities 4·b·a·s² (fp32, no dropout).
  const Count s = 1024, scores = 8 + s * s + 4 * 2 * 12 * s * s;
  EXPECT_EQ(none.activations.total - selective.activations.total, 12 * scores);
  o.recompute = Recompute::kFull;
  const MemoryCounts full = memory_of("gpt2", workload(2, 1024), o);
  // Full: each of the 12 layers keeps only its input, fp32 b·s·h; outside the layers as before.
  const Graph g = build_graph(load_preset("gpt2"));
  const Count per_layer = none.activations.per_block[1];
  const Count kept = 4 * 2 * 1024 * 768;
  EXPECT_EQ(full.activations.total, none.activations.total - 12 * (per_layer - kept));
  EXPECT_EQ(full.activations.checkpoints, 12 * kept);
  EXPECT_EQ(full.activations.recomputed_layer, per_layer - kept);
}

// transformers' LlamaRMSNorm in eager mode saves its input in fp32 (a copy when the input is
// bf16), the rsqrt and the normalized input; a fused kernel saves the input and the rsqrt.
TEST(Activations, EagerRmsNormSavesMoreThanAFusedKernel) {
  MemoryOptions o;
  o.precision = Precision::kMixedBf16;  // bf16 residual stream: the fp32 copy is a new tensor
  const MemoryCounts eager = memory_of("llama-3-8b", workload(1, 1024), o);
  o.kernels.rmsnorm = NormImpl::kFused;
  const MemoryCounts fused = memory_of("llama-3-8b", workload(1, 1024), o);
  // Per RMSNorm over n·h: eager 4·n·h + 4·n + 2·n·h, fused 2·n·h + 4·n; 2 per layer + final.
  const Count n = 1024, h = 4096;
  EXPECT_EQ(eager.activations.total - fused.activations.total, (2 * 32 + 1) * (4 * n * h));
}

// Seed 000's method: Korthikanti et al.'s s·b·h·(34 + 5·a·s/h) bytes per layer gives
// 256.50 GiB for GPT-3 175B at s = 2048, b = 1: 96 · 2048 · 12288 · 114 = 275,414,777,856.
TEST(Activations, KorthikantiClosedFormForGpt3) {
  Workload w = workload(1, 2048);
  EXPECT_EQ(korthikanti_activations(load_preset("gpt3-175b"), w), Count{275'414'777'856});
}

// Seed 001's measurement: GPT-2 small, seq 1024, flash attention, bf16 autocast, AdamW, peak
// MiB at batch 1…32. Predicted within 3 % each (docs/memory-vs-measured.md explains the rest).
TEST(PeakMemory, PredictsSeed001MeasuredPeaksWithinThreePercent) {
  MemoryOptions o;
  o.precision = Precision::kAmpBf16;
  o.runtime = Runtime::kCompiled;  // nanoGPT's train.py compiles: SDPA, fused loss
  const std::pair<std::int64_t, double> measured[] = {{1, 2269}, {2, 2870},   {4, 3918},
                                                      {8, 6012}, {16, 10206}, {32, 18595}};
  for (const auto& [batch, mib] : measured) {
    const double predicted =
        to_double(memory_of("gpt2", workload(batch, 1024), o).peak()) / (1 << 20);
    EXPECT_NEAR(predicted / mib, 1.0, 0.03) << "batch " << batch << ": " << predicted << " MiB";
  }
}

TEST(MemoryErrors, ImpossibleCombinations) {
  MemoryOptions o;
  o.dropout = 1.0;
  EXPECT_THAT([&] { memory_of("gpt2", workload(1, 64), o); },
              ThrowsMessage<Error>(HasSubstr("--dropout 1: expected a probability in [0, 1)")));
  o.dropout = 0;
  o.zero_stage = 2;
  EXPECT_THAT([&] { memory_of("gpt2", workload(1, 64), o); },
              ThrowsMessage<Error>(HasSubstr("--zero 2 shards states over data-parallel GPUs")));
  o.zero_stage = 4;
  o.gpus = 8;
  EXPECT_THAT([&] { memory_of("gpt2", workload(1, 64), o); },
              ThrowsMessage<Error>(HasSubstr("--zero 4: expected a stage 0, 1, 2 or 3")));
  EXPECT_THROW(parse_choice<Optimizer>("adagrad"), Error);
}

}  // namespace
}  // namespace tsize

namespace tsize {
namespace {

using ::testing::HasSubstr;

Workload workload_of(std::int64_t batch, std::int64_t seq) {
  Workload w;
  w.batch = batch;
  w.seq = seq;
  return w;
}

MemoryCounts count_preset(const std::string& preset, const Workload& w, const MemoryOptions& o) {
  const Graph g = build_graph(load_preset(preset));
  return count_memory(g, resolve_workload(g.spec, w), o);
}

// Every phase is the sum of its parts, and the peak is the first largest phase.
TEST(Phases, EachIsANamedSumAndThePeakIsTheLargest) {
  for (const Recompute r : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
    MemoryOptions o;
    o.recompute = r;
    o.kernels.optimizer = OptimizerImpl::kForeach;
    const MemoryCounts m = count_preset("llama-3-8b", workload_of(2, 1024), o);
    ASSERT_EQ(m.phases.size(), r == Recompute::kFull ? 4u : 3u);
    Count largest = 0;
    for (const MemoryPhase& p : m.phases) {
      Count sum = 0;
      for (const PhasePart& part : p.parts()) sum += part.bytes;
      EXPECT_EQ(sum, p.total) << phase_info(p.phase).name;
      largest = std::max(largest, p.total);
    }
    EXPECT_EQ(m.peak(), largest);
    // What lives through the step is in every phase.
    for (const MemoryPhase& p : m.phases) {
      EXPECT_EQ(p.bytes(MemoryPart::kWeights), m.states.weights);
      EXPECT_EQ(p.bytes(MemoryPart::kOptimizerStates), m.states.optimizer);
    }
  }
}

// torch.optim's foreach Adam: exp_avg_sq_sqrt = torch._foreach_sqrt(exp_avg_sqs), one fp32 value
// per parameter beside every state and gradient. For GPT-2 small in fp32 that step holds
// 4 (weights) + 8 (Adam) + 4 (gradients) + 4 (the temporary) = 20 bytes per parameter, more
// than backward's peak at batch 1, seq 64.
TEST(Phases, ForeachAdamsTemporaryMakesTheOptimizerStepThePeak) {
  MemoryOptions o;
  const MemoryCounts fused = count_preset("gpt2", workload_of(1, 64), o);
  EXPECT_EQ(fused.states.optimizer_temporaries, 0);
  o.kernels.optimizer = OptimizerImpl::kForeach;
  const MemoryCounts foreach = count_preset("gpt2", workload_of(1, 64), o);
  const Count n = 124'439'808;
  EXPECT_EQ(foreach.states.optimizer_temporaries, 4 * n);
  EXPECT_EQ(foreach.peak_phase().phase, Phase::kOptimizerStep);
  EXPECT_EQ(foreach.peak(), 20 * n);
  // Under ZeRO-1 the optimizer runs on its shard only.
  o.zero_stage = 1;
  o.gpus = 4;
  EXPECT_EQ(count_preset("gpt2", workload_of(1, 64), o).states.optimizer_temporaries, n);
}

TEST(Phases, FullRecomputationHoldsCheckpointsAndOneLayerAgain) {
  MemoryOptions o;
  o.recompute = Recompute::kFull;
  const MemoryCounts m = count_preset("gpt2", workload_of(4, 1024), o);
  const MemoryPhase& layer = m.phases[1];
  ASSERT_EQ(layer.phase, Phase::kRecomputedLayer);
  EXPECT_EQ(layer.bytes(MemoryPart::kActivations), m.activations.checkpoints);
  EXPECT_EQ(layer.bytes(MemoryPart::kRecomputedLayer), m.activations.recomputed_layer);
  EXPECT_EQ(layer.bytes(MemoryPart::kGradients), m.states.gradients);
  EXPECT_EQ(m.activations.checkpoints, 12 * Count{4} * 1024 * 768 * 4);  // 12 layer inputs, fp32
}

// The runtime sets every kernel; a flag given apart wins, and the report says which did what.
TEST(Runtime, ProfilesSetTheKernelsAndFlagsOverrideThem) {
  const RuntimeKnobs compiled = runtime_profile(Runtime::kCompiled).knobs;
  EXPECT_EQ(compiled.attention, AttentionImpl::kFlash);
  EXPECT_EQ(compiled.loss, LossImpl::kFused);
  EXPECT_EQ(compiled.rmsnorm, NormImpl::kFused);
  EXPECT_EQ(runtime_profile(Runtime::kTransformers).knobs.attention, AttentionImpl::kEager);
  EXPECT_EQ(runtime_profile(Runtime::kTransformersSdpa).knobs.attention, AttentionImpl::kFlash);
  EXPECT_EQ(runtime_profile(Runtime::kMegatron).knobs.rmsnorm, NormImpl::kFused);
  // The default recipe: a config trains with transformers' default attention, SDPA.
  EXPECT_EQ(default_runtime(true), Runtime::kTransformersSdpa);
  EXPECT_EQ(default_runtime(false), Runtime::kNanoGpt);
  KnobOverrides given;
  given.attention = AttentionImpl::kEager;
  EXPECT_EQ(resolve_knobs(Runtime::kCompiled, given).attention, AttentionImpl::kEager);
  EXPECT_EQ(resolve_knobs(Runtime::kCompiled, given).loss, LossImpl::kFused);
  const std::vector<std::string> lines = describe_knobs(Runtime::kCompiled, given);
  EXPECT_THAT(lines[0], HasSubstr("--runtime compiled: torch.compile"));
  EXPECT_EQ(lines[1], "--attention eager (given)");
  EXPECT_EQ(lines[2], "--loss fused (set by --runtime compiled)");
}

// The fused loss keeps the logits (bf16) and a log-sum-exp instead of fp32 log-probabilities:
// per token 2·V + 4 instead of 4·V + 4 (the weight scalar aside) — what compiled saves less.
TEST(Runtime, CompiledSavesTheFusedLossInsteadOfLogProbabilities) {
  MemoryOptions o;
  o.precision = Precision::kAmpBf16;
  o.runtime = Runtime::kTransformersSdpa;
  const MemoryCounts sdpa = count_preset("gpt2", workload_of(2, 1024), o);
  o.runtime = Runtime::kCompiled;
  const MemoryCounts compiled = count_preset("gpt2", workload_of(2, 1024), o);
  const Count n = 2 * 1024, v = 50257;
  // transformers' eager loss: n·V·4 + n·8 (ForCausalLMLoss pads the labels by one; at batch 2
  // the shifted slice is a contiguous copy of n labels) + 4; fused: n·V·2 + n·4 + n·8. And
  // transformers' gelu_new is a Python composite: on CUDA autocast pow runs in fp32, so it keeps x
  // in fp32, tanh and 1 + tanh in fp32 and 0.5·x in bf16 (14 bytes per element) and three float64
  // scalars, in each of the 12 layers; compiled, one fused kernel keeps its bf16 input (2 bytes per
  // element).
  const Count gelu_new = 12 * (n * 3072 * (4 + 4 + 4 + 2 - 2) + 3 * 8);
  EXPECT_EQ(sdpa.activations.total - compiled.activations.total, n * v * 2 + 4 - n * 4 + gelu_new);
}

// The largest micro-batch: the extrapolation from b = 1 and 2 is checked, so the answer is
// exact: b fits and b + 1 does not, on every recipe.
TEST(Fit, MaxMicroBatchIsTheLastThatFits) {
  for (const char* preset : {"gpt2", "llama-3-8b", "mixtral-8x7b"}) {
    const Graph g = build_graph(load_preset(preset));
    for (const Recompute r : {Recompute::kNone, Recompute::kFull}) {
      MemoryOptions o;
      o.precision = Precision::kMixedBf16;
      o.zero_stage = 3;
      o.gpus = 64;
      o.recompute = r;
      Workload w = resolve_workload(g.spec, workload_of(1, 1024));
      const Count capacity = Count{80} << 30;
      const std::int64_t b = max_micro_batch(g, w, o, capacity);
      if (b == 0) {
        EXPECT_GT(count_memory(g, w, o).peak(), capacity) << preset;
        continue;
      }
      w.batch = b;
      EXPECT_LE(count_memory(g, w, o).peak(), capacity) << preset << " b=" << b;
      w.batch = b + 1;
      EXPECT_GT(count_memory(g, w, o).peak(), capacity) << preset << " b=" << b;
    }
  }
}

}  // namespace
}  // namespace tsize
