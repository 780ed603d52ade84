#include "tsize/serving_memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "tsize/error.hpp"
#include "tsize/quantized_weights.hpp"
#include "tsize/shard_rules.hpp"

namespace tsize {
namespace {

Count ceil_div(Count a, Count b) { return (a + b - 1) / b; }

void check(const Graph& g, const Gpu& gpu, const ServingOptions& o, std::int64_t context,
           std::int64_t concurrency) {
  const ModelSpec& s = g.spec;
  std::vector<std::string> problems = serving_split_problems(g, o);
  if (!(o.gpu_memory_utilization > 0 && o.gpu_memory_utilization <= 1)) {
    problems.push_back(fmt::format("--gpu-memory-utilization {}: expected a fraction in (0, 1]",
                                   o.gpu_memory_utilization));
  }
  if (context < 1) problems.push_back(fmt::format("--context {}: expected 1 or more", context));
  if (concurrency < 1) {
    problems.push_back(fmt::format("--concurrency {}: expected 1 or more sequences", concurrency));
  }
  if (gpu.usable_bytes == 0) problems.push_back(gpu.name + " has no memory size");
  throw_serving_problems(s, problems);
}

// The profiling forward's largest live tensors on one rank, bf16 activations: the residual
// stream and a norm's output, the widest op's input and output (a routed expert on every slot),
// and the sampler's fp32 logits of up to max_sequences rows. An estimate from the graph's widths.
Count activation_bytes(const Graph& g, std::int64_t tokens, std::int64_t sequences,
                       std::int64_t tp) {
  const ModelSpec& s = g.spec;
  const std::int64_t k = s.moe ? s.moe->experts_per_token : 1;
  Count widest = 0;
  for (const Block& b : g.blocks) {
    if (b.layers.empty()) continue;
    for (const Op& op : b.ops) {
      if (op.kind() != OpKind::kLinear) continue;
      const ShardRule rule = shard_rule(op);
      const bool split = rule.params != ParamSplit::kReplicated && tp > 1;
      // Column-parallel: the output splits (q/k/v, gate/up, experts' w13); row-parallel: the
      // input (o_proj, down_proj, experts' w2).
      const bool column =
          rule.params == ParamSplit::kExpert ? op.role != Role::kMlpDown : rule.bias_split;
      const std::int64_t in = split && !column ? op.in / tp : op.in;
      const std::int64_t out = split && column ? op.out / tp : op.out;
      const std::int64_t rows = op.copies > 1 ? tokens * k : tokens;
      widest = std::max(widest, mul(mul(to_count(rows), to_count(in + out)), 2));
    }
  }
  const Count residual =
      mul(mul(to_count(tokens), to_count(s.d_model)), 4);  // hidden + residual, bf16
  const Count logits =
      mul(mul(to_count(std::min(sequences, tokens)), ceil_div(to_count(s.vocab), to_count(tp))), 4);
  return add(add(residual, widest), logits);
}

}  // namespace

// vLLM's get_pp_indices (vllm/distributed/utils.py): L / P layers a stage, the remainder one
// each to the stages before the last, from the second-to-last backwards.
std::vector<std::int64_t> serving_stage_layers(std::int64_t layers, std::int64_t stages) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(stages), layers / stages);
  for (std::int64_t i = 2; i < layers % stages + 2; ++i)
    ++out[static_cast<std::size_t>(stages - i)];
  return out;
}

std::vector<std::string> serving_split_problems(const Graph& g, const ServingOptions& o) {
  const ModelSpec& s = g.spec;
  std::vector<std::string> problems;
  if (s.n_layers > kMaxServingLayers) {
    problems.push_back(
        fmt::format("{} layers: tsize serves models of up to {} (it walks them one "
                    "by one)",
                    s.n_layers, kMaxServingLayers));
    return problems;
  }
  if (o.tp < 1 || o.pp < 1 || o.block_size < 1) {
    problems.emplace_back("--tp, --pp and --block-size: expected positive integers");
    return problems;
  }
  if (s.n_heads % o.tp != 0) {
    problems.push_back(
        fmt::format("attention heads {} are not divisible by --tp {}", s.n_heads, o.tp));
  }
  if (!s.mla && s.n_kv_heads % o.tp != 0 && o.tp % s.n_kv_heads != 0) {
    problems.push_back(
        fmt::format("key/value heads {} and --tp {}: one must divide the other (vLLM splits or "
                    "replicates KV heads)",
                    s.n_kv_heads, o.tp));
  }
  if (o.pp > s.n_layers) {
    problems.push_back(fmt::format("--pp {}: more stages than the {} layers", o.pp, s.n_layers));
  }
  if (o.ep != 1 && o.ep != o.tp) {
    problems.push_back(fmt::format(
        "--ep {}: vLLM's expert parallelism spans the tensor-parallel ranks: 1 or --tp {}", o.ep,
        o.tp));
  }
  if (o.ep > 1 && !s.moe)
    problems.push_back(fmt::format("--ep {}: {} has no experts", o.ep, s.name));
  if (o.ep > 1 && s.moe && s.moe->n_routed_experts % o.ep != 0) {
    problems.push_back(fmt::format("--ep {}: the {} routed experts do not divide over it", o.ep,
                                   s.moe->n_routed_experts));
  }
  return problems;
}

void throw_serving_problems(const ModelSpec& s, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string text = "cannot serve " + s.name + " this way:";
  for (const std::string& p : problems) text += "\n  " + p;
  throw Error(text);
}

Count rank_weight_bytes(const OpWeights& w, std::int64_t tp) {
  const Op& op = *w.op;
  const ShardRule rule = shard_rule(op);
  const Count bytes = w.bytes();
  if (rule.params == ParamSplit::kReplicated || tp == 1) return bytes;
  Count whole = 0;  // a row-parallel Linear's bias
  if (op.kind() == OpKind::kLinear && op.bias && !rule.bias_split && w.kept_params > 0) {
    const Count bias = mul(to_count(op.out), to_count(op.copies));
    whole = mul(w.kept_bytes, bias) / w.kept_params;
  }
  return add(ceil_div(sub(bytes, whole), to_count(tp)), whole);
}

bool first_stage_op(const Graph& g, const Op& op) {
  for (const Block& b : g.blocks) {
    if (!b.layers.empty()) return false;
    for (const Op& o : b.ops) {
      if (&o == &op) return true;
    }
  }
  return false;
}

ServingMemory serving_memory(const Graph& g, const Gpu& gpu, const ServingOptions& o,
                             std::int64_t context, std::int64_t concurrency) {
  check(g, gpu, o, context, concurrency);
  ServingMemory m;
  const std::int64_t p = o.pp;
  const std::vector<std::int64_t> per_stage = serving_stage_layers(g.spec.n_layers, p);
  std::vector<std::int64_t> stage_of;  // each layer's stage
  for (std::int64_t i = 0; i < p; ++i) {
    stage_of.insert(stage_of.end(),
                    static_cast<std::size_t>(per_stage[static_cast<std::size_t>(i)]), i);
  }
  // Weights: each op's bytes on one rank of its stage.
  std::vector<Count> weights(static_cast<std::size_t>(p), 0);
  for_each_weight(g, o.weights, [&](const OpWeights& w) {
    m.weights_total = add(m.weights_total, w.bytes());
    const std::int64_t stage = w.layer >= 0 ? stage_of[static_cast<std::size_t>(w.layer)]
                               : first_stage_op(g, *w.op) ? 0
                                                          : p - 1;
    Count& slot = weights[static_cast<std::size_t>(stage)];
    slot = add(slot, rank_weight_bytes(w, o.tp));
  });
  // KV: each layer's cache on one rank (KV heads split over T, or one each when T exceeds them;
  // MLA's latent on every rank).
  const KvCache cache = kv_cache(g, o.kv_dtype);
  if (cache.layer_group.size() != stage_of.size()) {
    throw Error(
        fmt::format("{}: {} attention layers of {}: tsize serves models with one "
                    "attention core per layer",
                    g.spec.name, cache.layer_group.size(), stage_of.size()));
  }
  m.kv_bytes_per_token = cache.bytes_per_token;
  auto kv_rank = [&](std::int64_t tokens, std::int64_t sequences, std::int64_t stage) {
    Count total = 0;
    for (std::size_t i = 0; i < stage_of.size(); ++i) {
      if (stage_of[i] != stage) continue;
      const KvLayers& l = cache.groups[cache.layer_group[i]];
      const std::int64_t kept = KvCache::kept(l, tokens);
      const std::int64_t paged = (kept + o.block_size - 1) / o.block_size * o.block_size;
      const std::int64_t heads = std::max<std::int64_t>(l.heads / o.tp, 1);
      const Count per_token =
          mul(l.bytes_per_token, to_count(heads)) / to_count(std::max<std::int64_t>(l.heads, 1));
      total =
          add(total, mul(mul(to_count(paged), per_token), to_count(sequences)), "KV cache bytes");
    }
    return total;
  };
  m.kv_total = cache.bytes(context, concurrency, o.block_size);
  // The engine's batch limits: vLLM's OpenAI-server defaults by GPU (engine/arg_utils.py).
  const bool large = gpu.usable_bytes >= (Count{70} << 30) && gpu.name.rfind("A100", 0) != 0;
  m.max_batched_tokens = o.max_batched_tokens > 0 ? o.max_batched_tokens : large ? 8192 : 2048;
  m.max_sequences = o.max_sequences > 0 ? o.max_sequences : large ? 1024 : 256;
  m.activations = activation_bytes(g, m.max_batched_tokens, m.max_sequences, o.tp);
  m.reserve = o.reserve_bytes;
  m.budget = static_cast<std::uint64_t>(o.gpu_memory_utilization * to_double(gpu.usable_bytes));
  // The bounding stage: the most weights and KV at this load.
  for (std::int64_t i = 0; i < p; ++i) {
    const Count w = weights[static_cast<std::size_t>(i)];
    const Count kv = kv_rank(context, concurrency, i);
    if (i == 0 || add(w, kv) > add(m.weights, m.kv)) {
      m.weights = w;
      m.kv = kv;
      m.stage = i;
    }
  }
  m.peak = add(add(m.weights, m.kv), add(m.activations, m.reserve));
  m.fits = m.peak <= m.budget;
  // The most sequences and the longest context: every stage's KV within what its weights leave.
  auto room = [&](std::int64_t stage) -> std::optional<Count> {
    const Count used = add(add(weights[static_cast<std::size_t>(stage)], m.activations), m.reserve);
    if (used >= m.budget) return std::nullopt;
    return m.budget - used;
  };
  m.max_concurrency = std::numeric_limits<std::int64_t>::max();
  for (std::int64_t i = 0; i < p; ++i) {
    const std::optional<Count> r = room(i);
    const Count one = kv_rank(context, 1, i);
    const std::int64_t n =
        !r         ? 0
        : one == 0 ? kMaxDimension
                   : static_cast<std::int64_t>(std::min<Count>(*r / one, kMaxDimension));
    m.max_concurrency = std::min(m.max_concurrency, n);
  }
  auto fits_context = [&](std::int64_t c) {
    for (std::int64_t i = 0; i < p; ++i) {
      const std::optional<Count> r = room(i);
      if (!r || kv_rank(c, concurrency, i) > *r) return false;
    }
    return true;
  };
  const std::int64_t limit = std::max<std::int64_t>(g.spec.max_positions, 1);
  std::int64_t lo = 0, hi = limit;
  while (lo < hi) {  // the largest c ≤ the model's context with fits_context(c)
    const std::int64_t mid = lo + (hi - lo + 1) / 2;
    if (fits_context(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  m.max_context = lo;
  return m;
}

}  // namespace tsize
