// tsize memory MODEL — what a training step holds on one GPU, and what fits where.
#include <fmt/format.h>

#include "commands.hpp"
#include "tsize/chart.hpp"
#include "tsize/error.hpp"
#include "tsize/explain.hpp"
#include "tsize/graph.hpp"
#include "tsize/report.hpp"

namespace tsize::cli {

void add_memory_command(CLI::App& app, std::string& out) {
  auto* cmd =
      app.add_subcommand("memory", "training memory per GPU: states, activations, peak, fit");
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
  add_chart_flag(cmd, *output);
  cmd->footer(
      "Examples:\n  tsize memory gpt2 --batch 1,2,4,8,16,32 --precision amp-bf16 --attention "
      "flash\n"
      "  tsize memory llama-3-8b --seq 8192 --precision mixed-bf16 --zero 3 --gpus 8\n"
      "  tsize memory gpt2 --device cpu --dropout 0.1 --format json\n"
      "Without --gpu, the fit table covers every GPU of `tsize gpus`.");
  cmd->callback([&out, model, workload, memory, gpu, output] {
    RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    MemoryOptions mo = memory_options(*memory, *workload, *gpu);
    const std::vector<Workload> runs = resolve_workloads(graph.spec, *workload);
    const std::vector<int> stages = zero_stages(*memory);
    if (stages.size() > 1 && runs.size() > 1) {
      throw Error("--zero and --batch/--seq cannot both be lists: sweep one at a time");
    }
    // One run per batch or sequence length, or per ZeRO stage.
    std::vector<MemoryCounts> counts;
    std::vector<std::string> labels;
    std::vector<MemoryOptions> options;
    for (std::size_t i = 0; i < std::max(runs.size(), stages.size()); ++i) {
      const Workload& w = runs[std::min(i, runs.size() - 1)];
      MemoryOptions o = mo;
      o.zero_stage = stages[std::min(i, stages.size() - 1)];
      counts.push_back(count_memory(graph, w, o));
      options.push_back(o);
      labels.push_back(stages.size() > 1 ? fmt::format("ZeRO {}", o.zero_stage)
                                         : fmt::format("b={} s={}", w.batch, w.seq));
    }
    const Gpu chosen = resolve_cluster(*gpu).gpu;
    std::vector<Gpu> gpus;
    if (gpu->gpu_flag->count() > 0 || gpu->peak_flag->count() > 0) {
      gpus.push_back(chosen);
    } else {
      gpus = gpu_catalog();
    }
    Report r = report_heading(graph.spec);
    if (output->explain && counts.size() != 1) throw Error("--explain takes a single run");
    if (counts.size() == 1) {
      r.sections.push_back(memory_section(graph, runs.front(), mo, counts.front()));
      r.sections.push_back(fit_section(graph, runs.front(), mo, gpus));
      if (output->explain) r.sections.push_back(explain_memory(graph, runs.front(), mo));
    } else if (ro.format == Format::kTable || ro.format == Format::kMarkdown) {
      r.sections.push_back(memory_sweep_section(labels, counts));
    } else {
      for (std::size_t i = 0; i < counts.size(); ++i) {
        const Workload& w = runs[std::min(i, runs.size() - 1)];
        r.sections.push_back(memory_section(graph, w, options[i], counts[i]));
        r.sections.back().key = stages.size() > 1
                                    ? fmt::format("memory_zero{}", options[i].zero_stage)
                                    : fmt::format("memory_b{}_s{}", w.batch, w.seq);
      }
      ro.nest_sections = true;
    }
    if (!output->chart.empty()) {
      StackedBarChart chart = memory_chart(graph.spec.name, labels, counts, chosen);
      chart.x_label = stages.size() > 1 ? fmt::format("ZeRO stage, {} GPUs", mo.gpus)
                                        : "micro-batch (b) and sequence length (s)";
      write_file(output->chart, render_svg(chart));
    }
    out = render(r, ro);
  });
}

}  // namespace tsize::cli
