#include "tsize/cluster_list.hpp"

#include <fmt/format.h>

namespace tsize {
namespace {

std::string gbps(double bytes_per_s) { return fmt::format("{:g} GB/s", bytes_per_s / 1e9); }
std::string us(double seconds) { return fmt::format("{:g} µs", seconds * 1e6); }

}  // namespace

std::string render_cluster_list(const std::vector<ClusterSpec>& clusters, const RenderOptions& o) {
  ListTable t;
  t.headers = {"name", "GPU",  "per node", "largest", "NVLink/PCIe",
               "hop",  "NICs", "per NIC",  "hop",     "system"};
  t.keys = {"name",
            "gpu",
            "gpus_per_node",
            "max_gpus",
            "intra_node_bytes_per_s",
            "intra_node_latency_s",
            "nics_per_node",
            "inter_node_bytes_per_s",
            "inter_node_latency_s",
            "full_name"};
  t.numeric = {false, false, true, true, true, true, true, true, true, false};
  for (const ClusterSpec& c : clusters) {
    const bool net = c.inter.present();
    t.rows.push_back({c.name, c.gpu.name, std::to_string(c.gpus_per_node),
                      c.max_gpus > 0 ? std::to_string(c.max_gpus) : "-", gbps(c.intra.bandwidth),
                      us(c.intra.latency_s), net ? std::to_string(c.inter.links) : "-",
                      net ? gbps(c.inter.bandwidth) : "-", net ? us(c.inter.latency_s) : "-",
                      c.full_name});
    t.data_rows.push_back(
        {c.name, c.gpu.name, std::to_string(c.gpus_per_node), std::to_string(c.max_gpus),
         fmt::format("{}", c.intra.bandwidth), fmt::format("{}", c.intra.latency_s),
         std::to_string(net ? c.inter.links : 0), fmt::format("{}", net ? c.inter.bandwidth : 0.0),
         fmt::format("{}", net ? c.inter.latency_s : 0.0), c.full_name});
  }
  if (o.format != Format::kTable && o.format != Format::kMarkdown) t.headers = t.keys;
  std::string out = render_list(t, o.format);
  if (o.format == Format::kTable) {
    out +=
        "bandwidth per direction: one GPU's inside a node, one NIC's between nodes; hop: "
        "latency per ring step. Sources: clusters/clusters.json\n";
  }
  return out;
}

}  // namespace tsize
