// Step time — how long one training iteration takes on a cluster, for any parallel layout, and
// where the time goes: each GEMM at its shape's efficiency, attention kernels, memory-bound
// kernels at achievable bandwidth, the collectives each layout needs on the tier its group
// spans (exposed, or hidden under compute as Megatron-Core overlaps them), the pipeline bubble
// and the optimizer step.
//
// Split in two like layout_memory.hpp: step_totals() walks the graph once per model, workload
// and recipe into per-block work (GEMM shapes, attention shapes, streamed bytes, message bytes
// per token); step_time() prices a layout by arithmetic on those totals, for the layout search.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tsize/clusters.hpp"
#include "tsize/collectives.hpp"
#include "tsize/graph.hpp"
#include "tsize/layout.hpp"
#include "tsize/layout_memory.hpp"
#include "tsize/memory.hpp"
#include "tsize/workload.hpp"

namespace tsize {

// Megatron-Core's overlap options (all off by default, as in Megatron-LM's arguments).
struct StepOptions {
  bool overlap_grad_reduce = false;   // --overlap-grad-reduce: gradients reduced during backward
  bool overlap_param_gather = false;  // --overlap-param-gather: updated weights gathered during
                                      // the next forward (distributed optimizer)
  bool tp_comm_overlap = false;       // --tp-comm-overlap: TP collectives pipelined with GEMMs
                                      // (Transformer Engine: a TP group inside one node only)
};

// How a GEMM's dimensions split over a layout's ranks (shard_rules.hpp's ParamSplit, with the
// side a tensor-parallel split takes).
enum class GemmSplit : std::uint8_t {
  kNone,          // replicated: the whole GEMM on every rank
  kColumn,        // output features ÷ T
  kRow,           // input features ÷ T
  kVocab,         // output features: the padded vocabulary ÷ T
  kExpertColumn,  // a routed expert: output features ÷ ETP, its tokens
  kExpertRow,     // input features ÷ ETP
};

struct GemmTerm {
  GemmSplit split = GemmSplit::kNone;
  Rows rows = Rows::kTokens;
  std::int64_t n = 0, k = 0;  // output and input features, unsplit
};

// One attention core: heads and the (query, key) pairs its kernel computes per sequence.
struct AttentionTerm {
  std::int64_t heads = 0, qk_dim = 0, v_dim = 0;
  Count pairs = 0;  // per head and sequence: s² eager (masked after), causal pairs fused
};

// A memory-bound op (norm, activation, residual add, dropout, loss, ...): the bytes its forward
// kernel reads and writes per micro-batch, split over ranks as its saved tensors are.
struct StreamTerm {
  SavedSplit split = SavedSplit::kSequence;
  double forward = 0;   // bytes of its forward kernel
  double backward = 0;  // of its backward kernel (0: no backward kernel)
};

// One instance of a block's work per micro-batch, before a layout splits it.
struct BlockWork {
  std::int64_t repeat = 1;
  bool layer = false, before_layers = false;
  std::vector<GemmTerm> gemms;
  std::vector<AttentionTerm> attention;
  // Memory-bound ops: the bytes each reads and writes in the forward, per micro-batch.
  std::vector<StreamTerm> streams;
  // Tensor-parallel regions, each a buffer of the rank's tokens × d_model: the entry of a
  // column-parallel region (its input, reduced in backward: q/k/v, the MLP's inputs, lm_head)
  // and the exit of a row-parallel one (its output, reduced in forward: o_proj, down_proj, the
  // vocabulary-parallel embedding).
  int tp_entries = 0, tp_exits = 0;
  int tp_scalars = 0;  // all-reduces of one fp32 per token (the vocab-parallel loss's max, sum)
  double expert_dispatch = 0;  // bytes each token's slots carry to the experts (k·h·bytes)
  int routes = 0;              // all-to-alls per forward (dispatch and combine)
  double kv_per_token = 0;     // K and V bytes per token, all heads (context parallelism's ring)
  double tied_vocab_row = 0;   // a tied head's row (h): its gradient all-reduced over P's ends
};

struct StepTotals {
  LayoutTotals memory;  // the layout memory model's totals (peak, stage parameters)
  std::vector<BlockWork> blocks;
  std::int64_t batch = 1, seq = 1, d_model = 0, vocab = 0;
  std::int64_t routed_experts = 0, experts_per_token = 1;
  Dtype gemm_dtype = Dtype::kBf16;  // the GEMMs' peak (FP8: Transformer Engine's layers)
  Dtype peak_dtype = Dtype::kBf16;  // MFU's denominator
  double activation_bytes = 2;      // bytes per activation element (messages)
  bool eager_attention = true;
  double dropout = 0;
  Recompute recompute = Recompute::kNone;
  StateBytes states{};  // per parameter: weights, gradients, master, optimizer
  double model_flops_per_sequence = 0, hardware_flops_per_sequence = 0;
};

// Walks the graph once. REQUIRES: w resolved. Throws Error as layout_totals.
StepTotals step_totals(const Graph& graph, const Workload& w, const MemoryOptions& o,
                       AttentionFlops mfu_attention);

// Seconds of one collective kind, split into the part compute hides and the part it exposes.
struct Overlapped {
  double total = 0, exposed = 0;
};

// Compute seconds by op class, and the time the GPU waits for the host to issue small kernels.
struct ComputeTime {
  double gemm = 0, attention = 0, memory_bound = 0;
  double host = 0;  // launch-bound: each op's wait for the host to issue it, beyond its GPU time
  double total() const { return gemm + attention + memory_bound + host; }
};

// Whose figure a prediction leans on most: the term whose error would move it most.
enum class Uncertainty : std::uint8_t {
  kGemmEfficiency,
  kAttentionKernel,
  kBandwidth,
  kHostOverhead,
  kIntraNode,
  kInterNode,
};
std::string_view describe(Uncertainty u);

struct StepTime {
  double iteration_s = 0;
  double tokens_per_s = 0;
  double mfu = 0, hfu = 0;
  std::int64_t bounding_stage = 0;  // the stage whose time bounds the pipeline
  std::int64_t micro_batches = 1;
  // One iteration on the bounding stage's GPU:
  ComputeTime forward, backward, recompute;
  Overlapped tp, cp, ep, pp, dp, zero_gather, param_gather;
  double bubble = 0;
  double optimizer = 0;
  Uncertainty largest_uncertainty = Uncertainty::kGemmEfficiency;
  double uncertain_seconds = 0;   // that term's seconds
  bool tp_crosses_nodes = false;  // a TP group larger than a node runs over the network

  // Every collective's seconds that compute does not hide.
  double exposed_communication() const {
    return tp.exposed + cp.exposed + ep.exposed + pp.exposed + dp.exposed + zero_gather.exposed +
           param_gather.exposed;
  }
};

// Prices a layout. REQUIRES: r resolved against the totals' model and workload. Throws Error
// when the cluster's GPU has no kernel model or no tensor rate for the recipe's dtype, or the
// cluster cannot hold the layout's GPUs (check_cluster_size).
StepTime step_time(const StepTotals& t, const ResolvedLayout& r, const ClusterSpec& cluster,
                   const StepOptions& o);

// ---- The same in three parts, for the layout search ----
// Throws Error when step_time cannot price any layout of these totals on this cluster (no kernel
// model, no tensor rate for the recipe's dtype).
void check_step_model(const StepTotals& t, const ClusterSpec& cluster);

// One instance of a block on one rank, per micro-batch.
struct BlockTime {
  ComputeTime fwd, bwd, recompute;
  double tp_fwd = 0, tp_bwd = 0, ep = 0, cp_fwd = 0, cp_bwd = 0;  // collectives' seconds
};

// What a rank computes per micro-batch under a layout's shard (T, SP, C, E, ETP): every kernel
// and every collective inside a pipeline stage. Pipeline and data-parallel choices, ZeRO and the
// overlap options leave it as it is.
struct ShardTime {
  std::array<BlockTime, 8> blocks{};  // by block of the totals
  std::int64_t tokens = 0;            // GEMM rows: b·s / C
  std::int64_t vocab_rows = 0;        // padded vocabulary ÷ T
  GroupSpan tp, ep;
};
// REQUIRES: check_step_model(t, cluster); l's shard valid for the totals' model (resolve_layout).
ShardTime shard_time(const StepTotals& t, const Layout& l, const ClusterSpec& cluster);

// step_time from a shard's time and the stages' parameters (stage_params(t.memory, r, …)):
// arithmetic only. REQUIRES: r's shard is the one `shard` was computed for, r.layout.gpus fits
// the cluster (check_cluster_size).
StepTime step_time(const StepTotals& t, const ShardTime& shard,
                   const std::vector<RankParams>& stage_params, const ResolvedLayout& r,
                   const ClusterSpec& cluster, const StepOptions& o);

}  // namespace tsize
