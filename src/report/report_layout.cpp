// The memory of a parallel layout: the stage that bounds the fit, and every stage.
#include <fmt/format.h>

#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {
namespace {

// "0-7" or, interleaved, "0-3, 16-19": the layers of a stage's chunks.
std::string stage_layers(const ResolvedLayout& r, std::int64_t layers, std::int64_t stage) {
  std::string out;
  for (std::int64_t j = 0; j < r.layout.vpp; ++j) {
    const auto [first, end] = chunk_layers(r.layout, layers, stage, j);
    out += fmt::format(
        "{}{}", out.empty() ? "" : ", ",
        end - first == 1 ? fmt::format("{}", first) : fmt::format("{}-{}", first, end - 1));
  }
  return out;
}

std::string schedule_rule(const ResolvedLayout& r) {
  const Layout& l = r.layout;
  if (l.pp == 1) {
    return fmt::format(
        "{} micro-batch{} per step, each one's forward then its backward: one in "
        "flight",
        r.micro_batches, r.micro_batches == 1 ? "" : "es");
  }
  switch (l.schedule) {
    case Schedule::k1F1B:
      return fmt::format(
          "1F1B over {} micro-batches per step: stage i holds the activations of min(P − i, m) "
          "micro-batches when its first backward starts (Narayanan et al. 2021 §2.2)",
          r.micro_batches);
    case Schedule::kInterleaved:
      return fmt::format(
          "interleaved 1F1B, {} chunks per stage, {} micro-batches per step: stage i runs "
          "(P − i − 1)·2 + (V − 1)·P + 1 chunk forwards before its first backward, P "
          "micro-batches per chunk in turn (Megatron-Core's schedules.py)",
          l.vpp, r.micro_batches);
    case Schedule::kGPipe:
      return fmt::format(
          "GPipe: all {} micro-batches' forwards before any backward (Huang et al. 2019)",
          r.micro_batches);
  }
  return "";
}

std::vector<std::string> layout_assumptions(const ModelSpec& spec, const Workload& w,
                                            const MemoryOptions& o, const LayoutMemory& m) {
  const bool tied = spec.tied_embeddings, moe = spec.moe.has_value();
  const ResolvedLayout& r = m.layout;
  const Layout& l = r.layout;
  std::vector<std::string> a = recipe_assumptions(o);
  a.push_back("layout: " + describe(r));
  a.push_back(schedule_rule(r));
  a.push_back(fmt::format("peak at the {} of stage {} (every rank of a stage holds the same)",
                          phase_info(m.bounding_stage().phases.peak_phase().phase).name,
                          m.bounding));
  if (l.tp > 1) {
    a.push_back(fmt::format(
        "vocabulary padded to {} (a multiple of 128·T, Megatron's --make-vocab-size-divisible-by "
        "128): {} rows per tensor-parallel rank",
        with_commas(m.vocab_padded), with_commas(m.vocab_padded / to_count(l.tp))));
    a.push_back(fmt::format(
        "tensor parallelism splits heads and MLP features (Megatron column- and row-parallel); "
        "norms, routers and row-parallel biases are replicated; saved tensors outside the "
        "tensor-parallel regions split over T only with sequence parallelism (Korthikanti et "
        "al. 2022 Table 2){}",
        l.sp ? "" : ": --sp false keeps them whole on every rank"));
  }
  if (l.pp > 1) {
    a.push_back(std::string("pipeline: embedding on the first stage, final norm, head and loss on "
                            "the last") +
                (tied ? "; the tied embedding is held by both (Megatron's shared word "
                        "embeddings, kept in sync by an all-reduce of their gradients)"
                      : ""));
  }
  if (l.cp > 1) {
    a.push_back(fmt::format(
        "context parallelism: each rank keeps s/C = {} tokens of every sequence, attention as a "
        "ring over the {} ranks (fused kernels: no score matrix)",
        w.seq / l.cp, l.cp));
  }
  if (l.ep > 1 || l.expert_tp() != l.tp) {
    a.push_back(fmt::format(
        "experts: {} ranks hold 1/{} of the routed experts each, split over expert TP {}; "
        "balanced routing: a rank's experts receive as many token-slots as its own tokens route",
        l.ep, l.ep, l.expert_tp()));
  }
  if (o.zero_stage > 0) {
    a.push_back(fmt::format(
        "ZeRO stage {} (Megatron's distributed optimizer, FSDP at 3) over the {} data-parallel "
        "× context-parallel ranks{}: optimizer states and master weights{}{} sharded",
        o.zero_stage, r.dense_shard,
        moe ? fmt::format(", experts over their {} expert-data-parallel ranks", r.expert_shard)
            : "",
        o.zero_stage >= 2 ? ", gradients" : "", o.zero_stage >= 3 ? " and weights" : ""));
  }
  a.push_back(
      "not modelled: communication buffers (TP/SP all-gather outputs, pipeline send and "
      "receive tensors, data-parallel gradient buckets, MoE dispatch buffers): transient, each "
      "at most a layer's activations or a bucket (--overhead adds them); ZeRO-3's gathered "
      "layers are counted (gathered weights)");
  if (o.overhead_bytes == 0) {
    a.push_back(
        "no framework overhead added (--overhead): the peak is what the allocator hands out "
        "(torch.cuda.max_memory_allocated)");
  }
  return a;
}

Breakdown stage_peak_tree(const StageMemory& s) {
  const MemoryPhase& peak = s.phases.peak_phase();
  Breakdown root{"peak", {}, 1, std::string(phase_info(peak.phase).name), {}};
  for (const PhasePart& p : peak.parts()) {
    std::string note(p.note);
    if (p.part == MemoryPart::kActivations && peak.phase == Phase::kStartOfBackward) {
      note = fmt::format("{} micro-batch{} in flight{}", s.in_flight, s.in_flight == 1 ? "" : "es",
                         s.chunk_forwards != s.in_flight
                             ? fmt::format(" ({} chunk forwards)", s.chunk_forwards)
                             : "");
    }
    root.children.push_back(
        Breakdown{std::string(part_info(p.part).label), {p.bytes}, 1, note, {}});
  }
  sum_up(root);
  return root;
}

std::vector<Fact> stage_record(const StageMemory& s, const std::string& layers) {
  const ModelStates& st = s.inputs.states;
  return {
      {"stage", "stage", to_count(s.stage), Unit::kCount, ""},
      {"layers", "layers", to_count(s.layers), Unit::kCount, layers},
      {"in_flight", "micro-batches in flight", to_count(s.in_flight), Unit::kCount, ""},
      {"weights", "weights", st.weights, Unit::kBytes, ""},
      {"gradients", "gradients", st.gradients, Unit::kBytes, ""},
      {"master_weights", "master weights", st.master_weights, Unit::kBytes, ""},
      {"optimizer", "optimizer states", st.optimizer, Unit::kBytes, ""},
      {"activations", "activations", s.inputs.activations, Unit::kBytes, ""},
      {"peak", "peak", s.peak(), Unit::kBytes, ""},
  };
}

}  // namespace

std::vector<Section> layout_memory_sections(const Graph& g, const Workload& w,
                                            const MemoryOptions& o, const LayoutMemory& m) {
  const StageMemory& s = m.bounding_stage();
  const ResolvedLayout& r = m.layout;
  Section main;
  main.key = "memory";
  main.title = fmt::format("Training memory per GPU, stage {} of {} (batch {}, seq {}, {} GPUs)",
                           s.stage, r.layout.pp, w.batch, w.seq, r.layout.gpus);
  main.unit = Unit::kBytes;
  main.columns = {"bytes"};
  main.breakdown = stage_peak_tree(s);
  const ModelStates& st = s.inputs.states;
  main.facts = {
      {"batch", "batch", to_count(w.batch), Unit::kCount, "sequences per micro-batch"},
      {"seq", "seq", to_count(w.seq), Unit::kCount, "tokens per sequence"},
      {"grad_accum", "micro-batches", to_count(r.micro_batches), Unit::kCount,
       "per step, per pipeline"},
      {"global_batch", "global batch", to_count(r.layout.global_batch), Unit::kCount,
       "sequences per step"},
      {"gpus", "GPUs", to_count(r.layout.gpus), Unit::kCount, describe(r)},
  };
  const GpuMemoryFacts facts{st,
                             s.inputs.autocast_copies,
                             s.inputs.activations,
                             "every micro-batch in flight",
                             s.inputs.overhead,
                             {s.phases.phases.data(), s.phases.count},
                             s.phases.peak_index,
                             "all of the stage's"};
  for (Fact& f : gpu_memory_facts(facts)) main.facts.push_back(std::move(f));
  main.facts.push_back({"stage", "stage", to_count(s.stage), Unit::kCount,
                        "0-based: the stage with the largest peak bounds the fit"});
  main.assumptions = layout_assumptions(g.spec, w, o, m);
  main.records_key = "stages";

  Section table;
  table.key = "stages";
  table.title = "Per pipeline stage (one GPU of each)";
  table.unit = Unit::kBytes;
  table.columns = {"weights", "gradients", "master", "optimizer", "activations", "peak"};
  table.show_share = false;
  table.in_json = false;
  table.breakdown.name = "stages";
  for (const StageMemory& stage : m.stages) {
    const std::string layers = stage_layers(r, g.spec.n_layers, stage.stage);
    main.records.push_back(stage_record(stage, layers));
    const ModelStates& x = stage.inputs.states;
    table.breakdown.children.push_back(Breakdown{
        fmt::format("stage {}: layers {}, {} in flight", stage.stage, layers, stage.in_flight),
        {x.weights, x.gradients, x.master_weights, x.optimizer, stage.inputs.activations,
         stage.peak()},
        1,
        &stage == &s ? "bounds the fit" : "",
        {}});
  }
  return {main, table};
}

Section explain_layout(const LayoutMemory& m) {
  Section s;
  s.key = "explain_layout";
  s.title = "Explain: how each op's weights and saved tensors split (" + describe(m.layout) + ")";
  for (const NamedShardRule& rule : shard_rule_table()) {
    s.assumptions.push_back(fmt::format("{}: weights {}, saved {} — {}", rule.what,
                                        describe(rule.rule.params), describe(rule.rule.saved),
                                        rule.rule.source));
  }
  return s;
}

}  // namespace tsize
