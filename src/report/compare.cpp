#include "tsize/compare.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tsize/fit.hpp"
#include "tsize/flops.hpp"
#include "tsize/graph.hpp"
#include "tsize/params.hpp"
#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {

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
    out.push_back(c);
  }
  return out;
}

std::string render_comparison(const std::vector<Comparison>& rows, const CompareSetup& s,
                              const RenderOptions& o) {
  const std::string gpu = s.cluster.gpu.name;
  if (o.format == Format::kJson || o.format == Format::kCsv) {
    ListTable t;
    t.keys = {"model",      "family",    "params", "active",       "flops_per_token",
              "peak_bytes", "max_batch", "tokens", "train_seconds"};
    t.headers = t.keys;
    t.numeric = {false, false, true, true, true, true, true, true, true};
    for (const Comparison& c : rows) {
      t.data_rows.push_back({c.model, c.family, to_string(c.params), to_string(c.active),
                             to_string(c.flops_per_token), to_string(c.peak_bytes),
                             fmt::format("{}", c.max_batch), to_string(c.tokens),
                             fmt::format("{}", c.train_seconds)});
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
  t.keys = t.headers;
  std::string out = render_list(t, o.format);
  if (o.format == Format::kTable) {
    out += fmt::format(
        "\nworkload: batch {}, seq {}; memory: --precision {}, --runtime {}, --optimizer {}, "
        "ZeRO {}; time: MFU {:.2f} on {} × {} ({}), tokens {}\n",
        s.workload.batch, s.workload.seq, to_string(s.memory.precision),
        to_string(s.memory.runtime), to_string(s.memory.optimizer), s.memory.zero_stage, s.mfu,
        s.cluster.gpus, gpu, to_string(s.cluster.dtype),
        s.tokens > 0 ? human_count(s.tokens) : "20 per parameter (each model's own)");
  }
  return out;
}

}  // namespace tsize
