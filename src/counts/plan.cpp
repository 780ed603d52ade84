#include "tsize/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>
#include <tuple>

#include "tsize/error.hpp"
#include "tsize/fit.hpp"
#include "tsize/layout_memory.hpp"

namespace tsize {
namespace {

double d(std::int64_t v) { return static_cast<double>(v); }

// The most layouts a search visits (its upper bound): about a minute on 2 cores.
constexpr double kMaxSearch = 1e8;

std::vector<std::int64_t> divisors(std::int64_t n) {
  std::vector<std::int64_t> low, high;
  for (std::int64_t i = 1; i * i <= n; ++i) {
    if (n % i != 0) continue;
    low.push_back(i);
    if (i != n / i) high.push_back(n / i);
  }
  low.insert(low.end(), high.rbegin(), high.rend());
  return low;
}

// The values a dimension takes: `fixed` alone, else every candidate up to `bound` (0: any).
std::vector<std::int64_t> values(const std::optional<std::int64_t>& fixed, std::int64_t bound,
                                 const std::vector<std::int64_t>& candidates) {
  if (fixed) return {*fixed};
  std::vector<std::int64_t> out;
  for (const std::int64_t v : candidates) {
    if (bound == 0 || v <= bound) out.push_back(v);
  }
  return out;
}

// The part of a layout shard_time prices: what splits the work inside a pipeline stage.
struct Shard {
  std::int64_t tp = 1;
  bool sp = false;
  std::int64_t cp = 1, ep = 1, etp = 0;
};

// One walk of the graph: the totals of a micro-batch size and a recomputation choice.
struct Base {
  std::int64_t micro_batch = 1;
  Recompute recompute = Recompute::kNone;
  StepTotals totals;
};

// A unit of work for one thread: a shard, a base, a GPU count.
struct Item {
  std::size_t shard = 0, base = 0;
  std::int64_t gpus = 0;
};

struct Space {
  const Graph* graph = nullptr;
  const PlanRequest* q = nullptr;
  bool eager = false;
  std::vector<Shard> shards;
  std::vector<Base> bases;
  std::vector<Item> items;
  std::vector<int> zeros;
  Count capacity = 0;
};

bool eager_attention(const MemoryOptions& o) {
  return o.knobs().attention == AttentionImpl::kEager;
}

// Whether a shard can be part of any layout: resolve_layout's checks that pipeline and data
// parallelism leave alone (heads, KV heads and FFN over T, the sequence over 2·C and over T with
// SP, experts over E and ETP), on one stage with as many data-parallel ranks as the experts need.
bool shard_can_work(const ModelSpec& spec, const Shard& s, std::int64_t seq, bool eager) {
  Layout l;
  l.tp = s.tp;
  l.sp = s.sp;
  l.cp = s.cp;
  l.ep = s.ep;
  l.etp = s.etp;
  l.dp = l.ep * l.expert_tp();
  return try_resolve_layout(spec, Workload{1, seq, 1}, l, eager).has_value();
}

std::vector<Shard> shards_of(const ModelSpec& spec, const PlanSpace& s,
                             const std::vector<std::int64_t>& gpu_counts, std::int64_t seq,
                             bool eager) {
  std::vector<std::int64_t> tps;
  for (const std::int64_t n : gpu_counts) {
    for (const std::int64_t t : divisors(n)) tps.push_back(t);
  }
  std::sort(tps.begin(), tps.end());
  tps.erase(std::unique(tps.begin(), tps.end()), tps.end());
  const std::vector<std::int64_t> experts =
      spec.moe ? divisors(spec.moe->n_routed_experts) : std::vector<std::int64_t>{1};
  std::vector<Shard> out;
  for (const std::int64_t t : values(s.tp, s.max_tp, tps)) {
    for (const bool sp : {false, true}) {
      if (s.sp ? *s.sp != sp : sp && t == 1) continue;
      for (const std::int64_t c : values(s.cp, s.max_cp, tps)) {
        for (const std::int64_t e : values(s.ep, 0, experts)) {
          const std::vector<std::int64_t> etps =
              spec.moe ? values(s.etp, 0, divisors(t)) : std::vector<std::int64_t>{0};
          for (const std::int64_t etp : etps) {
            const Shard shard{t, sp, c, e, etp};
            if (shard_can_work(spec, shard, seq, eager)) out.push_back(shard);
          }
        }
      }
    }
  }
  return out;
}

// Megatron-Core's overlap options a layout can take (megatron/training/arguments.py):
// --overlap-param-gather needs the distributed optimizer; --tp-comm-overlap needs sequence
// parallelism and a TP group inside one node (Transformer Engine's userbuffers, TE issue #1071);
// a gradient reduction to overlap needs data-parallel ranks.
struct Overlaps {
  std::array<StepOptions, 8> at{};
  std::size_t size = 0;
  const StepOptions* begin() const { return at.data(); }
  const StepOptions* end() const { return at.data() + size; }
};
Overlaps overlaps(const ResolvedLayout& r, int zero, const PlanSpace& s,
                  std::int64_t gpus_per_node) {
  auto allowed = [](bool v, bool possible, const std::optional<bool>& fixed) {
    return !(fixed && *fixed != v) && (!v || possible);
  };
  const bool dp = r.dense_shard > 1;
  const bool gather = dp && (zero == 1 || zero == 2);
  const bool tp = r.layout.sp && r.layout.tp <= gpus_per_node;
  Overlaps out;
  for (const bool g : {false, true}) {
    if (!allowed(g, dp, s.overlap_grad_reduce)) continue;
    for (const bool p : {false, true}) {
      if (!allowed(p, gather, s.overlap_param_gather)) continue;
      for (const bool t : {false, true}) {
        if (allowed(t, tp, s.tp_comm_overlap)) out.at[out.size++] = {g, p, t};
      }
    }
  }
  return out;
}

// The ZeRO stages a runtime offers: Megatron-Core's distributed optimizer shards the optimizer
// states and master weights (ZeRO-1) and its FSDP everything (ZeRO-3); it has no ZeRO-2.
bool runtime_has_zero(Runtime runtime, int zero) {
  return !(runtime == Runtime::kMegatron && zero == 2);
}

// The ZeRO stages a layout can take: sharding needs data-parallel ranks, and ZeRO-2 and -3 do not
// run with pipeline parallelism (DeepSpeed's PipelineEngine asserts a ZeRO stage below 2).
bool zero_allowed(const ResolvedLayout& r, int zero) {
  if (zero > 0 && r.dense_shard == 1) return false;
  return zero < 2 || r.layout.pp == 1;
}

// Every valid layout of an item, structure by structure: visit(r, zero, overlap variants).
template <class Visit>
void for_each_layout(const Space& sp, const Item& item, Visit&& visit) {
  const PlanRequest& q = *sp.q;
  const Shard& s = sp.shards[item.shard];
  const Base& b = sp.bases[item.base];
  const std::int64_t n = item.gpus;
  const std::int64_t layers = sp.graph->spec.n_layers;
  if (n % (s.tp * s.cp) != 0) return;
  const Workload w{b.micro_batch, q.seq, 1};
  for (const std::int64_t p : values(q.space.pp, q.space.max_pp, divisors(n / (s.tp * s.cp)))) {
    if (n % (s.tp * s.cp * p) != 0) continue;
    const std::int64_t dp = n / (s.tp * s.cp * p);
    if (q.space.dp && *q.space.dp != dp) continue;
    if (q.global_batch % (b.micro_batch * dp) != 0) continue;
    // (schedule, V): 1F1B and GPipe with one chunk, interleaved with V ≥ 2 dividing L / P.
    std::vector<std::pair<Schedule, std::int64_t>> schedules;
    for (const Schedule sched : {Schedule::k1F1B, Schedule::kGPipe, Schedule::kInterleaved}) {
      if (q.space.schedule && *q.space.schedule != sched) continue;
      if (p == 1 && sched != Schedule::k1F1B && !q.space.schedule) continue;
      if (sched != Schedule::kInterleaved) {
        if (!q.space.vpp || *q.space.vpp == 1) schedules.emplace_back(sched, 1);
        continue;
      }
      if (p == 1 || layers % p != 0) continue;
      for (const std::int64_t v : values(q.space.vpp, 0, divisors(layers / p))) {
        if (v >= 2) schedules.emplace_back(sched, v);
      }
    }
    for (const auto& [sched, v] : schedules) {
      Layout l;
      l.tp = s.tp;
      l.sp = s.sp;
      l.pp = p;
      l.vpp = v;
      l.schedule = sched;
      l.cp = s.cp;
      l.ep = s.ep;
      l.etp = s.etp;
      l.dp = dp;
      l.gpus = n;
      l.global_batch = q.global_batch;
      const std::optional<ResolvedLayout> r = try_resolve_layout(sp.graph->spec, w, l, sp.eager);
      if (!r) continue;
      for (const int zero : sp.zeros) {
        if (!zero_allowed(*r, zero)) continue;
        const Overlaps variants = overlaps(*r, zero, q.space, q.cluster.gpus_per_node);
        if (variants.size > 0) visit(*r, zero, variants);
      }
    }
  }
}

Space space_of(const Graph& g, const PlanRequest& q) {
  std::vector<std::string> problems;
  if (q.gpu_counts.empty()) problems.emplace_back("--gpus: give the number of GPUs to lay out");
  for (const std::int64_t n : q.gpu_counts) {
    if (n <= 0 || n > kMaxDimension) {
      problems.push_back(fmt::format("--gpus {}: expected a positive integer up to 2^30", n));
    }
  }
  if (q.global_batch <= 0 || q.global_batch > kMaxDimension) {
    problems.push_back(
        fmt::format("--global-batch {}: expected a positive integer up to 2^30", q.global_batch));
  }
  if (q.top == 0) problems.emplace_back("--top 0: expected 1 or more layouts to show");
  const PlanSpace& ps = q.space;
  for (const auto& [flag, v] : {std::pair{"--tp", ps.tp},
                                {"--pp", ps.pp},
                                {"--vpp", ps.vpp},
                                {"--cp", ps.cp},
                                {"--ep", ps.ep},
                                {"--etp", ps.etp},
                                {"--dp", ps.dp},
                                {"--micro-batch", ps.micro_batch}}) {
    if (v && (*v <= 0 || *v > kMaxDimension)) {
      problems.push_back(fmt::format("{} {}: expected a positive integer up to 2^30", flag, *v));
    }
  }
  for (const auto& [flag, v] : {std::pair{"--max-tp", ps.max_tp},
                                {"--max-pp", ps.max_pp},
                                {"--max-cp", ps.max_cp},
                                {"--max-micro-batch", ps.max_micro_batch}}) {
    if (v < 0) problems.push_back(fmt::format("{} {}: expected a positive integer", flag, v));
  }
  for (const int z : q.space.zero_stages) {
    if (z < 0 || z > 3) problems.push_back(fmt::format("--zero {}: ZeRO stages are 0 to 3", z));
  }
  if (!problems.empty()) {
    std::string text = "cannot search layouts:";
    for (const std::string& p : problems) text += "\n  " + p;
    throw Error(text);
  }
  for (const std::int64_t n : q.gpu_counts) check_cluster_size(q.cluster, n);

  Space sp;
  sp.graph = &g;
  sp.q = &q;
  sp.eager = eager_attention(q.options);
  sp.shards = shards_of(g.spec, q.space, q.gpu_counts, q.seq, sp.eager);
  for (int z = 0; z <= 3; ++z) {
    const std::vector<int>& only = q.space.zero_stages;
    const bool asked = std::find(only.begin(), only.end(), z) != only.end();
    if (asked || (only.empty() && runtime_has_zero(q.options.runtime, z))) sp.zeros.push_back(z);
  }
  std::vector<Recompute> recomputes;
  for (const Recompute r : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
    if (!q.space.recompute || *q.space.recompute == r) recomputes.push_back(r);
  }
  for (const std::int64_t mb : values(q.space.micro_batch, q.space.max_micro_batch,
                                      divisors(std::max<std::int64_t>(q.global_batch, 1)))) {
    for (const Recompute r : recomputes) sp.bases.push_back({mb, r, {}});
  }
  // An upper bound of the layouts to visit: every shard, walk and GPU count with every pipeline
  // size, three schedules and every ZeRO stage. Refused past kMaxSearch (minutes of search).
  double bound = 0;
  for (const std::int64_t n : q.gpu_counts)
    bound += d(static_cast<std::int64_t>(divisors(n).size()));
  bound *= d(static_cast<std::int64_t>(sp.shards.size() * sp.bases.size() * sp.zeros.size())) * 3;
  if (bound > kMaxSearch) {
    throw Error(fmt::format(
        "the space holds up to {:.3g} layouts, past the {:.0e} tsize searches: fix or bound "
        "dimensions (--tp, --max-tp, --max-pp, --max-cp, --max-micro-batch, --recompute, --zero)",
        bound, kMaxSearch));
  }
  for (std::size_t s = 0; s < sp.shards.size(); ++s) {
    for (std::size_t b = 0; b < sp.bases.size(); ++b) {
      for (const std::int64_t n : q.gpu_counts) sp.items.push_back({s, b, n});
    }
  }
  return sp;
}

// ---- ranking ----

// Five significant digits: layouts within 0.01 % of each other (far inside the step-time model's
// accuracy) rank as equals, and the smaller peak, then the simpler layout, decides.
double significant(double x) {
  if (x == 0 || !std::isfinite(x)) return x;
  const double scale = std::pow(10.0, 4 - std::floor(std::log10(std::fabs(x))));
  return std::round(x * scale) / scale;
}

double objective_of(const PlanRequest& q, const ResolvedLayout& r, const StepTime& t) {
  switch (q.objective) {
    case Objective::kTime:
      return significant(t.iteration_s);
    case Objective::kCost:
      return significant(d(r.layout.gpus) * t.iteration_s / (d(q.global_batch) * d(q.seq)));
    case Objective::kTokensPerSecond:
      return -significant(t.tokens_per_s);
  }
  return t.iteration_s;
}

// A total order: the objective, then the smaller peak, then the layout's numbers.
auto order_key(const PlannedLayout& p) {
  const Layout& l = p.layout.layout;
  return std::make_tuple(p.objective, p.peak, l.gpus, l.tp, l.sp, l.pp, l.vpp,
                         static_cast<int>(l.schedule), l.cp, l.ep, l.etp, p.micro_batch,
                         static_cast<int>(p.recompute), p.zero, p.overlap.overlap_grad_reduce,
                         p.overlap.overlap_param_gather, p.overlap.tp_comm_overlap);
}
bool better(const PlannedLayout& a, const PlannedLayout& b) { return order_key(a) < order_key(b); }
// The smaller peak, then the layout's numbers (the objective is not priced for every layout).
bool better_peak(const PlannedLayout& a, const PlannedLayout& b) {
  if (a.peak != b.peak) return a.peak < b.peak;
  PlannedLayout x = a, y = b;
  x.objective = y.objective = 0;
  return order_key(x) < order_key(y);
}

void insert_front(std::vector<ParetoPoint>& front, ParetoPoint x) {
  auto after = std::upper_bound(front.begin(), front.end(), x.peak,
                                [](Count p, const ParetoPoint& f) { return p < f.peak; });
  if (after != front.begin() && std::prev(after)->iteration_s <= x.iteration_s) return;
  auto from = std::lower_bound(front.begin(), front.end(), x.peak,
                               [](const ParetoPoint& f, Count p) { return f.peak < p; });
  auto to = from;
  while (to != front.end() && to->iteration_s >= x.iteration_s) ++to;
  front.insert(front.erase(from, to), x);
}

// One thread's share of the result.
struct Partial {
  std::int64_t valid = 0, evaluated = 0, fit = 0, timed = 0;
  std::vector<PlannedLayout> best;  // sorted, at most `top`
  std::vector<ParetoPoint> front;
  std::optional<PlannedLayout> smallest;

  void offer(const PlannedLayout& p, std::size_t top) {
    if (best.size() == top && !better(p, best.back())) return;
    best.insert(std::upper_bound(best.begin(), best.end(), p, better), p);
    if (best.size() > top) best.pop_back();
  }
};

void search_item(const Space& sp, const Item& item, Partial& out) {
  const PlanRequest& q = *sp.q;
  const Base& base = sp.bases[item.base];
  StepTotals t = base.totals;      // its ZeRO stage set layout by layout
  std::optional<ShardTime> shard;  // priced when the first layout fits
  std::vector<RankParams> params;  // the stages' parameters: per (P, V), whatever the ZeRO stage
  std::pair<std::int64_t, std::int64_t> params_of{0, 0};
  for_each_layout(sp, item, [&](const ResolvedLayout& r, int zero, const Overlaps& variants) {
    const auto n = static_cast<std::int64_t>(variants.size);
    out.valid += n;
    out.evaluated += n;  // the overlap options leave the memory as it is
    t.memory.options.zero_stage = zero;
    PlannedLayout p;
    p.layout = r;
    p.micro_batch = base.micro_batch;
    p.recompute = base.recompute;
    p.zero = zero;
    p.peak = layout_peak(t.memory, r);
    if (!out.smallest || p.peak <= out.smallest->peak) {
      if (!out.smallest || better_peak(p, *out.smallest)) out.smallest = p;
    }
    if (p.peak > sp.capacity) return;
    out.fit += n;
    if (!shard) shard = shard_time(t, r.layout, q.cluster);
    if (params_of != std::make_pair(r.layout.pp, r.layout.vpp)) {
      stage_params(t.memory, r, params);
      params_of = {r.layout.pp, r.layout.vpp};
    }
    PlannedLayout best;  // the best overlap options of this layout: the one it offers
    for (const StepOptions& o : variants) {
      p.overlap = o;
      p.time = step_time(t, *shard, params, r, q.cluster, o);
      p.objective = objective_of(q, r, p.time);
      if (&o == variants.begin() || better(p, best)) best = p;
    }
    out.timed += n;
    out.offer(best, q.top);
    insert_front(out.front, {best.peak, best.time.iteration_s});
  });
}

// Runs work(i, worker) for i in [0, n) on `threads` threads (the caller's among them), the
// progress callback on the caller's; rethrows the first exception.
template <class Work>
void run_parallel(unsigned threads, std::size_t n, const std::function<void(double)>& progress,
                  Work&& work) {
  std::atomic<std::size_t> next{0}, done{0};
  std::exception_ptr failure;
  std::mutex failure_lock;
  auto worker = [&](unsigned id) {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        work(i, id);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_lock);
        if (!failure) failure = std::current_exception();
        next = n;
      }
      ++done;
      if (id == 0 && progress) progress(static_cast<double>(done) / static_cast<double>(n));
    }
  };
  std::vector<std::thread> pool;
  for (unsigned id = 1; id < threads; ++id) pool.emplace_back(worker, id);
  worker(0);
  for (std::thread& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

// Why a space holds no valid layout: resolve_layout's message for the fixed dimensions.
std::string why_none(const Graph& g, const PlanRequest& q) {
  const PlanSpace& s = q.space;
  Layout l;
  l.tp = s.tp.value_or(1);
  l.sp = s.sp.value_or(false);
  l.pp = s.pp.value_or(1);
  l.vpp = s.vpp.value_or(1);
  l.schedule = s.schedule.value_or(l.vpp > 1 ? Schedule::kInterleaved : Schedule::k1F1B);
  l.cp = s.cp.value_or(1);
  l.ep = s.ep.value_or(1);
  l.etp = s.etp.value_or(0);
  l.dp = s.dp.value_or(0);
  l.gpus = q.gpu_counts.front();
  l.global_batch = q.global_batch;
  try {
    (void)resolve_layout(g.spec, Workload{s.micro_batch.value_or(1), q.seq, 1}, l,
                         eager_attention(q.options));
  } catch (const Error& e) {
    return std::string(": with the fixed dimensions, ") + e.what();
  }
  return ": every combination of the free dimensions leaves a split that does not divide, or "
         "ZeRO without data-parallel ranks";
}

}  // namespace

PlanResult plan_layouts(const Graph& g, const PlanRequest& q) {
  const auto start = std::chrono::steady_clock::now();
  Space sp = space_of(g, q);
  const Count usable = fit_capacity(q.cluster.gpu, q.options);
  if (q.memory_margin >= usable) {
    throw Error(fmt::format("--memory-margin {} leaves nothing of the {} a process can use on a {}",
                            to_string(q.memory_margin), to_string(usable), q.cluster.gpu.name));
  }
  sp.capacity = usable - q.memory_margin;
  const unsigned threads =
      q.threads > 0 ? q.threads : std::max(1U, std::thread::hardware_concurrency());
  run_parallel(threads, sp.bases.size(), {}, [&](std::size_t i, unsigned) {
    Base& b = sp.bases[i];
    MemoryOptions o = q.options;
    o.recompute = b.recompute;
    o.zero_stage = 0;
    b.totals = step_totals(g, Workload{b.micro_batch, q.seq, 1}, o, q.mfu_attention);
  });
  if (!sp.bases.empty()) check_step_model(sp.bases.front().totals, q.cluster);
  std::vector<Partial> parts(threads);
  run_parallel(threads, sp.items.size(), q.progress, [&](std::size_t i, unsigned worker) {
    search_item(sp, sp.items[i], parts[worker]);
  });
  PlanResult out;
  out.threads = threads;
  out.capacity = sp.capacity;
  Partial all;
  for (const Partial& p : parts) {
    all.valid += p.valid;
    all.evaluated += p.evaluated;
    all.fit += p.fit;
    all.timed += p.timed;
    for (const PlannedLayout& l : p.best) all.offer(l, q.top);
    for (const ParetoPoint& f : p.front) insert_front(all.front, f);
    if (p.smallest && (!all.smallest || better_peak(*p.smallest, *all.smallest))) {
      all.smallest = p.smallest;
    }
  }
  if (all.valid == 0) {
    throw Error(fmt::format("no layout of {} GPUs is valid for {}{}", q.gpu_counts.front(),
                            g.spec.name, why_none(g, q)));
  }
  out.valid = all.valid;
  out.evaluated = all.evaluated;
  out.fit = all.fit;
  out.timed = all.timed;
  out.best = std::move(all.best);
  out.front = std::move(all.front);
  out.smallest = all.smallest;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::vector<PlanCandidate> plan_candidates(const Graph& g, const PlanRequest& q) {
  const Space sp = space_of(g, q);
  std::vector<PlanCandidate> out;
  for (const Item& item : sp.items) {
    const Base& b = sp.bases[item.base];
    for_each_layout(sp, item, [&](const ResolvedLayout& r, int zero, const Overlaps& variants) {
      for (const StepOptions& o : variants) out.push_back({r, b.micro_batch, b.recompute, zero, o});
    });
  }
  return out;
}

}  // namespace tsize
