// Serving time — how long a deployment takes to read a batch of prompts (prefill) and to
// generate each further token (decode), kernel by kernel on one GPU of each pipeline stage:
// GEMMs at their shape's efficiency or their stored weights' bytes at achievable bandwidth,
// whichever is slower (kernel_time.hpp), attention over the KV cache, memory-bound kernels, and
// the tensor-parallel all-reduces at their latency. A decode step runs as one CUDA graph, as vLLM
// replays it: each kernel costs its work and the graph's per-kernel gap, no host launch.
//
// Split like step time: serving_work() folds the graph once per model, format and split into
// per-layer kernels; serving_time() prices a load by arithmetic on them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tsize/clusters.hpp"
#include "tsize/collectives.hpp"
#include "tsize/graph.hpp"
#include "tsize/serving_memory.hpp"

namespace tsize {

// One GEMM kernel on one rank; GEMMs that read the same input with the same split run fused, as
// vLLM fuses them (QKVParallelLinear, MergedColumnParallelLinear, the experts' w13).
struct ServingGemm {
  std::string name;              // "attention/q_proj+k_proj+v_proj"
  std::int64_t n = 0, k = 0;     // output and input features on one rank
  double weight_bytes = 0;       // one rank's stored bytes (every routed expert it holds)
  std::int64_t experts = 0;      // routed experts on one rank; 0: a dense GEMM
  bool last_token_only = false;  // the head: prefill needs each sequence's last token only
  bool operator==(const ServingGemm&) const = default;
};

// One layer's attention kernel on one rank.
struct ServingAttention {
  std::int64_t heads = 0;         // query heads on one rank
  double prefill_dim = 0;         // qk + v per head as the weights store them (prefill)
  double decode_dim = 0;          // qk + v per head in decode (MLA: over the absorbed latent)
  std::int64_t window = 0;        // keys one query reads at most; 0: every earlier token
  double kv_bytes_per_token = 0;  // this layer's cache on one rank, one token
  bool operator==(const ServingAttention&) const = default;
};

// One layer (or the embedding, or the head) on one rank.
struct ServingLayer {
  std::string name;  // its graph block's
  std::int64_t stage = 0;
  std::vector<ServingGemm> gemms;
  std::vector<ServingAttention> attention;
  double stream_bytes_per_token = 0;  // memory-bound kernels: bytes read and written per token
  std::int64_t stream_kernels = 0;    // their count (a residual add fuses into the next norm)
  std::int64_t all_reduces = 0;       // tensor-parallel exits: an all-reduce of tokens × h each
  bool vocab_gather = false;          // the head's logits gathered over T
  bool sampler = false;               // the head: logits sampled, one row per sequence
  std::int64_t repeat = 1;            // identical layers in a row this one stands for

  // The same kernels on the same stage (repeat aside).
  bool same_work(const ServingLayer& o) const {
    return name == o.name && stage == o.stage && gemms == o.gemms && attention == o.attention &&
           stream_bytes_per_token == o.stream_bytes_per_token &&
           stream_kernels == o.stream_kernels && all_reduces == o.all_reduces &&
           vocab_gather == o.vocab_gather && sampler == o.sampler;
  }
};

struct ServingWork {
  // Forward order: the embedding, the decoder layers (a run of identical ones as one), the head.
  std::vector<ServingLayer> layers;
  std::int64_t tp = 1, pp = 1;
  std::int64_t d_model = 0, vocab = 0;
  std::int64_t routed_experts = 0, experts_per_token = 0;  // the model's (0: dense)
  Dtype compute = Dtype::kBf16;  // the GEMMs' rate: fp8 for FP8 and W8A8 formats where the GPU
                                 // has it, else the activations' bf16
};

// Throws Error as serving_memory for a split the model cannot take, and when the GPU has no
// kernel model (a custom GPU).
ServingWork serving_work(const Graph& graph, const Gpu& gpu, const ServingOptions& o);

// A load: `batch` sequences that arrive together, each with `input_len` prompt tokens, generating
// `output_len` tokens.
struct ServingLoad {
  std::int64_t batch = 1;
  std::int64_t input_len = 1;
  std::int64_t output_len = 1;
  std::int64_t max_batched_tokens = 8192;  // tokens of one prefill chunk (vLLM's budget)
};

// Seconds of one pass over every stage, by kernel class, and what it moved on one GPU.
struct PhaseTime {
  double gemm = 0, attention = 0, memory_bound = 0, communication = 0;
  double weight_bytes = 0;  // per GPU of a stage, summed over stages
  double kv_bytes = 0;      // the KV cache read (decode) or written (prefill)
  double flops = 0;         // per GPU, summed over stages
  std::int64_t kernels = 0;
  double total() const { return gemm + attention + memory_bound + communication; }
};

struct ServingTime {
  PhaseTime prefill;  // every chunk of the batch's prompts
  PhaseTime decode;   // one step of `batch` tokens, at the mean context of the generation
  std::int64_t prefill_chunks = 0;
  double mean_context = 0;  // tokens each sequence's attention reads, averaged over the steps
  double ttft_s = 0;        // the prefill, and the first token comes out of it
  double tpot_s = 0;        // one decode step
  double request_s = 0;     // TTFT + (output − 1) × TPOT
  double tokens_per_s = 0;  // output tokens per second of the deployment at this load
  double tokens_per_s_per_gpu = 0;
  double bandwidth_share = 0;   // decode bytes per step ÷ TPOT ÷ one GPU's datasheet bandwidth
  double experts_touched = 0;   // routed experts a decode step reads on one GPU, per MoE layer
  std::int64_t knee_batch = 0;  // the smallest batch whose decode GEMMs are compute-bound (0:
                                // none up to 65,536)
  bool decode_compute_bound = false;  // at this batch
  Dtype gemm_dtype = Dtype::kBf16;    // the work's
};

// REQUIRES: work from serving_work for the cluster's GPU; load's fields ≥ 1. Throws Error for a
// load out of range.
ServingTime serving_time(const ServingWork& work, const ClusterSpec& cluster,
                         const ServingLoad& load);

// One kernel (or a layer's memory-bound kernels together, or a collective) of a pass on one GPU.
enum class KernelClass : std::uint8_t { kGemm, kAttention, kMemoryBound, kCommunication };
struct KernelTime {
  KernelClass kind = KernelClass::kGemm;
  std::string name;  // "attention/q_proj+k_proj+v_proj", "attention", "TP all-reduce"
  double seconds = 0;
  double weight_bytes = 0, kv_bytes = 0, flops = 0;
  std::int64_t kernels = 0;
  bool compute_bound = false;  // its FLOPs outlast its bytes
};
// The kernels of the layers of one block of the graph, summed over its layers.
struct BlockKernels {
  std::string name;  // the graph block's: "layers", "dense layers", "embedding", "head"
  std::int64_t layers = 0;
  std::vector<KernelTime> kernels;
};
// One decode step's kernels by block (--explain); their seconds sum to the step's but for the
// pipeline's hand-offs.
std::vector<BlockKernels> decode_kernels(const ServingWork& work, const ClusterSpec& cluster,
                                         const ServingLoad& load);

// Distinct routed experts a step of `tokens` tokens reads of `experts`, each token choosing `k`
// uniformly: E·(1 − (1 − k/E)^tokens) (the expected count under uniform routing).
double experts_touched(std::int64_t experts, std::int64_t k, std::int64_t tokens);

// Keys the queries of a `prompt`-token sequence read in all, causal, at most `window` each
// (0: no window): Σ_{i=1..prompt} min(i, window).
double causal_pairs(std::int64_t prompt, std::int64_t window);

}  // namespace tsize
