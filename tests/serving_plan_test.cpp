// Serving plans: the fewest GPUs that hold a load, derived from the weights' bytes against vLLM's
// budget, and the formats ranked by the GPUs they need.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "tsize/serving_plan.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;

ServingLoad one_sequence(std::int64_t input, std::int64_t output) {
  ServingLoad l;
  l.input_len = input;
  l.output_len = output;
  return l;
}

TEST(ServingPlan, TheFewestGpusAreTheFirstSplitThatFits) {
  // Llama-3.1-70B in bf16 is 141 GB: more than one H100's budget (0.92 × 79.19 GiB = 78.2 GB),
  // within two (70.6 GB each, with 1.3 GB of KV for 8,192 tokens and the 1 GiB reserve).
  const Graph g = build_graph(load_preset("llama-3.1-70b"));
  const ClusterSpec& dgx = find_cluster("dgx-h100");
  EXPECT_FALSE(serving_memory(g, dgx.gpu, {}, 8192, 1).fits);
  const auto d = smallest_deployment(g, dgx, {}, one_sequence(8064, 128));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->options.tp, 2);
  EXPECT_EQ(d->options.pp, 1);
  EXPECT_TRUE(d->memory.fits);
  ASSERT_TRUE(d->time.has_value());
  EXPECT_GT(d->time->tokens_per_s, 0);
  // Llama-3.1-405B in bf16 (810 GB) is more than a node of eight (78.2 GB each): two nodes, a
  // pipeline stage each.
  const Graph big = build_graph(load_preset("llama-3.1-405b"));
  const auto two_nodes = smallest_deployment(big, dgx, {}, one_sequence(1024, 128));
  ASSERT_TRUE(two_nodes.has_value());
  EXPECT_EQ(two_nodes->options.tp, 8);
  EXPECT_EQ(two_nodes->options.pp, 2);
  EXPECT_FALSE(smallest_deployment(big, dgx, {}, one_sequence(1024, 128), 8).has_value());
}

TEST(ServingPlan, FormatsRankByGpusThenPrecision) {
  const Graph g = build_graph(load_preset("llama-3.1-70b"));
  const std::vector<FormatChoice> c =
      cheapest_formats(g, find_cluster("dgx-h100"), {}, one_sequence(2048, 128),
                       {"bf16", "fp8", "awq-int4-g128", "gptq-int4-g100"});
  ASSERT_EQ(c.size(), 4U);
  // FP8 weights with the bf16 embedding and head are 72.7 GB: with 0.7 GB of KV, 1.4 GB of
  // activations and the 1 GiB reserve, within one GPU's 78.2 GB; AWQ's int4 (37 GiB) too, with
  // fewer bytes, so it ranks after FP8; bf16 (141 GB) needs two.
  EXPECT_EQ(c[0].format, "fp8");
  EXPECT_EQ(c[1].format, "awq-int4-g128");
  EXPECT_EQ(c[2].format, "bf16");
  EXPECT_EQ(c[0].deployment->gpus(), 1);
  EXPECT_EQ(c[1].deployment->gpus(), 1);
  EXPECT_EQ(c[2].deployment->gpus(), 2);
  EXPECT_GT(c[0].deployment->memory.weights_total, c[1].deployment->memory.weights_total);
  // A group size that does not divide 8,192 input features: the format's own error, last.
  EXPECT_EQ(c[3].format, "gptq-int4-g100");
  EXPECT_FALSE(c[3].deployment.has_value());
  EXPECT_THAT(c[3].why_not, HasSubstr("group size 100 does not divide q_proj's 8192 input"));
}

}  // namespace
}  // namespace tsize
