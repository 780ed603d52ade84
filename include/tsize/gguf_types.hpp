// GGUF tensor types — ggml's block types as a GGUF file stores them: ggml's type id, elements per
// block and bytes per block. Read by the GGUF header reader (checkpoint_files.hpp) and by the
// GGUF weight formats (weight_format.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tsize {

// ggml/src/ggml-common.h block structs, ggml.c type_traits, ggml.h ids (llama.cpp c392e50,
// 2025-02-20; MXFP4 from its later ggml.h). Q8_1 and Q8_K hold activations, never weights.
enum class GgufType : std::uint8_t {
  kF32,
  kF16,
  kBF16,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ8_0,
  kQ2_K,
  kQ3_K,
  kQ4_K,
  kQ5_K,
  kQ6_K,
  kIQ1_S,
  kIQ1_M,
  kIQ2_XXS,
  kIQ2_XS,
  kIQ2_S,
  kIQ3_XXS,
  kIQ3_S,
  kIQ4_NL,
  kIQ4_XS,
  kTQ1_0,
  kTQ2_0,
  kMXFP4,
  kQ8_1,
  kQ8_K,
  kI8,
  kI16,
  kI32,
  kI64,
  kF64,
};

struct GgufTypeInfo {
  GgufType type;
  std::uint32_t id;       // ggml_type, as a GGUF tensor info stores it
  std::string_view name;  // ggml's: "Q4_K"
  int block = 1;          // elements per block
  int bytes = 4;          // bytes per block
};
inline constexpr std::array<GgufTypeInfo, 32> kGgufTypes{{
    {GgufType::kF32, 0, "F32", 1, 4},
    {GgufType::kF16, 1, "F16", 1, 2},
    {GgufType::kBF16, 30, "BF16", 1, 2},
    {GgufType::kQ4_0, 2, "Q4_0", 32, 18},
    {GgufType::kQ4_1, 3, "Q4_1", 32, 20},
    {GgufType::kQ5_0, 6, "Q5_0", 32, 22},
    {GgufType::kQ5_1, 7, "Q5_1", 32, 24},
    {GgufType::kQ8_0, 8, "Q8_0", 32, 34},
    {GgufType::kQ2_K, 10, "Q2_K", 256, 84},
    {GgufType::kQ3_K, 11, "Q3_K", 256, 110},
    {GgufType::kQ4_K, 12, "Q4_K", 256, 144},
    {GgufType::kQ5_K, 13, "Q5_K", 256, 176},
    {GgufType::kQ6_K, 14, "Q6_K", 256, 210},
    {GgufType::kIQ1_S, 19, "IQ1_S", 256, 50},
    {GgufType::kIQ1_M, 29, "IQ1_M", 256, 56},
    {GgufType::kIQ2_XXS, 16, "IQ2_XXS", 256, 66},
    {GgufType::kIQ2_XS, 17, "IQ2_XS", 256, 74},
    {GgufType::kIQ2_S, 22, "IQ2_S", 256, 82},
    {GgufType::kIQ3_XXS, 18, "IQ3_XXS", 256, 98},
    {GgufType::kIQ3_S, 21, "IQ3_S", 256, 110},
    {GgufType::kIQ4_NL, 20, "IQ4_NL", 32, 18},
    {GgufType::kIQ4_XS, 23, "IQ4_XS", 256, 136},
    {GgufType::kTQ1_0, 34, "TQ1_0", 256, 54},
    {GgufType::kTQ2_0, 35, "TQ2_0", 256, 66},
    {GgufType::kMXFP4, 39, "MXFP4", 32, 17},
    {GgufType::kQ8_1, 9, "Q8_1", 32, 36},
    {GgufType::kQ8_K, 15, "Q8_K", 256, 292},
    {GgufType::kI8, 24, "I8", 1, 1},
    {GgufType::kI16, 25, "I16", 1, 2},
    {GgufType::kI32, 26, "I32", 1, 4},
    {GgufType::kI64, 27, "I64", 1, 8},
    {GgufType::kF64, 28, "F64", 1, 8},
}};

constexpr const GgufTypeInfo& gguf_type_info(GgufType t) {
  return kGgufTypes[static_cast<std::size_t>(t)];
}

// The type of ggml id `id`; nullptr for an id tsize does not know.
constexpr const GgufTypeInfo* gguf_type_of_id(std::uint32_t id) {
  for (const GgufTypeInfo& t : kGgufTypes) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

}  // namespace tsize
