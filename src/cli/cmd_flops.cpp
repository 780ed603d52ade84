// tsize flops MODEL — FLOPs per op, forward and backward, for one training step.
#include "commands.hpp"
#include "tsize/answers.hpp"
#include "tsize/chart.hpp"

namespace tsize::cli {

void add_flops_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("flops", "FLOPs per operation, forward and backward, per step");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto workload = std::make_shared<WorkloadOptions>();
  auto output = std::make_shared<OutputOptions>();
  add_model_options(cmd, *model);
  add_workload_options(cmd, *workload);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  add_chart_flag(cmd, *output);
  cmd->footer(
      "Examples:\n  tsize flops gpt2-xl\n  tsize flops gpt2-xl --seq 1k,4k,16k --context 16k\n"
      "  tsize flops llama-3-8b --seq 8192 --batch 4 --attention-flops causal\n"
      "  tsize flops gpt2 --recompute selective --format json");
  reset_before_each_parse(cmd, model, workload, output);
  cmd->callback([&out, model, workload, output] {
    const RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    FlopsRequest q;
    q.workloads = resolve_workloads(graph.spec, *workload);
    q.options = flop_options(*workload);
    q.explain = output->explain;
    q.columns = ro.format == Format::kTable;
    const FlopsAnswer a = answer_flops(graph, q);
    if (!output->chart.empty()) {
      write_chart(output->chart, flops_share_chart(graph, a.runs));
    }
    out = render(a.report, ro);
  });
}

}  // namespace tsize::cli
