// tsize memory MODEL — what a training step holds on one GPU, and what fits where.
#include <fmt/format.h>

#include "commands.hpp"
#include "tsize/error.hpp"
#include "tsize/explain.hpp"
#include "tsize/graph.hpp"
#include "tsize/report.hpp"

namespace tsize::cli {

void add_memory_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("memory", "training memory per GPU: states, activations, peak, fit");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto workload = std::make_shared<WorkloadOptions>();
  auto memory = std::make_shared<MemoryFlags>();
  auto gpu = std::make_shared<GpuOptions>();
  auto output = std::make_shared<OutputOptions>();
  add_model_options(cmd, *model);
  add_workload_options(cmd, *workload, false);
  add_memory_flags(cmd, *memory);
  add_gpu_options(cmd, *gpu, false);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  cmd->footer(
      "Examples:\n  tsize memory gpt2 --batch 1,2,4,8,16,32 --precision amp-bf16 --attention flash\n"
      "  tsize memory llama-3-8b --seq 8192 --precision mixed-bf16 --zero 3 --gpus 8\n"
      "  tsize memory gpt2 --device cpu --dropout 0.1 --format json\n"
      "Without --gpu, the fit table covers every GPU of `tsize gpus`.");
  cmd->callback([&out, model, workload, memory, gpu, output] {
    RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    const MemoryOptions mo = memory_options(*memory, *workload, *gpu);
    const std::vector<Workload> runs = resolve_workloads(graph.spec, *workload);
    std::vector<MemoryCounts> counts;
    for (const Workload& w : runs) counts.push_back(count_memory(graph, w, mo));
    std::vector<Gpu> gpus;
    if (gpu->gpu_flag->count() > 0 || gpu->peak_flag->count() > 0) {
      gpus.push_back(resolve_cluster(*gpu).gpu);
    } else {
      gpus = gpu_catalog();
    }
    Report r = report_heading(graph.spec);
    if (output->explain && runs.size() != 1) throw Error("--explain takes one --batch and --seq");
    if (runs.size() == 1) {
      r.sections.push_back(memory_section(graph, runs.front(), mo, counts.front()));
      r.sections.push_back(fit_section(graph, runs.front(), mo, gpus));
      if (output->explain) r.sections.push_back(explain_memory(graph, runs.front(), mo));
    } else if (ro.format == Format::kTable || ro.format == Format::kMarkdown) {
      r.sections.push_back(memory_sweep_section(runs, counts));
    } else {
      for (std::size_t i = 0; i < runs.size(); ++i) {
        r.sections.push_back(memory_section(graph, runs[i], mo, counts[i]));
        r.sections.back().key = fmt::format("memory_b{}_s{}", runs[i].batch, runs[i].seq);
      }
      ro.nest_sections = true;
    }
    out = render(r, ro);
  });
}

}  // namespace tsize::cli
