// Layout memory — what each GPU of a parallel layout holds during a training step: its stage's
// weights, gradients, master copy and optimizer states as the layout shards them, and the saved
// activations of every micro-batch its pipeline schedule keeps in flight.
//
// Split in two for the layout search: layout_totals() walks the graph once per model, workload
// and recipe, folding every op into per-block totals by sharding rule (shard_rules.hpp);
// stage_memory() and layout_peak() then price any layout by arithmetic on those totals.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tsize/count.hpp"
#include "tsize/fit.hpp"
#include "tsize/graph.hpp"
#include "tsize/layout.hpp"
#include "tsize/memory.hpp"
#include "tsize/model_states.hpp"
#include "tsize/shard_rules.hpp"
#include "tsize/workload.hpp"

namespace tsize {

// One instance of a block, folded by sharding rule.
struct BlockShares {
  std::int64_t repeat = 1;
  bool layer = false;          // in the layer stack: pipeline stages split these
  bool before_layers = false;  // the embedding block: on the first stage (others: the last)
  // Parameters by split: elements, except kVocab: elements per vocabulary row.
  std::array<Count, kParamSplits> params{}, trainable{};
  // Linear weights (tied heads included) by split, for autocast's 16-bit copies.
  std::array<Count, kParamSplits> linear{};
  Count tied_vocab_row = 0;  // a tied lm_head's row (h): a copy on the last stage when P > 1
  std::array<Count, kSavedSplits> saved{};  // bytes saved per micro-batch, by split
};

struct LayoutTotals {
  std::vector<BlockShares> blocks;
  std::int64_t layers = 0, vocab = 0, d_model = 0;
  // prefix[b · (layers + 1) + i]: how many of the first i layers are in block b.
  std::vector<std::uint32_t> prefix;
  Count layer_input = 0;     // --recompute full: the input a layer keeps, one micro-batch
  Count loss_per_logit = 0;  // the loss's transient per logit (0: an encoder)
  std::int64_t tokens = 0;   // b·s of a micro-batch
  MemoryOptions options;
};

// Walks the graph once. Throws Error on overflow, for Adafactor (its factored states are
// counted per matrix, not split here) and for impossible options.
LayoutTotals layout_totals(const Graph& graph, const Workload& w, const MemoryOptions& o);

// One GPU of a pipeline stage (every rank of a stage holds the same).
struct StageMemory {
  std::int64_t stage = 0;
  std::int64_t layers = 0;
  std::int64_t in_flight = 0;             // micro-batches of its first chunk in flight at the peak
  std::int64_t chunk_forwards = 0;        // every chunk's in-flight forwards (interleaved: more)
  RankParams params;                      // the parameters the rank holds
  Count activations_per_micro_batch = 0;  // its layers' (and embedding's or head's) saved bytes
  PhaseInputs inputs;
  StepPhases phases;

  Count peak() const { return phases.peak(); }
};

struct LayoutMemory {
  ResolvedLayout layout;
  Count vocab_padded = 0;
  std::vector<StageMemory> stages;
  std::size_t bounding = 0;  // the stage with the largest peak (the first of equals)

  const StageMemory& bounding_stage() const { return stages[bounding]; }
};

// Megatron's padded vocabulary: a multiple of 128·T for T > 1 (--make-vocab-size-divisible-by
// 128, megatron/training/tokenizer); unpadded on one rank.
Count padded_vocab(std::int64_t vocab, std::int64_t tp);

// In-flight forwards of chunk `chunk` of stage `stage` at the stage's peak, m micro-batches.
std::int64_t in_flight(const ResolvedLayout& r, std::int64_t stage, std::int64_t chunk);

StageMemory stage_memory(const LayoutTotals& t, const ResolvedLayout& r, std::int64_t stage);
LayoutMemory layout_memory(const LayoutTotals& t, const ResolvedLayout& r);
// The bounding stage's peak without building the stage list: the search's hot path.
// REQUIRES: layout_memory(t, r) does not throw (ZeRO needs data-parallel ranks).
Count layout_peak(const LayoutTotals& t, const ResolvedLayout& r);

// Each stage's parameters on one of its ranks, stage by stage, into `out` (resized to P; its
// capacity reused): the step-time model's gradient and optimizer bytes. Arithmetic only.
void stage_params(const LayoutTotals& t, const ResolvedLayout& r, std::vector<RankParams>& out);

// The layout's fit on each GPU: the bounding stage's peak, and the largest micro-batch that
// fits with the micro-batches per step held as they are (w.batch · m sequences per pipeline
// step grows with the micro-batch). REQUIRES: w resolved; throws Error as resolve_layout.
std::vector<GpuFit> fit_layout(const Graph& graph, const Workload& w, const MemoryOptions& o,
                               const Layout& layout, const std::vector<Gpu>& gpus);

}  // namespace tsize
