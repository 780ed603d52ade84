// The CLI's pieces: shared options and one registration function per subcommand. Commands parse,
// call the library and render; they do no arithmetic of their own.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <tuple>

#include "tsize/chart.hpp"
#include "tsize/choices.hpp"
#include "tsize/clusters.hpp"
#include "tsize/flops.hpp"
#include "tsize/graph.hpp"
#include "tsize/layout.hpp"
#include "tsize/memory.hpp"
#include "tsize/model.hpp"
#include "tsize/overrides.hpp"
#include "tsize/render.hpp"
#include "tsize/step_time.hpp"
#include "tsize/timing.hpp"
#include "tsize/workload.hpp"

namespace tsize::cli {

// MODEL plus the architecture flags that build or override it.
struct ModelOptions {
  std::string model;
  std::string name;  // --name: the model's name in outputs
  // Sizes as people write them ("4096", "16k", "32Ki"); empty when the flag is absent.
  std::string layers, d_model, heads, kv_heads, head_dim, d_ff, vocab, context;
  std::string mlp, norm, pos, bias, tied;
  bool strict = false;  // --strict: a config field left to its default is an error
};

// --strict on a command that reads configs.
void add_strict_flag(CLI::App* cmd, bool& strict);

// Workload flags: numbers as people write them (2k, 32Ki, 1.5T); --seq may be a list.
struct WorkloadOptions {
  std::string batch = "1";
  std::string seq;  // empty: the model's context
  std::string grad_accum = "1";
  std::string attention_flops = "full";
  std::string recompute = "none";
};

// Where a step runs: a catalog GPU or one from flags, how many, and the dtype of the peak.
struct GpuOptions {
  std::string gpu = "H100-SXM";
  std::string gpus = "1";
  std::string dtype = "bf16";
  double peak_tflops = 0;  // > 0: a custom GPU
  double memory_gb = 0;
  CLI::Option* gpu_flag = nullptr;
  CLI::Option* peak_flag = nullptr;
  CLI::Option* memory_flag = nullptr;
  CLI::Option* gpus_flag = nullptr;
};

// Training-memory recipe flags. Kernel flags left empty take the runtime's choice; an empty
// runtime is the default for the model (transformers for a config, nanoGPT for flags alone).
struct MemoryFlags {
  std::string precision = "amp-bf16";
  std::string optimizer = "adamw";
  std::string runtime;
  std::string attention, loss, rmsnorm, optimizer_impl;
  std::string device = "cuda";
  std::string overhead = "0";
  std::string cuda_context = "512MiB";
  double dropout = 0;
  std::string zero = "0";  // a stage, or a list of stages to compare
  bool fsdp = false;       // PyTorch FSDP's full sharding: --zero 3 (its gathered units)
};

// Megatron-Core's bf16 recipe, the default of the commands that time a cluster (step, train with
// a layout, plan): --precision mixed-bf16-fp32-grads --runtime megatron.
inline MemoryFlags megatron_recipe() {
  MemoryFlags m;
  m.precision = "mixed-bf16-fp32-grads";
  m.runtime = "megatron";
  return m;
}

// A parallel layout's flags (layout.hpp); empty: not given.
struct LayoutFlags {
  std::string tp, sp, pp, vpp, schedule, cp, ep, etp, dp, global_batch, pp_first, pp_last;
  bool given() const {
    for (const std::string* f : {&tp, &sp, &pp, &vpp, &schedule, &cp, &ep, &etp, &dp, &global_batch,
                                 &pp_first, &pp_last}) {
      if (!f->empty()) return true;
    }
    return false;
  }
};

// A flag whose values are an enum's choices (choices.hpp): its name, allowed values and the
// completion's list all come from the enum's one table.
// --help lists each value with its help line when the values need saying (more than two, or
// names that are not self-evident).
template <Chosen E>
CLI::Option* add_choice(CLI::App* cmd, std::string& target, const std::string& help,
                        const char* group, bool each_value = false) {
  std::string text = help;
  if (each_value) {
    for (const Choice<E>& c : choices<E>()) {
      text += "\n  " + std::string(c.name) + ": " + std::string(c.help);
    }
  }
  return cmd->add_option(std::string(ChoiceTable<E>::kFlag), target, text)
      ->check(CLI::IsMember(choice_names<E>()))
      ->group(group);
}

struct OutputOptions {
  std::string format = "table";
  std::string units = "binary";
  bool explain = false;  // where the command has formulas to show
  std::string chart;     // an SVG file to write, where the command has a chart
};

// MODEL and the architecture flags; `context_flag` names the maximum-positions flag (tsize infer
// calls it --max-positions: its --context is a sequence's tokens).
void add_model_options(CLI::App* cmd, ModelOptions& o, const char* context_flag = "--context");

// A size flag's value ("4096", "16k", "32Ki"), at most 2^30. Throws Error naming the flag.
std::int64_t parse_size(const std::string& text, const char* flag);
// A list of sizes: "1,2,4", or "1..64" (powers of two), at most 64 values.
std::vector<std::int64_t> size_list(const std::string& text, const char* flag);
// A size in bytes as people write it ("512MiB", "1GB", "0"), at most 1 PiB. Throws Error.
Count byte_flag(const std::string& text, const char* flag);
void add_output_options(CLI::App* cmd, OutputOptions& o);
// --explain: each line's formula, the values put into it and its source.
void add_explain_flag(CLI::App* cmd, OutputOptions& o);
// --chart FILE.svg (or FILE.json: the chart's data)
void add_chart_flag(CLI::App* cmd, OutputOptions& o);
// Writes text to path, or throws Error naming the path.
void write_file(const std::string& path, const std::string& text);
// Writes the chart to path: its data as JSON when the name ends in .json, else SVG.
template <class Chart>
void write_chart(const std::string& path, const Chart& chart) {
  const bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  write_file(path, json ? render_chart_json(chart) : render_svg(chart));
}
// --batch, --seq (lists allowed), --grad-accum, --recompute; --attention-flops only where FLOPs
// are counted.
void add_workload_options(CLI::App* cmd, WorkloadOptions& o, bool attention_flops = true);

// --gpu, --gpus, --peak-tflops, --memory-gb; --dtype only where a peak FLOP/s is used.
void add_gpu_options(CLI::App* cmd, GpuOptions& o, bool dtype = true);
void add_memory_flags(CLI::App* cmd, MemoryFlags& o);
// The memory options: the recipe, the runtime (by default the model's: `from_config`) and its
// kernels, --recompute from the workload, --gpus for ZeRO (the first stage of a --zero list).
MemoryOptions memory_options(const MemoryFlags& m, const WorkloadOptions& w, const GpuOptions& g,
                             bool from_config);
// --tp, --sp, --pp, --vpp, --schedule, --cp, --ep, --etp, --dp, --global-batch.
void add_layout_flags(CLI::App* cmd, LayoutFlags& o);
// The layout of the flags, with --gpus as its total; nullopt when no layout flag is given.
std::optional<Layout> layout_from_flags(const LayoutFlags& f, const GpuOptions& g);
// The stages of --zero ("0,1,2,3").
std::vector<int> zero_stages(const MemoryFlags& m);
Cluster resolve_cluster(const GpuOptions& o);

// Where a parallel step runs: a catalog cluster, each figure overridable, and Megatron-Core's
// overlap options; empty strings: not given.
struct ClusterFlags {
  std::string cluster;
  std::string gpus_per_node, max_gpus, intra_gbps, inter_gbps, nics, intra_latency_us,
      inter_latency_us;
  bool overlap_grad_reduce = false, overlap_param_gather = false, tp_comm_overlap = false;
  CLI::Option* cluster_flag = nullptr;
  bool given() const {
    for (const std::string* f : {&cluster, &gpus_per_node, &max_gpus, &intra_gbps, &inter_gbps,
                                 &nics, &intra_latency_us, &inter_latency_us}) {
      if (!f->empty()) return true;
    }
    return overlap_grad_reduce || overlap_param_gather || tp_comm_overlap;
  }
};
// --cluster and its overrides, --overlap-grad-reduce, --overlap-param-gather,
// --tp-comm-overlap.
void add_cluster_flags(CLI::App* cmd, ClusterFlags& o);
// The cluster of the flags (default dgx-h100), with --gpu replacing its GPU when given.
ClusterSpec cluster_from_flags(const ClusterFlags& f, const GpuOptions& g);
StepOptions step_options(const ClusterFlags& f);

// The model and the FLOPs of one step, for commands that take a single workload. Throws Error
// naming `command` when --seq or --batch is a list.
struct SingleStep {
  Graph graph;
  FlopCounts flops;
};
SingleStep single_step(const ModelOptions& m, const WorkloadOptions& w, const char* command);

// One workload per --seq or --batch value (at most one of them a list), resolved against spec.
std::vector<Workload> resolve_workloads(const ModelSpec& spec, const WorkloadOptions& o);
FlopOptions flop_options(const WorkloadOptions& o);

// The model that MODEL and the flags describe. Throws Error.
ModelSpec resolve_model(const ModelOptions& o);
RenderOptions render_options(const OutputOptions& o);

// Where the output goes: a terminal gets color and tables fitted to its width.
struct Terminal {
  bool is_tty = false;
  std::size_t columns = 0;
};

// Runs the command line `args` (without the program name): the output goes to `out`, a
// message to `err`. Returns the exit status: 0, 1 bad input, 2 bad usage, 70 internal error.
int run(std::vector<std::string> args, std::string& out, std::string& err,
        const Terminal& terminal = {});

// What `tsize COMMAND --help` lists, as data: for the Python module's docstrings and stubs and
// the web page's inputs.
struct OptionHelp {
  std::string name;  // the long name without dashes: "batch"
  std::string description;
  std::string default_value;  // as CLI11 shows it; "" when none
  bool takes_value = true;    // false: a flag
  std::string group;
  std::vector<std::string> choices;  // the values it allows; empty: any
};
struct CommandHelp {
  std::string name, description;
  std::string positional, positional_description;  // "model" (empty: none)
  std::vector<OptionHelp> options;
};
std::vector<CommandHelp> command_help();

// The terminal's settings, as the command line's options apply them (set by run()).
const Terminal& terminal();

// A command's App is built once per thread and parsed again for each call (building takes most
// of an in-process call from Python): before each parse, every state the command's options write
// gets back the value it had when the command was registered. Call it after the last option.
template <class... State>
void reset_before_each_parse(CLI::App* cmd, const std::shared_ptr<State>&... state) {
  cmd->preparse_callback([state..., initial = std::make_tuple(*state...)](std::size_t) {
    std::tie(*state...) = initial;
  });
}

// Each registers its subcommand; the callback writes the command's output to `out`.
void add_models_command(CLI::App& app, std::string& out);
void add_params_command(CLI::App& app, std::string& out);
void add_report_command(CLI::App& app, std::string& out);
void add_flops_command(CLI::App& app, std::string& out);
void add_gpus_command(CLI::App& app, std::string& out);
void add_mfu_command(CLI::App& app, std::string& out);
void add_train_command(CLI::App& app, std::string& out);
void add_memory_command(CLI::App& app, std::string& out);
void add_checkpoint_command(CLI::App& app, std::string& out);
void add_compare_command(CLI::App& app, std::string& out);
void add_completion_command(CLI::App& app, std::string& out);
void add_clusters_command(CLI::App& app, std::string& out);
void add_step_command(CLI::App& app, std::string& out);
void add_plan_command(CLI::App& app, std::string& out);
void add_infer_command(CLI::App& app, std::string& out);

}  // namespace tsize::cli
