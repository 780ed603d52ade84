// Internal: how one value is written, shared by the renderers.
#pragma once

#include <string>

#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize::detail {

// "1.56 B" for counts and FLOPs ("1.56 BFLOP" style is left to the label), "5.80 GiB" for bytes.
std::string human(Count v, Unit unit, ByteUnits units);

// Name of a unit for CSV and Markdown headers: "params", "bytes", "flops".
const char* unit_name(Unit unit);

// The line above every rendering: "gpt2 (gpt2): 12 layers, ...".
std::string heading(const Report& report);

}  // namespace tsize::detail
