#include "tsize/collectives.hpp"

#include <algorithm>
#include <cmath>

namespace tsize {
namespace {

struct Link {
  double bandwidth = 0;  // bytes/s per rank, at NCCL's efficiency
  double latency = 0;    // per algorithm step
  double pipeline = 0;   // bytes in flight per ring step
};

// The bottleneck link of a group: NVLink inside a node; across nodes the GPU's share of the
// node's NICs times the members per node (a ring's traffic crosses each node boundary over the
// NICs of every member of the node, NCCL's rings one per NIC), never above NVLink.
Link link_of(const GroupSpan& g, const ClusterSpec& c) {
  const double intra = c.intra.bandwidth * c.intra.efficiency;
  if (!g.crosses_nodes()) return {intra, c.intra.latency_s, c.intra.pipeline_bytes};
  const double inter = c.inter_bandwidth_per_gpu() * static_cast<double>(g.per_node);
  return {std::min(intra, inter), c.inter.latency_s, c.inter.pipeline_bytes};
}

// NCCL's base latency per call, Simple protocol (src/graph/tuning.cc baseLat, v2.30).
constexpr double kBaseLatency = 8.4e-6;

}  // namespace

GroupSpan group_span(std::int64_t ranks, std::int64_t stride, std::int64_t gpus_per_node) {
  GroupSpan g;
  g.ranks = std::max<std::int64_t>(ranks, 1);
  stride = std::max<std::int64_t>(stride, 1);
  if (stride >= gpus_per_node) {
    g.per_node = 1;  // every member on its own node
  } else {
    g.per_node = std::min(g.ranks, gpus_per_node / stride);
  }
  g.nodes = (g.ranks + g.per_node - 1) / g.per_node;
  return g;
}

double collective_seconds(Collective c, double bytes, const GroupSpan& g, const ClusterSpec& cl) {
  if (g.ranks <= 1 || bytes <= 0) return 0;
  const Link link = link_of(g, cl);
  const double n = static_cast<double>(g.ranks);
  const double share = (n - 1) / n;
  // Algorithm steps (hops) and the bytes each rank sends at the bus bandwidth.
  double hops = n - 1, data = share * bytes;
  switch (c) {
    case Collective::kAllReduce:  // ring: reduce-scatter, then all-gather
      hops = 2 * (n - 1);
      data = 2 * share * bytes;
      break;
    case Collective::kAllGather:
    case Collective::kReduceScatter:
    case Collective::kAllToAll:
      break;
    case Collective::kSendRecv:
      return kBaseLatency + link.latency + bytes / link.bandwidth;
  }
  // A ring pipelines its buffer in chunks: the first chunk crosses every hop before the ring
  // runs at full bandwidth (the fill), a chunk being the fabric's pipeline bytes, or the
  // buffer's share of one rank when smaller.
  const double chunk = std::min(link.pipeline, bytes / n);
  const double ring = kBaseLatency + hops * link.latency + (data + hops * chunk) / link.bandwidth;
  if (c != Collective::kAllReduce || !g.crosses_nodes()) return ring;
  // NCCL's tree all-reduce across nodes: up and down a tree of the nodes and a chain inside
  // each, at the same bus bandwidth; NCCL takes the faster.
  const double tree_hops = 2 * std::ceil(std::log2(static_cast<double>(g.nodes)));
  const double chain = 2 * static_cast<double>(g.per_node - 1);
  const double tree = kBaseLatency + tree_hops * cl.inter.latency_s + chain * cl.intra.latency_s +
                      (data + (tree_hops + chain) * chunk) / link.bandwidth;
  return std::min(ring, tree);
}

}  // namespace tsize
