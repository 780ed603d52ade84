#include "tsize/overrides.hpp"

#include <fmt/format.h>

#include "tsize/error.hpp"

namespace tsize {

bool ModelOverrides::empty() const {
  return !layers && !d_model && !heads && !kv_heads && !head_dim && !d_ff && !vocab && !context &&
         !mlp && !norm && !positions && !bias && !tied;
}

namespace {

void apply_mlp(ModelSpec& s, MlpChoice c) {
  s.fused_gate_up = false;
  switch (c) {
    case MlpChoice::kGelu:
      s.mlp = MlpKind::kPlain;
      s.activation = Activation::kGelu;
      break;
    case MlpChoice::kRelu:
      s.mlp = MlpKind::kPlain;
      s.activation = Activation::kRelu;
      break;
    case MlpChoice::kSwiglu:
      s.mlp = MlpKind::kGated;
      s.activation = Activation::kSilu;
      break;
    case MlpChoice::kGeglu:
      s.mlp = MlpKind::kGated;
      s.activation = Activation::kGelu;
      break;
  }
}

}  // namespace

ModelSpec apply_overrides(ModelSpec s, const ModelOverrides& o) {
  if (o.empty()) return s;
  const bool was_mha = s.n_kv_heads == s.n_heads;
  if (o.layers) s.n_layers = *o.layers;
  if (o.d_model) s.d_model = *o.d_model;
  if (o.heads) s.n_heads = *o.heads;
  if (o.kv_heads) {
    s.n_kv_heads = *o.kv_heads;
  } else if (o.heads && was_mha) {
    s.n_kv_heads = s.n_heads;
  }
  if (o.head_dim) {
    s.d_head = *o.head_dim;
  } else if ((o.d_model || o.heads) && !s.mla) {
    if (s.n_heads <= 0 || s.d_model % s.n_heads != 0) {
      throw Error(fmt::format("--heads {} does not divide --d-model {} (pass --head-dim)",
                              s.n_heads, s.d_model));
    }
    s.d_head = s.d_model / s.n_heads;
  }
  if (o.d_ff) {
    const bool has_dense = !s.moe || s.moe->first_dense_layers > 0 || s.moe->layer_frequency > 1 ||
                           !s.moe->dense_layers.empty();
    if (!has_dense) {
      throw Error(fmt::format("--d-ff {}: every layer of {} is MoE, so no MLP uses d_ff", *o.d_ff,
                              s.name.empty() ? "this model" : s.name));
    }
    s.d_ff = *o.d_ff;
  }
  if (o.vocab) s.vocab = *o.vocab;
  if (o.context) s.max_positions = *o.context;
  if (o.mlp) apply_mlp(s, *o.mlp);
  if (o.norm) {
    // A LayerNorm has a bias unless --bias false says otherwise.
    if (*o.norm == NormKind::kLayerNorm && s.norm != NormKind::kLayerNorm) s.norm_bias = true;
    s.norm = *o.norm;
  }
  if (o.positions) s.positions = *o.positions;
  if (o.bias) {
    s.qkv_bias = s.o_bias = s.mlp_bias = *o.bias;
    s.norm_bias = *o.bias;
  }
  if (o.tied) s.tied_embeddings = *o.tied;
  validate(s);
  return s;
}

ModelSpec spec_from_flags(const ModelOverrides& o) {
  std::string missing;
  if (!o.layers) missing += " --layers";
  if (!o.d_model) missing += " --d-model";
  if (!o.heads) missing += " --heads";
  if (!missing.empty()) {
    throw Error("a model from flags needs" + missing + " (or name a preset or config.json)");
  }
  ModelSpec s;  // GPT-2's choices, as nanoGPT's GPTConfig
  s.name = "custom";
  s.family = "custom";
  s.vocab = 50257;
  s.max_positions = 1024;
  s.d_model = *o.d_model;
  s.d_ff = 4 * *o.d_model;
  s.n_heads = s.n_kv_heads = 1;  // replaced below
  s.d_head = 1;
  s.fused_qkv = true;
  s.qkv_bias = s.o_bias = s.mlp_bias = true;
  s.tied_embeddings = true;
  ModelOverrides with_heads = o;
  if (!with_heads.kv_heads) with_heads.kv_heads = *o.heads;
  return apply_overrides(s, with_heads);
}

bool parse_bool(const std::string& flag, const std::string& v) {
  if (v == "true") return true;
  if (v == "false") return false;
  throw Error(flag + " " + v + ": expected true or false");
}

}  // namespace tsize
