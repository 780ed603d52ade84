// The cluster catalog as `tsize clusters` shows it: one line per cluster with its GPU, node and
// fabrics.
#pragma once

#include <string>
#include <vector>

#include "tsize/clusters.hpp"
#include "tsize/render.hpp"

namespace tsize {

// A table, JSON (an array of objects, bandwidths in bytes/s and latencies in seconds), CSV or
// Markdown.
std::string render_cluster_list(const std::vector<ClusterSpec>& clusters, const RenderOptions& o);

}  // namespace tsize
