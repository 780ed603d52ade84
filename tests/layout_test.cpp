// Parallel layouts: each rule against its derivation (Korthikanti et al. 2022; Narayanan et al.
// 2021; Megatron-Core's code), and a layout of one rank per model against today's memory.
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "tsize/error.hpp"
#include "tsize/layout_memory.hpp"
#include "tsize/presets.hpp"

namespace tsize {
namespace {

Workload workload(const Graph& g, std::int64_t batch, std::int64_t seq, std::int64_t accum = 1) {
  Workload w;
  w.batch = batch;
  w.seq = seq;
  w.grad_accum = accum;
  return resolve_workload(g.spec, w);
}

LayoutMemory memory_of(const Graph& g, const Workload& w, const MemoryOptions& o, Layout l) {
  const bool eager = o.knobs().attention == AttentionImpl::kEager;
  return layout_memory(layout_totals(g, w, o), resolve_layout(g.spec, w, l, eager));
}

// One rank per model (T = P = C = E = 1) over D data-parallel ranks is today's memory with ZeRO
// over D: every part of every phase, for every recipe tried.
TEST(Layout, OneRankPerModelIsTodaysMemory) {
  for (const char* preset : {"gpt2", "llama-3-8b", "mixtral-8x7b", "deepseek-v3"}) {
    const Graph g = build_graph(load_preset(preset));
    for (const Recompute r : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
      for (const int zero : {0, 1, 2, 3}) {
        for (const std::int64_t accum : {1, 4}) {
          MemoryOptions o;
          o.precision = zero % 2 == 0 ? Precision::kAmpBf16 : Precision::kMixedBf16;
          o.recompute = r;
          o.zero_stage = zero;
          o.gpus = zero > 0 ? 8 : 1;
          o.kernels.optimizer = OptimizerImpl::kForeach;
          const Workload w = workload(g, 2, 512, accum);
          const MemoryCounts today = count_memory(g, w, o);
          Layout l;
          l.dp = o.gpus;
          const LayoutMemory m = memory_of(g, w, o, l);
          const StageMemory& s = m.bounding_stage();
          ASSERT_EQ(s.phases.count, today.phases.size()) << preset;
          for (std::size_t i = 0; i < today.phases.size(); ++i) {
            for (const MemoryPartInfo& part : kMemoryParts) {
              EXPECT_EQ(s.phases.phases[i].bytes(part.part), today.phases[i].bytes(part.part))
                  << preset << " zero " << zero << " phase " << i << " " << part.label;
            }
          }
          EXPECT_EQ(s.peak(), today.peak()) << preset;
        }
      }
    }
  }
}

// One GPT-2 layer on one rank, one micro-batch of 1 × 1024 tokens, under Megatron's kernels
// and dropout 0.1: with P = 12 every middle stage holds one layer.
struct Gpt2Layer {
  static constexpr Count s = 1024, b = 1, h = 768, a = 12;
  StageMemory operator()(MemoryOptions o, Layout l) const {
    const Graph g = build_graph(load_preset("gpt2"));
    o.runtime = Runtime::kMegatron;
    o.dropout = 0.1;
    l.pp = 12;
    return memory_of(g, workload(g, b, s), o, l).stages[5];
  }
};

// Korthikanti et al. 2022 §4: a GPT layer saves 34·s·b·h (+ 5·a·s²·b for eager attention) in
// 16-bit with dropout. Here Megatron's kernels (flash attention: the scores give way to a fp32
// log-sum-exp per head and token and a 16-byte RNG state; fused LayerNorm: fp32 mean and rstd
// per token), mixed-bf16, dropout 0.1, GPT-2's layer (d_ff = 4h). Its 10·s·b·h outside the
// tensor-parallel regions (two LayerNorm inputs, the inputs of QKV and of the MLP, two 1-byte
// dropout masks) and the norms' statistics split over T only with sequence parallelism; all the
// rest over T always (Table 2). With P = 12 every middle stage holds one layer.
TEST(Layout, ALayerSplitsAsKorthikantiTableTwo) {
  const Gpt2Layer layer;
  const Count s = layer.s, b = layer.b, h = layer.h, a = layer.a;
  MemoryOptions o;
  o.precision = Precision::kMixedBf16;
  const Count whole = 34 * s * b * h + 2 * 8 * s * b + 4 * a * s * b + 16;
  const Count outside = 10 * s * b * h + 2 * 8 * s * b;
  Layout l;
  EXPECT_EQ(layer(o, l).activations_per_micro_batch, whole);
  l.tp = 4;
  EXPECT_EQ(layer(o, l).activations_per_micro_batch, outside + (whole - outside) / 4);
  l.sp = true;
  EXPECT_EQ(layer(o, l).activations_per_micro_batch, whole / 4);
}

// Megatron's unfused attention (--attention eager under --runtime megatron): the fused
// scale-mask-softmax kernel keeps its bf16 output only, dropout its 1-byte mask and the dropped
// probabilities: Korthikanti et al.'s 5·a·s²·b, so a GPT-2 layer keeps exactly 34·s·b·h +
// 5·a·s²·b (and the LayerNorms' fp32 mean and rstd, which the paper leaves out).
TEST(Layout, MegatronsUnfusedAttentionKeepsKorthikantisFiveAsSquaredB) {
  const Gpt2Layer layer;
  const Count s = layer.s, b = layer.b, h = layer.h, a = layer.a;
  MemoryOptions o;
  o.precision = Precision::kMixedBf16;
  o.kernels.attention = AttentionImpl::kEager;
  EXPECT_EQ(layer(o, {}).activations_per_micro_batch,
            34 * s * b * h + 5 * a * s * s * b + 2 * 8 * s * b);
}

// Transformer Engine's FP8 (Megatron's default delayed scaling, Hopper): each GEMM keeps its
// input as an FP8 transpose (1 byte per element) instead of bf16, so GPT-2's layer keeps
// QKV's input 1·s·b·h (not 2), the projection's 1 beside the attention output's 2 (flash keeps
// that), fc1's 1 (not 2) and fc2's 4 (not 8): 34 − 1 + 1 − 1 − 4 = 29·s·b·h; TE caches each
// GEMM weight in FP8 with its transpose: 2 bytes per weight of its 12·h² (TE's cache).
TEST(Layout, Fp8KeepsGemmInputsAndCachedWeightsInFp8) {
  const Gpt2Layer layer;
  const Count s = layer.s, b = layer.b, h = layer.h, a = layer.a;
  MemoryOptions o;
  o.precision = Precision::kFp8;
  const StageMemory m = layer(o, {});
  EXPECT_EQ(m.activations_per_micro_batch, 29 * s * b * h + 2 * 8 * s * b + 4 * a * s * b + 16);
  EXPECT_EQ(m.inputs.autocast_copies, 2 * 12 * h * h);
  // bf16 weights, fp32 gradients, master and Adam: 2 + 4 + 4 + 8 bytes per parameter.
  const ModelStates& st = m.inputs.states;
  EXPECT_EQ(st.weights * 9, st.weights + st.gradients + st.master_weights + st.optimizer);
}

// In-flight micro-batches when a stage's first backward starts. 1F1B: min(P − i, m). GPipe: m.
// Interleaved (Megatron's schedules.py): (P − i − 1)·2 + (V − 1)·P + 1 chunk forwards, P
// micro-batches per chunk in turn; P = 4, V = 2: stage 0 runs chunk 0 for micro-batches 0-3,
// chunk 1 for 0-3, chunk 0 for 4-6 (11 forwards: 7 and 4); stage 3 runs chunk 0 for 0-3 and
// chunk 1 for 0 (5: 4 and 1).
TEST(Layout, InFlightMicroBatchesFollowTheSchedule) {
  ResolvedLayout r;
  r.layout.pp = 4;
  r.micro_batches = 8;
  EXPECT_EQ(in_flight(r, 0, 0), 4);
  EXPECT_EQ(in_flight(r, 3, 0), 1);
  r.micro_batches = 2;
  EXPECT_EQ(in_flight(r, 0, 0), 2);
  r.layout.schedule = Schedule::kGPipe;
  r.micro_batches = 8;
  EXPECT_EQ(in_flight(r, 3, 0), 8);
  r.layout.schedule = Schedule::kInterleaved;
  r.layout.vpp = 2;
  EXPECT_EQ(in_flight(r, 0, 0), 7);
  EXPECT_EQ(in_flight(r, 0, 1), 4);
  EXPECT_EQ(in_flight(r, 3, 0), 4);
  EXPECT_EQ(in_flight(r, 3, 1), 1);
  r.layout.pp = 1;  // gradient accumulation: one micro-batch's forward, then its backward
  EXPECT_EQ(in_flight(r, 0, 0), 1);
}

// Llama-3-8B over TP 8: attention (q, o: 4096²; k, v: 4096·1024) and MLP (3·4096·14336) split
// over 8, two RMSNorms per layer replicated; the vocabulary padded to a multiple of 128·8 =
// 1024: 128,256 → 129,024, 16,128 rows per rank of the embedding and of lm_head; the final norm
// replicated. Mixed-bf16: 2 bytes per weight.
TEST(Layout, TensorParallelWeightsAreLlamaSplitByMegatronsRules) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  MemoryOptions o;
  o.precision = Precision::kMixedBf16;
  Layout l;
  l.tp = 8;
  const LayoutMemory m = memory_of(g, workload(g, 1, 1024), o, l);
  EXPECT_EQ(m.vocab_padded, 129024u);
  const Count per_layer = (2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336) / 8 + 2 * 4096;
  const Count params = 32 * per_layer + 2 * 16128 * 4096 + 4096;
  EXPECT_EQ(m.stages[0].params.total, params);
  EXPECT_EQ(m.stages[0].inputs.states.weights, 2 * params);
}

// Pipeline stages: GPT-2 (tied) over P = 2: stage 0 holds the embeddings and layers 0-5, stage
// 1 layers 6-11, the final LayerNorm and a copy of the tied embedding (Megatron keeps the word
// embeddings on the last stage too).
TEST(Layout, PipelineStagesHoldTheirLayersAndTheTiedEmbeddingTwice) {
  const Graph g = build_graph(load_preset("gpt2"));
  Layout l;
  l.pp = 2;
  const LayoutMemory m = memory_of(g, workload(g, 1, 1024), MemoryOptions{}, l);
  const Count h = 768, layer = 12 * h * h + 13 * h;  // GPT-2 block: 12h² + 13h
  EXPECT_EQ(m.stages[0].params.total, 6 * layer + 50257 * h + 1024 * h);
  EXPECT_EQ(m.stages[1].params.total, 6 * layer + 2 * h + 50257 * h);
  EXPECT_EQ(m.stages[0].layers, 6);
}

// Mixtral-8x7B over E = 8 of 8 GPUs: one expert per rank, attention and norms whole; ZeRO-1
// shards dense states over D = 8 and expert states over T·C·D / (E·ETP) = 1 rank.
TEST(Layout, ExpertParallelRanksHoldTheirExperts) {
  const Graph g = build_graph(load_preset("mixtral-8x7b"));
  MemoryOptions o;
  o.precision = Precision::kMixedBf16;
  o.zero_stage = 1;
  Layout l;
  l.ep = 8;
  l.gpus = 8;
  const LayoutMemory m = memory_of(g, workload(g, 1, 1024), o, l);
  const Count expert = 3 * 4096 * 14336;  // w1, w2, w3
  EXPECT_EQ(m.stages[0].params.expert_total, 32 * expert);
  EXPECT_EQ(m.layout.dense_shard, 8);
  EXPECT_EQ(m.layout.expert_shard, 1);
  const Count dense = m.stages[0].params.total;
  // Adam's 8 B per parameter: the dense states in shards of 1/8, the experts' whole.
  EXPECT_EQ(m.stages[0].inputs.states.optimizer, dense * 8 / 8 + 32 * expert * 8);
  EXPECT_EQ(m.stages[0].inputs.states.master_weights, dense * 4 / 8 + 32 * expert * 4);
}

// Context parallelism splits every saved tensor over C (flash attention, no score matrix),
// and the RoPE tables with the positions.
TEST(Layout, ContextParallelSplitsTheSequence) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  MemoryOptions o;
  o.runtime = Runtime::kMegatron;
  const Workload w = workload(g, 1, 8192);
  Layout l;
  const Count one = memory_of(g, w, o, l).stages[0].activations_per_micro_batch;
  l.cp = 4;
  const Count four = memory_of(g, w, o, l).stages[0].activations_per_micro_batch;
  // Everything per token splits exactly (8192 / 4); the per-step constants (the 16-byte flash
  // RNG state per layer, the loss's 4-byte weight) are split with their op's bytes, rounded
  // up: a rank holds between a quarter of them and all of them.
  const Count constants = 32 * 16 + 4;
  EXPECT_GE(four, (one - constants) / 4 + constants / 4);
  EXPECT_LE(four, (one - constants) / 4 + constants);
}

// The search's hot path prices a layout by arithmetic alone; it equals the bounding stage's
// peak of the full report on every layout and recipe tried.
TEST(Layout, ThePeakAloneEqualsTheReportsBoundingStage) {
  const Graph g = build_graph(load_preset("mixtral-8x7b"));
  for (const Recompute rc : {Recompute::kNone, Recompute::kFull}) {
    for (const std::int64_t accum : {1, 8}) {
      MemoryOptions o;
      o.precision = Precision::kMixedBf16;
      o.runtime = Runtime::kMegatron;
      o.recompute = rc;
      o.zero_stage = 1;
      o.kernels.optimizer = OptimizerImpl::kForeach;
      const Workload w = workload(g, 2, 4096, accum);
      const LayoutTotals totals = layout_totals(g, w, o);
      for (const std::int64_t pp : {1, 2, 4}) {
        for (const std::int64_t tp : {1, 2, 8}) {
          Layout l;
          l.tp = tp;
          l.sp = tp > 1;
          l.pp = pp;
          l.ep = 2;
          l.gpus = tp * pp * 4;
          const ResolvedLayout r = resolve_layout(g.spec, w, l, false);
          EXPECT_EQ(layout_peak(totals, r), layout_memory(totals, r).bounding_stage().peak())
              << "tp " << tp << " pp " << pp;
        }
      }
    }
  }
}

// An uneven pipeline (Megatron's --decoder-first-pipeline-num-layers): DeepSeek-V3's 61
// layers over 16 stages, one on the first and 4 on each of the other 15.
TEST(Layout, AnUnevenPipelinePutsTheRestEvenly) {
  Layout l;
  l.pp = 16;
  l.first_stage_layers = 1;
  EXPECT_EQ(chunk_layers(l, 61, 0, 0), (std::pair<std::int64_t, std::int64_t>{0, 1}));
  EXPECT_EQ(chunk_layers(l, 61, 1, 0), (std::pair<std::int64_t, std::int64_t>{1, 5}));
  EXPECT_EQ(chunk_layers(l, 61, 15, 0), (std::pair<std::int64_t, std::int64_t>{57, 61}));
  l.first_stage_layers = 0;
  l.last_stage_layers = 2;
  l.pp = 4;  // 32 layers: 10, 10, 10, then 2
  EXPECT_EQ(chunk_layers(l, 32, 2, 0), (std::pair<std::int64_t, std::int64_t>{20, 30}));
  EXPECT_EQ(chunk_layers(l, 32, 3, 0), (std::pair<std::int64_t, std::int64_t>{30, 32}));
  const Graph g = build_graph(load_preset("deepseek-v3"));
  MemoryOptions o;
  o.runtime = Runtime::kMegatron;
  Layout d;
  d.pp = 16;
  d.first_stage_layers = 1;
  d.ep = 8;
  d.gpus = 128;
  const LayoutMemory m = memory_of(g, workload(g, 1, 4096), o, d);
  std::int64_t layers = 0;
  for (const StageMemory& s : m.stages) layers += s.layers;
  EXPECT_EQ(layers, 61);
  EXPECT_EQ(m.stages[0].layers, 1);
}

std::string layout_error(const char* preset, Layout l, std::int64_t seq, std::int64_t batch = 1,
                         bool eager = false) {
  const Graph g = build_graph(load_preset(preset));
  try {
    resolve_layout(g.spec, workload(g, batch, seq), l, eager);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Layout, BadLayoutsNameTheNumbers) {
  Layout l;
  l.tp = 5;
  EXPECT_NE(
      layout_error("llama-3-8b", l, 1024).find("attention heads 32 are not divisible by --tp 5"),
      std::string::npos);
  l = {};
  l.tp = 2;
  l.gpus = 6;
  l.pp = 2;
  EXPECT_NE(layout_error("llama-3-8b", l, 1024).find("--gpus 6 is not a multiple of"),
            std::string::npos);
  l = {};
  l.sp = true;
  EXPECT_NE(layout_error("llama-3-8b", l, 1024).find("--sp true"), std::string::npos);
  l = {};
  l.cp = 3;
  EXPECT_NE(layout_error("llama-3-8b", l, 1024).find("--seq 1024 is not divisible by 2 × --cp = 6"),
            std::string::npos);
  EXPECT_NE(layout_error("llama-3-8b", l, 1020, 1, true).find("--attention flash"),
            std::string::npos);
  l = {};
  l.pp = 5;
  EXPECT_NE(layout_error("llama-3-8b", l, 1024).find("layers 32 are not divisible by --pp 5"),
            std::string::npos);
  l = {};
  l.tp = 2;
  EXPECT_NE(layout_error("mixtral-8x7b", l, 1024).find("needs --sp true"), std::string::npos);
  l = {};
  l.ep = 3;
  l.gpus = 3;
  EXPECT_NE(
      layout_error("mixtral-8x7b", l, 1024).find("routed experts 8 are not divisible by --ep 3"),
      std::string::npos);
  l = {};
  l.gpus = 4;
  l.global_batch = 6;
  EXPECT_NE(layout_error("llama-3-8b", l, 1024).find("--global-batch 6 is not divisible"),
            std::string::npos);
  l = {};
  l.pp = 4;
  l.vpp = 2;
  l.global_batch = 6;
  EXPECT_NE(layout_error("llama-3-8b", l, 1024).find("groups of --pp 4"), std::string::npos);
  l = {};
  l.ep = 2;
  EXPECT_NE(layout_error("llama-3-8b", l, 1024).find("no experts"), std::string::npos);
  l = {};
  l.pp = 16;
  l.first_stage_layers = 4;
  l.last_stage_layers = 2;
  EXPECT_NE(layout_error("deepseek-v3", l, 1024)
                .find("the other layers 55 are not divisible by the other stages 14"),
            std::string::npos);
}

// Rank products stay within 64 bits: a replica of more than 2^30 GPUs is refused.
TEST(Layout, AReplicaOfMoreThanTwoToTheThirtyGpusIsRefused) {
  Layout l;
  l.tp = l.pp = l.cp = 1 << 20;  // 2^60 GPUs per replica
  EXPECT_NE(layout_error("llama-3-8b", l, 1024).find("more than 2^30 GPUs per model replica"),
            std::string::npos);
}

// Every problem at once.
TEST(Layout, ErrorsCollect) {
  Layout l;
  l.tp = 3;
  l.pp = 7;
  const std::string e = layout_error("llama-3-8b", l, 1024);
  EXPECT_NE(e.find("--tp 3"), std::string::npos);
  EXPECT_NE(e.find("--pp 7"), std::string::npos);
}

}  // namespace
}  // namespace tsize
