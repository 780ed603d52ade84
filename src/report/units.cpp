#include "tsize/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "tsize/error.hpp"

namespace tsize {

namespace {

// Scales v by powers of `base` and prints two decimals with the matching suffix.
// A value that rounds up to `base` ("1000.00 M") moves to the next suffix ("1.00 B").
template <std::size_t N>
std::string scaled(Count v, double base, const std::array<const char*, N>& suffixes) {
  double x = to_double(v);
  std::size_t i = 0;
  while ((x >= base || (i > 0 && x >= base - 0.005)) && i + 1 < N) {
    x /= base;
    ++i;
  }
  if (i == 0) return fmt::format("{} {}", to_string(v), suffixes[0]);
  if (x >= base) return fmt::format("{} {}", human_number(x), suffixes[i]);  // beyond the last
  return fmt::format("{:.2f} {}", x, suffixes[i]);
}

}  // namespace

std::string human_count(Count v) {
  static constexpr std::array<const char*, 8> kSuffix = {"", "K", "M", "B", "T", "P", "E", "Z"};
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

std::string human_seconds(double s) {
  if (s == 0) return "0 s";
  if (s < 1e-3) return fmt::format("{:.3g} µs", s * 1e6);
  if (s < 1) return fmt::format("{:.3g} ms", s * 1e3);
  if (s < 60) return fmt::format("{:.3g} s", s);
  if (s < 3600) return fmt::format("{:.1f} min", s / 60);
  if (s < 86400 * 2) return fmt::format("{:.2f} h", s / 3600);
  if (s < 86400 * 365.25 * 2) return fmt::format("{:.2f} days", s / 86400);
  return fmt::format("{:.2f} years", s / (86400 * 365.25));
}

std::string human_number(double v) {
  const double a = std::fabs(v);
  if (a >= 1000 && a < 1e18) {  // thousands separators on the rounded integer
    const auto n = static_cast<std::uint64_t>(std::llround(a));
    return (v < 0 ? "-" : "") + with_commas(n);
  }
  if (a >= 1e18) return fmt::format("{:.3e}", v);  // never reached by a real quantity here
  if (a >= 100) return fmt::format("{:.0f}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  if (a >= 0.001 || a == 0) return fmt::format("{:.3g}", v);
  return fmt::format("{:.6f}", v);
}

std::string human_rate(double v, const std::string& suffix) {
  static constexpr std::array<const char*, 7> kPrefix = {"", "K", "M", "G", "T", "P", "E"};
  std::size_t i = 0;
  while (v >= 1000 && i + 1 < kPrefix.size()) {
    v /= 1000;
    ++i;
  }
  const std::string unit =
      suffix == "/s" ? std::string(kPrefix[i]) + "/s" : std::string(kPrefix[i]) + suffix;
  return fmt::format("{:.2f} {}", v, unit);
}

std::string human_flops(Count v) {
  // SI prefixes to quetta (10^30), 2022's resolution of the CGPM.
  static constexpr std::array<const char*, 11> kSuffix = {"FLOP",  "KFLOP", "MFLOP", "GFLOP",
                                                          "TFLOP", "PFLOP", "EFLOP", "ZFLOP",
                                                          "YFLOP", "RFLOP", "QFLOP"};
  return scaled(v, 1000.0, kSuffix);
}

Count parse_human_count(const std::string& text, const std::string& what) {
  auto fail = [&](const char* why) -> Count {
    throw Error(
        fmt::format("{} {}: {} (examples: 1024, 2k, 32Ki, 300B, 1.5T, 3e11)", what, text, why));
  };
  if (!text.empty() && text.front() == '-') return fail("must not be negative");
  // Split digits[.digits][e±digits] from the suffix.
  std::size_t i = 0;
  std::string mantissa, exponent;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    mantissa += text[i++];
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exponent += text[i++];
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
      exponent += text[i++];
    if (exponent.empty() || exponent == "+" || exponent == "-") return fail("bad exponent");
    if (exponent.size() > 4) return fail("exponent out of range");
  }
  const std::string suffix = text.substr(i);
  if (mantissa.empty() || mantissa == "." ||
      std::count(mantissa.begin(), mantissa.end(), '.') > 1) {
    return fail("not a number");
  }
  struct Scale {
    const char* name;
    unsigned base, power;
  };
  static constexpr Scale kScales[] = {{"", 10, 0},   {"k", 10, 3},  {"K", 10, 3},  {"M", 10, 6},
                                      {"B", 10, 9},  {"G", 10, 9},  {"T", 10, 12}, {"Ki", 2, 10},
                                      {"Mi", 2, 20}, {"Gi", 2, 30}, {"Ti", 2, 40}};
  const Scale* scale = nullptr;
  for (const Scale& s : kScales) {
    if (suffix == s.name) scale = &s;
  }
  if (!scale) return fail("unknown suffix");
  // Exact arithmetic: value = digits · 10^(exp10) · base^power, with exp10 from the decimal point.
  const std::size_t dot = mantissa.find('.');
  std::string digits = mantissa;
  long exp10 = exponent.empty() ? 0 : std::stol(exponent);
  if (dot != std::string::npos) {
    digits.erase(dot, 1);
    exp10 -= static_cast<long>(mantissa.size() - dot - 1);
  }
  if (scale->base == 10) exp10 += scale->power;
  if (exp10 > 60 || exp10 < -60 || digits.size() > 60) return fail("out of range");
  Count value = 0;
  bool whole = true;
  try {
    for (const char c : digits) value = add(mul(value, 10), static_cast<unsigned>(c - '0'));
    for (; exp10 > 0; --exp10) value = mul(value, 10);
    for (; exp10 < 0 && whole; ++exp10) {
      whole = value % 10 == 0;
      value /= 10;
    }
    if (scale->base == 2) value = mul(value, Count{1} << scale->power);
  } catch (const Error&) {
    return fail("too large");
  }
  if (!whole) return fail("not a whole number");
  return value;
}

}  // namespace tsize
