#include "tsize/serving_plan.hpp"

#include <algorithm>

#include "tsize/error.hpp"

namespace tsize {
namespace {

// GPU counts in the order tried: 1, 2, 4, … up to a node (TP), then whole nodes (PP).
std::vector<std::pair<std::int64_t, std::int64_t>> splits(std::int64_t per_node,
                                                          std::int64_t max_gpus) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;  // (tp, pp)
  std::int64_t tp = 1;
  for (; tp <= per_node && tp <= max_gpus; tp *= 2) out.emplace_back(tp, 1);
  tp /= 2;
  for (std::int64_t pp = 2; tp * pp <= max_gpus; ++pp) out.emplace_back(tp, pp);
  return out;
}

}  // namespace

std::optional<ServingDeployment> smallest_deployment(const Graph& graph, const ClusterSpec& cluster,
                                                     const ServingOptions& base,
                                                     const ServingLoad& load,
                                                     std::int64_t max_gpus) {
  const std::int64_t context = load.input_len + load.output_len;
  for (const auto& [tp, pp] : splits(std::max<std::int64_t>(cluster.gpus_per_node, 1), max_gpus)) {
    ServingOptions o = base;
    o.tp = tp;
    o.pp = pp;
    o.ep = base.ep > 1 ? tp : 1;
    if (!serving_split_problems(graph, o).empty()) continue;
    ServingDeployment d;
    d.options = o;
    d.memory = serving_memory(graph, cluster.gpu, o, context, load.batch);
    if (!d.memory.fits) continue;
    if (cluster.gpu.kernels.known()) {
      ServingLoad l = load;
      l.max_batched_tokens = d.memory.max_batched_tokens;
      d.time = serving_time(serving_work(graph, cluster.gpu, o), cluster, l);
    }
    return d;
  }
  return std::nullopt;
}

std::int64_t largest_batch_within(const ServingWork& work, const ClusterSpec& cluster,
                                  const ServingLoad& load, double max_tpot_s, std::int64_t limit) {
  auto within = [&](std::int64_t batch) {
    ServingLoad l = load;
    l.batch = batch;
    return serving_time(work, cluster, l).tpot_s <= max_tpot_s;
  };
  if (limit < 1 || !within(1)) return 0;
  std::int64_t lo = 1, hi = limit;  // within(lo) holds
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo + 1) / 2;
    if (within(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

std::vector<FormatChoice> cheapest_formats(const Graph& graph, const ClusterSpec& cluster,
                                           const ServingOptions& base, const ServingLoad& load,
                                           const std::vector<std::string>& formats,
                                           std::int64_t max_gpus) {
  std::vector<FormatChoice> out;
  for (const std::string& name : formats) {
    FormatChoice c;
    c.format = name;
    try {
      ServingOptions o = base;
      o.weights = parse_weight_format(name);
      c.deployment = smallest_deployment(graph, cluster, o, load, max_gpus);
      if (!c.deployment)
        c.why_not = "no deployment of up to " + std::to_string(max_gpus) + " GPUs fits";
    } catch (const Error& e) {
      c.why_not = e.what();
    }
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const FormatChoice& a, const FormatChoice& b) {
    if (a.deployment.has_value() != b.deployment.has_value()) return a.deployment.has_value();
    if (!a.deployment) return false;
    if (a.deployment->gpus() != b.deployment->gpus()) {
      return a.deployment->gpus() < b.deployment->gpus();
    }
    return a.deployment->memory.weights_total > b.deployment->memory.weights_total;
  });
  return out;
}

}  // namespace tsize
