// Internal: how one value is written, shared by the renderers.
#pragma once

#include <string>

#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize::detail {

// "1.56 B" for counts, "3.51 TFLOP", "5.80 GiB" / "6.23 GB" for bytes.
std::string human(Count v, Unit unit, ByteUnits units);

// A fact for people ("41.3 %", "17.9 days") and its precise value ("1,557,611,200", "0.4132").
std::string human(const Fact& f, ByteUnits units);
std::string exact(const Fact& f);

// A breakdown value as a table cell: with thousands separators, or for a time breakdown
// (Unit::kSeconds: values held in nanoseconds) in seconds, "12.3 ms".
std::string cell(Count v, Unit unit);
// And as a JSON or CSV number: exact digits, or seconds for a time breakdown.
std::string number(Count v, Unit unit);

// A JSON string literal: quotes, backslashes and control characters escaped.
std::string json_quoted(const std::string& s);

// A fact's value as a JSON number: exact digits for counts, shortest round-trip for reals.
std::string json_number(const Fact& f);

// Name of a unit for CSV and Markdown headers: "params", "bytes", "flops".
const char* unit_name(Unit unit);

// A figure's formula with every input replaced by its value: "2*1*1024*768*2304".
std::string substituted(const Figure& f);

// "b=1, s=1024, in=768": the figure's named inputs.
std::string inputs_text(const Figure& f);

// The line above every rendering: "gpt2 (gpt2): 12 layers, ...".
std::string heading(const Report& report);

// The lines below a table: what the config wrapped, left to defaults, and carried that tsize
// does not know ("  num_key_value_heads = 32 (transformers LlamaConfig default)"); empty when
// the config set everything.
std::vector<std::string> provenance_lines(const Provenance& p);

}  // namespace tsize::detail
