#include "tsize/step_time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "tsize/activations.hpp"
#include "tsize/collectives.hpp"
#include "tsize/error.hpp"
#include "tsize/flops.hpp"
#include "tsize/kernel_time.hpp"
#include "tsize/shard_rules.hpp"

namespace tsize {
namespace {

double d(std::int64_t v) { return static_cast<double>(v); }
std::size_t at(auto e) { return static_cast<std::size_t>(e); }
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// A flash kernel's backward does 2.5× its forward's FLOPs (it recomputes the scores: Dao 2023,
// arXiv:2307.08691 §3.2 counts forward 4·s²·d·h and backward 10·s²·d·h per sequence, non-causal).
constexpr double kFlashBackwardFlops = 2.5;

// Relative error of each term, from the spread of the measurements its figure comes from:
// GEMMs within 10 % of the cuBLAS model on the calibration set, flash kernels' fraction of
// peak varying 20 % with head size and sequence, streaming kernels 15 %, the host's issue time
// (its CPU, Python and PyTorch versions) a factor of two, NCCL's bus bandwidth 20 % inside a node
// and 30 % across nodes.
constexpr std::array<double, 6> kRelativeError{0.10, 0.20, 0.15, 0.5, 0.2, 0.3};

// ---- step_totals: one walk ----

GemmSplit gemm_split(const Op& op, const ShardRule& rule) {
  switch (rule.params) {
    case ParamSplit::kReplicated:
      return GemmSplit::kNone;
    case ParamSplit::kTensor:
      return rule.bias_split ? GemmSplit::kColumn : GemmSplit::kRow;
    case ParamSplit::kVocab:
      return GemmSplit::kVocab;
    case ParamSplit::kExpert:
      return op.role == Role::kMlpDown ? GemmSplit::kExpertRow : GemmSplit::kExpertColumn;
  }
  return GemmSplit::kNone;
}

struct ElementBytes {
  double compute, residual, index = 8;
  double of(TensorDtype t) const {
    switch (t) {
      case TensorDtype::kResidual:
      case TensorDtype::kNormOutput:
        return residual;
      case TensorDtype::kCompute:
        return compute;
      case TensorDtype::kIndex:
        return index;
    }
    return compute;
  }
};

// Elements of a tensor per micro-batch of b sequences of s tokens (k routed slots per token).
double tensor_elements(const Tensor& t, std::int64_t b, std::int64_t s, std::int64_t k) {
  double rows = d(b) * d(s);
  switch (t.rows) {
    case Rows::kTokens:
      break;
    case Rows::kRoutedTokens:
      rows *= d(k);
      break;
    case Rows::kFirstTokens:
      rows = d(b);
      break;
    case Rows::kPositions:
      rows = d(s);
      break;
  }
  return rows * d(t.width[0].size) * d(t.width[1].size);
}

// A memory-bound op's forward bytes: every tensor it reads and the tensors it writes.
double streamed_bytes(const Block& block, const Op& op, const Workload& w, std::int64_t k,
                      const ElementBytes& e) {
  double bytes = 0;
  for (const TensorList* list : {&op.inputs, &op.outputs}) {
    for (const TensorId id : *list) {
      const Tensor& t = block.tensors[static_cast<std::size_t>(id)];
      bytes += tensor_elements(t, w.batch, w.seq, k) * e.of(t.dtype);
    }
  }
  return bytes;
}

Dtype gemm_dtype(Precision p) {
  switch (p) {
    case Precision::kFp32:
      return Dtype::kFp32;
    case Precision::kAmpFp16:
    case Precision::kMixedFp16:
    case Precision::kMixedFp16Fp32Grads:
      return Dtype::kFp16;
    case Precision::kFp8:
      return Dtype::kFp8;
    default:
      return Dtype::kBf16;
  }
}

// The cross-entropy's kernels, bytes per logit (fp16/bf16 logits). Megatron's
// vocab_parallel_cross_entropy (megatron/core/tensor_parallel/cross_entropy.py) on
// output.float(): the cast (2 read + 4 written), max (4), subtract the max in place (8), exp in
// place (8), sum (4), divide in place (8); backward: the gradient scaled in place (8) and cast
// back (6). PyTorch's F.cross_entropy (transformers, nanoGPT): log_softmax in fp32 (cast 6,
// log_softmax 8); backward its gradient (12) and the cast back (6). A fused kernel (Liger,
// torch.compile): one pass over the logits each way (2 read + 2 written).
void add_loss(BlockWork& b, const Op& op, const Workload& w, const RuntimeKnobs& knobs) {
  const double logits = d(w.batch) * d(w.seq) * d(op.out);
  std::vector<std::pair<double, double>> kernels;  // forward, backward bytes per logit
  if (knobs.loss == LossImpl::kFused) {
    kernels = {{4, 4}};
  } else if (knobs.megatron_code) {
    kernels = {{6, 8}, {4, 6}, {8, 0}, {8, 0}, {4, 0}, {8, 0}};
  } else {
    kernels = {{6, 12}, {8, 6}};
  }
  for (const auto& [fwd, bwd] : kernels) {
    b.streams.push_back({SavedSplit::kTensor, fwd * logits, bwd * logits});
  }
}

BlockWork block_work(const Block& block, const Graph& g, const Workload& w, const ElementBytes& e,
                     bool eager, const RuntimeKnobs& knobs) {
  const std::int64_t k = g.spec.moe ? g.spec.moe->experts_per_token : 1;
  BlockWork b;
  b.repeat = block.repeat;
  b.layer = !block.layers.empty();
  for (const Op& op : block.ops) {
    const ShardRule rule = shard_rule(op);
    switch (op.kind()) {
      case OpKind::kLinear: {
        if (op.tied) b.tied_vocab_row += d(op.in);
        const Tensor& in = block.tensors[static_cast<std::size_t>(op.inputs[0])];
        b.gemms.push_back({gemm_split(op, rule), in.rows, op.out, op.in});
        // A row-parallel layer closes a region a column-parallel one opened; lm_head opens one.
        if (b.gemms.back().split == GemmSplit::kRow) {
          ++b.tp_entries;
          ++b.tp_exits;
        }
        if (b.gemms.back().split == GemmSplit::kVocab) ++b.tp_entries;
        break;
      }
      case OpKind::kAttention: {
        const AttentionShape& a = op.attention;
        const AttentionFlops mode = eager ? AttentionFlops::kFull : AttentionFlops::kCausal;
        b.attention.push_back({a.heads, a.qk_dim, a.v_dim, attention_pairs(a, w.seq, mode)});
        b.kv_per_token += d(a.kv_heads) * d(a.qk_dim + a.v_dim) * e.compute;
        break;
      }
      case OpKind::kRotaryTable:
        if (op.unread) break;
        [[fallthrough]];
      default:
        if (op.kind() == OpKind::kEmbedding && rule.params == ParamSplit::kVocab) ++b.tp_exits;
        if (op.kind() == OpKind::kLoss && knobs.megatron_code)
          b.tp_scalars += 3;  // max, sum, target
        if (op.role == Role::kExpertDispatch || op.role == Role::kExpertCombine) {
          b.expert_dispatch = d(k) * d(g.spec.d_model) * e.compute;
          ++b.routes;
        }
        if (op.kind() == OpKind::kLoss) {
          add_loss(b, op, w, knobs);
          break;
        }
        const double bytes = streamed_bytes(block, op, w, k, e);
        b.streams.push_back({rule.saved, bytes, kBackwardPointwiseFactor * bytes});
        break;
    }
  }
  return b;
}

}  // namespace

StepTotals step_totals(const Graph& g, const Workload& w, const MemoryOptions& o,
                       AttentionFlops mfu_attention) {
  StepTotals t;
  t.memory = layout_totals(g, w, o);
  t.batch = w.batch;
  t.seq = w.seq;
  t.d_model = g.spec.d_model;
  t.vocab = g.spec.vocab;
  t.gemm_dtype = gemm_dtype(o.precision);
  t.peak_dtype = t.gemm_dtype == Dtype::kFp8 ? Dtype::kBf16 : t.gemm_dtype;
  const bool fp32 = o.precision == Precision::kFp32;
  t.activation_bytes = fp32 ? 4 : 2;
  const ElementBytes e{t.activation_bytes, is_autocast(o.precision) ? 4 : t.activation_bytes};
  t.eager_attention = o.knobs().attention == AttentionImpl::kEager;
  t.dropout = o.dropout;
  t.recompute = o.recompute;
  t.states = state_bytes_per_param(o.precision, o.optimizer);
  if (g.spec.moe) {
    t.routed_experts = g.spec.moe->n_routed_experts;
    t.experts_per_token = g.spec.moe->experts_per_token;
  }
  bool before = true;
  for (const Block& block : g.blocks) {
    BlockWork b = block_work(block, g, w, e, t.eager_attention, o.knobs());
    if (b.layer) before = false;
    b.before_layers = before && !b.layer;
    t.blocks.push_back(std::move(b));
  }
  Workload one = w;
  one.grad_accum = 1;
  const FlopCounts model = count_flops(g, one, {mfu_attention, Recompute::kNone});
  const FlopCounts hardware = count_flops(g, one, {mfu_attention, o.recompute});
  t.model_flops_per_sequence = to_double(model.model) / d(w.batch);
  t.hardware_flops_per_sequence = to_double(hardware.hardware) / d(w.batch);
  return t;
}

namespace {

// ---- step_time: arithmetic per layout ----

// One rank's view of a micro-batch under a layout.
struct RankView {
  const StepTotals* t;
  const Layout* l;
  const ClusterSpec* c;
  std::int64_t tokens = 0;         // b·s / C: GEMM rows
  std::int64_t local_experts = 1;  // E_total / E
  std::int64_t expert_rows = 0;    // routed rows per local expert
  std::int64_t vocab_rows = 0;     // padded vocabulary ÷ T
  GroupSpan tp, cp, ep, etp;
  double host_op = 0;

  // One op of `gpu_seconds`: the GPU's work, and the time it waits for the host to issue the
  // op when issuing takes longer (PyTorch eager: a small kernel runs at the host's pace).
  void run(ComputeTime& pass, double ComputeTime::*work, double gpu_seconds) const {
    pass.*work += gpu_seconds;
    pass.host += std::max(0.0, host_op - gpu_seconds);
  }
};

void add_scaled(ComputeTime& to, const ComputeTime& from, double n) {
  to.gemm += n * from.gemm;
  to.attention += n * from.attention;
  to.memory_bound += n * from.memory_bound;
  to.host += n * from.host;
}

double share(SavedSplit split, const Layout& l) {
  const SavedShare s = saved_share(split, l);
  return d(s.numerator) / d(s.denominator);
}

GemmShape forward_shape(const GemmTerm& g, const RankView& v) {
  const Layout& l = *v.l;
  GemmShape s{v.tokens, g.n, g.k, 1};
  switch (g.rows) {
    case Rows::kTokens:
      break;
    case Rows::kRoutedTokens:
      s.m = v.expert_rows;
      s.batch = v.local_experts;
      break;
    case Rows::kFirstTokens:
      s.m = v.t->batch;
      break;
    case Rows::kPositions:
      s.m = v.t->seq / l.cp;
      break;
  }
  switch (g.split) {
    case GemmSplit::kNone:
      break;
    case GemmSplit::kColumn:
      s.n = ceil_div(g.n, l.tp);
      break;
    case GemmSplit::kRow:
      s.k = ceil_div(g.k, l.tp);
      break;
    case GemmSplit::kVocab:
      s.n = v.vocab_rows;
      break;
    case GemmSplit::kExpertColumn:
      s.n = ceil_div(g.n, l.expert_tp());
      break;
    case GemmSplit::kExpertRow:
      s.k = ceil_div(g.k, l.expert_tp());
      break;
  }
  return s;
}

void add_gemm(const GemmTerm& g, const RankView& v, BlockTime& b, bool recomputed) {
  const Gpu& gpu = v.c->gpu;
  const Dtype dtype = g.split == GemmSplit::kVocab ? v.t->peak_dtype : v.t->gemm_dtype;
  const GemmShape f = forward_shape(g, v);
  const double fwd = gemm_seconds(f, dtype, gpu);
  const GemmShape dgrad{f.m, f.k, f.n, f.batch}, wgrad{f.k, f.n, f.m, f.batch};
  v.run(b.fwd, &ComputeTime::gemm, fwd);
  v.run(b.bwd, &ComputeTime::gemm, gemm_seconds(dgrad, dtype, gpu));
  v.run(b.bwd, &ComputeTime::gemm, gemm_seconds(wgrad, dtype, gpu));
  if (recomputed) v.run(b.recompute, &ComputeTime::gemm, fwd);
}

// An attention core on a rank: its heads ÷ T, its queries' pairs ÷ C.
void add_attention(const AttentionTerm& a, const RankView& v, BlockTime& b, bool recomputed) {
  const Gpu& gpu = v.c->gpu;
  const StepTotals& t = *v.t;
  const std::int64_t heads = ceil_div(a.heads, v.l->tp);
  ComputeTime fwd, bwd;
  if (t.eager_attention) {  // baddbmm, fused softmax, (dropout), bmm; backward 4 bmm
    const std::int64_t s = t.seq, batch = t.batch * heads;
    const Dtype dtype = t.peak_dtype;
    const double bytes = t.activation_bytes;
    v.run(fwd, &ComputeTime::gemm, gemm_seconds({s, s, a.qk_dim, batch}, dtype, gpu));
    v.run(fwd, &ComputeTime::gemm, gemm_seconds({s, a.v_dim, s, batch}, dtype, gpu));
    for (const GemmShape& g : {GemmShape{s, a.qk_dim, s, batch}, GemmShape{s, a.qk_dim, s, batch},
                               GemmShape{s, s, a.v_dim, batch}, GemmShape{s, a.v_dim, s, batch}}) {
      v.run(bwd, &ComputeTime::gemm, gemm_seconds(g, dtype, gpu));
    }
    // Megatron's fused scale-mask-softmax reads the scores and writes the probabilities; its
    // backward reads probabilities and gradient, writes a gradient; dropout reads, writes, and
    // keeps a 1-byte mask, and its backward reads gradient and mask, writes a gradient.
    const double scores = d(batch) * to_double(a.pairs) * bytes;
    v.run(fwd, &ComputeTime::memory_bound, stream_seconds(2 * scores, gpu));
    v.run(bwd, &ComputeTime::memory_bound, stream_seconds(3 * scores, gpu));
    if (t.dropout > 0) {
      v.run(fwd, &ComputeTime::memory_bound, stream_seconds(2.5 * scores, gpu));
      v.run(bwd, &ComputeTime::memory_bound, stream_seconds(2.5 * scores, gpu));
    }
  } else {
    const double flops =
        2 * to_double(a.pairs) / d(v.l->cp) * d(a.qk_dim + a.v_dim) * d(heads) * d(t.batch);
    v.run(fwd, &ComputeTime::attention, flash_attention_seconds(flops, false, t.peak_dtype, gpu));
    v.run(bwd, &ComputeTime::attention,
          flash_attention_seconds(kFlashBackwardFlops * flops, true, t.peak_dtype, gpu));
  }
  add_scaled(b.fwd, fwd, 1);
  add_scaled(b.bwd, bwd, 1);
  if (recomputed) add_scaled(b.recompute, fwd, 1);
}

// Tensor-parallel collectives of a block on one buffer of the rank's tokens × d_model
// (Megatron-LM, Shoeybi et al. 2019 §3: the f and g operators; with sequence parallelism,
// Korthikanti et al. 2022 §4.2.2). A region's entry: without SP an all-reduce backward; with SP
// an all-gather forward, and backward a reduce-scatter and the input's all-gather again for the
// weight gradient. A region's exit: without SP an all-reduce forward; with SP a reduce-scatter
// forward and an all-gather backward. Recomputation runs the forward's again.
void add_tp(const BlockWork& w, double bytes, const RankView& v, BlockTime& b, bool recomputed) {
  const ClusterSpec& c = *v.c;
  const double entries = w.tp_entries, exits = w.tp_exits;
  double fwd = 0, bwd = 0;
  if (v.l->sp) {
    const double ag = collective_seconds(Collective::kAllGather, bytes, v.tp, c);
    const double rs = collective_seconds(Collective::kReduceScatter, bytes, v.tp, c);
    fwd = entries * ag + exits * rs;
    bwd = entries * (rs + ag) + exits * ag;
  } else {
    const double ar = collective_seconds(Collective::kAllReduce, bytes, v.tp, c);
    fwd = exits * ar;
    bwd = entries * ar;
  }
  // The vocab-parallel loss's reductions of one fp32 per token.
  fwd += w.tp_scalars * collective_seconds(Collective::kAllReduce, d(v.tokens) * 4, v.tp, c);
  b.tp_fwd += fwd * (recomputed ? 2 : 1);
  b.tp_bwd += bwd;
}

BlockTime block_time(const BlockWork& w, const RankView& v) {
  const StepTotals& t = *v.t;
  const Layout& l = *v.l;
  const Gpu& gpu = v.c->gpu;
  const bool full = w.layer && t.recompute == Recompute::kFull;
  const bool selective = w.layer && t.recompute == Recompute::kSelective;
  BlockTime b;
  for (const GemmTerm& g : w.gemms) add_gemm(g, v, b, full);
  for (const AttentionTerm& a : w.attention) add_attention(a, v, b, full || selective);
  for (const StreamTerm& op : w.streams) {
    const double fwd = stream_seconds(op.forward * share(op.split, l), gpu);
    v.run(b.fwd, &ComputeTime::memory_bound, fwd);
    if (op.backward > 0) {
      v.run(b.bwd, &ComputeTime::memory_bound,
            stream_seconds(op.backward * share(op.split, l), gpu));
    }
    if (full) v.run(b.recompute, &ComputeTime::memory_bound, fwd);
  }
  // Communication.
  const double activation = d(v.tokens) * d(t.d_model) * t.activation_bytes;
  if (l.tp > 1) add_tp(w, activation, v, b, full);
  if (w.routes > 0 && (l.ep > 1 || l.expert_tp() > 1)) {
    // Each rank's slots: its b·s/(C·T) tokens × k; all-to-all over E, then gathered over ETP
    // (Megatron-Core's alltoall token dispatcher).
    const double slots = d(v.tokens) / d(l.tp) * w.expert_dispatch;
    const double a2a = collective_seconds(Collective::kAllToAll, slots, v.ep, *v.c);
    const double gather =
        collective_seconds(Collective::kAllGather, slots * d(l.expert_tp()), v.etp, *v.c);
    b.ep += d(w.routes) * (a2a + gather) * (full ? 3 : 2);
  }
  if (l.cp > 1 && w.kv_per_token > 0) {
    // Ring attention: each rank passes its K and V chunk C − 1 times, overlapped with the
    // attention of the chunk in hand; backward passes K, V and their gradients.
    const double chunk = d(v.tokens) * w.kv_per_token / d(l.tp);
    const double pass = collective_seconds(Collective::kSendRecv, chunk, v.cp, *v.c);
    b.cp_fwd = d(l.cp - 1) * pass * (full || selective ? 2 : 1);
    b.cp_bwd = d(l.cp - 1) * pass * 2;
  }
  return b;
}

// Exposed seconds of a block's communication against the compute that hides it.
struct Exposure {
  double tp = 0, cp = 0, ep = 0;
};
// `tp_overlap`: --tp-comm-overlap on a TP group inside one node (Transformer Engine's
// userbuffers need CUDA multicast or IPC handles: single-node tensor parallelism only, TE issue
// #1071).
Exposure exposure(const BlockTime& b, bool tp_overlap) {
  Exposure e;
  const double tp = b.tp_fwd + b.tp_bwd;
  e.tp = tp_overlap ? std::max(0.0, tp - (b.fwd.gemm + b.bwd.gemm + b.recompute.gemm)) : tp;
  const double attention = b.fwd.attention + b.bwd.attention + b.recompute.attention;
  e.cp = std::max(0.0, b.cp_fwd + b.cp_bwd - attention);
  e.ep = b.ep;  // Megatron-Core's dispatcher waits for its all-to-alls
  return e;
}

// What one stage runs per micro-batch.
struct StageTime {
  ComputeTime fwd, bwd, recompute;
  Overlapped tp, cp, ep, pp, zero;
  double backward = 0;  // backward compute, one micro-batch (hides gradient reduction)
  double forward = 0;
  double total() const {
    return fwd.total() + bwd.total() + recompute.total() + tp.exposed + cp.exposed + ep.exposed +
           pp.exposed + zero.exposed;
  }
};

}  // namespace

void check_step_model(const StepTotals& t, const ClusterSpec& c) {
  const Gpu& gpu = c.gpu;
  if (!gpu.kernels.known()) {
    throw Error(
        fmt::format("{} has no kernel model in `tsize gpus`: step time needs a catalog "
                    "GPU with one",
                    gpu.name));
  }
  const auto gemm_peak = gpu.peak(t.gemm_dtype);
  const auto attention_peak = gpu.peak(t.peak_dtype);
  if (!gemm_peak || !attention_peak) {
    throw Error(fmt::format("{} has no {} tensor rate: choose another --precision or GPU", gpu.name,
                            to_string(gemm_peak ? t.peak_dtype : t.gemm_dtype)));
  }
}

ShardTime shard_time(const StepTotals& t, const Layout& l, const ClusterSpec& c) {
  RankView v{&t, &l, &c};
  v.host_op = c.gpu.kernels.host_op_s;
  v.tokens = t.batch * t.seq / l.cp;
  v.vocab_rows = static_cast<std::int64_t>(padded_vocab(t.vocab, l.tp)) / l.tp;
  const std::int64_t gpn = c.gpus_per_node;
  v.tp = group_span(l.tp, 1, gpn);
  v.cp = group_span(l.cp, l.tp, gpn);
  v.etp = group_span(l.expert_tp(), 1, gpn);
  v.ep = group_span(l.ep, l.expert_tp(), gpn);
  if (t.routed_experts > 0) {
    v.local_experts = std::max<std::int64_t>(t.routed_experts / l.ep, 1);
    const std::int64_t slots = ceil_div(v.tokens * t.experts_per_token * l.expert_tp(),
                                        l.tp);  // the rank's experts' slots
    v.expert_rows = ceil_div(slots, v.local_experts);
  }
  ShardTime s;
  for (std::size_t b = 0; b < t.blocks.size(); ++b) s.blocks[b] = block_time(t.blocks[b], v);
  s.tokens = v.tokens;
  s.vocab_rows = v.vocab_rows;
  s.tp = v.tp;
  s.ep = v.ep;
  return s;
}

StepTime step_time(const StepTotals& t, const ResolvedLayout& r, const ClusterSpec& c,
                   const StepOptions& o) {
  check_step_model(t, c);
  check_cluster_size(c, r.layout.gpus);         // a group across nodes needs a network
  thread_local std::vector<RankParams> params;  // reused: no allocation per layout
  stage_params(t.memory, r, params);
  return step_time(t, shard_time(t, r.layout, c), params, r, c, o);
}

StepTime step_time(const StepTotals& t, const ShardTime& v, const std::vector<RankParams>& params,
                   const ResolvedLayout& r, const ClusterSpec& c, const StepOptions& o) {
  const Layout& l = r.layout;
  const Gpu& gpu = c.gpu;
  const std::int64_t gpn = c.gpus_per_node;
  const auto& blocks = v.blocks;

  // Stages.
  const std::int64_t p = l.pp, chunks = l.pp * l.vpp;
  const std::size_t stride = static_cast<std::size_t>(t.memory.layers) + 1;
  const GroupSpan pp_span = group_span(2, l.tp * l.cp * r.layout.dp, gpn);
  // A stage boundary's activation: each TP rank sends its 1/T (the SP shard, or without SP
  // Megatron's scatter/gather optimization, Narayanan et al. 2021 §4.1, which all-gathers the
  // whole over the TP group after receiving).
  const double activation = d(v.tokens) * d(t.d_model) * t.activation_bytes;
  double p2p = 0;
  if (p > 1) {
    p2p = collective_seconds(Collective::kSendRecv, activation / d(l.tp), pp_span, c);
    if (!l.sp) p2p += collective_seconds(Collective::kAllGather, activation, v.tp, c);
  }
  const GroupSpan dense_dp = group_span(r.dense_shard, l.tp, gpn);
  const GroupSpan expert_dp = group_span(r.expert_shard, l.ep * l.expert_tp(), gpn);
  const int zero = t.memory.options.zero_stage;
  // Megatron keeps a tied embedding on the first and last stages and all-reduces its gradient
  // between them after the data-parallel reduction (finalize_model_grads,
  // _allreduce_word_embedding_grads).
  double tied = 0;
  for (const BlockWork& w : t.blocks) tied += w.tied_vocab_row;
  const GroupSpan ends = group_span(2, (p - 1) * l.tp * l.cp * l.dp, gpn);
  const double embedding_grads =
      p > 1 ? collective_seconds(Collective::kAllReduce,
                                 tied * d(v.vocab_rows) * t.states.gradients, ends, c)
            : 0;

  const bool tp_overlap = o.tp_comm_overlap && !v.tp.crosses_nodes();
  StepTime out;
  out.micro_batches = r.micro_batches;
  out.tp_crosses_nodes = v.tp.crosses_nodes();
  double slowest = -1, sum = 0, tail = 0, behind = 0;
  StageTime bound;
  for (std::int64_t i = 0; i < p; ++i) {
    StageTime s;
    double layers_here = 0;
    for (std::int64_t j = 0; j < l.vpp; ++j) {
      const std::int64_t chunk = j * p + i;
      const auto [first, end] = chunk_layers(l, t.memory.layers, i, j);
      layers_here += d(end - first);
      for (std::size_t b = 0; b < t.blocks.size(); ++b) {
        const BlockWork& w = t.blocks[b];
        double n = 0;
        if (w.layer) {
          n = t.memory.prefix[b * stride + static_cast<std::size_t>(end)] -
              t.memory.prefix[b * stride + static_cast<std::size_t>(first)];
        } else if (w.before_layers ? chunk == 0 : chunk == chunks - 1) {
          n = d(w.repeat);
        }
        if (n == 0) continue;
        const BlockTime& bt = blocks[b];
        const Exposure e = exposure(bt, tp_overlap);
        add_scaled(s.fwd, bt.fwd, n);
        add_scaled(s.bwd, bt.bwd, n);
        add_scaled(s.recompute, bt.recompute, n);
        s.tp.total += n * (bt.tp_fwd + bt.tp_bwd);
        s.tp.exposed += n * e.tp;
        s.cp.total += n * (bt.cp_fwd + bt.cp_bwd);
        s.cp.exposed += n * e.cp;
        s.ep.total += n * bt.ep;
        s.ep.exposed += n * e.ep;
      }
    }
    s.pp.total = s.pp.exposed = p > 1 ? 2 * d(l.vpp) * p2p : 0;
    const RankParams& rp = params[static_cast<std::size_t>(i)];
    s.backward = s.bwd.total() + s.recompute.total();
    s.forward = s.fwd.total();
    if (zero == 3) {  // gather every layer's weights forward and backward, reduce its gradients
      const double weights = to_double(rp.total) * t.states.weights;
      const double grads = to_double(rp.trainable) * t.states.gradients;
      s.zero.total = 2 * collective_seconds(Collective::kAllGather, weights, dense_dp, c) +
                     collective_seconds(Collective::kReduceScatter, grads, dense_dp, c);
      const double compute = s.forward + s.backward;
      s.zero.exposed = std::max(0.0, s.zero.total - compute) +
                       s.zero.total / std::max(1.0, layers_here);  // the first layer waits
    }
    const double stage_total = s.total();
    sum += stage_total;
    // The tail after the stage's last backward: its gradient reduction and optimizer step.
    const double dense_grads = to_double(rp.trainable) * t.states.gradients;
    const double expert_grads = to_double(rp.expert_trainable) * t.states.gradients;
    const double dense_weights = to_double(rp.trainable) * t.states.weights;
    const double expert_weights = to_double(rp.expert_trainable) * t.states.weights;
    Overlapped dp, gather;
    if (zero == 0) {
      dp.total = collective_seconds(Collective::kAllReduce, dense_grads, dense_dp, c) +
                 collective_seconds(Collective::kAllReduce, expert_grads, expert_dp, c);
    } else if (zero < 3) {  // the distributed optimizer: reduce-scatter, step, all-gather
      dp.total = collective_seconds(Collective::kReduceScatter, dense_grads, dense_dp, c) +
                 collective_seconds(Collective::kReduceScatter, expert_grads, expert_dp, c);
      gather.total = collective_seconds(Collective::kAllGather, dense_weights, dense_dp, c) +
                     collective_seconds(Collective::kAllGather, expert_weights, expert_dp, c);
    }
    dp.exposed = o.overlap_grad_reduce ? std::max(0.0, dp.total - s.backward) : dp.total;
    if (i == 0 || i == p - 1) {
      dp.total += embedding_grads;
      dp.exposed += embedding_grads;
    }
    gather.exposed =
        o.overlap_param_gather ? std::max(0.0, gather.total - s.forward) : gather.total;
    // The optimizer step streams each state it updates (a ZeRO shard of them from stage 1).
    const double shard_dense = zero >= 1 ? d(r.dense_shard) : 1;
    const double shard_expert = zero >= 1 ? d(r.expert_shard) : 1;
    const double elements =
        to_double(rp.trainable) / shard_dense + to_double(rp.expert_trainable) / shard_expert;
    const StateBytes& sb = t.states;
    const double master = sb.master > 0 ? 2 * sb.master + sb.weights : 2 * sb.weights;
    const double step_bytes = elements * (2 * sb.gradients + master + 2 * sb.optimizer);
    const double optimizer = stream_seconds(step_bytes, gpu);
    // In 1F1B the last backward runs from the last stage to the first: stage i's tail starts
    // the backward times of stages 0..i−1 before the first stage's.
    const double stage_tail = dp.exposed + gather.exposed + optimizer - behind;
    if (i == 0 || stage_tail > tail) {
      tail = std::max(stage_tail, 0.0);
      const double drained = std::min(behind, dp.exposed);  // hidden by the pipeline's drain
      dp.exposed -= drained;
      gather.exposed -= std::min(behind - drained, gather.exposed);
      out.dp = dp;
      out.param_gather = gather;
      out.optimizer = optimizer;
    }
    behind += s.backward;
    if (stage_total > slowest) {
      slowest = stage_total;
      bound = s;
      out.bounding_stage = i;
    }
  }
  const double m = d(r.micro_batches);
  const double pipeline = m * slowest + (sum - slowest) / d(l.vpp);
  out.bubble = pipeline - m * slowest;
  out.iteration_s = pipeline + tail;
  // Reported on the bounding stage, per iteration.
  add_scaled(out.forward, bound.fwd, m);
  add_scaled(out.backward, bound.bwd, m);
  add_scaled(out.recompute, bound.recompute, m);
  auto scaled = [m](Overlapped x) { return Overlapped{x.total * m, x.exposed * m}; };
  out.tp = scaled(bound.tp);
  out.cp = scaled(bound.cp);
  out.ep = scaled(bound.ep);
  out.pp = scaled(bound.pp);
  out.zero_gather = scaled(bound.zero);
  const double sequences = d(t.batch) * m * d(l.dp);
  out.tokens_per_s = sequences * d(t.seq) / out.iteration_s;
  const double peak = to_double(*gpu.peak(t.peak_dtype)) * d(l.tp * l.pp * l.cp * l.dp);
  out.mfu = t.model_flops_per_sequence * sequences / (out.iteration_s * peak);
  out.hfu = t.hardware_flops_per_sequence * sequences / (out.iteration_s * peak);
  // The largest uncertain term.
  const double gaps = out.forward.host + out.backward.host + out.recompute.host;
  const double comm_inter = (v.tp.crosses_nodes() ? out.tp.exposed : 0) +
                            (dense_dp.crosses_nodes() ? out.dp.exposed : 0) +
                            (pp_span.crosses_nodes() ? out.pp.exposed : 0) +
                            (v.ep.crosses_nodes() ? out.ep.exposed : 0);
  const double comm_all = out.exposed_communication();
  const std::array<double, 6> terms{
      out.forward.gemm + out.backward.gemm + out.recompute.gemm,
      out.forward.attention + out.backward.attention + out.recompute.attention,
      out.forward.memory_bound + out.backward.memory_bound + out.recompute.memory_bound +
          out.optimizer,
      gaps,
      comm_all - comm_inter,
      comm_inter};
  double worst = -1;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    if (terms[i] * kRelativeError[i] > worst) {
      worst = terms[i] * kRelativeError[i];
      out.largest_uncertainty = static_cast<Uncertainty>(i);
      out.uncertain_seconds = terms[i];
    }
  }
  return out;
}

std::string_view describe(Uncertainty u) {
  switch (u) {
    case Uncertainty::kGemmEfficiency:
      return "GEMM efficiency";
    case Uncertainty::kAttentionKernel:
      return "attention kernel efficiency";
    case Uncertainty::kBandwidth:
      return "achievable memory bandwidth";
    case Uncertainty::kHostOverhead:
      return "the host's time to issue kernels";
    case Uncertainty::kIntraNode:
      return "intra-node collective bandwidth";
    case Uncertainty::kInterNode:
      return "inter-node collective bandwidth";
  }
  return "";
}

}  // namespace tsize
