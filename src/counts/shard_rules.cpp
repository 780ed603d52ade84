#include "tsize/shard_rules.hpp"

namespace tsize {
namespace {

// The rules, once. Sources: Megatron-LM's tensor parallelism (Shoeybi et al. 2019, §3:
// column-parallel then row-parallel, biases of the row-parallel layer added after the
// all-reduce), sequence parallelism and its activation split (Korthikanti et al. 2022, §4.2 and
// Table 2), Megatron-Core's code (tensor_parallel/layers.py, multi_latent_attention.py,
// moe/experts.py) and context parallelism (Megatron-Core's context_parallel.md).
enum RuleId : std::size_t {
  kEmbeddingRule,
  kVocabHeadRule,
  kLossRule,
  kNormRule,
  kColumnRule,
  kRowRule,
  kHeadsRule,
  kDuplicatedRule,
  kRouterRule,
  kExpertInRule,
  kExpertHiddenRule,
  kRopeTableRule,
};

constexpr std::array<NamedShardRule, 12> kRules{{
    {"token embedding",
     {ParamSplit::kVocab, true, SavedSplit::kSequence,
      "VocabParallelEmbedding: rows split over T (Megatron pads the vocabulary to a multiple of "
      "128·T); its output is scattered to the sequence-parallel region"}},
    {"lm_head",
     {ParamSplit::kVocab, true, SavedSplit::kSequence,
      "the output layer is column-parallel over the vocabulary; it saves its input, the "
      "sequence-parallel shard with SP (all-gathered again in backward)"}},
    {"cross-entropy",
     {ParamSplit::kReplicated, false, SavedSplit::kTensor,
      "vocab-parallel cross-entropy: each rank keeps the softmax of its V/T logits"}},
    {"norms, residual adds, dropout",
     {ParamSplit::kReplicated, false, SavedSplit::kSequence,
      "replicated weights; their saved tensors split over T only with sequence parallelism "
      "(Korthikanti et al. 2022 Table 2: the 10·s·b·h term)"}},
    {"column-parallel (q, k, v, qkv, gate, up, MLA up-projections)",
     {ParamSplit::kTensor, true, SavedSplit::kSequence,
      "weights and bias split by output features; the saved input is the norm's output, whole "
      "on every rank without SP, its sequence shard with SP"}},
    {"row-parallel (o_proj, down_proj)",
     {ParamSplit::kTensor, false, SavedSplit::kTensor,
      "weights split by input features, the bias replicated (added after the all-reduce); the "
      "saved input is a rank's heads or hidden features"}},
    {"attention core, rotary, q/k norms, MLP activation",
     {ParamSplit::kReplicated, false, SavedSplit::kTensor,
      "on a rank's heads or hidden features: ÷ T; ÷ C by the sequence split"}},
    {"MLA down-projections and latent norms, indexer",
     {ParamSplit::kReplicated, false, SavedSplit::kSequence,
      "Megatron-Core builds linear_q_down_proj and linear_kv_down_proj duplicated on every "
      "tensor-parallel rank"}},
    {"router, shared-expert gate",
     {ParamSplit::kReplicated, false, SavedSplit::kSequence,
      "replicated; routes the rank's own (sequence-parallel) tokens"}},
    {"routed experts: inputs, dispatch and combine",
     {ParamSplit::kExpert, true, SavedSplit::kExpertTokens,
      "E_total / E experts per rank (moe/experts.py), each split over ETP; with balanced "
      "routing a rank's experts receive as many token-slots as its own tokens route, gathered "
      "over the ETP ranks"}},
    {"routed experts: hidden features",
     {ParamSplit::kExpert, false, SavedSplit::kExpertWidth,
      "the expert's hidden features split over ETP, rows gathered over ETP"}},
    {"RoPE cos/sin tables",
     {ParamSplit::kReplicated, false, SavedSplit::kPositions,
      "one row per position: ÷ C (each rank embeds its own positions)"}},
}};

bool in_routed_experts(const Op& op) { return op.component == Component::kExperts; }

RuleId rule_of(const Op& op) {
  switch (op.role) {
    case Role::kTokenEmbedding:
      return kEmbeddingRule;
    case Role::kLmHead:
      return kVocabHeadRule;
    case Role::kLoss:
      return kLossRule;
    case Role::kRotaryTable:
    case Role::kLocalRotaryTable:
      return kRopeTableRule;
    case Role::kQProj:
    case Role::kKProj:
    case Role::kVProj:
    case Role::kQkvProj:
    case Role::kQUpProj:
    case Role::kKvUpProj:
    case Role::kMlpGate:
    case Role::kMlpUp:
    case Role::kMlpGateUp:
      return in_routed_experts(op) ? kExpertInRule : kColumnRule;
    case Role::kOutProj:
    case Role::kMlpDown:
      return in_routed_experts(op) ? kExpertHiddenRule : kRowRule;
    case Role::kMlpAct:
      return in_routed_experts(op) ? kExpertHiddenRule : kHeadsRule;
    case Role::kRotary:
    case Role::kAttentionCore:
    case Role::kQNorm:
    case Role::kKNorm:
      return kHeadsRule;
    case Role::kQDownProj:
    case Role::kQLatentNorm:
    case Role::kKvDownProj:
    case Role::kKvLatentNorm:
    case Role::kIndexerQProj:
    case Role::kIndexerKProj:
    case Role::kIndexerKNorm:
    case Role::kIndexerWeights:
    case Role::kIndexerScores:
      return kDuplicatedRule;
    case Role::kRouter:
    case Role::kRouterBias:
    case Role::kSharedExpertGate:
      return kRouterRule;
    case Role::kExpertDispatch:
    case Role::kExpertCombine:
      return kExpertInRule;
    default:
      return kNormRule;  // embeddings by position and type, norms, residual adds, the pooler
  }
}

}  // namespace

SavedShare saved_share(SavedSplit split, const Layout& l) {
  switch (split) {
    case SavedSplit::kSequence:
      return {1, (l.sp ? l.tp : 1) * l.cp};
    case SavedSplit::kTensor:
    case SavedSplit::kExpertWidth:
      return {1, l.tp * l.cp};
    case SavedSplit::kExpertTokens:
      return {l.expert_tp(), l.tp * l.cp};
    case SavedSplit::kPositions:
      return {1, l.cp};
  }
  return {};
}

ShardRule shard_rule(const Op& op) { return kRules[rule_of(op)].rule; }

const std::array<NamedShardRule, 12>& shard_rule_table() { return kRules; }

std::string_view describe(ParamSplit split) {
  switch (split) {
    case ParamSplit::kReplicated:
      return "replicated";
    case ParamSplit::kTensor:
      return "÷ T";
    case ParamSplit::kVocab:
      return "vocabulary ÷ T";
    case ParamSplit::kExpert:
      return "experts ÷ E, each ÷ ETP";
  }
  return "";
}

std::string_view describe(SavedSplit split) {
  switch (split) {
    case SavedSplit::kSequence:
      return "÷ C (÷ T with SP)";
    case SavedSplit::kTensor:
      return "÷ T·C";
    case SavedSplit::kExpertTokens:
      return "÷ T·C, × ETP";
    case SavedSplit::kExpertWidth:
      return "÷ T·C";
    case SavedSplit::kPositions:
      return "÷ C";
  }
  return "";
}

}  // namespace tsize
