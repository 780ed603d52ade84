#include "tsize/breakdown.hpp"

#include <algorithm>

namespace tsize {

void sum_up(Breakdown& node) {
  if (node.children.empty()) return;
  std::size_t columns = 0;
  for (Breakdown& child : node.children) {
    sum_up(child);
    columns = std::max(columns, child.values.size());
  }
  node.values.assign(columns, 0);
  for (const Breakdown& child : node.children) {
    for (std::size_t i = 0; i < child.values.size(); ++i) {
      node.values[i] = add(node.values[i], child.values[i], node.name);
    }
  }
}

}  // namespace tsize
