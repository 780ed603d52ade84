#include "tsize/workload.hpp"

#include <fmt/format.h>

#include "tsize/error.hpp"

namespace tsize {

Workload resolve_workload(const ModelSpec& spec, Workload w) {
  if (w.seq == 0) w.seq = spec.max_positions;
  std::string problems;
  auto positive = [&](const char* flag, std::int64_t v) {
    if (v <= 0) problems += fmt::format("\n  {} {} must be a positive integer", flag, v);
    if (v > kMaxDimension) {
      problems += fmt::format("\n  {} {} exceeds the largest supported size 2^30", flag, v);
    }
  };
  positive("--batch", w.batch);
  positive("--seq", w.seq);
  positive("--grad-accum", w.grad_accum);
  if (w.seq > spec.max_positions) {
    problems += fmt::format(
        "\n  --seq {} exceeds the context of {} ({} positions; raise it with "
        "--context)",
        w.seq, spec.name.empty() ? "the model" : spec.name, spec.max_positions);
  }
  if (!problems.empty()) throw Error("not a valid workload:" + problems);
  return w;
}

}  // namespace tsize
