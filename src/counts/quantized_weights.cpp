#include "tsize/quantized_weights.hpp"

#include <fmt/format.h>

#include <functional>
#include <string>

#include "tsize/error.hpp"

namespace tsize {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// A Linear the format quantizes: every Linear of the layer stack but the routers (AutoGPTQ's
// inside_layer_modules, AutoAWQ's get_named_linears over the decoder layers, llm-compressor's
// and DeepSeek-V3's FP8 Linears, bitsandbytes' nn.Linear replacement without lm_head): the
// embeddings, the head, norms and routers stay in floats.
bool quantized_linear(const Op& op, bool in_layers) {
  return op.kind() == OpKind::kLinear && in_layers && !op.tied && op.role != Role::kRouter &&
         op.role != Role::kSharedExpertGate;
}

// One quantized weight matrix of N output rows and K input features, as each scheme stores it.
Count matrix_bytes(const WeightFormat& f, const Op& op, std::int64_t n, std::int64_t k) {
  const Count nk = mul(to_count(n), to_count(k));
  switch (f.scheme) {
    case WeightScheme::kFp8:  // vLLM fp8_utils.py: fp32 scales per tensor, per row, per 128×128
      switch (f.fp8_scales) {
        case Fp8Scales::kTensor:
          return add(nk, 4);
        case Fp8Scales::kChannel:
          return add(nk, mul(to_count(n), 4));
        case Fp8Scales::kBlock128:
          return add(nk, mul(to_count(ceil_div(n, 128) * ceil_div(k, 128)), 4));
      }
      break;
    case WeightScheme::kInt8:  // int8 [N, K] and one fp32 scale per output row (bitsandbytes' SCB)
      return add(nk, mul(to_count(n), 4));
    case WeightScheme::kGptq:
    case WeightScheme::kAwq: {
      // AutoGPTQ QuantLinear: qweight int32 [K·b/32, N], qzeros int32 [K/g, N·b/32], scales fp16
      // [K/g, N], g_idx int32 [K]; AutoAWQ WQLinear_GEMM: qweight [K, N·b/32], qzeros, scales,
      // no g_idx.
      const bool gptq = f.scheme == WeightScheme::kGptq;
      const std::int64_t g = f.group > 0 ? f.group : k;
      const std::string_view name = op.name();
      if (k % g != 0) {
        throw Error(
            fmt::format("--weights {}: group size {} does not divide {}'s {} input features",
                        f.name, g, name, k));
      }
      if ((n * f.bits) % 32 != 0 || (gptq && (k * f.bits) % 32 != 0)) {
        throw Error(fmt::format("--weights {}: {}'s {} × {} weight does not pack into 32-bit words",
                                f.name, name, n, k));
      }
      const Count groups = to_count(k / g);
      Count b = mul(nk, to_count(f.bits)) / 8;                          // qweight
      b = add(b, mul(mul(groups, to_count(n)), to_count(f.bits)) / 8);  // qzeros
      b = add(b, mul(mul(groups, to_count(n)), 2));                     // scales
      return gptq ? add(b, mul(to_count(k), 4)) : b;                    // g_idx
    }
    case WeightScheme::kBnb4: {
      // bitsandbytes quantize_4bit: two weights a byte, one absmax per block of 64 (fp32; double
      // quantized: uint8, with an fp32 absmax per 256 blocks, a 256-entry fp32 map and an fp32
      // offset), and the 16-entry fp32 quant map.
      const Count blocks = (nk + 63) / 64;
      Count b = add((nk + 1) / 2, 64);
      if (f.double_quant) return add(add(b, blocks), add(mul((blocks + 255) / 256, 4), 1028));
      return add(b, mul(blocks, 4));
    }
    default:
      break;
  }
  return mul(nk, to_count(f.float_bytes));
}

// ---- GGUF: llama.cpp's per-tensor rules (src/llama-quant.cpp llama_tensor_get_type, c392e50) ----

// What llama.cpp's rules see in a tensor's name.
enum class GgufName : std::uint8_t {
  kOther,
  kTokenEmbd,
  kOutput,
  kAttnQ,
  kAttnK,
  kAttnV,
  kAttnQkv,
  kAttnOutput,
  kFfnGate,
  kFfnUp,
  kFfnDown,
  kFloat,  // never quantized: norms, 1-D tensors, routers (ffn_gate_inp), position embeddings
};

GgufName gguf_name(const Op& op) {
  switch (op.role) {
    case Role::kTokenEmbedding:
      return GgufName::kTokenEmbd;
    case Role::kLmHead:
      return GgufName::kOutput;
    case Role::kQProj:
      return GgufName::kAttnQ;
    case Role::kKProj:
      return GgufName::kAttnK;
    case Role::kVProj:
      return GgufName::kAttnV;
    case Role::kQkvProj:
      return GgufName::kAttnQkv;
    case Role::kOutProj:
      return GgufName::kAttnOutput;
    case Role::kMlpGate:
      return GgufName::kFfnGate;
    case Role::kMlpUp:
    case Role::kMlpGateUp:  // Phi-3's fused gate_up converts to ffn_up
      return GgufName::kFfnUp;
    case Role::kMlpDown:
      return GgufName::kFfnDown;
    case Role::kRouter:
    case Role::kRouterBias:
    case Role::kSharedExpertGate:
    case Role::kPositionEmbedding:
    case Role::kTokenTypeEmbedding:
      return GgufName::kFloat;
    default:
      return op.kind() == OpKind::kNorm ? GgufName::kFloat : GgufName::kOther;
  }
}

// use_more_bits: the first and last eighth of the layers and every third between.
bool use_more_bits(std::int64_t i, std::int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

struct GgufModel {
  GgufFileType ftype;
  std::int64_t n_layer = 0, n_gqa = 1, n_expert = 0;
  bool falcon = false, llama_70b = false, tied = false;
  std::int64_t attn_v_seen = 0, attn_v_count = 0;  // i_attention_wv, n_attention_wv
};

GgufType rule_type(GgufModel& m, GgufName name, std::int64_t layer, std::int64_t ne0) {
  using F = GgufFileType;
  using T = GgufType;
  const F ft = m.ftype;
  const T base = kGgufFileTypes[static_cast<std::size_t>(ft)].default_type;
  const std::int64_t n = m.n_layer;
  switch (name) {
    case GgufName::kOutput:
    case GgufName::kTokenEmbd: {
      if (name == GgufName::kTokenEmbd && !m.tied) return base;  // kept at the file's type
      // output.weight (or a tied token_embd): Q8_0 for Falcon or a row the default type's block
      // does not divide; else Q6_K unless Q8_0.
      if (m.falcon || ne0 % gguf_type_info(base).block != 0) return T::kQ8_0;
      return base == T::kQ8_0 ? T::kQ8_0 : T::kQ6_K;
    }
    case GgufName::kAttnV: {
      T t = base;
      const std::int64_t i = m.attn_v_seen++;
      if (ft == F::kQ2_K) {
        t = m.n_gqa >= 4 ? T::kQ4_K : T::kQ3_K;
      } else if (ft == F::kQ3_K_M) {
        t = i < 2 ? T::kQ5_K : T::kQ4_K;
      } else if (ft == F::kQ3_K_L || ((ft == F::kIQ4_NL || ft == F::kIQ4_XS) && m.n_gqa >= 4) ||
                 (ft == F::kQ4_K_S && i < 4)) {  // distinct file types: the order is kept
        t = T::kQ5_K;
      } else if ((ft == F::kQ4_K_M || ft == F::kQ5_K_M) && use_more_bits(i, m.attn_v_count)) {
        t = T::kQ6_K;
      }
      if (m.llama_70b && (t == T::kQ3_K || t == T::kQ4_K)) t = T::kQ5_K;
      if (m.n_expert == 8) t = T::kQ8_0;
      return t;
    }
    case GgufName::kAttnK:
      return m.n_expert == 8 ? T::kQ8_0 : base;
    case GgufName::kFfnDown: {
      if (ft == F::kQ2_K) return T::kQ3_K;
      if (ft == F::kQ3_K_M) {
        if (layer < n / 16) return T::kQ5_K;
        return !m.falcon || use_more_bits(layer, n) ? T::kQ4_K : T::kQ3_K;
      }
      if (ft == F::kQ3_K_L) return m.falcon ? T::kQ4_K : T::kQ5_K;
      if (ft == F::kQ4_K_M) {
        if (m.falcon) {
          return layer < n / 16 ? T::kQ6_K : use_more_bits(layer, n) ? T::kQ5_K : T::kQ4_K;
        }
        return use_more_bits(layer, n) ? T::kQ6_K : base;
      }
      if (ft == F::kQ5_K_M && use_more_bits(layer, n)) return T::kQ6_K;
      if (ft == F::kQ4_K_S && !m.falcon && layer < n / 8) return T::kQ5_K;
      // IQ4_NL, IQ4_XS without an importance matrix (llama-quantize's default).
      if ((ft == F::kIQ4_NL || ft == F::kIQ4_XS) && layer < n / 8) return T::kQ5_K;
      return base;
    }
    case GgufName::kAttnOutput:
      if (m.falcon) return ft == F::kQ3_K_L ? T::kQ4_K : base;
      if (m.n_expert == 8) {
        for (const F f :
             {F::kQ2_K, F::kQ3_K_S, F::kQ3_K_M, F::kIQ4_NL, F::kQ4_K_S, F::kQ4_K_M, F::kIQ4_XS}) {
          if (ft == f) return T::kQ5_K;
        }
        return base;
      }
      if (ft == F::kQ2_K) return T::kQ3_K;
      if (ft == F::kQ3_K_M) return T::kQ4_K;
      if (ft == F::kQ3_K_L) return T::kQ5_K;
      return base;
    case GgufName::kAttnQkv:
      if (ft == F::kQ3_K_M || ft == F::kQ3_K_L) return T::kQ4_K;
      if (ft == F::kQ4_K_M) return T::kQ5_K;
      if (ft == F::kQ5_K_M) return T::kQ6_K;
      return base;
    default:
      return base;
  }
}

// llama.cpp's fallback for a row its block does not divide (llama-quant.cpp, c392e50): IQ4_NL for
// the 2-3-bit and IQ types, Q5_0 for Q4_K, Q5_1 for Q5_K, Q8_0 for Q6_K, then F16.
GgufType fallback(GgufType t, std::int64_t ne0, const std::string& format,
                  std::string_view tensor) {
  if (ne0 % gguf_type_info(t).block == 0) return t;
  using T = GgufType;
  switch (t) {
    case T::kQ2_K:
    case T::kQ3_K:
    case T::kIQ1_S:
    case T::kIQ1_M:
    case T::kIQ2_XXS:
    case T::kIQ2_XS:
    case T::kIQ2_S:
    case T::kIQ3_XXS:
    case T::kIQ3_S:
    case T::kIQ4_XS:
      t = T::kIQ4_NL;
      break;
    case T::kTQ1_0:
    case T::kTQ2_0:
      t = T::kQ4_0;
      break;
    case T::kQ4_K:
      t = T::kQ5_0;
      break;
    case T::kQ5_K:
      t = T::kQ5_1;
      break;
    case T::kQ6_K:
      t = T::kQ8_0;
      break;
    default:
      throw Error(fmt::format(
          "--weights {}: {}'s rows of {} elements are not a multiple of {}'s blocks of {} "
          "(llama-quantize refuses it)",
          format, tensor, ne0, gguf_type_info(t).name, gguf_type_info(t).block));
  }
  return ne0 % gguf_type_info(t).block == 0 ? t : T::kF16;
}

// What one op's weights come to, and (GGUF) the bytes by block type.
struct Tally {
  OpWeights w;
  std::array<Count, kGgufTypes.size()>* types = nullptr;
  void quantized(Count params, Count bytes) {
    w.quantized_params = add(w.quantized_params, params);
    w.quantized_bytes = add(w.quantized_bytes, bytes);
  }
  void kept(Count params, Count bytes) {
    w.kept_params = add(w.kept_params, params);
    w.kept_bytes = add(w.kept_bytes, bytes);
  }
  // A GGUF tensor of `elements` at type t (rows of ne0), padded to GGUF's 32-byte alignment.
  Count gguf_tensor(GgufType t, Count elements, std::int64_t ne0) {
    const GgufTypeInfo& info = gguf_type_info(t);
    const Count rows = elements / to_count(ne0);
    const Count bytes = mul(mul(rows, to_count(ne0 / info.block)), to_count(info.bytes));
    const Count padded = (bytes + 31) / 32 * 32;
    if (types != nullptr) {
      auto& slot = (*types)[static_cast<std::size_t>(t)];
      slot = add(slot, padded);
    }
    return padded;
  }
};

void gguf_op(GgufModel& m, const Op& op, std::int64_t layer, const WeightFormat& f, Tally& t) {
  const Count params = params_per_copy(op);
  const Count copies = to_count(op.copies);
  const GgufName name = gguf_name(op);
  const bool linear = op.kind() == OpKind::kLinear;
  const bool embedding = op.kind() == OpKind::kEmbedding;
  // The weight matrix (rows of ne0) and the 1-D rest (biases, norms) in F32.
  std::int64_t ne0 = 0;
  Count matrix = 0;
  if (linear) {
    ne0 = op.in;
    matrix = mul(mul(to_count(op.in), to_count(op.out)), copies);
  } else if (embedding) {
    ne0 = op.out;
    matrix = mul(to_count(op.in), to_count(op.out));
  }
  // The rest in F32, one tensor each: a Linear's bias, a norm's weight and bias, a router's bias.
  const Count rest = sub(mul(params, copies), matrix);
  const Count tensors = op.kind() == OpKind::kNorm && op.bias ? 2 : 1;
  for (Count i = 0; i < tensors && rest > 0; ++i) {
    t.kept(rest / tensors, t.gguf_tensor(GgufType::kF32, rest / tensors, 1));
  }
  if (matrix == 0) return;
  const GgufTypeInfo& file =
      gguf_type_info(kGgufFileTypes[static_cast<std::size_t>(m.ftype)].default_type);
  const bool floats = file.block == 1;  // f32, f16, bf16: no rules, every matrix at that type
  if (name == GgufName::kFloat) {
    t.kept(matrix, t.gguf_tensor(GgufType::kF32, matrix, ne0));
    return;
  }
  GgufType type = floats ? file.type : rule_type(m, name, layer, ne0);
  if (!floats) type = fallback(type, ne0, f.name, op.name());
  const Count bytes = t.gguf_tensor(type, matrix, ne0);
  if (gguf_type_info(type).block == 1) {
    t.kept(matrix, bytes);
  } else {
    t.quantized(matrix, bytes);
  }
}

GgufModel gguf_model(const Graph& g, const WeightFormat& f) {
  const ModelSpec& s = g.spec;
  GgufModel m{f.gguf};
  m.n_layer = s.n_layers;
  m.n_gqa = s.n_kv_heads > 0 ? s.n_heads / s.n_kv_heads : 1;
  m.n_expert = s.moe ? s.moe->n_routed_experts : 0;
  m.falcon = s.family == "falcon";
  // llama.cpp's LLM_TYPE_70B for the LLaMA architecture: 80 layers with grouped KV heads.
  m.llama_70b = (s.family == "llama" || s.family == "mistral") && s.n_layers == 80 &&
                s.n_heads != s.n_kv_heads;
  m.tied = true;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      if (op.role == Role::kLmHead && !op.tied) m.tied = false;
      if (op.role == Role::kVProj || op.role == Role::kQkvProj || op.role == Role::kKvUpProj) {
        m.attn_v_count += b.repeat;
      }
    }
  }
  return m;
}

// One instance of an op (`repeat` instances outside the layer stack) in a non-GGUF format.
void other_op(const WeightFormat& f, const Op& op, bool in_layers, Count repeat, Tally& t) {
  const Count kept_bytes = to_count(f.scheme == WeightScheme::kFloat ? f.float_bytes : 2);
  const Count params = mul(mul(params_per_copy(op), to_count(op.copies)), repeat);
  if (f.scheme == WeightScheme::kFloat || !quantized_linear(op, in_layers)) {
    t.kept(params, mul(params, kept_bytes));
    return;
  }
  const Count instances = mul(to_count(op.copies), repeat);
  const Count matrix = mul(mul(to_count(op.in), to_count(op.out)), instances);
  t.quantized(matrix, mul(matrix_bytes(f, op, op.out, op.in), instances));
  t.kept(sub(params, matrix), mul(sub(params, matrix), kept_bytes));  // biases
}

// Every op with weights, in llama.cpp's order for GGUF (its weights_map sorts by layer, then
// name; the rules count attn_v tensors in that order): the blocks outside the layer stack, then
// the layers one by one.
void visit_weights(const Graph& g, const WeightFormat& f,
                   std::array<Count, kGgufTypes.size()>* types,
                   const std::function<void(const OpWeights&)>& visit) {
  const bool gguf = f.scheme == WeightScheme::kGguf;
  GgufModel m = gguf ? gguf_model(g, f) : GgufModel{};
  auto one = [&](const Op& op, std::int64_t layer, Count repeat) {
    if (op.tied || params_per_copy(op) == 0) return;
    Tally t{{&op, layer}, types};
    if (gguf) {
      for (Count i = 0; i < repeat; ++i) gguf_op(m, op, layer, f, t);
    } else {
      other_op(f, op, layer >= 0, repeat, t);
    }
    visit(t.w);
  };
  for (const Block& block : g.blocks) {
    if (!block.layers.empty()) continue;
    for (const Op& op : block.ops) one(op, -1, to_count(block.repeat));
  }
  for (std::size_t i = 0; i < g.layer_blocks.size(); ++i) {
    for (const Op& op : g.blocks[g.layer_blocks[i]].ops) one(op, static_cast<std::int64_t>(i), 1);
  }
}

}  // namespace

double WeightBytes::bits_per_weight() const {
  const Count params = add(quantized_params, kept_params);
  return params == 0 ? 0 : 8 * to_double(total) / to_double(params);
}

void for_each_weight(const Graph& g, const WeightFormat& f,
                     const std::function<void(const OpWeights&)>& visit) {
  visit_weights(g, f, nullptr, visit);
}

WeightBytes weight_bytes(const Graph& g, const WeightFormat& f) {
  WeightBytes out;
  visit_weights(g, f, &out.gguf_bytes, [&](const OpWeights& w) {
    out.quantized = add(out.quantized, w.quantized_bytes);
    out.quantized_params = add(out.quantized_params, w.quantized_params);
    out.kept = add(out.kept, w.kept_bytes);
    out.kept_params = add(out.kept_params, w.kept_params);
  });
  out.total = add(out.quantized, out.kept);
  return out;
}

}  // namespace tsize
