#include "tsize/layout_memory.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tsize/activations.hpp"
#include "tsize/error.hpp"

namespace tsize {
namespace {

std::size_t at(auto e) { return static_cast<std::size_t>(e); }
Count ceil_div(Count a, Count b) { return (a + b - 1) / b; }

// Elements per vocabulary row of a vocabulary-split op: the embedding's width, or lm_head's
// input features (and its bias).
Count vocab_row(const Op& op) {
  if (op.kind() == OpKind::kEmbedding) return to_count(op.out);
  return to_count(op.in) + (op.bias ? 1 : 0);
}

// Folds one op's weights into its block's shares by the op's rule.
void add_params(const Op& op, const ShardRule& rule, Precision precision, BlockShares& b) {
  const Count copies = to_count(op.copies);
  if (rule.params == ParamSplit::kVocab) {
    if (has_weight_copy(op, precision)) b.linear[at(ParamSplit::kVocab)] += to_count(op.in);
    if (op.tied) {
      b.tied_vocab_row += to_count(op.in);
      if (op.bias) b.params[at(ParamSplit::kVocab)] += 1;  // a tied head's own bias
      if (op.bias) b.trainable[at(ParamSplit::kVocab)] += 1;
      return;
    }
    b.params[at(ParamSplit::kVocab)] += vocab_row(op);
    if (op.trainable) b.trainable[at(ParamSplit::kVocab)] += vocab_row(op);
    return;
  }
  const Count all = mul(params_per_copy(op), copies, "parameters");
  if (all == 0) return;
  ParamSplit split = rule.params;
  // gpt-oss's sinks: one logit per head, held with the rank's heads.
  if (op.kind() == OpKind::kAttention) split = ParamSplit::kTensor;
  Count main = all, bias = 0;
  if (op.kind() == OpKind::kLinear && op.bias && !rule.bias_split && split == ParamSplit::kTensor) {
    bias = mul(to_count(op.out), copies);  // row-parallel: the bias is replicated
    main = all - bias;
  }
  b.params[at(split)] += main;
  b.params[at(ParamSplit::kReplicated)] += bias;
  if (op.trainable) {
    b.trainable[at(split)] += main;
    b.trainable[at(ParamSplit::kReplicated)] += bias;
  }
  if (has_weight_copy(op, precision)) {
    b.linear[at(split)] += mul(mul(to_count(op.in), to_count(op.out)), copies);
  }
}

// The bytes one rank saves of `bytes` saved under `split`, rounded up.
Count rank_saved(Count bytes, SavedSplit split, const Layout& l) {
  const SavedShare share = saved_share(split, l);
  return ceil_div(mul(bytes, to_count(share.numerator)), to_count(share.denominator));
}

// One block instance on one rank.
struct RankBlock {
  Count dense = 0, dense_trainable = 0, expert = 0, expert_trainable = 0;
  Count linear = 0;  // Linear weight elements
  Count saved = 0;   // bytes per micro-batch
};

RankBlock rank_block(const BlockShares& b, const Layout& l, Count vocab_rows) {
  const Count t = to_count(l.tp), experts = to_count(l.ep) * to_count(l.expert_tp());
  auto split = [&](const std::array<Count, kParamSplits>& p) {
    return add(add(p[at(ParamSplit::kReplicated)], ceil_div(p[at(ParamSplit::kTensor)], t)),
               mul(p[at(ParamSplit::kVocab)], vocab_rows));
  };
  RankBlock r;
  r.dense = split(b.params);
  r.dense_trainable = split(b.trainable);
  r.expert = ceil_div(b.params[at(ParamSplit::kExpert)], experts);
  r.expert_trainable = ceil_div(b.trainable[at(ParamSplit::kExpert)], experts);
  r.linear = add(split(b.linear), ceil_div(b.linear[at(ParamSplit::kExpert)], experts));
  for (std::size_t i = 0; i < kSavedSplits; ++i) {
    r.saved = add(r.saved, rank_saved(b.saved[i], static_cast<SavedSplit>(i), l));
  }
  return r;
}

// Adds n instances of a block to a stage: weights, and the activations of `flights` micro-batches.
struct StageSum {
  RankParams params;
  Count linear = 0, per_micro_batch = 0, activations = 0, checkpoints = 0, recomputed = 0;
};

void add_block(StageSum& s, const RankBlock& r, Count n, Count flights, bool layer,
               Count layer_input, bool full_recompute) {
  s.params.total = add(s.params.total, mul(r.dense, n));
  s.params.trainable = add(s.params.trainable, mul(r.dense_trainable, n));
  s.params.expert_total = add(s.params.expert_total, mul(r.expert, n));
  s.params.expert_trainable = add(s.params.expert_trainable, mul(r.expert_trainable, n));
  s.linear = add(s.linear, mul(r.linear, n));
  if (layer && n > 0) s.params.largest_unit = std::max(s.params.largest_unit, r.dense + r.expert);
  s.per_micro_batch = add(s.per_micro_batch, mul(r.saved, n));
  if (layer && full_recompute) {  // the layer keeps its input; one layer runs again in backward
    const Count stays = std::min(r.saved, layer_input);
    s.activations = add(s.activations, mul(mul(stays, n), flights));
    s.checkpoints = add(s.checkpoints, mul(mul(stays, n), flights));
    if (n > 0) s.recomputed = std::max(s.recomputed, r.saved - stays);
  } else {
    s.activations = add(s.activations, mul(mul(r.saved, n), flights), "activation bytes");
  }
}

// Every block's share on one rank of a layout, computed once per layout for all its stages.
constexpr std::size_t kMaxBlocks = 8;  // embedding, 4 kinds of layers, final norm, pooler, head
struct RankBlocks {
  std::array<RankBlock, kMaxBlocks> at{};
  Count vocab_rows = 0;   // padded vocabulary rows per tensor-parallel rank
  Count layer_input = 0;  // what a layer keeps under full recomputation, on this rank
};

RankBlocks rank_blocks(const LayoutTotals& t, const Layout& l) {
  RankBlocks rb;
  rb.vocab_rows = padded_vocab(t.vocab, l.tp) / to_count(l.tp);
  rb.layer_input = rank_saved(t.layer_input, SavedSplit::kSequence, l);
  for (std::size_t b = 0; b < t.blocks.size(); ++b) {
    rb.at[b] = rank_block(t.blocks[b], l, rb.vocab_rows);
  }
  return rb;
}

// A stage's sums and phase inputs, without the phases (the search needs only their peak).
struct StageCore {
  std::int64_t layers = 0, in_flight = 0, chunk_forwards = 0;
  RankParams params;
  Count per_micro_batch = 0;
  PhaseInputs inputs;
};

StageCore stage_core(const LayoutTotals& t, const ResolvedLayout& r, const RankBlocks& rb,
                     std::int64_t stage);
StageMemory stage_of(const LayoutTotals& t, const ResolvedLayout& r, const RankBlocks& rb,
                     std::int64_t stage);

}  // namespace

Count padded_vocab(std::int64_t vocab, std::int64_t tp) {
  if (tp <= 1) return to_count(vocab);
  const Count multiple = 128 * to_count(tp);
  return ceil_div(to_count(vocab), multiple) * multiple;
}

LayoutTotals layout_totals(const Graph& g, const Workload& w, const MemoryOptions& o) {
  MemoryOptions checked = o;
  checked.zero_stage = 0;  // ZeRO's ranks are the layout's: layout_memory checks them
  validate_memory_options(checked);
  if (g.blocks.size() > kMaxBlocks) {
    throw std::logic_error("layout_totals: a graph of more blocks than a layout folds");
  }
  if (g.spec.n_layers > (std::int64_t{1} << 20)) {  // per-layer prefix counts: a stage's layers
    throw Error(fmt::format("a parallel layout of {} layers: at most 1,048,576 are modelled",
                            g.spec.n_layers));
  }
  if (o.optimizer == Optimizer::kAdafactor) {
    throw Error(
        "--optimizer adafactor with a parallel layout: its factored states are counted per "
        "matrix and not split over ranks; choose another optimizer or drop the layout flags");
  }
  LayoutTotals t;
  t.options = o;
  t.layers = g.spec.n_layers;
  t.vocab = g.spec.vocab;
  t.d_model = g.spec.d_model;
  t.tokens = w.batch * w.seq;
  const ActivationOptions ao = o.activation_options();
  const SavedActivations saved = saved_activations(g, w, ao);
  t.layer_input = layer_input_bytes(g, w, ao);
  if (g.spec.structure == Structure::kDecoder) t.loss_per_logit = loss_bytes_per_logit(o);
  std::size_t op_index = 0;
  bool before = true;
  for (const Block& block : g.blocks) {
    BlockShares b;
    b.repeat = block.repeat;
    b.layer = !block.layers.empty();
    if (b.layer) before = false;
    b.before_layers = before && !b.layer;
    for (const Op& op : block.ops) {
      const ShardRule rule = shard_rule(op);
      add_params(op, rule, o.precision, b);
      b.saved[at(rule.saved)] = add(b.saved[at(rule.saved)], saved.per_op[op_index++]);
    }
    t.blocks.push_back(b);
  }
  const std::size_t stride = static_cast<std::size_t>(t.layers) + 1;
  t.prefix.assign(t.blocks.size() * stride, 0);
  for (std::size_t b = 0; b < t.blocks.size(); ++b) {
    for (std::size_t i = 0; i < g.layer_blocks.size(); ++i) {
      t.prefix[b * stride + i + 1] = t.prefix[b * stride + i] + (g.layer_blocks[i] == b ? 1 : 0);
    }
  }
  return t;
}

std::int64_t in_flight(const ResolvedLayout& r, std::int64_t stage, std::int64_t chunk) {
  const Layout& l = r.layout;
  const std::int64_t m = r.micro_batches, p = l.pp, v = l.vpp;
  if (p == 1) return 1;  // gradient accumulation: one micro-batch's forward, then its backward
  switch (l.schedule) {
    case Schedule::kGPipe:
      return m;
    case Schedule::k1F1B:
      return std::min(p - stage, m);
    case Schedule::kInterleaved: {
      // megatron/core/pipeline_parallel/schedules.py, interleaved: warm-up forwards
      // (P − rank − 1)·2 + (V − 1)·P, then one more before the first backward; forwards go in
      // groups of P micro-batches per chunk, chunk after chunk.
      const std::int64_t forwards = std::min((p - stage - 1) * 2 + (v - 1) * p + 1, m * v);
      const std::int64_t cycle = p * v;
      return forwards / cycle * p + std::clamp(forwards % cycle - chunk * p, std::int64_t{0}, p);
    }
  }
  return 1;
}

StageMemory stage_memory(const LayoutTotals& t, const ResolvedLayout& r, std::int64_t stage) {
  return stage_of(t, r, rank_blocks(t, r.layout), stage);
}

namespace {

StageCore stage_core(const LayoutTotals& t, const ResolvedLayout& r, const RankBlocks& rb,
                     std::int64_t stage) {
  const Layout& l = r.layout;
  const MemoryOptions& o = t.options;
  const bool full = o.recompute == Recompute::kFull;
  const Count vocab_rows = rb.vocab_rows;
  const std::int64_t chunks = l.pp * l.vpp;
  const std::size_t stride = static_cast<std::size_t>(t.layers) + 1;
  const Count input = rb.layer_input;
  StageSum sum;
  StageCore s;
  for (std::int64_t j = 0; j < l.vpp; ++j) {
    const std::int64_t chunk = j * l.pp + stage;
    const auto [first, end] = chunk_layers(l, t.layers, stage, j);
    const auto lo = static_cast<std::size_t>(first), hi = static_cast<std::size_t>(end);
    const Count flights = to_count(in_flight(r, stage, j));
    s.chunk_forwards += static_cast<std::int64_t>(flights);
    if (j == 0) s.in_flight = static_cast<std::int64_t>(flights);
    s.layers += end - first;
    for (std::size_t b = 0; b < t.blocks.size(); ++b) {
      const BlockShares& block = t.blocks[b];
      Count n = 0;
      if (block.layer) {
        n = t.prefix[b * stride + hi] - t.prefix[b * stride + lo];
      } else if (block.before_layers ? chunk == 0 : chunk == chunks - 1) {
        n = to_count(block.repeat);
      }
      if (n == 0) continue;
      add_block(sum, rb.at[b], n, flights, block.layer, input, full);
    }
  }
  const bool last = stage == l.pp - 1;
  if (last && l.pp > 1) {  // Megatron keeps a tied embedding's copy on the last stage
    for (const BlockShares& block : t.blocks) {
      const Count tied = mul(block.tied_vocab_row, vocab_rows);
      sum.params.total = add(sum.params.total, tied);
      sum.params.trainable = add(sum.params.trainable, tied);
    }
  }
  if (last && t.loss_per_logit > 0) {
    sum.params.first_gradient = mul(vocab_rows, to_count(t.d_model));
  }
  s.params = sum.params;
  s.per_micro_batch = sum.per_micro_batch;
  const StatesOptions so = o.states_options();
  PhaseInputs& in = s.inputs;
  in.states = rank_states(sum.params, so, {r.dense_shard, r.expert_shard});
  in.activations = sum.activations;
  in.checkpoints = sum.checkpoints;
  in.gathered_weights = in.states.gathered_weights;
  in.copies_note = copies_note(o.precision);
  in.recomputed_layer = sum.recomputed;
  in.autocast_copies = mul(sum.linear, weight_copy_bytes(o.precision), "autocast copies");
  if (last && t.loss_per_logit > 0) {  // the loss's logits on this rank: V/T of s/C tokens
    const Count tokens = to_count(t.tokens) / to_count(l.cp);
    in.loss_transient = mul(mul(tokens, vocab_rows), t.loss_per_logit, "loss transient");
  }
  in.overhead = o.overhead_bytes;
  in.accumulating = r.micro_batches > 1;
  in.full_recompute = full;
  in.optimizer = o.optimizer;
  return s;
}

StageMemory stage_of(const LayoutTotals& t, const ResolvedLayout& r, const RankBlocks& rb,
                     std::int64_t stage) {
  const StageCore core = stage_core(t, r, rb, stage);
  StageMemory s;
  s.stage = stage;
  s.layers = core.layers;
  s.in_flight = core.in_flight;
  s.chunk_forwards = core.chunk_forwards;
  s.params = core.params;
  s.activations_per_micro_batch = core.per_micro_batch;
  s.inputs = core.inputs;
  s.phases = step_phases(core.inputs);
  return s;
}

}  // namespace

LayoutMemory layout_memory(const LayoutTotals& t, const ResolvedLayout& r) {
  if (t.options.zero_stage > 0 && r.dense_shard == 1) {
    throw Error(fmt::format(
        "--zero {} shards states over data-parallel ranks, and this layout has one: give more "
        "--gpus (or --dp)",
        t.options.zero_stage));
  }
  LayoutMemory m;
  m.layout = r;
  m.vocab_padded = padded_vocab(t.vocab, r.layout.tp);
  m.stages.reserve(static_cast<std::size_t>(r.layout.pp));
  const RankBlocks rb = rank_blocks(t, r.layout);
  for (std::int64_t i = 0; i < r.layout.pp; ++i) {
    m.stages.push_back(stage_of(t, r, rb, i));
    if (m.stages.back().peak() > m.stages[m.bounding].peak()) m.bounding = m.stages.size() - 1;
  }
  return m;
}

std::vector<GpuFit> fit_layout(const Graph& g, const Workload& w, const MemoryOptions& o,
                               const Layout& layout, const std::vector<Gpu>& gpus) {
  const bool eager = o.knobs().attention == AttentionImpl::kEager;
  const ResolvedLayout at_w = resolve_layout(g.spec, w, layout, eager);
  const Count peak = layout_memory(layout_totals(g, w, o), at_w).bounding_stage().peak();
  Layout fixed = at_w.layout;
  fixed.global_batch = 0;  // m fixed: the global batch follows the micro-batch
  auto peak_at = [&](std::int64_t b) {
    Workload wb = w;
    wb.batch = b;
    wb.grad_accum = at_w.micro_batches;
    return layout_peak(layout_totals(g, wb, o), resolve_layout(g.spec, wb, fixed, eager));
  };
  std::vector<GpuFit> out;
  out.reserve(gpus.size());
  for (const Gpu& gpu : gpus) out.push_back(fit_on(gpu, o, peak, peak_at));
  return out;
}

Count layout_peak(const LayoutTotals& t, const ResolvedLayout& r) {
  Count peak = 0;
  const RankBlocks rb = rank_blocks(t, r.layout);
  for (std::int64_t i = 0; i < r.layout.pp; ++i) {
    peak = std::max(peak, step_peak(stage_core(t, r, rb, i).inputs));
  }
  return peak;
}

void stage_params(const LayoutTotals& t, const ResolvedLayout& r, std::vector<RankParams>& out) {
  out.resize(static_cast<std::size_t>(r.layout.pp));
  const RankBlocks rb = rank_blocks(t, r.layout);
  for (std::int64_t i = 0; i < r.layout.pp; ++i) {
    out[static_cast<std::size_t>(i)] = stage_core(t, r, rb, i).params;
  }
}

}  // namespace tsize
