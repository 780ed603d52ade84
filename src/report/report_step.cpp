// The step-time report: where one iteration's seconds go on the bounding GPU.
#include <fmt/format.h>

#include <array>
#include <cmath>

#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {
namespace {

Breakdown leaf(std::string name, double seconds, std::string note = "") {
  Breakdown b;
  b.name = std::move(name);
  b.values = {ns(seconds)};
  b.note = std::move(note);
  return b;
}

// A pass's seconds by op class; classes it does not run are left out.
Breakdown pass(std::string name, const ComputeTime& c) {
  Breakdown b;
  b.name = std::move(name);
  for (Breakdown part : {leaf("GEMMs", c.gemm), leaf("attention kernels", c.attention),
                         leaf("memory-bound kernels", c.memory_bound),
                         leaf("waiting for the host", c.host,
                              "kernels shorter than the host's time to issue them")}) {
    if (part.values.front() > 0) b.children.push_back(std::move(part));
  }
  return b;
}

// The exposed part of each collective: the rows of the iteration's communication node.
struct CommunicationRow {
  const char* name;
  Overlapped StepTime::*field;
  const char* what;
};
constexpr std::array<CommunicationRow, 7> kCommunication{{
    {"tensor parallel", &StepTime::tp, "all-reduce, or all-gather and reduce-scatter with SP"},
    {"context parallel", &StepTime::cp, "ring exchange of K and V"},
    {"expert all-to-all", &StepTime::ep, "token dispatch and combine"},
    {"pipeline send/receive", &StepTime::pp, "activations and their gradients"},
    {"ZeRO-3 gathers", &StepTime::zero_gather, "weights gathered per layer, gradients scattered"},
    {"data-parallel gradients", &StepTime::dp, "after the last backward"},
    {"parameter all-gather", &StepTime::param_gather, "distributed optimizer's updated weights"},
}};

Section iteration_section(const StepReportInputs& in) {
  const StepTime& t = in.time;
  const Layout& l = in.layout.layout;
  Section s;
  s.key = "step";
  s.title = fmt::format("Step time: {} on {} ({} × {})", describe(in.layout), in.cluster.name,
                        l.gpus, in.cluster.gpu.name);
  s.unit = Unit::kSeconds;
  s.columns = {"seconds"};
  s.breakdown.name = "iteration";
  Breakdown compute;
  compute.name = "compute";
  compute.children = {pass("forward", t.forward), pass("backward", t.backward)};
  if (t.recompute.total() > 0) compute.children.push_back(pass("recompute", t.recompute));
  Breakdown exposed;
  exposed.name = "exposed communication";
  for (const CommunicationRow& row : kCommunication) {
    const Overlapped& o = t.*row.field;
    if (o.total > 0) exposed.children.push_back(leaf(row.name, o.exposed, row.what));
  }
  s.breakdown.children = {compute};
  if (!exposed.children.empty()) s.breakdown.children.push_back(exposed);
  if (l.pp > 1) {
    s.breakdown.children.push_back(
        leaf("pipeline bubble", t.bubble,
             fmt::format("{} micro-batches over {} stages{}", t.micro_batches, l.pp,
                         l.vpp > 1 ? fmt::format(", {} chunks each", l.vpp) : std::string())));
  }
  s.breakdown.children.push_back(leaf("optimizer step", t.optimizer));
  sum_up(s.breakdown);
  s.facts = {
      Fact::of_real("iteration_s", "iteration", t.iteration_s, Unit::kSeconds),
      Fact::of_real("tokens_per_s", "tokens per second", t.tokens_per_s, Unit::kPerSecond,
                    "all GPUs"),
      Fact::of_real("mfu", "MFU", t.mfu, Unit::kRatio, "model FLOPs / (time · peak · GPUs)"),
      Fact::of_real("hfu", "HFU", t.hfu, Unit::kRatio, "with recomputation"),
      {"micro_batches", "micro-batches per iteration", static_cast<std::uint64_t>(t.micro_batches),
       Unit::kCount, "per pipeline"},
      {"bounding_stage", "bounding stage", static_cast<std::uint64_t>(t.bounding_stage),
       Unit::kCount, "the slowest pipeline stage, whose GPU the tree shows"},
      {"peak", "memory peak per GPU", in.peak, Unit::kBytes, "tsize memory with this layout"},
      {"capacity", "usable memory", in.capacity, Unit::kBytes,
       fmt::format("{} less the CUDA context", in.cluster.gpu.name)},
      {"fits", "fits", in.peak <= in.capacity ? Count{1} : Count{0}, Unit::kBoolean,
       in.peak <= in.capacity ? "" : "does not fit: the time is of a run that would not start"},
      Fact::of_real("uncertain_s", "largest uncertain term", t.uncertain_seconds, Unit::kSeconds,
                    std::string(describe(t.largest_uncertainty))),
  };
  s.assumptions = recipe_assumptions(in.memory);
  s.assumptions.push_back(fmt::format(
      "Megatron-Core overlap: gradient reduce {}, parameter gather {}, TP "
      "communication {}",
      in.options.overlap_grad_reduce ? "on" : "off", in.options.overlap_param_gather ? "on" : "off",
      in.options.tp_comm_overlap ? "on" : "off"));
  if (t.tp_crosses_nodes) {
    s.assumptions.push_back(fmt::format(
        "the tensor-parallel group of {} GPUs is larger than a node of {}: its collectives run "
        "over the inter-node network{}",
        l.tp, in.cluster.gpus_per_node,
        in.options.tp_comm_overlap
            ? ", and --tp-comm-overlap hides none of them (Transformer Engine's userbuffers "
              "overlap a TP group inside one node only)"
            : ""));
  }
  s.assumptions.push_back(
      "kernel times: the GPU generation's model in gpus/gpus.json; collectives: NCCL's ring and "
      "tree on the tier each group spans (clusters/clusters.json); docs/time-vs-measured.md");
  return s;
}

Section communication_section(const StepTime& t) {
  Section s;
  s.key = "communication";
  s.title = "Communication per iteration (bounding stage)";
  s.unit = Unit::kSeconds;
  s.columns = {"total", "exposed"};
  s.share_column = -1;
  s.show_share = false;
  s.breakdown.name = "communication";
  for (const CommunicationRow& row : kCommunication) {
    const Overlapped& o = t.*row.field;
    Breakdown b;
    b.name = row.name;
    b.values = {ns(o.total), ns(o.exposed)};
    b.note = row.what;
    s.breakdown.children.push_back(b);
  }
  sum_up(s.breakdown);
  return s;
}

Fact ratio(std::string key, std::string label, double v, std::string note = "") {
  return Fact::of_real(std::move(key), std::move(label), v, Unit::kRatio, std::move(note));
}

void add_fabric(Section& s, const Fabric& f, const std::string& tier, const std::string& key) {
  s.facts.push_back(
      Fact::of_real(key + "_gb_per_s", tier + " bandwidth, GB/s", f.bandwidth / 1e9, Unit::kCount,
                    f.links > 1 ? fmt::format("per NIC and direction, {} per node", f.links)
                                : std::string("per GPU and direction")));
  s.facts.push_back(ratio(key + "_efficiency", tier + " NCCL efficiency", f.efficiency,
                          "bus bandwidth / line rate"));
  s.facts.push_back(Fact::of_real(key + "_latency_s", tier + " latency per hop", f.latency_s,
                                  Unit::kSeconds, "plus NCCL's 8.4 µs per call"));
  s.facts.push_back({key + "_pipeline_bytes", tier + " ring fill",
                     static_cast<std::uint64_t>(f.pipeline_bytes), Unit::kBytes,
                     "bytes a ring step carries before it runs full"});
  s.assumptions.push_back(fmt::format("{} ({}): {}", tier, f.name, f.source));
}

}  // namespace

Section explain_step(const ClusterSpec& c) {
  const KernelModel& k = c.gpu.kernels;
  Section s;
  s.key = "explain_step";
  s.title = fmt::format("Explain: the figures of {} ({}, {} generation)", c.name, c.gpu.name,
                        k.generation);
  s.facts = {
      {"sms", "SMs", static_cast<std::uint64_t>(k.sms), Unit::kCount, "waves of tiles"},
      ratio("gemm_efficiency", "GEMM efficiency", k.gemm_efficiency,
            "a large GEMM's fraction of the dense peak"),
      ratio("fp8_gemm_efficiency", "FP8 GEMM efficiency", k.fp8_gemm_efficiency),
      Fact::of_real("k_overhead", "k overhead", k.k_overhead, Unit::kCount,
                    "a tile's prologue and epilogue, elements of k: k / (k + this)"),
      Fact::of_real("kernel_start_s", "kernel start", k.kernel_start_s, Unit::kSeconds,
                    "a GEMM's launch, ramp and tail"),
      ratio("attention_forward_efficiency", "flash attention forward",
            k.attention_forward_efficiency),
      ratio("attention_backward_efficiency", "flash attention backward",
            k.attention_backward_efficiency, "of 2.5× the forward's FLOPs"),
      ratio("bandwidth_efficiency", "memory bandwidth efficiency", k.bandwidth_efficiency,
            "streaming kernels' fraction of the datasheet bandwidth"),
      Fact::of_real("host_op_s", "host issue time per op", k.host_op_s, Unit::kSeconds,
                    "each op takes at least this"),
  };
  s.assumptions.push_back(fmt::format("{} generation: {}", k.generation, k.source));
  add_fabric(s, c.intra, "intra-node", "intra_node");
  if (c.inter.present()) add_fabric(s, c.inter, "inter-node", "inter_node");
  if (c.overridden) s.assumptions.push_back("figures changed by flags are shown as given");
  return s;
}

std::vector<Section> step_sections(const StepReportInputs& in) {
  return {iteration_section(in), communication_section(in.time)};
}

}  // namespace tsize
