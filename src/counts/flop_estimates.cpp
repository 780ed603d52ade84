#include "tsize/flop_estimates.hpp"

#include <fmt/format.h>

namespace tsize {
namespace {

// Parameters that multiply activations: all active ones except pure lookups, with a tied
// lm_head's matrix counted (it is used as a matmul weight), as nanoGPT's estimate_mfu takes N.
Count matmul_params(const Graph& g, const ParamCounts& p) {
  Count lookups = 0;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      if (op.kind() == OpKind::kEmbedding) lookups = add(lookups, params_per_copy(op));
    }
  }
  Count n = sub(p.active, lookups);
  if (g.spec.tied_embeddings && g.spec.structure == Structure::kDecoder) {
    n = add(n, mul(to_count(g.spec.vocab), to_count(g.spec.d_model)));
  }
  return n;
}

// Per-layer attention width as PaLM's H·Q, averaged over q·k and p·v: (d_qk + d_v) / 2 · H.
Count attention_width_x2(const ModelSpec& s) {
  if (s.mla)
    return to_count(s.n_heads) *
           to_count(s.mla->qk_nope_head_dim + s.mla->qk_rope_head_dim + s.mla->v_head_dim);
  return to_count(s.n_heads) * to_count(2 * s.d_head);
}

}  // namespace

std::vector<FlopEstimate> flop_estimates(const Graph& g, const ParamCounts& p,
                                         const FlopCounts& f) {
  const ModelSpec& s = g.spec;
  const Count D = f.tokens, B = f.sequences, seq = to_count(f.workload.seq);
  const Count L = to_count(s.n_layers), h = to_count(s.d_model), V = to_count(s.vocab);
  const Count embeddings = sub(p.total, p.non_embedding);
  const Count n_active_non_embedding = sub(p.active, embeddings);
  std::vector<FlopEstimate> out;
  // Kaplan et al. 2020 (arXiv:2001.08361) §2.1: C ≈ 6·N·D, N non-embedding.
  out.push_back({"approx_6n_non_embedding", "6·N·D, N non-embedding", "Kaplan et al. 2020 §2.1",
                 mul(mul(6, n_active_non_embedding), D, "6ND"), f.model, "model FLOPs"});
  // The same with every parameter, as most notebooks (and seed 001) apply it.
  out.push_back({"approx_6n", "6·N·D, N all parameters", "common usage; seed 001",
                 mul(mul(6, p.active), D, "6ND"), f.model, "model FLOPs"});
  // PaLM (Chowdhery et al. 2022, arXiv:2204.02311) App. B: 6N + 12·L·H·Q·T per token.
  const Count palm_token = add(mul(6, matmul_params(g, p)),
                               mul(mul(mul(6, L), attention_width_x2(s)), seq, "PaLM FLOPs"));
  out.push_back({"approx_palm", "(6·N + 12·L·H·Q·T)·D", "PaLM App. B; nanoGPT estimate_mfu",
                 mul(palm_token, D, "PaLM FLOPs"), f.model, "model FLOPs"});
  // Megatron: per layer 24·B·s·h² + 4·B·s²·h forward, logits 2·B·s·h·V; 3 passes without
  // recomputation (Korthikanti et al. 2022, arXiv:2205.05198: 72·B·s·L·h²·(1 + s/6h + V/12Lh)),
  // 4 passes of the layers with it (Narayanan et al. 2021, arXiv:2104.04473:
  // 96·B·s·L·h²·(1 + s/6h + V/16Lh)).
  const bool full = f.options.recompute == Recompute::kFull;
  const Count layer_fwd = add(mul(mul(mul(24, B), seq), h * h), mul(mul(4, B), seq * seq * h));
  const Count megatron = add(mul(mul(to_count(full ? 4 : 3), L), layer_fwd, "Megatron FLOPs"),
                             mul(mul(6, B), seq * h * V, "Megatron FLOPs"));
  out.push_back({"approx_megatron",
                 full ? "96·B·s·L·h²·(1 + s/6h + V/16Lh)" : "72·B·s·L·h²·(1 + s/6h + V/12Lh)",
                 full ? "Narayanan et al. 2021" : "Korthikanti et al. 2022", megatron,
                 full ? f.hardware : f.model, full ? "hardware FLOPs" : "model FLOPs"});
  // Seed 004: 2·s·V·h + L·(16·s·h² + 4·s²·h) forward matmul FLOPs per sequence.
  const Count seed004 =
      add(mul(mul(2, seq), V * h), mul(L, add(mul(16, seq * h * h), mul(4, seq * seq * h))));
  out.push_back({"approx_seed004", "2·s·V·h + L·(16·s·h² + 4·s²·h), forward", "seed 004",
                 mul(seed004, B, "seed 004 FLOPs"), f.forward_matmul, "forward matmul FLOPs"});
  return out;
}

std::string deviation(const FlopEstimate& e) {
  if (e.exact == 0) return "";
  const double d = (to_double(e.value) - to_double(e.exact)) / to_double(e.exact) * 100.0;
  return fmt::format("{:+.2f} % vs exact {}", d, e.exact_name);
}

}  // namespace tsize
