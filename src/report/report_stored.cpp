// A released checkpoint's stored tensors beside tsize's count of the same model.
#include <fmt/format.h>

#include <map>

#include "tsize/nearest.hpp"
#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The layer a tensor name belongs to ("model.layers.12.mlp…", "transformer.h.3…", "blk.7…"),
// or -1.
std::int64_t layer_of(std::string_view name) {
  for (const std::string_view key : {"layers.", "layer.", "h.", "blocks.", "blk."}) {
    for (std::size_t at = name.find(key); at != std::string_view::npos;
         at = name.find(key, at + 1)) {
      if (at != 0 && name[at - 1] != '.') continue;
      std::size_t i = at + key.size();
      std::int64_t n = 0;
      const std::size_t digits = i;
      while (i < name.size() && name[i] >= '0' && name[i] <= '9' && n < (1 << 30)) {
        n = n * 10 + (name[i++] - '0');
      }
      if (i > digits && i < name.size() && name[i] == '.') return n;
    }
  }
  return -1;
}

// Why the graph has no place for a stored tensor; empty when it has one.
std::string unplaced_reason(const ModelSpec& spec, const std::string& full) {
  std::string_view name = full;
  for (const std::string_view prefix : {"language_model.model.", "model.language_model.",
                                        "language_model.", "model.", "transformer.", "gpt_neox."}) {
    if (starts_with(name, prefix)) {
      name.remove_prefix(prefix.size());
      break;
    }
  }
  for (const std::string_view other : {"vision", "visual", "multi_modal_projector", "mm_", "image",
                                       "audio", "patch_", "embed_vision"}) {
    if (starts_with(name, other)) return "not part of the language model (vision or projector)";
  }
  if (const std::int64_t layer = layer_of(name); layer >= 0) {
    if (layer < spec.n_layers) return "";
    return fmt::format("layers beyond the model's {} (a multi-token-prediction module?)",
                       spec.n_layers);
  }
  if (starts_with(name, "lm_head.weight") || name == "output.weight") {
    return spec.tied_embeddings ? "a stored copy of lm_head, which the model ties to the embedding"
                                : "";
  }
  if (starts_with(name, "rope_freqs")) return "a RoPE frequency table (a buffer, not a weight)";
  for (const std::string_view known :
       {"embed", "wte", "wpe", "word_embeddings", "token_embd", "norm", "ln_f", "final_layernorm",
        "output_norm", "pooler", "lm_head", "embeddings"}) {
    if (name.find(known) != std::string_view::npos) return "";
  }
  return "not a tensor of tsize's graph";
}

}  // namespace

Section stored_checkpoint_section(const Graph& graph, const ParamCounts& params,
                                  const StoredCheckpoint& stored) {
  Section s;
  s.key = "checkpoint_files";
  s.title = fmt::format("Checkpoint files ({}, {} file{}, headers only)", stored.format,
                        stored.files.size(), stored.files.size() == 1 ? "" : "s");
  s.unit = Unit::kCount;
  Count values = 0, bytes = 0, placed = 0;
  std::map<std::string, Count> dtype_bytes;
  struct Group {
    std::size_t tensors = 0;
    Count values = 0;
    std::string example;
  };
  std::map<std::string, Group> unplaced;
  for (const StoredTensor& t : stored.tensors) {
    values = add(values, t.values);
    bytes = add(bytes, t.bytes);
    dtype_bytes[t.dtype] = add(dtype_bytes[t.dtype], t.bytes);
    const std::string why = unplaced_reason(graph.spec, t.name);
    if (why.empty()) {
      placed = add(placed, t.values);
      continue;
    }
    Group& g = unplaced[why];
    if (g.tensors++ == 0) g.example = t.name;
    g.values = add(g.values, t.values);
  }
  s.facts.push_back({"stored_tensors", "tensors", Count{stored.tensors.size()}, Unit::kCount});
  s.facts.push_back({"stored_values", "stored values", values, Unit::kCount,
                     "weights as the model holds them (packed 4-bit × 2; scales left out)"});
  s.facts.push_back({"placed_values", "in tsize's graph", placed, Unit::kCount,
                     placed == params.total
                         ? "= tsize's total: exact"
                         : fmt::format("tsize counts {}", with_commas(params.total))});
  s.facts.push_back({"stored_bytes", "bytes", bytes, Unit::kBytes});
  for (const auto& [dtype, b] : dtype_bytes) {
    s.facts.push_back({"bytes_" + to_lower(dtype), dtype, b, Unit::kBytes});
  }
  for (const auto& [why, g] : unplaced) {
    s.assumptions.push_back(fmt::format("{} tensor{} ({} values) not in the count: {}; e.g. {}",
                                        g.tensors, g.tensors == 1 ? "" : "s", with_commas(g.values),
                                        why, g.example));
  }
  if (!stored.missing.empty()) {
    s.assumptions.push_back(fmt::format(
        "{} shard{} named by the index are not in the folder: {}", stored.missing.size(),
        stored.missing.size() == 1 ? "" : "s", fmt::join(stored.missing, ", ")));
  }
  return s;
}

}  // namespace tsize
