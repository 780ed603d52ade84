// Training memory: saved activations against PyTorch (nanoGPT), model states by recipe, ZeRO,
// and seed 001's measured peaks.
#include "tsize/memory.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../src/activations.hpp"
#include "test_util.hpp"
#include "tsize/overrides.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

Workload workload(std::int64_t batch, std::int64_t seq, std::int64_t grad_accum = 1) {
  Workload w;
  w.batch = batch;
  w.seq = seq;
  w.grad_accum = grad_accum;
  return w;
}

// shared/reference/pytorch-nanogpt.json: bytes autograd saved (storages once, parameters and
// autocast weight copies excluded) for every record, on CPU, fp32 or bf16 autocast, dropout 0
// or 0.1. tsize --device cpu must reproduce each exactly, and per layer.
TEST(SavedActivations, MatchPyTorchOnEveryNanoGptRecord) {
  const auto records =
      nlohmann::json::parse(test::read_file(test::data_path("pytorch-nanogpt.json")));
  for (const auto& r : records) {
    const auto& c = r["config"];
    ModelOverrides mo;
    mo.layers = c["n_layer"].get<std::int64_t>();
    mo.d_model = c["n_embd"].get<std::int64_t>();
    mo.heads = c["n_head"].get<std::int64_t>();
    mo.vocab = c["vocab_size"].get<std::int64_t>();
    mo.context = c["block_size"].get<std::int64_t>();
    mo.bias = c["bias"].get<bool>();
    const Graph g = build_graph(spec_from_flags(mo));
    MemoryOptions o;
    o.device = Device::kCpu;
    o.precision = r["dtype"] == "float32" ? Precision::kFp32 : Precision::kAmpBf16;
    o.dropout = r["dropout"].get<double>();
    const Workload w = resolve_workload(g.spec, workload(r["batch"], r["seq"]));
    const std::string what = c["name"].get<std::string>() + " b=" + r["batch"].dump() +
                             " s=" + r["seq"].dump() + " " + r["dtype"].get<std::string>() +
                             " dropout=" + r["dropout"].dump();
    const MemoryCounts m = count_memory(g, w, o);
    EXPECT_EQ(m.activations, r["saved_bytes"].get<std::uint64_t>()) << what;
    const detail::SavedTensors saved = detail::saved_for_backward(g, w, o);
    ASSERT_EQ(saved.per_layer.size(), 1u);
    EXPECT_EQ(saved.per_layer[0], r["saved_bytes_per_layer"][0].get<std::uint64_t>()) << what;
    if (r.contains("saved_bytes_by_category") && r["saved_bytes_by_category"].contains("param_cast")) {
      EXPECT_EQ(m.autocast_weight_copies,
                r["saved_bytes_by_category"]["param_cast"].get<std::uint64_t>()) << what;
    }
  }
}

}  // namespace
}  // namespace tsize
