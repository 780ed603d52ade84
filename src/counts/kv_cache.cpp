#include "tsize/kv_cache.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tsize/error.hpp"

namespace tsize {
namespace {

// Bytes of `elements` cached elements in a dtype (kv_cache.hpp's list).
Count element_bytes(std::int64_t elements, KvDtype dtype, const std::string& model) {
  switch (dtype) {
    case KvDtype::kBf16:
    case KvDtype::kFp16:
      return mul(to_count(elements), 2);
    case KvDtype::kFp8:
      return to_count(elements);
    case KvDtype::kInt8:
    case KvDtype::kInt4:
      if (elements % 32 != 0) {
        throw Error(fmt::format(
            "--kv-dtype {}: {}'s {} cached elements per token and layer are not whole blocks of "
            "32 (llama.cpp's q8_0/q4_0 cache)",
            to_string(dtype), model, elements));
      }
      return mul(to_count(elements / 32), dtype == KvDtype::kInt8 ? 34 : 18);
  }
  return mul(to_count(elements), 2);
}

// One attention core's cache per token: K and V of each KV head, or MLA's latent and the RoPE
// key every head shares (what vLLM's MLAAttentionSpec pages: kv_lora_rank + qk_rope_head_dim).
KvLayers layer_cache(const ModelSpec& spec, const AttentionShape& a, KvDtype dtype) {
  KvLayers g;
  g.layers = 1;
  std::int64_t elements = 0;
  if (spec.mla) {
    elements = spec.mla->kv_lora_rank + spec.mla->qk_rope_head_dim;
    g.heads = 1;
  } else {
    elements = a.kv_heads * (a.qk_dim + a.v_dim);
    g.heads = a.kv_heads;
  }
  g.bytes_per_token = element_bytes(elements, dtype, spec.name);
  g.window = a.chunk > 0 ? a.chunk : a.window;
  return g;
}

}  // namespace

std::int64_t KvCache::kept(const KvLayers& g, std::int64_t context) {
  return g.window > 0 ? std::min(context, g.window) : context;
}

Count KvCache::bytes(std::int64_t context, std::int64_t sequences, std::int64_t block_size) const {
  Count total = 0;
  for (const KvLayers& g : groups) {
    const std::int64_t tokens = kept(g, context);
    const std::int64_t paged = (tokens + block_size - 1) / block_size * block_size;
    total = add(
        total,
        mul(mul(mul(to_count(paged), g.bytes_per_token), to_count(g.layers)), to_count(sequences)),
        "KV cache bytes");
  }
  return total;
}

KvCache kv_cache(const Graph& g, KvDtype dtype) {
  if (g.spec.structure != Structure::kDecoder) {
    throw Error(
        fmt::format("{} is an encoder: it generates nothing and keeps no KV cache", g.spec.name));
  }
  KvCache out;
  for (const std::uint8_t b : g.layer_blocks) {
    for (const Op& op : g.blocks[b].ops) {
      if (op.role != Role::kAttentionCore) continue;
      const KvLayers layer = layer_cache(g.spec, op.attention, dtype);
      out.bytes_per_token = add(out.bytes_per_token, layer.bytes_per_token);
      const auto same = std::find_if(out.groups.begin(), out.groups.end(), [&](const KvLayers& x) {
        return x.bytes_per_token == layer.bytes_per_token && x.window == layer.window &&
               x.heads == layer.heads;
      });
      if (same == out.groups.end()) {
        out.layer_group.push_back(out.groups.size());
        out.groups.push_back(layer);
      } else {
        out.layer_group.push_back(static_cast<std::size_t>(same - out.groups.begin()));
        ++same->layers;
      }
    }
  }
  return out;
}

}  // namespace tsize
