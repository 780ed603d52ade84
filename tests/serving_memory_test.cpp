// Serving memory per GPU, derived in each test from the model's shapes: weights split over
// tensor-parallel ranks and vLLM's pipeline stages, the KV cache split over KV heads (MLA's latent
// on every rank), the budget of --gpu-memory-utilization, and the largest load that fits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "tsize/error.hpp"
#include "tsize/serving_memory.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

Count u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

// Llama-3-8B's Linears per layer (K·N): q, o 4,096²; k, v 4,096 × 1,024; gate, up, down
// 4,096 × 14,336. Embedding and head 128,256 × 4,096; 65 norms of 4,096.
constexpr std::int64_t kLinears = 2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336;
constexpr std::int64_t kVocab = 128256LL * 4096;

TEST(ServingMemory, OneGpuHoldsTheWholeModel) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  const Gpu& h100 = find_gpu("H100-SXM");
  const ServingMemory m = serving_memory(g, h100, {}, 8192, 4);
  EXPECT_EQ(m.weights, u(2 * (32 * kLinears + 2 * kVocab + 65 * 4096)));
  EXPECT_EQ(m.weights, m.weights_total);
  EXPECT_EQ(m.kv_bytes_per_token, 131'072U);
  EXPECT_EQ(m.kv, 4ULL * 8192 * 131'072);
  EXPECT_EQ(m.kv_total, m.kv);
  // vLLM's budget: 0.92 of torch's total memory; the most sequences of 8,192 tokens are what the
  // weights, activations and reserve leave, a whole sequence each.
  EXPECT_EQ(m.budget, static_cast<std::uint64_t>(0.92 * to_double(h100.usable_bytes)));
  const Count room = m.budget - m.weights - m.activations - m.reserve;
  EXPECT_EQ(m.max_concurrency, static_cast<std::int64_t>(room / (8192ULL * 131'072)));
  EXPECT_TRUE(m.fits);
  EXPECT_EQ(m.peak, m.weights + m.kv + m.activations + m.reserve);
  // H100 (≥ 70 GiB, not A100): vLLM's server batches 8,192 tokens and 1,024 sequences.
  EXPECT_EQ(m.max_batched_tokens, 8192);
  EXPECT_EQ(m.max_sequences, 1024);
  EXPECT_EQ(m.max_context, 8192);  // the model's context bounds it
}

TEST(ServingMemory, TensorParallelSplitsWeightsAndKvHeads) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  ServingOptions o;
  o.tp = 2;
  const ServingMemory m = serving_memory(g, find_gpu("H100-SXM"), o, 4096, 1);
  // Linears, embedding and head halve; the norms stay whole on each rank.
  EXPECT_EQ(m.weights, u(2 * (32 * kLinears + 2 * kVocab) / 2 + 2 * 65 * 4096));
  EXPECT_EQ(m.kv, 4096ULL * 131'072 / 2);
  // 16 ranks over 8 KV heads: each rank keeps one head (vLLM replicates them).
  o.tp = 16;
  const Graph g70 = build_graph(load_preset("llama-3.1-70b"));
  const ServingMemory r = serving_memory(g70, find_gpu("H100-SXM"), o, 1024, 1);
  EXPECT_EQ(r.kv, 1024ULL * 80 * 1 * 256 * 2);
  EXPECT_EQ(r.kv_total, 1024ULL * 80 * 8 * 256 * 2);
}

TEST(ServingMemory, MlaLatentOnEveryRank) {
  const Graph g = build_graph(load_preset("deepseek-v3"));
  ServingOptions o;
  o.tp = 8;
  o.weights = parse_weight_format("fp8-block");
  const ServingMemory m = serving_memory(g, find_gpu("H200"), o, 4096, 1);
  EXPECT_EQ(m.kv, 4096ULL * 70'272);  // not split
}

TEST(ServingMemory, PipelineStagesAsVllmSplitsThem) {
  // vLLM's get_pp_indices: 32 layers over 3 stages → 11, 11, 10; the first stage holds the
  // embedding, the last the head and the final norm. Stage 0: 11 layers + embedding; stage 2:
  // 10 layers + head + norm: stage 0 bounds.
  const Graph g = build_graph(load_preset("llama-3-8b"));
  ServingOptions o;
  o.pp = 3;
  const ServingMemory m = serving_memory(g, find_gpu("H100-SXM"), o, 2048, 1);
  const Count layer = u(2 * (kLinears + 2 * 4096));
  EXPECT_EQ(m.stage, 0);
  EXPECT_EQ(m.weights, 11 * layer + u(2 * kVocab));
  EXPECT_EQ(m.kv, 11ULL * 2048 * 4096);
}

TEST(ServingMemory, LoadsThatDoNotFitAndTheirLimits) {
  // Llama-3.1-70B in bf16 (141 GB) on one H100: nothing fits, no sequence, no context.
  const Graph g = build_graph(load_preset("llama-3.1-70b"));
  const ServingMemory m = serving_memory(g, find_gpu("H100-SXM"), {}, 8192, 1);
  EXPECT_FALSE(m.fits);
  EXPECT_EQ(m.max_concurrency, 0);
  EXPECT_EQ(m.max_context, 0);
  // In AWQ int4 on one H100 it fits; the longest context for 8 sequences fills the KV room.
  ServingOptions awq;
  awq.weights = parse_weight_format("awq-int4-g128");
  const ServingMemory a = serving_memory(g, find_gpu("H100-SXM"), awq, 8192, 8);
  EXPECT_TRUE(a.fits);
  const Count room = a.budget - a.weights - a.activations - a.reserve;
  const Count per_token = 80U * 8 * 256 * 2;  // 327,680 bytes
  const std::int64_t longest = static_cast<std::int64_t>(room / per_token / 8 / 16 * 16);
  EXPECT_EQ(a.max_context, std::min<std::int64_t>(longest, g.spec.max_positions));
}

TEST(ServingMemory, BadOptions) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  ServingOptions o;
  o.tp = 3;
  o.ep = 2;
  o.gpu_memory_utilization = 1.5;
  EXPECT_THAT([&] { serving_memory(g, find_gpu("H100-SXM"), o, 0, 0); },
              ThrowsMessage<Error>(AllOf(
                  HasSubstr("attention heads 32 are not divisible by --tp 3"),
                  HasSubstr("--ep 2: vLLM's expert parallelism spans the tensor-parallel ranks"),
                  HasSubstr("--gpu-memory-utilization 1.5: expected a fraction in (0, 1]"),
                  HasSubstr("--context 0"), HasSubstr("--concurrency 0"))));
}

}  // namespace
}  // namespace tsize
