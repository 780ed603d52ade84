#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "commands.hpp"
#include "tsize/error.hpp"
#include "tsize/presets.hpp"
#include "tsize/units.hpp"

namespace tsize::cli {

void add_model_options(CLI::App* cmd, ModelOptions& o, const char* context_flag) {
  cmd->add_option("model", o.model,
                  "preset name (see `tsize models`), path to a HuggingFace config.json or a "
                  "model folder holding one; omit to build a model from the flags alone");
  cmd->add_option("--name", o.name,
                  "the model's name in outputs (default: the preset, or the config's folder as "
                  "owner/model)");
  add_strict_flag(cmd, o.strict);
  auto integer = [&](const char* flag, std::string& target, const char* help) {
    cmd->add_option(flag, target, help)->group("Architecture");
  };
  integer("--layers", o.layers, "number of transformer layers");
  integer("--d-model", o.d_model, "hidden size");
  integer("--heads", o.heads, "attention heads");
  integer("--kv-heads", o.kv_heads, "key/value heads (GQA; 1 = MQA)");
  integer("--head-dim", o.head_dim, "per-head dimension (default d_model / heads)");
  integer("--d-ff", o.d_ff, "MLP hidden size");
  integer("--vocab", o.vocab, "vocabulary size");
  integer(context_flag, o.context, "maximum positions the model is built for");
  add_choice<MlpChoice>(cmd, o.mlp, "MLP kind", "Architecture");
  add_choice<NormKind>(cmd, o.norm, "normalization", "Architecture");
  add_choice<PositionKind>(cmd, o.pos, "positions", "Architecture");
  cmd->add_option("--bias", o.bias, "every Linear and LayerNorm bias on or off")
      ->check(CLI::IsMember({"true", "false"}))
      ->group("Architecture");
  cmd->add_option("--tied", o.tied, "lm_head shares the token embedding")
      ->check(CLI::IsMember({"true", "false"}))
      ->group("Architecture");
}

void add_strict_flag(CLI::App* cmd, bool& strict) {
  cmd->add_flag("--strict", strict,
                "refuse a config that leaves an architecture field to its transformers default "
                "(tsize lists the defaults it used otherwise)");
}

void add_output_options(CLI::App* cmd, OutputOptions& o) {
  add_choice<Format>(cmd, o.format, "output format", "Output");
  add_choice<ByteUnits>(cmd, o.units, "bytes in binary (GiB) or si (GB) units", "Output");
}

namespace {

// --overhead's bound: a CUDA context and allocator reserve are MiB to GiB, never a PiB.
constexpr Count kMaxOverheadBytes = Count{1} << 50;

// A size flag's value: a human integer (see parse_human_count) that fits the model's limits.
std::optional<std::int64_t> size_flag(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  const Count v = parse_human_count(text, flag);
  if (v > static_cast<std::uint64_t>(kMaxDimension)) {
    throw Error(fmt::format("{} {}: exceeds the largest supported size 2^30", flag, text));
  }
  return static_cast<std::int64_t>(v);
}

}  // namespace

std::int64_t parse_size(const std::string& text, const char* flag) {
  const auto v = size_flag(text, flag);
  if (!v || *v == 0) throw Error(fmt::format("{} {}: expected a positive integer", flag, text));
  return *v;
}

ModelSpec resolve_model(const ModelOptions& o) {
  ModelOverrides ov;
  ov.layers = size_flag(o.layers, "--layers");
  ov.d_model = size_flag(o.d_model, "--d-model");
  ov.heads = size_flag(o.heads, "--heads");
  ov.kv_heads = size_flag(o.kv_heads, "--kv-heads");
  ov.head_dim = size_flag(o.head_dim, "--head-dim");
  ov.d_ff = size_flag(o.d_ff, "--d-ff");
  ov.vocab = size_flag(o.vocab, "--vocab");
  ov.context = size_flag(o.context, "--context");
  if (!o.mlp.empty()) ov.mlp = parse_choice<MlpChoice>(o.mlp);
  if (!o.norm.empty()) ov.norm = parse_choice<NormKind>(o.norm);
  if (!o.pos.empty()) ov.positions = parse_choice<PositionKind>(o.pos);
  if (!o.bias.empty()) ov.bias = parse_bool("--bias", o.bias);
  if (!o.tied.empty()) ov.tied = parse_bool("--tied", o.tied);
  ModelSpec spec =
      o.model.empty() ? spec_from_flags(ov) : apply_overrides(load_model(o.model, {o.strict}), ov);
  if (!o.name.empty()) spec.name = o.name;
  return spec;
}

void add_explain_flag(CLI::App* cmd, OutputOptions& o) {
  cmd->add_flag("--explain", o.explain,
                "show each op's formula, the values put into it and its source")
      ->group("Output");
}

void add_chart_flag(CLI::App* cmd, OutputOptions& o) {
  cmd->add_option(
         "--chart", o.chart,
         "also write a chart to this file: SVG, or its data as JSON for a name ending in .json")
      ->group("Output");
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) throw Error(path + ": cannot write the file");
}

void add_workload_options(CLI::App* cmd, WorkloadOptions& o, bool attention_flops) {
  cmd->add_option("--batch", o.batch, "sequences per micro-batch (default 1)")->group("Workload");
  cmd->add_option("--seq", o.seq,
                  "tokens per sequence, at most the context (default the context); "
                  "a list such as 1k,4k,16k gives one column per length")
      ->group("Workload");
  cmd->add_option("--grad-accum", o.grad_accum, "micro-batches per optimizer step (default 1)")
      ->group("Workload");
  if (attention_flops) {
    add_choice<AttentionFlops>(cmd, o.attention_flops,
                               "full: all s² scores (eager PyTorch); causal: only unmasked ones",
                               "Workload");
  }
  add_choice<Recompute>(cmd, o.recompute, "activation recomputation", "Workload");
}

// "1,2,4" → {1, 2, 4}; "1..64" → powers of two from 1 to 64; "" → {}.
std::vector<std::int64_t> size_list(const std::string& text, const char* flag) {
  std::vector<std::int64_t> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    if (item.empty()) throw Error(fmt::format("{} {}: empty value in the list", flag, text));
    const std::size_t dots = item.find("..");
    if (dots != std::string::npos) {  // a range in powers of two: 1k..128k
      if (dots == 0 || dots + 2 >= item.size()) {
        throw Error(fmt::format("{} {}: a range needs a start and an end, e.g. 1..64", flag, item));
      }
      const std::int64_t lo = parse_size(item.substr(0, dots), flag);
      const std::int64_t hi = parse_size(item.substr(dots + 2), flag);
      if (hi < lo) throw Error(fmt::format("{} {}: the range ends below its start", flag, item));
      for (std::int64_t v = lo; v <= hi; v *= 2) out.push_back(v);
    } else {
      const std::int64_t v = *size_flag(item, flag);
      if (v == 0) throw Error(fmt::format("{} 0 must be a positive integer", flag));
      out.push_back(v);
    }
    if (out.size() > 64) {  // the message shows the list's start, not all of it
      throw Error(fmt::format("{} {}: more than 64 values (a sweep's most; make several calls)",
                              flag, text.size() > 40 ? text.substr(0, 40) + "..." : text));
    }
    start = comma + 1;
  }
  return out;
}

std::vector<Workload> resolve_workloads(const ModelSpec& spec, const WorkloadOptions& o) {
  const std::vector<std::int64_t> batches = size_list(o.batch, "--batch");
  const std::vector<std::int64_t> seqs = size_list(o.seq, "--seq");
  if (batches.size() > 1 && seqs.size() > 1) {
    throw Error("--batch and --seq cannot both be lists: sweep one at a time");
  }
  Workload w;
  w.batch = batches.empty() ? 1 : batches.front();
  w.grad_accum = *size_flag(o.grad_accum, "--grad-accum");
  std::vector<Workload> out;
  if (batches.size() > 1) {
    if (!seqs.empty()) w.seq = seqs.front();
    for (const std::int64_t b : batches) {
      w.batch = b;
      out.push_back(resolve_workload(spec, w));
    }
    return out;
  }
  if (seqs.empty()) {
    out.push_back(resolve_workload(spec, w));
    return out;
  }
  for (const std::int64_t s : seqs) {
    w.seq = s;
    out.push_back(resolve_workload(spec, w));
  }
  return out;
}

SingleStep single_step(const ModelOptions& m, const WorkloadOptions& w, const char* command) {
  Graph graph = build_graph(resolve_model(m));
  const std::vector<Workload> runs = resolve_workloads(graph.spec, w);
  if (runs.size() != 1) {
    throw Error(fmt::format("tsize {} takes one --seq and one --batch value", command));
  }
  FlopCounts flops = count_flops(graph, runs.front(), flop_options(w));
  return {std::move(graph), std::move(flops)};
}

FlopOptions flop_options(const WorkloadOptions& o) {
  FlopOptions f;
  f.attention = parse_choice<AttentionFlops>(o.attention_flops);
  f.recompute = parse_choice<Recompute>(o.recompute);
  return f;
}

void add_gpu_options(CLI::App* cmd, GpuOptions& o, bool dtype) {
  o.gpu_flag =
      cmd->add_option("--gpu", o.gpu, "GPU from `tsize gpus` (default H100-SXM)")->group("GPU");
  o.gpus_flag = cmd->add_option("--gpus", o.gpus, "number of GPUs (default 1)")->group("GPU");
  if (dtype) {
    add_choice<Dtype>(cmd, o.dtype, "dtype of the peak FLOP/s (default bf16)", "GPU");
  }
  o.peak_flag = cmd->add_option("--peak-tflops", o.peak_tflops,
                                "a custom GPU: dense peak TFLOP/s (with --memory-gb)")
                    ->group("GPU");
  o.memory_flag = cmd->add_option("--memory-gb", o.memory_gb,
                                  "a custom GPU: memory in GB (10^9 bytes; default 80, with "
                                  "--peak-tflops)")
                      ->group("GPU");
}

Cluster resolve_cluster(const GpuOptions& o) {
  Cluster c;
  if (o.peak_flag->count() > 0) {
    if (o.gpu_flag->count() > 0) throw Error("give --gpu or --peak-tflops, not both");
    c.gpu = custom_gpu(o.peak_tflops, o.memory_flag->count() > 0 ? o.memory_gb : 80);
  } else if (o.memory_flag->count() > 0) {
    throw Error(fmt::format(
        "--memory-gb {:g} describes a custom GPU: give it with --peak-tflops, or name a GPU "
        "of `tsize gpus` with --gpu",
        o.memory_gb));
  } else {
    c.gpu = find_gpu(o.gpu);
  }
  c.dtype = parse_choice<Dtype>(o.dtype);
  const std::vector<std::int64_t> gpus = size_list(o.gpus, "--gpus");
  if (gpus.size() != 1)
    throw Error("--gpus " + o.gpus + ": one GPU count here (tsize train sweeps lists)");
  c.gpus = gpus.front();
  return c;
}

void add_memory_flags(CLI::App* cmd, MemoryFlags& o) {
  const char* group = "Memory";
  add_choice<Precision>(cmd, o.precision, "how weights, gradients and activations are stored",
                        group, true);
  add_choice<Optimizer>(cmd, o.optimizer, "optimizer states", group, true);
  add_choice<Runtime>(cmd, o.runtime,
                      "whose code runs the model, which sets the kernels below (default: "
                      "transformers for a config or preset, nanogpt for flags alone)",
                      group, true);
  add_choice<AttentionImpl>(cmd, o.attention, "attention kernel (default: the runtime's)", group,
                            true);
  add_choice<LossImpl>(cmd, o.loss, "cross-entropy kernel (default: the runtime's)", group, true);
  add_choice<NormImpl>(cmd, o.rmsnorm, "RMSNorm kernel (default: the runtime's)", group, true);
  add_choice<OptimizerImpl>(cmd, o.optimizer_impl,
                            "optimizer step: fused, or torch.optim's foreach (default: the "
                            "runtime's)",
                            group, true);
  add_choice<Device>(cmd, o.device, "where the step runs (default cuda)", group, true);
  cmd->add_option("--dropout", o.dropout, "dropout probability (default 0)")->group(group);
  cmd->add_option("--zero", o.zero,
                  "ZeRO stage 0-3 over --gpus data-parallel GPUs; a list (0,1,2,3) compares them")
      ->group(group);
  cmd->add_flag("--fsdp", o.fsdp,
                "PyTorch FSDP full sharding: the same states as --zero 3, with its two gathered "
                "layers in flight (not with another --zero)")
      ->group(group);
  cmd->add_option("--cuda-context", o.cuda_context,
                  "the CUDA context a process holds beside its tensors, subtracted from a GPU's "
                  "usable memory when fitting (default 512MiB)")
      ->group(group);
  cmd->add_option("--overhead", o.overhead,
                  "bytes added to the peak for the CUDA context and allocator, e.g. 512MiB "
                  "(default 0)")
      ->group(group);
}

void add_layout_flags(CLI::App* cmd, LayoutFlags& o) {
  const char* group = "Parallelism";
  cmd->add_option("--tp", o.tp, "tensor-parallel ranks (default 1)")->group(group);
  cmd->add_option("--sp", o.sp, "sequence parallelism over the tensor-parallel ranks")
      ->check(CLI::IsMember({"true", "false"}))
      ->group(group);
  cmd->add_option("--pp", o.pp, "pipeline stages (default 1)")->group(group);
  cmd->add_option("--vpp", o.vpp, "model chunks per pipeline stage (interleaved schedule)")
      ->group(group);
  add_choice<Schedule>(cmd, o.schedule, "pipeline schedule (default 1f1b)", group, true);
  cmd->add_option("--cp", o.cp, "context-parallel ranks: each sequence split over them")
      ->group(group);
  cmd->add_option("--ep", o.ep, "expert-parallel ranks: the routed experts split over them")
      ->group(group);
  cmd->add_option("--etp", o.etp, "expert tensor-parallel ranks (default --tp)")->group(group);
  cmd->add_option("--dp", o.dp, "data-parallel ranks (default --gpus / (tp·pp·cp))")->group(group);
  cmd->add_option("--pp-first-layers", o.pp_first,
                  "layers of the first pipeline stage; the rest split evenly (Megatron's "
                  "--decoder-first-pipeline-num-layers)")
      ->group(group);
  cmd->add_option("--pp-last-layers", o.pp_last,
                  "layers of the last pipeline stage (--decoder-last-pipeline-num-layers)")
      ->group(group);
  cmd->add_option("--global-batch", o.global_batch,
                  "sequences per optimizer step: micro-batches = global / (batch · dp)")
      ->group(group);
}

std::optional<Layout> layout_from_flags(const LayoutFlags& f, const GpuOptions& g) {
  if (!f.given()) return std::nullopt;
  auto size = [](const std::string& text, const char* flag, std::int64_t fallback) {
    return text.empty() ? fallback : parse_size(text, flag);
  };
  Layout l;
  l.tp = size(f.tp, "--tp", 1);
  l.sp = f.sp == "true";
  l.pp = size(f.pp, "--pp", 1);
  l.vpp = size(f.vpp, "--vpp", 1);
  if (!f.schedule.empty()) l.schedule = parse_choice<Schedule>(f.schedule);
  l.cp = size(f.cp, "--cp", 1);
  l.ep = size(f.ep, "--ep", 1);
  l.etp = size(f.etp, "--etp", 0);
  l.dp = size(f.dp, "--dp", 0);
  l.global_batch = size(f.global_batch, "--global-batch", 0);
  l.first_stage_layers = size(f.pp_first, "--pp-first-layers", 0);
  l.last_stage_layers = size(f.pp_last, "--pp-last-layers", 0);
  // --gpus when given is the total; else the layout's ranks times --dp (default 1).
  if (g.gpus_flag != nullptr && g.gpus_flag->count() > 0) {
    const std::vector<std::int64_t> gpus = size_list(g.gpus, "--gpus");
    if (gpus.size() != 1) throw Error("--gpus " + g.gpus + ": one GPU count with a layout");
    l.gpus = gpus.front();
  }
  return l;
}

Count byte_flag(const std::string& text, const char* flag) {
  std::string bytes = text;
  if (!bytes.empty() && bytes.back() == 'B') bytes.pop_back();
  const Count v = parse_human_count(bytes, flag);
  if (v > kMaxOverheadBytes) {
    throw Error(std::string(flag) + " " + text +
                ": more than 1 PiB per GPU; give it in bytes, e.g. 512MiB or 2GB");
  }
  return v;
}

namespace {

// A kernel flag: its value when given, else the runtime's.
template <Chosen E>
std::optional<E> given(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return parse_choice<E>(value);
}

}  // namespace

MemoryOptions memory_options(const MemoryFlags& m, const WorkloadOptions& w, const GpuOptions& g,
                             bool from_config) {
  MemoryOptions o;
  o.precision = parse_choice<Precision>(m.precision);
  o.optimizer = parse_choice<Optimizer>(m.optimizer);
  o.runtime = m.runtime.empty() ? default_runtime(from_config) : parse_choice<Runtime>(m.runtime);
  o.kernels.attention = given<AttentionImpl>(m.attention);
  o.kernels.loss = given<LossImpl>(m.loss);
  o.kernels.rmsnorm = given<NormImpl>(m.rmsnorm);
  o.kernels.optimizer = given<OptimizerImpl>(m.optimizer_impl);
  o.device = parse_choice<Device>(m.device);
  o.dropout = m.dropout;
  o.zero_stage = zero_stages(m).front();
  o.recompute = parse_choice<Recompute>(w.recompute);
  o.gpus = size_list(g.gpus, "--gpus").front();
  o.overhead_bytes = byte_flag(m.overhead, "--overhead");
  o.cuda_context_bytes = byte_flag(m.cuda_context, "--cuda-context");
  return o;
}

std::vector<int> zero_stages(const MemoryFlags& m) {
  if (m.fsdp) {
    if (m.zero != "0" && m.zero != "3") {
      throw Error("--fsdp shards as --zero 3: not with --zero " + m.zero);
    }
    return {3};
  }
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= m.zero.size()) {
    const std::size_t comma = std::min(m.zero.find(',', start), m.zero.size());
    const std::string item = m.zero.substr(start, comma - start);
    if (item.empty()) throw Error(fmt::format("--zero {}: empty value in the list", m.zero));
    const Count v = parse_human_count(item, "--zero");
    out.push_back(v > 3 ? 4 : static_cast<int>(v));  // 4 is rejected, with its message, later
    start = comma + 1;
  }
  return out;
}

RenderOptions render_options(const OutputOptions& o) {
  RenderOptions r;
  r.color = terminal().is_tty;
  r.width = terminal().is_tty ? terminal().columns : 0;
  r.format = parse_choice<Format>(o.format);
  r.units = parse_choice<ByteUnits>(o.units);
  return r;
}

}  // namespace tsize::cli

namespace tsize::cli {
namespace {

// A positive real flag ("370", "1.5e2"); nullopt when absent. Throws Error naming the flag.
std::optional<double> real_flag(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v)) {
    throw Error(fmt::format("{} {}: expected a number", flag, text));
  }
  return v;
}

}  // namespace

void add_cluster_flags(CLI::App* cmd, ClusterFlags& o) {
  const char* group = "Cluster";
  o.cluster_flag =
      cmd->add_option("--cluster", o.cluster, "a cluster of `tsize clusters` (default dgx-h100)")
          ->group(group);
  cmd->add_option("--gpus-per-node", o.gpus_per_node, "GPUs per node (the NVLink domain)")
      ->group(group);
  cmd->add_option("--max-gpus", o.max_gpus, "the largest system of the cluster")->group(group);
  cmd->add_option("--intra-node-gbps", o.intra_gbps,
                  "GB/s per GPU per direction inside a node, as NCCL reaches it")
      ->group(group);
  cmd->add_option("--inter-node-gbps", o.inter_gbps, "GB/s per NIC per direction between nodes")
      ->group(group);
  cmd->add_option("--nics-per-node", o.nics, "NICs per node")->group(group);
  cmd->add_option("--intra-node-latency-us", o.intra_latency_us, "µs per ring step in a node")
      ->group(group);
  cmd->add_option("--inter-node-latency-us", o.inter_latency_us, "µs per ring step between nodes")
      ->group(group);
  cmd->add_flag("--overlap-grad-reduce", o.overlap_grad_reduce,
                "Megatron-Core's gradient reduction during backward")
      ->group(group);
  cmd->add_flag("--overlap-param-gather", o.overlap_param_gather,
                "Megatron-Core's parameter all-gather during the next forward (--zero 1 or 2)")
      ->group(group);
  cmd->add_flag("--tp-comm-overlap", o.tp_comm_overlap,
                "tensor-parallel collectives pipelined with their GEMMs (Transformer Engine)")
      ->group(group);
}

ClusterSpec cluster_from_flags(const ClusterFlags& f, const GpuOptions& g) {
  const ClusterSpec& base = find_cluster(f.cluster.empty() ? "dgx-h100" : f.cluster);
  if (g.peak_flag != nullptr && g.peak_flag->count() > 0) {
    throw Error(
        "--peak-tflops describes a GPU without a kernel model: step time needs a GPU of "
        "`tsize gpus` (--gpu)");
  }
  ClusterOverrides o;
  if (g.gpu_flag != nullptr && g.gpu_flag->count() > 0) o.gpu = g.gpu;
  o.gpus_per_node = size_flag(f.gpus_per_node, "--gpus-per-node");
  o.max_gpus = size_flag(f.max_gpus, "--max-gpus");
  o.intra_gb_per_s = real_flag(f.intra_gbps, "--intra-node-gbps");
  o.inter_gb_per_s = real_flag(f.inter_gbps, "--inter-node-gbps");
  o.nics = real_flag(f.nics, "--nics-per-node");
  o.intra_latency_us = real_flag(f.intra_latency_us, "--intra-node-latency-us");
  o.inter_latency_us = real_flag(f.inter_latency_us, "--inter-node-latency-us");
  return override_cluster(base, o);
}

StepOptions step_options(const ClusterFlags& f) {
  StepOptions o;
  o.overlap_grad_reduce = f.overlap_grad_reduce;
  o.overlap_param_gather = f.overlap_param_gather;
  o.tp_comm_overlap = f.tp_comm_overlap;
  return o;
}

}  // namespace tsize::cli
