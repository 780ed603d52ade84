#include "tsize/gpus.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tsize/embedded.hpp"
#include "tsize/error.hpp"
#include "tsize/nearest.hpp"

namespace tsize {
namespace detail {
extern const std::vector<EmbeddedFile> kGpuFiles;  // generated from gpus/*.json
}

namespace {

Count count_field(const nlohmann::json& j, const char* key, const std::string& gpu) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) {
    throw Error(fmt::format("gpu catalog: {}: {} must be a non-negative integer", gpu, key));
  }
  return it->get<std::uint64_t>();
}

double fraction_field(const nlohmann::json& j, const char* key, const std::string& gen) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number() || !(it->get<double>() > 0) || it->get<double>() > 1) {
    throw Error(fmt::format("gpu catalog: generation {}: {} must be in (0, 1]", gen, key));
  }
  return it->get<double>();
}

// A generation's kernel model (KernelModel), and the GPU's own SM count.
KernelModel kernel_model(const nlohmann::json& doc, const nlohmann::json& g,
                         const std::string& gpu) {
  KernelModel k;
  if (!g.contains("generation")) return k;
  k.generation = g.at("generation").get<std::string>();
  k.sms = static_cast<int>(count_field(g, "sms", gpu));
  const auto& gens = doc.at("generations");
  if (!gens.contains(k.generation)) {
    throw Error(fmt::format("gpu catalog: {}: no generation \"{}\"", gpu, k.generation));
  }
  const auto& e = gens.at(k.generation);
  k.gemm_efficiency = fraction_field(e, "gemm_efficiency", k.generation);
  k.fp8_gemm_efficiency = fraction_field(e, "fp8_gemm_efficiency", k.generation);
  k.k_overhead = e.at("k_overhead").get<double>();
  k.kernel_start_s = e.at("kernel_start_us").get<double>() * 1e-6;
  k.attention_forward_efficiency = fraction_field(e, "attention_forward_efficiency", k.generation);
  k.attention_backward_efficiency =
      fraction_field(e, "attention_backward_efficiency", k.generation);
  k.bandwidth_efficiency = fraction_field(e, "bandwidth_efficiency", k.generation);
  k.host_op_s = e.at("host_op_us").get<double>() * 1e-6;
  k.graph_kernel_s = e.at("graph_kernel_us").get<double>() * 1e-6;
  for (const auto& line : e.value("sources", nlohmann::json::array())) {
    k.source += (k.source.empty() ? "" : "; ") + line.get<std::string>();
  }
  if (k.sms <= 0 || k.kernel_start_s < 0 || k.k_overhead < 0 || k.host_op_s < 0 ||
      k.graph_kernel_s < 0) {
    throw Error(fmt::format("gpu catalog: {}: a kernel-model figure out of range", gpu));
  }
  return k;
}

std::vector<Gpu> load_catalog() {
  std::vector<Gpu> out;
  for (const EmbeddedFile& f : detail::kGpuFiles) {
    const auto doc = nlohmann::json::parse(f.text.begin(), f.text.end());
    for (const auto& g : doc.at("gpus")) {
      Gpu gpu;
      gpu.name = g.at("name").get<std::string>();
      gpu.vendor = g.value("vendor", "");
      gpu.full_name = g.value("full_name", "");
      gpu.memory_bytes = count_field(g, "memory_bytes", gpu.name);
      gpu.usable_bytes = count_field(g, "usable_memory_bytes", gpu.name);
      gpu.usable_source = g.value("usable_memory_source", "");
      gpu.bandwidth_bytes_per_s = count_field(g, "memory_bandwidth_bytes_per_s", gpu.name);
      const auto& peaks = g.at("peak_flops");
      for (const Dtype d : kDtypes) {
        if (peaks.contains(to_string(d))) {
          gpu.peak_flops[static_cast<std::size_t>(d)] = count_field(peaks, to_string(d), gpu.name);
        }
      }
      gpu.tdp_watts = g.value("tdp_watts", 0);
      gpu.kernels = kernel_model(doc, g, gpu.name);
      gpu.notes = g.value("notes", "");
      out.push_back(std::move(gpu));
    }
  }
  return out;
}

}  // namespace

const std::vector<Gpu>& gpu_catalog() {
  static const std::vector<Gpu> kCatalog = load_catalog();
  return kCatalog;
}

const Gpu& find_gpu(const std::string& name) {
  std::vector<std::string> names;
  for (const Gpu& g : gpu_catalog()) {
    if (to_lower(g.name) == to_lower(name)) return g;
    names.push_back(g.name);
  }
  const std::vector<std::string> near = nearest_names(name, names);
  std::string msg = fmt::format("unknown GPU \"{}\"", name);
  if (!near.empty()) msg += fmt::format(" (did you mean {}?)", fmt::join(near, ", "));
  msg += "; `tsize gpus` lists them, or give --peak-tflops and --memory-gb";
  throw Error(msg);
}

Gpu custom_gpu(double peak_tflops, double memory_gb) {
  if (!(peak_tflops > 0) || !std::isfinite(peak_tflops) || peak_tflops > 1e9) {
    throw Error(
        fmt::format("--peak-tflops {}: expected a positive number of TFLOP/s", peak_tflops));
  }
  if (!(memory_gb > 0) || !std::isfinite(memory_gb) || memory_gb > 1e9) {
    throw Error(fmt::format("--memory-gb {}: expected a positive number of GB", memory_gb));
  }
  Gpu g;
  g.name = "custom";
  g.full_name = fmt::format("custom GPU ({:g} TFLOP/s, {:g} GB)", peak_tflops, memory_gb);
  g.custom = true;
  g.memory_bytes = static_cast<std::uint64_t>(std::llround(memory_gb * 1e9));
  g.usable_bytes = g.memory_bytes;
  g.usable_source = "--memory-gb";
  const Count peak = static_cast<std::uint64_t>(std::llround(peak_tflops * 1e12));
  for (auto& p : g.peak_flops) p = peak;
  return g;
}

}  // namespace tsize
