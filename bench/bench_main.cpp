// Benchmarks: loading a preset, building its Graph, counting parameters, rendering, and the
// whole `tsize params gpt2-xl` process. Figures and the machine are recorded in bench/README.md.
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../src/cli/commands.hpp"
#include "tsize/flops.hpp"
#include "tsize/graph.hpp"
#include "tsize/layout_memory.hpp"
#include "tsize/memory.hpp"
#include "tsize/params.hpp"
#include "tsize/plan.hpp"
#include "tsize/presets.hpp"
#include "tsize/render.hpp"
#include "tsize/report.hpp"
#include "tsize/step_time.hpp"

extern char** environ;

namespace {

const char* const kModels[] = {"gpt2-xl", "llama-3.1-405b", "deepseek-v3"};

void BM_LoadPreset(benchmark::State& state) {
  const std::string name = kModels[state.range(0)];
  for (auto _ : state) benchmark::DoNotOptimize(tsize::load_preset(name));
  state.SetLabel(name);
}
BENCHMARK(BM_LoadPreset)->DenseRange(0, 2);

void BM_BuildGraph(benchmark::State& state) {
  const tsize::ModelSpec spec = tsize::load_preset(kModels[state.range(0)]);
  for (auto _ : state) benchmark::DoNotOptimize(tsize::build_graph(spec));
  state.SetLabel(kModels[state.range(0)]);
}
BENCHMARK(BM_BuildGraph)->DenseRange(0, 2);

void BM_CountParams(benchmark::State& state) {
  const tsize::Graph graph = tsize::build_graph(tsize::load_preset(kModels[state.range(0)]));
  for (auto _ : state) benchmark::DoNotOptimize(tsize::count_params(graph));
  state.SetLabel(kModels[state.range(0)]);
}
BENCHMARK(BM_CountParams)->DenseRange(0, 2);

void BM_CountFlops(benchmark::State& state) {
  const tsize::Graph graph = tsize::build_graph(tsize::load_preset(kModels[state.range(0)]));
  const tsize::Workload w = tsize::resolve_workload(graph.spec, {});
  for (auto _ : state) benchmark::DoNotOptimize(tsize::count_flops(graph, w, {}));
  state.SetLabel(kModels[state.range(0)]);
}
BENCHMARK(BM_CountFlops)->DenseRange(0, 2);

// The layout search's two cases: Llama-3.1-405B over TP 8 (SP), PP 7 (interleaved, V 2), DP 8
// with ZeRO-1; Mixtral-8x7B over TP 2 (SP), PP 4, EP 8, DP 8; both at 8192 tokens.
struct SearchCase {
  tsize::Graph graph;
  tsize::Workload w;
  tsize::MemoryOptions o;
  tsize::ResolvedLayout r;
  const char* label;
};

SearchCase search_case(bool moe) {
  SearchCase c{tsize::build_graph(tsize::load_preset(moe ? "mixtral-8x7b" : "llama-3.1-405b")),
               {},
               {},
               {},
               moe ? "mixtral-8x7b TP2 PP4 EP8" : "llama-3.1-405b TP8 PP7 V2"};
  c.w.seq = 8192;
  c.w = tsize::resolve_workload(c.graph.spec, c.w);
  c.o.precision = tsize::Precision::kMixedBf16;
  c.o.runtime = tsize::Runtime::kMegatron;
  c.o.zero_stage = 1;
  tsize::Layout l;
  l.tp = moe ? 2 : 8;
  l.sp = true;
  l.pp = moe ? 4 : 7;
  l.vpp = moe ? 1 : 2;
  if (!moe) l.schedule = tsize::Schedule::kInterleaved;
  l.ep = moe ? 8 : 1;
  l.gpus = moe ? 64 : 448;
  l.global_batch = moe ? 1024 : 896;
  c.r = tsize::resolve_layout(c.graph.spec, c.w, l, false);
  return c;
}

// One layout's memory from totals computed once per model and workload: the layout search's
// hot loop (target: under 2 µs).
void BM_LayoutPeak(benchmark::State& state) {
  const SearchCase c = search_case(state.range(0) == 1);
  const tsize::LayoutTotals totals = tsize::layout_totals(c.graph, c.w, c.o);
  for (auto _ : state) benchmark::DoNotOptimize(tsize::layout_peak(totals, c.r));
  state.SetLabel(c.label);
}
BENCHMARK(BM_LayoutPeak)->DenseRange(0, 1);

// One layout's step time on dgx-h100 from totals computed once (target: under 5 µs).
void BM_StepTime(benchmark::State& state) {
  const SearchCase c = search_case(state.range(0) == 1);
  const tsize::StepTotals totals =
      tsize::step_totals(c.graph, c.w, c.o, tsize::AttentionFlops::kCausal);
  const tsize::ClusterSpec& cluster = tsize::find_cluster("dgx-h100");
  for (auto _ : state) benchmark::DoNotOptimize(tsize::step_time(totals, c.r, cluster, {}));
  state.SetLabel(c.label);
}
BENCHMARK(BM_StepTime)->DenseRange(0, 1);

// The layout search over Calculon's case: GPT-3 175B on 1,024 A100s (dgx-a100), global batch
// 1,536 of 2,048 tokens, every dimension free; threads: 1, and every core. Target: 10^6 layouts
// evaluated per second on 2 cores (the `evaluated/s` counter).
void BM_PlanGpt3(benchmark::State& state) {
  const tsize::Graph graph = tsize::build_graph(tsize::load_preset("gpt3-175b"));
  tsize::PlanRequest q;
  q.seq = 2048;
  q.global_batch = 1536;
  q.gpu_counts = {1024};
  q.options.precision = tsize::Precision::kMixedBf16Fp32Grads;
  q.options.runtime = tsize::Runtime::kMegatron;
  q.cluster = tsize::find_cluster("dgx-a100");
  q.threads = static_cast<unsigned>(state.range(0));
  std::int64_t evaluated = 0, valid = 0;
  for (auto _ : state) {
    const tsize::PlanResult r = tsize::plan_layouts(graph, q);
    evaluated += r.evaluated;
    valid = r.valid;
    benchmark::DoNotOptimize(r.best.data());
  }
  state.counters["evaluated/s"] =
      benchmark::Counter(static_cast<double>(evaluated), benchmark::Counter::kIsRate);
  state.counters["valid"] = static_cast<double>(valid);
  state.SetLabel(q.threads == 0 ? "gpt3-175b on 1024 A100, every core" : "gpt3-175b, 1 thread");
}
BENCHMARK(BM_PlanGpt3)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CountMemory(benchmark::State& state) {
  const tsize::Graph graph = tsize::build_graph(tsize::load_preset(kModels[state.range(0)]));
  const tsize::Workload w = tsize::resolve_workload(graph.spec, {});
  tsize::MemoryOptions o;
  o.precision = tsize::Precision::kAmpBf16;
  o.runtime = tsize::Runtime::kTransformersSdpa;  // flash attention
  for (auto _ : state) benchmark::DoNotOptimize(tsize::count_memory(graph, w, o));
  state.SetLabel(kModels[state.range(0)]);
}
BENCHMARK(BM_CountMemory)->DenseRange(0, 2);

// The memory report's section: count_memory plus the peak phase's tree of activations by op.
void BM_MemorySection(benchmark::State& state) {
  const tsize::Graph graph = tsize::build_graph(tsize::load_preset(kModels[state.range(0)]));
  const tsize::Workload w = tsize::resolve_workload(graph.spec, {});
  tsize::MemoryOptions o;
  o.precision = tsize::Precision::kAmpBf16;
  o.runtime = tsize::Runtime::kTransformersSdpa;
  for (auto _ : state) {
    const tsize::MemoryCounts m = tsize::count_memory(graph, w, o);
    benchmark::DoNotOptimize(tsize::memory_section(graph, w, o, m, {}));
  }
  state.SetLabel(kModels[state.range(0)]);
}
BENCHMARK(BM_MemorySection)->DenseRange(0, 2);

void BM_RenderParamsTable(benchmark::State& state) {
  const tsize::Report report =
      tsize::full_report(tsize::build_graph(tsize::load_preset("gpt2-xl")));
  for (auto _ : state) benchmark::DoNotOptimize(tsize::render(report, {}));
}
BENCHMARK(BM_RenderParamsTable);

// The whole process: posix_spawn of `tsize params gpt2-xl`, output to /dev/null, wait.
void BM_ProcessParamsGpt2Xl(benchmark::State& state) {
  char bin[] = TSIZE_BINARY;
  char cmd[] = "params";
  char model[] = "gpt2-xl";
  char* argv[] = {bin, cmd, model, nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  for (auto _ : state) {
    pid_t pid = 0;
    if (posix_spawn(&pid, bin, &actions, nullptr, argv, environ) != 0) {
      state.SkipWithError("cannot spawn tsize");
      break;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) state.SkipWithError("tsize failed");
  }
  posix_spawn_file_actions_destroy(&actions);
}
BENCHMARK(BM_ProcessParamsGpt2Xl)->Unit(benchmark::kMillisecond);

// The command lines of bench/calls.txt, one per line, split at spaces.
std::vector<std::vector<std::string>> bench_calls() {
  std::ifstream in(TSIZE_BENCH_CALLS);
  std::vector<std::vector<std::string>> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    out.emplace_back();
    for (std::string w; words >> w;) out.back().push_back(w);
  }
  return out;
}

// One in-process call of the command line (`tsize::cli::run`, what the Python module calls):
// parse, the library call, the JSON. N = the line of bench/calls.txt; compared with the same call
// from Python by bench/python_bench.py.
void BM_CliRun(benchmark::State& state) {
  const std::vector<std::string> args = bench_calls().at(state.range(0));
  std::string out, err;
  tsize::cli::run(args, out, err);  // this thread's application, built once
  for (auto _ : state) {
    if (tsize::cli::run(args, out, err) != 0) state.SkipWithError(err.c_str());
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(args.at(0) + " " + args.at(1) + (args.size() > 5 ? " ..." : ""));
}
BENCHMARK(BM_CliRun)->DenseRange(0, 4);

}  // namespace

BENCHMARK_MAIN();
