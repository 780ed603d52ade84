// The layout search against brute force: every value of every dimension tried through
// resolve_layout, every layout priced by the unsplit models (layout_totals, step_totals and
// step_time built afresh for its micro-batch, recomputation and ZeRO stage), and the best of
// them found by sorting. The search must count the same layouts, fit the same ones and return
// the same best.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "test_util.hpp"
#include "tsize/error.hpp"
#include "tsize/fit.hpp"
#include "tsize/layout_memory.hpp"
#include "tsize/plan.hpp"
#include "tsize/step_time.hpp"

namespace tsize {
namespace {

// Small models whose whole space brute force can walk: 4 layers, 8 heads over 4 KV heads.
constexpr const char* kDense = R"({"model_type": "llama", "hidden_size": 256,
  "intermediate_size": 512, "num_hidden_layers": 4, "num_attention_heads": 8,
  "num_key_value_heads": 4, "vocab_size": 1000, "max_position_embeddings": 4096})";
constexpr const char* kMoe = R"({"model_type": "mixtral", "hidden_size": 256,
  "intermediate_size": 512, "num_hidden_layers": 4, "num_attention_heads": 8,
  "num_key_value_heads": 4, "num_local_experts": 4, "num_experts_per_tok": 2,
  "vocab_size": 1000, "max_position_embeddings": 4096})";

Graph graph_of(const char* config) { return build_graph(parse_hf_config(config, "test")); }

PlanRequest request(std::int64_t gpus, std::int64_t global_batch) {
  PlanRequest q;
  q.seq = 1024;
  q.global_batch = global_batch;
  q.gpu_counts = {gpus};
  q.options.precision = Precision::kMixedBf16Fp32Grads;
  q.options.runtime = Runtime::kMegatron;
  q.cluster = find_cluster("dgx-h100");
  q.top = 8;
  return q;
}

using Key =
    std::tuple<std::int64_t, std::int64_t, bool, std::int64_t, std::int64_t, int, std::int64_t,
               std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, int, bool, bool, bool>;

Key key_of(const ResolvedLayout& r, std::int64_t mb, Recompute rc, int zero, const StepOptions& o) {
  const Layout& l = r.layout;
  return {l.gpus,
          l.tp,
          l.sp,
          l.pp,
          l.vpp,
          static_cast<int>(l.schedule),
          l.cp,
          l.ep,
          l.expert_tp(),
          l.dp,
          mb,
          static_cast<int>(rc),
          zero,
          o.overlap_grad_reduce,
          o.overlap_param_gather,
          o.tp_comm_overlap};
}

// The rules of the space, stated here apart from the search: ZeRO shards over data-parallel
// ranks and (stages 2, 3) runs without a pipeline; Megatron-Core overlaps a gradient reduction
// only with data-parallel ranks, the parameter gather only with the distributed optimizer, TP
// collectives only with SP inside a node.
bool allowed(const ResolvedLayout& r, int zero, const StepOptions& o, std::int64_t gpn) {
  const bool dp = r.dense_shard > 1;
  if (zero == 2) return false;  // Megatron-Core (the requests' runtime) has no ZeRO-2
  if (zero > 0 && !dp) return false;
  if (zero >= 2 && r.layout.pp > 1) return false;
  if (o.overlap_grad_reduce && !dp) return false;
  if (o.overlap_param_gather && (!dp || (zero != 1 && zero != 2))) return false;
  if (o.tp_comm_overlap && (!r.layout.sp || r.layout.tp > gpn)) return false;
  return true;
}

struct BruteLayout {
  ResolvedLayout r;
  std::int64_t mb;
  Recompute rc;
  int zero;
  StepOptions o;
};

// Every layout: each dimension over every value up to its bound, kept when resolve_layout
// accepts it and the rules allow it. One schedule with one stage (they are the same).
std::vector<BruteLayout> brute_force(const Graph& g, const PlanRequest& q) {
  const std::int64_t n = q.gpu_counts.front(), layers = g.spec.n_layers;
  const std::int64_t experts = g.spec.moe ? g.spec.moe->n_routed_experts : 1;
  const bool eager = q.options.knobs().attention == AttentionImpl::kEager;
  std::vector<BruteLayout> out;
  for (std::int64_t tp = 1; tp <= n; ++tp) {
    for (const bool sp : {false, true}) {
      for (std::int64_t pp = 1; pp <= n; ++pp) {
        for (std::int64_t cp = 1; cp <= n; ++cp) {
          if (n % (tp * pp * cp) != 0) continue;  // resolve_layout refuses these too: speed only
          for (const Schedule sched : {Schedule::k1F1B, Schedule::kGPipe, Schedule::kInterleaved}) {
            if (pp == 1 && sched != Schedule::k1F1B) continue;
            for (std::int64_t vpp = 1; vpp <= layers; ++vpp) {
              for (std::int64_t ep = 1; ep <= experts; ++ep) {
                for (std::int64_t etp = g.spec.moe ? 1 : 0; etp <= (g.spec.moe ? tp : 0); ++etp) {
                  for (std::int64_t mb = 1; mb <= q.global_batch; ++mb) {
                    Layout l;
                    l.tp = tp;
                    l.sp = sp;
                    l.pp = pp;
                    l.vpp = vpp;
                    l.schedule = sched;
                    l.cp = cp;
                    l.ep = ep;
                    l.etp = etp;
                    l.gpus = n;
                    l.global_batch = q.global_batch;
                    ResolvedLayout r;
                    try {
                      r = resolve_layout(g.spec, Workload{mb, q.seq, 1}, l, eager);
                    } catch (const Error&) {
                      continue;
                    }
                    if (r.layout.schedule != sched) continue;  // V > 1 turned 1F1B interleaved
                    for (const Recompute rc :
                         {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
                      for (int zero = 0; zero <= 3; ++zero) {
                        for (int bits = 0; bits < 8; ++bits) {
                          const StepOptions o{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0};
                          if (allowed(r, zero, o, q.cluster.gpus_per_node)) {
                            out.push_back({r, mb, rc, zero, o});
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

struct Priced {
  BruteLayout b;
  Count peak = 0;
  StepTime time;
};

// Each layout priced by the unsplit models, with totals built afresh for its recipe.
std::vector<Priced> price(const Graph& g, const PlanRequest& q,
                          const std::vector<BruteLayout>& layouts) {
  std::map<std::tuple<std::int64_t, int, int>, StepTotals> totals;
  std::vector<Priced> out;
  for (const BruteLayout& b : layouts) {
    const auto k = std::make_tuple(b.mb, static_cast<int>(b.rc), b.zero);
    if (!totals.contains(k)) {
      MemoryOptions o = q.options;
      o.recompute = b.rc;
      o.zero_stage = b.zero;
      totals.emplace(k, step_totals(g, Workload{b.mb, q.seq, 1}, o, q.mfu_attention));
    }
    const StepTotals& t = totals.at(k);
    out.push_back({b, layout_peak(t.memory, b.r), step_time(t, b.r, q.cluster, b.o)});
  }
  return out;
}

// A capacity that about half the layouts fit: the median peak.
Count median_peak(std::vector<Priced> p) {
  std::sort(p.begin(), p.end(), [](const Priced& a, const Priced& b) { return a.peak < b.peak; });
  return p[p.size() / 2].peak;
}

void expect_search_equals_brute_force(const char* config, std::int64_t gpus,
                                      std::int64_t global_batch) {
  const Graph g = graph_of(config);
  PlanRequest q = request(gpus, global_batch);
  const std::vector<BruteLayout> all = brute_force(g, q);
  ASSERT_GT(all.size(), 100u);

  // The same layouts, one by one.
  std::set<Key> expected, found;
  for (const BruteLayout& b : all) expected.insert(key_of(b.r, b.mb, b.rc, b.zero, b.o));
  for (const PlanCandidate& c : plan_candidates(g, q)) {
    EXPECT_TRUE(
        found.insert(key_of(c.layout, c.micro_batch, c.recompute, c.zero, c.overlap)).second)
        << "a layout enumerated twice";
  }
  EXPECT_EQ(found, expected);

  // The same fit and the same best, at a capacity that half the layouts fit.
  const std::vector<Priced> priced = price(g, q, all);
  const Count capacity = median_peak(priced);
  q.memory_margin = fit_capacity(q.cluster.gpu, q.options) - capacity;
  const PlanResult r = plan_layouts(g, q);
  EXPECT_EQ(r.valid, static_cast<std::int64_t>(all.size()));
  EXPECT_EQ(r.evaluated, r.valid);  // nothing pruned
  EXPECT_EQ(r.capacity, capacity);
  std::vector<const Priced*> fit;
  for (const Priced& p : priced) {
    if (p.peak <= capacity) fit.push_back(&p);
  }
  EXPECT_EQ(r.fit, static_cast<std::int64_t>(fit.size()));
  EXPECT_EQ(r.timed, r.fit);
  // Best first: time to five significant digits, then the smaller peak, then the layout's
  // numbers; one entry per layout (its best overlap options).
  const auto rank = [](const Priced* p) {
    const double x = p->time.iteration_s;
    const double scale = std::pow(10.0, 4 - std::floor(std::log10(x)));
    return std::make_tuple(std::round(x * scale) / scale, p->peak,
                           key_of(p->b.r, p->b.mb, p->b.rc, p->b.zero, p->b.o));
  };
  std::sort(fit.begin(), fit.end(),
            [&](const Priced* a, const Priced* b) { return rank(a) < rank(b); });
  std::vector<const Priced*> best;
  std::set<Key> structures;
  for (const Priced* p : fit) {
    const Key k = key_of(p->b.r, p->b.mb, p->b.rc, p->b.zero, StepOptions{});
    if (structures.insert(k).second) best.push_back(p);
    if (best.size() == q.top) break;
  }
  ASSERT_EQ(r.best.size(), best.size());
  for (std::size_t i = 0; i < best.size(); ++i) {
    const PlannedLayout& got = r.best[i];
    const Priced& want = *best[i];
    EXPECT_EQ(key_of(got.layout, got.micro_batch, got.recompute, got.zero, got.overlap),
              key_of(want.b.r, want.b.mb, want.b.rc, want.b.zero, want.b.o))
        << "rank " << i + 1 << ": " << describe(got.layout) << " vs " << describe(want.b.r);
    EXPECT_EQ(got.peak, want.peak);
    EXPECT_DOUBLE_EQ(got.time.iteration_s, want.time.iteration_s);
    EXPECT_LE(got.peak, r.capacity);
  }
  // The front: no fitting layout is faster at a peak no larger than a front point's.
  ASSERT_FALSE(r.front.empty());
  for (const ParetoPoint& f : r.front) {
    for (const Priced* p : fit) {
      EXPECT_FALSE(p->peak <= f.peak && p->time.iteration_s < f.iteration_s);
    }
  }
}

TEST(PlanSearch, EqualsBruteForceOnADenseModel) {
  // 8 GPUs of one node, 16 sequences per step: TP, SP, PP, V, CP, micro-batch all vary.
  expect_search_equals_brute_force(kDense, 8, 16);
}

TEST(PlanSearch, EqualsBruteForceOnAMixtureOfExperts) {
  // 16 GPUs over two nodes: EP and expert TP vary, and groups cross nodes.
  expect_search_equals_brute_force(kMoe, 16, 8);
}

TEST(PlanSearch, ThreadsDoNotChangeTheAnswer) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  PlanRequest q = request(32, 64);
  q.seq = 4096;
  q.threads = 1;
  const PlanResult one = plan_layouts(g, q);
  q.threads = 2;
  const PlanResult two = plan_layouts(g, q);
  EXPECT_EQ(one.valid, two.valid);
  EXPECT_EQ(one.fit, two.fit);
  ASSERT_EQ(one.best.size(), two.best.size());
  for (std::size_t i = 0; i < one.best.size(); ++i) {
    EXPECT_EQ(describe(one.best[i].layout), describe(two.best[i].layout));
    EXPECT_EQ(one.best[i].time.iteration_s, two.best[i].time.iteration_s);
  }
  ASSERT_EQ(one.front.size(), two.front.size());
}

TEST(PlanSearch, EveryConstraintHolds) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  PlanRequest q = request(64, 128);
  q.seq = 4096;
  q.top = 20;
  q.space.tp = 2;
  q.space.max_pp = 4;
  q.space.recompute = Recompute::kSelective;
  q.space.zero_stages = {1};
  q.space.max_micro_batch = 2;
  q.space.sp = true;
  q.space.overlap_grad_reduce = false;
  const PlanResult r = plan_layouts(g, q);
  ASSERT_FALSE(r.best.empty());
  for (const PlannedLayout& p : r.best) {
    EXPECT_EQ(p.layout.layout.tp, 2);
    EXPECT_TRUE(p.layout.layout.sp);
    EXPECT_LE(p.layout.layout.pp, 4);
    EXPECT_EQ(p.recompute, Recompute::kSelective);
    EXPECT_EQ(p.zero, 1);
    EXPECT_LE(p.micro_batch, 2);
    EXPECT_FALSE(p.overlap.overlap_grad_reduce);
    EXPECT_EQ(p.layout.layout.gpus, 64);
  }
  q.space.pp = 2;
  q.space.schedule = Schedule::kInterleaved;
  q.space.vpp = 4;
  q.space.dp = 8;
  const PlanResult fixed = plan_layouts(g, q);
  ASSERT_FALSE(fixed.best.empty());
  for (const PlannedLayout& p : fixed.best) {
    EXPECT_EQ(p.layout.layout.dp, 8);
    EXPECT_EQ(p.layout.layout.cp, 2);  // 64 = TP 2 · PP 2 · DP 8 · CP 2
    EXPECT_EQ(p.layout.layout.pp, 2);
    EXPECT_EQ(p.layout.layout.vpp, 4);
    EXPECT_EQ(p.layout.layout.schedule, Schedule::kInterleaved);
  }
}

TEST(PlanSearch, NeverReturnsALayoutThatDoesNotFit) {
  // Llama-3.1-70B on 64 H100s at 8k tokens: many layouts do not fit. Each returned layout's peak,
  // priced afresh, is within the capacity; a margin of 20 GiB moves the best to a smaller one.
  const Graph g = build_graph(load_preset("llama-3.1-70b"));
  PlanRequest q = request(64, 128);
  q.seq = 8192;
  q.top = 10;
  const PlanResult r = plan_layouts(g, q);
  ASSERT_FALSE(r.best.empty());
  EXPECT_LT(r.fit, r.evaluated);
  for (const PlannedLayout& p : r.best) {
    MemoryOptions o = q.options;
    o.recompute = p.recompute;
    o.zero_stage = p.zero;
    const LayoutTotals t = layout_totals(g, Workload{p.micro_batch, q.seq, 1}, o);
    EXPECT_EQ(layout_memory(t, p.layout).bounding_stage().peak(), p.peak);
    EXPECT_LE(p.peak, r.capacity);
  }
  q.memory_margin = Count{20} << 30;
  const PlanResult tight = plan_layouts(g, q);
  EXPECT_EQ(tight.capacity, r.capacity - (Count{20} << 30));
  EXPECT_LT(tight.fit, r.fit);
  for (const PlannedLayout& p : tight.best) EXPECT_LE(p.peak, tight.capacity);
}

TEST(PlanSearch, MoreGpusNeverMakeTheBestSlower) {
  // The global batch (256) divides over every data-parallel size here, so each layout of N GPUs
  // has a counterpart on 2N with twice the data-parallel ranks.
  const Graph g = build_graph(load_preset("llama-3-8b"));
  double previous = 0;
  for (const std::int64_t n : {8, 16, 32, 64, 128}) {
    PlanRequest q = request(n, 256);
    q.seq = 4096;
    const PlanResult r = plan_layouts(g, q);
    ASSERT_FALSE(r.best.empty()) << n;
    const double best = r.best.front().time.iteration_s;
    if (previous > 0) EXPECT_LE(best, previous) << n << " GPUs";
    previous = best;
  }
}

TEST(PlanSearch, ObjectivesAgreeAtOneGpuCountAndDifferOverSeveral) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  PlanRequest q = request(32, 256);
  q.seq = 4096;
  const PlanResult time = plan_layouts(g, q);
  q.objective = Objective::kTokensPerSecond;
  const PlanResult tokens = plan_layouts(g, q);
  q.objective = Objective::kCost;
  const PlanResult cost = plan_layouts(g, q);
  EXPECT_EQ(describe(time.best.front().layout), describe(tokens.best.front().layout));
  EXPECT_EQ(describe(time.best.front().layout), describe(cost.best.front().layout));
  // Over 8 and 64 GPUs: the fastest uses 64, the cheapest per token fewer (or the same
  // GPU-seconds).
  q.gpu_counts = {8, 64};
  q.objective = Objective::kTime;
  const PlanResult fastest = plan_layouts(g, q);
  q.objective = Objective::kCost;
  const PlanResult cheapest = plan_layouts(g, q);
  EXPECT_EQ(fastest.best.front().layout.layout.gpus, 64);
  const auto gpu_seconds = [](const PlannedLayout& p) {
    return static_cast<double>(p.layout.layout.gpus) * p.time.iteration_s;
  };
  EXPECT_LE(gpu_seconds(cheapest.best.front()), gpu_seconds(fastest.best.front()));
  // The objective: GPU-seconds per token, ranked to five significant digits.
  const double per_token = gpu_seconds(cheapest.best.front()) / (256.0 * 4096);
  EXPECT_NEAR(cheapest.best.front().objective, per_token, 5e-5 * per_token);
}

TEST(PlanSearch, NothingValidNamesTheReason) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  PlanRequest q = request(24, 64);
  q.space.tp = 3;
  try {
    (void)plan_layouts(g, q);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("attention heads 32 are not divisible by --tp 3"),
              std::string::npos)
        << e.what();
  }
}

TEST(PlanSearch, RefusesImpossibleRequestsWithEveryProblem) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  PlanRequest q = request(8, 0);
  q.space.tp = 0;
  q.space.micro_batch = -2;
  q.space.max_pp = -1;
  q.space.zero_stages = {4};
  q.top = 0;
  try {
    (void)plan_layouts(g, q);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string m = e.what();
    for (const char* part : {"--global-batch 0", "--top 0", "--tp 0", "--micro-batch -2",
                             "--max-pp -1", "--zero 4: ZeRO stages are 0 to 3"}) {
      EXPECT_NE(m.find(part), std::string::npos) << part << " in: " << m;
    }
  }
}

TEST(PlanSearch, NothingFitsReportsTheSmallestPeak) {
  const Graph g = build_graph(load_preset("llama-3.1-405b"));
  PlanRequest q = request(8, 8);
  q.seq = 8192;
  const PlanResult r = plan_layouts(g, q);
  EXPECT_TRUE(r.best.empty());
  EXPECT_EQ(r.fit, 0);
  ASSERT_TRUE(r.smallest.has_value());
  EXPECT_GT(r.smallest->peak, r.capacity);
  EXPECT_GT(r.valid, 0);
}

}  // namespace
}  // namespace tsize
