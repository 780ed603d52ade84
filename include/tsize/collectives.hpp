// Collectives — the time of NCCL's collectives on a cluster's fabrics: NCCL's base latency, a
// latency per ring step, and bytes over bus bandwidth with NCCL's conventions (nccl-tests'
// PERFORMANCE.md: an all-reduce moves 2(n−1)/n of the buffer per rank, all-gather and
// reduce-scatter (n−1)/n of the whole) plus the ring's pipeline fill, which makes mid-size
// messages slower than latency + bandwidth alone; ring or tree as NCCL would pick the faster, on
// the tier the group spans. docs/time-vs-measured.md fits it to nccl-tests curves.
#pragma once

#include <cstdint>

#include "tsize/clusters.hpp"

namespace tsize {

enum class Collective : std::uint8_t {
  kAllReduce,
  kAllGather,
  kReduceScatter,
  kAllToAll,
  kSendRecv
};

// Where a group of ranks sits: `ranks` members, consecutive members `stride` global ranks apart
// (Megatron-Core orders ranks tensor, context, expert/data, pipeline), nodes of `gpus_per_node`.
struct GroupSpan {
  std::int64_t ranks = 1;
  std::int64_t per_node = 1;  // members inside one node
  std::int64_t nodes = 1;     // nodes the group spans
  bool crosses_nodes() const { return nodes > 1; }
};
GroupSpan group_span(std::int64_t ranks, std::int64_t stride, std::int64_t gpus_per_node);

// Seconds of one collective over `bytes`: the buffer each rank reduces (all-reduce), the whole
// gathered buffer (all-gather, reduce-scatter), what each rank holds before the exchange
// (all-to-all), or the message (send/receive, between two ranks of the span's tier).
// 0 for a group of one rank.
double collective_seconds(Collective c, double bytes, const GroupSpan& g, const ClusterSpec& cl);

}  // namespace tsize
