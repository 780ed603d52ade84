// Sharding rules — how each op's weights and saved activations split over a layout's ranks,
// declared once per role (data, not conditionals in the folds), each with its source.
#pragma once

#include <array>
#include <string_view>

#include "tsize/graph.hpp"
#include "tsize/layout.hpp"
#include "tsize/role.hpp"

namespace tsize {

// How an op's weights split.
//   kReplicated: every rank of the stage holds them (norms, routers, biases of row-parallel
//                layers, MLA's down-projections).
//   kTensor:     split over T (column-parallel: output features; row-parallel: input features).
//   kVocab:      the vocabulary rows split over T, padded as Megatron pads them.
//   kExpert:     routed experts: E ranks hold E_total / E experts each, every one split over ETP.
enum class ParamSplit : std::uint8_t { kReplicated, kTensor, kVocab, kExpert };
inline constexpr std::size_t kParamSplits = 4;

// How the bytes an op saves for backward split, per micro-batch.
//   kSequence:     outside the tensor-parallel regions (norms, dropout, the inputs of
//                  column-parallel layers): ÷ T only with sequence parallelism; ÷ C.
//   kTensor:       inside them (heads, the MLP's hidden features, vocabulary logits): ÷ T·C.
//   kExpertTokens: token rows entering routed experts: the tokens of T/ETP ranks, ÷ T·C, × ETP.
//   kExpertWidth:  an expert's hidden features: ÷ T·C (rows × ETP, width ÷ ETP).
//   kPositions:    per position, shared by the batch (RoPE's tables): ÷ C.
enum class SavedSplit : std::uint8_t {
  kSequence,
  kTensor,
  kExpertTokens,
  kExpertWidth,
  kPositions
};
inline constexpr std::size_t kSavedSplits = 5;

struct ShardRule {
  ParamSplit params = ParamSplit::kReplicated;
  bool bias_split = false;  // the bias splits with the weight (column-parallel); else replicated
  SavedSplit saved = SavedSplit::kSequence;
  std::string_view source;
};

// The share of a split's saved bytes one rank of `layout` holds: numerator / denominator
// (Korthikanti et al. 2022 Table 2 for T and SP; context parallelism splits every token-indexed
// tensor over C; routed tokens gathered over ETP). The memory model rounds bytes up with it; the
// step-time model scales the bytes a kernel streams.
struct SavedShare {
  std::int64_t numerator = 1, denominator = 1;
};
SavedShare saved_share(SavedSplit split, const Layout& layout);

// The rule of an op: by its role, and for routed experts by their component.
ShardRule shard_rule(const Op& op);

// Every rule, for --explain: a role name, the rule and its source.
struct NamedShardRule {
  std::string_view what;
  ShardRule rule;
};
const std::array<NamedShardRule, 12>& shard_rule_table();

std::string_view describe(ParamSplit split);
std::string_view describe(SavedSplit split);

}  // namespace tsize
