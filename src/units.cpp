#include "tsize/units.hpp"

#include <fmt/format.h>

#include <array>

namespace tsize {

namespace {

// Scales v by powers of `base` and prints two decimals with the matching suffix.
template <std::size_t N>
std::string scaled(Count v, double base, const std::array<const char*, N>& suffixes) {
  double x = to_double(v);
  std::size_t i = 0;
  while (x >= base && i + 1 < N) {
    x /= base;
    ++i;
  }
  if (i == 0) return fmt::format("{} {}", to_string(v), suffixes[0]);
  return fmt::format("{:.2f} {}", x, suffixes[i]);
}

}  // namespace

std::string human_count(Count v) {
  static constexpr std::array<const char*, 6> kSuffix = {"", "K", "M", "B", "T", "P"};
  std::string s = scaled(v, 1000.0, kSuffix);
  if (s.back() == ' ') s.pop_back();
  return s;
}

std::string human_bytes(Count v, ByteUnits units) {
  if (units == ByteUnits::kBinary) {
    static constexpr std::array<const char*, 7> kSuffix = {"B",   "KiB", "MiB", "GiB",
                                                           "TiB", "PiB", "EiB"};
    return scaled(v, 1024.0, kSuffix);
  }
  static constexpr std::array<const char*, 7> kSuffix = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  return scaled(v, 1000.0, kSuffix);
}

std::string percent(Count part, Count whole) {
  if (whole == 0) return "0.0 %";
  return fmt::format("{:.1f} %", 100.0 * to_double(part) / to_double(whole));
}

}  // namespace tsize
