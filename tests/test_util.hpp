// Shared test helpers: reading test data, counting a preset or config in one call.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tsize/graph.hpp"
#include "tsize/hf_config.hpp"
#include "tsize/overrides.hpp"
#include "tsize/params.hpp"
#include "tsize/presets.hpp"

namespace tsize::test {

inline std::string data_path(const std::string& name) {
  return std::string(TSIZE_TEST_DATA) + "/" + name;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The records of shared/reference/pytorch-nanogpt.json (PyTorch runs of nanoGPT's GPT).
inline nlohmann::json nanogpt_records() {
  return nlohmann::json::parse(read_file(data_path("pytorch-nanogpt.json")));
}

// nanoGPT's GPTConfig of a record as tsize flags: GELU, LayerNorm, learned positions, tied.
inline ModelSpec nanogpt_spec(const nlohmann::json& config) {
  ModelOverrides o;
  o.layers = config["n_layer"].get<std::int64_t>();
  o.d_model = config["n_embd"].get<std::int64_t>();
  o.heads = config["n_head"].get<std::int64_t>();
  o.vocab = config["vocab_size"].get<std::int64_t>();
  o.context = config["block_size"].get<std::int64_t>();
  o.bias = config["bias"].get<bool>();
  return spec_from_flags(o);
}

inline ParamCounts count(const ModelSpec& spec) { return count_params(build_graph(spec)); }
inline ParamCounts count_preset(const std::string& name) { return count(load_preset(name)); }
inline ModelSpec spec_of_config(const std::string& file, const LoadOptions& options = {}) {
  return load_hf_config_file(data_path("hf-configs/" + file), options);
}
inline ParamCounts count_config(const std::string& file) { return count(spec_of_config(file)); }
inline ParamCounts count_json(const std::string& json) {
  return count(parse_hf_config(json, "test"));
}

}  // namespace tsize::test
