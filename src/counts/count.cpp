#include "tsize/count.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace tsize {

std::string to_string(Count v) {
  // 64-bit digits where the value fits (nearly always); a 128-bit division per digit costs a
  // library call, and much more in WebAssembly, which has no 128-bit arithmetic.
  std::array<char, 20> digits{};
  if (v <= std::numeric_limits<std::uint64_t>::max()) {
    const auto end =
        std::to_chars(digits.data(), digits.data() + digits.size(), static_cast<std::uint64_t>(v))
            .ptr;
    return {digits.data(), end};
  }
  constexpr std::uint64_t kNineteenDigits = 10'000'000'000'000'000'000ULL;
  const auto low = static_cast<std::uint64_t>(v % kNineteenDigits);
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), low).ptr;
  const std::string low_digits(digits.data(), end);
  return to_string(v / kNineteenDigits) + std::string(19 - low_digits.size(), '0') + low_digits;
}

std::string with_commas(Count v) {
  const std::string digits = to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace tsize
