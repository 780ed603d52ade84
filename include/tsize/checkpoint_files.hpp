// Checkpoint files — the tensors a released checkpoint stores, read from its headers only.
//
// A safetensors file starts with an 8-byte little-endian length and a JSON header naming every
// tensor's dtype, shape and byte range; a GGUF file starts with its metadata and a table of
// tensor infos (name, shape, ggml type, offset). Both are read without touching the weights, so
// a folder of hundreds of GB is compared with tsize's count in milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tsize/count.hpp"

namespace tsize {

struct StoredTensor {
  std::string name;
  std::string dtype;                 // safetensors "BF16", "F8_E4M3"; GGUF "Q4_K", "F16"
  std::vector<std::uint64_t> shape;  // as stored (GGUF: logical elements per dimension)
  Count elements = 0;                // product of the shape
  Count bytes = 0;                   // bytes in the file
  // Values of the model this tensor holds: its elements, twice the bytes of a packed 4-bit
  // tensor (gpt-oss's MXFP4 `*_blocks`), 0 for quantization scales (`*_scales`,
  // `weight_scale_inv`).
  Count values = 0;
};

struct StoredCheckpoint {
  std::string format;                // "safetensors" or "gguf"
  std::vector<std::string> files;    // the files read
  std::vector<std::string> missing;  // shards the index names that the folder lacks
  std::vector<StoredTensor> tensors;
};

// The tensors of a safetensors file, from its first bytes (at least the 8-byte length and the
// header). Throws Error naming `source` and what is wrong.
std::vector<StoredTensor> parse_safetensors_header(std::string_view bytes,
                                                   const std::string& source);

// The tensors of a GGUF file (versions 2 and 3), from its first bytes. Throws Error naming
// `source`; a header cut short says so (read more of the file).
std::vector<StoredTensor> parse_gguf_header(std::string_view bytes, const std::string& source);

// The shard files a model.safetensors.index.json names (its weight_map's values), sorted, once
// each. Throws Error naming `source`.
std::vector<std::string> parse_safetensors_index(std::string_view text, const std::string& source);

// The checkpoint at path: a .safetensors or .gguf file, or a folder holding
// model.safetensors.index.json and its shards, or *.safetensors files. nullopt for a folder
// without any (a config-only folder). Throws Error for an unreadable or malformed file.
std::optional<StoredCheckpoint> read_checkpoint(const std::string& path);

}  // namespace tsize
