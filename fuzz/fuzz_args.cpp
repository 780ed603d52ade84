// libFuzzer: arbitrary bytes as a command line (words separated by newlines or NULs).
#include <cstddef>
#include <cstdint>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tsize::fuzz::check_args(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
