#include "tsize/model_states.hpp"

#include <cmath>

#include "tsize/params.hpp"

namespace tsize {
namespace {

// Adafactor's factored second moment (Shazeer & Stern 2018, arXiv:1804.04235 §3): a matrix
// r × c keeps r + c statistics, a vector its own size; no first moment (β1 = 0, the default).
Count adafactor_elements(const Graph& g) {
  Count n = 0;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      if (op.tied || !op.trainable) continue;
      Count each = 0;
      if (op.kind() == OpKind::kLinear) {
        each = to_count(op.in) + to_count(op.out) + (op.bias ? to_count(op.out) : 0);
      } else if (op.kind() == OpKind::kEmbedding) {
        each = to_count(op.in) + to_count(op.out);
      } else {
        each = params_per_copy(op);
      }
      n = add(n, mul(mul(each, to_count(op.copies)), to_count(b.repeat)), "optimizer states");
    }
  }
  return n;
}

// bytes · count, rounded up to whole bytes.
Count scaled(Count count, double bytes) {
  const double whole = std::floor(bytes);
  const Count base = mul(count, static_cast<std::uint64_t>(whole), "memory bytes");
  const double frac = bytes - whole;
  return add(base, static_cast<std::uint64_t>(std::ceil(to_double(count) * frac)));
}

Count shard(Count bytes, bool sharded, std::int64_t gpus) {
  return sharded ? (bytes + to_count(gpus) - 1) / to_count(gpus) : bytes;
}

}  // namespace

StateBytes state_bytes_per_param(Precision precision, Optimizer optimizer) {
  StateBytes b{4, 4, 0, 0};
  switch (precision) {
    case Precision::kFp32:
    case Precision::kAmpBf16:
    case Precision::kAmpFp16:
      b = {4, 4, 0, 0};
      break;
    case Precision::kMixedBf16:
    case Precision::kMixedFp16:
      b = {2, 2, 4, 0};
      break;
    case Precision::kMixedBf16Fp32Grads:
    case Precision::kMixedFp16Fp32Grads:
    case Precision::kFp8:
      b = {2, 4, 4, 0};
      break;
    case Precision::kBf16:
      b = {2, 2, 0, 0};
      break;
  }
  const double state = precision == Precision::kBf16 ? 2 : 4;
  switch (optimizer) {
    case Optimizer::kAdamW:
    case Optimizer::kAdam:
      b.optimizer = 2 * state;  // m and v
      break;
    case Optimizer::kSgd:
      b.optimizer = 0;
      break;
    case Optimizer::kSgdMomentum:
    case Optimizer::kLion:
      b.optimizer = state;  // one momentum
      break;
    // bitsandbytes 8-bit Adam: two 1-byte states and an fp32 absmax per 2048-value block each.
    case Optimizer::kAdam8bit:
      b.optimizer = 2 + 2 * 4.0 / 2048;
      break;
    case Optimizer::kAdafactor:
      b.optimizer = 0;  // factored: counted from shapes
      break;
  }
  return b;
}

RankParams whole_model_params(const Graph& g) {
  const ParamCounts p = count_param_totals(g);
  RankParams r;
  r.total = p.total;
  r.trainable = p.trainable;
  r.adafactor = adafactor_elements(g);
  if (g.spec.structure == Structure::kDecoder) {  // lm_head or the tied embedding: V·h
    r.first_gradient = mul(to_count(g.spec.vocab), to_count(g.spec.d_model));
  }
  for (const Block& b : g.blocks) {
    if (b.layers.empty()) continue;
    Count unit = 0;
    for (const Op& op : b.ops) unit = add(unit, mul(params_per_copy(op), to_count(op.copies)));
    r.largest_unit = std::max(r.largest_unit, unit);
  }
  return r;
}

ModelStates model_states(const Graph& g, const StatesOptions& o) {
  return rank_states(whole_model_params(g), o, {o.gpus, o.gpus});
}

ModelStates rank_states(const RankParams& p, const StatesOptions& o, ShardGroups groups) {
  ModelStates m;
  const StateBytes per = state_bytes_per_param(o.precision, o.optimizer);
  const bool z1 = o.zero_stage >= 1, z2 = o.zero_stage >= 2, z3 = o.zero_stage >= 3;
  // One state over both groups: each share sharded over its own ranks.
  auto state = [&](Count dense, Count expert, double bytes, bool sharded) {
    return add(shard(scaled(dense, bytes), sharded, groups.dense),
               shard(scaled(expert, bytes), sharded, groups.expert), "model states");
  };
  m.weights = state(p.total, p.expert_total, per.weights, z3);
  m.gradients = state(p.trainable, p.expert_trainable, per.gradients, z2);
  m.master_weights = state(p.trainable, p.expert_trainable, per.master, z1);
  const Count state_bytes = o.precision == Precision::kBf16 ? 2 : 4;
  m.optimizer = o.optimizer == Optimizer::kAdafactor
                    ? shard(mul(p.adafactor, state_bytes, "optimizer states"), z1, groups.dense)
                    : state(p.trainable, p.expert_trainable, per.optimizer, z1);
  m.first_gradient = shard(scaled(p.first_gradient, per.gradients), z2, groups.dense);
  if (z3 && (groups.dense > 1 || groups.expert > 1)) {
    // FSDP (BACKWARD_PRE prefetch, two all-gathers in flight at most) and ZeRO-3 gather a
    // unit's weights to run it: two units' weights and one unit's gradients, unsharded.
    m.gathered_weights =
        add(scaled(mul(p.largest_unit, 2), per.weights), scaled(p.largest_unit, per.gradients));
  }
  // torch.optim's _multi_tensor_adam: exp_avg_sq_sqrt = torch._foreach_sqrt(exp_avg_sqs), one
  // temporary per parameter in the states' dtype, on this rank's shard of the states.
  const bool adam = o.optimizer == Optimizer::kAdam || o.optimizer == Optimizer::kAdamW;
  if (adam && o.optimizer_impl == OptimizerImpl::kForeach) {
    m.optimizer_temporaries =
        state(p.trainable, p.expert_trainable, static_cast<double>(state_bytes), z1);
  }
  return m;
}

}  // namespace tsize
