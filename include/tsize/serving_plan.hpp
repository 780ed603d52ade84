// Serving plans — the fewest GPUs on which a model serves a load in a weight format, and which
// of several formats needs the fewest: the deployments `tsize infer --cheapest`, `tsize compare`
// and `tsize report` show.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tsize/clusters.hpp"
#include "tsize/graph.hpp"
#include "tsize/serving_memory.hpp"
#include "tsize/serving_time.hpp"

namespace tsize {

struct ServingDeployment {
  ServingOptions options;           // the format, TP and PP
  ServingMemory memory;             // at the load's batch × (input + output) tokens
  std::optional<ServingTime> time;  // when the cluster's GPU has a kernel model
  std::int64_t gpus() const { return options.tp * options.pp; }
};

// The fewest GPUs serving `load` (its batch of input + output tokens each) in base's format:
// TP over powers of two up to a node, then pipeline stages of a node each, up to `max_gpus`;
// the first whose split the model takes and whose memory fits. nullopt: none does.
std::optional<ServingDeployment> smallest_deployment(const Graph& graph, const ClusterSpec& cluster,
                                                     const ServingOptions& base,
                                                     const ServingLoad& load,
                                                     std::int64_t max_gpus = 64);

// The most sequences, at most `limit`, whose decode step takes at most `max_tpot_s` (its time
// grows with the batch: bisection); 0: not even one. The load's batch is what varies.
std::int64_t largest_batch_within(const ServingWork& work, const ClusterSpec& cluster,
                                  const ServingLoad& load, double max_tpot_s, std::int64_t limit);

// The formats --cheapest compares, most bits first.
inline constexpr std::array<std::string_view, 6> kServingFormats{
    "bf16", "fp8", "w8a8", "gguf-q8_0", "awq-int4-g128", "gguf-q4_k_m"};

struct FormatChoice {
  std::string format;
  std::optional<ServingDeployment> deployment;
  std::string why_not;  // no deployment: the format's error, or "no deployment fits"
};

// Each format's smallest deployment, the cheapest first: fewest GPUs, then the most weight
// bytes (the most precise format among equals); formats without one last, in the given order.
std::vector<FormatChoice> cheapest_formats(const Graph& graph, const ClusterSpec& cluster,
                                           const ServingOptions& base, const ServingLoad& load,
                                           const std::vector<std::string>& formats,
                                           std::int64_t max_gpus = 64);

}  // namespace tsize
