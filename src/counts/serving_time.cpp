#include "tsize/serving_time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tsize/error.hpp"
#include "tsize/kernel_time.hpp"
#include "tsize/kv_cache.hpp"
#include "tsize/quantized_weights.hpp"
#include "tsize/shard_rules.hpp"

namespace tsize {
namespace {

double d(std::int64_t v) { return static_cast<double>(v); }

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// The GEMMs' rate: FP8 checkpoints run FP8 GEMMs (vLLM's Fp8LinearMethod: cutlass or
// torch._scaled_mm) and W8A8 int8 GEMMs, at the GPU's FP8 tensor rate where it has one (int8's
// equals it on Hopper and Ada); weight-only formats dequantize to the activations' bf16 inside
// the kernel (Marlin, the GGUF and bitsandbytes kernels) and multiply at bf16's.
Dtype compute_dtype(const WeightFormat& f, const Gpu& gpu) {
  const bool low = f.scheme == WeightScheme::kFp8 || (f.scheme == WeightScheme::kInt8 && f.w8a8);
  if (low && gpu.peak(Dtype::kFp8)) return Dtype::kFp8;
  if (f.scheme == WeightScheme::kFloat && f.float_bytes == 4) return Dtype::kFp32;
  return Dtype::kBf16;
}

// What a kernel's input or output holds per token on one rank: whole outside the tensor-parallel
// regions, ÷ T inside them (heads, MLP features, an expert's rows over its ranks).
double rank_share(const Op& op, std::int64_t tp) {
  const SavedSplit s = shard_rule(op).saved;
  return s == SavedSplit::kSequence || s == SavedSplit::kPositions ? 1.0 : 1.0 / d(tp);
}

// GEMMs fuse when they read the same tensor with the same split (vLLM's QKVParallelLinear,
// MergedColumnParallelLinear, the experts' w13): the key of that group.
struct FuseKey {
  TensorId input = -1;
  int split = 0;  // 0 replicated, 1 column, 2 row, 3 vocabulary, 4 expert column, 5 expert row
  std::int64_t copies = 1;
  bool operator<(const FuseKey& o) const {
    return std::tie(input, split, copies) < std::tie(o.input, o.split, o.copies);
  }
};

bool row_parallel(const Op& op) { return op.role == Role::kOutProj || op.role == Role::kMlpDown; }

class LayerBuilder {
 public:
  LayerBuilder(const Graph& g, const ServingOptions& o, const KvCache& cache, double act_bytes)
      : g_(g), o_(o), cache_(cache), act_bytes_(act_bytes) {}

  // One instance of `block` as layer `layer` (−1: outside the stack), its ops' weights per rank
  // from `bytes_of`.
  template <typename BytesOf>
  ServingLayer build(const Block& block, std::int64_t layer, std::int64_t stage,
                     const BytesOf& bytes_of) const {
    ServingLayer out;
    out.name = block.name;
    out.stage = stage;
    std::map<FuseKey, std::size_t> fused;
    bool attention_exit = false, mlp_exit = false;
    for (const Op& op : block.ops) {
      switch (op.kind()) {
        case OpKind::kLinear:
          add_gemm(op, bytes_of(op), fused, out);
          out.sampler = out.sampler || op.role == Role::kLmHead;
          if (o_.tp > 1 && row_parallel(op)) {
            (op.role == Role::kOutProj ? attention_exit : mlp_exit) = true;
          }
          break;
        case OpKind::kEmbedding:
          // A lookup: each token's row read in its stored dtype, written in the activations'.
          out.stream_bytes_per_token +=
              d(op.out) * (bytes_per_element(op, bytes_of(op)) + act_bytes_);
          ++out.stream_kernels;
          if (o_.tp > 1 && shard_rule(op).params == ParamSplit::kVocab) ++out.all_reduces;
          break;
        case OpKind::kNorm:
          out.stream_bytes_per_token +=
              2 * d(op.out) * d(op.per_token) * act_bytes_ * rank_share(op, o_.tp);
          ++out.stream_kernels;
          break;
        case OpKind::kResidual:  // fused into the next norm (vLLM's fused_add_rms_norm)
          out.stream_bytes_per_token += 3 * d(op.out) * act_bytes_;
          break;
        case OpKind::kActivation:
          out.stream_bytes_per_token += d(op.out) * (op.gated ? 3 : 2) * act_bytes_ *
                                        rank_share(op, o_.tp) * routed_rows(block, op);
          ++out.stream_kernels;
          break;
        case OpKind::kRotary:
          out.stream_bytes_per_token += 2 * d(op.attention.heads + op.attention.kv_heads) *
                                        d(op.attention.rotary_dim) * act_bytes_ / d(o_.tp);
          ++out.stream_kernels;
          break;
        case OpKind::kRoute:
          out.stream_bytes_per_token += route_bytes(op);
          ++out.stream_kernels;
          break;
        case OpKind::kAttention:
          if (op.attention.softmax && layer >= 0) add_attention(op, layer, out);
          break;
        default:  // rotary tables (cached), the router's bias, the loss: no serving kernel
          break;
      }
    }
    out.all_reduces += (attention_exit ? 1 : 0) + (mlp_exit ? 1 : 0);
    return out;
  }

 private:
  static double bytes_per_element(const Op& op, double bytes) {
    const double params = d(op.in) * d(op.out);
    return params > 0 && bytes > 0 ? bytes / params : 2;
  }

  // Bytes per token of MoE routing as vLLM's fused MoE moves them: the dispatch sorts token ids
  // by expert (moe_align_block_size: k int32 ids) and the expert GEMM gathers its rows itself;
  // the combine reads each token's k weighted rows and writes one (moe_sum), ÷ EP.
  double route_bytes(const Op& op) const {
    const double k = d(g_.spec.moe ? g_.spec.moe->experts_per_token : 1);
    if (op.role == Role::kExpertDispatch) return 4 * k;
    return (k + 1) * d(g_.spec.d_model) * act_bytes_ / d(o_.ep);
  }

  // Rows per token of an op's output: k for the routed experts' rows. A rank holds 1/T of them
  // either way (rank_share): TP splits each expert's width, EP the experts and so the rows.
  double routed_rows(const Block& b, const Op& op) const {
    if (op.outputs.size() == 0) return 1;
    if (b.tensors[static_cast<std::size_t>(op.outputs[0])].rows != Rows::kRoutedTokens) return 1;
    return d(g_.spec.moe ? g_.spec.moe->experts_per_token : 1);
  }

  void add_gemm(const Op& op, double bytes, std::map<FuseKey, std::size_t>& fused,
                ServingLayer& out) const {
    const ShardRule rule = shard_rule(op);
    const std::int64_t t = o_.tp;
    ServingGemm gemm;
    gemm.name = fmt::format("{}/{}", op.group(), op.name());
    gemm.n = op.out;
    gemm.k = op.in;
    gemm.weight_bytes = bytes;
    FuseKey key{op.inputs.size() > 0 ? op.inputs[0] : TensorId{-1}, 0, op.copies};
    switch (rule.params) {
      case ParamSplit::kReplicated:
        break;
      case ParamSplit::kTensor:
        key.split = row_parallel(op) ? 2 : 1;
        (row_parallel(op) ? gemm.k : gemm.n) = ceil_div(row_parallel(op) ? op.in : op.out, t);
        break;
      case ParamSplit::kVocab:
        key.split = 3;
        gemm.n = ceil_div(op.out, t);
        gemm.last_token_only = op.role == Role::kLmHead;
        out.vocab_gather = gemm.last_token_only && t > 1;
        break;
      case ParamSplit::kExpert:
        key.split = row_parallel(op) ? 5 : 4;
        gemm.experts = op.copies / o_.ep;
        if (o_.ep == 1) {  // every expert on every rank, split over T as Megatron's TP splits it
          (row_parallel(op) ? gemm.k : gemm.n) = ceil_div(row_parallel(op) ? op.in : op.out, t);
        }
        break;
    }
    if (op.role == Role::kLmHead) gemm.last_token_only = true;
    const auto [it, added] = fused.try_emplace(key, out.gemms.size());
    if (added) {
      out.gemms.push_back(gemm);
      return;
    }
    ServingGemm& into = out.gemms[it->second];
    into.name += fmt::format("+{}", op.name());
    into.n += gemm.n;
    into.weight_bytes += gemm.weight_bytes;
  }

  void add_attention(const Op& op, std::int64_t layer, ServingLayer& out) const {
    const AttentionShape& a = op.attention;
    ServingAttention s;
    s.heads = a.heads / o_.tp;
    s.prefill_dim = d(a.qk_dim + a.v_dim);
    s.decode_dim = s.prefill_dim;
    if (g_.spec.mla) {  // decode absorbs kv_b_proj: queries and values over the latent (MLA)
      s.decode_dim = d(2 * g_.spec.mla->kv_lora_rank + g_.spec.mla->qk_rope_head_dim);
    }
    s.window = a.top_k > 0 ? a.top_k : a.window > 0 ? a.window : a.chunk;
    const KvLayers& kv = cache_.groups[cache_.layer_group[static_cast<std::size_t>(layer)]];
    const std::int64_t heads = std::max<std::int64_t>(kv.heads, 1);
    s.kv_bytes_per_token =
        to_double(kv.bytes_per_token) * d(std::max<std::int64_t>(heads / o_.tp, 1)) / d(heads);
    // The new token's keys and values written into the cache (vLLM's reshape_and_cache).
    out.stream_bytes_per_token += s.kv_bytes_per_token;
    ++out.stream_kernels;
    out.attention.push_back(s);
  }

  const Graph& g_;
  const ServingOptions& o_;
  const KvCache& cache_;
  double act_bytes_;
};

// Mean over decode steps of the keys a query reads: contexts input+1 … input+steps, each capped
// at the window.
double mean_kept(std::int64_t input, std::int64_t steps, std::int64_t window) {
  const double first = d(input) + 1, last = d(input) + d(steps);
  if (window <= 0 || last <= d(window)) return (first + last) / 2;
  if (first >= d(window)) return d(window);
  const double below = d(window) - first + 1;  // contexts first … window, uncapped
  const double sum = (first + d(window)) / 2 * below + d(window) * (d(steps) - below);
  return sum / d(steps);
}

struct PassShape {
  std::int64_t tokens = 1;  // GEMM rows of one chunk
  std::int64_t last = 1;    // rows of the last chunk
  std::int64_t chunks = 1;
  std::int64_t sequences = 1;  // the head's rows (prefill: one per sequence; decode: each)
  bool decode = false;
};

class Pricer {
 public:
  Pricer(const ServingWork& w, const ClusterSpec& c, const ServingLoad& l)
      : w_(w),
        c_(c),
        gpu_(c.gpu),
        l_(l),
        tp_span_(group_span(w.tp, 1, c.gpus_per_node)),
        pp_span_(group_span(w.pp, w.tp, c.gpus_per_node)) {}

  double act_bytes() const {
    return element_bytes(w_.compute == Dtype::kFp32 ? Dtype::kFp32 : Dtype::kBf16);
  }

  // One GEMM kernel over `rows` token rows: routed experts take the rows their tokens chose.
  GemmCost gemm(const ServingGemm& g, std::int64_t rows, double fixed, double* touched) const {
    if (g.experts == 0) {
      return gemm_cost({rows, g.n, g.k, 1}, w_.compute, gpu_, g.weight_bytes, fixed);
    }
    const double e = d(w_.routed_experts), k = d(w_.experts_per_token);
    const double hit = experts_touched(w_.routed_experts, w_.experts_per_token, rows) *
                       d(g.experts) / e;  // of this rank's experts
    if (touched != nullptr) *touched = hit;
    const double slots = d(rows) * k * d(g.experts) / e;  // token rows this rank's experts take
    const std::int64_t per_expert = std::max<std::int64_t>(std::llround(slots / hit), 1);
    const std::int64_t copies = std::max<std::int64_t>(std::llround(hit), 1);
    return gemm_cost({per_expert, g.n, g.k, copies}, w_.compute, gpu_,
                     g.weight_bytes * hit / d(g.experts), fixed);
  }

  // Every kernel of one layer in a pass, in order: each GEMM, the attention, the memory-bound
  // kernels together, the sampler, the collectives.
  template <typename Visit>
  void for_each_kernel(const ServingLayer& layer, const PassShape& s, double* touched,
                       const Visit& visit) const {
    const KernelModel& k = gpu_.kernels;
    const double gemm_fixed = s.decode ? k.graph_kernel_s : k.kernel_start_s;
    const double h = d(w_.d_model) * act_bytes();
    const double tokens = d(s.tokens) * d(s.chunks - 1) + d(s.last);
    for (const ServingGemm& g : layer.gemms) {
      KernelTime kt{KernelClass::kGemm, g.name};
      const std::int64_t runs = g.last_token_only ? 1 : s.chunks;
      const std::int64_t rows = g.last_token_only ? s.sequences : s.tokens;
      const GemmCost full = gemm(g, rows, gemm_fixed, g.last_token_only ? nullptr : touched);
      const GemmCost last = runs > 1 ? gemm(g, s.last, gemm_fixed, nullptr) : full;
      kt.seconds = d(runs - 1) * full.seconds() + last.seconds();
      kt.compute_bound = last.compute >= last.memory;
      kt.weight_bytes =
          d(runs) *
          (g.experts == 0
               ? g.weight_bytes
               : g.weight_bytes * experts_touched(w_.routed_experts, w_.experts_per_token, rows) /
                     d(w_.routed_experts));
      kt.flops =
          2 * d(g.n) * d(g.k) * (g.last_token_only ? d(s.sequences) : tokens) *
          (g.experts == 0 ? 1.0 : d(w_.experts_per_token) * d(g.experts) / d(w_.routed_experts));
      kt.kernels = runs;
      visit(kt);
    }
    for (const ServingAttention& a : layer.attention) visit(attention(a, s));
    if (layer.stream_kernels > 0) {
      KernelTime kt{KernelClass::kMemoryBound, "memory-bound kernels"};
      kt.kernels = layer.stream_kernels * s.chunks;
      kt.seconds = stream_seconds(layer.stream_bytes_per_token * tokens, gpu_) +
                   d(kt.kernels) * k.graph_kernel_s;
      visit(kt);
    }
    if (layer.sampler) {  // fp32 logits written, then read by the softmax and the sampler
      KernelTime kt{KernelClass::kMemoryBound, "sampler"};
      kt.kernels = 3;
      kt.seconds =
          stream_seconds(3 * d(s.sequences) * d(w_.vocab) * 4, gpu_) + 3 * k.graph_kernel_s;
      visit(kt);
    }
    if (layer.all_reduces > 0 && w_.tp > 1) {
      KernelTime kt{KernelClass::kCommunication, "TP all-reduce"};
      kt.kernels = layer.all_reduces * s.chunks;
      kt.seconds = d(layer.all_reduces) *
                   (d(s.chunks - 1) *
                        collective_seconds(Collective::kAllReduce, d(s.tokens) * h, tp_span_, c_) +
                    collective_seconds(Collective::kAllReduce, d(s.last) * h, tp_span_, c_));
      visit(kt);
    }
    if (layer.vocab_gather) {
      KernelTime kt{KernelClass::kCommunication, "logits all-gather"};
      kt.kernels = 1;
      kt.seconds = collective_seconds(Collective::kAllGather,
                                      d(s.sequences) * d(w_.vocab) * act_bytes(), tp_span_, c_);
      visit(kt);
    }
  }

  PhaseTime pass(const PassShape& s, double* touched) const {
    PhaseTime t;
    double repeat = 1;  // the layer's run
    auto add = [&t, &repeat](const KernelTime& k) {
      switch (k.kind) {
        case KernelClass::kGemm:
          t.gemm += repeat * k.seconds;
          break;
        case KernelClass::kAttention:
          t.attention += repeat * k.seconds;
          break;
        case KernelClass::kMemoryBound:
          t.memory_bound += repeat * k.seconds;
          break;
        case KernelClass::kCommunication:
          t.communication += repeat * k.seconds;
          break;
      }
      t.weight_bytes += repeat * k.weight_bytes;
      t.kv_bytes += repeat * k.kv_bytes;
      t.flops += repeat * k.flops;
      if (k.kind != KernelClass::kCommunication) {
        t.kernels += static_cast<std::int64_t>(repeat) * k.kernels;
      }
    };
    for (const ServingLayer& layer : w_.layers) {
      repeat = d(layer.repeat);
      for_each_kernel(layer, s, touched, add);
    }
    if (w_.pp > 1) {  // the residual stream handed from stage to stage
      t.communication +=
          d(w_.pp - 1) * d(s.chunks) *
          collective_seconds(Collective::kSendRecv, d(s.tokens) * d(w_.d_model) * act_bytes(),
                             pp_span_, c_);
    }
    return t;
  }

 private:
  KernelTime attention(const ServingAttention& a, const PassShape& s) const {
    const KernelModel& k = gpu_.kernels;
    const Dtype dtype = w_.compute == Dtype::kFp32 ? Dtype::kFp32 : Dtype::kBf16;
    KernelTime kt{KernelClass::kAttention, "attention"};
    if (!s.decode) {  // a flash kernel over each prompt's causal pairs, chunk by chunk
      kt.flops =
          2 * d(a.heads) * a.prefill_dim * d(l_.batch) * causal_pairs(l_.input_len, a.window);
      kt.kernels = s.chunks;
      kt.seconds =
          flash_attention_seconds(kt.flops, false, dtype, gpu_) + d(s.chunks) * k.graph_kernel_s;
      kt.kv_bytes = a.kv_bytes_per_token * d(l_.batch) * d(l_.input_len);  // written
      kt.compute_bound = true;
      return kt;
    }
    // Decode: each sequence's query reads its cached keys and values (paged attention).
    const double kept =
        mean_kept(l_.input_len, std::max<std::int64_t>(l_.output_len - 1, 1), a.window);
    kt.kv_bytes = d(l_.batch) * kept * a.kv_bytes_per_token;
    kt.flops = 2 * d(l_.batch) * kept * d(a.heads) * a.decode_dim;
    const double peak = to_double(gpu_.peak(dtype).value_or(0));
    const double memory = stream_seconds(kt.kv_bytes, gpu_);
    const double compute = kt.flops / (peak * k.attention_forward_efficiency);
    kt.compute_bound = compute >= memory;
    kt.seconds = std::max(memory, compute) + k.graph_kernel_s;
    kt.kernels = 1;
    return kt;
  }

  const ServingWork& w_;
  const ClusterSpec& c_;
  const Gpu& gpu_;
  const ServingLoad& l_;
  GroupSpan tp_span_, pp_span_;
};

// Whether a decode step of `batch` tokens is compute-bound in its GEMMs: their FLOPs take longer
// than their bytes.
bool gemms_compute_bound(const ServingWork& w, const ClusterSpec& c, const ServingLoad& l,
                         std::int64_t batch) {
  const Pricer p(w, c, l);
  double compute = 0, memory = 0;
  for (const ServingLayer& layer : w.layers) {
    for (const ServingGemm& g : layer.gemms) {
      const GemmCost cost = p.gemm(g, batch, 0, nullptr);
      compute += d(layer.repeat) * cost.compute;
      memory += d(layer.repeat) * cost.memory;
    }
  }
  return compute >= memory;
}

std::int64_t knee(const ServingWork& w, const ClusterSpec& c, const ServingLoad& l) {
  constexpr std::int64_t kLimit = 65536;
  if (!gemms_compute_bound(w, c, l, kLimit)) return 0;
  std::int64_t lo = 1, hi = kLimit;  // the smallest batch that is compute-bound
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (gemms_compute_bound(w, c, l, mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

}  // namespace

std::vector<BlockKernels> decode_kernels(const ServingWork& w, const ClusterSpec& c,
                                         const ServingLoad& l) {
  const Pricer p(w, c, l);
  PassShape decode;
  decode.tokens = decode.last = decode.sequences = l.batch;
  decode.decode = true;
  std::vector<BlockKernels> out;
  for (const ServingLayer& layer : w.layers) {
    BlockKernels* block = nullptr;
    for (BlockKernels& b : out) {
      if (b.name == layer.name) block = &b;
    }
    if (block == nullptr) {
      out.push_back({layer.name, 0, {}});
      block = &out.back();
    }
    block->layers += layer.repeat;
    const double n = d(layer.repeat);
    std::size_t i = 0;
    p.for_each_kernel(layer, decode, nullptr, [&](const KernelTime& k) {
      if (i == block->kernels.size()) block->kernels.push_back({k.kind, k.name});
      KernelTime& into = block->kernels[i];
      into.seconds += n * k.seconds;
      into.weight_bytes += n * k.weight_bytes;
      into.kv_bytes += n * k.kv_bytes;
      into.flops += n * k.flops;
      into.kernels += layer.repeat * k.kernels;
      into.compute_bound = k.compute_bound;
      ++i;
    });
  }
  return out;
}

double experts_touched(std::int64_t experts, std::int64_t k, std::int64_t tokens) {
  if (experts <= 0) return 0;
  const double miss = 1 - d(k) / d(experts);
  return d(experts) * (1 - std::pow(miss, d(tokens)));
}

double causal_pairs(std::int64_t prompt, std::int64_t window) {
  const double s = d(prompt);
  if (window <= 0 || prompt <= window) return s * (s + 1) / 2;
  const double w = d(window);
  return w * (w + 1) / 2 + (s - w) * w;
}

ServingWork serving_work(const Graph& g, const Gpu& gpu, const ServingOptions& o) {
  throw_serving_problems(g.spec, serving_split_problems(g, o));
  if (!gpu.kernels.known()) {
    throw Error(fmt::format(
        "{} has no kernel model: serving time needs a GPU of `tsize gpus` (--gpu)", gpu.name));
  }
  ServingWork w;
  w.tp = o.tp;
  w.pp = o.pp;
  w.d_model = g.spec.d_model;
  w.vocab = g.spec.vocab;
  if (g.spec.moe) {
    w.routed_experts = g.spec.moe->n_routed_experts;
    w.experts_per_token = g.spec.moe->experts_per_token;
  }
  w.compute = compute_dtype(o.weights, gpu);
  const double act_bytes = w.compute == Dtype::kFp32 ? 4 : 2;

  // Each op's bytes on one rank, per layer (GGUF mixes differ from layer to layer): a layer's
  // ops by their place in its block; the ops outside the stack by address.
  std::size_t widest = 0;
  for (const Block& b : g.blocks) widest = std::max(widest, b.ops.size());
  std::vector<double> layer_bytes(g.layer_blocks.size() * widest, 0);
  std::map<const Op*, double> outside_bytes;
  double embedding_bytes = 0;  // a tied head reads the embedding's rows
  for_each_weight(g, o.weights, [&](const OpWeights& ow) {
    const double b = to_double(rank_weight_bytes(ow, o.tp));
    if (ow.layer < 0) {
      outside_bytes[ow.op] += b;
    } else {
      const Block& block = g.blocks[g.layer_blocks[static_cast<std::size_t>(ow.layer)]];
      const auto place = static_cast<std::size_t>(ow.op - block.ops.data());
      layer_bytes[static_cast<std::size_t>(ow.layer) * widest + place] += b;
    }
    if (ow.op->role == Role::kTokenEmbedding) embedding_bytes = b;
  });
  const KvCache cache = kv_cache(g, o.kv_dtype);
  const LayerBuilder builder(g, o, cache, act_bytes);
  const std::vector<std::int64_t> per_stage = serving_stage_layers(g.spec.n_layers, o.pp);
  std::vector<std::int64_t> stage_of;
  for (std::int64_t i = 0; i < o.pp; ++i) {
    stage_of.insert(stage_of.end(),
                    static_cast<std::size_t>(per_stage[static_cast<std::size_t>(i)]), i);
  }
  bool before = true;
  auto add_layer = [&](ServingLayer layer) {  // a run of identical layers counts once
    if (!w.layers.empty() && w.layers.back().same_work(layer)) {
      ++w.layers.back().repeat;
    } else {
      w.layers.push_back(std::move(layer));
    }
  };
  auto outside = [&](const Block& b) {
    const std::int64_t stage = before ? 0 : o.pp - 1;
    add_layer(builder.build(b, -1, stage, [&](const Op& op) {
      if (op.tied && op.role == Role::kLmHead) return embedding_bytes;
      const auto it = outside_bytes.find(&op);
      return it == outside_bytes.end() ? 0.0 : it->second;
    }));
  };
  for (const Block& b : g.blocks) {
    if (b.layers.empty() && before) outside(b);
    if (!b.layers.empty()) break;
  }
  before = false;
  for (std::size_t i = 0; i < g.layer_blocks.size(); ++i) {
    const Block& b = g.blocks[g.layer_blocks[i]];
    const auto layer = static_cast<std::int64_t>(i);
    add_layer(builder.build(b, layer, stage_of[i], [&](const Op& op) {
      return layer_bytes[i * widest + static_cast<std::size_t>(&op - b.ops.data())];
    }));
  }
  bool past = false;
  for (const Block& b : g.blocks) {
    if (!b.layers.empty()) {
      past = true;
      continue;
    }
    if (past) outside(b);
  }
  return w;
}

ServingTime serving_time(const ServingWork& w, const ClusterSpec& c, const ServingLoad& l) {
  if (l.batch < 1 || l.input_len < 1 || l.output_len < 1 || l.max_batched_tokens < 1) {
    throw Error(fmt::format(
        "a serving load needs a batch, input and output lengths and a chunk of 1 or more (got "
        "{}, {}, {}, {})",
        l.batch, l.input_len, l.output_len, l.max_batched_tokens));
  }
  ServingTime t;
  const Pricer p(w, c, l);
  // Prefill: the batch's prompts in chunks of the engine's token budget.
  PassShape prefill;
  const std::int64_t tokens = l.batch * l.input_len;
  prefill.tokens = std::min(tokens, l.max_batched_tokens);
  prefill.chunks = ceil_div(tokens, prefill.tokens);
  prefill.last = tokens - (prefill.chunks - 1) * prefill.tokens;
  prefill.sequences = l.batch;
  t.prefill = p.pass(prefill, nullptr);
  t.prefill_chunks = prefill.chunks;
  // Decode: one step of the batch's next tokens, at the mean context of the generation.
  PassShape decode;
  decode.tokens = decode.last = decode.sequences = l.batch;
  decode.decode = true;
  t.decode = p.pass(decode, &t.experts_touched);
  const std::int64_t steps = std::max<std::int64_t>(l.output_len - 1, 1);
  t.mean_context = d(l.input_len) + (d(steps) + 1) / 2;
  t.ttft_s = t.prefill.total();
  t.tpot_s = t.decode.total();
  t.request_s = t.ttft_s + d(l.output_len - 1) * t.tpot_s;
  t.tokens_per_s = d(l.batch) * d(l.output_len) / t.request_s;
  t.tokens_per_s_per_gpu = t.tokens_per_s / d(w.tp * w.pp);
  t.bandwidth_share = (t.decode.weight_bytes + t.decode.kv_bytes) / t.tpot_s /
                      to_double(c.gpu.bandwidth_bytes_per_s);
  t.decode_compute_bound = gemms_compute_bound(w, c, l, l.batch);
  t.knee_batch = knee(w, c, l);
  t.gemm_dtype = w.compute;
  return t;
}

}  // namespace tsize
