// tsize train MODEL --tokens D — time and cost of a training run.
#include <fmt/format.h>

#include <optional>

#include "commands.hpp"
#include "tsize/error.hpp"
#include "tsize/explain.hpp"
#include "tsize/graph.hpp"
#include "tsize/report.hpp"
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
  add_model_options(cmd, *model);
  add_workload_options(cmd, *workload);
  add_gpu_options(cmd, *gpu);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  cmd->add_option("--tokens", t->tokens, "training tokens, e.g. 300B (default: 20 per parameter)")
      ->group("Run");
  t->mfu_flag =
      cmd->add_option("--mfu", t->mfu, "assumed model FLOPs utilization, e.g. 0.4")->group("Run");
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
      "  tsize train gpt2 --budget-flops 1e21 --mfu 0.3");
  cmd->callback([&out, model, workload, gpu, output, t] {
    const RenderOptions ro = render_options(*output);
    const auto [graph, f] = single_step(*model, *workload, "train");
    const ParamCounts p = count_params(graph);
    const Count tokens =
        t->tokens.empty() ? mul(20, p.total) : parse_human_count(t->tokens, "--tokens");
    const auto opt = [](CLI::Option* flag, double v) {
      return flag->count() > 0 ? std::optional<double>(v) : std::nullopt;
    };
    const std::vector<std::int64_t> counts = size_list(gpu->gpus, "--gpus");
    if (counts.size() > 1) {  // a sweep over the GPU count: one row each
      ListTable table;
      table.headers = {"gpus", "wall time", "GPU-hours", "cost", "MFU"};
      table.keys = {"gpus", "seconds", "gpu_hours", "cost", "mfu"};
      table.numeric = {true, true, true, true, true};
      for (const std::int64_t n : counts) {
        GpuOptions one = *gpu;
        one.gpus = std::to_string(n);
        const TrainingRun run =
            plan_training(p, f, resolve_cluster(one), tokens, opt(t->mfu_flag, t->mfu),
                          opt(t->step_flag, t->step_time), opt(t->price_flag, t->price));
        table.rows.push_back({std::to_string(n), human_seconds(run.seconds),
                              fmt::format("{:.0f}", run.gpu_hours),
                              run.cost ? fmt::format("${:.0f}", *run.cost) : "-",
                              fmt::format("{:.1f} %", 100 * run.mfu)});
        table.data_rows.push_back(
            {std::to_string(n), fmt::format("{}", run.seconds), fmt::format("{}", run.gpu_hours),
             run.cost ? fmt::format("{}", *run.cost) : "", fmt::format("{}", run.mfu)});
      }
      if (ro.format == Format::kJson || ro.format == Format::kCsv) table.headers = table.keys;
      out = render_list(table, ro.format);
      return;
    }
    const Cluster c = resolve_cluster(*gpu);
    const TrainingRun run =
        plan_training(p, f, c, tokens, opt(t->mfu_flag, t->mfu), opt(t->step_flag, t->step_time),
                      opt(t->price_flag, t->price));
    Report r = report_heading(graph.spec);
    r.sections.push_back(training_section(f, c, run, t->mfu_flag->count() > 0));
    if (output->explain) r.sections.push_back(explain_training(f, c, run));
    if (!t->budget_flops.empty()) {
      const Count budget = parse_human_count(t->budget_flops, "--budget-flops");
      r.sections.push_back(compute_optimal_section(budget, compute_optimal(budget)));
    }
    out = render(r, ro);  // the run's fields at the top level, compute_optimal nested
  });
}

}  // namespace tsize::cli
