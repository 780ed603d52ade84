#include "tsize/activation_estimates.hpp"

namespace tsize {

Count korthikanti_activations(const ModelSpec& spec, const Workload& w) {
  // Korthikanti et al. 2022 (arXiv:2205.05198) §4.1: per layer s·b·h·(34 + 5·a·s/h) bytes
  // = 34·s·b·h + 5·a·s²·b.
  const Count s = static_cast<std::uint64_t>(w.seq), b = static_cast<std::uint64_t>(w.batch);
  const Count h = static_cast<std::uint64_t>(spec.d_model);
  const Count a = static_cast<std::uint64_t>(spec.n_heads);
  return mul(add(mul(34 * s * b, h), mul(5 * a * s * s, b)),
             static_cast<std::uint64_t>(spec.n_layers), "activation bytes");
}

ActivationEstimate korthikanti_estimate(const Graph& g, const Workload& w, const MemoryOptions& o) {
  ActivationOptions plain = o.activation_options();
  plain.recompute = Recompute::kNone;
  ActivationEstimate e;
  e.value = korthikanti_activations(g.spec, w);
  e.exact = saved_activations(g, w, plain).total;
  e.deviation = (to_double(e.value) - to_double(e.exact)) / to_double(e.exact);
  return e;
}

}  // namespace tsize
