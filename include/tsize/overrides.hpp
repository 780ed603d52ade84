// ModelOverrides — architecture flags that build a model from scratch or change a preset/config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tsize/model.hpp"

namespace tsize {

// The MLP flag's choices: GELU/ReLU 2-matrix MLPs, or gated SwiGLU/GeGLU (3 matrices).
enum class MlpChoice { kGelu, kRelu, kSwiglu, kGeglu };

template <>
struct ChoiceTable<MlpChoice> {
  static constexpr std::string_view kFlag = "--mlp";
  static constexpr std::array<Choice<MlpChoice>, 4> kChoices{{
      {MlpChoice::kGelu, "gelu", "GELU", "up → GELU → down"},
      {MlpChoice::kRelu, "relu", "ReLU", "up → ReLU → down"},
      {MlpChoice::kSwiglu, "swiglu", "SwiGLU", "SiLU(gate)·up → down"},
      {MlpChoice::kGeglu, "geglu", "GeGLU", "GELU(gate)·up → down"},
  }};
};

struct ModelOverrides {
  std::optional<std::int64_t> layers, d_model, heads, kv_heads, head_dim, d_ff, vocab, context;
  std::optional<MlpChoice> mlp;
  std::optional<NormKind> norm;
  std::optional<PositionKind> positions;
  std::optional<bool> bias;  // every Linear and LayerNorm bias on or off (nanoGPT's bias=)
  std::optional<bool> tied;  // lm_head tied to the token embedding

  bool empty() const;
};

// base with every set field replaced, validated. Changing d_model or heads without --head-dim
// re-derives d_head = d_model / heads. Throws Error naming the flag when the result is invalid.
ModelSpec apply_overrides(ModelSpec base, const ModelOverrides& o);

// A model from flags alone: --layers, --d-model and --heads are required; the rest default to
// GPT-2's choices (vocab 50257, context 1024, d_ff 4·d_model, GELU, LayerNorm, learned
// positions, biases, tied embeddings). Throws Error naming a missing flag.
ModelSpec spec_from_flags(const ModelOverrides& o);

// "true" or "false"; throws Error naming the flag.
bool parse_bool(const std::string& flag, const std::string& v);

}  // namespace tsize
