// libFuzzer: arbitrary bytes as a config.json. Corpus: models/*.json, tests/data/hf-configs.
#include <cstddef>
#include <cstdint>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tsize::fuzz::check_config(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
