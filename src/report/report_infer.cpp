// The serving report: what one GPU of a deployment holds, and the largest load that fits.
#include <fmt/format.h>

#include "tsize/report.hpp"
#include "tsize/units.hpp"

namespace tsize {
namespace {

Breakdown part(std::string name, Count bytes, std::string note = "") {
  Breakdown b;
  b.name = std::move(name);
  b.values = {bytes};
  b.note = std::move(note);
  return b;
}

}  // namespace

Section serving_section(const ServingReportInputs& in) {
  const ServingMemory& m = in.memory;
  const ServingOptions& o = in.options;
  Section s;
  s.key = "infer";
  s.title = fmt::format(
      "Serving memory per GPU, stage {} of {} ({} × {}, TP {}, PP {}; {} × {} "
      "tokens)",
      m.stage, o.pp, o.tp * o.pp, in.gpu.name, o.tp, o.pp, in.concurrency, in.context);
  s.unit = Unit::kBytes;
  s.columns = {"bytes"};
  s.breakdown.name = "peak";
  s.breakdown.children = {
      part("weights", m.weights, fmt::format("--weights {}", o.weights.name)),
      part("KV cache", m.kv,
           fmt::format("{} sequences × {} tokens, {}, blocks of {}", in.concurrency, in.context,
                       to_string(o.kv_dtype), o.block_size)),
      part("activations", m.activations,
           fmt::format("a prefill chunk of {} tokens (estimate)", m.max_batched_tokens)),
      part("reserve", m.reserve, "CUDA graphs, NCCL and cuBLAS workspaces (stated)"),
  };
  sum_up(s.breakdown);
  const ByteUnits units = in.units;
  s.facts = {
      {"weights_bytes", "weights, all GPUs", m.weights_total, Unit::kBytes,
       fmt::format("{} in {}", human_bytes(m.weights_total, units), o.weights.name)},
      {"weights_per_gpu", "weights per GPU", m.weights, Unit::kBytes, ""},
      {"kv_bytes_per_token", "KV per token", m.kv_bytes_per_token, Unit::kBytes,
       "every layer, the whole model, no window reached"},
      {"kv_bytes", "KV cache, whole model", m.kv_total, Unit::kBytes,
       fmt::format("{} × {} tokens, paged", in.concurrency, in.context)},
      {"kv_per_gpu", "KV cache per GPU", m.kv, Unit::kBytes, ""},
      {"activations", "activations per GPU", m.activations, Unit::kBytes, ""},
      {"reserve", "reserve per GPU", m.reserve, Unit::kBytes, ""},
      {"peak", "peak per GPU", m.peak, Unit::kBytes, ""},
      {"budget", "budget per GPU", m.budget, Unit::kBytes,
       fmt::format("--gpu-memory-utilization {} of {}", o.gpu_memory_utilization,
                   human_bytes(in.gpu.usable_bytes, units))},
      {"fits", "fits", m.fits ? Count{1} : Count{0}, Unit::kBoolean, ""},
      {"max_concurrency", "most sequences", to_count(m.max_concurrency), Unit::kCount,
       fmt::format("of {} tokens", in.context)},
      {"max_context", "longest context", to_count(m.max_context), Unit::kCount,
       fmt::format("for {} sequences, at most the model's {}", in.concurrency, in.model_context)},
  };
  s.assumptions = {
      std::string("vLLM's allocation: the engine may use --gpu-memory-utilization of the GPU's "
                  "total memory (torch's total_memory); weights, the profiling forward's "
                  "activations and the reserve come first, the KV cache gets the rest "
                  "(vllm/v1/worker/gpu_worker.py)"),
      fmt::format("weights split over TP as Megatron/vLLM shard them (heads, MLP features, "
                  "experts, vocabulary; norms and routers whole); layers over PP as vLLM's "
                  "get_pp_indices; the bounding stage is stage {}",
                  m.stage),
      std::string("KV cache: KV heads split over TP (one per rank when TP exceeds them); MLA's "
                  "latent on every rank; sliding-window and chunked layers hold their window; "
                  "each layer's tokens in whole blocks"),
      fmt::format("activations: an estimate of the profiling forward of {} tokens (the residual "
                  "stream, the widest layer's input and output, fp32 logits of {} sequences)",
                  m.max_batched_tokens, std::min(m.max_sequences, m.max_batched_tokens)),
      "time (TTFT, TPOT, tokens/s) is not computed yet",
  };
  if (in.context > in.model_context) {
    s.assumptions.push_back(fmt::format(
        "--context {} is beyond the model's {} positions: it needs RoPE scaling the config does "
        "not state",
        in.context, in.model_context));
  }
  if (in.concurrency_is_max) {
    s.assumptions.push_back(
        fmt::format("--concurrency max: the {} sequences that fit", in.concurrency));
  }
  return s;
}

}  // namespace tsize
