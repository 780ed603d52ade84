// tsize infer MODEL — serving a model: weights in a storage format, the KV cache, what one GPU
// holds and the largest load that fits.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "commands.hpp"
#include "tsize/answers.hpp"
#include "tsize/chart.hpp"

namespace tsize::cli {
namespace {

struct InferFlags {
  std::string weights = "bf16";
  std::string kv_dtype = "bf16";
  std::string context, concurrency;
  std::string tp, pp = "1", ep = "1";
  std::string block_size = "16";
  std::string max_batched_tokens, max_sequences;
  std::string reserve = "1GiB";
  double utilization = 0.92;
  std::string input_len, output_len, batch, cluster;
  bool cheapest = false;
  std::string max_tpot;
  std::string chart_by = "concurrency";
};

void add_infer_flags(CLI::App* cmd, InferFlags& f) {
  const char* group = "Serving";
  cmd->add_option("--weights", f.weights,
                  "weight format: bf16, fp16, fp8, fp8-block, int8, w8a8, gptq-int4-g128, "
                  "awq-int4-g128, nf4, nf4-dq, gguf-q4_k_m, gguf-q8_0, ... (default bf16)")
      ->group(group);
  add_choice<KvDtype>(cmd, f.kv_dtype, "KV cache dtype (default bf16)", group, true);
  cmd->add_option("--context", f.context, "tokens per sequence (default the model's context)")
      ->group(group);
  cmd->add_option("--concurrency", f.concurrency,
                  "sequences served at once, or max: the most that fit (default --batch, else 1)")
      ->group(group);
  cmd->add_option("--tp", f.tp, "tensor-parallel GPUs (default --gpus / --pp)")->group(group);
  cmd->add_option("--pp", f.pp, "pipeline stages (default 1)")->group(group);
  cmd->add_option("--ep", f.ep, "expert parallelism: 1, or --tp (vLLM's --enable-expert-parallel)")
      ->group(group);
  cmd->add_option("--block-size", f.block_size, "tokens per KV block (default 16, vLLM's)")
      ->group(group);
  cmd->add_option("--gpu-memory-utilization", f.utilization,
                  "the share of each GPU's memory the engine may use (default 0.92, vLLM's)")
      ->group(group);
  cmd->add_option("--max-batched-tokens", f.max_batched_tokens,
                  "tokens of the largest prefill chunk (default vLLM's for the GPU: 8192 or 2048)")
      ->group(group);
  cmd->add_option("--max-sequences", f.max_sequences,
                  "sequences per step, vLLM's max_num_seqs (default 1024 or 256)")
      ->group(group);
  cmd->add_option("--input-len", f.input_len,
                  "prompt tokens per sequence (default the context less the output)")
      ->group(group);
  cmd->add_option("--output-len", f.output_len,
                  "generated tokens per sequence (default 128, vLLM's benchmark default)")
      ->group(group);
  cmd->add_option("--batch", f.batch, "sequences timed together (default the concurrency)")
      ->group(group);
  cmd->add_option("--cluster", f.cluster,
                  "whose fabric TP all-reduces cross (default a catalog cluster of the GPU)")
      ->group(group);
  cmd->add_option("--chart-by", f.chart_by,
                  "the chart's bars: concurrency (1, 2, 4, ... sequences) or context (1,024, "
                  "2,048, ... tokens) (default concurrency)")
      ->group(group);
  cmd->add_option("--max-tpot", f.max_tpot,
                  "a latency target in seconds: also the most sequences whose time per output "
                  "token stays within it")
      ->group(group);
  cmd->add_flag("--cheapest", f.cheapest,
                "also each of bf16, fp8, w8a8, gguf-q8_0, awq-int4-g128, gguf-q4_k_m on its fewest "
                "GPUs for the load")
      ->group(group);
  cmd->add_option("--reserve", f.reserve,
                  "per GPU for CUDA graphs, NCCL and cuBLAS workspaces (default 1GiB)")
      ->group(group);
}

// Seconds above 0, e.g. "0.05".
double seconds_flag(const std::string& text, const char* flag) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v) || v <= 0) {
    throw Error(fmt::format("{} {}: expected seconds above 0 (0.05 for 50 ms)", flag, text));
  }
  return v;
}

std::int64_t size_or(const std::string& text, const char* flag, std::int64_t fallback) {
  return text.empty() ? fallback : parse_size(text, flag);
}

// The request the flags describe. Throws Error (bad values) and CLI::ValidationError (usage).
InferRequest infer_request(const InferFlags& f, const GpuOptions& g, const OutputOptions& out,
                           const RenderOptions& ro) {
  InferRequest q;
  q.options.weights = parse_weight_format(f.weights);
  q.options.kv_dtype = parse_choice<KvDtype>(f.kv_dtype);
  q.options.pp = parse_size(f.pp, "--pp");
  const bool gpus_given = g.gpus_flag != nullptr && g.gpus_flag->count() > 0;
  const std::int64_t gpus = gpus_given ? parse_size(g.gpus, "--gpus") : 0;
  q.options.tp =
      size_or(f.tp, "--tp", gpus_given ? std::max<std::int64_t>(gpus / q.options.pp, 1) : 1);
  if (gpus_given && gpus != q.options.tp * q.options.pp) {
    throw Error(fmt::format("--gpus {} ≠ --tp {} × --pp {}", gpus, q.options.tp, q.options.pp));
  }
  q.options.ep = parse_size(f.ep, "--ep");
  q.options.block_size = parse_size(f.block_size, "--block-size");
  q.options.gpu_memory_utilization = f.utilization;
  q.options.max_batched_tokens = size_or(f.max_batched_tokens, "--max-batched-tokens", 0);
  q.options.max_sequences = size_or(f.max_sequences, "--max-sequences", 0);
  q.options.reserve_bytes = byte_flag(f.reserve, "--reserve");
  const bool gpu_given = g.gpu_flag != nullptr && g.gpu_flag->count() > 0;
  q.gpu = resolve_cluster(g).gpu;
  if (!f.cluster.empty() && !gpu_given) q.gpu = find_cluster(f.cluster).gpu;
  q.cluster = f.cluster.empty() ? cluster_for_gpu(q.gpu) : find_cluster(f.cluster);
  q.input_len = size_or(f.input_len, "--input-len", 0);
  q.output_len = size_or(f.output_len, "--output-len", 0);
  q.batch = size_or(f.batch, "--batch", 0);
  q.context = size_or(f.context, "--context", 0);
  if (f.concurrency != "max") {  // default: the batch timed, else one sequence
    q.concurrency = size_or(f.concurrency, "--concurrency", q.batch > 0 ? q.batch : 1);
  }
  q.units = ro.units;
  if (f.chart_by != "concurrency" && f.chart_by != "context") {
    throw CLI::ValidationError("--chart-by", "expected concurrency or context, got " + f.chart_by);
  }
  const bool by_context = f.chart_by == "context";
  q.by_concurrency = !out.chart.empty() && !by_context;
  q.by_context = !out.chart.empty() && by_context;
  q.cheapest = f.cheapest;
  if (!f.max_tpot.empty()) q.max_tpot_s = seconds_flag(f.max_tpot, "--max-tpot");
  q.explain = out.explain;
  return q;
}

}  // namespace

void add_infer_command(CLI::App& app, std::string& out) {
  auto* cmd = app.add_subcommand(
      "infer",
      "serving: weights by format, KV cache, memory per GPU, the largest load that fits, prefill "
      "and decode time");
  auto model = std::make_shared<ModelOptions>();  // owned by the callback
  auto flags = std::make_shared<InferFlags>();
  auto gpu = std::make_shared<GpuOptions>();
  auto output = std::make_shared<OutputOptions>();
  add_model_options(cmd, *model, "--max-positions");
  add_infer_flags(cmd, *flags);
  add_gpu_options(cmd, *gpu, false);
  add_output_options(cmd, *output);
  add_chart_flag(cmd, *output);
  add_explain_flag(cmd, *output);
  cmd->footer(
      "--gpus is --tp × --pp. Memory follows vLLM's allocation (--gpu-memory-utilization of each "
      "GPU, the KV cache in blocks of --block-size tokens).\nExamples:\n"
      "  tsize infer llama-3-8b --context 8192 --concurrency max\n"
      "  tsize infer llama-3.1-70b --weights fp8 --gpu H100-SXM --tp 4 --input-len 2000 "
      "--output-len 500 --batch 64\n"
      "  tsize infer llama-3.1-70b --weights awq-int4-g128 --gpu H100-SXM --context 32k "
      "--concurrency 16\n"
      "  tsize infer deepseek-v3 --weights fp8-block --gpu H200 --tp 8 --context 32k "
      "--concurrency max --format json");
  reset_before_each_parse(cmd, model, flags, gpu, output);
  cmd->callback([&out, model, flags, gpu, output] {
    const RenderOptions ro = render_options(*output);
    const Graph graph = build_graph(resolve_model(*model));
    const InferRequest q = infer_request(*flags, *gpu, *output, ro);
    const InferAnswer a = answer_infer(graph, q);
    if (!output->chart.empty()) {
      write_chart(
          output->chart,
          q.by_context
              ? serving_chart(graph.spec.name, a.by_context, true,
                              q.concurrency.value_or(a.memory.max_concurrency), ro.units)
              : serving_chart(graph.spec.name, a.by_concurrency, false, a.context, ro.units));
    }
    out = render(a.report, ro);
  });
}

}  // namespace tsize::cli
