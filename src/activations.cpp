// What autograd saves for backward, op by op, for one micro-batch. Each storage is counted
// once (q, k and v are views of one fused projection) and charged to the first op that saves
// it, in forward order. Verified to the byte against PyTorch on nanoGPT (tests/data); for other
// families the same rules apply to their ops, with fused norm and RoPE kernels (docs/formulas.md).
#include "activations.hpp"

#include <fmt/format.h>

#include "tsize/units.hpp"

#include <utility>
#include <vector>

namespace tsize::detail {
namespace {

Count u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

// Byte sizes of the tensors of a step under a precision and device.
struct Dtypes {
  Count compute;    // Linear inputs/outputs, attention, MLP
  Count residual;   // the residual stream, norm inputs
  Count norm_out;   // what a norm returns (fp32 under autocast: the next Linear casts it)
  Count softmax;    // attention probabilities as the softmax returns them
  bool cast_probs;  // CUDA autocast: p·v runs in bf16 on a cast copy of fp32 probabilities
  Count embedding;  // embedding output (embeddings are not autocast)
  bool autocast;
};

Dtypes dtypes(const MemoryOptions& o) {
  switch (o.precision) {
    case Precision::kFp32:
      return {4, 4, 4, 4, false, 4, false};
    case Precision::kAmpBf16:
    case Precision::kAmpFp16:
      // CUDA autocast runs softmax in fp32; CPU autocast in bf16 (pytorch-nanogpt.json README).
      return o.device == Device::kCuda ? Dtypes{2, 4, 4, 4, true, 4, true}
                                       : Dtypes{2, 4, 4, 2, false, 4, true};
    default:
      return {2, 2, 2, 2, false, 2, false};  // bf16 weights: everything bf16
  }
}

// Storages of one block instance: each is charged once, to its first saver.
class Storages {
 public:
  int make(Count bytes) {
    bytes_.push_back(bytes);
    saved_.push_back(false);
    return static_cast<int>(bytes_.size()) - 1;
  }
  Count save(int id) {
    if (id < 0 || saved_[static_cast<std::size_t>(id)]) return 0;
    saved_[static_cast<std::size_t>(id)] = true;
    return bytes_[static_cast<std::size_t>(id)];
  }
  Count fresh(Count bytes) { return save(make(bytes)); }  // a new tensor, saved at once

 private:
  std::vector<Count> bytes_;
  std::vector<bool> saved_;
};

// The walk over one block's ops; names follow graph.cpp.
class BlockWalk {
 public:
  BlockWalk(const ModelSpec& spec, const Workload& w, const MemoryOptions& o)
      : s_(spec), o_(o), t_(dtypes(o)), b_(u(w.batch)), seq_(u(w.seq)), n_(b_ * seq_) {
    resid_ = st_.make(t_.residual * n_ * u(s_.d_model));
  }

  // What the last visit saved, for --explain: "input 3.00 MiB, statistics 8.00 KiB".
  const std::string& described() const { return what_; }

  Count visit(const Op& op) {
    what_.clear();
    switch (op.kind) {
      case OpKind::kNorm:
        return norm(op);
      case OpKind::kLinear:
        return linear(op);
      case OpKind::kRotary:
        return rotary(op);
      case OpKind::kAttention:
        return op.attention.softmax ? attention(op) : indexer_scores(op);
      case OpKind::kActivation:
        return activation(op);
      case OpKind::kResidual:
        return residual();
      default:
        return 0;
    }
  }

 private:
  Count tokens(const Op& op) const { return op.first_token_only ? b_ : n_ * u(op.active_copies); }
  Count dropout_mask(Count elements, Count dtype) const {  // what dropout keeps for backward
    if (o_.dropout <= 0) return 0;
    return elements * (o_.device == Device::kCpu ? dtype : 1);
  }
  Count stats(const Op& op, Count rows) const {  // mean and rstd (LayerNorm) or rstd, fp32
    return rows * 4 * (op.norm == NormKind::kLayerNorm ? 2 : 1);
  }

  // What a norm over `rows` rows of its width saves, its input being storage `input` of
  // `dtype` bytes per element. LayerNorm and fused RMSNorm kernels: the input and statistics.
  // Eager RMSNorm (transformers' LlamaRMSNorm and its copies): x.to(fp32) (a copy unless x is
  // fp32), pow saves it, rsqrt its result, and weight · x̂.to(dtype) saves x̂ in x's dtype.
  Count normalize(const Op& op, int input, Count dtype, Count rows) {
    const Count elems = rows * u(op.out);
    if (op.norm != NormKind::kRMSNorm || o_.fused_rmsnorm) {
      return keep(input, "input") + keep_new(stats(op, rows), "statistics");
    }
    return (dtype == 4 ? keep(input, "input (fp32)")
                       : keep_new(4 * elems, "fp32 copy of the input")) +
           keep_new(4 * rows, "rsqrt") + keep_new(dtype * elems, "normalized input");
  }

  Count norm(const Op& op) {
    const Count w = u(op.out);
    if (op.group == "attention" || op.group == "indexer") {  // q/k norms, MLA's latent norms
      const int input = op.name == "q_norm"                              ? q_
                        : op.name == "k_norm" && op.group == "attention" ? k_
                        : op.name == "q_a_norm"                          ? q_a_
                        : op.name == "kv_a_norm"                         ? kv_a_
                                                                         : index_k_;
      const Count rows = n_ * u(op.per_token);
      const Count saved = normalize(op, input, t_.compute, rows);
      const int out = st_.make(t_.compute * rows * w);
      if (op.name == "q_norm") q_ = out;
      if (op.name == "k_norm" && op.group == "attention") k_ = out;
      if (op.name == "q_a_norm") q_a_normed_ = out;
      if (op.name == "kv_a_norm") kv_a_normed_ = out;
      if (op.group == "indexer") index_k_ = out;
      return saved;
    }
    // A post norm (Gemma-2's sandwich) normalizes the branch output; the others the residual.
    const bool post = op.name.rfind("post_", 0) == 0;
    const int input = post ? branch_ : resid_;
    const Count saved = normalize(op, input, post ? t_.compute : t_.residual, n_);
    const int out = st_.make(t_.norm_out * n_ * w);
    if (post) {
      branch_ = out;
    } else {
      normed_ = out;
    }
    if (s_.structure == Structure::kEncoder) resid_ = out;  // BERT: the norm output carries on
    return saved;
  }

  // A Linear saves its input (in the compute dtype: under autocast, its own cast copy).
  Count linear(const Op& op) {
    const Count rows = tokens(op);
    Count saved = 0;
    int input = -1;
    if (op.group == "attention" && op.name == "o_proj") {
      input = attn_out_;
    } else if (op.name == "down_proj") {  // mlp, experts, shared_experts: the activation output
      input = mlp_out_;
    } else if (op.group == "experts") {
      if (gathered_ < 0) gathered_ = st_.make(t_.compute * rows * u(op.in));  // index_select
      input = gathered_;
    } else if (op.name == "q_b_proj" || op.name == "wq_b") {
      input = q_a_normed_;
    } else if (op.name == "kv_b_proj") {
      input = kv_a_normed_;
    } else if (op.group == "pooler") {
      input = st_.make(t_.compute * rows * u(op.in));  // hidden_states[:, 0]
    } else {
      input = shared_input(rows * u(op.in));
    }
    saved += keep(input, "input");
    if (op.group == "router" && op.name == "gate") {
      // Routing: softmax/sigmoid scores (fp32) and the top-k weights the combine multiplies.
      saved += keep_new(rows * u(op.out) * 4, "routing scores (fp32)") +
               keep_new(rows * u(s_.moe->experts_per_token) * 4, "top-k weights (fp32)");
    }
    const int out = st_.make(t_.compute * rows * u(op.out));
    record_output(op, out);
    return saved;
  }

  // The norm output as a Linear input: shared, or (autocast) one cast copy per Linear call.
  int shared_input(Count elements) {
    if (!t_.autocast) return normed_;
    return st_.make(t_.compute * elements);
  }

  void record_output(const Op& op, int out) {
    const std::string& n = op.name;
    if (n == "qkv_proj" || n == "q_proj") q_ = out;
    if (n == "qkv_proj" || n == "k_proj") k_ = out;
    if (n == "qkv_proj" || n == "v_proj") v_ = out;
    if (n == "q_a_proj") q_a_ = out;
    if (n == "kv_a_proj") kv_a_ = out;
    if (n == "q_b_proj") q_ = out;
    if (n == "kv_b_proj") k_ = v_ = out;
    if (n == "wq_b") index_q_ = out;
    if (n == "wk") index_k_ = out;
    if (n == "weights_proj") index_w_ = out;
    if (n == "o_proj" || n == "down_proj" || (op.group == "pooler" && n == "dense")) {
      branch_ = out;
    }
    if (n == "gate_up_proj") gate_ = up_ = out;  // Phi-3: chunk views of one output
    if (n == "gate_proj") gate_ = out;
    if (n == "up_proj") up_ = out;
  }

  Count rotary(const Op& op) {
    // Fused RoPE: the rotated q and k are new tensors the attention saves; cos/sin are shared.
    const AttentionShape& a = op.attention;
    if (s_.mla) {  // only the decoupled RoPE part is rotated; the core reassembles q and k
      return 0;
    }
    q_ = st_.make(t_.compute * n_ * u(a.heads * a.qk_dim));
    k_ = st_.make(t_.compute * n_ * u(a.kv_heads * a.qk_dim));
    return 0;
  }

  Count attention(const Op& op) {
    const AttentionShape& a = op.attention;
    Count saved = 0;
    if (s_.mla) {  // q and k are rebuilt from their nope and RoPE parts: new tensors
      q_ = st_.make(t_.compute * n_ * u(a.heads * a.qk_dim));
      k_ = st_.make(t_.compute * n_ * u(a.heads * a.qk_dim));
    }
    const bool gqa = a.kv_heads != a.heads;
    if (o_.attention == AttentionImpl::kFlash) {
      // Flash/SDPA: q, k, v, the output (which o_proj reads as a view) and the log-sum-exp;
      // the dropout mask is regenerated from the saved RNG state (seed and offset, int64).
      saved += keep(q_, "q") + keep(k_, "k") + keep(v_, "v");
      attn_out_ = st_.make(t_.compute * n_ * u(a.heads * a.v_dim));
      saved += keep(attn_out_, "output") +
               keep_new(b_ * u(a.heads) * seq_ * 4, "log-sum-exp (fp32)") +
               keep_new(16, "RNG seed and offset");
      return saved;
    }
    // Eager: q·kᵀ saves q and k (GQA: copies expanded to every query head), the scale is a
    // float64 scalar, masked_fill a bool mask of s², softmax its result, p·v the
    // probabilities (a copy when dropped out or cast) and v.
    const Count probs = b_ * u(a.heads) * seq_ * seq_;
    saved += keep(q_, "q");
    saved += gqa ? keep_new(t_.compute * n_ * u(a.heads * a.qk_dim), "k expanded to every head")
                 : keep(k_, "k");
    // Selective recomputation (Korthikanti et al. 2022 §5) keeps only q, k, v and recomputes
    // the scores, softmax and dropout in backward.
    if (o_.recompute != Recompute::kSelective) {
      saved += keep_new(8, "scale (float64 scalar)");
      if (a.causal) saved += keep_new(seq_ * seq_, "causal mask (bool)");
      saved += keep_new(probs * t_.softmax, "softmax probabilities");
      if (o_.dropout > 0) {
        saved += keep_new(dropout_mask(probs, t_.softmax), "dropout mask") +
                 keep_new(probs * t_.compute, "dropped-out probabilities");
      } else if (t_.cast_probs) {
        saved += keep_new(probs * t_.compute, "probabilities cast for p·v");
      }
    }
    saved += gqa ? keep_new(t_.compute * n_ * u(a.heads * a.v_dim), "v expanded to every head")
                 : keep(v_, "v");
    attn_out_ = st_.make(t_.compute * n_ * u(a.heads * a.v_dim));  // transpose(1, 2).contiguous()
    return saved;
  }

  Count indexer_scores(const Op&) {
    // DeepSeek's indexer kernel computes scores, ReLU and the weighted head sum fused; its
    // inputs are what backward needs.
    return keep(index_q_, "indexer q") + keep(index_k_, "indexer k") +
           keep(index_w_, "head weights");
  }

  Count activation(const Op& op) {
    const Count elems = tokens(op) * u(op.out);
    if (!op.gated) {  // GELU saves its input, ReLU its output: the same size
      const Count saved = keep(up_, "input");
      mlp_out_ = st_.make(t_.compute * elems);
      return saved;
    }
    // act(gate) saves gate; the product saves act(gate) and up.
    Count saved = keep(gate_, "gate") + keep_new(t_.compute * elems, "act(gate)") + keep(up_, "up");
    mlp_out_ = st_.make(t_.compute * elems);
    return saved;
  }

  Count residual() {
    // The branch output, dropped out (a mask or noise), added to the residual stream.
    Count saved = keep_new(dropout_mask(n_ * u(s_.d_model), t_.compute), "dropout mask");
    if (!routed_combined_ && s_.moe && gathered_ >= 0) {
      // MoE combine: expert outputs times routing weights (both saved), scattered back.
      saved += keep_new(t_.compute * n_ * u(s_.moe->experts_per_token) * u(s_.d_model),
                        "expert outputs for the weighted combine");
      routed_combined_ = true;
    }
    resid_ = st_.make(t_.residual * n_ * u(s_.d_model));
    branch_ = -1;
    return saved;
  }

  Count keep(int id, const char* label) { return log(st_.save(id), label); }
  Count keep_new(Count bytes, const char* label) { return log(st_.fresh(bytes), label); }
  Count log(Count bytes, const char* label) {
    if (bytes > 0) {
      if (!what_.empty()) what_ += ", ";
      what_ += std::string(label) + " " + human_bytes(bytes, ByteUnits::kBinary);
    }
    return bytes;
  }

  std::string what_;
  const ModelSpec& s_;
  const MemoryOptions& o_;
  const Dtypes t_;
  const Count b_, seq_, n_;
  Storages st_;
  int resid_ = -1, normed_ = -1, branch_ = -1;
  int q_ = -1, k_ = -1, v_ = -1, attn_out_ = -1;
  int q_a_ = -1, kv_a_ = -1, q_a_normed_ = -1, kv_a_normed_ = -1;
  int index_q_ = -1, index_k_ = -1, index_w_ = -1;
  int gate_ = -1, up_ = -1, mlp_out_ = -1, gathered_ = -1;
  bool routed_combined_ = false;
};

// Saved bytes of the ops outside the layer stack.
Count outside_op(const ModelSpec& s, const Op& op, const Workload& w, const MemoryOptions& o,
                 bool first_embedding) {
  const Dtypes t = dtypes(o);
  const Count b = u(w.batch), seq = u(w.seq), n = b * seq, h = u(s.d_model);
  switch (op.kind) {
    case OpKind::kEmbedding: {
      // Token (and token-type) indices are the batch: b·s int64; positions are arange(s).
      Count saved = op.name == "position" ? seq * 8 : n * 8;
      if (first_embedding && o.dropout > 0) {  // the embedding sum, dropped out
        saved += n * h * (o.device == Device::kCpu ? t.embedding : 1);
      }
      return saved;
    }
    case OpKind::kNorm: {  // embedding norm (BERT) or final norm, as BlockWalk::normalize
      const Count dtype = op.group == "embedding" ? t.embedding : t.residual;
      if (op.norm == NormKind::kRMSNorm && !o.fused_rmsnorm) {
        return 4 * n * h + 4 * n + dtype * n * h;
      }
      return n * h * dtype + n * 4 * (op.norm == NormKind::kLayerNorm ? 2 : 1);
    }
    case OpKind::kLinear:  // lm_head: its input in the compute dtype
      return op.first_token_only ? b * h * t.compute : n * h * t.compute;
    case OpKind::kPooler:  // tanh saves its output
      return b * h * t.compute;
    case OpKind::kLoss:
      // Eager cross-entropy: fp32 log-probabilities, the targets (int64) and a scalar weight.
      // Fused: the logits in the compute dtype and an fp32 log-sum-exp per token.
      return o.loss == LossImpl::kEager ? n * u(s.vocab) * 4 + n * 8 + 4
                                        : n * u(s.vocab) * t.compute + n * 4 + n * 8;
    default:
      return 0;
  }
}

// What an op outside the layers saves, in words (for --explain).
std::string outside_what(const Op& op, const MemoryOptions& o) {
  switch (op.kind) {
    case OpKind::kEmbedding:
      return o.dropout > 0 ? "indices (int64), dropout mask" : "indices (int64)";
    case OpKind::kNorm:
      return op.norm == NormKind::kRMSNorm && !o.fused_rmsnorm
                 ? "input in fp32, rsqrt, normalized input"
                 : "input, statistics (fp32)";
    case OpKind::kLinear:
      return "input";
    case OpKind::kPooler:
      return "tanh output";
    case OpKind::kLoss:
      return o.loss == LossImpl::kEager ? "log-probabilities (fp32), targets (int64), weight"
                                        : "logits, log-sum-exp (fp32), targets (int64)";
    default:
      return "";
  }
}

}  // namespace

SavedTensors saved_for_backward(const Graph& g, const Workload& w, const MemoryOptions& o) {
  SavedTensors r;
  bool first_embedding = true;
  for (const Block& block : g.blocks) {
    if (block.layers.empty()) {
      for (const Op& op : block.ops) {
        const Count bytes = outside_op(g.spec, op, w, o, first_embedding);
        if (op.kind == OpKind::kEmbedding) first_embedding = false;
        r.per_op[&op] = bytes;
        if (bytes > 0) r.what[&op] = outside_what(op, o);
        r.total = add(r.total, bytes, "activation bytes");
      }
      continue;
    }
    BlockWalk walk(g.spec, w, o);
    Count layer = 0;
    for (const Op& op : block.ops) {
      const Count bytes = walk.visit(op);
      r.per_op[&op] = bytes;
      if (bytes > 0) r.what[&op] = walk.described();
      layer = add(layer, bytes, "activation bytes");
    }
    r.per_layer.push_back(layer);
    r.total = add(r.total, mul(layer, u(block.repeat), "activation bytes"), "activation bytes");
  }
  return r;
}

}  // namespace tsize::detail
