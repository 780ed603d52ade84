#include "tsize/clusters.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tsize/embedded.hpp"
#include "tsize/error.hpp"
#include "tsize/nearest.hpp"

namespace tsize {
namespace detail {
extern const std::vector<EmbeddedFile> kClusterFiles;  // generated from clusters/*.json
}

namespace {

double positive(const nlohmann::json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number() || !(it->get<double>() > 0)) {
    throw Error(fmt::format("cluster catalog: {}: {} must be a positive number", where, key));
  }
  return it->get<double>();
}

// A fabric's figures: bandwidth in GB/s (10^9 bytes/s) per direction, latency in µs.
Fabric fabric(const nlohmann::json& j, const std::string& where) {
  Fabric f;
  f.name = j.at("name").get<std::string>();
  f.bandwidth = positive(j, "gb_per_s", where) * 1e9;
  f.links = j.value("links", std::int64_t{1});
  f.latency_s = positive(j, "latency_us", where) / 1e6;
  f.efficiency = positive(j, "efficiency", where);
  f.pipeline_bytes = positive(j, "pipeline_mib", where) * 1024 * 1024;
  f.source = j.value("source", "");
  if (f.efficiency > 1.5 || f.links < 1) {
    throw Error(fmt::format("cluster catalog: {}: efficiency in (0, 1.5], links ≥ 1", where));
  }
  return f;
}

std::vector<ClusterSpec> load_catalog() {
  std::vector<ClusterSpec> out;
  for (const EmbeddedFile& file : detail::kClusterFiles) {
    const auto doc = nlohmann::json::parse(file.text.begin(), file.text.end());
    for (const auto& j : doc.at("clusters")) {
      ClusterSpec c;
      c.name = j.at("name").get<std::string>();
      c.full_name = j.value("full_name", "");
      c.gpu = find_gpu(j.at("gpu").get<std::string>());
      c.gpus_per_node = j.at("gpus_per_node").get<std::int64_t>();
      c.max_gpus = j.value("max_gpus", std::int64_t{0});
      c.intra = fabric(j.at("intra_node"), c.name + " intra_node");
      if (j.contains("inter_node")) c.inter = fabric(j.at("inter_node"), c.name + " inter_node");
      c.notes = j.value("notes", "");
      if (c.gpus_per_node < 1 || c.max_gpus < 0) {
        throw Error("cluster catalog: " + c.name + ": gpus_per_node ≥ 1, max_gpus ≥ 0");
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace

double ClusterSpec::inter_bandwidth_per_gpu() const {
  if (!inter.present()) return 0;
  return inter.bandwidth * inter.efficiency * static_cast<double>(inter.links) /
         static_cast<double>(gpus_per_node);
}

const std::vector<ClusterSpec>& cluster_catalog() {
  static const std::vector<ClusterSpec> kCatalog = load_catalog();
  return kCatalog;
}

const ClusterSpec& find_cluster(const std::string& name) {
  std::vector<std::string> names;
  for (const ClusterSpec& c : cluster_catalog()) {
    if (to_lower(c.name) == to_lower(name)) return c;
    names.push_back(c.name);
  }
  const std::vector<std::string> near = nearest_names(name, names);
  std::string msg = fmt::format("unknown cluster \"{}\"", name);
  if (!near.empty()) msg += fmt::format(" (did you mean {}?)", fmt::join(near, ", "));
  msg += "; `tsize clusters` lists them";
  throw Error(msg);
}

ClusterSpec cluster_for_gpu(const Gpu& gpu) {
  for (const ClusterSpec& c : cluster_catalog()) {
    if (c.gpu.name == gpu.name) return c;
  }
  ClusterSpec c = find_cluster("dgx-h100");
  c.name += " (no catalog cluster holds " + gpu.name + ")";
  c.gpu = gpu;
  return c;
}

ClusterSpec override_cluster(ClusterSpec c, const ClusterOverrides& o) {
  std::vector<std::string> problems;
  auto figure = [&](const std::optional<double>& v, const char* flag, double scale,
                    double& target) {
    if (!v) return;
    if (!(*v > 0) || !std::isfinite(*v) || *v > 1e12) {
      problems.push_back(fmt::format("{} {:g}: expected a positive number", flag, *v));
      return;
    }
    target = *v * scale;
    c.overridden = true;
  };
  if (o.gpu) {
    c.gpu = find_gpu(*o.gpu);
    c.overridden = true;
  }
  if (o.gpus_per_node) {
    if (*o.gpus_per_node < 1) {
      problems.push_back(fmt::format("--gpus-per-node {}: expected at least 1", *o.gpus_per_node));
    } else {
      c.gpus_per_node = *o.gpus_per_node;
      c.overridden = true;
    }
  }
  if (o.max_gpus) {
    if (*o.max_gpus < 1) {
      problems.push_back(fmt::format("--max-gpus {}: expected at least 1", *o.max_gpus));
    } else {
      c.max_gpus = *o.max_gpus;
      c.overridden = true;
    }
  }
  // A bandwidth from flags is what NCCL reaches (its bus bandwidth): efficiency 1.
  if (o.intra_gb_per_s) c.intra.efficiency = 1;
  if (o.inter_gb_per_s) c.inter.efficiency = 1;
  figure(o.intra_gb_per_s, "--intra-node-gbps", 1e9, c.intra.bandwidth);
  figure(o.intra_latency_us, "--intra-node-latency-us", 1e-6, c.intra.latency_s);
  const bool inter_given = o.inter_gb_per_s || o.nics || o.inter_latency_us;
  if (inter_given && !c.inter.present()) {  // a node-only system gains a network from flags
    c.inter = Fabric{"inter-node network from flags", 0, 1, 14e-6, 1.0, 2.5 * 1024 * 1024, "flags"};
  }
  figure(o.inter_gb_per_s, "--inter-node-gbps", 1e9, c.inter.bandwidth);
  figure(o.inter_latency_us, "--inter-node-latency-us", 1e-6, c.inter.latency_s);
  double nics = static_cast<double>(c.inter.links);
  figure(o.nics, "--nics-per-node", 1, nics);
  if (o.nics && std::floor(nics) != nics) {
    problems.push_back(fmt::format("--nics-per-node {:g}: expected a whole number", nics));
  }
  c.inter.links = static_cast<std::int64_t>(nics);
  if (inter_given && !(c.inter.bandwidth > 0)) {
    problems.push_back("an inter-node network needs --inter-node-gbps");
  }
  if (!problems.empty()) throw Error(fmt::format("{}", fmt::join(problems, "; ")));
  return c;
}

void check_cluster_size(const ClusterSpec& c, std::int64_t gpus) {
  if (gpus <= c.gpus_per_node) return;
  if (!c.inter.present()) {
    throw Error(
        fmt::format("{} GPUs on {}: one node of {} GPUs and no inter-node network (give "
                    "--inter-node-gbps to join nodes)",
                    gpus, c.name, c.gpus_per_node));
  }
  if (gpus % c.gpus_per_node != 0) {
    throw Error(fmt::format("{} GPUs on {}: not a whole number of {}-GPU nodes", gpus, c.name,
                            c.gpus_per_node));
  }
  if (c.max_gpus > 0 && gpus > c.max_gpus) {
    throw Error(
        fmt::format("{} GPUs on {}: the largest such system the catalog knows has {} "
                    "(give --max-gpus to go beyond)",
                    gpus, c.name, c.max_gpus));
  }
}

}  // namespace tsize
