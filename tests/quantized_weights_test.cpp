// Weights in storage formats: GGUF's block types from ggml's structs, llama.cpp's per-tensor
// rules against published Llama-3-8B files (tests/data/gguf), and the GPTQ, AWQ, bitsandbytes,
// FP8 and int8 layouts derived tensor by tensor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.hpp"
#include "tsize/error.hpp"
#include "tsize/quantized_weights.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

Count u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

TEST(GgufTypes, BlockBytesAreTheStructsOfGgml) {
  // ggml-common.h: ggml_half is 2 bytes, QK_K = 256, K_SCALE_SIZE = 12.
  const std::vector<std::pair<GgufType, int>> bytes{
      {GgufType::kQ4_0, 2 + 32 / 2},                        // d; qs[16]
      {GgufType::kQ4_1, 2 + 2 + 32 / 2},                    // d, m; qs[16]
      {GgufType::kQ5_0, 2 + 4 + 32 / 2},                    // d; qh[4]; qs[16]
      {GgufType::kQ5_1, 2 + 2 + 4 + 32 / 2},                // d, m; qh[4]; qs[16]
      {GgufType::kQ8_0, 2 + 32},                            // d; qs[32]
      {GgufType::kQ2_K, 256 / 16 + 256 / 4 + 2 + 2},        // scales, qs, d, dmin
      {GgufType::kQ3_K, 256 / 8 + 256 / 4 + 12 + 2},        // hmask, qs, scales, d
      {GgufType::kQ4_K, 2 + 2 + 12 + 256 / 2},              // d, dmin, scales, qs
      {GgufType::kQ5_K, 2 + 2 + 12 + 256 / 8 + 256 / 2},    // d, dmin, scales, qh, qs
      {GgufType::kQ6_K, 256 / 2 + 256 / 4 + 256 / 16 + 2},  // ql, qh, scales, d
      {GgufType::kIQ4_NL, 2 + 32 / 2},                      // d; qs[16]
      {GgufType::kIQ4_XS, 2 + 2 + 256 / 64 + 256 / 2},      // d, scales_h, scales_l, qs
      {GgufType::kMXFP4, 1 + 32 / 2},                       // e; qs[16]
  };
  for (const auto& [type, expected] : bytes) {
    EXPECT_EQ(gguf_type_info(type).bytes, expected) << gguf_type_info(type).name;
  }
  for (std::size_t i = 0; i < kGgufTypes.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kGgufTypes[i].type), i);
  }
}

TEST(GgufMixes, Llama3_8bQ4KMByLlamaCppsRule) {
  // Derived tensor by tensor: token_embd Q4_K (128,256 × 4,096), output Q6_K; per layer attn_q
  // and attn_output 4,096², attn_k 1,024 × 4,096 and ffn_gate, ffn_up 14,336 × 4,096 in Q4_K;
  // attn_v and ffn_down in Q6_K on the 16 layers use_more_bits picks (0-3, 6, 9, ..., 27, 28-31),
  // else Q4_K; norms in F32.
  const auto q4k = [](std::int64_t rows, std::int64_t ne0) { return u(rows * ne0 / 256 * 144); };
  const auto q6k = [](std::int64_t rows, std::int64_t ne0) { return u(rows * ne0 / 256 * 210); };
  Count expected = q4k(128256, 4096) + q6k(128256, 4096) + u(4096 * 4);
  int more = 0;
  for (int i = 0; i < 32; ++i) {
    const bool bits = i < 4 || i >= 28 || (i - 4) % 3 == 2;
    more += bits ? 1 : 0;
    expected += 2 * q4k(4096, 4096) + q4k(1024, 4096) + (bits ? q6k(1024, 4096) : q4k(1024, 4096));
    expected += 2 * q4k(14336, 4096) + (bits ? q6k(4096, 14336) : q4k(4096, 14336));
    expected += u(2 * 4096 * 4);
  }
  EXPECT_EQ(more, 16);
  const Graph g = build_graph(load_preset("llama-3-8b"));
  const WeightBytes w = weight_bytes(g, parse_weight_format("gguf-q4_k_m"));
  EXPECT_EQ(w.total, expected);
  EXPECT_EQ(w.total, 4'912'898'048U);
  EXPECT_EQ(add(w.quantized_params, w.kept_params), 8'030'261'248U);
  EXPECT_NEAR(w.bits_per_weight(), 4.894, 0.001);
}

TEST(GgufMixes, EveryPublishedFileIsItsTensorsPlusOneHeader) {
  // Within one uploader's files the bytes beyond tsize's tensor data are the same for every file
  // type (the header and metadata, mostly the tokenizer): the rules pick every tensor's type
  // right, to the byte.
  const Graph g = build_graph(load_preset("llama-3-8b"));
  const auto data =
      nlohmann::json::parse(test::read_file(test::data_path("gguf/llama-3-8b-sizes.json")));
  for (const auto& set : data["sets"]) {
    std::optional<std::int64_t> header;
    for (const auto& [name, size] : set["files"].items()) {
      const WeightBytes w = weight_bytes(g, parse_weight_format(name));
      const std::int64_t extra = size.get<std::int64_t>() - static_cast<std::int64_t>(w.total);
      if (!header) header = extra;
      EXPECT_EQ(extra, *header) << name << " of " << set["uploader"];
      EXPECT_GT(extra, 0);
      EXPECT_LT(extra, 8'000'000);  // the tokenizer's 128,256 tokens and merges
    }
  }
}

TEST(GgufMixes, MixtureOfEightExpertsKeepsAttentionAtEightBits) {
  // llama.cpp: with exactly 8 experts attn_v and attn_k become Q8_0, attn_output Q5_K (Q4_K_M).
  const Graph g = build_graph(load_preset("mixtral-8x7b"));
  const WeightBytes w = weight_bytes(g, parse_weight_format("gguf-q4_k_m"));
  const auto bytes = [&](GgufType t) { return w.gguf_bytes[static_cast<std::size_t>(t)]; };
  // attn_k and attn_v: 1,024 × 4,096 each, 32 layers, Q8_0 (34 bytes per 32).
  EXPECT_EQ(bytes(GgufType::kQ8_0), u(2 * 32 * 1024 * 4096 / 32 * 34));
  // attn_output 4,096², Q5_K (176 per 256), and Q6_K for output and the use_more_bits ffn_down.
  EXPECT_GE(bytes(GgufType::kQ5_K), u(32 * 4096 * 4096 / 256 * 176));
  EXPECT_GT(bytes(GgufType::kQ6_K), 0U);
}

TEST(WeightFormats, GptqAndAwqLayouts) {
  // Llama-3-8B, 4 bits in groups of 128: per Linear K·N/2 (qweight) + K/128·N/2 (qzeros) +
  // 2·K/128·N (scales) + 4·K (g_idx, GPTQ only); embeddings, head and norms in fp16.
  const Graph g = build_graph(load_preset("llama-3-8b"));
  const std::vector<std::pair<std::int64_t, std::int64_t>> linears{
      {4096, 4096},  {4096, 1024},  {4096, 1024}, {4096, 4096},
      {4096, 14336}, {4096, 14336}, {14336, 4096}};  // (K, N): q, k, v, o, gate, up, down
  Count gptq = 0, awq = 0, quantized = 0;
  for (const auto& [k, n] : linears) {
    const Count packed = u(k * n / 2 + k / 128 * n / 2 + 2 * (k / 128) * n);
    awq += 32 * packed;
    gptq += 32 * (packed + u(4 * k));
    quantized += u(32 * k * n);
  }
  const Count kept = 2 * (2 * u(128256 * 4096) + u(65 * 4096));  // embed, head, 65 norms
  const WeightBytes gw = weight_bytes(g, parse_weight_format("gptq-int4-g128"));
  EXPECT_EQ(gw.quantized, gptq);
  EXPECT_EQ(gw.quantized_params, quantized);
  EXPECT_EQ(gw.kept, kept);
  EXPECT_EQ(gw.total, gptq + kept);
  const WeightBytes aw = weight_bytes(g, parse_weight_format("awq-int4-g128"));
  EXPECT_EQ(aw.quantized, awq);
  // One group per column: scales and zeros are one row.
  const WeightBytes one = weight_bytes(g, parse_weight_format("gptq-int8"));
  EXPECT_EQ(one.quantized, [&] {
    Count b = 0;
    for (const auto& [k, n] : linears) b += 32 * u(k * n + n + 2 * n + 4 * k);
    return b;
  }());
}

TEST(WeightFormats, BitsandbytesFp8AndInt8) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  const WeightBytes bf16 = weight_bytes(g, parse_weight_format("bf16"));
  EXPECT_EQ(bf16.total, 2 * 8'030'261'248U);
  EXPECT_EQ(bf16.quantized, 0U);
  // nf4: 0.5 B per weight + a fp32 absmax per 64 (4.5 bits); double quantized: a uint8 absmax per
  // 64 and a fp32 per 256 blocks (4.127 bits), plus per tensor the 16-float map (and 1 KiB + 4 B).
  const WeightBytes nf4 = weight_bytes(g, parse_weight_format("nf4"));
  const WeightBytes dq = weight_bytes(g, parse_weight_format("nf4-dq"));
  const double q = to_double(nf4.quantized_params);
  EXPECT_NEAR(to_double(nf4.quantized) / q * 8, 4.5, 0.001);
  EXPECT_NEAR(to_double(dq.quantized) / q * 8, 4.127, 0.001);
  // FP8 with a fp32 scale per output row; per 128×128 block; int8 with a row scale.
  const WeightBytes fp8 = weight_bytes(g, parse_weight_format("fp8"));
  const WeightBytes block = weight_bytes(g, parse_weight_format("fp8-block"));
  const WeightBytes int8 = weight_bytes(g, parse_weight_format("int8"));
  EXPECT_EQ(fp8.quantized_params, nf4.quantized_params);
  const Count rows = 32 * u(4096 + 1024 + 1024 + 4096 + 14336 + 14336 + 4096);
  EXPECT_EQ(fp8.quantized, fp8.quantized_params + 4 * rows);
  EXPECT_EQ(int8.quantized, fp8.quantized);
  EXPECT_EQ(block.quantized,
            block.quantized_params + 4 * 32 * u(32 * 32 + 8 * 32 * 2 + 32 * 32 + 112 * 32 * 3));
}

TEST(WeightFormats, FormatsTheModelCannotTake) {
  const Graph g = build_graph(parse_hf_config(R"({"model_type": "llama", "hidden_size": 256,
    "intermediate_size": 1000, "num_hidden_layers": 2, "num_attention_heads": 4,
    "vocab_size": 1000})",
                                              "test"));
  EXPECT_THAT([&] { weight_bytes(g, parse_weight_format("gptq-int4-g128")); },
              ThrowsMessage<Error>(HasSubstr("group size 128 does not divide down_proj's 1000 "
                                             "input features")));
  EXPECT_THAT([&] { weight_bytes(g, parse_weight_format("awq-int4-g64")); },
              ThrowsMessage<Error>(HasSubstr("group size 64 does not divide down_proj's 1000")));
  // Rows of 1,000: Q4_K (256) falls back to Q5_0 (32), which does not divide either: F16.
  const WeightBytes k = weight_bytes(g, parse_weight_format("gguf-q4_k_m"));
  EXPECT_GT(k.gguf_bytes[static_cast<std::size_t>(GgufType::kF16)], 0U);
  EXPECT_THAT([&] { weight_bytes(g, parse_weight_format("gguf-q8_0")); },
              ThrowsMessage<Error>(HasSubstr("down_proj's rows of 1000 elements are not a "
                                             "multiple of Q8_0's blocks of 32")));
}

TEST(WeightFormats, ParsesEveryNameAndRefusesOthers) {
  EXPECT_EQ(parse_weight_format("GPTQ-INT4-G128").group, 128);
  EXPECT_EQ(parse_weight_format("gptq-int8-g32").bits, 8);
  EXPECT_EQ(parse_weight_format("gguf-q5_k_m").gguf, GgufFileType::kQ5_K_M);
  EXPECT_TRUE(parse_weight_format("fp4-dq").double_quant);
  for (const char* bad : {"int4", "gptq-int4-g0", "gptq-int5-g128", "awq-int8-g128", "gguf-q4_k_x",
                          "gptq-int4-g", "nf8"}) {
    EXPECT_THROW(parse_weight_format(bad), Error) << bad;
  }
  EXPECT_THAT([] { parse_weight_format("q4"); },
              ThrowsMessage<Error>(HasSubstr("--weights q4: expected bf16, fp16, fp32, fp8")));
}

}  // namespace
}  // namespace tsize
