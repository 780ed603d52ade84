#include "tsize/params.hpp"

#include <fmt/format.h>

namespace tsize {
namespace {

std::string op_note(const Op& op) {
  if (op.tied) return "tied to embedding/token";
  if (op.copies > 1) return fmt::format("× {}, {} active per token", op.copies, op.active_copies);
  if (!op.trainable) return "not trained by gradients";
  return "";
}

// The child of `parent` named `name`, created at the end if absent (keeps forward order).
Breakdown& child_named(Breakdown& parent, const std::string& name) {
  for (Breakdown& c : parent.children) {
    if (c.name == name) return c;
  }
  parent.children.push_back(Breakdown{name, {}, 1, "", {}});
  return parent.children.back();
}

}  // namespace

ParamCounts count_params(const Graph& graph) {
  ParamCounts r;
  r.breakdown.name = graph.spec.name.empty() ? "model" : graph.spec.name;
  for (const Block& block : graph.blocks) {
    Breakdown node{block.name, {}, block.repeat, "", {}};
    if (!block.layers.empty()) node.note = "layers " + block.layers;
    std::vector<const Op*> shown;  // ops with a row: weights, or tied weights
    for (const Op& op : block.ops) {
      const Count each = mul(params_per_copy(op), static_cast<std::uint64_t>(op.copies));
      const Count all = mul(each, static_cast<std::uint64_t>(block.repeat), "parameters");
      const Count active = mul(params_per_copy(op), static_cast<std::uint64_t>(op.active_copies));
      r.total = add(r.total, all, "total parameters");
      r.active = add(r.active, mul(active, static_cast<std::uint64_t>(block.repeat)));
      if (op.trainable) r.trainable = add(r.trainable, all);
      if (!op.embedding) r.non_embedding = add(r.non_embedding, all);
      if (all != 0 || op.tied) shown.push_back(&op);
    }
    if (shown.size() == 1) {  // one row is enough: "final norm", "lm_head"
      node.values = {mul(mul(params_per_copy(*shown[0]), static_cast<std::uint64_t>(shown[0]->copies)),
                         static_cast<std::uint64_t>(block.repeat))};
      if (node.note.empty()) node.note = op_note(*shown[0]);
      r.breakdown.children.push_back(std::move(node));
      continue;
    }
    bool single_group = true;
    for (const Op* op : shown) single_group &= op->group == shown.front()->group;
    for (const Op* op : shown) {
      const Count all = mul(mul(params_per_copy(*op), static_cast<std::uint64_t>(op->copies)),
                            static_cast<std::uint64_t>(block.repeat));
      Breakdown& parent = single_group ? node : child_named(node, op->group);
      parent.children.push_back(Breakdown{op->name, {all}, 1, op_note(*op), {}});
    }
    sum_up(node);
    r.breakdown.children.push_back(std::move(node));
  }
  sum_up(r.breakdown);
  return r;
}

}  // namespace tsize
