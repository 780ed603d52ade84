#include "render_rows.hpp"

namespace tsize::detail {
namespace {

void walk(const Breakdown& node, const std::string& prefix, int depth, std::int64_t repeat,
          std::vector<Row>& rows) {
  for (const Breakdown& child : node.children) {
    Row r;
    r.name = child.name;
    r.path = prefix.empty() ? child.name : prefix + "/" + child.name;
    r.depth = depth;
    r.values = child.values;
    r.repeat = child.repeat;
    r.per_instance = repeat > 1;
    r.each = child.values;
    if (r.per_instance) {
      for (Count& v : r.each) v /= static_cast<std::uint64_t>(repeat);
    }
    r.note = child.note;
    rows.push_back(r);
    walk(child, r.path, depth + 1, repeat * child.repeat, rows);
  }
}

}  // namespace

std::vector<Row> flatten(const Breakdown& root) {
  std::vector<Row> rows;
  walk(root, "", 0, 1, rows);
  return rows;
}

}  // namespace tsize::detail
