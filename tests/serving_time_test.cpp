// Serving time: what a prefill and a decode step read and compute, derived in each test from the
// model's shapes (exact), and the time model's properties that follow from the kernel model
// (the roofline knee from the datasheet's peaks, memory-bound decode at batch 1, tensor
// parallelism halving what each GPU reads). The time itself is an estimate; its error against
// measurements is in docs/inference-vs-measured.md.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"
#include "tsize/error.hpp"
#include "tsize/serving_time.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// Llama-3-8B's Linears per layer (K·N): q, o 4,096²; k, v 4,096 × 1,024; gate, up, down
// 4,096 × 14,336; the head 128,256 × 4,096 (untied).
constexpr double kLayerLinears = 2.0 * 4096 * 4096 + 2.0 * 4096 * 1024 + 3.0 * 4096 * 14336;
constexpr double kHead = 128256.0 * 4096;

ServingTime time_of(const std::string& model, const ServingOptions& o, ServingLoad load,
                    const std::string& gpu = "H100-SXM") {
  const Graph g = build_graph(load_preset(model));
  ClusterSpec cluster = find_cluster("dgx-h100");
  cluster.gpu = find_gpu(gpu);
  return serving_time(serving_work(g, cluster.gpu, o), cluster, load);
}

ServingLoad load(std::int64_t batch, std::int64_t input, std::int64_t output) {
  ServingLoad l;
  l.batch = batch;
  l.input_len = input;
  l.output_len = output;
  return l;
}

TEST(ServingTime, ExpertsTouchedAndCausalPairsInClosedForm) {
  EXPECT_DOUBLE_EQ(experts_touched(8, 2, 1), 2);  // one token: its k experts
  // DeepSeek-V3's 256 experts, 8 a token, 32 tokens: 256·(1 − (31/32)^32) = 163.31.
  EXPECT_NEAR(experts_touched(256, 8, 32), 256 * (1 - std::pow(31.0 / 32, 32)), 1e-9);
  EXPECT_NEAR(experts_touched(8, 2, 256), 8, 1e-9);  // 8·(1 − 0.75^256): every expert
  EXPECT_DOUBLE_EQ(causal_pairs(4, 0), 10);          // 1 + 2 + 3 + 4
  EXPECT_DOUBLE_EQ(causal_pairs(4, 2), 7);           // 1 + 2 + 2 + 2
  EXPECT_DOUBLE_EQ(causal_pairs(3, 8), 6);           // inside the window
}

TEST(ServingTime, DecodeReadsEveryLinearOnceAndTheEmbeddingsRowsOnly) {
  const ServingTime t = time_of("llama-3-8b", {}, load(1, 1000, 2));
  // bf16: 2 bytes a weight of 32 layers' Linears and the head; the embedding is looked up and the
  // norms are not GEMMs: 2·(32·218,103,808 + 525,336,576) = 15,009,316,864.
  EXPECT_DOUBLE_EQ(t.decode.weight_bytes, 2 * (32 * kLayerLinears + kHead));
  EXPECT_DOUBLE_EQ(t.decode.weight_bytes, 15'009'316'864.0);
  // One step at context 1,001 (output 2: one decode step): 131,072 bytes a token.
  EXPECT_DOUBLE_EQ(t.decode.kv_bytes, 1001.0 * 131'072);
  // Kernels of one step: per layer the fused qkv, o, fused gate_up and down GEMMs, two norms
  // (the residual adds fused into them), rotary, SiLU-and-mul, the KV write and attention (10);
  // the embedding, the final norm, the head and three sampler kernels: 32·10 + 6.
  EXPECT_EQ(t.decode.kernels, 326);
  // Batch 1 is memory-bound: the step takes at least its bytes at the datasheet bandwidth, and
  // the GEMMs no less than the weights at the achievable share (0.86 on Hopper).
  const Gpu& h100 = find_gpu("H100-SXM");
  const double bandwidth = to_double(h100.bandwidth_bytes_per_s);
  EXPECT_GT(t.tpot_s, (t.decode.weight_bytes + t.decode.kv_bytes) / bandwidth);
  EXPECT_GT(t.decode.gemm, t.decode.weight_bytes / (bandwidth * 0.86));
  EXPECT_FALSE(t.decode_compute_bound);
  EXPECT_LT(t.bandwidth_share, h100.kernels.bandwidth_efficiency);
}

TEST(ServingTime, PrefillFlopsAreTheGemmsOfEveryTokenAndCausalAttention) {
  const ServingTime t = time_of("llama-3-8b", {}, load(1, 1000, 2));
  // 2 FLOPs a weight per token, the head on the last token only, and attention's
  // 2·heads·(qk + v) per causal pair: 32 heads × 256 × 500,500 pairs × 32 layers.
  const double gemms = 2 * 32 * kLayerLinears * 1000 + 2 * kHead * 1;
  const double attention = 2.0 * 32 * 256 * (1000.0 * 1001 / 2) * 32;
  EXPECT_DOUBLE_EQ(t.prefill.flops, gemms + attention);
  EXPECT_EQ(t.prefill_chunks, 1);
  EXPECT_DOUBLE_EQ(t.prefill.kv_bytes, 1000.0 * 131'072);  // the prompt's keys and values written
  // Compute-bound: the GEMMs' FLOPs at no more than the bf16 peak.
  EXPECT_GT(t.prefill.gemm, gemms / to_double(*find_gpu("H100-SXM").peak(Dtype::kBf16)));
  // 20,000 prompt tokens in vLLM's 8,192-token budget: 3 chunks, the weights read in each.
  ServingLoad big = load(1, 20000, 2);
  const ServingTime c = time_of("llama-3-8b", {}, big);
  EXPECT_EQ(c.prefill_chunks, 3);
  EXPECT_DOUBLE_EQ(c.prefill.weight_bytes, 3 * 2 * 32 * kLayerLinears + 2 * kHead);
}

TEST(ServingTime, TheKneeIsThePeaksRatio) {
  // Decode's GEMMs turn compute-bound where B·2 FLOPs a weight at the tensor rate outlast 2 bytes
  // a weight at the bandwidth: B ≈ (989.4 T · 0.75) / (3.35 T · 0.86) = 257.6 on H100, less the
  // tiles' and the k-loop's losses, more the activations' bytes.
  const ServingTime t = time_of("llama-3-8b", {}, load(1, 100, 2));
  EXPECT_GT(t.knee_batch, 0.8 * 257.6);
  EXPECT_LT(t.knee_batch, 1.2 * 257.6);
  EXPECT_TRUE(time_of("llama-3-8b", {}, load(t.knee_batch, 100, 2)).decode_compute_bound);
  EXPECT_FALSE(time_of("llama-3-8b", {}, load(t.knee_batch - 1, 100, 2)).decode_compute_bound);
  // FP8 weights: half the bytes at 1.84× the rate (1,978.9 T · 0.69 against 989.4 T · 0.75):
  // the knee's ratio falls to 237.5, past 128 rows; tiles of 256 rows make the GEMMs' time a
  // staircase, so the first batch past 128 that is compute-bound at 256's cost is it.
  ServingOptions fp8;
  fp8.weights = parse_weight_format("fp8");
  const std::int64_t fp8_knee = time_of("llama-3-8b", fp8, load(1, 100, 2)).knee_batch;
  EXPECT_LE(fp8_knee, t.knee_batch);
  EXPECT_GT(fp8_knee, 128);
}

TEST(ServingTime, QuantizedWeightsReadTheirStoredBytes) {
  ServingOptions q4;
  q4.weights = parse_weight_format("gguf-q4_k_m");
  const ServingTime bf16 = time_of("llama-3-8b", {}, load(1, 512, 2));
  const ServingTime gguf = time_of("llama-3-8b", q4, load(1, 512, 2));
  // Q4_K_M's tensors are 4,912,898,048 bytes (quantized_weights_test), its Q4_K embedding of
  // 128,256 × 4,096 (144 bytes a block of 256) looked up, not read: 4,617,425,408.
  EXPECT_DOUBLE_EQ(gguf.decode.weight_bytes,
                   4'912'898'048.0 - 128256.0 * 4096 / 256 * 144 - 65 * 4096 * 4);
  EXPECT_LT(gguf.tpot_s, 0.5 * bf16.tpot_s);
  EXPECT_EQ(gguf.gemm_dtype, Dtype::kBf16);  // dequantized to bf16 in the kernel
  ServingOptions w8a8;
  w8a8.weights = parse_weight_format("w8a8");
  EXPECT_EQ(time_of("llama-3-8b", w8a8, load(1, 512, 2)).gemm_dtype, Dtype::kFp8);
  EXPECT_EQ(time_of("llama-3-8b", w8a8, load(1, 512, 2), "A100-80GB").gemm_dtype, Dtype::kBf16);
}

TEST(ServingTime, RoutedExpertsAreReadAsTheBatchTouchesThem) {
  // Mixtral-8x7B: 8 experts of 3 · 4,096 · 14,336 weights in each of 32 layers, 2 a token. One
  // token reads 2 of them a layer; 256 tokens read all 8 (8·(1 − 0.75^256)): the difference is 6
  // experts of every layer, in bf16.
  const ServingTime one = time_of("mixtral-8x7b", {}, load(1, 100, 2));
  const ServingTime many = time_of("mixtral-8x7b", {}, load(256, 100, 2));
  EXPECT_DOUBLE_EQ(one.experts_touched, 2);
  EXPECT_NEAR(many.experts_touched, 8, 1e-9);
  EXPECT_NEAR(many.decode.weight_bytes - one.decode.weight_bytes, 6.0 * 3 * 4096 * 14336 * 32 * 2,
              1);
  // Expert parallelism over 2 GPUs: each holds 4 experts and reads its share of those touched.
  ServingOptions ep;
  ep.tp = ep.ep = 2;
  EXPECT_DOUBLE_EQ(time_of("mixtral-8x7b", ep, load(1, 100, 2)).experts_touched, 1);
}

TEST(ServingTime, TensorParallelismHalvesWhatEachGpuReadsAndAddsAllReduces) {
  ServingOptions tp2;
  tp2.tp = 2;
  const ServingTime one = time_of("llama-3-8b", {}, load(8, 1000, 101));
  const ServingTime two = time_of("llama-3-8b", tp2, load(8, 1000, 101));
  // Every Linear and the head split in two; the KV heads too (8 over 2 ranks).
  EXPECT_DOUBLE_EQ(two.decode.weight_bytes, one.decode.weight_bytes / 2);
  EXPECT_DOUBLE_EQ(two.decode.kv_bytes, one.decode.kv_bytes / 2);
  EXPECT_EQ(one.decode.communication, 0);
  EXPECT_GT(two.decode.communication, 0);  // two all-reduces a layer, the logits gathered
  EXPECT_LT(two.tpot_s, one.tpot_s);
  EXPECT_LT(two.tokens_per_s_per_gpu, one.tokens_per_s_per_gpu);
  // The mean context over 100 steps from 1,000 tokens: 1,000 + (1 + 100)/2.
  EXPECT_DOUBLE_EQ(one.mean_context, 1050.5);
  EXPECT_DOUBLE_EQ(one.request_s, one.ttft_s + 100 * one.tpot_s);
  EXPECT_DOUBLE_EQ(one.tokens_per_s, 8 * 101 / one.request_s);
}

TEST(ServingTime, SlidingWindowAndLatentCachesReadWhatTheyKeep) {
  // Gemma-2-9B: 21 local layers keep 4,096 tokens, 21 global keep all; 8 KV heads × 256 × 2 × 2
  // bytes = 8,192 a layer and token. One step at context 8,001.
  const ServingTime gemma = time_of("gemma-2-9b", {}, load(1, 8000, 2));
  EXPECT_DOUBLE_EQ(gemma.decode.kv_bytes, 21.0 * 8192 * 4096 + 21.0 * 8192 * 8001);
  // DeepSeek-V3 at TP 8: every rank reads the whole latent, 70,272 bytes a token (61 layers of
  // (512 + 64) × 2), for each of 4 sequences at context 2,001.
  ServingOptions tp8;
  tp8.tp = 8;
  tp8.weights = parse_weight_format("fp8-block");
  const ServingTime dsv3 = time_of("deepseek-v3", tp8, load(4, 2000, 2), "H200");
  EXPECT_DOUBLE_EQ(dsv3.decode.kv_bytes, 4.0 * 2001 * 70'272);
  EXPECT_EQ(dsv3.gemm_dtype, Dtype::kFp8);
}

TEST(ServingTime, TheKernelsOfADecodeStepSumToIt) {
  const Graph g = build_graph(load_preset("mixtral-8x7b"));
  ServingOptions tp2;
  tp2.tp = 2;
  const ClusterSpec& dgx = find_cluster("dgx-h100");
  const ServingWork w = serving_work(g, dgx.gpu, tp2);
  const ServingLoad l = load(16, 1000, 100);
  double seconds = 0;
  std::vector<std::string> names;
  for (const BlockKernels& b : decode_kernels(w, dgx, l)) {
    for (const KernelTime& k : b.kernels) {
      seconds += k.seconds;
      if (b.name == "layers") names.push_back(k.name);
    }
  }
  EXPECT_NEAR(seconds, serving_time(w, dgx, l).tpot_s, 1e-12);
  // vLLM's fused GEMMs: q, k, v in one; the experts' gate and up in one (w13).
  EXPECT_THAT(names, ::testing::Contains("attention/q_proj+k_proj+v_proj"));
  EXPECT_THAT(names, ::testing::Contains("experts/gate_proj+up_proj"));
  EXPECT_THAT(names, ::testing::Contains("TP all-reduce"));
}

TEST(ServingTime, IdenticalLayersInARowArePricedOnce) {
  // Llama-3-8B: the embedding, one run of 32 identical layers, the final norm, the head; two
  // pipeline stages split the run in two; GGUF's Q4_K_M gives some layers' attn_v and ffn_down
  // more bits (use_more_bits), so its runs are shorter, and every layer is still counted once.
  const Graph g = build_graph(load_preset("llama-3-8b"));
  const Gpu& h100 = find_gpu("H100-SXM");
  auto layers = [](const ServingWork& w) {
    std::int64_t n = 0;
    for (const ServingLayer& l : w.layers) n += l.name == "layers" ? l.repeat : 0;
    return n;
  };
  const ServingWork one = serving_work(g, h100, {});
  EXPECT_EQ(one.layers.size(), 4U);
  EXPECT_EQ(layers(one), 32);
  ServingOptions pp2;
  pp2.pp = 2;
  EXPECT_EQ(serving_work(g, h100, pp2).layers.size(), 5U);
  ServingOptions q4;
  q4.weights = parse_weight_format("gguf-q4_k_m");
  const ServingWork gguf = serving_work(g, h100, q4);
  EXPECT_GT(gguf.layers.size(), 5U);
  EXPECT_EQ(layers(gguf), 32);
}

TEST(ServingTime, BadLoadsAndGpusWithoutAKernelModel) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  const ClusterSpec& cluster = find_cluster("dgx-h100");
  const ServingWork w = serving_work(g, cluster.gpu, {});
  EXPECT_THAT([&] { serving_time(w, cluster, load(0, 10, 10)); },
              ThrowsMessage<Error>(HasSubstr("a batch, input and output lengths")));
  EXPECT_THAT([&] { serving_work(g, custom_gpu(100, 80), {}); },
              ThrowsMessage<Error>(HasSubstr("has no kernel model")));
  // A config of 200,000 layers: past what tsize walks layer by layer.
  ModelSpec deep = load_preset("gpt2");
  deep.n_layers = 200'000;
  EXPECT_THAT(
      [&] { serving_work(build_graph(deep), cluster.gpu, {}); },
      ThrowsMessage<Error>(HasSubstr("200000 layers: tsize serves models of up to 100000")));
  ServingOptions bad;
  bad.tp = 3;
  EXPECT_THAT([&] { serving_work(g, cluster.gpu, bad); },
              ThrowsMessage<Error>(HasSubstr("attention heads 32 are not divisible by --tp 3")));
}

}  // namespace
}  // namespace tsize
