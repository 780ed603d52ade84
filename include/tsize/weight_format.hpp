// Weight formats — how a checkpoint stores its weights for inference: floats, FP8 with its
// scales, int8, GPTQ and AWQ groups, bitsandbytes 4-bit blocks, and GGUF's block types and
// llama.cpp's named mixes. Each format is parsed from the name `tsize infer --weights` takes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tsize/gguf_types.hpp"

namespace tsize {

// llama.cpp's file types (`llama-quantize ... Q4_K_M`): a default block type and per-tensor rules
// (llama-quant.cpp's llama_tensor_get_type). A plain block type ("gguf-q8_0") is the file type of
// that name.
enum class GgufFileType : std::uint8_t {
  kF32,
  kF16,
  kBF16,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ8_0,
  kQ2_K,
  kQ3_K_S,
  kQ3_K_M,
  kQ3_K_L,
  kQ4_K_S,
  kQ4_K_M,
  kQ5_K_S,
  kQ5_K_M,
  kQ6_K,
  kIQ4_NL,
  kIQ4_XS,
};
struct GgufFileTypeInfo {
  GgufFileType type;
  std::string_view name;  // as `tsize infer --weights gguf-…` spells it: "q4_k_m"
  GgufType default_type;
};
inline constexpr std::array<GgufFileTypeInfo, 19> kGgufFileTypes{{
    {GgufFileType::kF32, "f32", GgufType::kF32},
    {GgufFileType::kF16, "f16", GgufType::kF16},
    {GgufFileType::kBF16, "bf16", GgufType::kBF16},
    {GgufFileType::kQ4_0, "q4_0", GgufType::kQ4_0},
    {GgufFileType::kQ4_1, "q4_1", GgufType::kQ4_1},
    {GgufFileType::kQ5_0, "q5_0", GgufType::kQ5_0},
    {GgufFileType::kQ5_1, "q5_1", GgufType::kQ5_1},
    {GgufFileType::kQ8_0, "q8_0", GgufType::kQ8_0},
    {GgufFileType::kQ2_K, "q2_k", GgufType::kQ2_K},
    {GgufFileType::kQ3_K_S, "q3_k_s", GgufType::kQ3_K},
    {GgufFileType::kQ3_K_M, "q3_k_m", GgufType::kQ3_K},
    {GgufFileType::kQ3_K_L, "q3_k_l", GgufType::kQ3_K},
    {GgufFileType::kQ4_K_S, "q4_k_s", GgufType::kQ4_K},
    {GgufFileType::kQ4_K_M, "q4_k_m", GgufType::kQ4_K},
    {GgufFileType::kQ5_K_S, "q5_k_s", GgufType::kQ5_K},
    {GgufFileType::kQ5_K_M, "q5_k_m", GgufType::kQ5_K},
    {GgufFileType::kQ6_K, "q6_k", GgufType::kQ6_K},
    {GgufFileType::kIQ4_NL, "iq4_nl", GgufType::kIQ4_NL},
    {GgufFileType::kIQ4_XS, "iq4_xs", GgufType::kIQ4_XS},
}};

// The families of formats, each with its own storage rule.
enum class WeightScheme : std::uint8_t {
  kFloat,  // bf16, fp16, fp32: every tensor in one dtype
  kFp8,    // float8 weights of the decoder's Linears, with fp32 scales (`fp8_scales`)
  kInt8,   // int8 weights of the decoder's Linears, one fp32 scale per output row
  kGptq,   // GPTQ: packed int32 qweight, qzeros, fp16 scales per group, int32 g_idx
  kAwq,    // AWQ (GEMM): packed qweight, qzeros, fp16 scales per group
  kBnb4,   // bitsandbytes nf4 / fp4: 4-bit blocks of 64 with absmax (double quantized or not)
  kGguf,   // a GGUF file type
};

enum class Fp8Scales : std::uint8_t { kTensor, kChannel, kBlock128 };

struct WeightFormat {
  std::string name;  // as given: "gptq-int4-g128"
  WeightScheme scheme = WeightScheme::kFloat;
  int float_bytes = 2;  // kFloat: bytes per weight; others: the unquantized tensors'
  bool w8a8 = false;    // kInt8: activations quantized too (weights as int8)
  Fp8Scales fp8_scales = Fp8Scales::kChannel;
  int bits = 4;               // kGptq, kAwq
  std::int64_t group = 128;   // kGptq, kAwq: input features per scale; 0: one group
  bool nf4 = true;            // kBnb4: nf4 (else fp4), the same bytes
  bool double_quant = false;  // kBnb4
  GgufFileType gguf = GgufFileType::kF16;
};

// "bf16", "fp16", "fp32", "fp8" (per-channel scales), "fp8-tensor", "fp8-block" (128×128, as
// DeepSeek-V3), "int8", "w8a8", "gptq-int4-g128", "gptq-int8-g32", "gptq-int4" (one group),
// "awq-int4-g128", "nf4", "fp4", "nf4-dq", "fp4-dq", "gguf-q4_k_m", "gguf-q8_0", ... Throws Error
// naming the forms it takes.
WeightFormat parse_weight_format(std::string_view name);

// Every name parse_weight_format takes, for help and completion ("gptq-int4-g128" standing for
// every group size).
std::string weight_format_names();

}  // namespace tsize
