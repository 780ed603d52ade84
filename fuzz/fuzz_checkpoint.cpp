// libFuzzer: arbitrary bytes as a safetensors header and as a GGUF header.
// Corpus: fuzz/corpus/checkpoint (a tiny file of each format).
#include <cstddef>
#include <cstdint>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tsize::fuzz::check_checkpoint(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
