#include "tsize/params.hpp"

#include <fmt/format.h>

#include "op_tree.hpp"

namespace tsize {
namespace {

std::string op_note(const Op& op) {
  if (op.tied) return "tied to embedding/token";
  if (op.copies > 1) return fmt::format("× {}, {} active per token", op.copies, op.active_copies);
  if (!op.trainable) return "not trained by gradients";
  return "";
}

Count u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

}  // namespace

ParamCounts count_params(const Graph& graph) {
  ParamCounts r = count_param_totals(graph);
  // Weightless ops have no row in a parameter table; a tied head keeps one, at 0.
  r.breakdown =
      detail::op_tree(graph, [](const Block&, const Op& op) -> std::optional<detail::OpRow> {
        const Count n = mul(params_per_copy(op), u(op.copies));
        if (n == 0 && !op.tied) return std::nullopt;
        return detail::OpRow{{n}, op_note(op)};
      });
  return r;
}

ParamCounts count_param_totals(const Graph& graph) {
  ParamCounts r;
  for (const Block& block : graph.blocks) {
    for (const Op& op : block.ops) {
      const Count each = params_per_copy(op);
      const Count all = mul(mul(each, u(op.copies)), u(block.repeat), "parameters");
      r.total = add(r.total, all, "total parameters");
      r.active = add(r.active, mul(mul(each, u(op.active_copies)), u(block.repeat)));
      if (op.trainable) r.trainable = add(r.trainable, all);
      if (!op.embedding) r.non_embedding = add(r.non_embedding, all);
    }
  }
  return r;
}

}  // namespace tsize
