// tsize report MODEL — every section tsize can compute, on one page.
#include "commands.hpp"
#include "tsize/error.hpp"
#include "tsize/graph.hpp"
#include "tsize/report.hpp"

namespace tsize::cli {

void add_report_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("report", "everything tsize knows about a model, on one page");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto workload = std::make_shared<WorkloadOptions>();
  auto output = std::make_shared<OutputOptions>();
  add_model_options(cmd, *model);
  add_workload_options(cmd, *workload);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  cmd->footer("Example:\n  tsize report gpt2-xl\n  tsize report mixtral-8x7b --format markdown");
  reset_before_each_parse(cmd, model, workload, output);
  cmd->callback([&out, model, workload, output] {
    const RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    const std::vector<Workload> w = resolve_workloads(graph.spec, *workload);
    if (w.size() != 1) throw Error("tsize report takes one --seq value (tsize flops takes lists)");
    out = render(full_report(graph, w.front(), output->explain, ro.units), ro);
  });
}

}  // namespace tsize::cli
