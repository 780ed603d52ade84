#include "tsize/overrides.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TEST(SpecFromFlags, BuildsNanoGptsDefaultGpt2) {
  ModelOverrides o;
  o.layers = 12;
  o.d_model = 768;
  o.heads = 12;
  EXPECT_EQ(test::count(spec_from_flags(o)).total, 124'439'808);
}

TEST(SpecFromFlags, NamesTheMissingFlags) {
  ModelOverrides o;
  o.layers = 12;
  EXPECT_THAT([&] { spec_from_flags(o); },
              ThrowsMessage<Error>(HasSubstr("needs --d-model --heads")));
}

TEST(ApplyOverrides, BiasFalseRemovesEveryLinearAndNormBias) {
  ModelOverrides o;
  o.bias = false;
  // GPT-2 small has per layer 3d + d + 4d + d linear biases and 2·d norm biases, and d for ln_f.
  const Count d = 768, biases = 12 * (3 * d + d + 4 * d + d + 2 * d) + d;
  EXPECT_EQ(test::count(apply_overrides(load_preset("gpt2"), o)).total, 124'439'808 - biases);
}

TEST(ApplyOverrides, ChangingWidthRederivesHeadDim) {
  ModelOverrides o;
  o.d_model = 1024;
  o.heads = 16;
  const ModelSpec s = apply_overrides(load_preset("gpt2"), o);
  EXPECT_EQ(s.d_head, 64);
  EXPECT_EQ(s.n_kv_heads, 16);
  o.heads = 7;
  EXPECT_THAT([&] { apply_overrides(load_preset("gpt2"), o); },
              ThrowsMessage<Error>(HasSubstr("--heads 7 does not divide --d-model 1024")));
}

TEST(ApplyOverrides, SwigluAndRmsnormChangeTheCount) {
  ModelOverrides o;
  o.mlp = MlpChoice::kSwiglu;
  o.norm = NormKind::kRMSNorm;
  o.positions = PositionKind::kRotary;
  o.bias = false;
  o.tied = false;
  o.d_ff = 6400;
  // gpt2-xl with these flags is seed 004's model, the gpt2-xl-swiglu preset.
  EXPECT_EQ(test::count(apply_overrides(load_preset("gpt2-xl"), o)).total,
            test::count_preset("gpt2-xl-swiglu").total);
}

TEST(ApplyOverrides, DffOnAnAllMoeModelIsAnError) {
  ModelOverrides o;
  o.d_ff = 1000;
  EXPECT_THAT([&] { apply_overrides(load_preset("mixtral-8x7b"), o); },
              ThrowsMessage<Error>(HasSubstr("every layer of mixtral-8x7b is MoE")));
}

TEST(ApplyOverrides, LayerNormOnAnRmsNormModelHasABias) {
  ModelOverrides o;
  o.norm = NormKind::kLayerNorm;
  // llama-3-8b: 2 norms per layer × 32 + the final one, each gains a 4096 bias.
  EXPECT_EQ(test::count(apply_overrides(load_preset("llama-3-8b"), o)).total,
            8'030'261'248 + (2 * 32 + 1) * 4096);
}

TEST(ParseFlags, BadValuesNameTheChoices) {
  EXPECT_THAT([] { parse_choice<MlpChoice>("swish"); },
              ThrowsMessage<Error>(HasSubstr("gelu, relu, swiglu")));
  EXPECT_THAT([] { parse_bool("--tied", "yes"); },
              ThrowsMessage<Error>(HasSubstr("--tied yes: expected true or false")));
}

}  // namespace
}  // namespace tsize
