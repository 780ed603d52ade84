// Checkpoint headers: safetensors and GGUF files written here, read back, and compared with the
// graph's count. The formats: safetensors' README (8-byte length, JSON header) and ggml's
// docs/gguf.md (magic, version, counts, metadata, tensor infos).
#include "tsize/checkpoint_files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "test_util.hpp"
#include "tsize/answers.hpp"
#include "tsize/error.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// A safetensors file: the header names each tensor; the data are zeros of the right size.
std::string safetensors(const std::vector<std::pair<std::string, std::vector<std::uint64_t>>>& ts,
                        const std::string& dtype = "BF16", unsigned size = 2) {
  nlohmann::json h = nlohmann::json::object();
  h["__metadata__"] = {{"format", "pt"}};
  std::uint64_t offset = 0;
  for (const auto& [name, shape] : ts) {
    std::uint64_t n = size;
    for (const auto d : shape) n *= d;
    h[name] = {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  const std::string text = h.dump();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((text.size() >> (8 * i)) & 0xFF);
  return out + text + std::string(offset, '\0');
}

// A tiny Llama: 2 layers, h 64, 4 heads / 2 KV heads of 16, d_ff 128, vocab 100, untied.
constexpr const char* kTinyLlama =
    R"({"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128,
        "vocab_size": 100, "max_position_embeddings": 256, "tie_word_embeddings": false,
        "attention_bias": false, "mlp_bias": false})";

std::vector<std::pair<std::string, std::vector<std::uint64_t>>> tiny_llama_tensors(int layers) {
  std::vector<std::pair<std::string, std::vector<std::uint64_t>>> t = {
      {"model.embed_tokens.weight", {100, 64}},
      {"model.norm.weight", {64}},
      {"lm_head.weight", {100, 64}}};
  for (int i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    for (const auto& [n, s] : std::vector<std::pair<std::string, std::vector<std::uint64_t>>>{
             {"input_layernorm.weight", {64}},
             {"post_attention_layernorm.weight", {64}},
             {"self_attn.q_proj.weight", {64, 64}},
             {"self_attn.k_proj.weight", {32, 64}},
             {"self_attn.v_proj.weight", {32, 64}},
             {"self_attn.o_proj.weight", {64, 64}},
             {"mlp.gate_proj.weight", {128, 64}},
             {"mlp.up_proj.weight", {128, 64}},
             {"mlp.down_proj.weight", {64, 128}}}) {
      t.emplace_back(p + n, s);
    }
  }
  return t;
}

std::filesystem::path temp_folder(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("tsize_ckpt_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(Safetensors, HeaderGivesNamesDtypesShapesAndBytes) {
  const auto t = parse_safetensors_header(safetensors({{"w", {3, 4}}, {"b", {4}}}), "f");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].name, "w");  // JSON object order: sorted keys
  EXPECT_EQ(t[1].elements, 12u);
  EXPECT_EQ(t[1].bytes, 24u);
  EXPECT_EQ(t[1].dtype, "BF16");
  // gpt-oss MXFP4: a U8 `_blocks` tensor holds two 4-bit values a byte; `_scales` hold none.
  const auto q = parse_safetensors_header(
      safetensors({{"e.gate_up_proj_blocks", {2, 8, 16}}, {"e.gate_up_proj_scales", {2, 8}}}, "U8",
                  1),
      "f");
  EXPECT_EQ(q[0].values, 2u * 8 * 16 * 2);
  EXPECT_EQ(q[1].values, 0u);
}

TEST(Safetensors, MalformedHeadersAreErrorsNamingTheProblem) {
  EXPECT_THAT([] { parse_safetensors_header("abc", "f.safetensors"); },
              ThrowsMessage<Error>(HasSubstr("f.safetensors: not a safetensors file")));
  std::string big = safetensors({{"w", {2}}});
  big[0] = '\x7f';  // header length beyond the file
  EXPECT_THAT([&] { parse_safetensors_header(big, "f"); },
              ThrowsMessage<Error>(HasSubstr("the safetensors header says")));
  std::string wrong = safetensors({{"w", {2, 2}}});
  const auto at = wrong.find("[0,8]");
  ASSERT_NE(at, std::string::npos);
  wrong.replace(at, 5, "[0,6]");
  EXPECT_THAT([&] { parse_safetensors_header(wrong, "f"); },
              ThrowsMessage<Error>(HasSubstr("tensor w: 6 bytes for 4 elements of BF16")));
  EXPECT_THAT(
      [] {
        parse_safetensors_header(safetensors({{"w", {2}}}, "Q9", 1), "f");
      },
      ThrowsMessage<Error>(HasSubstr("dtype Q9 is not a safetensors dtype")));
}

// A model folder: config.json and shards named by the index. The graph places every tensor of
// the language model; a vision tensor and a layer past the last are listed, not counted.
TEST(Safetensors, AFolderIsComparedWithTheCount) {
  const auto dir = temp_folder("folder");
  std::ofstream(dir / "config.json") << kTinyLlama;
  auto tensors = tiny_llama_tensors(2);
  const std::size_t half = tensors.size() / 2;
  std::ofstream(dir / "model-00001-of-00003.safetensors", std::ios::binary)
      << safetensors({tensors.begin(), tensors.begin() + static_cast<std::ptrdiff_t>(half)});
  std::ofstream(dir / "model-00002-of-00003.safetensors", std::ios::binary)
      << safetensors({tensors.begin() + static_cast<std::ptrdiff_t>(half), tensors.end()});
  std::ofstream(dir / "extra.safetensors", std::ios::binary) << safetensors(
      {{"vision_tower.patch_embedding.weight", {8, 8}}, {"model.layers.2.eh_proj.weight", {4, 4}}});
  nlohmann::json index = {{"metadata", {{"total_size", 0}}},
                          {"weight_map", nlohmann::json::object()}};
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    index["weight_map"][tensors[i].first] =
        i < half ? "model-00001-of-00003.safetensors" : "model-00002-of-00003.safetensors";
  }
  index["weight_map"]["vision_tower.patch_embedding.weight"] = "extra.safetensors";
  index["weight_map"]["model.layers.2.eh_proj.weight"] = "extra.safetensors";
  index["weight_map"]["missing.weight"] = "model-00003-of-00003.safetensors";
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();

  const auto stored = read_checkpoint(dir.string());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->files.size(), 3u);
  EXPECT_EQ(stored->missing, std::vector<std::string>{"model-00003-of-00003.safetensors"});
  const Graph g = build_graph(load_model(dir.string()));
  const Report r = answer_params(g, false, stored);
  ASSERT_EQ(r.sections.size(), 2u);
  const Section& s = r.sections[1];
  auto fact = [&](const std::string& key) {
    for (const Fact& f : s.facts) {
      if (f.key == key) return f.value;
    }
    return Count{0};
  };
  // 2·(2·64 + 64·64 + 2·32·64 + 64·64 + 3·64·128) + 2·100·64 + 64 = 86,848 parameters.
  EXPECT_EQ(count_params(g).total, 86'848u);
  EXPECT_EQ(fact("placed_values"), 86'848u);
  EXPECT_EQ(fact("stored_values"), 86'848u + 64 + 16);
  EXPECT_EQ(fact("bytes_bf16"), 2 * (86'848u + 64 + 16));
  ASSERT_EQ(s.assumptions.size(), 3u);
  EXPECT_THAT(s.assumptions[0], HasSubstr("1 tensor (16 values) not in the count: layers beyond"));
  EXPECT_THAT(s.assumptions[1], HasSubstr("not part of the language model"));
  EXPECT_THAT(s.assumptions[2], HasSubstr("1 shard named by the index are not in the folder"));
  std::filesystem::remove_all(dir);
}

// model.safetensors.index.json: its weight_map names each shard, many times; tsize reads each once.
TEST(Safetensors, AnIndexNamesItsShardsOnce) {
  EXPECT_EQ(parse_safetensors_index(
                R"({"metadata": {}, "weight_map": {"a": "s-2.safetensors", "b": "s-1.safetensors",
                    "c": "s-1.safetensors"}})",
                "i.json"),
            (std::vector<std::string>{"s-1.safetensors", "s-2.safetensors"}));
  EXPECT_THAT([] { parse_safetensors_index("{", "i.json"); },
              ThrowsMessage<Error>(HasSubstr("i.json: not valid JSON")));
  EXPECT_THAT([] { parse_safetensors_index(R"({"weight_map": {"a": 1}})", "i.json"); },
              ThrowsMessage<Error>(HasSubstr("weight_map.a is not a file name")));
  EXPECT_THAT([] { parse_safetensors_index("[]", "i.json"); },
              ThrowsMessage<Error>(HasSubstr("expected an object with a weight_map")));
}

// GGUF v3 bytes: little-endian integers, strings as u64 length + bytes.
struct Gguf {
  std::string bytes = std::string("GGUF", 4);
  Gguf& u(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes += static_cast<char>((v >> (8 * i)) & 0xFF);
    return *this;
  }
  Gguf& str(const std::string& s) {
    u(s.size(), 8);
    bytes += s;
    return *this;
  }
};

std::string tiny_gguf(std::uint32_t type = 12) {
  Gguf g;
  g.u(3, 4).u(2, 8).u(2, 8);                               // version 3, 2 tensors, 2 metadata
  g.str("general.architecture").u(8, 4).str("llama");      // a string
  g.str("tokenizer.ggml.scores").u(9, 4).u(6, 4).u(3, 8);  // an array of 3 f32
  g.u(0, 4).u(0, 4).u(0, 4);
  g.str("blk.0.ffn_up.weight").u(2, 4).u(256, 8).u(4, 8).u(type, 4).u(0, 8);
  g.str("output_norm.weight").u(1, 4).u(256, 8).u(0, 4).u(0, 8);
  return g.bytes;
}

TEST(Gguf, TensorInfosGiveTypesAndBlockBytes) {
  const auto t = parse_gguf_header(tiny_gguf(), "m.gguf");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].dtype, "Q4_K");
  EXPECT_EQ(t[0].elements, 1024u);
  EXPECT_EQ(t[0].bytes, 4u * 144);  // 4 blocks of 256, 144 bytes each (block_q4_K)
  EXPECT_EQ(t[1].dtype, "F32");
  EXPECT_EQ(t[1].bytes, 1024u);
  EXPECT_EQ(parse_gguf_header(tiny_gguf(8), "m")[0].bytes, 32u * 34);  // Q8_0: 32 of 34 B
}

TEST(Gguf, BadFilesAreErrorsNamingTheProblem) {
  EXPECT_THAT([] { parse_gguf_header("GGML....", "m.gguf"); },
              ThrowsMessage<Error>(HasSubstr("m.gguf: not a GGUF file")));
  const std::string g = tiny_gguf();
  EXPECT_THAT([&] { parse_gguf_header(g.substr(0, g.size() - 5), "m.gguf"); },
              ThrowsMessage<Error>(HasSubstr("ends before its tensor table")));
  EXPECT_THAT([] { parse_gguf_header(tiny_gguf(99), "m.gguf"); },
              ThrowsMessage<Error>(HasSubstr("ggml type 99 is not one tsize knows")));
  std::string v9 = tiny_gguf();
  v9[4] = 9;
  EXPECT_THAT([&] { parse_gguf_header(v9, "m.gguf"); },
              ThrowsMessage<Error>(HasSubstr("GGUF version 9")));
}

TEST(Gguf, AFileIsReadByItsHeader) {
  const auto dir = temp_folder("gguf");
  std::ofstream(dir / "m.gguf", std::ios::binary) << tiny_gguf();
  const auto stored = read_checkpoint((dir / "m.gguf").string());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->format, "gguf");
  EXPECT_EQ(stored->tensors.size(), 2u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tsize
