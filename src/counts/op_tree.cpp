#include "op_tree.hpp"

#include <stdexcept>

namespace tsize::detail {
namespace {

// The child of `parent` named `name`, created at the end if absent (keeps forward order).
Breakdown& child_named(Breakdown& parent, std::string_view name) {
  for (Breakdown& c : parent.children) {
    if (c.name == name) return c;
  }
  parent.children.push_back(Breakdown{std::string(name), {}, 1, "", {}});
  return parent.children.back();
}

std::vector<Count> times(const OpRow& row, std::int64_t n) {
  std::vector<Count> values(row.columns);
  for (std::size_t i = 0; i < row.columns; ++i) {
    values[i] = mul(row.values[i], static_cast<std::uint64_t>(n), "block total");
  }
  return values;
}

}  // namespace

Breakdown op_tree(const Graph& graph, const OpRows& rows) {
  Breakdown root{graph.spec.name.empty() ? "model" : graph.spec.name, {}, 1, "", {}};
  std::size_t next = 0;
  for (const Block& block : graph.blocks) {
    Breakdown node{block.name, {}, block.repeat, "", {}};
    if (!block.layers.empty()) node.note = "layers " + block.layers;
    std::vector<std::pair<const Op*, const OpRow*>> kept;
    for (const Op& op : block.ops) {
      if (next >= rows.size()) throw std::logic_error("op_tree: fewer rows than ops");
      if (const auto& r = rows[next++]) kept.emplace_back(&op, &*r);
    }
    if (kept.empty()) continue;
    if (kept.size() == 1) {  // one row is enough: "final norm", "lm_head"
      node.values = times(*kept[0].second, block.repeat);
      if (node.note.empty()) node.note = kept[0].second->note;
      root.children.push_back(std::move(node));
      continue;
    }
    bool single_group = true;
    for (const auto& [op, r] : kept) single_group &= op->component == kept.front().first->component;
    for (const auto& [op, r] : kept) {
      Breakdown& parent = single_group ? node : child_named(node, op->group());
      parent.children.push_back(
          Breakdown{std::string(op->name()), times(*r, block.repeat), 1, r->note, {}});
    }
    // A component with a single op is one row, named after the component ("loss").
    for (Breakdown& c : node.children) {
      if (c.children.size() == 1) {
        if (c.note.empty()) c.note = c.children.front().note;
        c.values = std::move(c.children.front().values);
        c.children.clear();
      }
    }
    root.children.push_back(std::move(node));
  }
  sum_up(root);  // every interior node, once
  return root;
}

}  // namespace tsize::detail
