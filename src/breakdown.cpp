#include "tsize/breakdown.hpp"

namespace tsize {

void sum_up(Breakdown& node) {
  if (node.children.empty()) return;
  Count total = 0;
  for (Breakdown& child : node.children) {
    sum_up(child);
    total = add(total, child.value, node.name);
  }
  node.value = total;
}

}  // namespace tsize
