// Serving memory — what one GPU of an inference deployment holds: its share of the weights in a
// storage format, the paged KV cache of the sequences it serves, the activations of the largest
// prefill chunk, and the engine's reserve, against the memory the engine may use (vLLM's
// --gpu-memory-utilization of the GPU's total). From it: whether a load fits, the most
// sequences at a context, the longest context at a concurrency.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tsize/count.hpp"
#include "tsize/gpus.hpp"
#include "tsize/graph.hpp"
#include "tsize/kv_cache.hpp"
#include "tsize/quantized_weights.hpp"
#include "tsize/weight_format.hpp"

namespace tsize {

struct ServingOptions {
  WeightFormat weights = parse_weight_format("bf16");
  KvDtype kv_dtype = KvDtype::kBf16;
  std::int64_t tp = 1;  // tensor-parallel ranks: heads, MLP features, experts and vocabulary split
  std::int64_t pp = 1;  // pipeline stages: layers split as vLLM's get_pp_indices
  std::int64_t ep = 1;  // expert-parallel ranks: 1, or T (vLLM's --enable-expert-parallel)
  std::int64_t block_size = 16;  // tokens per KV block (vLLM's default)
  // vLLM's CacheConfig default (0.92 since v0.21; 0.9 before): the share of the GPU's total
  // memory the engine may use.
  double gpu_memory_utilization = 0.92;
  // Tokens of the largest prefill chunk (vLLM's max_num_batched_tokens); 0: vLLM's server
  // default for the GPU (8,192 on GPUs of 70 GiB or more but A100, else 2,048).
  std::int64_t max_batched_tokens = 0;
  std::int64_t max_sequences = 0;  // vLLM's max_num_seqs; 0: its default (1,024 or 256)
  // CUDA graphs, NCCL and cuBLAS workspaces: stated, not derived (vLLM's logs show 0.1-1 GiB
  // for CUDA graphs alone).
  Count reserve_bytes = Count{1} << 30;
};

struct ServingMemory {
  Count weights_total = 0;       // every GPU's, in the format
  Count weights = 0;             // on the bounding GPU
  Count kv_bytes_per_token = 0;  // every layer, one token, the whole model (no split, no paging)
  Count kv_total = 0;            // the whole model's, at concurrency × context, paged (one copy:
                                 // KV heads or MLA's latent replicated over T count once)
  Count kv = 0;                  // on the bounding GPU
  Count activations = 0;         // the profiling forward of the largest prefill chunk, one GPU
  Count reserve = 0;
  Count budget = 0;  // utilization × the GPU's total memory (torch's total_memory)
  Count peak = 0;    // weights + kv + activations + reserve on the bounding GPU
  bool fits = false;
  std::int64_t stage = 0;            // the bounding pipeline stage
  std::int64_t max_concurrency = 0;  // sequences of `context` tokens that fit; 0: none
  std::int64_t max_context = 0;      // tokens per sequence at `concurrency` that fit; 0: none
  std::int64_t max_batched_tokens = 0, max_sequences = 0;  // as used
};

// REQUIRES: context ≥ 1, concurrency ≥ 1. Throws Error for options the model or GPU cannot take
// (a split that does not divide heads or layers, EP other than 1 or T, a utilization outside
// (0, 1], a format the model cannot take).
ServingMemory serving_memory(const Graph& graph, const Gpu& gpu, const ServingOptions& o,
                             std::int64_t context, std::int64_t concurrency);

// ---- Shared with serving_time ----
// Layers per pipeline stage as vLLM's get_pp_indices assigns them.
std::vector<std::int64_t> serving_stage_layers(std::int64_t layers, std::int64_t stages);

// The most layers tsize serves: GGUF's per-layer types and pipeline stages walk the layers one
// by one (the real models' most are in the hundreds).
inline constexpr std::int64_t kMaxServingLayers = 100'000;

// Every reason the model cannot be split this way over TP, PP and EP, or served at all (more
// than kMaxServingLayers layers); empty: it can.
std::vector<std::string> serving_split_problems(const Graph& graph, const ServingOptions& o);
// Throws Error listing `problems`, if any.
void throw_serving_problems(const ModelSpec& spec, const std::vector<std::string>& problems);

// One tensor-parallel rank's stored bytes of an op: split ops ÷ T (a row-parallel Linear's bias
// whole), replicated ops whole.
Count rank_weight_bytes(const OpWeights& w, std::int64_t tp);

// Whether `op` belongs to a block before the layer stack (the embedding: the first stage; the
// other blocks outside the stack sit on the last).
bool first_stage_op(const Graph& graph, const Op& op);

}  // namespace tsize
