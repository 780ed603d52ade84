// Count — exact non-negative integers for parameters, FLOPs and bytes, with checked arithmetic.
//
// 128 bits because a training run's FLOPs exceed 2^64. Every operation that would wrap throws
// tsize::Error naming what overflowed instead of returning a wrong number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tsize/error.hpp"

namespace tsize {

__extension__ using Count = unsigned __int128;

// Returns a + b. Throws Error("<what> overflows ...") if it does not fit in 128 bits.
inline Count add(Count a, Count b, std::string_view what = "count") {
  Count r;
  if (__builtin_add_overflow(a, b, &r)) {
    throw Error(std::string(what) + " overflows a 128-bit integer");
  }
  return r;
}

// Returns a · b, checked like add().
inline Count mul(Count a, Count b, std::string_view what = "count") {
  Count r;
  if (__builtin_mul_overflow(a, b, &r)) {
    throw Error(std::string(what) + " overflows a 128-bit integer");
  }
  return r;
}

// Returns a - b. REQUIRES: b <= a (a logic error otherwise, not bad input).
inline Count sub(Count a, Count b) {
  if (b > a) throw std::logic_error("tsize: Count subtraction below zero");
  return a - b;
}

// Decimal digits of v, e.g. "1557611200".
std::string to_string(Count v);

// Decimal digits grouped by commas, e.g. "1,557,611,200".
std::string with_commas(Count v);

// v as a double (rounded), for ratios and display only.
inline double to_double(Count v) { return static_cast<double>(v); }
// A size (a dimension, a count of layers or tokens) as a Count. REQUIRES: v >= 0.
inline Count to_count(std::int64_t v) { return static_cast<std::uint64_t>(v); }

}  // namespace tsize
