// Step time: the kernel, collective and pipeline models against their derivations, and the
// whole step against the measured Megatron iterations of tests/data/vtrain/ (the calibration
// set: 1,440 iterations on one node of 2-8 A100s, vTrain, MICRO 2024).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <tuple>

#include "test_util.hpp"
#include "tsize/clusters.hpp"
#include "tsize/collectives.hpp"
#include "tsize/error.hpp"
#include "tsize/flops.hpp"
#include "tsize/kernel_time.hpp"
#include "tsize/presets.hpp"
#include "tsize/step_time.hpp"

namespace tsize {
namespace {

// One measured row of ground_truth_single.csv.
struct VtrainRow {
  std::int64_t gpus, global_batch, micro_batch, hidden, heads, layers, seq, tp, dp, pp;
  double ms;
};

std::vector<VtrainRow> vtrain_rows() {
  std::ifstream in(test::data_path("vtrain/ground_truth_single.csv"));
  std::string line;
  std::getline(in, line);  // header
  std::vector<VtrainRow> rows;
  while (std::getline(in, line)) {
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream s(line);
    VtrainRow r{};
    s >> r.gpus >> r.global_batch >> r.micro_batch >> r.hidden >> r.heads >> r.layers >> r.seq >>
        r.tp >> r.dp >> r.pp >> r.ms;
    if (s) rows.push_back(r);
  }
  return rows;
}

// The vTrain runs as their source states them (tests/data/vtrain/README.md): Megatron's GPT
// (GPT-2's architecture: learned positions, LayerNorm, GELU MLP of 4h, tied embeddings, the
// 50,257-token vocabulary), fp16 with fp32 master weights, Megatron's eager attention with its
// fused softmax, dropout 0.1 (Megatron's default), full recomputation, 1F1B, no bucketing.
double predict_ms(const VtrainRow& row, const ClusterSpec& cluster) {
  ModelSpec spec = load_preset("gpt2");
  spec.d_model = row.hidden;
  spec.n_heads = row.heads;
  spec.n_kv_heads = row.heads;
  spec.d_head = row.hidden / row.heads;
  spec.d_ff = 4 * row.hidden;
  spec.n_layers = row.layers;
  spec.max_positions = row.seq;
  const Graph g = build_graph(spec);
  Workload w;
  w.batch = row.micro_batch;
  w.seq = row.seq;
  w = resolve_workload(g.spec, w);
  MemoryOptions o;
  o.precision = Precision::kMixedFp16;
  o.optimizer = Optimizer::kAdam;
  o.runtime = Runtime::kMegatron;
  o.kernels.attention = AttentionImpl::kEager;
  o.recompute = Recompute::kFull;
  o.dropout = 0.1;
  Layout l;
  l.tp = row.tp;
  l.pp = row.pp;
  l.dp = row.dp;
  l.global_batch = row.global_batch;
  const ResolvedLayout r = resolve_layout(g.spec, w, l, true);
  const StepTotals t = step_totals(g, w, o, AttentionFlops::kFull);
  return step_time(t, r, cluster, {}).iteration_s * 1e3;
}

// The calibration set: every measured iteration. The model's host time per op (the one figure
// fitted to these rows, docs/time-vs-measured.md) gives a mean error of 6.3 %, a largest of
// 39.4 % and 84 % of rows within 10 %; the bounds below hold that result so a change that
// worsens it fails.
TEST(StepTime, VtrainCalibrationSet) {
  const ClusterSpec& cluster = find_cluster("dgx-a100");
  const std::vector<VtrainRow> rows = vtrain_rows();
  ASSERT_EQ(rows.size(), 1440U);
  double sum = 0, worst = 0;
  std::size_t within10 = 0;
  for (const VtrainRow& row : rows) {
    const double predicted = predict_ms(row, cluster);
    const double error = std::abs(predicted - row.ms) / row.ms;
    sum += error;
    worst = std::max(worst, error);
    if (error <= 0.10) ++within10;
    if (std::getenv("TSIZE_VTRAIN_DUMP") != nullptr) {
      std::printf("%ld %ld %ld %ld %ld %ld %ld %ld %.2f %.2f %+.3f\n", row.gpus, row.global_batch,
                  row.micro_batch, row.hidden, row.layers, row.tp, row.dp, row.pp, row.ms,
                  predicted, (predicted - row.ms) / row.ms);
    }
  }
  const double mean = sum / static_cast<double>(rows.size());
  std::printf("vtrain: mean |error| %.2f %%, max %.2f %%, within 10 %%: %zu of %zu\n", 100 * mean,
              100 * worst, within10, rows.size());
  EXPECT_LT(mean, 0.065);
  EXPECT_LT(worst, 0.41);
  EXPECT_GE(within10, 1190U);  // 83 %
}

// Spearman's rank correlation of two equally long lists (average ranks for ties).
double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  auto ranks = [](const std::vector<double>& v) {
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t i, std::size_t j) { return v[i] < v[j]; });
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < order.size();) {
      std::size_t j = i;
      while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
      for (std::size_t k = i; k <= j; ++k) r[order[k]] = (static_cast<double>(i + j) / 2) + 1;
      i = j + 1;
    }
    return r;
  };
  const std::vector<double> x = ranks(a), y = ranks(b);
  const double n = static_cast<double>(x.size()), mean = (n + 1) / 2;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mean) * (y[i] - mean);
    sxx += (x[i] - mean) * (x[i] - mean);
    syy += (y[i] - mean) * (y[i] - mean);
  }
  return sxy / std::sqrt(sxx * syy);
}

// The layout search ranks layouts by this model: within each model, GPU count and global batch
// of the calibration set, the layouts (TP, PP, DP, micro-batch) measured against predicted.
// Spearman's ρ per group and whether the measured best is among the predicted three best.
TEST(StepTime, VtrainRanksLayoutsOfOneModel) {
  const ClusterSpec& cluster = find_cluster("dgx-a100");
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t>,
           std::pair<std::vector<double>, std::vector<double>>>
      groups;  // (gpus, global batch, hidden, layers, seq) → (measured, predicted)
  for (const VtrainRow& row : vtrain_rows()) {
    auto& g = groups[{row.gpus, row.global_batch, row.hidden, row.layers, row.seq}];
    g.first.push_back(row.ms);
    g.second.push_back(predict_ms(row, cluster));
  }
  double sum = 0, worst = 1;
  std::size_t n = 0, best_in_top3 = 0, above_09 = 0;
  for (const auto& [key, g] : groups) {
    const auto& [measured, predicted] = g;
    if (measured.size() < 5) continue;
    const double rho = spearman(measured, predicted);
    sum += rho;
    worst = std::min(worst, rho);
    above_09 += rho >= 0.9 ? 1 : 0;
    ++n;
    const std::size_t best = static_cast<std::size_t>(
        std::min_element(measured.begin(), measured.end()) - measured.begin());
    std::size_t faster = 0;  // layouts predicted faster than the measured best
    for (const double p : predicted) faster += p < predicted[best] ? 1 : 0;
    if (faster < 3) ++best_in_top3;
  }
  const double mean = sum / static_cast<double>(n);
  std::printf(
      "vtrain ranking: %zu groups of 5+ layouts, mean rho %.3f, lowest %.3f, rho >= 0.9 in "
      "%zu, measured best in predicted top 3: %zu\n",
      n, mean, worst, above_09, best_in_top3);
  // 96 groups: mean ρ 0.933, lowest 0.619, ρ ≥ 0.9 in 81, the measured best in the predicted
  // three best in 84 (docs/time-vs-measured.md). The bounds hold that result.
  ASSERT_EQ(n, 96U);
  EXPECT_GT(mean, 0.92);
  EXPECT_GT(worst, 0.6);
  EXPECT_GE(best_in_top3, 84U);
  EXPECT_GE(above_09, 81U);
}

nlohmann::json kernel_data(const std::string& name) {
  return nlohmann::json::parse(test::read_file(test::data_path("kernels/" + name)));
}

// cuBLAS's measured throughput at each shape against gemm_seconds (the GEMM model's three
// figures were fitted to the A100 rows, Blackwell's efficiency to the B200 rows; the H200 FP8
// rows test Hopper's FP8 figure).
TEST(KernelTime, GemmAgainstCublas) {
  for (const char* file : {"azure-a100.json", "azure-h200.json", "pyptx-b200.json"}) {
    const nlohmann::json d = kernel_data(file);
    const Gpu& gpu = find_gpu(d["gpu"].get<std::string>());
    const Dtype dtype = parse_choice<Dtype>(d["gemm_dtype"].get<std::string>());
    double sum = 0;
    for (const auto& row : d["gemm"]) {
      const GemmShape g{row[0].get<std::int64_t>(), row[1].get<std::int64_t>(),
                        row[2].get<std::int64_t>(), 1};
      const double flops =
          2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
      const double model = flops / gemm_seconds(g, dtype, gpu) / 1e12;
      const double error = std::abs(model - row[3].get<double>()) / row[3].get<double>();
      EXPECT_LT(error, 0.30) << file << " " << g.m << "×" << g.n << "×" << g.k << ": model "
                             << model << " TFLOP/s";
      sum += error;
    }
    EXPECT_LT(sum / static_cast<double>(d["gemm"].size()), 0.10) << file;
  }
}

// nccl-tests' all-reduce bus bandwidth from 1 KiB to 8 GiB on 8 GPUs of one node against
// collective_seconds: busbw = 2(n−1)/n · bytes / time (nccl-tests PERFORMANCE.md).
TEST(Collectives, AllReduceAgainstNcclTests) {
  for (const char* file : {"azure-a100.json", "azure-h200.json"}) {
    const nlohmann::json d = kernel_data(file);
    const ClusterSpec& cluster = find_cluster(d["cluster"].get<std::string>());
    const std::int64_t n = d["all_reduce_ranks"].get<std::int64_t>();
    const GroupSpan span = group_span(n, 1, cluster.gpus_per_node);
    ASSERT_FALSE(span.crosses_nodes());
    double sum = 0;
    for (const auto& row : d["all_reduce"]) {
      const double bytes = row[0].get<double>();
      const double measured = 2.0 * (n - 1) / n * bytes / (row[1].get<double>() * 1e9);
      const double model = collective_seconds(Collective::kAllReduce, bytes, span, cluster);
      const double error = std::abs(model - measured) / measured;
      EXPECT_LT(error, 0.25) << file << " " << bytes << " B: model " << model * 1e6
                             << " µs, measured " << measured * 1e6;
      sum += error;
    }
    EXPECT_LT(sum / static_cast<double>(d["all_reduce"].size()), 0.06) << file;
  }
}

// Where a group sits: TP (stride 1) inside a node; DP of stride 8 one member per node.
TEST(Collectives, GroupSpans) {
  EXPECT_EQ(group_span(8, 1, 8).nodes, 1);
  EXPECT_EQ(group_span(16, 1, 8).nodes, 2);  // TP 16 over 8-GPU nodes: two nodes
  EXPECT_EQ(group_span(16, 1, 8).per_node, 8);
  const GroupSpan dp = group_span(32, 8, 8);
  EXPECT_EQ(dp.per_node, 1);
  EXPECT_EQ(dp.nodes, 32);
  const GroupSpan mixed = group_span(8, 2, 8);  // TP 2 then DP 8: 4 members per node
  EXPECT_EQ(mixed.per_node, 4);
  EXPECT_EQ(mixed.nodes, 2);
}

// NCCL's conventions, exactly: one rank moves nothing; inside a node an all-reduce is the base
// latency, 2(n−1) hops and 2(n−1)/n of the buffer plus the ring's fill at the bus bandwidth; an
// all-gather half the hops and half the bytes.
TEST(Collectives, RingFormulas) {
  const ClusterSpec& c = find_cluster("dgx-h100");
  EXPECT_EQ(collective_seconds(Collective::kAllReduce, 1e9, group_span(1, 1, 8), c), 0);
  const double bytes = 256.0 * 1024 * 1024, n = 8;
  const double bw = c.intra.bandwidth * c.intra.efficiency;
  const double fill = std::min(c.intra.pipeline_bytes, bytes / n);
  const GroupSpan g = group_span(8, 1, 8);
  EXPECT_DOUBLE_EQ(collective_seconds(Collective::kAllReduce, bytes, g, c),
                   8.4e-6 + 2 * (n - 1) * c.intra.latency_s +
                       (2 * (n - 1) / n * bytes + 2 * (n - 1) * fill) / bw);
  EXPECT_DOUBLE_EQ(
      collective_seconds(Collective::kAllGather, bytes, g, c),
      8.4e-6 + (n - 1) * c.intra.latency_s + ((n - 1) / n * bytes + (n - 1) * fill) / bw);
  // Across nodes the bottleneck is the members' NICs: one member per node gets one NIC.
  const GroupSpan dp = group_span(16, 8, 8);
  const double across = collective_seconds(Collective::kAllReduce, bytes, dp, c);
  EXPECT_GT(across, 2 * (16 - 1) / 16.0 * bytes / c.inter_bandwidth_per_gpu());
}

// Flags replace catalog figures (a bandwidth from flags is NCCL's bus bandwidth: efficiency 1)
// and every bad value is reported at once.
TEST(Clusters, OverridesReplaceFiguresAndCollectProblems) {
  ClusterOverrides o;
  o.gpu = "A100-40GB";
  o.intra_gb_per_s = 200;
  o.nics = 4;
  const ClusterSpec c = override_cluster(find_cluster("dgx-h100"), o);
  EXPECT_EQ(c.gpu.name, "A100-40GB");
  EXPECT_DOUBLE_EQ(c.intra.bandwidth * c.intra.efficiency, 200e9);
  EXPECT_EQ(c.inter.links, 4);
  EXPECT_DOUBLE_EQ(c.inter_bandwidth_per_gpu(), 50e9 * 0.94 * 4 / 8);
  EXPECT_TRUE(c.overridden);
  ClusterOverrides bad;
  bad.intra_gb_per_s = 0;
  bad.inter_latency_us = -1;
  bad.gpus_per_node = 0;
  try {
    override_cluster(find_cluster("dgx-h100"), bad);
    FAIL() << "accepted bad figures";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("--intra-node-gbps 0"), std::string::npos) << m;
    EXPECT_NE(m.find("--inter-node-latency-us -1"), std::string::npos) << m;
    EXPECT_NE(m.find("--gpus-per-node 0"), std::string::npos) << m;
  }
  // A one-node system gains a network from flags.
  ClusterOverrides network;
  network.inter_gb_per_s = 25;
  network.max_gpus = 16;
  const ClusterSpec joined = override_cluster(find_cluster("workstation-4x4090"), network);
  EXPECT_TRUE(joined.inter.present());
  EXPECT_NO_THROW(check_cluster_size(joined, 8));
  EXPECT_THROW(check_cluster_size(find_cluster("workstation-4x4090"), 8), Error);
}

// The tokens a step processes over its time, and MFU from the exact model FLOPs.
struct MegatronRun {
  Graph graph;
  Workload w;
  MemoryOptions o;
};

MegatronRun megatron_run(const char* preset, std::int64_t batch, std::int64_t seq) {
  MegatronRun r{build_graph(load_preset(preset)), {}, {}};
  r.w.batch = batch;
  r.w.seq = seq;
  r.w = resolve_workload(r.graph.spec, r.w);
  r.o.precision = Precision::kMixedBf16Fp32Grads;
  r.o.runtime = Runtime::kMegatron;
  return r;
}

StepTime time_of(const MegatronRun& r, Layout l, const char* cluster = "dgx-h100",
                 StepOptions so = {}) {
  const ResolvedLayout rl = resolve_layout(r.graph.spec, r.w, l, false);
  return step_time(step_totals(r.graph, r.w, r.o, AttentionFlops::kCausal), rl,
                   find_cluster(cluster), so);
}

TEST(StepTime, ThroughputAndMfuFollowFromTheIteration) {
  const MegatronRun r = megatron_run("llama-3-8b", 1, 4096);
  Layout l;
  l.tp = 2;
  l.gpus = 16;
  l.global_batch = 64;
  const StepTime t = time_of(r, l);
  EXPECT_DOUBLE_EQ(t.tokens_per_s, 64.0 * 4096 / t.iteration_s);
  const FlopCounts f = count_flops(r.graph, r.w, {AttentionFlops::kCausal, Recompute::kNone});
  const double peak = 989.4e12 * 16;
  EXPECT_NEAR(t.mfu, to_double(f.model) * 64 / (t.iteration_s * peak), 1e-12);
  EXPECT_EQ(t.micro_batches, 8);  // 64 / (1 · DP 8)
  EXPECT_GT(t.mfu, 0.2);
  EXPECT_LT(t.mfu, 0.8);
}

// Megatron's tensor-parallel collectives, counted: without SP each layer all-reduces its
// attention and MLP outputs forward and their inputs' gradients backward (4 all-reduces), the
// vocabulary-parallel embedding its output forward, lm_head its input's gradient backward, and
// the vocab-parallel loss three fp32 values per token forward (Shoeybi et al. 2019 §3).
TEST(StepTime, TensorParallelCollectivesCounted) {
  const MegatronRun r = megatron_run("gpt2", 2, 1024);
  Layout l;
  l.tp = 2;
  l.gpus = 2;
  l.global_batch = 4;
  const StepTime t = time_of(r, l);
  const ClusterSpec& c = find_cluster("dgx-h100");
  const GroupSpan tp = group_span(2, 1, 8);
  const double buffer = 2.0 * 1024 * 768 * 2;  // b·s·h bf16
  const double ar = collective_seconds(Collective::kAllReduce, buffer, tp, c);
  const double scalar = collective_seconds(Collective::kAllReduce, 2.0 * 1024 * 4, tp, c);
  EXPECT_EQ(t.micro_batches, 2);
  EXPECT_NEAR(t.tp.total, 2 * (12 * 4 * ar + 2 * ar + 3 * scalar), 1e-12);
  // With SP, per region: forward an all-gather (entry) and a reduce-scatter (exit); backward a
  // reduce-scatter and the input's all-gather again (entry), an all-gather (exit).
  l.sp = true;
  const StepTime sp = time_of(r, l);
  const double ag = collective_seconds(Collective::kAllGather, buffer, tp, c);
  const double rs = collective_seconds(Collective::kReduceScatter, buffer, tp, c);
  EXPECT_NEAR(sp.tp.total,
              2 * (12 * 2 * (3 * ag + 2 * rs) + (rs + ag) + (ag + rs + ag) + 3 * scalar), 1e-12);
}

// Interleaving shrinks the bubble by V with the same micro-batches (Narayanan et al. 2021
// §2.2.1: (P − 1)/(V·m) of the ideal); GPipe and 1F1B run the same bubble.
TEST(StepTime, PipelineBubbles) {
  const MegatronRun r = megatron_run("llama-3-8b", 1, 4096);
  Layout l;
  l.tp = 2;
  l.pp = 4;
  l.gpus = 64;
  l.global_batch = 64;
  const StepTime one = time_of(r, l);
  l.schedule = Schedule::kGPipe;
  const StepTime gpipe = time_of(r, l);
  EXPECT_DOUBLE_EQ(gpipe.bubble, one.bubble);
  l.schedule = Schedule::kInterleaved;
  l.vpp = 2;
  const StepTime interleaved = time_of(r, l);
  EXPECT_GT(one.bubble, 0);
  EXPECT_NEAR(interleaved.bubble, one.bubble / 2, one.bubble * 0.05);
  EXPECT_LT(interleaved.iteration_s, one.iteration_s);
}

// Megatron-Core's overlap options only ever hide communication, and hide some of it here.
TEST(StepTime, OverlapHidesCommunication) {
  const MegatronRun r = megatron_run("llama-3-8b", 1, 4096);
  Layout l;
  l.tp = 8;
  l.gpus = 256;
  l.global_batch = 256;
  const StepTime plain = time_of(r, l);
  StepOptions so;
  so.overlap_grad_reduce = true;
  so.tp_comm_overlap = true;
  const StepTime overlapped = time_of(r, l, "dgx-h100", so);
  EXPECT_LT(overlapped.dp.exposed, plain.dp.exposed);
  EXPECT_LT(overlapped.tp.exposed, plain.tp.exposed);
  EXPECT_DOUBLE_EQ(overlapped.dp.total, plain.dp.total);
  EXPECT_LT(overlapped.iteration_s, plain.iteration_s);
}

// A TP group wider than a node runs over the network: said, and slower.
TEST(StepTime, TensorParallelAcrossNodes) {
  const MegatronRun r = megatron_run("gpt3-175b", 1, 2048);
  Layout l;
  l.tp = 16;
  l.gpus = 16;
  l.global_batch = 16;
  const StepTime wide = time_of(r, l);
  EXPECT_TRUE(wide.tp_crosses_nodes);
  l.tp = 8;
  l.dp = 2;
  l.gpus = 0;
  const StepTime narrow = time_of(r, l);
  EXPECT_FALSE(narrow.tp_crosses_nodes);
  EXPECT_GT(wide.tp.total, narrow.tp.total);
  // --tp-comm-overlap hides TP collectives under the GEMMs inside a node only (Transformer
  // Engine's userbuffers, TE issue #1071).
  l.sp = true;
  const StepOptions overlap{false, false, true};
  const StepTime narrow_overlap = time_of(r, l, "dgx-h100", overlap);
  EXPECT_LT(narrow_overlap.tp.exposed, narrow_overlap.tp.total);
  l.tp = 16;
  l.dp = 0;
  l.gpus = 16;
  const StepTime wide_overlap = time_of(r, l, "dgx-h100", overlap);
  EXPECT_DOUBLE_EQ(wide_overlap.tp.exposed, wide_overlap.tp.total);
}

// Recomputation costs its forward again: HFU above MFU, a longer iteration.
TEST(StepTime, RecomputeCostsAForward) {
  MegatronRun r = megatron_run("llama-3-8b", 1, 4096);
  Layout l;
  l.gpus = 8;
  l.global_batch = 8;
  const StepTime none = time_of(r, l);
  r.o.recompute = Recompute::kFull;
  const StepTime full = time_of(r, l);
  EXPECT_GT(full.recompute.total(), 0.8 * none.forward.total() - full.forward.host);
  EXPECT_GT(full.iteration_s, none.iteration_s);
  EXPECT_GT(full.hfu, full.mfu);
  EXPECT_DOUBLE_EQ(none.hfu, none.mfu);
}

// Experts: an all-to-all per dispatch and combine when E > 1.
TEST(StepTime, ExpertParallelAllToAll) {
  MegatronRun r = megatron_run("mixtral-8x7b", 1, 4096);
  Layout l;
  l.tp = 2;
  l.sp = true;
  l.ep = 4;
  l.gpus = 64;
  l.global_batch = 64;
  const StepTime t = time_of(r, l);
  EXPECT_GT(t.ep.total, 0);
  EXPECT_DOUBLE_EQ(t.ep.total, t.ep.exposed);
}

// Context parallelism's ring passes K and V under the attention kernels: at 32k tokens the
// attention of a chunk outlasts its exchange, so little is exposed.
TEST(StepTime, ContextParallelHidesUnderAttention) {
  const MegatronRun r = megatron_run("llama-3.1-70b", 1, 32768);
  Layout l;
  l.tp = 8;
  l.sp = true;
  l.cp = 4;
  l.pp = 4;
  l.gpus = 128;
  l.global_batch = 32;
  const StepTime t = time_of(r, l);
  EXPECT_GT(t.cp.total, 0);
  EXPECT_LT(t.cp.exposed, 0.5 * t.cp.total);
}

// ZeRO-3 gathers each layer's weights forward and backward and scatters its gradients, hidden
// under the layers' compute but the first; no distributed-optimizer tail.
TEST(StepTime, ZeroThreeGathersUnderCompute) {
  MegatronRun r = megatron_run("llama-3-8b", 1, 8192);
  r.o.zero_stage = 3;
  Layout l;
  l.gpus = 64;
  l.global_batch = 64;
  const StepTime t = time_of(r, l);
  EXPECT_GT(t.zero_gather.total, 0);
  EXPECT_LT(t.zero_gather.exposed, t.zero_gather.total);
  EXPECT_EQ(t.dp.total, 0);
  EXPECT_EQ(t.param_gather.total, 0);
}

TEST(StepTime, RefusesAGpuWithoutItsPeak) {
  MegatronRun r = megatron_run("gpt2", 1, 1024);
  r.o.precision = Precision::kFp8;
  Layout l;
  l.gpus = 8;
  EXPECT_THROW(time_of(r, l, "dgx-a100"), Error);  // A100 has no FP8 tensor rate
}

}  // namespace
}  // namespace tsize
