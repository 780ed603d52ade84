#include "tsize/layout.hpp"

#include <fmt/format.h>

#include <optional>

#include "tsize/count.hpp"
#include "tsize/error.hpp"

namespace tsize {
namespace {

// Collects every problem of a layout, each naming the numbers that disagree; `quiet` only
// notes that there is one (the layout search's filter: no message built).
class Problems {
 public:
  explicit Problems(bool quiet = false) : quiet_(quiet) {}
  template <class... Args>
  void add(fmt::format_string<Args...> f, Args&&... args) {
    any_ = true;
    if (!quiet_) text_ += "\n  " + fmt::format(f, std::forward<Args>(args)...);
  }
  // `what` (n) split over `flag` (by) ranks must divide.
  void divides(std::string_view what, std::int64_t n, std::string_view flag, std::int64_t by) {
    if (by > 0 && n % by != 0) {  // "--seq 1000 is", "attention heads 32 are"
      const bool one = n == 1 || what.rfind("--", 0) == 0;
      add("{} {} {} not divisible by {} {}", what, n, one ? "is" : "are", flag, by);
    }
  }
  bool empty() const { return !any_; }
  const std::string& text() const { return text_; }

 private:
  bool quiet_ = false, any_ = false;
  std::string text_;
};

void check_positive(Problems& p, std::string_view flag, std::int64_t v, bool zero_allowed) {
  if (v < 0 || (v == 0 && !zero_allowed)) p.add("{} {}: expected a positive integer", flag, v);
}

// Tensor parallelism splits heads, KV heads and every MLP's hidden size (Megatron-Core's
// ColumnParallelLinear: the output features over T); experts split over E and their hidden size
// over ETP.
void check_splits(Problems& p, const ModelSpec& s, const Layout& l) {
  const std::int64_t t = l.tp;
  if (t > 1) {
    p.divides("attention heads", s.n_heads, "--tp", t);
    if (!s.mla) p.divides("key/value heads", s.n_kv_heads, "--tp", t);
    if (s.d_ff > 0) p.divides("the MLP's hidden size", s.d_ff, "--tp", t);
    if (s.moe && s.moe->d_ff_shared > 0) {
      p.divides("the shared experts' hidden size", s.moe->d_ff_shared, "--tp", t);
    }
  }
  if (!s.moe) {
    if (l.ep > 1) p.add("--ep {}: {} has no experts to split", l.ep, s.name);
    return;
  }
  p.divides("routed experts", s.moe->n_routed_experts, "--ep", l.ep);
  if (l.expert_tp() > 1) {
    p.divides("an expert's hidden size", s.moe->d_ff_expert, "--etp", l.expert_tp());
  }
  if (t > 1 && !l.sp) {
    // megatron/core/transformer/moe/README: "sequence parallelism must be used" with EP and TP.
    p.add(
        "--tp {} on a mixture-of-experts model needs --sp true (Megatron-Core requires "
        "sequence parallelism with MoE and tensor parallelism)",
        t);
  }
}

void check_pipeline(Problems& p, const ModelSpec& s, const Layout& l, std::int64_t m) {
  const std::int64_t first = l.first_stage_layers, last = l.last_stage_layers;
  if (first > 0 || last > 0) {
    const std::int64_t ends = (first > 0 ? 1 : 0) + (last > 0 ? 1 : 0);
    const std::int64_t rest = s.n_layers - first - last;
    if (l.vpp > 1) p.add("--pp-first-layers and --pp-last-layers need --vpp 1");
    if (l.pp < ends + 1 && !(l.pp == ends && rest == 0)) {
      p.add("--pp {}: an uneven pipeline needs a stage for each end and one for the rest", l.pp);
    } else if (rest < 0) {
      p.add("--pp-first-layers {} + --pp-last-layers {} exceed the model's {} layers", first, last,
            s.n_layers);
    } else if (l.pp > ends) {
      p.divides("the other layers", rest, "the other stages", l.pp - ends);
    }
  } else {
    p.divides("layers", s.n_layers, l.vpp > 1 ? "pipeline chunks --pp × --vpp =" : "--pp",
              l.pp * l.vpp);
  }
  if (l.schedule == Schedule::kInterleaved) {
    if (l.pp == 1) p.add("--schedule interleaved needs --pp 2 or more");
    if (l.vpp == 1) p.add("--schedule interleaved needs --vpp 2 or more model chunks per stage");
    // megatron/core/pipeline_parallel/schedules.py: the interleaved schedule runs micro-batches
    // in groups of P.
    if (l.pp > 1 && m % l.pp != 0) {
      p.add(
          "the interleaved schedule runs micro-batches in groups of --pp {}: {} per step is not "
          "a multiple",
          l.pp, m);
    }
  } else if (l.vpp > 1) {
    p.add("--vpp {} needs --schedule interleaved", l.vpp);
  }
}

void check_sequence(Problems& p, const Layout& l, const Workload& w, bool eager_attention) {
  if (l.sp && l.tp == 1)
    p.add("--sp true splits the sequence over tensor-parallel ranks: give --tp 2 or more");
  if (l.cp > 1) {
    // Megatron-Core's context parallelism splits each sequence in 2·C chunks, rank i taking
    // chunks i and 2C − 1 − i so causal work balances.
    p.divides("--seq", w.seq, "2 × --cp =", 2 * l.cp);
    if (eager_attention) {
      p.add(
          "--cp {} runs attention as a ring of fused kernels (Transformer Engine): choose "
          "--attention flash or --runtime megatron",
          l.cp);
    }
  }
  if (l.sp) p.divides("--seq / --cp =", w.seq / l.cp, "--tp", l.tp);
}

// resolve_layout's checks into `p`; the resolved layout when there is no problem.
std::optional<ResolvedLayout> resolve(const ModelSpec& spec, const Workload& w, Layout l,
                                      bool eager_attention, Problems& p) {
  check_positive(p, "--tp", l.tp, false);
  check_positive(p, "--pp", l.pp, false);
  check_positive(p, "--vpp", l.vpp, false);
  check_positive(p, "--cp", l.cp, false);
  check_positive(p, "--ep", l.ep, false);
  check_positive(p, "--etp", l.etp, true);
  check_positive(p, "--dp", l.dp, true);
  check_positive(p, "--gpus", l.gpus, true);
  check_positive(p, "--global-batch", l.global_batch, true);
  check_positive(p, "--pp-first-layers", l.first_stage_layers, true);
  check_positive(p, "--pp-last-layers", l.last_stage_layers, true);
  // Each size is at most 2^30; the ranks of one model replica must be too, so that every
  // product of ranks below fits in 64 bits.
  const Count replica = Count{static_cast<std::uint64_t>(l.tp)} * static_cast<std::uint64_t>(l.pp) *
                        static_cast<std::uint64_t>(l.cp);
  if (p.empty() && replica > static_cast<std::uint64_t>(kMaxDimension)) {
    p.add("--tp {} × --pp {} × --cp {}: more than 2^30 GPUs per model replica", l.tp, l.pp, l.cp);
  }
  if (!p.empty()) return std::nullopt;
  if (l.vpp > 1 && l.schedule == Schedule::k1F1B) l.schedule = Schedule::kInterleaved;

  const std::int64_t mp = l.model_parallel();
  if (l.gpus == 0) l.gpus = mp * std::max<std::int64_t>(l.dp, 1);
  if (l.dp == 0) {
    if (l.gpus % mp != 0) {
      p.add("--gpus {} is not a multiple of --tp × --pp × --cp = {}", l.gpus, mp);
    }
    l.dp = std::max<std::int64_t>(l.gpus / mp, 1);
  } else if (l.gpus != mp * l.dp) {
    p.add("--gpus {} ≠ --tp {} × --pp {} × --cp {} × --dp {} = {}", l.gpus, l.tp, l.pp, l.cp, l.dp,
          mp * l.dp);
  }
  ResolvedLayout r;
  const std::int64_t per_step = w.batch * l.dp;
  if (l.global_batch > 0) {
    if (l.global_batch % per_step != 0) {
      p.add("--global-batch {} is not divisible by --batch {} × data-parallel ranks {} = {}",
            l.global_batch, w.batch, l.dp, per_step);
    }
    r.micro_batches = std::max<std::int64_t>(l.global_batch / per_step, 1);
  } else {
    r.micro_batches = w.grad_accum;
    l.global_batch = per_step * w.grad_accum;
  }
  check_splits(p, spec, l);
  check_pipeline(p, spec, l, r.micro_batches);
  check_sequence(p, l, w, eager_attention);
  // Megatron-Core's MoE parallel folding: the E·ETP expert ranks of a stage tile its T·C·D ranks.
  const std::int64_t stage_ranks = l.tp * l.cp * l.dp;
  const std::int64_t expert_ranks = l.ep * l.expert_tp();
  if (spec.moe && stage_ranks % expert_ranks != 0) {
    p.add(
        "--ep {} × expert TP {} = {} does not divide the {} ranks of a stage (--tp × --cp × "
        "data-parallel)",
        l.ep, l.expert_tp(), expert_ranks, stage_ranks);
  }
  if (!p.empty()) return std::nullopt;
  r.layout = l;
  r.dense_shard = l.dp * l.cp;
  r.expert_shard = stage_ranks / expert_ranks;
  return r;
}

}  // namespace

ResolvedLayout resolve_layout(const ModelSpec& spec, const Workload& w, Layout l,
                              bool eager_attention) {
  Problems p;
  const std::optional<ResolvedLayout> r = resolve(spec, w, l, eager_attention, p);
  if (!r) throw Error("not a valid layout:" + p.text());
  return *r;
}

std::optional<ResolvedLayout> try_resolve_layout(const ModelSpec& spec, const Workload& w,
                                                 const Layout& layout, bool eager_attention) {
  Problems quiet(true);
  return resolve(spec, w, layout, eager_attention, quiet);
}

std::pair<std::int64_t, std::int64_t> chunk_layers(const Layout& l, std::int64_t layers,
                                                   std::int64_t stage, std::int64_t chunk) {
  const std::int64_t first = l.first_stage_layers, last = l.last_stage_layers;
  if (first == 0 && last == 0) {
    const std::int64_t per = layers / (l.pp * l.vpp), c = chunk * l.pp + stage;
    return {c * per, (c + 1) * per};
  }
  const std::int64_t ends = (first > 0 ? 1 : 0) + (last > 0 ? 1 : 0);
  const std::int64_t middle = l.pp - ends;
  const std::int64_t per = middle > 0 ? (layers - first - last) / middle : 0;
  if (first > 0 && stage == 0) return {0, first};
  if (last > 0 && stage == l.pp - 1) return {layers - last, layers};
  const std::int64_t start = first + (stage - (first > 0 ? 1 : 0)) * per;
  return {start, start + per};
}

std::string describe(const ResolvedLayout& r) {
  const Layout& l = r.layout;
  std::string pp = fmt::format("PP {}", l.pp);
  if (l.pp > 1) {
    pp += l.schedule == Schedule::kInterleaved ? fmt::format(" (interleaved, V {})", l.vpp)
                                               : fmt::format(" ({})", label_of(l.schedule));
  }
  std::string ep = l.ep > 1 || l.expert_tp() != l.tp
                       ? fmt::format(" · EP {} (expert TP {})", l.ep, l.expert_tp())
                       : "";
  return fmt::format("TP {}{} · {} · CP {}{} · DP {} = {} GPUs", l.tp, l.sp ? " (SP)" : "", pp,
                     l.cp, ep, l.dp, l.gpus);
}

}  // namespace tsize
