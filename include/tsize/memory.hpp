// Training memory: model states (weights, gradients, master weights, optimizer states, per GPU
// under ZeRO), the tensors autograd saves for backward, op by op with shared storages counted
// once, and the peak of a step.
#pragma once

#include <cstdint>
#include <string>

#include "tsize/breakdown.hpp"
#include "tsize/count.hpp"
#include "tsize/graph.hpp"
#include "tsize/workload.hpp"

namespace tsize {

// How weights, gradients and activations are stored.
//   kFp32:        everything fp32.
//   kAmpBf16/16:  torch.autocast over fp32 weights: Linears run in bf16/fp16 on cast copies of
//                 their inputs and weights; norms, softmax (on CUDA) and the loss stay fp32.
//   kMixedBf16:   bf16 weights and gradients with an fp32 master copy in the optimizer
//                 (Megatron, DeepSpeed; ZeRO's 2 + 2 + 12 bytes per parameter).
//   kMixedBf16Fp32Grads: the same with fp32 gradients (2 + 4 + 12).
//   kBf16:        everything bf16, optimizer states too.
enum class Precision { kFp32, kAmpBf16, kAmpFp16, kMixedBf16, kMixedBf16Fp32Grads, kBf16 };

enum class Optimizer { kAdamW, kAdam, kSgd, kSgdMomentum, kAdafactor, kLion, kAdam8bit };

// The attention kernel: eager (scores materialized, softmax saved) or fused flash/SDPA
// (q, k, v, output and the log-sum-exp saved).
enum class AttentionImpl { kEager, kFlash };

// Where the step runs: the two places PyTorch on CPU saves differently from CUDA (dropout keeps
// a float noise tensor instead of a 1-byte mask; autocast runs softmax in bf16, not fp32).
enum class Device { kCuda, kCpu };

// The loss: eager cross-entropy saves fp32 log-probabilities (B·T·V·4 bytes); a fused kernel
// (torch.compile, Liger, Apex) saves the logits in the compute dtype and a log-sum-exp.
enum class LossImpl { kEager, kFused };

struct MemoryOptions {
  Precision precision = Precision::kFp32;
  Optimizer optimizer = Optimizer::kAdamW;
  AttentionImpl attention = AttentionImpl::kEager;
  Device device = Device::kCuda;
  LossImpl loss = LossImpl::kEager;
  // RMSNorm as a fused kernel (Liger, Apex, torch.compile: input and rstd saved) rather than
  // transformers' eager composite (an fp32 copy, rsqrt and the normalized input saved).
  bool fused_rmsnorm = false;
  Recompute recompute = Recompute::kNone;
  double dropout = 0;        // in [0, 1): embeddings, attention probabilities, residual branches
  int zero_stage = 0;        // 0-3 (3 = FSDP full sharding)
  std::int64_t gpus = 1;     // data-parallel GPUs that ZeRO shards over
  Count overhead_bytes = 0;  // CUDA context, allocator reserve: added to the peak as stated
};

struct MemoryCounts {
  // Model states on one GPU (after ZeRO sharding).
  Count weights = 0, gradients = 0, master_weights = 0, optimizer = 0;
  Count autocast_weight_copies = 0;  // bf16/fp16 weight casts held for backward under autocast
  Count activations = 0;        // saved for backward, one micro-batch (the records' saved_bytes)
  Count loss_transient = 0;     // logits held by the caller + the loss gradient at the peak
  Count gradients_at_peak = 0;  // gradients alive at the peak
  Count overhead = 0;
  Count peak = 0;
  std::string peak_phase;  // when the peak occurs
  Breakdown breakdown;     // activations by op, column "bytes"
};

// REQUIRES: w resolved. Throws Error for impossible options (ZeRO without GPUs, dropout outside
// [0, 1), ...) and on overflow.
MemoryCounts count_memory(const Graph& graph, const Workload& w, const MemoryOptions& o);

// Bytes per parameter of each model state, unsharded: weights, gradients, master, optimizer.
struct StateBytes {
  double weights, gradients, master, optimizer;
};
StateBytes state_bytes_per_param(const MemoryOptions& o);

Precision parse_precision(const std::string& v);  // fp32 | amp-bf16 | amp-fp16 | mixed-bf16 | ...
Optimizer parse_optimizer(const std::string& v);  // adamw | adam | sgd | sgd-momentum | ...
const char* to_string(Precision v);
const char* to_string(Optimizer v);

}  // namespace tsize
