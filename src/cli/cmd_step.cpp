// tsize step MODEL — one training iteration of a parallel layout on a cluster: its seconds,
// where they go, and the memory peak beside them.
#include "commands.hpp"
#include "tsize/answers.hpp"

namespace tsize::cli {

void add_step_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand(
      "step", "step time on a cluster: compute, communication, bubble, MFU, for a layout");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto workload = std::make_shared<WorkloadOptions>();
  auto memory = std::make_shared<MemoryFlags>(megatron_recipe());
  auto gpu = std::make_shared<GpuOptions>();
  auto output = std::make_shared<OutputOptions>();
  auto layout = std::make_shared<LayoutFlags>();
  auto cluster = std::make_shared<ClusterFlags>();
  add_model_options(cmd, *model);
  add_workload_options(cmd, *workload);
  add_memory_flags(cmd, *memory);
  add_layout_flags(cmd, *layout);
  add_gpu_options(cmd, *gpu, false);
  add_cluster_flags(cmd, *cluster);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  cmd->footer(
      "--batch is the micro-batch; --gpus the total (default: the layout's ranks). Defaults: "
      "--precision mixed-bf16-fp32-grads --runtime megatron --cluster dgx-h100.\nExamples:\n"
      "  tsize step llama-3-8b --seq 8192 --tp 2 --gpus 64 --global-batch 512\n"
      "  tsize step gpt3-175b --seq 2048 --cluster dgx-a100 --tp 8 --sp true --pp 8 "
      "--gpus 1024 --global-batch 1536 --recompute selective --zero 1\n"
      "  tsize step llama-3.1-70b --seq 8192 --tp 8 --pp 4 --gpus 256 --global-batch 256 "
      "--overlap-grad-reduce --format json");
  reset_before_each_parse(cmd, model, workload, memory, gpu, output, layout, cluster);
  cmd->callback([&out, model, workload, memory, gpu, output, layout, cluster] {
    const RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    const std::vector<Workload> workloads = resolve_workloads(graph.spec, *workload);
    if (workloads.size() != 1) throw Error("tsize step takes one --batch and one --seq");
    StepRequest q;
    q.workload = workloads.front();
    q.options = memory_options(*memory, *workload, *gpu, !model->model.empty());
    const std::vector<int> zero = zero_stages(*memory);
    if (zero.size() != 1) throw Error("tsize step takes one --zero stage");
    q.options.zero_stage = zero.front();
    q.layout = layout_from_flags(*layout, *gpu).value_or(Layout{});
    if (!layout->given()) q.layout.gpus = resolve_cluster(*gpu).gpus;
    q.cluster = cluster_from_flags(*cluster, *gpu);
    q.step = step_options(*cluster);
    q.mfu_attention = flop_options(*workload).attention;
    q.explain = output->explain;
    out = render(answer_step(graph, q).report, ro);
  });
}

}  // namespace tsize::cli
