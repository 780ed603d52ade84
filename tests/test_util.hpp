// Shared test helpers: reading test data, counting a preset or config in one call.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "tsize/graph.hpp"
#include "tsize/hf_config.hpp"
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

inline ParamCounts count(const ModelSpec& spec) { return count_params(build_graph(spec)); }
inline ParamCounts count_preset(const std::string& name) { return count(load_preset(name)); }
inline ParamCounts count_config(const std::string& file) {
  return count(load_hf_config_file(data_path("hf-configs/" + file)));
}
inline ParamCounts count_json(const std::string& json) { return count(parse_hf_config(json, "test")); }

}  // namespace tsize::test
