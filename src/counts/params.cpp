#include "tsize/params.hpp"

#include <fmt/format.h>

#include "op_tree.hpp"

namespace tsize {
namespace {

// The weights of op, `copies` of it (a literal 1 for one copy, or {"E", experts}).
template <class Sink>
void param_terms(const Op& op, Input copies, Sink& out) {
  const Input width{"out", to_count(op.out)};
  if (op.tied) {
    out.set_source(op.bias ? "tied to the token embedding (counted there); its bias is its own"
                           : "tied to the token embedding: its weights are counted there");
    if (op.bias) out.product("bias", {copies, width});
    return;
  }
  switch (op.kind()) {
    case OpKind::kEmbedding:
      out.set_source("nn.Embedding: one row of `out` values per entry");
      out.product("table", {copies, {"in", to_count(op.in)}, width});
      return;
    case OpKind::kLinear:
      out.set_source(op.bias ? "nn.Linear: weight in × out and bias out"
                             : "nn.Linear without bias: weight in × out");
      out.product("weight", {copies, {"in", to_count(op.in)}, width});
      if (op.bias) out.product("bias", {copies, width});
      return;
    case OpKind::kNorm:
      out.set_source(op.bias ? "LayerNorm: γ and β over `out` features"
                             : (op.norm == NormKind::kRMSNorm ? "RMSNorm: γ over `out` features"
                                                              : "LayerNorm without bias: γ"));
      out.product(op.bias ? "γ and β" : "γ", {copies, {nullptr, op.bias ? 2u : 1u}, width});
      return;
    case OpKind::kAttention:
      if (!op.attention.sinks) break;
      out.set_source("gpt-oss modeling: sinks = nn.Parameter([a]), one logit per head");
      out.product("sinks", {copies, {"a", to_count(op.attention.heads)}});
      return;
    case OpKind::kBias:
      out.set_source("DeepSeek-V3 §2.1.2: a score bias per expert, updated without gradients");
      out.product("bias", {copies, width});
      return;
    default:
      break;
  }
  out.set_source("no weights");
}

Input copies_of(const Op& op) {
  return op.copies > 1 ? Input{"E", to_count(op.copies)} : Input{nullptr, 1};
}

std::string op_note(const Op& op) {
  if (op.tied) return "tied to embedding/token";
  if (op.copies > 1) return fmt::format("× {}, {} active per token", op.copies, op.active_copies);
  if (!op.trainable) return "not trained by gradients";
  return "";
}

}  // namespace

Count params_per_copy(const Op& op) {
  Tally t;
  param_terms(op, {nullptr, 1}, t);
  return t.total();
}

Figure param_figure(const Op& op) {
  Figure f;
  param_terms(op, copies_of(op), f);
  return f;
}

ParamCounts count_params(const Graph& graph) {
  ParamCounts r = count_param_totals(graph);
  // Weightless ops have no row in a parameter table; a tied head keeps one, at 0.
  detail::OpRows rows;
  std::size_t ops = 0;
  for (const Block& block : graph.blocks) ops += block.ops.size();
  rows.reserve(ops);
  for (const Block& block : graph.blocks) {
    for (const Op& op : block.ops) {
      const Count n = mul(params_per_copy(op), to_count(op.copies));
      if (n == 0 && !op.tied) {
        rows.emplace_back();
      } else {
        rows.emplace_back(detail::OpRow{{n}, 1, op_note(op)});
      }
    }
  }
  r.breakdown = detail::op_tree(graph, rows);
  return r;
}

ParamCounts count_param_totals(const Graph& graph) {
  ParamCounts r;
  for (const Block& block : graph.blocks) {
    for (const Op& op : block.ops) {
      const Count each = params_per_copy(op);
      const Count all = mul(mul(each, to_count(op.copies)), to_count(block.repeat), "parameters");
      r.total = add(r.total, all, "total parameters");
      r.active = add(r.active, mul(mul(each, to_count(op.active_copies)), to_count(block.repeat)));
      if (op.trainable) r.trainable = add(r.trainable, all);
      if (!op.embedding) r.non_embedding = add(r.non_embedding, all);
    }
  }
  return r;
}

}  // namespace tsize
