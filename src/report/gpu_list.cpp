#include "tsize/gpu_list.hpp"

#include <fmt/format.h>

#include "tsize/units.hpp"

namespace tsize {
namespace {

std::string tflops(const Gpu& g, Dtype d) {
  const auto p = g.peak(d);
  return p ? fmt::format("{:.1f}", to_double(*p) / 1e12) : "-";
}

}  // namespace

std::string render_gpu_list(const std::vector<Gpu>& gpus, const RenderOptions& o) {
  ListTable t;
  t.headers = {"name", "memory", "usable", "bandwidth", "fp32", "tf32",
               "bf16", "fp16",   "fp8",    "TDP",       "GPU"};
  t.keys = {"name",
            "memory_bytes",
            "usable_memory_bytes",
            "bandwidth_bytes_per_s",
            "fp32",
            "tf32",
            "bf16",
            "fp16",
            "fp8",
            "tdp_watts",
            "full_name"};
  t.numeric = {false, true, true, true, true, true, true, true, true, true, false};
  for (const Gpu& g : gpus) {
    std::vector<std::string> row = {g.name, human_bytes(g.memory_bytes, o.units),
                                    human_bytes(g.usable_bytes, o.units),
                                    human_bytes(g.bandwidth_bytes_per_s, o.units) + "/s"};
    std::vector<std::string> data = {g.name, to_string(g.memory_bytes), to_string(g.usable_bytes),
                                     to_string(g.bandwidth_bytes_per_s)};
    for (const Dtype d : kDtypes) {
      row.push_back(tflops(g, d));
      data.push_back(g.peak(d) ? to_string(*g.peak(d)) : "");
    }
    row.push_back(fmt::format("{} W", g.tdp_watts));
    data.push_back(fmt::format("{}", g.tdp_watts));
    row.push_back(g.full_name);
    data.push_back(g.full_name);
    t.rows.push_back(row);
    t.data_rows.push_back(data);
  }
  if (o.format == Format::kTable || o.format == Format::kMarkdown) {
    t.headers[4] = "fp32 TFLOP/s";
  } else {
    t.headers = t.keys;
  }
  std::string out = render_list(t, o.format);
  if (o.format == Format::kTable) {
    out += "dense peaks (never with sparsity), tensor rates with FP32 accumulate; '-': none\n";
  }
  return out;
}

}  // namespace tsize
