// What autograd saves for backward, op by op, for one micro-batch: a walk over each block that
// follows the graph's dataflow. Each storage is charged once, to the first op that saves it, in
// forward order. Verified to the byte against PyTorch on nanoGPT (tests/data); for other
// families the same rules apply to their ops under the runtime's kernels (docs/formulas.md).
#include "tsize/activations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace tsize {
namespace {

const Input kFp32{"fp32", 4};
const Input kFp64{"fp64", 8};
const Input kInt64{"int64", 8};
const Input kBool{"bool", 1};

// Bytes per element of the tensors of a step under a precision and device, named as formulas
// print them.
struct Dtypes {
  Input compute;    // Linear inputs/outputs, attention, MLP
  Input residual;   // the residual stream, norm inputs, the embedding sum
  Input norm_out;   // what a norm returns (fp32 under autocast: the next Linear casts it)
  Input softmax;    // attention probabilities as the softmax returns them
  bool cast_probs;  // CUDA autocast: p·v runs in bf16 on a cast copy of fp32 probabilities
};

// `softmax_native`: the model's code calls softmax without dtype=float32 (GPT-2).
Dtypes dtypes(const ActivationOptions& o, bool softmax_native = false) {
  const bool fp16 = o.precision == Precision::kAmpFp16 || o.precision == Precision::kMixedFp16 ||
                    o.precision == Precision::kMixedFp16Fp32Grads;
  const Input half = fp16 ? Input{"fp16", 2} : Input{"bf16", 2};
  if (o.kernels.transformers_code && !softmax_native) {
    // transformers' Llama family: softmax(dtype=float32).to(query.dtype)
    Dtypes d = dtypes(ActivationOptions{o.precision, {}, Device::kCuda, o.recompute, o.dropout});
    d.softmax = kFp32;
    d.cast_probs = d.compute.value != 4;
    return d;
  }
  switch (o.precision) {
    case Precision::kFp32:
      return {kFp32, kFp32, kFp32, kFp32, false};
    case Precision::kAmpBf16:
    case Precision::kAmpFp16:
      // CUDA autocast runs softmax in fp32; CPU autocast in bf16 (pytorch-nanogpt.json README).
      return o.device == Device::kCuda ? Dtypes{half, kFp32, kFp32, kFp32, true}
                                       : Dtypes{half, kFp32, kFp32, half, false};
    default:
      return {half, half, half, half, false};  // bf16 weights: everything bf16
  }
}

// Up to eight factors of a term: rows, width, dtype.
class Factors {
 public:
  Factors& add(Input in) {
    if (!in.name && in.value == 1) return *this;  // a literal 1 multiplies nothing
    if (n_ == at_.size()) throw std::logic_error("activation walk: a term of over 8 factors");
    at_[n_++] = in;
    return *this;
  }
  std::span<const Input> span() const { return {at_.data(), n_}; }

 private:
  std::array<Input, 8> at_{};
  std::size_t n_ = 0;
};

// The walk over one block instance. `state` holds a byte per tensor of the block (kept by the
// caller, so blocks reuse one buffer): whether it was produced, and whether it was saved.
class BlockWalk {
 public:
  BlockWalk(const Graph& g, const Block& block, const Workload& w, const ActivationOptions& o,
            std::vector<std::uint8_t>& state)
      : block_(block),
        o_(o),
        t_(dtypes(o, g.spec.softmax_native)),
        b_{"b", to_count(w.batch)},
        s_{"s", to_count(w.seq)},
        top_k_{"k", g.spec.moe ? to_count(g.spec.moe->experts_per_token) : 1},
        k_{g.spec.moe && g.spec.moe->dense_experts && o.kernels.transformers_code
               ? Input{"E", to_count(g.spec.moe->n_routed_experts)}
               : Input{"k", g.spec.moe ? to_count(g.spec.moe->experts_per_token) : 1}},
        h_{"h", to_count(g.spec.d_model)},
        n_pos_{"n_pos", to_count(g.spec.max_positions)},
        encoder_(g.spec.structure == Structure::kEncoder),
        mask_buffer_(g.spec.causal_mask_buffer),
        scale_tensor_(g.spec.scale_tensor),
        attn_softcap_(g.spec.attn_softcap),
        final_softcap_(g.spec.final_softcap),
        renormalize_(g.spec.moe && g.spec.moe->renormalize),
        spec_(g.spec),
        state_(state) {
    state_.assign(block.tensors.size(), 0);
    for (std::size_t i = 0; i < block.tensors.size(); ++i) {
      if (block.tensors[i].producer < 0) state_[i] = kProduced;  // block inputs exist at once
    }
  }

  template <class Sink>
  void visit(const Op& op, Sink& out) {
    for (const TensorId id : op.inputs) require(op, id);
    for (const TensorId id : op.outputs) state_[index(id)] |= kProduced;
    switch (op.kind()) {
      case OpKind::kEmbedding:
        return embedding(op, out);
      case OpKind::kNorm:
        return norm(op, out);
      case OpKind::kLinear:
        return linear(op, out);
      case OpKind::kAttention:
        return op.attention.softmax ? attention(op, out) : indexer_scores(op, out);
      case OpKind::kActivation:
        return activation(op, out);
      case OpKind::kResidual:
        return residual(out);
      case OpKind::kRoute:
        if (op.role == Role::kExpertCombine) return combine(op, out);
        return dispatch(op, out);
      case OpKind::kPooler:
        out.set_source("tanh saves its output");
        return keep(op.outputs[0], "tanh output", out);
      case OpKind::kLoss:
        return loss(op, out);
      case OpKind::kRotary:
        out.set_source(
            "the rotated q and k are new tensors; the attention core saves them; q·cos and "
            "rotate(q)·sin keep views of the model's cos and sin tables (charged there)");
        return;
      case OpKind::kRotaryTable:
        if (op.unread) {
          out.set_source(op.no_matmul ? "torch.outer's tables: each layer indexes its own copy"
                                      : "computed, read by no layer (Falcon under ALiBi)");
          return;
        }
        if (spec_.rope_complex && o_.kernels.transformers_code) {  // Llama-4's freqs_cis
          out.set_source("Llama-4's freqs_cis: one complex64 table; q_ · freqs_cis keeps it");
          out.product("freqs_cis (complex64)",
                      {s_, {"d_rot/2", to_count(op.out / 2)}, {"complex64", 8}});
          return;
        }
        out.set_source(
            "transformers' rotary embedding: cos and sin of every position, computed once per "
            "forward; every layer's q·cos, k·cos, rotate(q)·sin, rotate(k)·sin keep them");
        return keep(op.outputs[0], "cos and sin tables", out);
      case OpKind::kBias:
        return;
    }
  }

 private:
  static constexpr std::uint8_t kProduced = 1, kSaved = 2;
  static std::size_t index(TensorId id) { return static_cast<std::size_t>(id); }
  const Tensor& tensor(TensorId id) const { return block_.tensors[index(id)]; }

  void require(const Op& op, TensorId id) const {
    if (id < 0 || index(id) >= state_.size() || (state_[index(id)] & kProduced) == 0) {
      throw std::logic_error(fmt::format("activation walk: {} reads tensor {}, never produced",
                                         op_path(block_, op), id));
    }
  }

  Input dtype(const Tensor& t) const {
    switch (t.dtype) {
      case TensorDtype::kResidual:
        return t_.residual;
      case TensorDtype::kNormOutput:
        return t_.norm_out;
      case TensorDtype::kCompute:
        return t_.compute;
      case TensorDtype::kIndex:
        return kInt64;
    }
    return t_.compute;
  }

  // The rows of a tensor: b·s, b·s·k, b or s.
  Factors rows(Rows r) const {
    Factors f;
    switch (r) {
      case Rows::kTokens:
        return f.add(b_).add(s_);
      case Rows::kRoutedTokens:
        return f.add(b_).add(s_).add(k_);
      case Rows::kFirstTokens:
        return f.add(b_);
      case Rows::kPositions:
        return f.add(s_);
    }
    return f;
  }

  // rows × width of a tensor, then `dtype` (its own unless given).
  Factors elements(const Tensor& t, Input each) const {
    Factors f = rows(t.rows);
    for (const Dim& d : t.width) f.add(Input{d.name, to_count(d.size)});
    return f.add(each);
  }

  Input mask_of(Input dtype) const {  // what dropout keeps per element for backward
    return o_.device == Device::kCpu ? dtype : Input{"u8", 1};
  }

  // Saves tensor `id` unless an earlier op saved its storage.
  template <class Sink>
  void keep(TensorId id, const char* label, Sink& out) {
    if ((state_[index(id)] & kSaved) != 0) return;
    state_[index(id)] |= kSaved;
    const Tensor& t = tensor(id);
    out.product(label, elements(t, dtype(t)).span());
  }

  // A slice of `heads`·`dim` features of tensor id for a matmul: at batch 1 a view, which keeps
  // the whole storage (a fused qkv output); at batch > 1 the matmul cannot fold [b, heads, s, d]
  // strides into one batch dimension and copies the slice, which is what it keeps.
  template <class Sink>
  void keep_slice(TensorId id, Input heads, Input dim, const char* label, Sink& out) {
    const Tensor& t = tensor(id);
    const Count width = mul(to_count(t.width[0].size), to_count(t.width[1].size));
    if (b_.value == 1 || width == mul(heads.value, dim.value) || t.rows != Rows::kTokens) {
      return keep(id, label, out);
    }
    out.product(label, {b_, s_, heads, dim, dtype(t)});
  }

  template <class Sink>
  void embedding(const Op& op, Sink& out) {
    out.set_source("nn.Embedding saves its indices (int64); positions are arange(s)");
    const char* label = op.role == Role::kPositionEmbedding    ? "position ids (int64)"
                        : op.role == Role::kTokenTypeEmbedding ? "token type ids (int64)"
                                                               : "token ids (int64)";
    if (encoder_ && op.role != Role::kTokenEmbedding) {
      // BertEmbeddings slices its position_ids and token_type_ids buffers, [1, n_positions]
      // (expanded over the batch): the saved indices keep the whole buffer.
      out.product(op.role == Role::kPositionEmbedding ? "position ids: the buffer (int64)"
                                                      : "token type ids: the buffer (int64)",
                  {n_pos_, kInt64});
    } else {
      keep(op.inputs[0], label, out);
    }
    if (op.plus_one) {  // Gemma: hidden · normalizer, a scalar tensor in the embeddings' dtype
      out.product("√h normalizer (a scalar)", {t_.residual});
    }
    if (op.role == Role::kTokenEmbedding)
      scalar(spec_.embedding_multiplier, "embedding multiplier", out);
    if (op.role == Role::kTokenEmbedding && o_.dropout > 0) {  // the embedding sum, dropped out
      out.product("dropout mask of the embedding sum", {b_, s_, h_, mask_of(t_.residual)});
    }
  }

  // LayerNorm and fused RMSNorm kernels save the input and statistics. Eager RMSNorm
  // (transformers' LlamaRMSNorm and its copies): x.to(fp32) (a copy unless x is fp32), pow saves
  // it, rsqrt its result, and weight · x̂.to(dtype) saves x̂ in x's dtype.
  template <class Sink>
  void norm(const Op& op, Sink& out) {
    const Tensor& in = tensor(op.inputs[0]);
    const Tensor& normed = tensor(op.outputs[0]);
    const Input in_dtype = dtype(in);
    const Input per = op.per_token == 1         ? Input{nullptr, 1}
                      : op.role == Role::kQNorm ? Input{"a", to_count(op.per_token)}
                      : op.role == Role::kKNorm ? Input{"kv", to_count(op.per_token)}
                                                : Input{nullptr, to_count(op.per_token)};
    Factors stat_rows = rows(Rows::kTokens);
    stat_rows.add(per).add(kFp32);
    if (op.norm == NormKind::kLayerNorm && spec_.layer_norm_composite &&
        o_.kernels.transformers_code) {
      // CohereLayerNorm: x.to(fp32); pow keeps x − μ, rsqrt its result, (x − μ)·rsqrt a second
      // x − μ, w.to(fp32)·x̂ keeps x̂: three fp32 copies of the input and one statistic.
      out.set_source(
          "CohereLayerNorm, fp32 Python ops: pow and ·rsqrt each keep an x − μ, rsqrt its "
          "result, w · x̂ keeps x̂");
      const Factors wide = elements(normed, kFp32);
      out.product("x − μ (pow)", wide.span());
      out.product("x − μ (· rsqrt)", wide.span());
      out.product("rsqrt (fp32)", stat_rows.span());
      out.product("normalized input (fp32)", wide.span());
      return;
    }
    if (op.norm != NormKind::kRMSNorm || o_.kernels.rmsnorm == NormImpl::kFused) {
      const bool layer_norm = op.norm == NormKind::kLayerNorm;
      out.set_source(layer_norm ? "LayerNorm saves its input, mean and rstd (fp32)"
                                : "a fused RMSNorm kernel saves its input and rstd (fp32)");
      if (layer_norm && in_dtype.value != 4 && is_autocast(o_.precision) &&
          o_.device == Device::kCuda) {
        // CUDA autocast runs layer_norm in fp32 (autocast_mode.cpp's fp32 list): it keeps its
        // own fp32 copy of a 16-bit input (CPU autocast runs it in the input's dtype).
        out.product("input cast to fp32 (CUDA autocast)", elements(in, kFp32).span());
      } else {
        keep(op.inputs[0], "input", out);
      }
      if (layer_norm) stat_rows.add(Input{nullptr, 2});
      out.product(layer_norm ? "mean and rstd (fp32)" : "rstd (fp32)", stat_rows.span());
      return;
    }
    out.set_source(
        "transformers' eager RMSNorm: x.to(fp32), pow(2), rsqrt and weight · x̂.to(dtype) each "
        "save an input");
    if (in_dtype.value == 4) {
      keep(op.inputs[0], "input (fp32)", out);
    } else {
      out.product("fp32 copy of the input", elements(normed, kFp32).span());
    }
    out.product("rsqrt (fp32)", stat_rows.span());
    // Gemma computes x̂·(1 + w) in fp32 and casts after; Llama (and OLMo-2 at the reference
    // commit; later versions multiply in fp32 too) casts x̂ back before ·w.
    out.product("normalized input", elements(normed, op.plus_one ? kFp32 : in_dtype).span());
    if (op.plus_one) {  // Gemma: x̂ · (1.0 + weight.float()) keeps the fp32 (1 + w)
      out.product("(1 + w) in fp32", {{"out", to_count(op.out)}, kFp32});
    }
  }

  // A Linear saves its input: under autocast a cast copy of its own when the input is not in
  // the compute dtype; BERT's pooler a copy of the first token's row.
  template <class Sink>
  void linear(const Op& op, Sink& out) {
    const TensorId x = op.inputs[0];
    const Tensor& in = tensor(x);
    out.set_source("nn.Linear saves its input (under autocast, its own cast copy of it)");
    if (o_.precision == Precision::kFp8 && has_weight_copy(op, o_.precision)) {
      // te.Linear quantizes its input and keeps only the FP8 transpose for the weight gradient
      // (linear.py: inputmat.update_usage(rowwise_usage=False, columnwise_usage=True)).
      out.set_source("Transformer Engine's FP8 GEMM keeps its input's FP8 transpose");
      out.product("input in FP8 (transposed)", elements(in, {"fp8", 1}).span());
      return;
    }
    if (op.first_token_only && dtype(in).value == t_.compute.value) {
      keep(x, "the last hidden state (hidden[:, 0] is a view of it)", out);
    } else if (op.first_token_only) {  // cast: a copy of the first token's row only
      Factors f = rows(Rows::kFirstTokens);
      for (const Dim& d : in.width) f.add(Input{d.name, to_count(d.size)});
      out.product("first token's input, cast", f.add(t_.compute).span());
    } else if (dtype(in).value != t_.compute.value) {
      out.product("input cast to the compute dtype", elements(in, t_.compute).span());
    } else {
      keep(x, "input", out);
    }
    if (op.role == Role::kLmHead && final_softcap_) {  // logits / c, tanh, · c
      out.product("soft-capped logits: tanh result",
                  elements(tensor(op.outputs[0]), t_.compute).span());
      out.product("softcap scalars (float64)", {{nullptr, 2}, kFp64});
    }
    if (op.role == Role::kLmHead) scalar(spec_.logits_multiplier, "logits multiplier", out);
    if (op.role == Role::kRouter) return router(op, out);
  }

  template <class Sink>
  void attention(const Op& op, Sink& out) {
    const AttentionShape& a = op.attention;
    const Input heads{"a", to_count(a.heads)}, d_qk{"d_qk", to_count(a.qk_dim)},
        d_v{"d_v", to_count(a.v_dim)};
    const TensorId q = op.inputs[0], k = op.inputs[1], v = op.inputs[2];
    if (o_.kernels.attention == AttentionImpl::kFlash) {
      // Flash/SDPA: q, k, v, the output (which o_proj reads as a view) and the log-sum-exp;
      // the dropout mask is regenerated from the saved RNG state (seed and offset, int64).
      out.set_source(
          "flash attention / SDPA saves q, k, v, its output, the log-sum-exp and "
          "the RNG state");
      keep(q, "q", out);
      keep(k, "k", out);
      keep(v, "v", out);
      keep(op.outputs[0], "output", out);
      out.product("log-sum-exp (fp32)", {b_, heads, s_, kFp32});
      out.product("RNG seed and offset", {{nullptr, 2}, kInt64});
      return;
    }
    // Eager: q·kᵀ saves q and k (GQA: copies expanded to every query head), the scale is a
    // float64 scalar, masked_fill a bool mask of s², softmax its result, p·v the
    // probabilities (a copy when dropped out or cast) and v.
    out.set_source(
        !o_.kernels.transformers_code
            ? "eager attention: q·kᵀ saves q and k, scale a float64 scalar, masked_fill a "
              "bool mask, softmax its output, p·v the probabilities and v"
            : "eager attention: q·kᵀ saves q and k, scale a float64 scalar, softmax its "
              "output, p·v the probabilities and v; the float mask is added (nothing saved)");
    // repeat_kv expands and reshapes k and v to every query head: a copy for GQA, but for MQA
    // (one KV head) at batch 1 the reshape is a view of k and v themselves. Under autocast,
    // q·cos with the fp32 cos table promotes k to fp32, and the matmul's bf16 cast of the
    // expanded k is a full copy (issue 12's records).
    const bool grouped = a.kv_heads != a.heads;
    const bool mqa_view = a.kv_heads == 1 && b_.value == 1;
    const bool k_cast = a.rotary_dim > 0 && t_.residual.value != t_.compute.value;
    const bool k_copy = grouped && !(mqa_view && !k_cast);
    const bool v_copy = grouped && !mqa_view;
    const Input probs_dtype = t_.softmax;
    const Input kv_heads{"kv", to_count(a.kv_heads)};
    if (spec_.clip_qkv && o_.kernels.transformers_code) clamp_qkv(op, out);
    if (spec_.l2_qk_norm && a.rotary_dim > 0 && o_.kernels.transformers_code) {
      // Llama4TextL2Norm: x.float() * rsqrt(x.pow(2).mean(-1) + eps): pow keeps the fp32 x
      // (a copy, or RoPE's output itself), rsqrt its result, per head.
      const Input heads_kv{"a+kv", to_count(a.heads + a.kv_heads)};
      out.product("q and k for the L2 norm (fp32)", {b_, s_, heads_kv, d_qk, kFp32});
      out.product("their rsqrt (fp32)", {b_, s_, heads_kv, kFp32});
    }
    if (spec_.attn_temperature_tuning && a.rotary_dim == 0 && o_.kernels.transformers_code) {
      out.product("temperature scale per position (fp32)", {s_, kFp32});  // NoPE layers
    }
    if (spec_.kv_index_select && o_.kernels.transformers_code) {
      out.product("k and v index lists (int64)", {{nullptr, 2}, kInt64});
    }
    keep_slice(q, heads, d_qk, "q", out);
    if (k_copy) {
      out.product("k expanded to every head", {b_, s_, heads, d_qk, t_.compute});
    } else {
      keep_slice(k, kv_heads, d_qk, "k", out);
    }
    // Selective recomputation (Korthikanti et al. 2022 §5) keeps only q, k, v and recomputes
    // the scores, softmax and dropout in backward.
    if (o_.recompute != Recompute::kSelective) {
      if (attn_softcap_) {  // scores / c, tanh, · c: tanh keeps its result, each scalar a float64
        out.product("soft-capped scores: tanh result", {b_, heads, s_, s_, t_.compute});
        out.product("softcap scalars (float64)", {{nullptr, 2}, kFp64});
      }
      if (o_.kernels.megatron_code) {
        // FusedScaleMaskSoftmax: scale and mask inside the kernel, nothing kept for them
      } else if (o_.kernels.transformers_code && scale_tensor_) {
        out.product("scale (a scalar tensor in the scores' dtype)", {t_.compute});
      } else {
        out.product("scale (float64 scalar)", {kFp64});
      }
      if (o_.kernels.megatron_code) {
        // the causal mask too
      } else if (a.causal && !o_.kernels.transformers_code) {
        out.product("causal mask (bool)", {s_, s_, kBool});  // nanoGPT: bias[:T, :T] == 0
      } else if (a.causal && mask_buffer_) {  // GPT-2: torch.where on a view of its buffer
        out.product("causal mask: the layer's bool buffer", {n_pos_, n_pos_, kBool});
      }
      out.product("softmax probabilities", {b_, heads, s_, s_, probs_dtype});
      if (a.sinks && o_.kernels.transformers_code) {
        // gpt-oss (derived: the model is newer than the measured commit): cat(scores, sinks),
        // minus their max (max keeps its int64 indices), softmax over s + 1 columns, the sink's
        // column sliced off.
        out.product("softmax's sink column", {b_, heads, s_, probs_dtype});
        out.product("max indices (int64)", {b_, heads, s_, kInt64});
      }
      if (o_.dropout > 0) {
        out.product("dropout mask", {b_, heads, s_, s_, mask_of(probs_dtype)});
        out.product("dropped-out probabilities", {b_, heads, s_, s_, t_.compute});
      } else if (t_.cast_probs) {
        out.product("probabilities cast for p·v", {b_, heads, s_, s_, t_.compute});
      }
    }
    if (v_copy) {
      out.product("v expanded to every head", {b_, s_, heads, d_v, t_.compute});
    } else {
      keep_slice(v, kv_heads, d_v, "v", out);
    }
  }

  // clip_qkv: clamp keeps its input. DBRX clamps the fused Wqkv output into a new tensor (q, k
  // and v are views of the result); OLMoE clamp_()s q, k and v in place, which saves a clone of
  // each: q and k as their norms return them (w · x̂ promotes to fp32 under autocast), v as
  // v_proj does.
  template <class Sink>
  void clamp_qkv(const Op& op, Sink& out) {
    const AttentionShape& a = op.attention;
    const Input heads{"a", to_count(a.heads)}, kv{"kv", to_count(a.kv_heads)};
    const Input d_qk{"d_qk", to_count(a.qk_dim)}, d_v{"d_v", to_count(a.v_dim)};
    if (spec_.fused_qkv) {  // the whole Wqkv output: a·d_qk + kv·(d_qk + d_v) features
      const Count width = to_count(a.heads * a.qk_dim + a.kv_heads * (a.qk_dim + a.v_dim));
      out.product("qkv before the clamp", {b_, s_, {"qkv", width}, t_.compute});
      return;
    }
    const Input qk_dtype = spec_.qk_norm != QkNorm::kNone ? t_.norm_out : t_.compute;
    out.product("q before clamp_ (a clone)", {b_, s_, heads, d_qk, qk_dtype});
    out.product("k before clamp_ (a clone)", {b_, s_, kv, d_qk, qk_dtype});
    out.product("v before clamp_ (a clone)", {b_, s_, kv, d_v, t_.compute});
  }

  // DeepSeek's indexer kernel computes scores, ReLU and the weighted head sum fused; its
  // inputs are what backward needs.
  template <class Sink>
  void indexer_scores(const Op& op, Sink& out) {
    out.set_source("DeepSeek's fused indexer kernel saves its inputs");
    keep(op.inputs[0], "indexer q", out);
    keep(op.inputs[1], "indexer k", out);
    keep(op.inputs[2], "head weights", out);
  }

  // GELU saves its input, ReLU its output (the same size); act(gate)·up saves gate, act(gate)
  // and up.
  template <class Sink>
  void activation(const Op& op, Sink& out) {
    if (!op.gated && op.activation == Activation::kGeluNew && o_.kernels.transformers_code) {
      // NewGELUActivation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) in Python ops: pow keeps
      // x, tanh its result, the last product 0.5·x and (1 + tanh), three scalar products a
      // float64 each.
      out.set_source("transformers' gelu_new, a Python composite: each op keeps its inputs");
      const Factors f = elements(tensor(op.outputs[0]), t_.compute);
      if (is_autocast(o_.precision) && o_.device == Device::kCuda) {
        // CUDA autocast runs pow in fp32 (autocast_mode.cpp's fp32 list): pow keeps an fp32
        // copy of x, and everything after it up to the last product is fp32.
        const Factors wide = elements(tensor(op.outputs[0]), kFp32);
        out.product("x cast to fp32 (pow)", wide.span());
        out.product("tanh result (fp32)", wide.span());
        out.product("1 + tanh (fp32)", wide.span());
      } else {
        keep(op.inputs[0], "x (pow)", out);
        out.product("tanh result", f.span());
        out.product("1 + tanh", f.span());
      }
      out.product("0.5·x", f.span());
      out.product("three scalar factors (float64)", {{nullptr, 3}, kFp64});
      return;
    }
    if (!op.gated && spec_.bias_after_matmul && spec_.mlp_bias && is_autocast(o_.precision) &&
        o_.kernels.transformers_code) {
      // FalconLinear: (x @ W.T) + b, the fp32 bias added after autocast's bf16 matmul.
      out.set_source("GELU saves its input: FalconLinear adds its fp32 bias after the matmul");
      out.product("input (fp32)", elements(tensor(op.inputs[0]), kFp32).span());
      return;
    }
    if (!op.gated) {
      out.set_source("GELU saves its input; ReLU its output, of the same size");
      return keep(op.inputs[0], "input", out);
    }
    out.set_source("act(gate) saves gate; the product saves act(gate) and up");
    keep(op.inputs[0], "gate", out);
    out.product("act(gate)", elements(tensor(op.outputs[0]), t_.compute).span());
    keep(op.inputs[1], "up", out);
  }

  // Routing: softmax/sigmoid scores (fp32) and the top-k weights the combine multiplies. In
  // transformers' eager MoE (modeling_mixtral.py and its copies), topk keeps its int64 indices,
  // and the renormalization (norm_topk_prob) divides the top-k weights by their sum, keeping
  // both.
  template <class Sink>
  void router(const Op& op, Sink& out) {
    const Input experts{"experts", to_count(op.out)};
    if (!o_.kernels.transformers_code) {
      out.product("routing scores (fp32)", {b_, s_, experts, kFp32});
      out.product("top-k weights (fp32)", {b_, s_, top_k_, kFp32});
      return;
    }
    const MoeSpec& m = *spec_.moe;
    if (m.input_jitter) {  // x *= empty_like(x).uniform_(...): the noise, in x's dtype
      out.product("input jitter noise", {b_, s_, h_, t_.norm_out});
    }
    if (m.sparsemixer) {
      // PhiMoE's sparsemixer, twice (top-1, then top-2 with the first masked): masked_fill
      // keeps a bool mask, softmax its result (the logits' dtype), the multiplier Function
      // its gathered weight; the max indices are the top-k indices.
      out.set_source("PhiMoE's sparsemixer: masks, softmaxes and multipliers of two rounds");
      out.product("masked_fill masks (bool)", {{nullptr, 2}, b_, s_, experts, kBool});
      out.product("softmax results", {{nullptr, 2}, b_, s_, experts, t_.compute});
      out.product("multipliers", {{nullptr, 2}, b_, s_, t_.compute});
      out.product("top-k indices (int64)", {b_, s_, top_k_, kInt64});
      return;
    }
    const Input route = routing_dtype();
    out.product("routing scores", {b_, s_, experts, route});
    out.product("top-k indices (int64)", {b_, s_, top_k_, kInt64});
    if (renormalize_) {
      out.product("top-k weights, divided by their sum", {b_, s_, top_k_, route});
      out.product("their sum", {b_, s_, route});
    }
    if (m.routed_scaling) out.product("routed scaling factor (float64)", {kFp64});
  }

  // The router's probabilities and weights: fp32 (softmax(dtype=float32) or an explicit
  // upcast) unless autocast undoes the upcast (DeepSeek-V3) or the code never upcasts (PhiMoE).
  Input routing_dtype() const {
    const MoeSpec& m = *spec_.moe;
    return m.routing_in_compute_dtype || m.sparsemixer ? t_.compute : kFp32;
  }

  // The weighted combine keeps the expert outputs it multiplies. transformers' eager loop over
  // experts: torch.where gives each expert its token and slot indices (int64), the product
  // keeps each routed token's weight (fp32) and index_add_ keeps the product it adds.
  template <class Sink>
  void combine(const Op& op, Sink& out) {
    out.set_source(o_.kernels.transformers_code
                       ? "transformers' eager expert loop: the product keeps the expert outputs "
                         "and their weights, index_add_ the products, torch.where two index lists"
                       : "the weighted combine keeps the expert outputs it multiplies");
    if (spec_.moe->dense_experts && o_.kernels.transformers_code) return;  // scatter_add_: index
    keep(op.inputs[0], "expert outputs for the weighted combine", out);
    if (op.inputs.size() == 4) {  // Qwen2-MoE: sigmoid(shared_expert_gate(x)) · shared output
      out.product("sigmoid of the shared-expert gate", {b_, s_, t_.compute});
      keep(op.inputs[2], "shared experts' output, for the gate's product", out);
    }
    if (!o_.kernels.transformers_code) return;
    out.product("each routed token's weight", {b_, s_, k_, routing_dtype()});
    // .to(hidden_states.dtype): the block's input dtype (fp32 under autocast); DeepSeek-V3
    // accumulates in the weights' dtype.
    const bool weights_dtype = spec_.moe->routing_in_compute_dtype;
    out.product("weighted outputs, kept by index_add_",
                {b_, s_, k_, h_, weights_dtype ? t_.compute : t_.norm_out});
    out.product("token and slot indices per expert (int64)", {{nullptr, 2}, b_, s_, k_, kInt64});
  }

  // Llama-4's dense expert path (transformers' code only): gather keeps the hidden states and
  // its int64 index over every expert's rows, the product keeps the gathered rows and a copy
  // of the reshaped scores; scatter_add_ keeps the same index. Other families gather nothing
  // their experts' casts do not keep.
  template <class Sink>
  void dispatch(const Op& op, Sink& out) {
    if (!spec_.moe->dense_experts || !o_.kernels.transformers_code) return;
    out.set_source(
        "Llama4TextMoe: gather (hidden states, index), routed_in × scores (both), for all E "
        "experts");
    keep(op.inputs[0], "hidden states (gather's input)", out);
    out.product("gather index (int64)", {b_, s_, k_, kInt64});
    out.product("gathered tokens", {b_, s_, k_, h_, t_.norm_out});
    out.product("scores, reshaped (a copy)", {b_, s_, k_, kFp32});
  }

  // The branch output, dropped out (a mask or noise), added to the residual stream.
  template <class Sink>
  void residual(Sink& out) {
    out.set_source("the residual add saves nothing; dropout on the branch keeps its mask");
    if (o_.dropout > 0) out.product("dropout mask", {b_, s_, h_, mask_of(t_.compute)});
    scalar(spec_.residual_multiplier, "residual multiplier", out);
  }

  // A tensor times a Python float (transformers' code only): mul keeps the number, wrapped as a
  // float64 scalar tensor.
  template <class Sink>
  void scalar(bool present, const char* what, Sink& out) {
    if (!present || !o_.kernels.transformers_code) return;
    out.product(what, {kFp64});
  }

  // Eager cross-entropy: fp32 log-probabilities, the targets (int64) and a scalar weight.
  // Fused: the logits in the compute dtype and an fp32 log-sum-exp per token.
  template <class Sink>
  void loss(const Op& op, Sink& out) {
    const Tensor& logits = tensor(op.inputs[0]);
    if (o_.kernels.loss == LossImpl::kEager) {
      out.set_source("log_softmax saves its fp32 output, nll_loss the targets and a weight");
      out.product("log-probabilities (fp32)", elements(logits, kFp32).span());
      if (o_.kernels.transformers_code && b_.value == 1) {
        // ForCausalLMLoss: labels padded by one, labels[..., 1:].contiguous() is a view of the
        // padded storage at batch 1 (one more element per sequence) ...
        out.formula("labels padded by one (int64)",
                    mul(mul(b_.value, add(s_.value, 1)), kInt64.value, "saved bytes"),
                    "b*(s+1)*int64", {b_, s_, kInt64});
      } else if (o_.kernels.transformers_code) {  // ... and a copy at batch > 1 (stride s + 1)
        out.product("shifted labels, a contiguous copy (int64)", {b_, s_, kInt64});
      } else {
        keep(op.inputs[1], "labels (int64)", out);
      }
      out.product("weight (fp32 scalar)", {kFp32});
      return;
    }
    out.set_source("a fused cross-entropy kernel saves the logits and a log-sum-exp per token");
    keep(op.inputs[0], "logits", out);
    out.product("log-sum-exp (fp32)", {b_, s_, kFp32});
    keep(op.inputs[1], "labels (int64)", out);
  }

  const Block& block_;
  const ActivationOptions& o_;
  const Dtypes t_;
  const Input b_, s_;
  const Input top_k_;  // experts each token is routed to
  const Input k_;      // rows per token entering the experts: top_k_, or E (Llama-4's code)
  const Input h_, n_pos_;
  const bool encoder_;  // BERT: position and token-type ids are views of registered buffers
  const bool mask_buffer_, scale_tensor_;    // GPT-2's transformers code (ModelSpec)
  const bool attn_softcap_, final_softcap_;  // Gemma-2: c·tanh(x / c) on scores and logits
  const bool renormalize_;                   // MoE: top-k weights divided by their sum
  const ModelSpec& spec_;                    // the family's code facts (model.hpp)
  std::vector<std::uint8_t>& state_;
};

// Calls on_op(block, op, sink) for every op after the walk has written its terms to a fresh
// Sink.
template <class Sink, class OnOp>
void walk(const Graph& g, const Workload& w, const ActivationOptions& o, OnOp on_op) {
  std::vector<std::uint8_t> state;
  for (const Block& block : g.blocks) {
    BlockWalk bw(g, block, w, o, state);
    for (const Op& op : block.ops) {
      Sink sink;
      bw.visit(op, sink);
      on_op(block, sink);
    }
  }
}

// Weight copies the recipe keeps (weight_copy_bytes): autocast's 16-bit casts of every Linear
// weight (tied heads and all experts included), or Transformer Engine's FP8 caches of its GEMMs.
Count autocast_copies(const Graph& g, Precision p) {
  if (weight_copy_bytes(p) == 0) return 0;
  Count n = 0;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      if (!has_weight_copy(op, p)) continue;
      n = add(
          n,
          mul(mul(mul(to_count(op.in), to_count(op.out)), to_count(op.copies)), to_count(b.repeat)),
          "autocast weight copies");
    }
  }
  return mul(n, weight_copy_bytes(p), "autocast weight copies");
}

}  // namespace

bool has_weight_copy(const Op& op, Precision p) {
  if (op.kind() != OpKind::kLinear || weight_copy_bytes(p) == 0) return false;
  if (p != Precision::kFp8) return true;
  return op.role != Role::kLmHead && op.role != Role::kRouter &&
         op.role != Role::kSharedExpertGate && op.role != Role::kPoolerDense;
}

Count layer_input_bytes(const Graph& g, const Workload& w, const ActivationOptions& o) {
  return mul(mul(mul(to_count(w.batch), to_count(w.seq)), to_count(g.spec.d_model)),
             dtypes(o).residual.value, "activation bytes");
}

SavedActivations saved_activations(const Graph& g, const Workload& w, const ActivationOptions& o) {
  SavedActivations r;
  std::size_t ops = 0;
  for (const Block& block : g.blocks) ops += block.ops.size();
  r.per_op.reserve(ops);
  r.per_block.reserve(g.blocks.size());
  const Count kept = layer_input_bytes(g, w, o);
  const Block* current = nullptr;
  Count block_bytes = 0;
  auto close_block = [&] {
    if (!current) return;
    r.per_block.push_back(block_bytes);
    const Count n = to_count(current->repeat);
    Count stays = block_bytes;
    if (o.recompute == Recompute::kFull && !current->layers.empty()) {
      stays = std::min(block_bytes, kept);
      r.checkpoints = add(r.checkpoints, mul(stays, n), "activation bytes");
      r.recomputed_layer = std::max(r.recomputed_layer, sub(block_bytes, stays));
    }
    r.total = add(r.total, mul(stays, n, "activation bytes"), "activation bytes");
  };
  walk<Tally>(g, w, o, [&](const Block& block, const Tally& op) {
    if (&block != current) {
      close_block();
      current = &block;
      block_bytes = 0;
    }
    r.per_op.push_back(op.total());
    block_bytes = add(block_bytes, op.total(), "activation bytes");
  });
  close_block();
  r.autocast_weight_copies = autocast_copies(g, o.precision);
  return r;
}

std::vector<Figure> saved_activation_figures(const Graph& g, const Workload& w,
                                             const ActivationOptions& o) {
  std::vector<Figure> out;
  walk<Figure>(g, w, o, [&](const Block&, Figure& op) { out.push_back(std::move(op)); });
  return out;
}

}  // namespace tsize
