// tsize against transformers' own modeling code: tests/data/hf-measured/records.json (copied
// from shared/reference/hf-measured; README beside it), 26 runs of 13 small configs, batch 1 ×
// 128 tokens, float32 and bf16 autocast, eager attention, on CPU PyTorch; and
// records-families.json, 51 runs of 17 more configs measured the same way (scripts/hf_measure).
// Each config is read as tsize reads any config.json and counted with the transformers runtime.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include "test_util.hpp"
#include "tsize/activations.hpp"
#include "tsize/flops.hpp"
#include "tsize/graph.hpp"
#include "tsize/hf_config.hpp"
#include "tsize/memory.hpp"

namespace tsize {
namespace {

const nlohmann::json& records() {
  static const nlohmann::json r =
      nlohmann::json::parse(test::read_file(test::data_path("hf-measured/records.json")));
  return r;
}

// 51 more records of 16 families, measured the same way (records-families.json, README).
const nlohmann::json& family_records() {
  static const nlohmann::json r =
      nlohmann::json::parse(test::read_file(test::data_path("hf-measured/records-families.json")));
  return r;
}

struct Measured {
  std::string name;
  FlopCounts flops;
  MemoryCounts memory;
  std::vector<Count> per_layer;  // what each layer saves, by its block
  // The RoPE cos and sin tables: a record charges each to the first layer that uses it.
  Count table = 0, local_table = 0;
  std::int64_t table_layer = 0, local_table_layer = 0;
};

// A layer block's kind: MoE or dense MLP, local (window or chunk) or global attention.
std::pair<bool, bool> kind_of(const Block& b) {
  bool moe = false, local = false;
  for (const Op& op : b.ops) {
    moe |= op.role == Role::kRouter;
    local |= op.kind() == OpKind::kAttention && (op.attention.window > 0 || op.attention.chunk > 0);
  }
  return {moe, local};
}

Measured measure(const nlohmann::json& rec) {
  Measured out;
  out.name = rec["config"]["name"].get<std::string>() + " " + rec["dtype"].get<std::string>() +
             " b" + std::to_string(rec["batch"].get<int>());
  const Graph g = build_graph(parse_hf_config(rec["config_json"].dump(), out.name));
  Workload w;
  w.batch = rec["batch"].get<std::int64_t>();
  w.seq = rec["seq"].get<std::int64_t>();
  w = resolve_workload(g.spec, w);
  out.flops = count_flops(g, w, {});
  MemoryOptions o;
  o.precision = rec["dtype"] == "float32" ? Precision::kFp32 : Precision::kAmpBf16;
  o.runtime = Runtime::kTransformers;  // attn_implementation="eager"
  o.device = Device::kCpu;
  out.memory = count_memory(g, w, o);
  const SavedActivations a = saved_activations(g, w, o.activation_options());
  std::size_t op = 0;
  for (const Block& b : g.blocks) {
    for (const Op& each : b.ops) {
      if (each.role == Role::kRotaryTable && b.layers.empty()) out.table = a.per_op[op];
      if (each.role == Role::kLocalRotaryTable) out.local_table = a.per_op[op];
      ++op;
    }
  }
  if (out.local_table > 0) {  // Gemma-3: the local layers' table, and the global layers'
    while (!is_local_layer(g.spec, out.local_table_layer)) ++out.local_table_layer;
    while (is_local_layer(g.spec, out.table_layer)) ++out.table_layer;
  }
  for (std::int64_t l = 0; l < g.spec.n_layers; ++l) {
    const std::pair<bool, bool> kind{is_moe_layer(g.spec, l), is_local_layer(g.spec, l)};
    for (std::size_t i = 0; i < g.blocks.size(); ++i) {
      if (!g.blocks[i].layers.empty() && kind_of(g.blocks[i]) == kind) {
        out.per_layer.push_back(a.per_block[i]);
      }
    }
  }
  return out;
}

// Every aten mm/addmm/bmm/baddbmm at 2·m·n·k, forward (the loss included) and backward apart:
// exact on every record, RoPE's inv_freq @ position_ids included (d_rot · s, no backward).
TEST(HfMeasured, MatmulFlopsAreExactOnEveryRecord) {
  ASSERT_EQ(records().size(), 26u);
  for (const auto& rec : records()) {
    const Measured r = measure(rec);
    EXPECT_EQ(r.flops.forward_matmul, rec["fwd_matmul_flops"].get<std::uint64_t>()) << r.name;
    EXPECT_EQ(r.flops.backward_matmul, rec["bwd_matmul_flops"].get<std::uint64_t>()) << r.name;
  }
}

// saved_bytes_torch2 (what current PyTorch saves), to the byte, on every record, in total and
// per layer. What it takes (docs/memory-vs-measured.md): the cos and sin tables saved once per
// model (every layer keeps views of them); the float causal mask added (nothing saved);
// ForCausalLMLoss's labels a view of a b·(s + 1) storage; softmax(dtype=float32) keeping the
// fp32 probabilities and, under autocast, the bf16 copy p·v reads; an MQA key and value at
// batch 1 views of one head, unless autocast casts k (promoted to fp32 by q·cos); Gemma's fp32
// (1 + w), √h scalar and fp32 x̂; Gemma-2's soft-capping tanh; BERT's buffer-sliced ids and
// its pooler's view of the last hidden state; GPT-2's gelu_new composite, mask buffer, scale
// tensor and native-dtype softmax; the eager MoE loop (topk indices, the renormalizing
// division, torch.where's indices, each routed token's weight, index_add_'s source in the
// block's dtype, one cast per expert projection) and Qwen2-MoE's sigmoid shared-expert gate.
TEST(HfMeasured, SavedBytesAreExactOnEveryRecord) {
  for (const auto& rec : records()) {
    const Measured r = measure(rec);
    EXPECT_EQ(r.memory.activations.total, rec["saved_bytes_torch2"].get<std::uint64_t>()) << r.name;
    // Per layer: the record attributes each storage to the first layer that saves it, so layer
    // 0 holds the cos and sin tables.
    const auto& per_layer = rec["saved_bytes_per_layer_torch2"];
    ASSERT_EQ(per_layer.size(), r.per_layer.size()) << r.name;
    for (std::size_t l = 0; l < per_layer.size(); ++l) {
      EXPECT_EQ(r.per_layer[l] + (l == 0 ? r.table : 0), per_layer[l].get<std::uint64_t>())
          << r.name << " layer " << l;
    }
  }
}

// The families measured here (records-families.json): totals, per layer (each RoPE table in
// the first layer that uses it), forward and backward matmul FLOPs, at batch 1 and 2. What they
// take beyond records.json's mechanisms: OLMoE's and DBRX's clip_qkv (clamp keeps its input:
// clones of q, k and v, or the whole Wqkv output), CohereLayerNorm's fp32 composite, per-head
// q/k statistics (StableLM, Cohere), Gemma-3's second rotary embedding, DBRX's per-attention
// rotary tables in v's dtype and PhiMoE's per-layer cos[position_ids] copies (torch.outer: no
// matmul), Falcon's index-list k and v and its bias added after the matmul (fp32 under
// autocast), its rotary embedding run under ALiBi, DeepSeek-V3's router in the compute dtype
// under autocast, DBRX's and PhiMoE's input jitter, PhiMoE's sparsemixer, Granite's and
// Cohere's Python-float multipliers, the shifted labels' copy above batch 1, and Llama-4's
// code: every expert on every token (gather, scores, one bmm per expert over all rows), its L2
// q/k norm in fp32, its complex64 freqs_cis and the NoPE layers' temperature scale.
TEST(HfMeasured, TodaysFamiliesAreExactOnEveryRecord) {
  ASSERT_EQ(family_records().size(), 51u);
  const std::set<std::string> exact = {"olmo2",   "olmoe",      "qwen3",       "qwen3_moe",
                                       "granite", "starcoder2", "gemma3_text", "cohere",
                                       "cohere2", "stablelm",   "phi"};
  std::size_t checked = 0;
  for (const auto& rec : family_records()) {
    ++checked;
    const Measured r = measure(rec);
    // Llama-4's code at this commit runs every expert on every token: 2·T·h·2f + 2·T·f·h more
    // forward FLOPs per MoE layer for each of the E − k experts a token is not routed to (and
    // twice that backward); tsize's model FLOPs count the routed ones.
    Count dense_extra = 0;
    if (rec["model_type"] == "llama4_text") {
      const Graph g = build_graph(parse_hf_config(rec["config_json"].dump(), "llama4"));
      const MoeSpec& m = *g.spec.moe;
      std::uint64_t moe_layers = 0;
      for (std::int64_t l = 0; l < g.spec.n_layers; ++l) moe_layers += is_moe_layer(g.spec, l);
      const auto tokens = rec["batch"].get<std::uint64_t>() * 128;
      dense_extra = moe_layers * 6 * tokens * static_cast<std::uint64_t>(g.spec.d_model) *
                    static_cast<std::uint64_t>(m.d_ff_expert) *
                    static_cast<std::uint64_t>(m.n_routed_experts - m.experts_per_token);
    }
    EXPECT_EQ(r.flops.forward_matmul + dense_extra, rec["fwd_matmul_flops"].get<std::uint64_t>())
        << r.name;
    EXPECT_EQ(r.flops.backward_matmul + 2 * dense_extra,
              rec["bwd_matmul_flops"].get<std::uint64_t>())
        << r.name;
    EXPECT_EQ(r.memory.activations.total, rec["saved_bytes_torch2"].get<std::uint64_t>()) << r.name;
    const auto& per_layer = rec["saved_bytes_per_layer_torch2"];
    ASSERT_EQ(per_layer.size(), r.per_layer.size()) << r.name;
    for (std::size_t l = 0; l < per_layer.size(); ++l) {
      const auto layer = static_cast<std::int64_t>(l);
      const Count tables = (layer == r.table_layer ? r.table : 0) +
                           (layer == r.local_table_layer ? r.local_table : 0);
      EXPECT_EQ(r.per_layer[l] + tables, per_layer[l].get<std::uint64_t>())
          << r.name << " layer " << l;
    }
  }
  EXPECT_EQ(checked, 51u);  // 17 configs × 3 runs
}

// What a record's model saves at `batch` sequences of 128 tokens, float32, transformers' code.
Count saved_at(const Graph& g, std::int64_t batch) {
  MemoryOptions o;
  o.runtime = Runtime::kTransformers;
  o.device = Device::kCpu;
  Workload w;
  w.seq = 128;
  w.batch = batch;
  return saved_activations(g, resolve_workload(g.spec, w), o.activation_options()).total;
}

// Batch 2 against batch 1, from the same code: everything per sequence doubles; the per-step
// constants (the cos and sin tables, one float64 scale per layer, the loss's fp32 weight) do
// not; and an MQA key and value, views of one head at batch 1, become copies for every head.
TEST(HfMeasured, BatchTwoDiffersOnlyWhereViewsAndCopiesSay) {
  for (const auto& rec : records()) {
    const std::string type = rec["config"]["model_type"];
    if (rec["dtype"] != "float32" || (type != "llama" && type != "qwen2")) continue;
    const Graph g = build_graph(parse_hf_config(rec["config_json"].dump(), "record"));
    const Count one = saved_at(g, 1), two = saved_at(g, 2);
    const Count layers = static_cast<std::uint64_t>(g.spec.n_layers);
    const Count table = 2 * 128 * static_cast<std::uint64_t>(g.spec.d_head) * 4;
    const Count constants = table + layers * 8 + 4;
    Count views = 0;  // MQA: k and v of one head at batch 1 (per sequence), all heads at batch 2
    if (g.spec.n_kv_heads == 1) {
      const Count a = static_cast<std::uint64_t>(g.spec.n_heads);
      const Count per_head = 128 * static_cast<std::uint64_t>(g.spec.d_head) * 4;
      views = layers * 2 * (2 * a * per_head - 2 * per_head);
    }
    // ForCausalLMLoss keeps labels[..., 1:].contiguous(): at batch 1 a view of the padded
    // [1, s + 1] labels, at batch 2 a [2, s] copy (the slice's stride is s + 1): 16 bytes less
    // than twice batch 1's.
    const Count labels_one = (128 + 1) * 8, labels_two = 2 * 128 * 8;
    EXPECT_EQ(two, 2 * (one - constants - labels_one) + constants + labels_two + views) << type;
  }
}

// GPT-NeoX's v is a slice of the fused query_key_value output: at batch 1 the matmul reads it
// as a view and keeps the whole [s, 3h] storage; at batch 2 it copies the [2, a, s, d] slice and
// keeps only that (q and k are RoPE's new tensors either way).
TEST(HfMeasured, AFusedQkvSliceIsCopiedAboveBatchOne) {
  for (const auto& rec : records()) {
    if (rec["config"]["model_type"] != "gpt_neox" || rec["dtype"] != "float32") continue;
    const Graph g = build_graph(parse_hf_config(rec["config_json"].dump(), "record"));
    const Count one = saved_at(g, 1), two = saved_at(g, 2);
    const Count layers = static_cast<std::uint64_t>(g.spec.n_layers);
    const Count h = static_cast<std::uint64_t>(g.spec.d_model), s = 128;
    const Count d_rot =
        static_cast<std::uint64_t>(static_cast<double>(g.spec.d_head) * g.spec.rotary_fraction);
    const Count constants = 2 * s * d_rot * 4 + layers * 8 + 4;  // tables, scales, loss weight
    // Per layer at batch 1 the [s, 3h] storage (12·s·h bytes), at batch 2 a [2, s, h] copy.
    const Count slice_at_two = layers * 2 * s * h * 4, storage_at_one = layers * 3 * s * h * 4;
    const Count labels_one = (s + 1) * 8, labels_two = 2 * s * 8;  // a view, then a copy
    EXPECT_EQ(two + 2 * storage_at_one,
              2 * (one - constants - labels_one) + constants + labels_two + slice_at_two);
  }
}

// GPU, derived (no CUDA run is recorded here): CUDA autocast runs layer_norm in fp32
// (aten/src/ATen/autocast_mode.cpp's fp32 list), so a LayerNorm on a bf16 tensor keeps an fp32
// copy of it where CPU autocast keeps the bf16 tensor: StableLM's per-head q and k LayerNorms,
// on q_proj's and k_proj's bf16 outputs, keep 2 more bytes per element, b·s·(a + kv)·d per
// layer. Everything else of these records runs alike (transformers casts explicitly).
TEST(HfMeasured, CudaAutocastKeepsLayerNormInputsInFp32) {
  for (const auto& rec : family_records()) {
    if (rec["model_type"] != "stablelm" || rec["dtype"] == "float32" || rec["batch"] != 1) continue;
    const Graph g = build_graph(parse_hf_config(rec["config_json"].dump(), "stablelm"));
    Workload w;
    w.seq = 128;
    w = resolve_workload(g.spec, w);
    MemoryOptions o;
    o.precision = Precision::kAmpBf16;
    o.runtime = Runtime::kTransformers;
    o.device = Device::kCpu;
    const Count cpu = saved_activations(g, w, o.activation_options()).total;
    EXPECT_EQ(cpu, rec["saved_bytes_torch2"].get<std::uint64_t>());
    o.device = Device::kCuda;
    const Count cuda = saved_activations(g, w, o.activation_options()).total;
    const auto per = [&](std::int64_t v) { return static_cast<std::uint64_t>(v); };
    EXPECT_EQ(cuda - cpu, per(g.spec.n_layers) * 128 * per(g.spec.n_heads + g.spec.n_kv_heads) *
                              per(g.spec.d_head) * 2);
  }
}

// gpt-oss (derived from its modeling code, v4.55: newer than the measured commit): the sink
// logits join each softmax, cat(scores, sinks) − max keeps max's int64 indices and the softmax
// keeps s + 1 columns: b·a·s·(4 + 8) more bytes per layer in fp32 than without sinks.
TEST(HfMeasured, GptOssSinksKeepAColumnAndMaxIndices) {
  ModelSpec spec = test::spec_of_config("openai__gpt-oss-20b.json");
  Workload w;
  w.seq = 128;
  MemoryOptions o;
  o.runtime = Runtime::kTransformers;
  o.device = Device::kCpu;
  const Graph with = build_graph(spec);
  spec.attention_sinks = false;
  const Graph without = build_graph(spec);
  const Count a = static_cast<std::uint64_t>(spec.n_heads);
  const Count layers = static_cast<std::uint64_t>(spec.n_layers);
  EXPECT_EQ(saved_activations(with, resolve_workload(spec, w), o.activation_options()).total -
                saved_activations(without, resolve_workload(spec, w), o.activation_options()).total,
            layers * a * 128 * (4 + 8));
}

}  // namespace
}  // namespace tsize
