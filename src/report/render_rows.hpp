// Internal: a Breakdown flattened into display rows, shared by the table, CSV and Markdown
// renderers so they list the same rows in the same order.
#pragma once

#include <string>
#include <vector>

#include "tsize/breakdown.hpp"

namespace tsize::detail {

struct Row {
  std::string name;           // the node's own name
  std::string path;           // "layers/attention/q_proj" (root excluded)
  int depth = 0;              // 0 for the root's children
  std::vector<Count> values;  // totals over all instances, one per column
  std::vector<Count> each;    // per instance of the enclosing repeated block (= values outside)
  std::int64_t repeat = 1;    // > 1 on a repeated block's own row
  bool per_instance = false;  // inside a repeated block: `each` is the figure to show
  std::string note;
};

// Rows of the root's descendants in tree order.
std::vector<Row> flatten(const Breakdown& root);

}  // namespace tsize::detail
