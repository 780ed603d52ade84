// The cluster catalog: where a parallel training step runs — a node of GPUs, the fabric inside
// a node and the one between nodes — each figure with its source in clusters/clusters.json
// (embedded at build time). Adding a cluster is adding a row there. (timing.hpp's `Cluster` is
// only a GPU, its dtype and a count, for MFU and training time; a ClusterSpec has fabrics.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tsize/gpus.hpp"

namespace tsize {

// One tier of the network. Inside a node, `bandwidth` is one GPU's per direction (NVLink to
// the switch, or PCIe); between nodes it is one NIC's per direction, `links` NICs per node.
struct Fabric {
  std::string name;           // "NVLink 3 + NVSwitch", "8 × HDR InfiniBand 200 Gb/s"
  double bandwidth = 0;       // bytes/s per direction, per GPU (intra) or per NIC (inter)
  std::int64_t links = 1;     // NICs per node (inter); 1 inside a node
  double latency_s = 0;       // per step (hop) of a collective's ring or tree
  double efficiency = 0;      // the fraction of `bandwidth` NCCL's bus bandwidth reaches
  double pipeline_bytes = 0;  // bytes a ring step carries before the ring runs full
  std::string source;
  bool present() const { return bandwidth > 0; }
};

struct ClusterSpec {
  std::string name;  // "dgx-h100"
  std::string full_name;
  Gpu gpu;
  std::int64_t gpus_per_node = 8;
  std::int64_t max_gpus = 0;  // the largest system of this kind the catalog knows; 0: no limit
  Fabric intra, inter;        // inter absent: one node only
  std::string notes;
  bool overridden = false;  // a flag changed a figure

  // One GPU's share of the node's NICs, bytes/s per direction, at NCCL's efficiency.
  double inter_bandwidth_per_gpu() const;
};

// The catalog, in file order. Throws Error if the embedded file is malformed (a build defect).
const std::vector<ClusterSpec>& cluster_catalog();

// The entry named `name`, case-insensitive. Throws Error naming the nearest names.
const ClusterSpec& find_cluster(const std::string& name);

// The first catalog cluster of `gpu`, else DGX H100's fabrics around it (its name says so): where
// a command given only a GPU runs its collectives.
ClusterSpec cluster_for_gpu(const Gpu& gpu);

// Figures a user overrides: each replaces the catalog's (bandwidths in GB/s = 10^9 bytes/s, as
// NCCL's bus bandwidth reaches them: efficiency 1; latencies in µs). Absent: the catalog's.
struct ClusterOverrides {
  std::optional<std::string> gpu;  // a GPU of `tsize gpus`
  std::optional<std::int64_t> gpus_per_node, max_gpus;
  std::optional<double> intra_gb_per_s, inter_gb_per_s, nics, intra_latency_us, inter_latency_us;
};

// The cluster with the overrides applied. Throws Error collecting every out-of-range value
// (bandwidths and latencies must be positive, GPUs per node and NICs at least 1).
ClusterSpec override_cluster(ClusterSpec cluster, const ClusterOverrides& o);

// Checks that `gpus` GPUs fit the cluster: a whole number of nodes when more than one, and no
// more than its largest system. Throws Error saying which.
void check_cluster_size(const ClusterSpec& cluster, std::int64_t gpus);

}  // namespace tsize
