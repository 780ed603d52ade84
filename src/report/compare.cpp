#include "tsize/compare.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tsize/fit.hpp"
#include "tsize/flops.hpp"
#include "tsize/graph.hpp"
#include "tsize/params.hpp"
#include "tsize/report.hpp"
#include "tsize/serving_plan.hpp"
#include "tsize/units.hpp"

namespace tsize {

namespace {

// bf16 on the fewest of the cluster's GPUs, one sequence of the common seq, its last 128 tokens
// (or half) generated.
void add_serving(const Graph& g, const CompareSetup& setup, Comparison& c) {
  const std::int64_t seq = setup.workload.seq;
  ServingLoad load;
  load.output_len = std::min<std::int64_t>(128, std::max<std::int64_t>(seq / 2, 1));
  load.input_len = std::max<std::int64_t>(seq - load.output_len, 1);
  const std::optional<ServingDeployment> d =
      smallest_deployment(g, cluster_for_gpu(setup.cluster.gpu), {}, load);
  if (!d) return;
  c.kv_bytes_per_token = d->memory.kv_bytes_per_token;
  c.serving_gpus = d->gpus();
  if (d->time) c.decode_tokens_per_s = d->time->tokens_per_s;
}

}  // namespace

std::vector<Comparison> compare_models(const std::vector<ModelSpec>& models, CompareSetup& setup) {
  if (setup.workload.seq == 0) {
    setup.workload.seq = models.front().max_positions;
    for (const ModelSpec& m : models)
      setup.workload.seq = std::min(setup.workload.seq, m.max_positions);
  }
  std::vector<Comparison> out;
  for (const ModelSpec& spec : models) {
    const Graph g = build_graph(spec);
    const Workload w = resolve_workload(spec, setup.workload);
    const ParamCounts p = count_params(g);
    const FlopCounts f = count_flops(g, w, setup.flops);
    Comparison c;
    c.model = spec.name;
    c.family = spec.family;
    c.params = p.total;
    c.active = p.active;
    c.flops_per_token = f.per_token();
    c.memory = count_memory(g, w, setup.memory);
    c.peak_bytes = c.memory.peak();
    c.max_batch =
        max_micro_batch(g, w, setup.memory, fit_capacity(setup.cluster.gpu, setup.memory));
    c.tokens = setup.tokens > 0 ? setup.tokens : mul(20, p.total);
    c.train_seconds =
        plan_training(p, f, setup.cluster, c.tokens, setup.mfu, std::nullopt, std::nullopt).seconds;
    if (spec.structure == Structure::kDecoder && spec.n_layers <= kMaxServingLayers) {
      add_serving(g, setup, c);
    }
    out.push_back(c);
  }
  return out;
}

std::string render_comparison(const std::vector<Comparison>& rows, const CompareSetup& s,
                              const RenderOptions& o) {
  const std::string gpu = s.cluster.gpu.name;
  if (o.format == Format::kJson || o.format == Format::kCsv) {
    ListTable t;
    t.keys = {"model",           "family",
              "params",          "active",
              "flops_per_token", "peak_bytes",
              "max_batch",       "tokens",
              "train_seconds",   "kv_bytes_per_token",
              "serving_gpus",    "decode_tokens_per_s"};
    t.headers = t.keys;
    t.numeric = {false, false, true, true, true, true, true, true, true, true, true, true};
    for (const Comparison& c : rows) {
      t.data_rows.push_back(
          {c.model, c.family, to_string(c.params), to_string(c.active),
           to_string(c.flops_per_token), to_string(c.peak_bytes), fmt::format("{}", c.max_batch),
           to_string(c.tokens), fmt::format("{}", c.train_seconds), to_string(c.kv_bytes_per_token),
           fmt::format("{}", c.serving_gpus), fmt::format("{}", c.decode_tokens_per_s)});
    }
    return render_list(t, o.format);
  }
  ListTable t;
  t.headers = {""};
  t.numeric = {false};
  for (const Comparison& c : rows) {
    t.headers.push_back(c.model);
    t.numeric.push_back(true);
  }
  auto line = [&](std::string label, auto cell) {
    std::vector<std::string> r = {std::move(label)};
    for (const Comparison& c : rows) r.push_back(cell(c));
    t.rows.push_back(r);
  };
  line("parameters", [](const Comparison& c) { return human_count(c.params); });
  line("active per token", [](const Comparison& c) { return human_count(c.active); });
  line("FLOPs per token", [](const Comparison& c) { return human_flops(c.flops_per_token); });
  line("peak memory per GPU",
       [&](const Comparison& c) { return human_bytes(c.peak_bytes, o.units); });
  line(fmt::format("max micro-batch on {}", gpu),
       [](const Comparison& c) { return fmt::format("{}", c.max_batch); });
  line("training tokens", [](const Comparison& c) { return human_count(c.tokens); });
  line(fmt::format("time on {} × {}", s.cluster.gpus, gpu),
       [](const Comparison& c) { return human_seconds(c.train_seconds); });
  auto serving = [](const Comparison& c, auto cell) {
    return c.serving_gpus == 0 ? std::string("—") : cell(c);
  };
  line("KV cache per token (bf16)", [&](const Comparison& c) {
    return serving(c,
                   [&](const Comparison& x) { return human_bytes(x.kv_bytes_per_token, o.units); });
  });
  line(fmt::format("{} GPUs serving bf16", gpu), [&](const Comparison& c) {
    return serving(c, [](const Comparison& x) { return fmt::format("{}", x.serving_gpus); });
  });
  line("decode tokens/s, one sequence", [&](const Comparison& c) {
    return serving(c, [](const Comparison& x) { return human_number(x.decode_tokens_per_s); });
  });
  t.keys = t.headers;
  std::string out = render_list(t, o.format);
  if (o.format == Format::kTable) {
    out += fmt::format(
        "\nworkload: batch {}, seq {}; memory: --precision {}, --runtime {}, --optimizer {}, "
        "ZeRO {}; time: MFU {:.2f} on {} × {} ({}), tokens {}; serving: bf16 on the fewest GPUs "
        "that "
        "hold one sequence of seq tokens, its last 128 generated (`tsize infer`)\n",
        s.workload.batch, s.workload.seq, to_string(s.memory.precision),
        to_string(s.memory.runtime), to_string(s.memory.optimizer), s.memory.zero_stage, s.mfu,
        s.cluster.gpus, gpu, to_string(s.cluster.dtype),
        s.tokens > 0 ? human_count(s.tokens) : "20 per parameter (each model's own)");
  }
  return out;
}

}  // namespace tsize
