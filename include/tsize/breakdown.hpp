// Breakdown — a tree of exact quantities (params; FLOPs forward/backward/step; bytes) that
// mirrors the op tree.
//
// A node holds one value per column of its Section (report.hpp). Invariant: an interior node's
// values are the sums of its children's, and every value is the total over all instances in the
// model. A node of a repeated block carries `repeat`, so a renderer can show per-instance
// figures (value / repeat) for it and below it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tsize/count.hpp"

namespace tsize {

struct Breakdown {
  std::string name;
  std::vector<Count> values;  // one per column
  std::int64_t repeat = 1;    // > 1 on a block of identical layers
  std::string note;           // "tied to embedding/token", "× 256, 8 active per token", ...
  std::vector<Breakdown> children;

  // The value in `column`, 0 when the node has fewer columns.
  Count value(std::size_t column = 0) const {
    return column < values.size() ? values[column] : Count{0};
  }
};

// Sets every interior node's values to the column-wise sums of its children's (checked).
void sum_up(Breakdown& node);

}  // namespace tsize
