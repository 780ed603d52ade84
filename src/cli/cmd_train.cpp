// tsize train MODEL --tokens D — time and cost of a training run.
#include <optional>

#include "commands.hpp"
#include "tsize/answers.hpp"
#include "tsize/units.hpp"

namespace tsize::cli {
namespace {

struct TrainOptions {
  std::string tokens;  // empty: the compute-optimal 20·N
  std::string budget_flops;
  double mfu = 0, step_time = 0, price = 0;
  CLI::Option *mfu_flag = nullptr, *step_flag = nullptr, *price_flag = nullptr;
};

}  // namespace

void add_train_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("train", "training time, GPU-hours and cost for a token budget");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto workload = std::make_shared<WorkloadOptions>();
  auto gpu = std::make_shared<GpuOptions>();
  auto output = std::make_shared<OutputOptions>();
  auto t = std::make_shared<TrainOptions>();
  auto memory = std::make_shared<MemoryFlags>(megatron_recipe());  // as tsize step
  auto layout = std::make_shared<LayoutFlags>();
  auto cluster = std::make_shared<ClusterFlags>();
  add_model_options(cmd, *model);
  add_workload_options(cmd, *workload);
  add_gpu_options(cmd, *gpu);
  add_memory_flags(cmd, *memory);
  add_layout_flags(cmd, *layout);
  add_cluster_flags(cmd, *cluster);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  cmd->add_option("--tokens", t->tokens, "training tokens, e.g. 300B (default: 20 per parameter)")
      ->group("Run");
  t->mfu_flag =
      cmd->add_option("--mfu", t->mfu,
                      "assumed model FLOPs utilization (default 0.4, as report and compare "
                      "assume, unless --step-time is measured)")
          ->group("Run");
  t->step_flag = cmd->add_option("--step-time", t->step_time,
                                 "measured seconds per step (with --batch/--grad-accum per GPU)")
                     ->group("Run");
  t->price_flag =
      cmd->add_option("--price-per-gpu-hour", t->price, "dollars per GPU-hour")->group("Run");
  cmd->add_option("--budget-flops", t->budget_flops,
                  "also show the compute-optimal model for this FLOP budget, e.g. 1e24")
      ->group("Run");
  cmd->footer(
      "Examples:\n  tsize train gpt2-xl --tokens 300B --gpu H100-SXM --gpus 8 --mfu 0.4\n"
      "  tsize train llama-3-8b --tokens 15T --gpus 1024 --mfu 0.38 --price-per-gpu-hour 2.5\n"
      "  tsize train gpt2 --budget-flops 1e21 --mfu 0.3\n"
      "  tsize train llama-3-8b --tokens 15T --seq 8192 --cluster dgx-h100 --tp 2 --gpus 1024 "
      "--global-batch 1024\n"
      "With --cluster or a layout flag (--tp, --pp, ...), the step model of `tsize step` sets the "
      "MFU; --mfu and --step-time override it.");
  reset_before_each_parse(cmd, model, workload, gpu, output, t, memory, layout, cluster);
  cmd->callback([&out, model, workload, gpu, output, t, memory, layout, cluster] {
    const RenderOptions ro = render_options(*output);
    const auto [graph, f] = single_step(*model, *workload, "train");
    const auto opt = [](CLI::Option* flag, double v) {
      return flag->count() > 0 ? std::optional<double>(v) : std::nullopt;
    };
    TrainRequest q;
    q.gpu_counts = size_list(gpu->gpus, "--gpus");
    GpuOptions first = *gpu;
    first.gpus = std::to_string(q.gpu_counts.front());
    q.cluster = resolve_cluster(first);
    if (!t->tokens.empty()) q.tokens = parse_human_count(t->tokens, "--tokens");
    q.mfu = opt(t->mfu_flag, t->mfu);
    q.step_time_s = opt(t->step_flag, t->step_time);
    q.price_per_gpu_hour = opt(t->price_flag, t->price);
    if (!t->budget_flops.empty()) {
      q.budget_flops = parse_human_count(t->budget_flops, "--budget-flops");
    }
    q.explain = output->explain;
    if (cluster->given() || layout->given()) {
      StepRequest step;
      step.workload = f.workload;
      step.options = memory_options(*memory, *workload, *gpu, !model->model.empty());
      const std::vector<int> zero = zero_stages(*memory);
      if (zero.size() != 1) throw Error("tsize train with a layout takes one --zero stage");
      step.options.zero_stage = zero.front();
      step.layout = layout_from_flags(*layout, *gpu).value_or(Layout{});
      if (!layout->given()) step.layout.gpus = q.cluster.gpus;
      step.cluster = cluster_from_flags(*cluster, *gpu);
      step.step = step_options(*cluster);
      step.mfu_attention = f.options.attention;
      q.step = step;
    }
    const TrainAnswer a = answer_train(graph, f, q, ro.format);
    out = a.list ? render_list(*a.list, ro.format) : render(a.report, ro);
  });
}

}  // namespace tsize::cli
