// tsize compare A B C — models side by side at a common workload.
#include <fmt/format.h>

#include "commands.hpp"
#include "tsize/chart.hpp"
#include "tsize/compare.hpp"
#include "tsize/error.hpp"
#include "tsize/presets.hpp"
#include "tsize/units.hpp"

namespace tsize::cli {

void add_compare_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand("compare", "models side by side: size, FLOPs, memory, fit, time");
  struct Flags {
    std::vector<std::string> models;
    std::string tokens;
    double mfu = 0.4;
    bool strict = false;
  };
  auto f = std::make_shared<Flags>();  // owned by the callback
  auto workload = std::make_shared<WorkloadOptions>();
  auto memory = std::make_shared<MemoryFlags>();
  auto gpu = std::make_shared<GpuOptions>();
  auto output = std::make_shared<OutputOptions>();
  cmd->add_option("models", f->models, "presets or config.json paths")->required();
  add_strict_flag(cmd, f->strict);
  add_workload_options(cmd, *workload);
  add_memory_flags(cmd, *memory);
  memory->zero = "3";  // FSDP over the cluster: the usual way to train a model of 7B and up
  gpu->gpus = "8";
  add_gpu_options(cmd, *gpu);
  add_output_options(cmd, *output);
  add_chart_flag(cmd, *output);
  cmd->add_option("--tokens", f->tokens, "common training tokens (default: 20 per parameter)")
      ->group("Run");
  cmd->add_option("--mfu", f->mfu, "assumed MFU for the training time (default 0.4)")->group("Run");
  cmd->footer(
      "Defaults: the default recipe (amp-bf16, --runtime transformers-sdpa, AdamW) at batch 1 "
      "and the shortest context of the models, ZeRO-3 over 8 × H100-SXM at MFU 0.4.\nExamples:\n  "
      "tsize compare llama-3-8b "
      "mistral-7b "
      "qwen2.5-7b\n  tsize compare gpt2 gpt2-medium gpt2-large --seq 1024 --tokens 300B");
  reset_before_each_parse(cmd, f, workload, memory, gpu, output);
  cmd->callback([&out, f, workload, memory, gpu, output] {
    if (f->models.size() < 2) throw Error("tsize compare needs at least two models");
    CompareSetup setup;
    std::vector<ModelSpec> specs;
    for (const std::string& m : f->models) specs.push_back(load_model(m, {f->strict}));
    const std::vector<std::int64_t> seqs = size_list(workload->seq, "--seq");
    const std::vector<std::int64_t> batches = size_list(workload->batch, "--batch");
    if (seqs.size() > 1 || batches.size() > 1) {
      throw Error(
          "tsize compare takes one --seq and one --batch value (tsize memory and tsize "
          "flops sweep lists)");
    }
    if (!seqs.empty()) setup.workload.seq = seqs.front();
    setup.workload.batch = batches.empty() ? 1 : batches.front();
    setup.flops = flop_options(*workload);
    setup.memory = memory_options(*memory, *workload, *gpu, true);
    setup.cluster = resolve_cluster(*gpu);
    setup.mfu = f->mfu;
    if (!f->tokens.empty()) setup.tokens = parse_human_count(f->tokens, "--tokens");
    const std::vector<Comparison> rows = compare_models(specs, setup);
    if (!output->chart.empty()) {
      std::vector<std::string> names;
      std::vector<MemoryCounts> peaks;
      for (const Comparison& c : rows) {
        names.push_back(c.model);
        peaks.push_back(c.memory);
      }
      StackedBarChart chart = memory_chart("models compared", names, peaks, setup.cluster.gpu,
                                           render_options(*output).units);
      chart.x_label = "model";
      chart.subtitle = fmt::format(
          "batch {}, seq {}, {} with ZeRO {} over {} GPUs; dashed: the "
          "GPU's usable memory",
          setup.workload.batch, setup.workload.seq, to_string(setup.memory.precision),
          setup.memory.zero_stage, setup.cluster.gpus);
      write_chart(output->chart, chart);
    }
    out = render_comparison(rows, setup, render_options(*output));
  });
}

}  // namespace tsize::cli
