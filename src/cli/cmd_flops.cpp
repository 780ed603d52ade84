// tsize flops MODEL — FLOPs per op, forward and backward, for one training step.
#include <fmt/format.h>

#include "commands.hpp"
#include "tsize/chart.hpp"
#include "tsize/error.hpp"
#include "tsize/explain.hpp"
#include "tsize/flops.hpp"
#include "tsize/graph.hpp"
#include "tsize/params.hpp"
#include "tsize/report.hpp"

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
  cmd->callback([&out, model, workload, output] {
    RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    const ParamCounts params = count_params(graph);
    const FlopOptions fo = flop_options(*workload);
    std::vector<FlopCounts> runs;
    for (const Workload& w : resolve_workloads(graph.spec, *workload)) {
      runs.push_back(count_flops(graph, w, fo));
    }
    Report r = report_heading(graph.spec);
    if (output->explain) {
      if (runs.size() != 1) throw Error("--explain takes one --seq value");
      r.sections.push_back(flops_section(graph, params, runs.front()));
      r.sections.push_back(explain_flops(graph, runs.front().workload, fo));
    } else if (runs.size() == 1 || ro.format != Format::kTable) {
      for (const FlopCounts& f : runs) {
        r.sections.push_back(flops_section(graph, params, f));
        if (runs.size() > 1) r.sections.back().key += fmt::format("_s{}", f.workload.seq);
      }
      ro.nest_sections = runs.size() > 1;
    } else {
      r.sections.push_back(flops_sweep_section(runs));
    }
    if (!output->chart.empty())
      write_file(output->chart, render_svg(flops_share_chart(graph, runs)));
    out = render(r, ro);
  });
}

}  // namespace tsize::cli
