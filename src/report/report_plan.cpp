// The layout search's report: what was searched, the best layouts, and why the best wins.
#include <fmt/format.h>

#include <cmath>

#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {
namespace {

std::string overlap_text(const StepOptions& o) {
  std::string out;
  for (const auto& [on, name] : {std::pair{o.overlap_grad_reduce, "grad-reduce"},
                                 std::pair{o.overlap_param_gather, "param-gather"},
                                 std::pair{o.tp_comm_overlap, "tp-comm"}}) {
    if (on) out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out.empty() ? "none" : out;
}

// "micro-batch 1, recompute selective, ZeRO 1, overlap grad-reduce"
std::string recipe_text(const PlannedLayout& p) {
  return fmt::format("micro-batch {}, recompute {}, ZeRO {}, overlap {}", p.micro_batch,
                     to_string(p.recompute), p.zero, overlap_text(p.overlap));
}

std::vector<Fact> layout_record(const PlannedLayout& p, Count capacity, std::size_t rank) {
  const Layout& l = p.layout.layout;
  const StepTime& t = p.time;
  const auto flag = [](bool v) { return v ? Count{1} : Count{0}; };
  const double margin = to_double(capacity) - to_double(p.peak);
  return {
      {"rank", "rank", to_count(static_cast<std::int64_t>(rank)), Unit::kCount, ""},
      {"tp", "TP", to_count(l.tp), Unit::kCount, ""},
      {"sp", "SP", flag(l.sp), Unit::kBoolean, ""},
      {"pp", "PP", to_count(l.pp), Unit::kCount, ""},
      {"vpp", "VPP", to_count(l.vpp), Unit::kCount, ""},
      Fact::of_text("schedule", "schedule", std::string(to_string(l.schedule))),
      {"cp", "CP", to_count(l.cp), Unit::kCount, ""},
      {"ep", "EP", to_count(l.ep), Unit::kCount, ""},
      {"etp", "expert TP", to_count(l.expert_tp()), Unit::kCount, ""},
      {"dp", "DP", to_count(l.dp), Unit::kCount, ""},
      {"gpus", "GPUs", to_count(l.gpus), Unit::kCount, ""},
      {"micro_batch", "micro-batch", to_count(p.micro_batch), Unit::kCount, ""},
      {"micro_batches", "micro-batches", to_count(p.layout.micro_batches), Unit::kCount, ""},
      Fact::of_text("recompute", "recompute", std::string(to_string(p.recompute))),
      {"zero", "ZeRO", to_count(p.zero), Unit::kCount, ""},
      {"overlap_grad_reduce", "overlap grad reduce", flag(p.overlap.overlap_grad_reduce),
       Unit::kBoolean, ""},
      {"overlap_param_gather", "overlap param gather", flag(p.overlap.overlap_param_gather),
       Unit::kBoolean, ""},
      {"tp_comm_overlap", "TP comm overlap", flag(p.overlap.tp_comm_overlap), Unit::kBoolean, ""},
      Fact::of_real("iteration_s", "iteration", t.iteration_s, Unit::kSeconds),
      Fact::of_real("tokens_per_s", "tokens/s", t.tokens_per_s, Unit::kPerSecond),
      Fact::of_real("mfu", "MFU", t.mfu, Unit::kRatio),
      Fact::of_real("hfu", "HFU", t.hfu, Unit::kRatio),
      {"peak", "peak", p.peak, Unit::kBytes, ""},
      Fact::of_real("margin_bytes", "margin", margin, Unit::kBytes),
      Fact::of_real("exposed_communication_s", "exposed communication", t.exposed_communication(),
                    Unit::kSeconds),
      Fact::of_real("bubble_s", "bubble", t.bubble, Unit::kSeconds),
      Fact::of_real("objective", "objective", p.objective, Unit::kCount),
  };
}

std::string gpu_counts(const std::vector<std::int64_t>& counts) {
  std::string out;
  for (const std::int64_t n : counts) out += (out.empty() ? "" : ", ") + std::to_string(n);
  return out;
}

Section summary_section(const PlanRequest& q, const PlanResult& r, ByteUnits units) {
  Section s;
  s.key = "plan";
  s.title = fmt::format("Layout search: {} GPUs of {} ({}), global batch {} × {} tokens",
                        gpu_counts(q.gpu_counts), q.cluster.name, q.cluster.gpu.name,
                        q.global_batch, q.seq);
  const double rate = r.seconds > 0 ? static_cast<double>(r.evaluated) / r.seconds : 0;
  s.facts = {
      {"valid", "valid layouts", to_count(r.valid), Unit::kCount,
       "every combination the runtime can launch on these GPUs"},
      {"evaluated", "evaluated", to_count(r.evaluated), Unit::kCount, "memory peak priced"},
      {"fit", "fit", to_count(r.fit), Unit::kCount,
       fmt::format("peak within {} per GPU", human_bytes(r.capacity, units))},
      {"timed", "timed", to_count(r.timed), Unit::kCount, "step time priced"},
      Fact::of_real("seconds", "search time", r.seconds, Unit::kSeconds,
                    fmt::format("{} threads", r.threads)),
      Fact::of_real("layouts_per_s", "layouts evaluated per second", rate, Unit::kPerSecond),
      {"capacity", "capacity per GPU", r.capacity, Unit::kBytes,
       "usable memory less the CUDA context and --memory-margin"},
  };
  s.records_key = "layouts";
  for (std::size_t i = 0; i < r.best.size(); ++i) {
    s.records.push_back(layout_record(r.best[i], r.capacity, i + 1));
  }
  s.assumptions.push_back(
      fmt::format("objective: {} ({})", label_of(q.objective), choice_of(q.objective).help));
  for (const char* line :
       {"searched: TP, SP, PP, schedule and VPP, CP, EP and expert TP, micro-batch, recompute, "
        "ZeRO stage, and Megatron-Core's overlap options; DP = GPUs / (TP·PP·CP); fixed flags "
        "hold a dimension",
        "memory first: the step time is priced only for layouts whose bounding stage fits "
        "(`tsize memory` with the layout gives the same peak)",
        "each layout's best overlap options represent it in the ranking; times equal to 0.01 % "
        "rank as ties, the smaller peak first",
        "ZeRO: the stages the runtime offers (Megatron-Core: 0, 1 its distributed optimizer, 3 its "
        "FSDP), 2 and 3 only without pipeline parallelism (DeepSpeed's pipeline engine refuses "
        "them)"}) {
    s.assumptions.emplace_back(line);
  }
  if (r.best.empty() && r.smallest) {
    s.assumptions.push_back(fmt::format(
        "nothing fits: the smallest peak is {} ({}, {}) against {} per GPU: give more GPUs, a "
        "larger GPU, or a smaller global batch",
        human_bytes(r.smallest->peak, units), describe(r.smallest->layout),
        recipe_text(*r.smallest), human_bytes(r.capacity, units)));
  }
  return s;
}

// The best layouts for people: seconds of iteration, exposed communication and bubble.
Section layouts_section(const PlanResult& r, ByteUnits units) {
  Section s;
  s.key = "layouts";
  s.title = "Best layouts";
  s.unit = Unit::kSeconds;
  s.columns = {"iteration", "exposed comm", "bubble"};
  s.show_share = false;
  s.in_json = false;
  s.breakdown.name = "layouts";
  for (std::size_t i = 0; i < r.best.size(); ++i) {
    const PlannedLayout& p = r.best[i];
    const double margin = to_double(r.capacity) - to_double(p.peak);
    s.breakdown.children.push_back(Breakdown{
        fmt::format("{}. {}", i + 1, describe(p.layout)),
        {ns(p.time.iteration_s), ns(p.time.exposed_communication()), ns(p.time.bubble)},
        1,
        fmt::format(
            "{}{}; peak {} ({} free); MFU {:.1f} %; {} tokens/s",
            i > 0 && p.objective == r.best.front().objective ? "as fast as 1 (0.01 %): " : "",
            recipe_text(p), human_bytes(p.peak, units),
            human_bytes(static_cast<std::uint64_t>(std::max(margin, 0.0)), units), 100 * p.time.mfu,
            human_number(p.time.tokens_per_s)),
        {}});
  }
  return s;
}

struct StepTerm {
  const char* name;
  double (*seconds)(const StepTime&);
};
constexpr StepTerm kTerms[] = {
    {"forward compute", [](const StepTime& t) { return t.forward.total(); }},
    {"backward compute", [](const StepTime& t) { return t.backward.total(); }},
    {"recompute", [](const StepTime& t) { return t.recompute.total(); }},
    {"tensor parallel (exposed)", [](const StepTime& t) { return t.tp.exposed; }},
    {"context parallel (exposed)", [](const StepTime& t) { return t.cp.exposed; }},
    {"expert all-to-all (exposed)", [](const StepTime& t) { return t.ep.exposed; }},
    {"pipeline send/receive", [](const StepTime& t) { return t.pp.exposed; }},
    {"ZeRO-3 gathers (exposed)", [](const StepTime& t) { return t.zero_gather.exposed; }},
    {"data-parallel gradients (exposed)", [](const StepTime& t) { return t.dp.exposed; }},
    {"parameter all-gather (exposed)", [](const StepTime& t) { return t.param_gather.exposed; }},
    {"pipeline bubble", [](const StepTime& t) { return t.bubble; }},
    {"optimizer step", [](const StepTime& t) { return t.optimizer; }},
};

}  // namespace

std::vector<Section> plan_sections(const PlanRequest& q, const PlanResult& r, ByteUnits units) {
  return {summary_section(q, r, units), layouts_section(r, units)};
}

Section explain_plan(const PlanResult& r) {
  Section s;
  s.key = "explain_plan";
  if (r.best.size() < 2) {
    s.title = "Explain: the best against the runner-up";
    s.assumptions = {r.best.empty() ? "nothing fits: nothing to compare"
                                    : "one layout fits: there is no runner-up"};
    return s;
  }
  s.unit = Unit::kSeconds;
  s.columns = {"best", "runner_up"};
  s.share_column = -1;
  s.show_share = false;
  s.breakdown.name = "iteration";
  const StepTime& a = r.best[0].time;
  const StepTime& b = r.best[1].time;
  s.title = fmt::format("Explain: why the best beats the runner-up, term by term ({} vs {})",
                        describe(r.best[0].layout), describe(r.best[1].layout));
  for (const StepTerm& term : kTerms) {
    const double x = term.seconds(a), y = term.seconds(b);
    if (x == 0 && y == 0) continue;
    const double diff = x - y;
    s.breakdown.children.push_back(
        Breakdown{term.name,
                  {ns(x), ns(y)},
                  1,
                  std::fabs(diff) < 5e-7
                      ? "same"
                      : fmt::format("{}{}", diff < 0 ? "−" : "+", human_seconds(std::fabs(diff))),
                  {}});
  }
  sum_up(s.breakdown);
  s.assumptions = {
      fmt::format("best: {}", recipe_text(r.best[0])),
      fmt::format("runner-up: {}", recipe_text(r.best[1])),
      "compute is the bounding stage's; the bubble and the tail (gradients, optimizer) are what "
      "the pipeline adds to it",
  };
  return s;
}

}  // namespace tsize
