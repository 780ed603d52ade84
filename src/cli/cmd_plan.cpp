// tsize plan MODEL — the layout search: the fastest layouts that fit, on a cluster's GPUs.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "commands.hpp"
#include "tsize/answers.hpp"
#include "tsize/chart.hpp"

namespace tsize::cli {
namespace {

// The searched dimensions' flags; empty: searched.
struct PlanFlags {
  std::string seq, micro_batch, max_micro_batch, recompute;
  std::string tp, sp, pp, vpp, schedule, cp, ep, etp, dp, max_tp, max_pp, max_cp;
  std::string objective = "time";
  std::string top = "5";
  std::string memory_margin = "0";
  std::string threads = "0";
  std::string attention_flops = "full";
  bool no_overlap = false;
};

void add_plan_flags(CLI::App* cmd, PlanFlags& f) {
  const char* group = "Search";
  cmd->add_option("--seq", f.seq, "tokens per sequence (default the model's context)")
      ->group(group);
  cmd->add_option("--micro-batch", f.micro_batch, "fix the micro-batch")->group(group);
  cmd->add_option("--max-micro-batch", f.max_micro_batch, "the largest micro-batch to try")
      ->group(group);
  add_choice<Recompute>(cmd, f.recompute, "fix the activation recomputation", group);
  cmd->add_option("--tp", f.tp, "fix the tensor-parallel ranks")->group(group);
  cmd->add_option("--max-tp", f.max_tp, "the most tensor-parallel ranks to try")->group(group);
  cmd->add_option("--sp", f.sp, "fix sequence parallelism")
      ->check(CLI::IsMember({"true", "false"}))
      ->group(group);
  cmd->add_option("--pp", f.pp, "fix the pipeline stages")->group(group);
  cmd->add_option("--max-pp", f.max_pp, "the most pipeline stages to try")->group(group);
  cmd->add_option("--vpp", f.vpp, "fix the model chunks per stage")->group(group);
  add_choice<Schedule>(cmd, f.schedule, "fix the pipeline schedule", group);
  cmd->add_option("--cp", f.cp, "fix the context-parallel ranks")->group(group);
  cmd->add_option("--max-cp", f.max_cp, "the most context-parallel ranks to try")->group(group);
  cmd->add_option("--ep", f.ep, "fix the expert-parallel ranks")->group(group);
  cmd->add_option("--etp", f.etp, "fix the expert tensor-parallel ranks")->group(group);
  cmd->add_option("--dp", f.dp, "fix the data-parallel ranks")->group(group);
  cmd->add_flag("--no-overlap", f.no_overlap,
                "hold Megatron-Core's overlap options off (each of --overlap-grad-reduce, "
                "--overlap-param-gather, --tp-comm-overlap holds one on)")
      ->group(group);
  add_choice<Objective>(cmd, f.objective, "what to rank by (default time)", group, true);
  cmd->add_option("--top", f.top, "layouts to show, best first (default 5)")->group(group);
  cmd->add_option("--memory-margin", f.memory_margin,
                  "memory per GPU to leave free beyond the CUDA context, e.g. 4GiB (default 0: "
                  "the catalog's usable memory)")
      ->group(group);
  cmd->add_option("--threads", f.threads, "threads to search with (default 0: every core)")
      ->group(group);
  add_choice<AttentionFlops>(cmd, f.attention_flops,
                             "MFU's attention FLOPs: full (s², the default, as tsize step) or "
                             "causal",
                             group);
}

std::optional<std::int64_t> fixed(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  return parse_size(text, flag);
}
std::int64_t bound(const std::string& text, const char* flag) {
  return text.empty() ? 0 : parse_size(text, flag);
}

PlanSpace plan_space(const PlanFlags& f, const MemoryFlags& m, const ClusterFlags& c) {
  PlanSpace s;
  s.tp = fixed(f.tp, "--tp");
  s.pp = fixed(f.pp, "--pp");
  s.vpp = fixed(f.vpp, "--vpp");
  s.cp = fixed(f.cp, "--cp");
  s.ep = fixed(f.ep, "--ep");
  s.etp = fixed(f.etp, "--etp");
  s.dp = fixed(f.dp, "--dp");
  s.micro_batch = fixed(f.micro_batch, "--micro-batch");
  s.max_tp = bound(f.max_tp, "--max-tp");
  s.max_pp = bound(f.max_pp, "--max-pp");
  s.max_cp = bound(f.max_cp, "--max-cp");
  s.max_micro_batch = bound(f.max_micro_batch, "--max-micro-batch");
  if (!f.sp.empty()) s.sp = f.sp == "true";
  if (!f.schedule.empty()) s.schedule = parse_choice<Schedule>(f.schedule);
  if (!f.recompute.empty()) s.recompute = parse_choice<Recompute>(f.recompute);
  if (!m.zero.empty() || m.fsdp) {
    MemoryFlags given = m;
    if (given.zero.empty()) given.zero = "0";
    s.zero_stages = zero_stages(given);
  }
  auto overlap = [&](bool on) -> std::optional<bool> {
    if (on) return true;
    if (f.no_overlap) return false;
    return std::nullopt;
  };
  if (f.no_overlap && (c.overlap_grad_reduce || c.overlap_param_gather || c.tp_comm_overlap)) {
    throw Error("--no-overlap holds every overlap option off: not with one of them on");
  }
  s.overlap_grad_reduce = overlap(c.overlap_grad_reduce);
  s.overlap_param_gather = overlap(c.overlap_param_gather);
  s.tp_comm_overlap = overlap(c.tp_comm_overlap);
  return s;
}

// "searching 1.2 M layouts … 42 %" on a terminal's stderr once the search passes a second.
std::function<void(double)> progress_bar() {
  if (isatty(STDERR_FILENO) == 0) return {};
  const auto start = std::chrono::steady_clock::now();
  return [start, shown = -1](double done) mutable {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int percent = static_cast<int>(done * 100);
    if (elapsed < 1 || percent == shown) return;
    shown = percent;
    const int filled = percent / 5;
    std::fprintf(stderr, "\r  searching layouts [%.*s%*s] %3d %%", filled, "####################",
                 20 - filled, "", percent);
    if (percent >= 100) std::fprintf(stderr, "\r%50s\r", "");
    std::fflush(stderr);
  };
}

}  // namespace

void add_plan_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand(
      "plan", "the layout search: the fastest parallel layouts that fit, best first");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto flags = std::make_shared<PlanFlags>();
  auto memory = std::make_shared<MemoryFlags>(megatron_recipe());
  memory->zero.clear();  // searched unless given
  auto gpu = std::make_shared<GpuOptions>();
  gpu->gpus.clear();
  auto output = std::make_shared<OutputOptions>();
  auto cluster = std::make_shared<ClusterFlags>();
  auto global_batch = std::make_shared<std::string>();
  add_model_options(cmd, *model);
  add_plan_flags(cmd, *flags);
  cmd->add_option("--global-batch", *global_batch, "sequences per optimizer step (required)")
      ->group("Search");
  add_memory_flags(cmd, *memory);
  add_gpu_options(cmd, *gpu, false);
  add_cluster_flags(cmd, *cluster);
  add_output_options(cmd, *output);
  add_explain_flag(cmd, *output);
  add_chart_flag(cmd, *output);
  cmd->footer(
      "--gpus is the GPUs every layout uses (a list such as 512,1024 searches each). "
      "Unfixed dimensions are searched: TP, SP, PP, schedule and VPP, CP, EP and expert TP, "
      "micro-batch, --recompute, --zero and the overlap options. Defaults: --precision "
      "mixed-bf16-fp32-grads --runtime megatron --cluster dgx-h100.\nExamples:\n"
      "  tsize plan gpt3-175b --cluster dgx-a100 --gpus 1024 --global-batch 1536 --seq 2048\n"
      "  tsize plan llama-3.1-70b --gpus 256 --global-batch 512 --seq 8192 --max-tp 8 --top 3 "
      "--explain\n"
      "  tsize plan mixtral-8x7b --gpus 64 --global-batch 256 --seq 4096 --format json");
  reset_before_each_parse(cmd, model, flags, memory, gpu, output, cluster, global_batch);
  cmd->callback([&out, model, flags, memory, gpu, output, cluster, global_batch] {
    const RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    if (gpu->gpus.empty()) throw Error("tsize plan needs --gpus: the GPUs every layout uses");
    if (global_batch->empty()) throw Error("tsize plan needs --global-batch: sequences per step");
    PlanRequest q;
    Workload w;
    if (!flags->seq.empty()) w.seq = parse_size(flags->seq, "--seq");
    q.seq = resolve_workload(graph.spec, w).seq;
    q.global_batch = parse_size(*global_batch, "--global-batch");
    q.gpu_counts = size_list(gpu->gpus, "--gpus");
    MemoryFlags recipe = *memory;
    if (recipe.zero.empty()) recipe.zero = "0";
    q.options = memory_options(recipe, WorkloadOptions{}, *gpu, !model->model.empty());
    q.cluster = cluster_from_flags(*cluster, *gpu);
    q.space = plan_space(*flags, *memory, *cluster);
    q.objective = parse_choice<Objective>(flags->objective);
    q.top = static_cast<std::size_t>(parse_size(flags->top, "--top"));
    q.memory_margin = byte_flag(flags->memory_margin, "--memory-margin");
    q.threads = static_cast<unsigned>(std::min<std::int64_t>(
        flags->threads == "0" ? 0 : parse_size(flags->threads, "--threads"), 256));
    q.mfu_attention = parse_choice<AttentionFlops>(flags->attention_flops);
    q.progress = progress_bar();
    const PlanAnswer a = answer_plan(graph, q, output->explain, ro.units);
    if (!output->chart.empty()) {
      write_chart(output->chart, plan_chart(graph.spec.name, a.result, ro.units));
    }
    out = render(a.report, ro);
  });
}

}  // namespace tsize::cli
