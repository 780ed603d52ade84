// tsize memory MODEL — what a training step holds on one GPU, and what fits where.
#include <fmt/format.h>

#include "commands.hpp"
#include "tsize/answers.hpp"
#include "tsize/chart.hpp"

namespace tsize::cli {

void add_memory_command(CLI::App& app, std::string& out) {
  auto* cmd =
      app.add_subcommand("memory", "training memory per GPU: states, activations, peak, fit");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto workload = std::make_shared<WorkloadOptions>();
  auto memory = std::make_shared<MemoryFlags>();
  auto gpu = std::make_shared<GpuOptions>();
  auto output = std::make_shared<OutputOptions>();
  auto layout = std::make_shared<LayoutFlags>();
  add_model_options(cmd, *model);
  add_workload_options(cmd, *workload, false);
  add_memory_flags(cmd, *memory);
  add_layout_flags(cmd, *layout);
  add_gpu_options(cmd, *gpu, false);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  add_chart_flag(cmd, *output);
  cmd->footer(
      "Examples:\n  tsize memory gpt2 --batch 1,2,4,8,16,32 --precision amp-bf16 --runtime "
      "compiled\n"
      "  tsize memory llama-3-8b --seq 8192 --precision mixed-bf16 --runtime megatron --zero 3 "
      "--gpus 8\n"
      "  tsize memory gpt2 --runtime nanogpt --device cpu --dropout 0.1 --format json\n"
      "  tsize memory mistral-7b --seq 4096 --explain\n"
      "  tsize memory llama-3-70b --seq 8192 --precision mixed-bf16 --runtime megatron --tp 8 "
      "--sp true --pp 4 --gpus 64 --global-batch 512 --zero 1\n"
      "Without --gpu, the fit table covers every GPU of `tsize gpus`.");
  reset_before_each_parse(cmd, model, workload, memory, gpu, output, layout);
  cmd->callback([&out, model, workload, memory, gpu, output, layout] {
    const RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    MemoryRequest q;
    q.workloads = resolve_workloads(graph.spec, *workload);
    q.options = memory_options(*memory, *workload, *gpu, !model->model.empty());
    q.zero_stages = zero_stages(*memory);
    const Gpu chosen = resolve_cluster(*gpu).gpu;
    const bool one_gpu = gpu->gpu_flag->count() > 0 || gpu->peak_flag->count() > 0;
    q.gpus = one_gpu ? std::vector<Gpu>{chosen} : gpu_catalog();
    q.explain = output->explain;
    q.columns = ro.format == Format::kTable || ro.format == Format::kMarkdown;
    q.units = ro.units;
    q.layout = layout_from_flags(*layout, *gpu);
    const MemoryAnswer a = answer_memory(graph, q);
    if (!output->chart.empty()) {
      const StackedBarChart chart = memory_sweep_chart(graph.spec.name, a.runs, chosen, ro.units);
      write_chart(output->chart, chart);
    }
    out = render(a.report, ro);
  });
}

}  // namespace tsize::cli
