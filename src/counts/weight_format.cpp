#include "tsize/weight_format.hpp"

#include <fmt/format.h>

#include <charconv>

#include "tsize/error.hpp"
#include "tsize/nearest.hpp"

namespace tsize {
namespace {

// The digits of `text` as a positive integer; nullopt if anything else is there.
std::optional<std::int64_t> digits(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

// "int4-g128" → bits 4, group 128; "int8" → bits 8, one group. nullopt when malformed.
std::optional<WeightFormat> grouped(std::string_view rest, WeightFormat f) {
  if (rest.substr(0, 3) != "int") return std::nullopt;
  rest.remove_prefix(3);
  const std::size_t dash = rest.find("-g");
  const auto bits = digits(rest.substr(0, dash));
  if (!bits) return std::nullopt;
  f.bits = static_cast<int>(*bits);
  f.group = 0;
  if (dash != std::string_view::npos) {
    const auto group = digits(rest.substr(dash + 2));
    if (!group) return std::nullopt;
    f.group = *group;
  }
  return f;
}

Error unknown(std::string_view name) {
  return Error(fmt::format("--weights {}: expected {}", name, weight_format_names()));
}

}  // namespace

std::string weight_format_names() {
  std::string gguf;
  for (const GgufFileTypeInfo& t : kGgufFileTypes) {
    gguf += (gguf.empty() ? "gguf-" : ", gguf-") + std::string(t.name);
  }
  return "bf16, fp16, fp32, fp8, fp8-tensor, fp8-block, int8, w8a8, gptq-int4-gG, gptq-int8-gG, "
         "gptq-int4 (one group), awq-int4-gG (G the group size, e.g. 128), nf4, fp4, nf4-dq, "
         "fp4-dq (double quantization), " +
         gguf;
}

WeightFormat parse_weight_format(std::string_view given) {
  const std::string name = to_lower(std::string(given));
  WeightFormat f;
  f.name = name;
  if (name == "bf16" || name == "fp16") return f;
  if (name == "fp32") {
    f.float_bytes = 4;
    return f;
  }
  if (name == "fp8" || name == "fp8-tensor" || name == "fp8-block") {
    f.scheme = WeightScheme::kFp8;
    f.fp8_scales = name == "fp8"          ? Fp8Scales::kChannel
                   : name == "fp8-tensor" ? Fp8Scales::kTensor
                                          : Fp8Scales::kBlock128;
    return f;
  }
  if (name == "int8" || name == "w8a8") {
    f.scheme = WeightScheme::kInt8;
    f.w8a8 = name == "w8a8";
    return f;
  }
  if (name.rfind("gptq-", 0) == 0 || name.rfind("awq-", 0) == 0) {
    const bool gptq = name[0] == 'g';
    f.scheme = gptq ? WeightScheme::kGptq : WeightScheme::kAwq;
    const std::optional<WeightFormat> g = grouped(std::string_view(name).substr(gptq ? 5 : 4), f);
    if (!g) throw unknown(given);
    // AutoGPTQ packs 2, 3, 4 or 8 bits (vLLM loads 4 and 8); AutoAWQ's GEMM kernel only 4.
    if (gptq && g->bits != 2 && g->bits != 3 && g->bits != 4 && g->bits != 8) {
      throw Error(fmt::format("--weights {}: GPTQ stores 2, 3, 4 or 8 bits", given));
    }
    if (!gptq && g->bits != 4) throw Error(fmt::format("--weights {}: AWQ stores 4 bits", given));
    return *g;
  }
  if (name == "nf4" || name == "fp4" || name == "nf4-dq" || name == "fp4-dq") {
    f.scheme = WeightScheme::kBnb4;
    f.nf4 = name[0] == 'n';
    f.double_quant = name.size() > 3;
    return f;
  }
  if (name.rfind("gguf-", 0) == 0) {
    for (const GgufFileTypeInfo& t : kGgufFileTypes) {
      if (name.substr(5) == t.name) {
        f.scheme = WeightScheme::kGguf;
        f.gguf = t.type;
        return f;
      }
    }
  }
  throw unknown(given);
}

}  // namespace tsize
