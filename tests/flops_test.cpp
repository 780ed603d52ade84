// FLOP counts against PyTorch's FlopCounterMode on nanoGPT, the seeds' tables, and derivations.
#include "tsize/flops.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.hpp"
#include "tsize/flop_estimates.hpp"
#include "tsize/overrides.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

FlopCounts flops_of(const Graph& g, std::int64_t batch, std::int64_t seq, FlopOptions o = {}) {
  Workload w;
  w.batch = batch;
  w.seq = seq;
  return count_flops(g, resolve_workload(g.spec, w), o);
}

// Forward matmul FLOPs of the op named `name` in the block named `block`, one instance.
Count op_matmul(const Graph& g, const std::string& block, const std::string& name,
                std::int64_t batch, std::int64_t seq) {
  for (const Block& b : g.blocks) {
    if (b.name != block) continue;
    for (const Op& op : b.ops) {
      if (op.name() == name) return op_flops(op, batch, seq, AttentionFlops::kFull).forward_matmul;
    }
  }
  throw std::runtime_error("no op " + block + "/" + name);
}

// shared/reference/pytorch-nanogpt.json: FlopCounterMode's mm/addmm/bmm totals, forward and
// backward, for every record (tiny and GPT-2 small, several batches and lengths).
TEST(CountFlops, MatchesFlopCounterModeOnEveryNanoGptRecord) {
  for (const auto& r : test::nanogpt_records()) {
    const auto& c = r["config"];
    const Graph g = build_graph(test::nanogpt_spec(c));
    const std::int64_t b = r["batch"], s = r["seq"];
    const FlopCounts f = flops_of(g, b, s);
    const std::string what =
        c["name"].get<std::string>() + " b=" + std::to_string(b) + " s=" + std::to_string(s);
    EXPECT_EQ(f.forward_matmul, r["fwd_matmul_flops"].get<std::uint64_t>()) << what;
    EXPECT_EQ(f.backward_matmul, r["bwd_matmul_flops"].get<std::uint64_t>()) << what;
    // By aten op: addmm = the layers' Linears (with bias), bmm = attention core, mm = lm_head.
    const auto& by_op = r["fwd_matmul_by_op"];
    const Count L = c["n_layer"].get<std::uint64_t>();
    Count linears = 0;
    for (const char* name : {"qkv_proj", "o_proj", "up_proj", "down_proj"}) {
      linears += op_matmul(g, "layers", name, b, s);
    }
    EXPECT_EQ(L * linears, by_op["addmm"]["flops"].get<std::uint64_t>()) << what;
    EXPECT_EQ(L * op_matmul(g, "layers", "core", b, s), by_op["bmm"]["flops"].get<std::uint64_t>())
        << what;
    EXPECT_EQ(op_matmul(g, "lm_head", "lm_head", b, s), by_op["mm"]["flops"].get<std::uint64_t>())
        << what;
  }
}

// Seed 001's forward table for GPT-2 XL, one 1024-token sequence, matmuls only.
TEST(CountFlops, ReproducesSeed001Gpt2XlForwardTable) {
  const Graph g = build_graph(load_preset("gpt2-xl"));
  EXPECT_EQ(op_matmul(g, "layers", "qkv_proj", 1, 1024), 15'728'640'000);  // attention/kqv
  EXPECT_EQ(op_matmul(g, "layers", "core", 1, 1024), 3'355'443'200 + 3'355'443'200);
  EXPECT_EQ(op_matmul(g, "layers", "o_proj", 1, 1024), 5'242'880'000);      // attention/proj
  EXPECT_EQ(op_matmul(g, "layers", "up_proj", 1, 1024), 20'971'520'000);    // mlp/ffw1
  EXPECT_EQ(op_matmul(g, "layers", "down_proj", 1, 1024), 20'971'520'000);  // mlp/ffw2
  EXPECT_EQ(op_matmul(g, "lm_head", "lm_head", 1, 1024), 164'682'137'600);  // out_embedding
  const FlopCounts f = flops_of(g, 1, 1024);
  EXPECT_EQ(f.forward_matmul, 3'506'703'564'800);   // forward_total
  EXPECT_EQ(f.backward_matmul, 7'013'407'129'600);  // backward_total: 2 × forward holds for matmuls
}

// Seed 002's per-layer matmul lines: QKV_proj, Attention_scores + Attention_weighted, O_proj.
// Its FFN line uses d_ff 6400 for every size; GPT-2's is 4·d_model.
TEST(CountFlops, ReproducesSeed002MatmulLinesAndCorrectsItsDff) {
  struct Line {
    const char* preset;
    Count qkv, scores, o;
  };
  for (const Line& l : {Line{"gpt2", 3'623'878'656, 1'610'612'736, 1'207'959'552},
                        Line{"gpt2-medium", 6'442'450'944, 2'147'483'648, 2'147'483'648},
                        Line{"gpt2-large", 10'066'329'600, 2'684'354'560, 3'355'443'200},
                        Line{"gpt2-xl", 15'728'640'000, 3'355'443'200, 5'242'880'000}}) {
    const Graph g = build_graph(load_preset(l.preset));
    EXPECT_EQ(op_matmul(g, "layers", "qkv_proj", 1, 1024), l.qkv) << l.preset;
    EXPECT_EQ(op_matmul(g, "layers", "core", 1, 1024), 2 * l.scores) << l.preset;
    EXPECT_EQ(op_matmul(g, "layers", "o_proj", 1, 1024), l.o) << l.preset;
    const Count h = static_cast<std::uint64_t>(g.spec.d_model);
    EXPECT_EQ(op_matmul(g, "layers", "up_proj", 1, 1024), 2 * 1024 * h * 4 * h) << l.preset;
  }
  // For GPT-2 XL, d_ff 6400 is right: its FFN line 41,975,808,000 = two matmuls + GELU 5·s·d_ff.
  const Graph xl = build_graph(load_preset("gpt2-xl"));
  EXPECT_EQ(op_matmul(xl, "layers", "up_proj", 1, 1024) +
                op_matmul(xl, "layers", "down_proj", 1, 1024) + 5 * 1024 * 6400,
            41'975'808'000);
}

// Seed 000's forward_flops_per_token is per sequence (it multiplies by s_length), and its
// "post-attention linear projection" term is 2·s²·h where the projection costs 2·s·h².
TEST(CountFlops, Seed000PerTokenFigureIsPerSequence) {
  const Graph g = build_graph(load_preset("gpt3-small"));
  const Count L = 12, h = 768, s = 2048, V = 50257;
  const Count seed = L * (6 * h * h * s + 2 * h * s * s + 2 * h * s * s + 2 * s * s * h) +
                     L * s * (2 * h * 4 * h + 2 * 4 * h * h) + 2 * s * h * V;
  const Count corrected = seed - L * 2 * s * s * h + L * 2 * s * h * h;
  EXPECT_EQ(flops_of(g, 1, 2048).forward_matmul, corrected);  // one sequence, not one token
}

TEST(AttentionPairs, FullCausalWindowAndTopK) {
  AttentionShape a;
  a.causal = true;
  EXPECT_EQ(attention_pairs(a, 4, AttentionFlops::kFull), 16);
  EXPECT_EQ(attention_pairs(a, 4, AttentionFlops::kCausal), 10);  // 1 + 2 + 3 + 4
  a.window = 2;
  EXPECT_EQ(attention_pairs(a, 4, AttentionFlops::kCausal), 7);  // 1 + 2 + 2 + 2
  a.window = 0;
  a.top_k = 3;
  EXPECT_EQ(attention_pairs(a, 4, AttentionFlops::kCausal), 9);  // 1 + 2 + 3 + 3
  a.causal = false;                                              // an encoder sees every key
  EXPECT_EQ(attention_pairs(a, 4, AttentionFlops::kCausal), 16);
}

TEST(CountFlops, CausalModeHalvesAttentionScoresOnly) {
  const Graph g = build_graph(load_preset("gpt2"));
  FlopOptions causal;
  causal.attention = AttentionFlops::kCausal;
  const FlopCounts full = flops_of(g, 1, 1024), half = flops_of(g, 1, 1024, causal);
  // Per layer, scores and weighted sum: 2·a·(pairs)·(d_qk + d_v) with pairs s² vs s(s+1)/2.
  const Count a = 12, d = 64, s = 1024;
  const Count saved = 12 * 2 * a * (s * s - s * (s + 1) / 2) * 2 * d;
  EXPECT_EQ(full.forward_matmul - half.forward_matmul, saved);
}

TEST(CountFlops, StepIsForwardPlusBackwardPlusRecompute) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  FlopOptions o;
  const FlopCounts none = flops_of(g, 2, 512, o);
  EXPECT_EQ(none.model, none.forward + none.backward);
  EXPECT_EQ(none.hardware, none.model);
  EXPECT_EQ(none.breakdown.value(2), none.hardware);  // tree's step column sums to the step
  o.recompute = Recompute::kSelective;
  const FlopCounts selective = flops_of(g, 2, 512, o);
  Count core = 0;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      if (op.kind() == OpKind::kAttention) {
        core += static_cast<std::uint64_t>(b.repeat) * op_flops(op, 2, 512, o.attention).forward();
      }
    }
  }
  EXPECT_EQ(selective.recompute, core);
  EXPECT_EQ(selective.model, none.model);  // model FLOPs do not include recomputation
  o.recompute = Recompute::kFull;
  const FlopCounts full = flops_of(g, 2, 512, o);
  // Full recomputation repeats every layer's forward, not the embedding (its RoPE table), the
  // final norm or the head.
  Count outside = 0;
  for (const Breakdown& b : flops_of(g, 2, 512).breakdown.children) {
    if (b.name != "layers") outside += b.value(0);
  }
  EXPECT_EQ(full.recompute, full.forward - outside);
}

TEST(CountFlops, GradientAccumulationAndBatchScaleLinearly) {
  const Graph g = build_graph(load_preset("gpt2"));
  Workload w;
  w.seq = 256;
  const FlopCounts one = count_flops(g, resolve_workload(g.spec, w), {});
  w.batch = 3;
  w.grad_accum = 4;
  const FlopCounts twelve = count_flops(g, resolve_workload(g.spec, w), {});
  EXPECT_EQ(twelve.hardware, 12 * one.hardware);
  EXPECT_EQ(twelve.tokens, 12 * 256);
}

TEST(CountFlops, MoeTokensVisitOnlyTheirExperts) {
  const Graph g = build_graph(load_preset("mixtral-8x7b"));
  // One expert matrix, 2 of 8 experts per token: 2·N·k·h·f for N = 128 tokens.
  const Count expert_up = op_matmul(g, "layers", "up_proj", 1, 128);
  EXPECT_EQ(expert_up, 2 * 128 * 2 * Count{4096} * 14336);
  EXPECT_EQ(op_matmul(g, "layers", "gate", 1, 128), 2 * 128 * Count{4096} * 8);  // router
}

TEST(CountFlops, RunsAbove64BitsAreExactAndOverflowIsAnError) {
  const Graph g = build_graph(load_preset("llama-3.1-405b"));
  Workload w;
  w.batch = 1 << 20;
  w.seq = 8192;
  const FlopCounts f = count_flops(g, resolve_workload(g.spec, w), {});
  EXPECT_GT(f.hardware, Count{1} << 64);
  EXPECT_EQ(f.hardware, f.forward + f.backward);
  // 2^30 · 2^30 · 1024 tokens through a 2^30 × 3·2^30 projection: about 2^132 FLOPs.
  ModelOverrides huge;
  huge.layers = 1;
  huge.d_model = kMaxDimension;
  huge.heads = 1;
  huge.d_ff = 1;
  huge.vocab = 8;
  const Graph big = build_graph(spec_from_flags(huge));
  w.batch = kMaxDimension;
  w.grad_accum = kMaxDimension;
  w.seq = 1024;
  EXPECT_THAT([&] { count_flops(big, resolve_workload(big.spec, w), {}); },
              ThrowsMessage<Error>(HasSubstr("overflows a 128-bit integer")));
}

TEST(ResolveWorkload, SeqDefaultsToTheContextAndMayNotExceedIt) {
  const ModelSpec gpt2 = load_preset("gpt2");
  EXPECT_EQ(resolve_workload(gpt2, {}).seq, 1024);
  Workload w;
  w.seq = 2048;
  EXPECT_THAT([&] { resolve_workload(gpt2, w); },
              ThrowsMessage<Error>(HasSubstr("--seq 2048 exceeds the context of gpt2 (1024")));
  w.seq = 16;
  w.batch = 0;
  EXPECT_THAT([&] { resolve_workload(gpt2, w); },
              ThrowsMessage<Error>(HasSubstr("--batch 0 must be a positive integer")));
}

TEST(FlopEstimates, MegatronMatchesExactMatmulsForGpt2ShapedModels) {
  // GPT-2 XL has d_ff = 4h and MHA, Megatron's assumptions: 72·B·s·L·h²·(1 + s/6h + V/12Lh) is
  // 3 × the exact forward matmuls (seed 001's total, 10,520,110,694,400).
  const Graph g = build_graph(load_preset("gpt2-xl"));
  const FlopCounts f = flops_of(g, 1, 1024);
  const auto estimates = flop_estimates(g, count_params(g), f);
  const auto megatron = std::find_if(estimates.begin(), estimates.end(),
                                     [](const auto& e) { return e.key == "approx_megatron"; });
  ASSERT_NE(megatron, estimates.end());
  EXPECT_EQ(megatron->value, 3 * f.forward_matmul);
  EXPECT_EQ(megatron->value, 10'520'110'694'400);
  // PaLM with the true N (seed 001 missed 307,200 bias parameters: 6 · 307,200 · 1024 FLOPs).
  const auto palm = std::find_if(estimates.begin(), estimates.end(),
                                 [](const auto& e) { return e.key == "approx_palm"; });
  EXPECT_EQ(palm->value, 10'524'377'088'000 + 6 * 307'200 * 1024);
}

TEST(FlopEstimates, Seed004ClosedFormUndercountsItsOwnFfn) {
  // Seed 004 writes l(8ch² + 4c²h + 8ch²) but its three d_ff = 4h matrices cost 24ch²: the
  // exact forward matmul count is 2cvh + l(32ch² + 4c²h) (the embedding lookup costs nothing),
  // plus the RoPE table inv_freq · positions, 2·(64/2)·c (d_head 64).
  const Graph g = build_graph(load_preset("gpt2-xl-swiglu"));
  const Count c = 1024, v = 50257, h = 1600, l = 48;
  EXPECT_EQ(flops_of(g, 1, 1024).forward_matmul,
            2 * c * v * h + l * (32 * c * h * h + 4 * c * c * h) + 64 * c);
}

}  // namespace
}  // namespace tsize
