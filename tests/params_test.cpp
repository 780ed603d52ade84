// Parameter counts against released checkpoints, PyTorch measurements and hand derivations.
#include "tsize/params.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.hpp"
#include "tsize/overrides.hpp"

namespace tsize {
namespace {

using test::count_config;
using test::count_preset;

// shared/reference/hf-configs/PARAMS.md, copied to tests/data/hf-configs/PARAMS.md.
TEST(CountParams, MatchesEveryPublishedCountInParamsMd) {
  EXPECT_EQ(count_config("openai-community__gpt2.json").total, 124'439'808);
  EXPECT_EQ(count_config("openai-community__gpt2-xl.json").total, 1'557'611'200);
  EXPECT_EQ(count_config("google-bert__bert-base-uncased.json").total, 109'482'240);
  EXPECT_EQ(count_config("meta-llama__Meta-Llama-3-8B.json").total, 8'030'261'248);
  EXPECT_EQ(count_config("mistralai__Mistral-7B-v0.1.json").total, 7'241'732'096);
  EXPECT_EQ(count_config("Qwen__Qwen2.5-7B.json").total, 7'615'616'512);
  const ParamCounts mixtral = count_config("mistralai__Mixtral-8x7B-v0.1.json");
  EXPECT_EQ(mixtral.total, 46'702'792'704);
  EXPECT_EQ(mixtral.active, 12'879'925'248);
  const ParamCounts pythia = count_config("EleutherAI__pythia-1b.json");
  EXPECT_EQ(pythia.total, 1'011'781'632);
  EXPECT_EQ(pythia.non_embedding, 805'736'448);  // Pythia paper's non-embedding column
}

TEST(CountParams, Gpt2XlMatchesItsClosedForm) {
  // PARAMS.md: 48·(12d² + 13d) + V·d + 1024·d + 2d, d = 1600, V = 50257.
  const Count d = 1600, v = 50257;
  EXPECT_EQ(count_config("openai-community__gpt2-xl.json").total,
            48 * (12 * d * d + 13 * d) + v * d + 1024 * d + 2 * d);
}

TEST(CountParams, DeepSeekV3MainModelIs671BWith37BActive) {
  // Paper (arXiv:2412.19437): 671B total, 37B activated, MTP excluded. Derivation, h = 7168:
  //   MLA per layer: q_a 7168·1536 + 1536 + q_b 1536·128·192 + kv_a 7168·576 + 512
  //                  + kv_b 512·128·256 + o 128·128·7168 = 187,107,328
  //   norms 2·7168; dense MLP 3·7168·18432 = 396,361,728
  //   MoE: router 256·7168 + bias 256; 257 SwiGLU experts of 3·7168·2048 = 44,040,192
  //   3 dense + 58 MoE layers, embedding and lm_head 129280·7168 each, final norm 7168.
  const Count h = 7168, mla = 187'107'328, norms = 2 * h, expert = 3 * h * 2048;
  const Count dense = mla + norms + 3 * h * 18432;
  const Count moe = mla + norms + 256 * h + 256 + 257 * expert;
  const Count total = 3 * dense + 58 * moe + 2 * 129280 * h + h;
  const ParamCounts c = count_config("deepseek-ai__DeepSeek-V3.json");
  EXPECT_EQ(c.total, total);
  EXPECT_EQ(c.total, 671'026'419'200);
  EXPECT_EQ(c.trainable, total - 58 * 256);  // the score-correction bias gets no gradient
  // Active: 8 routed + 1 shared expert in each MoE layer.
  EXPECT_EQ(c.active, total - 58 * 248 * expert);
  EXPECT_EQ(c.active, 37'552'297'472);
}

// shared/reference/pytorch-nanogpt.json: sum(p.numel()) of nanoGPT's GPT for each config.
TEST(CountParams, MatchesNanoGptPyTorchCount) {
  int checked = 0;
  for (const auto& r : test::nanogpt_records()) {
    const auto& c = r["config"];
    const ParamCounts p = test::count(test::nanogpt_spec(c));
    EXPECT_EQ(p.total, r["params"].get<std::uint64_t>()) << c["name"];
    // nanoGPT's get_num_params(non_embedding=True) subtracts only wpe (wte is the tied head);
    // tsize's non-embedding also leaves out wte, so the two differ by exactly V·d.
    EXPECT_EQ(p.non_embedding +
                  Count{c["vocab_size"].get<std::uint64_t>()} * c["n_embd"].get<std::uint64_t>(),
              r["params_detail"]["get_num_params_non_embedding_true"].get<std::uint64_t>());
    ++checked;
  }
  EXPECT_EQ(checked, 16);
}

TEST(CountParams, Seed001MissesTheAttentionBiasesOfGpt2Xl) {
  // Seed 001's get_params prints 1,557,304,000: its attention/kqv (3d²) and attention/proj (d²)
  // lines have no biases. c_attn and c_proj carry 3d + d biases in each of 48 layers.
  EXPECT_EQ(count_preset("gpt2-xl").total, 1'557'304'000 + 48 * (3 * 1600 + 1600));
}

TEST(CountParams, Seed004ClosedFormOmitsOnlyTheNorms) {
  // Seed 004: 2vh + 16lh² for its GPT-2-XL-shaped SwiGLU model (d_ff = 4h, untied, no biases).
  // The exact count adds 2 RMSNorm vectors per layer and the final one: (2l + 1)·h.
  const Count v = 50257, h = 1600, l = 48;
  EXPECT_EQ(count_preset("gpt2-xl-swiglu").total, 2 * v * h + 16 * l * h * h + (2 * l + 1) * h);
}

TEST(CountParams, Gpt3TableSizesFromTheArchitecture) {
  // GPT-2 architecture at context 2048: L·(12d² + 13d) + V·d + 2048·d + 2d.
  auto gpt3 = [](Count l, Count d) {
    return l * (12 * d * d + 13 * d) + 50257 * d + 2048 * d + 2 * d;
  };
  EXPECT_EQ(count_preset("gpt3-small").total, gpt3(12, 768));
  EXPECT_EQ(count_preset("gpt3-medium").total, gpt3(24, 1024));
  EXPECT_EQ(count_preset("gpt3-xl").total, gpt3(24, 2048));
  EXPECT_EQ(count_preset("gpt3-175b").total, gpt3(96, 12288));
  EXPECT_EQ(count_preset("gpt3-175b").total, 174'604'259'328);  // "175.0B" in Table 2.1
}

TEST(CountParams, BreakdownSumsToTheTotals) {
  for (const Preset& p : presets()) {
    const ParamCounts c = count_preset(std::string(p.name));
    EXPECT_EQ(c.breakdown.value(), c.total) << p.name;
    Count sum = 0;
    for (const Breakdown& b : c.breakdown.children) sum += b.value();
    EXPECT_EQ(sum, c.total) << p.name;
    EXPECT_LE(c.active, c.total) << p.name;
    EXPECT_LE(c.non_embedding, c.total) << p.name;
  }
}

TEST(CountParams, TiedHeadCountsOnceAndIsShown) {
  const ParamCounts tied = count_preset("gpt2");
  const Breakdown& head = tied.breakdown.children.back();
  EXPECT_EQ(head.name, "lm_head");
  EXPECT_EQ(head.value(), 0);
  EXPECT_EQ(head.note, "tied to embedding/token");
  ModelOverrides untie;
  untie.tied = false;
  EXPECT_EQ(test::count(apply_overrides(load_preset("gpt2"), untie)).total,
            tied.total + 50257 * 768);
}

}  // namespace
}  // namespace tsize
