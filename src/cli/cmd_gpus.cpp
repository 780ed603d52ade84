// tsize gpus — the GPU catalog: memory, bandwidth, dense peaks.
#include <fmt/format.h>

#include "commands.hpp"
#include "tsize/gpus.hpp"
#include "tsize/units.hpp"

namespace tsize::cli {
namespace {

std::string tflops(const Gpu& g, Dtype d) {
  const auto p = g.peak(d);
  return p ? fmt::format("{:.1f}", to_double(*p) / 1e12) : "-";
}

}  // namespace

void add_gpus_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("gpus", "the GPU catalog: memory, bandwidth, dense peak TFLOP/s");
  auto output = std::make_shared<OutputOptions>();  // owned by the callback
  add_output_options(cmd, *output);
  cmd->footer("Every figure's datasheet source is in gpus/gpus.json.\nExample:\n  tsize gpus");
  cmd->callback([&out, output] {
    const RenderOptions ro = render_options(*output);
    ListTable t;
    t.headers = {"name", "memory", "bandwidth", "fp32", "tf32",
                 "bf16", "fp16",   "fp8",       "TDP",  "GPU"};
    t.keys = {
        "name",      "memory_bytes", "bandwidth_bytes_per_s", "fp32", "tf32", "bf16", "fp16", "fp8",
        "tdp_watts", "full_name"};
    t.numeric = {false, true, true, true, true, true, true, true, true, false};
    for (const Gpu& g : gpu_catalog()) {
      std::vector<std::string> row = {g.name, human_bytes(g.memory_bytes, ro.units),
                                      human_rate(to_double(g.bandwidth_bytes_per_s), "B/s")};
      std::vector<std::string> data = {g.name, to_string(g.memory_bytes),
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
    if (ro.format == Format::kTable || ro.format == Format::kMarkdown) {
      t.headers[3] = "fp32 TFLOP/s";
    } else {
      t.headers = t.keys;
    }
    out = render_list(t, ro.format);
    if (ro.format == Format::kTable) {
      out += "dense peaks (never with sparsity), tensor rates with FP32 accumulate; '-': none\n";
    }
  });
}

}  // namespace tsize::cli
