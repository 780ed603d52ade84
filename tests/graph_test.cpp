#include "tsize/graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tsize/presets.hpp"

namespace tsize {
namespace {

const Block& block(const Graph& g, const std::string& name) {
  auto it = std::find_if(g.blocks.begin(), g.blocks.end(),
                         [&](const Block& b) { return b.name == name; });
  if (it == g.blocks.end()) throw std::runtime_error("no block " + name);
  return *it;
}

std::vector<std::string> op_names(const Block& b) {
  std::vector<std::string> out;
  for (const Op& op : b.ops) out.push_back(std::string(op.group()) + "/" + std::string(op.name()));
  return out;
}

TEST(BuildGraph, IdenticalLayersAreOneBlock) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  ASSERT_EQ(g.blocks.size(), 4u);  // embedding, layers, final norm, lm_head
  EXPECT_EQ(block(g, "layers").repeat, 32);
  EXPECT_EQ(block(g, "layers").layers, "0-31");
}

TEST(BuildGraph, LlamaLayerInForwardOrder) {
  const Graph g = build_graph(load_preset("llama-3-8b"));
  const std::vector<std::string> expected = {
      "norms/attn_norm", "attention/q_proj", "attention/k_proj", "attention/v_proj",
      "attention/rope",  "attention/core",   "attention/o_proj", "residual/attn_add",
      "norms/mlp_norm",  "mlp/gate_proj",    "mlp/up_proj",      "mlp/act",
      "mlp/down_proj",   "residual/mlp_add"};
  EXPECT_EQ(op_names(block(g, "layers")), expected);
}

TEST(BuildGraph, DeepSeekSplitsDenseAndMoeLayers) {
  const Graph g = build_graph(load_preset("deepseek-v3"));
  EXPECT_EQ(block(g, "dense layers").repeat, 3);
  EXPECT_EQ(block(g, "dense layers").layers, "0-2");
  EXPECT_EQ(block(g, "moe layers").repeat, 58);
  const Block& moe = block(g, "moe layers");
  auto experts = std::find_if(moe.ops.begin(), moe.ops.end(), [](const Op& op) {
    return op.component == Component::kExperts && op.kind() == OpKind::kLinear;
  });
  ASSERT_NE(experts, moe.ops.end());
  EXPECT_EQ(experts->copies, 256);
  EXPECT_EQ(experts->active_copies, 8);
}

TEST(BuildGraph, Gemma2HasFourNormsAndGpt2FusesQkv) {
  const Graph gemma = build_graph(load_preset("gemma-2-9b"));
  int norms = 0;
  for (const Op& op : block(gemma, "global layers").ops) norms += op.kind() == OpKind::kNorm;
  EXPECT_EQ(norms, 4);
  const Graph gpt2 = build_graph(load_preset("gpt2"));
  const Op& qkv = block(gpt2, "layers").ops[1];
  EXPECT_EQ(qkv.name(), "qkv_proj");
  EXPECT_EQ(qkv.out, 3 * 768);
  EXPECT_TRUE(qkv.bias);
}

TEST(BuildGraph, Gemma2AlternatesSlidingAndGlobalLayersStartingWithSliding) {
  // modeling_gemma2.py: is_sliding = not bool(layer_idx % 2).
  const Graph g = build_graph(load_preset("gemma-2-9b"));
  EXPECT_EQ(g.blocks[1].name, "sliding layers");
  EXPECT_EQ(g.blocks[1].layers, "0-40 step 2");
  EXPECT_EQ(g.blocks[2].name, "global layers");
  EXPECT_EQ(g.blocks[2].repeat, 21);
  for (const Op& op : g.blocks[1].ops) {
    if (op.kind() == OpKind::kAttention) EXPECT_EQ(op.attention.window, 4096);
  }
  for (const Op& op : g.blocks[2].ops) {
    if (op.kind() == OpKind::kAttention) EXPECT_EQ(op.attention.window, 0);
  }
}

TEST(BuildGraph, DeepSeekSparseAttentionHasAnIndexerAndTopK) {
  const Graph g = build_graph(load_preset("deepseek-v3.2-exp"));
  int cores = 0;
  for (const Op& op : block(g, "moe layers").ops) {
    if (op.kind() != OpKind::kAttention) continue;
    ++cores;
    if (op.component == Component::kIndexer) {
      EXPECT_FALSE(op.attention.softmax);
      EXPECT_EQ(op.attention.heads, 64);
      EXPECT_EQ(op.attention.top_k, 0);
    } else {
      EXPECT_EQ(op.attention.top_k, 2048);
    }
  }
  EXPECT_EQ(cores, 2);
}

TEST(BuildGraph, BertIsAnEncoderWithPoolerAndNoHead) {
  const Graph g = build_graph(load_preset("bert-base-uncased"));
  EXPECT_NO_THROW(block(g, "pooler"));
  EXPECT_THROW(block(g, "lm_head"), std::runtime_error);
  EXPECT_THROW(block(g, "final norm"), std::runtime_error);
  for (const Op& op : block(g, "layers").ops) {
    if (op.kind() == OpKind::kAttention) EXPECT_FALSE(op.attention.causal);
  }
}

TEST(ParamsPerCopy, FollowsTheOpKind) {
  Op linear;
  linear.role = Role::kQProj;
  linear.in = 3;
  linear.out = 5;
  EXPECT_EQ(params_per_copy(linear), 15);
  linear.bias = true;
  EXPECT_EQ(params_per_copy(linear), 20);
  linear.tied = true;  // a tied weight is counted where it is owned; Phi's head bias is its own
  EXPECT_EQ(params_per_copy(linear), 5);
  linear.bias = false;
  EXPECT_EQ(params_per_copy(linear), 0);
  Op norm;
  norm.role = Role::kAttentionNorm;
  norm.out = 8;
  norm.bias = true;
  EXPECT_EQ(params_per_copy(norm), 16);
  Op core;
  core.role = Role::kAttentionCore;
  core.out = 64;
  EXPECT_EQ(params_per_copy(core), 0);
}

}  // namespace
}  // namespace tsize
