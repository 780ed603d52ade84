// Loading config.json: transformers' defaults, the facts configs do not state, and errors.
#include "tsize/hf_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.hpp"

namespace tsize {
namespace {

using test::count_json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TEST(HfConfig, MissingKeysTakeTransformersDefaults) {
  // GPT2Config() is GPT-2 small: 124,439,808 parameters.
  EXPECT_EQ(count_json(R"({"model_type": "gpt2"})").total, 124'439'808);
  // BertConfig() is bert-base-uncased: BertModel with pooler, 109,482,240.
  EXPECT_EQ(count_json(R"({"model_type": "bert"})").total, 109'482'240);
}

TEST(HfConfig, DeepSeekV3DefaultsAreTheReleasedModel) {
  // DeepseekV3Config() describes DeepSeek-V3 itself: q_lora_rank 1536, 256 experts, top-8.
  EXPECT_EQ(count_json(R"({"model_type": "deepseek_v3"})").total, 671'026'419'200);
  // null q_lora_rank: one full q_proj; null n_routed_experts: dense layers only.
  const ModelSpec s = parse_hf_config(
      R"({"model_type": "deepseek_v3", "q_lora_rank": null, "n_routed_experts": null})", "t");
  EXPECT_EQ(s.mla->q_lora_rank, 0);
  EXPECT_FALSE(s.moe);
}

TEST(HfConfig, Gpt2IgnoresAHeadDimKeyAsTransformersDoes) {
  EXPECT_EQ(count_json(R"({"model_type": "gpt2", "head_dim": 32})").total, 124'439'808);
  EXPECT_THAT(
      [] { parse_hf_config(R"({"model_type": "gpt2", "add_cross_attention": true})", "c"); },
      ThrowsMessage<Error>(HasSubstr("add_cross_attention=true")));
}

TEST(HfConfig, NullKvHeadsMeansAttentionHeads) {
  // MistralConfig: absent → its default 8; null → num_attention_heads.
  EXPECT_EQ(parse_hf_config(R"({"model_type": "mistral"})", "t").n_kv_heads, 8);
  EXPECT_EQ(
      parse_hf_config(R"({"model_type": "mistral", "num_key_value_heads": null})", "t").n_kv_heads,
      32);
}

TEST(HfConfig, Qwen3HeadDimDefaultsTo128NotHiddenOverHeads) {
  const ModelSpec s = parse_hf_config(
      R"({"model_type": "qwen3", "hidden_size": 1024, "num_attention_heads": 16,
          "num_key_value_heads": 8})",
      "t");
  EXPECT_EQ(s.d_head, 128);
  EXPECT_EQ(s.qk_norm, QkNorm::kShared);
}

TEST(HfConfig, FactsTheConfigDoesNotState) {
  const ModelSpec qwen = parse_hf_config(R"({"model_type": "qwen2"})", "t");
  EXPECT_TRUE(qwen.qkv_bias);  // modeling_qwen2.py: q/k/v bias=True
  EXPECT_FALSE(qwen.o_bias);
  const ModelSpec gpt2 = parse_hf_config(R"({"model_type": "gpt2"})", "t");
  EXPECT_TRUE(gpt2.qkv_bias && gpt2.o_bias && gpt2.mlp_bias && gpt2.tied_embeddings);
  const ModelSpec gemma2 = parse_hf_config(R"({"model_type": "gemma2"})", "t");
  EXPECT_EQ(gemma2.layer_norms, LayerNorms::kSandwich);
  EXPECT_TRUE(gemma2.tied_embeddings);
  const ModelSpec neox = parse_hf_config(R"({"model_type": "gpt_neox"})", "t");
  EXPECT_DOUBLE_EQ(neox.rotary_fraction, 0.25);
  EXPECT_EQ(neox.layer_norms, LayerNorms::kParallel);
}

TEST(HfConfig, Qwen2MoeLayersFollowDecoderSparseStepAndMlpOnlyLayers) {
  const ModelSpec s = parse_hf_config(
      R"({"model_type": "qwen2_moe", "num_hidden_layers": 6, "decoder_sparse_step": 2,
          "mlp_only_layers": [3]})",
      "t");
  // (i + 1) % 2 == 0 → layers 1, 3, 5; layer 3 is listed as dense.
  EXPECT_FALSE(is_moe_layer(s, 0));
  EXPECT_TRUE(is_moe_layer(s, 1));
  EXPECT_FALSE(is_moe_layer(s, 3));
  EXPECT_TRUE(is_moe_layer(s, 5));
}

TEST(HfConfig, DeepSeekWithoutQLoraUsesOneQueryProjection) {
  const char* json = R"({"model_type": "deepseek_v2", "q_lora_rank": null, "n_routed_experts": 4,
      "num_experts_per_tok": 2, "num_hidden_layers": 2, "hidden_size": 256,
      "num_attention_heads": 4, "intermediate_size": 512, "moe_intermediate_size": 64,
      "vocab_size": 1000, "qk_nope_head_dim": 32, "qk_rope_head_dim": 16, "v_head_dim": 32,
      "kv_lora_rank": 64, "n_shared_experts": 1})";
  const ModelSpec s = parse_hf_config(json, "t");
  ASSERT_TRUE(s.mla);
  EXPECT_EQ(s.mla->q_lora_rank, 0);
  // Per layer, derived by hand (h = 256, 4 heads, qk 48, v 32, no biases):
  //   q_proj 256·4·48 = 49,152; kv_a 256·(64+16) = 20,480; kv_a_norm 64;
  //   kv_b 64·4·(32+32) = 16,384; o 4·32·256 = 32,768; norms 2·256 = 512  → attention+norms 119,360
  //   router 256·4 = 1,024; 4 routed + 1 shared SwiGLU experts of 3·256·64 = 49,152 → 246,784
  // V2 (greedy top-k) has no score-correction bias. Both layers are MoE (first_k_dense 0).
  // Outside: 2 · 1000·256 + 256 = 512,256.
  EXPECT_EQ(count_json(json).total, 2 * (119'360 + 1'024 + 5 * 49'152) + 512'256);
}

TEST(HfConfigErrors, MalformedJsonNamesLineAndColumn) {
  EXPECT_THAT([] { parse_hf_config("{\n  \"model_type\": \"gpt2\",\n  oops\n}", "config.json"); },
              ThrowsMessage<Error>(HasSubstr("config.json: malformed JSON at line 3, column 3")));
}

TEST(HfConfigErrors, NumbersBeyondDoubleAreMalformedJson) {
  // Found by fuzz_config: nlohmann throws out_of_range, not parse_error, for 81e432.
  EXPECT_THAT(
      [] { parse_hf_config(R"({"model_type": "llama", "x": 81e432})", "c.json"); },
      ThrowsMessage<Error>(HasSubstr("c.json: malformed JSON: number overflow parsing '81e432'")));
  EXPECT_NO_THROW(parse_hf_config(R"({"model_type": "llama", "_tsize": {"description": 5}})", "c"));
}

TEST(HfConfigErrors, MissingOrUnknownModelTypeListsTheSupportedOnes) {
  EXPECT_THAT([] { parse_hf_config("{}", "c.json"); },
              ThrowsMessage<Error>(AllOf(HasSubstr("c.json: missing string key model_type"),
                                         HasSubstr("deepseek_v3"), HasSubstr("qwen2_moe"))));
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "frobnicator"})", "c.json"); },
              ThrowsMessage<Error>(AllOf(HasSubstr("model_type \"frobnicator\" is not supported"),
                                         HasSubstr("gpt_neox"))));
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "qwen3-moe"})", "c.json"); },
              ThrowsMessage<Error>(HasSubstr("(did you mean qwen3_moe")));
}

// A family tsize knows it cannot model says why, not only "unsupported".
TEST(HfConfigErrors, KnownButUnmodelledFamiliesSayWhy) {
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "t5"})", "c.json"); },
              ThrowsMessage<Error>(HasSubstr("model_type \"t5\" is an encoder-decoder")));
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "mamba"})", "c.json"); },
              ThrowsMessage<Error>(HasSubstr("model_type \"mamba\" is a state-space model")));
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "jamba"})", "c.json"); },
              ThrowsMessage<Error>(HasSubstr("a hybrid of attention and state-space")));
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "gemma3"})", "c.json"); },
              ThrowsMessage<Error>(HasSubstr("a gemma3 config without a text_config object")));
  EXPECT_THAT([] { parse_hf_config("[1, 2]", "c.json"); },
              ThrowsMessage<Error>(HasSubstr("expected a JSON object")));
}

TEST(HfConfigErrors, MistypedKeysNameKeyValueAndExpectation) {
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "llama", "hidden_size": "4096"})", "c"); },
              ThrowsMessage<Error>(HasSubstr("hidden_size=\"4096\": expected an integer")));
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "llama", "hidden_size": 4096.5})", "c"); },
              ThrowsMessage<Error>(HasSubstr("hidden_size=4096.5: expected an integer")));
  EXPECT_THAT(
      [] { parse_hf_config(R"({"model_type": "llama", "tie_word_embeddings": "no"})", "c"); },
      ThrowsMessage<Error>(HasSubstr("tie_word_embeddings=\"no\": expected true or false")));
  EXPECT_THAT(
      [] { parse_hf_config(R"({"model_type": "gpt2", "activation_function": "tanh"})", "c"); },
      ThrowsMessage<Error>(HasSubstr("activation_function=\"tanh\": unsupported")));
}

TEST(HfConfigErrors, ImpossibleShapes) {
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "llama", "num_hidden_layers": 0})", "c"); },
              ThrowsMessage<Error>(HasSubstr("num_hidden_layers=0: expected an integer >= 1")));
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "llama", "vocab_size": -5})", "c"); },
              ThrowsMessage<Error>(HasSubstr("vocab_size=-5")));
  EXPECT_THAT(
      [] {
        parse_hf_config(R"({"model_type": "gpt2", "n_embd": 1601, "n_head": 25})", "config.json");
      },
      ThrowsMessage<Error>(HasSubstr("config.json: n_head=25 does not divide n_embd=1601")));
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "llama", "num_key_value_heads": 5})", "c"); },
              ThrowsMessage<Error>(
                  HasSubstr("num_key_value_heads=5 does not divide num_attention_heads=32")));
  EXPECT_THAT(
      [] { parse_hf_config(R"({"model_type": "mixtral", "num_experts_per_tok": 9})", "c"); },
      ThrowsMessage<Error>(HasSubstr("num_experts_per_tok=9 exceeds num_local_experts=8")));
  EXPECT_THAT(
      [] {
        parse_hf_config(R"({"model_type": "llama", "hidden_size": 99999999999999999999})", "c");
      },
      ThrowsMessage<Error>(HasSubstr("hidden_size")));
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "llama", "vocab_size": 2000000000})", "c"); },
              ThrowsMessage<Error>(HasSubstr("exceeds the largest supported size")));
}

TEST(HfConfigErrors, EveryProblemIsListedAtOnce) {
  EXPECT_THAT(
      [] {
        parse_hf_config(R"({"model_type": "llama", "num_hidden_layers": 0, "vocab_size": "x"})",
                        "c");
      },
      ThrowsMessage<Error>(AllOf(HasSubstr("num_hidden_layers=0"), HasSubstr("vocab_size=\"x\""))));
}

TEST(HfConfigErrors, FileErrorsNameThePath) {
  EXPECT_THAT([] { load_hf_config_file("/nonexistent/config.json"); },
              ThrowsMessage<Error>(HasSubstr("/nonexistent/config.json: cannot open file")));
  EXPECT_THAT([] { load_hf_config_file(TSIZE_TEST_DATA); },
              ThrowsMessage<Error>(HasSubstr("a folder without config.json")));
}

}  // namespace
}  // namespace tsize

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// Models are named after their folder as HuggingFace names repositories, not "config".
TEST(ModelName, FolderAsOwnerSlashModel) {
  EXPECT_EQ(model_name_for("/data/Qwen/Qwen3-8B/config.json"), "Qwen/Qwen3-8B");
  EXPECT_EQ(model_name_for("Qwen3-8B/config.json"), "Qwen3-8B");
  EXPECT_EQ(model_name_for("./Qwen3-8B/config.json"), "Qwen3-8B");
  EXPECT_EQ(model_name_for(
                "/root/.cache/huggingface/hub/models--Qwen--Qwen3-8B/snapshots/abc123/config.json"),
            "Qwen/Qwen3-8B");
  EXPECT_EQ(model_name_for("tests/data/hf-configs/openai-community__gpt2.json"),
            "openai-community__gpt2");
}

// A folder is a model: its config.json is read; a folder without one is a clear error.
TEST(ModelName, AFolderIsTheModelItHolds) {
  const auto root = std::filesystem::temp_directory_path() / "tsize_folder_test" / "acme";
  const auto folder = root / "tiny-llama";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "config.json")
      << test::read_file(test::data_path("hf-configs/meta-llama__Meta-Llama-3-8B.json"));
  const ModelSpec spec = load_model(folder.string());
  EXPECT_EQ(spec.name, "acme/tiny-llama");
  EXPECT_EQ(test::count(spec).total, 8'030'261'248u);
  EXPECT_THAT([&] { load_model(root.string()); },
              ThrowsMessage<Error>(HasSubstr("a folder without config.json")));
  std::filesystem::remove_all(root.parent_path());
}

}  // namespace
}  // namespace tsize

namespace tsize {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

const DefaultUsed* find_default(const ModelSpec& s, const std::string& key) {
  for (const DefaultUsed& d : s.provenance.defaults_used) {
    if (d.key == key) return &d;
  }
  return nullptr;
}

// Issue 11 §2: {"model_type": "llama"} is Llama-2-7B's shape by transformers' defaults; every
// field taken from a default is listed with its value and whose default it is.
TEST(Provenance, EveryDefaultUsedIsListed) {
  const ModelSpec s = parse_hf_config(R"({"model_type": "llama"})", "c.json");
  ASSERT_NE(find_default(s, "num_hidden_layers"), nullptr);
  EXPECT_EQ(find_default(s, "num_hidden_layers")->value, "32");
  EXPECT_EQ(find_default(s, "num_hidden_layers")->source, "transformers LlamaConfig default");
  ASSERT_NE(find_default(s, "num_key_value_heads"), nullptr);
  EXPECT_EQ(find_default(s, "num_key_value_heads")->source, "= num_attention_heads");
  EXPECT_EQ(find_default(s, "tie_word_embeddings")->value, "false");
  // vocab, layers, hidden, heads, kv heads, intermediate, positions, tie, attention and MLP bias.
  EXPECT_EQ(s.provenance.defaults_used.size(), 10u);
  // A complete config uses none.
  EXPECT_TRUE(
      test::spec_of_config("meta-llama__Meta-Llama-3-8B.json").provenance.defaults_used.empty());
}

TEST(Provenance, NestedAndDerivedDefaultsNameTheirKey) {
  const ModelSpec dbrx = parse_hf_config(R"({"model_type": "dbrx"})", "c.json");
  ASSERT_NE(find_default(dbrx, "attn_config.kv_n_heads"), nullptr);
  EXPECT_EQ(find_default(dbrx, "attn_config.kv_n_heads")->value, "1");
  const ModelSpec gpt2 = parse_hf_config(R"({"model_type": "gpt2", "n_embd": 96})", "c.json");
  EXPECT_EQ(find_default(gpt2, "n_inner")->value, "384");  // 4 · n_embd
  EXPECT_EQ(find_default(gpt2, "n_inner")->source, "= 4 · n_embd");
}

// A misspelled key of the family is an error naming the key it meant; keys nobody reads are
// listed as ignored.
TEST(Provenance, MisspelledKeysAreErrorsAndUnknownOnesAreListed) {
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "llama", "num_hidden_layer": 4})", "c"); },
              ThrowsMessage<Error>(
                  HasSubstr("c: num_hidden_layer: unknown key; did you mean num_hidden_layers?")));
  EXPECT_THAT(
      [] { parse_hf_config(R"({"model_type": "gpt2", "n_layers": 4, "n_embed": 64})", "c"); },
      ThrowsMessage<Error>(AllOf(HasSubstr("n_layers: unknown key; did you mean n_layer"),
                                 HasSubstr("n_embed: unknown key; did you mean n_embd"))));
  // A near key whose neighbour is set is not a typo: hidden_sizes beside hidden_size is listed
  // as ignored, not an error.
  const ModelSpec s = parse_hf_config(
      R"({"model_type": "llama", "frobnicate": 1, "rope_theta": 1e4, "hidden_size": 64,
          "hidden_sizes": 1, "num_attention_heads": 4, "intermediate_size": 128})",
      "c");
  EXPECT_EQ(s.provenance.ignored_keys, (std::vector<std::string>{"frobnicate", "hidden_sizes"}));
}

TEST(Provenance, StrictRefusesEveryDefault) {
  EXPECT_THAT([] { parse_hf_config(R"({"model_type": "llama"})", "c", {true}); },
              ThrowsMessage<Error>(AllOf(
                  HasSubstr("num_hidden_layers is not set (--strict; the default would be 32"),
                  HasSubstr("mlp_bias is not set"))));
  EXPECT_NO_THROW(test::spec_of_config("meta-llama__Meta-Llama-3-8B.json", {true}));
}

// Multimodal configs give the language model in text_config, and say so.
TEST(Provenance, WrappersGiveTheirLanguageModel) {
  const ModelSpec g = test::spec_of_config("google__gemma-3-12b-it.json");
  EXPECT_EQ(g.family, "gemma3_text");
  EXPECT_THAT(g.provenance.note, HasSubstr("text_config, gemma3_text) of a gemma3 config"));
  EXPECT_EQ(find_default(g, "vocab_size")->value, "262208");  // the 12B text_config omits it
  const ModelSpec m = test::spec_of_config("mistralai__Mistral-Small-3.1-24B-Base-2503.json");
  EXPECT_EQ(m.family, "mistral");  // Mistral3Config's text_config default model_type
  EXPECT_EQ(m.d_head, 128);        // head_dim given; hidden / heads would be 160
}

// layer_types must be a repeating pattern with one global layer every P layers.
TEST(Provenance, LayerTypesGiveThePatternOrAnError) {
  const ModelSpec oss = test::spec_of_config("openai__gpt-oss-20b.json");
  EXPECT_EQ(oss.sliding_window_period, 2);
  EXPECT_TRUE(is_local_layer(oss, 0));
  EXPECT_FALSE(is_local_layer(oss, 1));
  EXPECT_THAT(
      [] {
        parse_hf_config(R"({"model_type": "gpt_oss", "num_hidden_layers": 3,
          "layer_types": ["full_attention", "sliding_attention", "sliding_attention"]})",
                        "c");
      },
      ThrowsMessage<Error>(HasSubstr("layer_types: local and global layers must repeat")));
}

}  // namespace
}  // namespace tsize
