// Internal: the Breakdown tree of a Graph — blocks → components → ops — shared by every fold
// (parameters, FLOPs, saved bytes) so their trees have the same shape and names.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "tsize/breakdown.hpp"
#include "tsize/graph.hpp"

namespace tsize::detail {

struct OpRow {
  // For one instance of the op's block (op_tree multiplies by repeat), one per column.
  std::array<Count, 3> values{};
  std::size_t columns = 1;
  std::string note;
};

// One entry per op of the graph, blocks in order and ops in order within each: the op's row, or
// nullopt to leave it out of the tree.
using OpRows = std::vector<std::optional<OpRow>>;

// Root named after the model; a child per block (repeat and "layers 0-2" note kept); inside a
// block, a node per component when there are several, then the ops. A block with one row is
// that row. REQUIRES: rows has one entry per op.
Breakdown op_tree(const Graph& graph, const OpRows& rows);

}  // namespace tsize::detail
