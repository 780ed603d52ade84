// Breakdown — a tree of exact quantities (params, FLOPs, bytes) that mirrors the op tree.
//
// Invariant: a node's value is the sum of its children's values (when it has children), and
// every value is the total over all instances in the model. A node of a repeated block carries
// `repeat`, so a renderer can show per-instance figures (value / repeat) for it and below it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tsize/count.hpp"

namespace tsize {

struct Breakdown {
  std::string name;
  Count value = 0;
  std::int64_t repeat = 1;  // > 1 on a block of identical layers: its children are per-layer × repeat
  std::string note;         // "tied to embedding/token", "× 256, 8 active per token", "layers 0-2"
  std::vector<Breakdown> children;
};

// Sets every interior node's value to the sum of its children's (checked), bottom-up.
void sum_up(Breakdown& node);

}  // namespace tsize
