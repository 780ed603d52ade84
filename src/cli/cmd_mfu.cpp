// tsize mfu MODEL --step-time S — utilization of a measured training step.
#include "commands.hpp"
#include "tsize/answers.hpp"

namespace tsize::cli {

void add_mfu_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("mfu", "MFU, HFU and throughput from a measured step time");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto workload = std::make_shared<WorkloadOptions>();
  auto gpu = std::make_shared<GpuOptions>();
  auto output = std::make_shared<OutputOptions>();
  auto step_time = std::make_shared<double>(0);
  auto layout = std::make_shared<LayoutFlags>();
  add_model_options(cmd, *model);
  add_workload_options(cmd, *workload);
  add_gpu_options(cmd, *gpu);
  add_layout_flags(cmd, *layout);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  cmd->add_option("--step-time", *step_time, "seconds per optimizer step (measured)")
      ->required()
      ->group("Workload");
  cmd->footer(
      "--batch and --grad-accum are per GPU; with a layout (--tp, --pp, --cp, --global-batch) "
      "--batch is the micro-batch. Examples:\n"
      "  tsize mfu gpt2 --batch 12 --grad-accum 40 --step-time 5.2 --gpu A100-40GB\n"
      "  tsize mfu llama-3-8b --seq 8192 --batch 1 --step-time 1.9 --gpus 8 --format json\n"
      "  tsize mfu llama-3.1-70b --seq 4096 --tp 8 --pp 4 --gpus 256 --global-batch 512 "
      "--step-time 11.2");
  reset_before_each_parse(cmd, model, workload, gpu, output, step_time, layout);
  cmd->callback([&out, model, workload, gpu, output, step_time, layout] {
    const RenderOptions ro = render_options(*output);
    auto [graph, f] = single_step(*model, *workload, "mfu");
    Cluster cluster = resolve_cluster(*gpu);
    if (const std::optional<Layout> l = layout_from_flags(*layout, *gpu)) {
      // One replica's step: its micro-batches over T·P·C GPUs (the layout checks the batch).
      const ResolvedLayout r = resolve_layout(graph.spec, f.workload, *l, false);
      Workload replica = f.workload;
      replica.grad_accum = r.micro_batches;
      f = count_flops(graph, replica, f.options);
      cluster.gpus = r.layout.gpus;
      cluster.model_parallel = r.layout.model_parallel();
    }
    out = render(answer_mfu(graph, f, cluster, *step_time, output->explain), ro);
  });
}

}  // namespace tsize::cli
