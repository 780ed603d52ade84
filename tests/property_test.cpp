// Invariants over many random valid models (a fixed seed, so failures reproduce).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>

#include "test_util.hpp"
#include "tsize/flops.hpp"
#include "tsize/memory.hpp"
#include "tsize/overrides.hpp"
#include "tsize/render.hpp"
#include "tsize/report.hpp"

namespace tsize {
namespace {

struct RandomModel {
  std::mt19937_64 rng{20261125};
  std::int64_t pick(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  }
  ModelOverrides next() {
    ModelOverrides o;
    const std::int64_t heads = pick(1, 16);
    const std::int64_t kv_divisors[] = {1, heads};
    o.layers = pick(1, 8);
    o.heads = heads;
    o.kv_heads = kv_divisors[pick(0, 1)];
    o.head_dim = 8 * pick(1, 16);
    o.d_model = 16 * pick(1, 64);
    o.d_ff = 16 * pick(1, 256);
    o.vocab = pick(2, 70000);
    o.context = pick(16, 4096);
    o.mlp = static_cast<MlpChoice>(pick(0, 3));
    o.norm = pick(0, 1) ? NormKind::kRMSNorm : NormKind::kLayerNorm;
    o.positions = static_cast<PositionKind>(pick(0, 2));
    o.bias = pick(0, 1) == 1;
    o.tied = pick(0, 1) == 1;
    return o;
  }
};

constexpr int kModels = 200;

TEST(Properties, ParametersGrowWithLayersAndWidth) {
  RandomModel r;
  for (int i = 0; i < kModels; ++i) {
    ModelOverrides o = r.next();
    const Count base = test::count(spec_from_flags(o)).total;
    ModelOverrides deeper = o;
    deeper.layers = *o.layers + 1;
    EXPECT_GT(test::count(spec_from_flags(deeper)).total, base);
    ModelOverrides wider = o;
    wider.d_model = *o.d_model + 16;
    EXPECT_GT(test::count(spec_from_flags(wider)).total, base);
  }
}

// The RoPE table (inv_freq · positions, cos and sin) is computed once per forward for every
// position, shared by the batch and without a backward: what is not linear in the batch.
Count rope_table_flops(const Graph& g, std::int64_t seq) {
  Count f = 0;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      if (op.role == Role::kRotaryTable) f += op_flops(op, 1, seq, AttentionFlops::kFull).forward();
    }
  }
  return f;
}

Count rope_table_bytes(const Graph& g, const Workload& w, const MemoryOptions& o) {
  const SavedActivations a = saved_activations(g, w, o.activation_options());
  Count bytes = 0;
  std::size_t i = 0;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      if (op.role == Role::kRotaryTable) bytes += a.per_op[i];
      ++i;
    }
  }
  return bytes;
}

TEST(Properties, StepIsForwardPlusBackwardAndLinearInBatch) {
  RandomModel r;
  for (int i = 0; i < kModels; ++i) {
    const Graph g = build_graph(spec_from_flags(r.next()));
    Workload w;
    w.seq = std::min<std::int64_t>(g.spec.max_positions, r.pick(1, 512));
    for (const AttentionFlops mode : {AttentionFlops::kFull, AttentionFlops::kCausal}) {
      FlopOptions o;
      o.attention = mode;
      o.recompute = static_cast<Recompute>(r.pick(0, 2));
      w.batch = 1;
      const FlopCounts one = count_flops(g, resolve_workload(g.spec, w), o);
      EXPECT_EQ(one.hardware, one.forward + one.backward + one.recompute);
      EXPECT_EQ(one.breakdown.value(0), one.forward);
      EXPECT_EQ(one.breakdown.value(1), one.backward);
      const Count table = rope_table_flops(g, w.seq);
      EXPECT_EQ(one.backward_matmul, 2 * (one.forward_matmul - table));
      w.batch = 3;
      const FlopCounts three = count_flops(g, resolve_workload(g.spec, w), o);
      EXPECT_EQ(three.hardware - table, 3 * (one.hardware - table));
    }
  }
}

TEST(Properties, CausalNeverExceedsFullAndEqualsItForOneToken) {
  RandomModel r;
  for (int i = 0; i < kModels; ++i) {
    const Graph g = build_graph(spec_from_flags(r.next()));
    Workload w;
    w.seq = std::min<std::int64_t>(g.spec.max_positions, r.pick(1, 512));
    FlopOptions causal;
    causal.attention = AttentionFlops::kCausal;
    const Workload rw = resolve_workload(g.spec, w);
    EXPECT_LE(count_flops(g, rw, causal).model, count_flops(g, rw, {}).model);
    w.seq = 1;
    const Workload one = resolve_workload(g.spec, w);
    EXPECT_EQ(count_flops(g, one, causal).model, count_flops(g, one, {}).model);
  }
}

TEST(Properties, JsonParsesBackAndItsTotalsAreItsTreesSums) {
  RandomModel r;
  for (int i = 0; i < kModels / 4; ++i) {
    const Graph g = build_graph(spec_from_flags(r.next()));
    Workload w;
    w.seq = std::min<std::int64_t>(g.spec.max_positions, 64);
    RenderOptions o{Format::kJson};
    o.nest_sections = true;
    const auto j = nlohmann::json::parse(render(full_report(g, w), o));
    EXPECT_EQ(j["params"]["total"], j["params"]["breakdown"]["params"]);
    EXPECT_EQ(j["flops"]["step"], j["flops"]["breakdown"]["step"]);
    EXPECT_EQ(j["flops"]["forward"], j["flops"]["breakdown"]["forward"]);
  }
}

TEST(Properties, ZeroShardsSumToTheUnshardedStatesAndActivationsScaleWithBatch) {
  RandomModel r;
  for (int i = 0; i < kModels; ++i) {
    const Graph g = build_graph(spec_from_flags(r.next()));
    Workload w;
    w.seq = std::min<std::int64_t>(g.spec.max_positions, r.pick(1, 256));
    const Workload one = resolve_workload(g.spec, w);
    MemoryOptions o;
    o.precision = static_cast<Precision>(r.pick(0, 5));
    o.kernels.attention = AttentionImpl::kFlash;  // no s² mask: activations exactly linear in batch
    const MemoryCounts base = count_memory(g, one, o);
    const std::int64_t gpus = r.pick(2, 16);
    o.zero_stage = 3;
    o.gpus = gpus;
    const MemoryCounts z3 = count_memory(g, one, o);
    const Count n = static_cast<std::uint64_t>(gpus);
    // Each shard is rounded up: gpus × shard covers the whole state, by less than gpus bytes.
    for (const auto& [sharded, whole] :
         {std::pair{z3.states.weights, base.states.weights},
          std::pair{z3.states.gradients, base.states.gradients},
          std::pair{z3.states.optimizer, base.states.optimizer},
          std::pair{z3.states.master_weights, base.states.master_weights}}) {
      EXPECT_GE(sharded * n, whole);
      EXPECT_LT(sharded * n, whole + n);
    }
    o.zero_stage = 0;
    o.gpus = 1;
    w.batch = 3;
    // Per-step constants: flash's RNG state per layer, the loss weight, (learned positions) the
    // position indices arange(s) and (RoPE) the cos and sin tables, which do not repeat per
    // sequence.
    const Count constant =
        16 * static_cast<std::uint64_t>(g.spec.n_layers) + 4 +
        (g.spec.positions == PositionKind::kLearned ? 8 * static_cast<std::uint64_t>(one.seq) : 0) +
        rope_table_bytes(g, one, o);
    // transformers' loss keeps its shifted labels as a view of the padded [1, s + 1] labels at
    // batch 1, a [b, s] copy above: 8 bytes more at batch 1 than linear.
    const Count labels_view = o.knobs().transformers_code ? 8 : 0;
    EXPECT_EQ(count_memory(g, resolve_workload(g.spec, w), o).activations.total - constant,
              3 * (base.activations.total - constant - labels_view));
  }
}

// Edges: a 10T-parameter MoE and a 10M-token context count exactly.
TEST(Properties, TenTrillionParameterMoeAndTenMillionTokenContext) {
  ModelSpec s = load_preset("deepseek-v3");
  s.n_layers = 900;  // 3 dense + 897 MoE layers of 11.5 B each
  const ParamCounts p = test::count(s);
  EXPECT_GT(p.total, Count{10'000'000'000'000});
  // 897 MoE layers of (MLA + norms + router + bias + 257 experts) more than deepseek-v3's 58.
  const Count moe_layer = 187'107'328 + 2 * 7168 + 256 * 7168 + 256 + 257 * Count{3 * 7168 * 2048};
  EXPECT_EQ(p.total, test::count_preset("deepseek-v3").total + (900 - 61) * moe_layer);

  ModelSpec long_ctx = load_preset("llama-3-8b");
  long_ctx.max_positions = 10'000'000;
  const Graph g = build_graph(long_ctx);
  Workload w;
  w.seq = 10'000'000;
  const FlopCounts f = count_flops(g, resolve_workload(long_ctx, w), {});
  // Scores and weighted sum, 32 layers × 32 heads × s² × 2·(128 + 128) FLOPs.
  const Count s2 = Count{10'000'000} * 10'000'000;
  Count core = 0;
  for (const Op& op : g.blocks[1].ops) {
    if (op.kind() == OpKind::kAttention)
      core = op_flops(op, 1, 10'000'000, AttentionFlops::kFull).forward_matmul;
  }
  EXPECT_EQ(core, s2 * 32 * 2 * 256);
  EXPECT_GT(f.hardware, Count{1} << 64);
}

}  // namespace
}  // namespace tsize
