// The serving report: what one GPU of a deployment holds, and the largest load that fits.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

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

void add_time_facts(const ServingTime& t, const ServingLoad& l, std::vector<Fact>& facts) {
  const std::vector<Fact> time = {
      Fact::of_real("ttft_s", "time to first token", t.ttft_s, Unit::kSeconds,
                    fmt::format("{} × {} prompt tokens in {} chunk{}", l.batch, l.input_len,
                                t.prefill_chunks, t.prefill_chunks == 1 ? "" : "s")),
      Fact::of_real("tpot_s", "time per output token", t.tpot_s, Unit::kSeconds,
                    fmt::format("a decode step of {} sequence{} at {:.0f} tokens of context",
                                l.batch, l.batch == 1 ? "" : "s", t.mean_context)),
      Fact::of_real("request_s", "request", t.request_s, Unit::kSeconds,
                    fmt::format("TTFT + {} × TPOT", l.output_len - 1)),
      Fact::of_real("tokens_per_s", "output tokens per second", t.tokens_per_s, Unit::kPerSecond,
                    fmt::format("{} × {} tokens, the whole deployment", l.batch, l.output_len)),
      Fact::of_real("tokens_per_s_per_gpu", "output tokens per second per GPU",
                    t.tokens_per_s_per_gpu, Unit::kPerSecond),
      Fact::of_real("bandwidth_share", "decode's share of memory bandwidth", t.bandwidth_share,
                    Unit::kRatio, "bytes read per step ÷ TPOT ÷ the datasheet bandwidth"),
      {"knee_batch", "compute-bound from batch", to_count(t.knee_batch), Unit::kCount,
       t.knee_batch == 0 ? "never, up to 65,536"
                         : "the decode GEMMs' FLOPs outlast their bytes (the roofline knee)"},
      {"decode_compute_bound", "decode compute-bound", t.decode_compute_bound ? Count{1} : Count{0},
       Unit::kBoolean, ""},
  };
  facts.insert(facts.end(), time.begin(), time.end());
  if (t.experts_touched > 0) {
    facts.push_back(Fact::of_real("experts_touched", "experts read per MoE layer and GPU",
                                  t.experts_touched, Unit::kCount,
                                  "a decode step, tokens routed uniformly"));
  }
}

std::string gemm_rate(Dtype dtype, const WeightFormat& f) {
  if (dtype == Dtype::kFp8) {
    return "GEMMs at fp8's tensor rate: FP8 or int8 weights, the activations quantized as they "
           "enter (vLLM's W8A8 kernels)";
  }
  if (f.scheme == WeightScheme::kFloat) {
    return fmt::format("GEMMs at {}'s tensor rate", to_string(dtype));
  }
  return fmt::format(
      "GEMMs at {}'s tensor rate: {} weights dequantized inside the kernel, their "
      "stored bytes read",
      to_string(dtype), f.name);
}

// An estimate of bytes or FLOPs, rounded to a whole number.
Count whole(double v) { return static_cast<std::uint64_t>(std::llround(std::max(v, 0.0))); }

Breakdown leaf(std::string name, double prefill, double decode, std::string note = "") {
  Breakdown b;
  b.name = std::move(name);
  b.values = {ns(prefill), ns(decode)};
  b.note = std::move(note);
  return b;
}

}  // namespace

Section serving_time_section(const ServingReportInputs& in) {
  const ServingTime& t = *in.time;
  const ServingLoad& l = *in.load;
  const ServingOptions& o = in.options;
  Section s;
  s.key = "time";
  s.title = fmt::format("Serving time ({} × {}, TP {}, PP {}; batch {}, {} in, {} out)",
                        o.tp * o.pp, in.gpu.name, o.tp, o.pp, l.batch, l.input_len, l.output_len);
  s.unit = Unit::kSeconds;
  s.columns = {"prefill", "decode_step"};
  s.share_column = 1;
  s.breakdown.name = "time";
  s.breakdown.children = {
      leaf("GEMMs", t.prefill.gemm, t.decode.gemm,
           "FLOPs at the shape's efficiency, or the stored weights at achievable bandwidth"),
      leaf("attention", t.prefill.attention, t.decode.attention,
           "prefill: causal flash; decode: the KV cache read"),
      leaf("memory-bound kernels", t.prefill.memory_bound, t.decode.memory_bound,
           "norms, activation, rotary, KV writes, routing"),
      leaf("communication", t.prefill.communication, t.decode.communication,
           "TP all-reduces, logits gather, PP hand-offs"),
  };
  sum_up(s.breakdown);
  s.facts = {
      {"prefill_weight_bytes", "prefill: weights read per GPU", whole(t.prefill.weight_bytes),
       Unit::kBytes, "once per chunk"},
      {"decode_weight_bytes", "decode step: weights read per GPU", whole(t.decode.weight_bytes),
       Unit::kBytes, "the experts its tokens chose; the embedding's rows are looked up"},
      {"decode_kv_bytes", "decode step: KV read per GPU", whole(t.decode.kv_bytes), Unit::kBytes,
       fmt::format("sequences: {}", l.batch)},
      {"decode_flops", "decode step: FLOPs per GPU", whole(t.decode.flops), Unit::kFlops, ""},
      {"decode_kernels", "decode step: kernels", to_count(t.decode.kernels), Unit::kCount,
       "one CUDA graph"},
  };
  s.assumptions = {
      fmt::format("a batch of {} arriving together: the prompts fill prefill chunks of {} "
                  "tokens (--max-batched-tokens), then each step decodes one token of every "
                  "sequence; TPOT at the generation's mean context",
                  l.batch, l.max_batched_tokens),
      std::string(
          "kernels: the GPU generation's model in gpus/gpus.json (GEMMs by shape, the weights' "
          "stored bytes at achievable bandwidth, flash attention's efficiency); a decode step is "
          "one CUDA graph, each kernel costing the graph's per-kernel gap (graph_kernel_us, an "
          "estimate)"),
      gemm_rate(t.gemm_dtype, o.weights),
      fmt::format("tensor-parallel all-reduces on the fabric of {} (NCCL's model; vLLM's custom "
                  "all-reduce for small messages is not modelled)",
                  in.cluster),
      std::string("not modelled: the engine's host time per step (scheduling, sampling on the "
                  "CPU), speculative decoding, prefill and decode sharing a step"),
  };
  if (o.pp > 1) {
    s.assumptions.emplace_back(
        "pipeline stages run one after another for the batch: vLLM overlapping several batches "
        "over the stages is not modelled");
  }
  return s;
}

void add_tpot_target(double max_tpot_s, std::int64_t batch, const std::optional<ServingTime>& time,
                     const ServingLoad& load, Section& serving) {
  serving.facts.push_back(
      {"batch_within_tpot", "most sequences within the TPOT target", to_count(batch), Unit::kCount,
       fmt::format("TPOT ≤ {}, memory allowing; {} in, {} out", human_seconds(max_tpot_s),
                   load.input_len, load.output_len)});
  if (time) {
    serving.facts.push_back(Fact::of_real(
        "tokens_per_s_within_tpot", "output tokens per second at that batch", time->tokens_per_s,
        Unit::kPerSecond, fmt::format("TPOT {}", human_seconds(time->tpot_s))));
  }
}

Section decode_kernels_section(const std::vector<BlockKernels>& blocks, const ServingLoad& load,
                               ByteUnits units) {
  Section s;
  s.key = "decode_kernels";
  s.title = fmt::format("One decode step, kernel by kernel (batch {})", load.batch);
  s.unit = Unit::kSeconds;
  s.columns = {"seconds"};
  s.breakdown.name = "decode step";
  for (const BlockKernels& b : blocks) {
    Breakdown block;
    block.name = b.name;
    block.repeat = b.layers;
    const double layers = static_cast<double>(std::max<std::int64_t>(b.layers, 1));
    for (const KernelTime& k : b.kernels) {  // notes per layer, as a table shows the seconds
      std::string note;
      if (k.kind == KernelClass::kGemm || k.kind == KernelClass::kAttention) {
        const double bytes = (k.weight_bytes + k.kv_bytes) / layers;
        note = fmt::format("{}: {} read, {}", k.compute_bound ? "compute-bound" : "memory-bound",
                           human_bytes(whole(bytes), units), human_flops(whole(k.flops / layers)));
      } else {
        const std::int64_t n = k.kernels / std::max<std::int64_t>(b.layers, 1);
        note = fmt::format("{} kernel{}", n, n == 1 ? "" : "s");
      }
      block.children.push_back(Breakdown{k.name, {ns(k.seconds)}, 1, std::move(note), {}});
    }
    s.breakdown.children.push_back(std::move(block));
  }
  sum_up(s.breakdown);
  s.assumptions = {
      "a block of layers shows one layer's kernels (JSON: summed over the layers); a GEMM or "
      "attention kernel takes its FLOPs or its bytes at achievable bandwidth, whichever is "
      "slower, plus the graph's per-kernel gap",
  };
  return s;
}

Section cheapest_section(const std::vector<FormatChoice>& choices, const ServingLoad& load,
                         const Gpu& gpu, ByteUnits units) {
  Section s;
  s.key = "cheapest";
  s.title = fmt::format("Fewest {} GPUs by weight format ({} × {} tokens)", gpu.name, load.batch,
                        load.input_len + load.output_len);
  s.unit = Unit::kBytes;
  s.columns = {"weights per GPU", "peak per GPU"};
  s.show_share = false;
  s.breakdown.name = "formats";
  s.records_key = "deployments";
  for (const FormatChoice& c : choices) {
    if (!c.deployment) {
      s.assumptions.push_back(fmt::format("{}: {}", c.format, c.why_not));
      continue;
    }
    const ServingDeployment& d = *c.deployment;
    std::string note = fmt::format("TP {} · PP {}", d.options.tp, d.options.pp);
    std::vector<Fact> record = {
        Fact::of_text("format", "format", c.format),
        {"gpus", "GPUs", to_count(d.gpus()), Unit::kCount, ""},
        {"tp", "TP", to_count(d.options.tp), Unit::kCount, ""},
        {"pp", "PP", to_count(d.options.pp), Unit::kCount, ""},
        {"weights_bytes", "weights", d.memory.weights_total, Unit::kBytes, ""},
        {"peak", "peak per GPU", d.memory.peak, Unit::kBytes, ""},
    };
    if (d.time) {
      note += fmt::format("; TTFT {}, TPOT {}, {} tokens/s", human_seconds(d.time->ttft_s),
                          human_seconds(d.time->tpot_s), human_number(d.time->tokens_per_s));
      record.push_back(Fact::of_real("ttft_s", "TTFT", d.time->ttft_s, Unit::kSeconds));
      record.push_back(Fact::of_real("tpot_s", "TPOT", d.time->tpot_s, Unit::kSeconds));
      record.push_back(
          Fact::of_real("tokens_per_s", "tokens/s", d.time->tokens_per_s, Unit::kPerSecond));
    }
    s.breakdown.children.push_back(
        Breakdown{fmt::format("{}: {} GPU{}", c.format, d.gpus(), d.gpus() == 1 ? "" : "s"),
                  {d.memory.weights, d.memory.peak},
                  1,
                  std::move(note),
                  {}});
    s.records.push_back(std::move(record));
  }
  if (!s.records.empty()) {
    s.facts.push_back(Fact::of_text("cheapest", "cheapest", s.breakdown.children.front().name));
  }
  s.assumptions.insert(
      s.assumptions.begin(),
      fmt::format("each format on the fewest GPUs of {} that hold the load (TP 1, 2, 4, 8 inside "
                  "a node, then a node a pipeline stage, up to 64), the cheapest first: fewest "
                  "GPUs, then the most precise; the same flags otherwise",
                  human_bytes(gpu.usable_bytes, units)));
  return s;
}

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
  };
  if (in.time != nullptr) {
    add_time_facts(*in.time, *in.load, s.facts);
  } else {
    s.assumptions.emplace_back(
        "time (TTFT, TPOT, tokens/s) needs a GPU with a kernel model (--gpu, `tsize gpus`)");
  }
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
