#include "tsize/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tsize/explain.hpp"
#include "tsize/serving_plan.hpp"

namespace tsize {

Section params_section(const ModelSpec& spec, const ParamCounts& c) {
  Section s;
  s.key = "params";
  s.title = "Parameters";
  s.unit = Unit::kCount;
  s.columns = {"params"};
  s.breakdown = c.breakdown;
  s.facts = {
      {"total", "total", c.total, Unit::kCount, ""},
      {"trainable", "trainable", c.trainable, Unit::kCount, ""},
      {"non_embedding", "non-embedding", c.non_embedding, Unit::kCount,
       "without token/position embeddings and lm_head"},
      {"active", "active per token", c.active, Unit::kCount, ""},
      // Bytes of the weights alone: fp32 4 B, bf16 2 B, fp8 1 B, int4 ½ B per parameter
      // (int4 rounded up to whole bytes; quantization scales not included).
      {"bytes_fp32", "fp32 weights", mul(c.total, 4, "fp32 bytes"), Unit::kBytes, "4 B/param"},
      {"bytes_bf16", "bf16 weights", mul(c.total, 2, "bf16 bytes"), Unit::kBytes, "2 B/param"},
      {"bytes_fp8", "fp8 weights", c.total, Unit::kBytes, "1 B/param"},
      {"bytes_int4", "int4 weights", (c.total + 1) / 2, Unit::kBytes, "0.5 B/param"},
  };
  s.assumptions = {
      "every weight, bias and norm vector counts; tied matrices count once; RoPE has none",
      "non-embedding excludes token, position and token-type embeddings and an untied lm_head "
      "(Kaplan et al. 2020, arXiv:2001.08361 §2.1)",
  };
  if (c.active != c.total) {
    s.assumptions.push_back("active per token counts k of E routed experts (plus shared ones)");
  }
  if (spec.mtp_layers > 0) {
    s.assumptions.push_back(fmt::format(
        "main model only: the {} multi-token-prediction module(s) (num_nextn_predict_layers) "
        "are not counted",
        spec.mtp_layers));
  }
  if (c.trainable != c.total) {
    s.assumptions.push_back(
        "trainable excludes the router's score-correction bias, which "
        "DeepSeek-V3 updates by its balancing rule, not by gradients");
  }
  return s;
}

Report report_heading(const ModelSpec& spec) {
  Report r;
  r.model = spec.name;
  r.family = spec.family;
  r.summary = describe(spec);
  r.provenance = spec.provenance;
  return r;
}

namespace {

// Serving at report defaults: bf16 on the fewest of kReportGpu that hold one sequence of `seq`
// tokens, its last 128 (or half) generated.
void add_serving(const Graph& graph, std::int64_t seq, ByteUnits units, Report& r) {
  ServingLoad load;
  load.output_len = std::min<std::int64_t>(128, std::max<std::int64_t>(seq / 2, 1));
  load.input_len = std::max<std::int64_t>(seq - load.output_len, 1);
  const ClusterSpec cluster = cluster_for_gpu(find_gpu(kReportGpu));
  const std::optional<ServingDeployment> d = smallest_deployment(graph, cluster, {}, load);
  if (!d) return;
  load.max_batched_tokens = d->memory.max_batched_tokens;
  Section s = serving_section({d->memory, d->options, cluster.gpu, seq, 1, graph.spec.max_positions,
                               false, units, d->time ? &*d->time : nullptr, &load, cluster.name});
  s.assumptions.push_back(
      fmt::format("report defaults: bf16 weights and KV on the fewest {} that hold one sequence "
                  "of {} tokens; `tsize infer` takes your own",
                  kReportGpu, seq));
  r.sections.push_back(std::move(s));
}

}  // namespace

Count ns(double seconds) {
  return static_cast<std::uint64_t>(std::llround(std::max(seconds, 0.0) * 1e9));
}

Report full_report(const Graph& graph, const Workload& w, bool explain, ByteUnits units) {
  Report r = report_heading(graph.spec);
  r.nested = true;
  const ParamCounts params = count_params(graph);
  r.sections.push_back(params_section(graph.spec, params));
  const Workload resolved = resolve_workload(graph.spec, w);
  const FlopCounts flops = count_flops(graph, resolved, {});
  r.sections.push_back(flops_section(graph, params, flops));
  // Memory: a stated default recipe (bf16 autocast, SDPA attention, AdamW) at this workload.
  MemoryOptions memory;
  memory.precision = Precision::kAmpBf16;
  memory.runtime = Runtime::kTransformersSdpa;
  Section mem = memory_section(graph, resolved, memory, count_memory(graph, resolved, memory),
                               korthikanti_estimate(graph, resolved, memory));
  mem.assumptions.push_back(
      "report defaults: amp-bf16, --runtime transformers-sdpa, AdamW, no ZeRO; "
      "`tsize memory` takes your own and shows what fits where");
  r.sections.push_back(mem);
  // Time: a stated default cluster and MFU, over the compute-optimal token count.
  Cluster cluster;
  cluster.gpu = find_gpu(kReportGpu);
  cluster.gpus = kReportGpus;
  const TrainingRun run = plan_training(params, flops, cluster, mul(20, params.total), kReportMfu,
                                        std::nullopt, std::nullopt);
  Section time = training_section(flops, cluster, run, MfuSource::kDefault);
  time.assumptions.push_back(
      fmt::format("report defaults: {} × {}, bf16, MFU {:.2f} assumed, tokens = 20 · parameters; "
                  "`tsize train` takes your own",
                  kReportGpus, kReportGpu, kReportMfu));
  r.sections.push_back(time);
  if (graph.spec.structure == Structure::kDecoder && graph.spec.n_layers <= kMaxServingLayers) {
    add_serving(graph, resolved.seq, units, r);
  }
  if (explain) {
    r.sections.push_back(explain_params(graph));
    r.sections.push_back(explain_flops(graph, resolved, {}));
    r.sections.push_back(explain_memory(graph, resolved, memory));
  }
  return r;
}

}  // namespace tsize
