#include "tsize/presets.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tsize {
namespace {

using test::count_preset;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TEST(Presets, EveryModelTheIssueNamesIsThere) {
  for (const char* name : {"gpt2-tiny",         "gpt2",        "gpt2-medium",
                           "gpt2-large",        "gpt2-xl",     "gpt3-small",
                           "gpt3-medium",       "gpt3-xl",     "gpt3-175b",
                           "bert-base-uncased", "deepseek-v3", "deepseek-v3.2-exp",
                           "gpt2-xl-swiglu",    "llama-3-8b",  "llama-3.1-70b",
                           "llama-3.1-405b",    "mistral-7b",  "mixtral-8x7b",
                           "qwen2.5-7b",        "gemma-2-9b",  "phi-3-mini",
                           "pythia-1b"}) {
    EXPECT_NO_THROW(load_preset(name)) << name;
  }
}

TEST(Presets, EveryPresetHasADescriptionAndCounts) {
  for (const Preset& p : presets()) {
    const ModelSpec spec = load_preset(std::string(p.name));
    EXPECT_FALSE(spec.description.empty()) << p.name;
    EXPECT_EQ(spec.name, p.name);
    EXPECT_GT(test::count(spec).total, 0) << p.name;
  }
}

// Published totals; sources in tests/data/published_params.md (safetensors metadata of the HF
// repos, model cards).
TEST(Presets, MatchPublishedTotals) {
  EXPECT_EQ(count_preset("gpt2-medium").total, 354'823'168);
  EXPECT_EQ(count_preset("gpt2-large").total, 774'030'080);
  EXPECT_EQ(count_preset("llama-3.1-70b").total, 70'553'706'496);
  EXPECT_EQ(count_preset("llama-3.1-405b").total, 405'853'388'800);
  EXPECT_EQ(count_preset("gemma-2-9b").total, 9'241'705'984);
  EXPECT_EQ(count_preset("phi-3-mini").total, 3'821'079'552);
  EXPECT_EQ(count_preset("gpt2-tiny").total, 14'478'592);  // = the nanoGPT PyTorch record
}

TEST(Presets, DeepSeekV32AddsOneIndexerPerLayer) {
  // Indexer (DeepSeek-V3.2-Exp inference/model.py): wq_b 1536·64·128 + wk 7168·128
  // + k_norm 2·128 + weights_proj 7168·64 = 13,959,424 per layer, 61 layers.
  EXPECT_EQ(count_preset("deepseek-v3.2-exp").total,
            count_preset("deepseek-v3").total + 61 * Count{13'959'424});
}

TEST(Presets, NamesAreCaseInsensitive) { EXPECT_EQ(load_preset("Llama-3-8B").name, "llama-3-8b"); }

TEST(Presets, UnknownNameSuggestsTheNearest) {
  EXPECT_THAT([] { load_preset("lama-3-8b"); },
              ThrowsMessage<Error>(HasSubstr("did you mean llama-3-8b")));
  EXPECT_THAT([] { load_preset("gpt2-x"); }, ThrowsMessage<Error>(HasSubstr("gpt2-xl")));
  EXPECT_THAT([] { load_preset("zzzzzzzzzz"); },
              ThrowsMessage<Error>(HasSubstr("`tsize models` lists the presets")));
}

TEST(Presets, ModelArgumentWithSlashOrJsonIsAPath) {
  EXPECT_EQ(load_model(test::data_path("hf-configs/openai-community__gpt2.json")).name,
            "openai-community__gpt2");
  EXPECT_THAT([] { load_model("missing/config.json"); },
              ThrowsMessage<Error>(HasSubstr("missing/config.json: cannot open file")));
}

TEST(NearestNames, RanksTyposFirst) {
  const std::vector<std::string> names = {"gpt2", "gpt2-xl", "gpt2-large", "mistral-7b"};
  EXPECT_EQ(nearest_names("gtp2", names).front(), "gpt2");
  EXPECT_EQ(nearest_names("mistral", names).front(), "mistral-7b");
  EXPECT_TRUE(nearest_names("bert", names).empty());
}

}  // namespace
}  // namespace tsize
