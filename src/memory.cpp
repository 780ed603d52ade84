#include "tsize/memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "activations.hpp"
#include "op_tree.hpp"
#include "tsize/error.hpp"
#include "tsize/params.hpp"

namespace tsize {
namespace {

Count u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

bool autocast(Precision p) { return p == Precision::kAmpBf16 || p == Precision::kAmpFp16; }

void validate_options(const MemoryOptions& o) {
  std::string problems;
  if (!(o.dropout >= 0 && o.dropout < 1)) {
    problems += fmt::format("\n  --dropout {}: expected a probability in [0, 1)", o.dropout);
  }
  if (o.zero_stage < 0 || o.zero_stage > 3) {
    problems += fmt::format("\n  --zero {}: expected a stage 0, 1, 2 or 3", o.zero_stage);
  }
  if (o.gpus <= 0) problems += fmt::format("\n  --gpus {}: expected a positive integer", o.gpus);
  if (o.zero_stage > 0 && o.gpus == 1) {
    problems += fmt::format(
        "\n  --zero {} shards states over data-parallel GPUs: give --gpus N "
        "with N >= 2",
        o.zero_stage);
  }
  if (!problems.empty()) throw Error("not a valid memory setup:" + problems);
}

// Adafactor's factored second moment (Shazeer & Stern 2018, arXiv:1804.04235 §3): a matrix
// r × c keeps r + c statistics, a vector its own size; no first moment (β1 = 0, the default).
Count adafactor_elements(const Graph& g) {
  Count n = 0;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      if (op.tied || !op.trainable) continue;
      Count each = 0;
      if (op.kind == OpKind::kLinear) {
        each = u(op.in) + u(op.out) + (op.bias ? u(op.out) : 0);
      } else if (op.kind == OpKind::kEmbedding) {
        each = u(op.in) + u(op.out);
      } else {
        each = params_per_copy(op);
      }
      n = add(n, mul(mul(each, u(op.copies)), u(b.repeat)), "optimizer states");
    }
  }
  return n;
}

// Parameters of every Linear weight (tied heads and all experts included): what autocast casts.
Count linear_weight_params(const Graph& g) {
  Count n = 0;
  for (const Block& b : g.blocks) {
    for (const Op& op : b.ops) {
      if (op.kind != OpKind::kLinear) continue;
      n = add(n, mul(mul(mul(u(op.in), u(op.out)), u(op.copies)), u(b.repeat)));
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
  return sharded ? (bytes + u(gpus) - 1) / u(gpus) : bytes;
}

}  // namespace

StateBytes state_bytes_per_param(const MemoryOptions& o) {
  StateBytes b{4, 4, 0, 0};
  switch (o.precision) {
    case Precision::kFp32:
    case Precision::kAmpBf16:
    case Precision::kAmpFp16:
      b = {4, 4, 0, 0};
      break;
    case Precision::kMixedBf16:
      b = {2, 2, 4, 0};
      break;
    case Precision::kMixedBf16Fp32Grads:
      b = {2, 4, 4, 0};
      break;
    case Precision::kBf16:
      b = {2, 2, 0, 0};
      break;
  }
  const double state = o.precision == Precision::kBf16 ? 2 : 4;
  switch (o.optimizer) {
    case Optimizer::kAdamW:
    case Optimizer::kAdam:
      b.optimizer = 2 * state;
      break;  // m and v
    case Optimizer::kSgd:
      b.optimizer = 0;
      break;
    case Optimizer::kSgdMomentum:
    case Optimizer::kLion:
      b.optimizer = state;
      break;  // one momentum
    // bitsandbytes 8-bit Adam: two 1-byte states and an fp32 absmax per 2048-value block each.
    case Optimizer::kAdam8bit:
      b.optimizer = 2 + 2 * 4.0 / 2048;
      break;
    case Optimizer::kAdafactor:
      b.optimizer = 0;
      break;  // factored: counted from shapes
  }
  return b;
}

MemoryCounts count_memory(const Graph& g, const Workload& w, const MemoryOptions& o) {
  validate_options(o);
  MemoryCounts m;
  const ParamCounts p = count_param_totals(g);
  const StateBytes per = state_bytes_per_param(o);
  const bool z1 = o.zero_stage >= 1, z2 = o.zero_stage >= 2, z3 = o.zero_stage >= 3;
  // ZeRO (Rajbhandari et al. 2020, arXiv:1910.02054 §5): stage 1 shards optimizer states
  // (the fp32 master included), stage 2 gradients too, stage 3 the weights.
  m.weights = shard(scaled(p.total, per.weights), z3, o.gpus);
  const Count all_gradients = shard(scaled(p.trainable, per.gradients), z2, o.gpus);
  m.gradients = all_gradients;
  m.master_weights = shard(scaled(p.trainable, per.master), z1, o.gpus);
  const Count optimizer = o.optimizer == Optimizer::kAdafactor
                              ? mul(adafactor_elements(g), o.precision == Precision::kBf16 ? 2 : 4)
                              : scaled(p.trainable, per.optimizer);
  m.optimizer = shard(optimizer, z1, o.gpus);
  if (autocast(o.precision)) m.autocast_weight_copies = mul(linear_weight_params(g), 2);

  // Activations: saved tensors; full recomputation keeps each layer's input only.
  const detail::SavedTensors saved = detail::saved_for_backward(g, w, o);
  const Count n = mul(u(w.batch), u(w.seq));
  const Count residual = o.precision == Precision::kFp32 || autocast(o.precision) ? 4 : 2;
  Count largest_layer = 0, checkpoints = 0;
  Count activations = saved.total;
  const Count kept = mul(mul(n, u(g.spec.d_model)), residual);  // a layer's input
  if (o.recompute == Recompute::kFull) {
    std::size_t i = 0;
    for (const Block& b : g.blocks) {
      if (b.layers.empty()) continue;
      const Count full = saved.per_layer[i++];
      largest_layer = std::max(largest_layer, sub(full, std::min(full, kept)));
      activations = sub(activations, mul(sub(full, std::min(full, kept)), u(b.repeat)));
      checkpoints = add(checkpoints, mul(kept, u(b.repeat)));
    }
  }
  m.activations = activations;

  // The loss at the start of backward: the logits the caller holds, and the gradient of the
  // loss input (eager: fp32 gradients of the log-probabilities and of the logits).
  const Count compute = o.precision == Precision::kFp32 ? 4 : 2;
  if (g.spec.structure == Structure::kDecoder) {
    const Count logits = mul(mul(n, u(g.spec.vocab)), compute, "logits");
    m.loss_transient = o.loss == LossImpl::kEager
                           ? add(logits, mul(mul(n, u(g.spec.vocab)), 8, "loss gradients"))
                           : logits;  // fused: logits are the saved tensor; + their gradient
  }
  // Gradients alive then: all of them under accumulation, else the first one backward
  // produces (the lm_head / tied embedding, V·h).
  const Count first_grad =
      g.spec.structure == Structure::kDecoder
          ? shard(scaled(mul(u(g.spec.vocab), u(g.spec.d_model)), per.gradients), z2, o.gpus)
          : 0;
  m.gradients_at_peak = w.grad_accum > 1 ? all_gradients : first_grad;
  m.overhead = o.overhead_bytes;

  const Count resident = add(add(m.weights, m.master_weights), add(m.optimizer, m.overhead));
  const Count at_loss = add(add(resident, m.gradients_at_peak),
                            add(add(m.autocast_weight_copies, m.activations), m.loss_transient));
  const Count at_end = add(resident, all_gradients);
  // Backward of the first layer under full recomputation: every gradient, the layer inputs
  // kept as checkpoints, and one layer re-materialized (the loss and head are freed by then).
  const Count at_layer =
      o.recompute == Recompute::kFull
          ? add(add(at_end, m.autocast_weight_copies), add(checkpoints, largest_layer))
          : 0;
  m.peak = std::max({at_loss, at_end, at_layer});
  m.peak_phase = m.peak == at_loss    ? "start of backward, at the loss gradient"
                 : m.peak == at_layer ? "backward of a recomputed layer"
                                      : "end of backward, with every gradient";
  if (m.peak != at_loss) m.gradients_at_peak = all_gradients;
  if (m.peak == at_layer) m.loss_transient = largest_layer;
  if (m.peak == at_end) m.loss_transient = 0;

  // The tree is the peak's composition; activations by op.
  Breakdown acts =
      detail::op_tree(g, [&](const Block&, const Op& op) -> std::optional<detail::OpRow> {
        const auto it = saved.per_op.find(&op);
        if (it == saved.per_op.end() || it->second == 0) return std::nullopt;
        return detail::OpRow{{it->second}, ""};
      });
  acts.name = "activations";
  if (o.recompute == Recompute::kFull) {
    acts.children.clear();  // checkpoints: the layer inputs and what lies outside the layers
    acts.values = {m.activations};
    acts.note = "full recomputation: each layer's input";
  }
  const bool at_peak_loss = m.peak == at_loss;
  m.breakdown = Breakdown{"peak", {}, 1, m.peak_phase, {}};
  auto child = [&](std::string name, Count v, std::string note = "") {
    if (v > 0)
      m.breakdown.children.push_back(Breakdown{std::move(name), {v}, 1, std::move(note), {}});
  };
  child("weights", m.weights);
  child("master weights", m.master_weights, "fp32 copy for the optimizer");
  child("optimizer states", m.optimizer, to_string(o.optimizer));
  child("gradients", m.gradients_at_peak,
        at_peak_loss && w.grad_accum == 1 ? "first gradient (lm_head)" : "");
  if (m.peak != at_end) {
    child("autocast weight copies", m.autocast_weight_copies);
    if (m.activations > 0) m.breakdown.children.push_back(acts);
    child(m.peak == at_layer ? "recomputed layer" : "loss transient", m.loss_transient);
  }
  child("overhead", m.overhead, "CUDA context and allocator, as given");
  sum_up(m.breakdown);
  return m;
}

Precision parse_precision(const std::string& v) {
  for (const Precision p :
       {Precision::kFp32, Precision::kAmpBf16, Precision::kAmpFp16, Precision::kMixedBf16,
        Precision::kMixedBf16Fp32Grads, Precision::kBf16}) {
    if (v == to_string(p)) return p;
  }
  throw Error("--precision " + v +
              ": expected fp32, amp-bf16, amp-fp16, mixed-bf16, mixed-bf16-fp32-grads or bf16");
}

Optimizer parse_optimizer(const std::string& v) {
  for (const Optimizer p :
       {Optimizer::kAdamW, Optimizer::kAdam, Optimizer::kSgd, Optimizer::kSgdMomentum,
        Optimizer::kAdafactor, Optimizer::kLion, Optimizer::kAdam8bit}) {
    if (v == to_string(p)) return p;
  }
  throw Error("--optimizer " + v +
              ": expected adamw, adam, sgd, sgd-momentum, adafactor, lion or adam-8bit");
}

const char* to_string(Precision v) {
  switch (v) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kAmpBf16:
      return "amp-bf16";
    case Precision::kAmpFp16:
      return "amp-fp16";
    case Precision::kMixedBf16:
      return "mixed-bf16";
    case Precision::kMixedBf16Fp32Grads:
      return "mixed-bf16-fp32-grads";
    case Precision::kBf16:
      return "bf16";
  }
  return "?";
}

const char* to_string(Optimizer v) {
  switch (v) {
    case Optimizer::kAdamW:
      return "adamw";
    case Optimizer::kAdam:
      return "adam";
    case Optimizer::kSgd:
      return "sgd";
    case Optimizer::kSgdMomentum:
      return "sgd-momentum";
    case Optimizer::kAdafactor:
      return "adafactor";
    case Optimizer::kLion:
      return "lion";
    case Optimizer::kAdam8bit:
      return "adam-8bit";
  }
  return "?";
}

}  // namespace tsize
