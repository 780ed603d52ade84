// The KV cache per token and per sequence, derived from each model's config in the test: GQA,
// MLA's latent, sliding windows (Gemma-2's alternation, Mistral-7B's every layer), Llama-4's
// chunks, cache dtypes and vLLM's paging.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "tsize/error.hpp"
#include "tsize/kv_cache.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

KvCache cache_of(const char* preset, KvDtype dtype = KvDtype::kBf16) {
  return kv_cache(build_graph(load_preset(preset)), dtype);
}

TEST(KvCache, GroupedQueryAttention) {
  // Llama-3-8B: 32 layers × 8 KV heads × (128 + 128) × 2 bytes.
  EXPECT_EQ(cache_of("llama-3-8b").bytes_per_token, 32U * 8 * 256 * 2);
  EXPECT_EQ(cache_of("llama-3-8b").bytes_per_token, 131'072U);
  // GPT-2 (MHA): 12 layers × 12 heads × (64 + 64) × 2.
  EXPECT_EQ(cache_of("gpt2").bytes_per_token, 12U * 12 * 128 * 2);
}

TEST(KvCache, MultiHeadLatentAttention) {
  // DeepSeek-V3: 61 layers × (kv_lora_rank 512 + qk_rope_head_dim 64) × 2 bytes, one latent
  // shared by the 128 heads.
  const KvCache c = cache_of("deepseek-v3");
  EXPECT_EQ(c.bytes_per_token, 61U * (512 + 64) * 2);
  EXPECT_EQ(c.bytes_per_token, 70'272U);
  ASSERT_EQ(c.groups.size(), 1U);
  EXPECT_EQ(c.groups[0].heads, 1);
}

TEST(KvCache, SlidingWindowsCapTheirLayers) {
  // Gemma-2-9B: 42 layers alternating a 4,096-token window and global attention; 8 KV heads of
  // 256: 8 × 512 × 2 = 8,192 bytes per layer and token.
  const KvCache gemma = cache_of("gemma-2-9b");
  EXPECT_EQ(gemma.bytes_per_token, 42U * 8192);
  EXPECT_EQ(gemma.bytes(2048, 1, 1), 42U * 8192 * 2048);  // inside the window: every token
  EXPECT_EQ(gemma.bytes(16384, 1, 1), 21ULL * 8192 * 16384 + 21ULL * 8192 * 4096);
  // Mistral-7B (v0.1): every layer windowed at 4,096; at 32k tokens 8× less than unbounded.
  const KvCache mistral = cache_of("mistral-7b");
  EXPECT_EQ(mistral.bytes(32768, 1, 1), 32ULL * 8 * 256 * 2 * 4096);
  // Llama-4-Scout: three of every four layers attend within chunks of 8,192 tokens.
  const KvCache scout = cache_of("llama-4-scout");
  EXPECT_EQ(scout.bytes(65536, 1, 1), 12ULL * 8 * 256 * 2 * 65536 + 36ULL * 8 * 256 * 2 * 8192);
}

TEST(KvCache, PagedInBlocksAndSequences) {
  // vLLM: each layer's tokens in blocks of 16; 1,000 tokens take 63 blocks = 1,008 tokens.
  const KvCache c = cache_of("llama-3-8b");
  EXPECT_EQ(c.bytes(1000, 1, 16), 1008U * 131'072);
  EXPECT_EQ(c.bytes(1000, 7, 16), 7U * 1008 * 131'072);
  EXPECT_EQ(c.bytes(1024, 1, 16), c.bytes(1024, 1, 1));
}

TEST(KvCache, CacheDtypes) {
  // Llama-3-8B: 2,048 elements per layer and token: fp8 one byte each; q8_0 64 blocks of 34;
  // q4_0 64 blocks of 18.
  EXPECT_EQ(cache_of("llama-3-8b", KvDtype::kFp8).bytes_per_token, 32U * 2048);
  EXPECT_EQ(cache_of("llama-3-8b", KvDtype::kInt8).bytes_per_token, 32U * 64 * 34);
  EXPECT_EQ(cache_of("llama-3-8b", KvDtype::kInt4).bytes_per_token, 32U * 64 * 18);
  // One KV head of 60: 120 elements per layer and token, not whole blocks of 32.
  const Graph odd = build_graph(parse_hf_config(R"({"model_type": "llama", "hidden_size": 120,
    "intermediate_size": 256, "num_hidden_layers": 2, "num_attention_heads": 2,
    "num_key_value_heads": 1, "vocab_size": 1000})",
                                                "test"));
  EXPECT_THAT([&] { kv_cache(odd, KvDtype::kInt8); },
              ThrowsMessage<Error>(HasSubstr("120 cached elements per token and layer are not "
                                             "whole blocks of 32")));
}

TEST(KvCache, EncodersKeepNone) {
  EXPECT_THAT([] { cache_of("bert-base-uncased"); },
              ThrowsMessage<Error>(HasSubstr("is an encoder: it generates nothing")));
}

}  // namespace
}  // namespace tsize
