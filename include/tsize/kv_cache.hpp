// KV cache — what a decoder keeps per token to generate the next one, layer by layer: keys and
// values of each KV head (MHA, GQA, MQA, an explicit head_dim), MLA's compressed latent and
// shared RoPE key, sliding-window and chunked layers capped at their window, in a KV dtype, and
// paged in blocks of tokens as vLLM allocates them.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tsize/choices.hpp"
#include "tsize/count.hpp"
#include "tsize/graph.hpp"

namespace tsize {

// How each cached element is stored.
//   kBf16, kFp16: 2 bytes. kFp8: 1 byte (vLLM's --kv-cache-dtype fp8: per-tensor scales).
//   kInt8, kInt4: llama.cpp's q8_0 and q4_0 cache types (--cache-type-k/-v): blocks of 32
//   elements with an fp16 scale, 34 and 18 bytes (ggml-common.h).
enum class KvDtype { kBf16, kFp16, kFp8, kInt8, kInt4 };

template <>
struct ChoiceTable<KvDtype> {
  static constexpr std::string_view kFlag = "--kv-dtype";
  static constexpr std::array<Choice<KvDtype>, 5> kChoices{{
      {KvDtype::kBf16, "bf16", "bf16", "2 bytes per element"},
      {KvDtype::kFp16, "fp16", "fp16", "2 bytes per element"},
      {KvDtype::kFp8, "fp8", "fp8", "1 byte per element, per-tensor scales (vLLM)"},
      {KvDtype::kInt8, "int8", "int8",
       "llama.cpp's q8_0 cache: 32 elements in 34 bytes (an fp16 scale each)"},
      {KvDtype::kInt4, "int4", "int4",
       "llama.cpp's q4_0 cache: 32 elements in 18 bytes (an fp16 scale each)"},
  }};
};

// Layers that cache alike.
struct KvLayers {
  std::int64_t layers = 0;
  Count bytes_per_token = 0;  // one layer, one token
  std::int64_t window = 0;    // tokens kept at most (sliding window or chunk); 0: every token
  std::int64_t heads = 0;     // KV heads a tensor-parallel split divides (MLA: 1, replicated)
};

struct KvCache {
  std::vector<KvLayers> groups;
  std::vector<std::size_t> layer_group;  // each layer's group (layers count from 0)
  Count bytes_per_token = 0;             // every layer, one token, no window reached

  // Tokens one layer of `g` keeps for a sequence of `context` tokens.
  static std::int64_t kept(const KvLayers& g, std::int64_t context);
  // Bytes for `sequences` sequences of `context` tokens, each layer's tokens rounded up to whole
  // blocks of `block_size` (vLLM's paged allocation; 1: no paging). Checked.
  Count bytes(std::int64_t context, std::int64_t sequences, std::int64_t block_size) const;
};

// The cache of a decoder's attention layers. Throws Error for an int8/int4 cache whose heads are
// not whole blocks of 32 elements, and for a model without a causal decoder (an encoder keeps no
// cache).
KvCache kv_cache(const Graph& graph, KvDtype dtype);

}  // namespace tsize
