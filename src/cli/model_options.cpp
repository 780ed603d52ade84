#include <fmt/format.h>

#include "commands.hpp"
#include "tsize/presets.hpp"

namespace tsize::cli {

void add_model_options(CLI::App* cmd, ModelOptions& o) {
  cmd->add_option("model", o.model,
                  "preset name (see `tsize models`) or path to a HuggingFace config.json; "
                  "omit to build a model from the flags alone");
  auto integer = [&](const char* flag, std::int64_t& target, const char* help) {
    o.int_options.push_back(cmd->add_option(flag, target, help)->group("Architecture"));
  };
  integer("--layers", o.layers, "number of transformer layers");
  integer("--d-model", o.d_model, "hidden size");
  integer("--heads", o.heads, "attention heads");
  integer("--kv-heads", o.kv_heads, "key/value heads (GQA; 1 = MQA)");
  integer("--head-dim", o.head_dim, "per-head dimension (default d_model / heads)");
  integer("--d-ff", o.d_ff, "MLP hidden size");
  integer("--vocab", o.vocab, "vocabulary size");
  integer("--context", o.context, "maximum positions the model is built for");
  using Choices = std::vector<std::string>;
  auto choice = [&](const char* flag, std::string& target, const char* help, Choices choices) {
    cmd->add_option(flag, target, help)->check(CLI::IsMember(choices))->group("Architecture");
  };
  choice("--mlp", o.mlp, "MLP kind", {"gelu", "relu", "swiglu", "geglu"});
  choice("--norm", o.norm, "normalization", {"layernorm", "rmsnorm"});
  choice("--pos", o.pos, "positions", {"learned", "rope", "none"});
  choice("--bias", o.bias, "every Linear and LayerNorm bias on or off", {"true", "false"});
  choice("--tied", o.tied, "lm_head shares the token embedding", {"true", "false"});
}

void add_output_options(CLI::App* cmd, OutputOptions& o) {
  cmd->add_option("--format", o.format, "output format")
      ->check(CLI::IsMember({"table", "json", "csv", "markdown", "md"}))
      ->group("Output");
  cmd->add_option("--units", o.units, "bytes in binary (GiB) or si (GB) units")
      ->check(CLI::IsMember({"binary", "si"}))
      ->group("Output");
}

ModelSpec resolve_model(const ModelOptions& o) {
  ModelOverrides ov;
  std::optional<std::int64_t>* fields[] = {&ov.layers, &ov.d_model,  &ov.heads, &ov.kv_heads,
                                           &ov.head_dim, &ov.d_ff, &ov.vocab, &ov.context};
  const std::int64_t values[] = {o.layers,   o.d_model, o.heads, o.kv_heads,
                                 o.head_dim, o.d_ff,    o.vocab, o.context};
  for (std::size_t i = 0; i < o.int_options.size(); ++i) {
    if (o.int_options[i]->count() > 0) *fields[i] = values[i];
  }
  if (!o.mlp.empty()) ov.mlp = parse_mlp(o.mlp);
  if (!o.norm.empty()) ov.norm = parse_norm(o.norm);
  if (!o.pos.empty()) ov.positions = parse_positions(o.pos);
  if (!o.bias.empty()) ov.bias = parse_bool("--bias", o.bias);
  if (!o.tied.empty()) ov.tied = parse_bool("--tied", o.tied);
  if (o.model.empty()) return spec_from_flags(ov);
  return apply_overrides(load_model(o.model), ov);
}

RenderOptions render_options(const OutputOptions& o) {
  RenderOptions r;
  r.format = parse_format(o.format);
  r.units = parse_units(o.units);
  return r;
}

}  // namespace tsize::cli
