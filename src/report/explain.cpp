#include "tsize/explain.hpp"

#include <fmt/format.h>

#include "tsize/activations.hpp"
#include "tsize/flops.hpp"
#include "tsize/params.hpp"

namespace tsize {

namespace {

// A section of the figures of every op, in graph order, keyed by path; ops whose figure is 0
// (weightless ops, lookups, what saves nothing) are left out. `figures` has one per op.
Section figure_section(const Graph& g, std::vector<Figure> figures, const char* key,
                       std::string title, Unit unit) {
  Section s;
  s.key = key;
  s.title = std::move(title);
  s.unit = unit;
  std::size_t i = 0;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      Figure& f = figures[i++];
      if (f.value() > 0) s.figures.emplace_back(op_path(b, op), std::move(f));
    }
  }
  return s;
}

// One figure per op of the graph, in order.
template <class FigureOf>
std::vector<Figure> per_op(const Graph& g, FigureOf figure_of) {
  std::vector<Figure> out;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) out.push_back(figure_of(op));
  }
  return out;
}

}  // namespace

Section explain_params(const Graph& g) {
  return figure_section(g, per_op(g, param_figure), "explain_params",
                        "Explain: parameters of each op (one instance, all its copies)",
                        Unit::kCount);
}

Section explain_flops(const Graph& g, const Workload& w, const FlopOptions& o) {
  Section s = figure_section(
      g,
      per_op(g, [&](const Op& op) { return forward_flop_figure(op, w.batch, w.seq, o.attention); }),
      "explain_flops",
      fmt::format("Explain: forward FLOPs of each op (one instance, b {}, s {})", w.batch, w.seq),
      Unit::kFlops);
  s.assumptions = {
      "backward: 2 × the forward matmuls (input and weight gradients), 2 × the pointwise work, "
      "1 × a bias add (its gradient is a sum)"};
  return s;
}

Section explain_memory(const Graph& g, const Workload& w, const MemoryOptions& o) {
  Section s = figure_section(
      g, saved_activation_figures(g, w, o.activation_options()), "explain_memory",
      fmt::format("Explain: bytes each op saves for backward (one instance, b {}, s {})", w.batch,
                  w.seq),
      Unit::kBytes);
  s.assumptions = {"each storage is charged to the first op that saves it, in forward order"};
  if (o.recompute == Recompute::kFull) {
    s.assumptions.push_back(
        "--recompute full: a layer's ops save these while the layer runs again in backward; its "
        "forward keeps only the layer's input");
  }
  return s;
}

Section explain_utilization(const FlopCounts& f, const Cluster& c, const Utilization& u) {
  Section s;
  s.key = "explain_mfu";
  s.title = "Explain: utilization";
  const double peak = to_double(peak_flops(c));
  // With a layout, each of GPUs / M replicas runs the step on M = T·P·C GPUs.
  const std::string m = c.model_parallel > 1 ? fmt::format(" / {}", c.model_parallel) : "";
  s.facts = {
      Fact::of_real("tokens_per_s", "tokens per second", u.tokens_per_s, Unit::kPerSecond,
                    fmt::format("GPUs{} · b · g · s / t = {}{} · {} · {} · {} / {}",
                                c.model_parallel > 1 ? " / M" : "", c.gpus, m, f.workload.batch,
                                f.workload.grad_accum, f.workload.seq, u.step_time_s)),
      Fact::of_real("achieved_flops_per_s", "achieved FLOP/s per GPU", u.achieved_flops_per_s,
                    Unit::kFlopsPerSecond,
                    fmt::format("model FLOPs{} / t = {}{} / {}", c.model_parallel > 1 ? " / M" : "",
                                to_string(f.model), m, u.step_time_s)),
      Fact::of_real("mfu", "MFU", u.mfu, Unit::kRatio,
                    fmt::format("achieved / peak = {:.6g} / {:.6g} ({} {} dense, gpus/gpus.json)",
                                u.achieved_flops_per_s, peak, c.gpu.name, to_string(c.dtype))),
      Fact::of_real("hfu", "HFU", u.hfu, Unit::kRatio,
                    fmt::format("hardware FLOPs{} / t / peak = {}{} / {} / {:.6g}",
                                c.model_parallel > 1 ? " / M" : "", to_string(f.hardware), m,
                                u.step_time_s, peak)),
  };
  return s;
}

Section explain_training(const FlopCounts& f, const Cluster& c, const TrainingRun& r) {
  Section s;
  s.key = "explain_train";
  s.title = "Explain: training run";
  const double peak = to_double(peak_flops(c));
  s.facts = {
      {"model_flops", "model FLOPs", r.model_flops, Unit::kFlops,
       fmt::format("model FLOPs per step · D / tokens per step = {} · {} / {}", to_string(f.model),
                   to_string(r.tokens), to_string(f.tokens))},
      {"flops_6nd", "6·N·D", r.flops_6nd, Unit::kFlops,
       fmt::format("6 · {} · {}", to_string(r.flops_6nd / 6 / (r.tokens ? r.tokens : 1)),
                   to_string(r.tokens))},
      Fact::of_real("seconds", "wall time", r.seconds, Unit::kSeconds,
                    fmt::format("model FLOPs / (GPUs · peak · MFU) = {} / ({} · {:.6g} · {})",
                                to_string(r.model_flops), c.gpus, peak, r.mfu)),
      Fact::of_real("gpu_hours", "GPU-hours", r.gpu_hours, Unit::kCount,
                    fmt::format("seconds · GPUs / 3600 = {:.1f} · {} / 3600", r.seconds, c.gpus)),
  };
  if (r.cost) {
    s.facts.push_back(
        Fact::of_real("cost", "cost", *r.cost, Unit::kMoney,
                      fmt::format("GPU-hours · price = {} · {}", human_number(r.gpu_hours),
                                  human_number(*r.cost / r.gpu_hours))));
  }
  return s;
}

}  // namespace tsize
