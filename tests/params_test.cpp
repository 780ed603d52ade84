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

// Issue 11: one real model of each family added; the published counts and their sources are in
// tests/data/hf-configs/PARAMS.md ("Families added for issue 11").
TEST(CountParams, TodaysFamiliesMatchTheirPublishedCounts) {
  struct Case {
    const char* file;
    Count total, active;  // active 0: a dense model (active = total)
  };
  const Case cases[] = {
      {"Qwen__Qwen3-30B-A3B.json", 30'532'122'624, 3'353'032'704},
      {"allenai__OLMo-2-1124-7B.json", 7'298'617'344, 0},
      {"allenai__OLMoE-1B-7B-0924.json", 6'919'161'856, 1'282'017'280},
      {"openai__gpt-oss-20b.json", 20'914'757'184, 4'187'440'704},
      {"openai__gpt-oss-120b.json", 116'829'156'672, 5'711'982'912},
      {"meta-llama__Llama-4-Scout-17B-16E.json", 107'769'861'120, 17'172'894'720},
      {"google__gemma-3-1b-it.json", 999'885'952, 0},
      {"google__gemma-3-12b-it.json", 11'766'034'176, 0},
      {"mistralai__Mistral-Small-3.1-24B-Base-2503.json", 23'572'403'200, 0},
      {"ibm-granite__granite-3.3-8b-instruct.json", 8'170'864'640, 0},
      {"CohereForAI__aya-expanse-8b.json", 8'028'033'024, 0},
      {"microsoft__phi-2.json", 2'779'683'840, 0},
      {"microsoft__phi-1_5.json", 1'418'270'720, 0},
      {"microsoft__Phi-3.5-MoE-instruct.json", 41'873'153'344, 6'640'999'744},
      {"stabilityai__stablelm-2-12b.json", 12'143'185'920, 0},
      {"stabilityai__stablelm-2-1_6b.json", 1'644'515'328, 0},
      {"stabilityai__stablelm-3b-4e1t.json", 2'795'443'200, 0},
      {"tiiuae__falcon-rw-1b.json", 1'311'625'216, 0},
      {"tiiuae__falcon-40b.json", 41'303'293'952, 0},
      {"databricks__dbrx-instruct.json", 131'596'523'520, 36'469'708'800},
      {"bigcode__starcoder2-3b.json", 3'030'371'328, 0},
      {"bigcode__starcoder2-15b.json", 15'957'889'024, 0},
  };
  for (const Case& c : cases) {
    const ParamCounts p = count_config(c.file);
    EXPECT_EQ(p.total, c.total) << c.file;
    EXPECT_EQ(p.active, c.active == 0 ? c.total : c.active) << c.file;
  }
}

// gpt-oss model card (arXiv:2508.10925) Table 1, per component, derived for the 20B (L 24,
// E 32, h 2880, a 64 × 64, kv 8 × 64, f 2880, V 201088):
//   attention = L·(2880·4096 + 4096 + 2·(2880·512 + 512) + 4096·2880 + 2880 + 64 sinks)
//   MLP = L·(router 32·2880 + 32 + experts 32·(2880·5760 + 5760 + 2880·2880 + 2880))
TEST(CountParams, GptOssComponentsMatchItsModelCard) {
  const Count L = 24, h = 2880;
  const Count attention = L * (h * 4096 + 4096 + 2 * (h * 512 + 512) + 4096 * h + h + 64);
  const Count mlp = L * (32 * h + 32 + 32 * (h * 5760 + 5760 + h * h + h));
  const Count embed = 201088 * h;
  const Count norms = L * 2 * h + h;
  EXPECT_EQ(attention, 637'203'456u);  // card: 0.64B
  EXPECT_EQ(mlp, 19'119'145'728u);     // card: 19.12B
  EXPECT_EQ(count_config("openai__gpt-oss-20b.json").total, attention + mlp + 2 * embed + norms);
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
