// Human units for display: "1.56 B" parameters, "5.80 GiB" (binary) or "6.23 GB" (SI) bytes.
// Locale-independent, so output can be golden-tested.
#pragma once

#include <string>

#include "tsize/count.hpp"

namespace tsize {

enum class ByteUnits { kBinary, kSI };  // GiB = 2^30 B, or GB = 10^9 B

// "124.44 M", "1.56 B", "8.03 B", "46.70 B", "671.03 B", "950"; three significant decimals max.
std::string human_count(Count v);

// "5.80 GiB" / "6.23 GB", "512 B".
std::string human_bytes(Count v, ByteUnits units);

// "12.3 %" of part in whole; "0.0 %" when whole is 0.
std::string percent(Count part, Count whole);

// "0.755 s", "12.5 min", "3.20 h", "17.88 days", "2.41 years".
std::string human_seconds(double s);

// "412.30 TFLOP/s" with suffix "FLOP/s"; "135.60 K/s" with suffix "/s".
std::string human_rate(double v, const std::string& suffix);

// A real for people, never in e-notation: "64,820" (thousands separators from 1,000), "123",
// "12.3", "1.23", "0.00123".
std::string human_number(double v);

// "3.51 TFLOP", "950 FLOP".
std::string human_flops(Count v);

// Parses a human integer: "1024", "2k" (2,000), "32Ki" (32,768), "300B" (3·10^11), "1.5T",
// "3e11". Suffixes: k/K, M, B/G, T (powers of 1000) and Ki, Mi, Gi, Ti (powers of 1024). The
// result must be a whole number. Throws Error naming `what` (e.g. "--seq") and the text.
Count parse_human_count(const std::string& text, const std::string& what);

}  // namespace tsize
