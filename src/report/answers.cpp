#include "tsize/answers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "tsize/error.hpp"
#include "tsize/explain.hpp"
#include "tsize/fit.hpp"
#include "tsize/units.hpp"

namespace tsize {

Report answer_params(const Graph& graph, bool explain,
                     const std::optional<StoredCheckpoint>& stored) {
  Report r = report_heading(graph.spec);
  const ParamCounts params = count_params(graph);
  r.sections.push_back(params_section(graph.spec, params));
  if (stored) r.sections.push_back(stored_checkpoint_section(graph, params, *stored));
  if (explain) r.sections.push_back(explain_params(graph));
  return r;
}

FlopsAnswer answer_flops(const Graph& graph, const FlopsRequest& q) {
  FlopsAnswer a;
  a.runs = sweep_flops(graph, q.workloads, q.options);
  a.report = report_heading(graph.spec);
  const ParamCounts params = count_params(graph);
  if (q.explain) {
    if (a.runs.size() != 1) throw Error("--explain takes one --seq value");
    a.report.sections.push_back(flops_section(graph, params, a.runs.front()));
    a.report.sections.push_back(explain_flops(graph, a.runs.front().workload, q.options));
  } else if (a.runs.size() > 1 && q.columns) {
    a.report.sections.push_back(flops_sweep_section(a.runs));
  } else {
    for (const FlopCounts& f : a.runs) {
      a.report.sections.push_back(flops_section(graph, params, f));
      if (a.runs.size() > 1) a.report.sections.back().key += fmt::format("_s{}", f.workload.seq);
    }
    a.report.nested = a.runs.size() > 1;
  }
  return a;
}

namespace {

// Each stage as a run of its own, for the per-stage chart.
std::vector<MemoryRun> stage_runs(const Workload& w, const MemoryOptions& o,
                                  const LayoutMemory& m) {
  std::vector<MemoryRun> runs;
  for (const StageMemory& s : m.stages) {
    MemoryRun run{fmt::format("stage {}", s.stage), w, o, {}};
    run.counts.states = s.inputs.states;
    run.counts.phases.assign(s.phases.phases.begin(),
                             s.phases.phases.begin() + static_cast<std::ptrdiff_t>(s.phases.count));
    run.counts.peak_index = s.phases.peak_index;
    runs.push_back(std::move(run));
  }
  return runs;
}

MemoryAnswer answer_layout_memory(const Graph& graph, const MemoryRequest& q) {
  if (q.workloads.size() != 1 || q.zero_stages.size() > 1) {
    throw Error("a parallel layout takes one run: one --batch, one --seq and one --zero stage");
  }
  const Workload& w = q.workloads.front();
  const bool eager = q.options.knobs().attention == AttentionImpl::kEager;
  const ResolvedLayout r = resolve_layout(graph.spec, w, *q.layout, eager);
  if (r.layout.trivial()) {  // one rank per model: today's memory, ZeRO over the D ranks
    MemoryRequest plain = q;
    plain.layout.reset();
    plain.workloads.front().grad_accum = r.micro_batches;
    plain.options.gpus = r.layout.dp;
    return answer_memory(graph, plain);
  }
  const LayoutMemory m = layout_memory(layout_totals(graph, w, q.options), r);
  MemoryAnswer a;
  a.report = report_heading(graph.spec);
  for (Section& s : layout_memory_sections(graph, w, q.options, m)) {
    a.report.sections.push_back(std::move(s));
  }
  a.report.sections.push_back(
      fit_section(w, fit_layout(graph, w, q.options, r.layout, q.gpus), q.units));
  if (q.explain) a.report.sections.push_back(explain_layout(m));
  a.runs = stage_runs(w, q.options, m);
  return a;
}

}  // namespace

MemoryAnswer answer_memory(const Graph& graph, const MemoryRequest& q) {
  if (q.layout) return answer_layout_memory(graph, q);
  MemoryAnswer a;
  a.runs = sweep_memory(graph, q.workloads, q.options, q.zero_stages);
  a.report = report_heading(graph.spec);
  if (q.explain && a.runs.size() != 1) throw Error("--explain takes a single run");
  if (a.runs.size() == 1) {
    const MemoryRun& run = a.runs.front();
    a.report.sections.push_back(
        memory_section(graph, run.workload, run.options, run.counts,
                       korthikanti_estimate(graph, run.workload, run.options)));
    a.report.sections.push_back(
        fit_section(run.workload, fit_gpus(graph, run.workload, run.options, q.gpus), q.units));
    if (q.explain) a.report.sections.push_back(explain_memory(graph, run.workload, run.options));
  } else if (q.columns) {
    a.report.sections.push_back(memory_sweep_section(a.runs));
  } else {
    const bool by_stage = q.zero_stages.size() > 1;
    for (const MemoryRun& run : a.runs) {
      a.report.sections.push_back(
          memory_section(graph, run.workload, run.options, run.counts,
                         korthikanti_estimate(graph, run.workload, run.options)));
      a.report.sections.back().key =
          by_stage ? fmt::format("memory_zero{}", run.options.zero_stage)
                   : fmt::format("memory_b{}_s{}", run.workload.batch, run.workload.seq);
    }
    a.report.nested = true;
  }
  return a;
}

Report answer_checkpoint(const Graph& graph, const CheckpointRequest& q) {
  Report r = report_heading(graph.spec);
  r.sections.push_back(
      checkpoint_section(graph, q.dtype, q.with_optimizer, q.optimizer, q.actual_bytes));
  if (q.stored)
    r.sections.push_back(stored_checkpoint_section(graph, count_params(graph), *q.stored));
  return r;
}

Report answer_mfu(const Graph& graph, const FlopCounts& flops, const Cluster& cluster,
                  double step_time_s, bool explain) {
  const Utilization u =
      measure_utilization(graph, count_params(graph), flops, cluster, step_time_s);
  Report r = report_heading(graph.spec);
  r.sections.push_back(utilization_section(flops, cluster, u));
  if (explain) r.sections.push_back(explain_utilization(flops, cluster, u));
  return r;
}

namespace {

// One row per GPU count: wall time, GPU-hours, cost and MFU; exact values in JSON and CSV, each
// row naming the model and GPU; a title line naming them above a table.
ListTable training_sweep_table(const std::vector<TrainingSweepRow>& rows, Format format,
                               const std::string& model, const Cluster& cluster, Count tokens) {
  ListTable table;
  table.title = fmt::format("{}: {} training tokens on {} GPUs", model, human_count(tokens),
                            cluster.gpu.name);
  table.keys = {"model", "gpu", "gpus", "seconds", "gpu_hours", "cost", "mfu"};
  table.headers = format == Format::kJson || format == Format::kCsv
                      ? table.keys
                      : std::vector<std::string>{"gpus", "wall time", "GPU-hours", "cost", "MFU"};
  table.numeric = format == Format::kJson || format == Format::kCsv
                      ? std::vector<bool>{false, false, true, true, true, true, true}
                      : std::vector<bool>{true, true, true, true, true};
  for (const TrainingSweepRow& r : rows) {
    table.rows.push_back({std::to_string(r.gpus), human_seconds(r.run.seconds),
                          human_number(r.run.gpu_hours),
                          r.run.cost ? "$" + human_number(*r.run.cost) : "-",
                          fmt::format("{:.1f} %", 100 * r.run.mfu)});
    table.data_rows.push_back({model, cluster.gpu.name, std::to_string(r.gpus),
                               fmt::format("{}", r.run.seconds), fmt::format("{}", r.run.gpu_hours),
                               r.run.cost ? fmt::format("{}", *r.run.cost) : "",
                               fmt::format("{}", r.run.mfu)});
  }
  return table;
}

}  // namespace

TrainAnswer answer_train(const Graph& graph, const FlopCounts& flops, const TrainRequest& q,
                         Format format) {
  TrainAnswer a;
  const ParamCounts p = count_params(graph);
  const Count tokens = q.tokens ? *q.tokens : mul(20, p.total);
  const bool stepped = q.step && !q.mfu && !q.step_time_s;
  if (stepped && q.gpu_counts.size() > 1) {
    throw Error("a layout on a cluster times one GPU count: give one --gpus");
  }
  std::optional<StepAnswer> step;
  if (stepped) step = answer_step(graph, *q.step);
  const bool defaulted = !q.mfu && !q.step_time_s && !stepped;
  const std::optional<double> mfu = defaulted ? std::optional<double>(kDefaultMfu)
                                    : stepped ? std::optional<double>(step->time.mfu)
                                              : q.mfu;
  if (q.gpu_counts.size() > 1) {
    a.list = training_sweep_table(sweep_training(p, flops, q.cluster, q.gpu_counts, tokens, mfu,
                                                 q.step_time_s, q.price_per_gpu_hour),
                                  format, graph.spec.name, q.cluster, tokens);
    return a;
  }
  Cluster cluster = q.cluster;
  if (step) {  // the layout's GPUs of the cluster's kind
    cluster.gpu = q.step->cluster.gpu;
    cluster.gpus = step->layout.layout.gpus;
  }
  const TrainingRun run =
      plan_training(p, flops, cluster, tokens, mfu, q.step_time_s, q.price_per_gpu_hour);
  a.report = report_heading(graph.spec);
  const MfuSource source = defaulted ? MfuSource::kDefault
                           : stepped ? MfuSource::kStepModel
                           : q.mfu   ? MfuSource::kGiven
                                     : MfuSource::kMeasured;
  a.report.sections.push_back(training_section(flops, cluster, run, source));
  if (step) {
    for (Section& s : step->report.sections) a.report.sections.push_back(std::move(s));
  }
  if (q.explain) a.report.sections.push_back(explain_training(flops, cluster, run));
  if (q.budget_flops) {
    a.report.sections.push_back(
        compute_optimal_section(*q.budget_flops, compute_optimal(*q.budget_flops)));
  }
  return a;
}

StepAnswer answer_step(const Graph& graph, const StepRequest& q) {
  const bool eager = q.options.knobs().attention == AttentionImpl::kEager;
  StepAnswer a;
  a.layout = resolve_layout(graph.spec, q.workload, q.layout, eager);
  check_cluster_size(q.cluster, a.layout.layout.gpus);
  if (q.options.zero_stage > 0 && a.layout.dense_shard == 1) {
    throw Error(fmt::format(
        "--zero {} shards states over data-parallel ranks, and this layout has one: give more "
        "--gpus (or --dp)",
        q.options.zero_stage));
  }
  const StepTotals totals = step_totals(graph, q.workload, q.options, q.mfu_attention);
  a.time = step_time(totals, a.layout, q.cluster, q.step);
  a.peak = layout_peak(totals.memory, a.layout);
  const Count capacity = fit_capacity(q.cluster.gpu, q.options);
  a.fits = a.peak <= capacity;
  a.report = report_heading(graph.spec);
  for (Section& s :
       step_sections({a.layout, q.cluster, a.time, q.step, q.options, a.peak, capacity})) {
    a.report.sections.push_back(std::move(s));
  }
  if (q.explain) a.report.sections.push_back(explain_step(q.cluster));
  return a;
}

PlanAnswer answer_plan(const Graph& graph, const PlanRequest& q, bool explain, ByteUnits units) {
  PlanAnswer a;
  PlanRequest search = q;
  search.top = std::max<std::size_t>(q.top, 2);  // the runner-up, for --explain
  a.result = plan_layouts(graph, search);
  std::optional<Section> why;
  if (explain) why = explain_plan(a.result);
  if (a.result.best.size() > q.top) a.result.best.resize(q.top);
  a.report = report_heading(graph.spec);
  for (Section& s : plan_sections(q, a.result, units)) a.report.sections.push_back(std::move(s));
  if (why) a.report.sections.push_back(std::move(*why));
  return a;
}

namespace {

// A chart's bars: from, 2·from, 4·from, … up to `to` (at most 12), and `asked` among them.
std::vector<std::int64_t> doublings(std::int64_t from, std::int64_t to, std::int64_t asked) {
  std::vector<std::int64_t> out;
  for (std::int64_t n = from; n <= to && out.size() < 12; n *= 2) out.push_back(n);
  if (std::find(out.begin(), out.end(), asked) == out.end()) {
    out.push_back(asked);
    std::sort(out.begin(), out.end());
  }
  return out;
}

}  // namespace

InferAnswer answer_infer(const Graph& graph, const InferRequest& q) {
  const ModelSpec& spec = graph.spec;
  // The load: vLLM's benchmark default of 128 output tokens, the prompt the rest of the context.
  constexpr std::int64_t kDefaultOutput = 128;
  const std::int64_t context =
      q.context > 0     ? q.context
      : q.input_len > 0 ? q.input_len + (q.output_len > 0 ? q.output_len : kDefaultOutput)
                        : spec.max_positions;
  ServingLoad load;
  load.output_len = q.output_len > 0
                        ? q.output_len
                        : std::min(kDefaultOutput, std::max<std::int64_t>(context / 2, 1));
  load.input_len =
      q.input_len > 0 ? q.input_len : std::max<std::int64_t>(context - load.output_len, 1);
  if (q.input_len > 0 && q.output_len > 0 && q.input_len + q.output_len > context) {
    throw Error(fmt::format("--input-len {} + --output-len {} exceed --context {}", q.input_len,
                            q.output_len, context));
  }
  if (context > spec.max_positions && spec.positions == PositionKind::kLearned) {
    throw Error(fmt::format("--context {}: {} has {} learned positions and cannot read more",
                            context, spec.name, spec.max_positions));
  }
  InferAnswer a;
  std::int64_t concurrency = q.concurrency.value_or(1);
  a.memory = serving_memory(graph, q.gpu, q.options, context, concurrency);
  if (!q.concurrency) {
    if (a.memory.max_concurrency == 0) {
      throw Error(fmt::format(
          "--concurrency max: not one sequence of {} tokens fits: {} of weights, activations and "
          "reserve against {}'s budget of {}",
          context, human_bytes(a.memory.weights + a.memory.activations + a.memory.reserve, q.units),
          q.gpu.name, human_bytes(a.memory.budget, q.units)));
    }
    concurrency = a.memory.max_concurrency;
    a.memory = serving_memory(graph, q.gpu, q.options, context, concurrency);
  }
  if (q.by_concurrency) {
    for (const std::int64_t n :
         doublings(1, 2 * std::max<std::int64_t>(a.memory.max_concurrency, 1), concurrency)) {
      a.by_concurrency.emplace_back(n, serving_memory(graph, q.gpu, q.options, context, n));
    }
  }
  if (q.by_context) {
    for (const std::int64_t c :
         doublings(1024, std::max<std::int64_t>(spec.max_positions, 1024), context)) {
      a.by_context.emplace_back(c, serving_memory(graph, q.gpu, q.options, c, concurrency));
    }
  }
  load.batch = q.batch > 0 ? q.batch : concurrency;
  load.max_batched_tokens = a.memory.max_batched_tokens;
  a.load = load;
  a.context = context;
  std::string fabric;
  if (q.cluster && q.gpu.kernels.known()) {
    ClusterSpec cluster = *q.cluster;
    cluster.gpu = q.gpu;
    const ServingWork work = serving_work(graph, q.gpu, q.options);
    a.time = serving_time(work, cluster, load);
    fabric = cluster.name;
    if (q.max_tpot_s > 0) {
      a.batch_within_tpot = largest_batch_within(
          work, cluster, load, q.max_tpot_s, std::max<std::int64_t>(a.memory.max_concurrency, 0));
      if (a.batch_within_tpot > 0) {
        ServingLoad l = load;
        l.batch = a.batch_within_tpot;
        a.time_within_tpot = serving_time(work, cluster, l);
      }
    }
  }
  a.report = report_heading(spec);
  const ServingReportInputs in{a.memory,       q.options,   q.gpu,
                               context,        concurrency, spec.max_positions,
                               !q.concurrency, q.units,     a.time ? &*a.time : nullptr,
                               &a.load,        fabric};
  a.report.sections.push_back(serving_section(in));
  if (q.max_tpot_s > 0 && a.time) {
    add_tpot_target(q.max_tpot_s, a.batch_within_tpot, a.time_within_tpot, a.load,
                    a.report.sections.back());
  }
  if (a.time) a.report.sections.push_back(serving_time_section(in));
  if (a.time && q.explain) {
    ClusterSpec cluster = *q.cluster;
    cluster.gpu = q.gpu;
    a.report.sections.push_back(decode_kernels_section(
        decode_kernels(serving_work(graph, q.gpu, q.options), cluster, load), load, q.units));
  }
  if (q.cheapest) {
    ClusterSpec cluster = q.cluster ? *q.cluster : cluster_for_gpu(q.gpu);
    cluster.gpu = q.gpu;
    ServingLoad l = load;
    l.batch = concurrency;
    l.input_len = std::max<std::int64_t>(context - load.output_len, 1);
    const std::vector<std::string> formats(kServingFormats.begin(), kServingFormats.end());
    a.report.sections.push_back(cheapest_section(
        cheapest_formats(graph, cluster, q.options, l, formats), l, q.gpu, q.units));
  }
  return a;
}

}  // namespace tsize
