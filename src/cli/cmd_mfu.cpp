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
  add_model_options(cmd, *model);
  add_workload_options(cmd, *workload);
  add_gpu_options(cmd, *gpu);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  cmd->add_option("--step-time", *step_time, "seconds per optimizer step (measured)")
      ->required()
      ->group("Workload");
  cmd->footer(
      "--batch and --grad-accum are per GPU. Examples:\n"
      "  tsize mfu gpt2 --batch 12 --grad-accum 40 --step-time 5.2 --gpu A100-40GB\n"
      "  tsize mfu llama-3-8b --seq 8192 --batch 1 --step-time 1.9 --gpus 8 --format json");
  cmd->callback([&out, model, workload, gpu, output, step_time] {
    const RenderOptions ro = render_options(*output);
    const auto [graph, f] = single_step(*model, *workload, "mfu");
    out = render(answer_mfu(graph, f, resolve_cluster(*gpu), *step_time, output->explain), ro);
  });
}

}  // namespace tsize::cli
