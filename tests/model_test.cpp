#include "tsize/model.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tsize/error.hpp"
#include "tsize/presets.hpp"

namespace tsize {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

ModelSpec small() {
  ModelSpec s;
  s.name = "m";
  s.n_layers = 2;
  s.d_model = 64;
  s.n_heads = s.n_kv_heads = 4;
  s.d_head = 16;
  s.d_ff = 256;
  s.vocab = 100;
  s.max_positions = 32;
  return s;
}

TEST(Validate, AcceptsASmallModel) { EXPECT_NO_THROW(validate(small())); }

TEST(Validate, ListsEveryProblem) {
  ModelSpec s = small();
  s.n_layers = 0;
  s.vocab = -1;
  s.n_kv_heads = 3;
  EXPECT_THAT(
      [&] { validate(s); },
      ThrowsMessage<Error>(AllOf(
          HasSubstr("m: not a valid model"), HasSubstr("n_layers=0 must be a positive integer"),
          HasSubstr("vocab=-1"), HasSubstr("n_kv_heads=3 does not divide n_heads=4"))));
}

TEST(Validate, RejectsMoeWithMoreActiveThanExperts) {
  ModelSpec s = small();
  s.moe = MoeSpec{};
  s.moe->n_routed_experts = 4;
  s.moe->experts_per_token = 5;
  s.moe->d_ff_expert = 32;
  EXPECT_THAT([&] { validate(s); },
              ThrowsMessage<Error>(HasSubstr("experts_per_token=5 exceeds n_routed_experts=4")));
}

TEST(Validate, RejectsSizesAboveTheSupportedMaximum) {
  ModelSpec s = small();
  s.d_model = kMaxDimension + 1;
  EXPECT_THAT([&] { validate(s); }, ThrowsMessage<Error>(HasSubstr("largest supported size")));
}

TEST(IsMoeLayer, DeepSeekV3HasThreeDenseLayersFirst) {
  const ModelSpec s = load_preset("deepseek-v3");
  EXPECT_FALSE(is_moe_layer(s, 0));
  EXPECT_FALSE(is_moe_layer(s, 2));
  EXPECT_TRUE(is_moe_layer(s, 3));
  EXPECT_TRUE(is_moe_layer(s, 60));
}

TEST(Describe, SaysWhatAUserNeedsInOneLine) {
  EXPECT_EQ(describe(load_preset("llama-3-8b")),
            "32 layers, d_model 4096, 32 heads / 8 KV heads (GQA), d_ff 14336 SwiGLU, RMSNorm, "
            "RoPE, vocab 128256, untied embeddings");
  EXPECT_THAT(describe(load_preset("pythia-1b")), HasSubstr("RoPE on 25% of d_head"));
  EXPECT_THAT(describe(load_preset("mixtral-8x7b")), HasSubstr("MoE 8 experts (top-2)"));
}

}  // namespace
}  // namespace tsize
