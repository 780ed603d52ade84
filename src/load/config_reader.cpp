#include "config_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "tsize/error.hpp"
#include "tsize/model.hpp"
#include "tsize/nearest.hpp"

namespace tsize::detail {
namespace {

// Keys of transformers' PretrainedConfig and of the families' configs that do not change the
// architecture tsize counts (generation settings, token ids, dropout, epsilons, RoPE scaling,
// router loss weights, ...): known, read by nobody, never listed as ignored.
constexpr std::string_view kKnownKeys[] = {
    "_attn_implementation",
    "_attn_implementation_autoset",
    "_commit_hash",
    "_name_or_path",
    "_tsize",
    "add_cross_attention",
    "architectures",
    "attention_dropout",
    "attention_probs_dropout_prob",
    "attn_implementation",
    "attn_logit_softcapping",
    "attn_pdrop",
    "aux_loss_alpha",
    "auto_map",
    "bad_words_ids",
    "base_model_pp_plan",
    "base_model_tp_plan",
    "begin_suppress_tokens",
    "bos_token_id",
    "chunk_size_feed_forward",
    "classifier_dropout",
    "cross_attention_hidden_size",
    "decoder_start_token_id",
    "diversity_penalty",
    "do_sample",
    "dtype",
    "early_stopping",
    "embd_pdrop",
    "encoder_no_repeat_ngram_size",
    "eos_token_id",
    "ep_size",
    "exponential_decay_length_penalty",
    "final_logit_softcapping",
    "finetuning_task",
    "forced_bos_token_id",
    "forced_eos_token_id",
    "gradient_checkpointing",
    "hidden_dropout",
    "hidden_dropout_prob",
    "id2label",
    "initializer_factor",
    "initializer_range",
    "is_decoder",
    "is_encoder_decoder",
    "label2id",
    "layer_norm_eps",
    "layer_norm_epsilon",
    "length_penalty",
    "max_length",
    "max_window_layers",
    "min_length",
    "model_type",
    "n_ctx",
    "n_group",
    "experts_per_token",
    "initial_context_length",
    "swiglu_limit",
    "swiglu_alpha",
    "apply_residual_connection_post_layernorm",
    "rope_local_base_freq",
    "cache_implementation",
    "sliding_window_size",
    "attn_temperature_tuning",
    "floor_scale",
    "attn_scale",
    "for_llm_compressor",
    "router_jitter_noise",
    "input_jitter_noise",
    "mlp_type",
    "norm_type",
    "original_max_position_embeddings",
    "use_bidirectional_attention",
    "no_repeat_ngram_size",
    "norm_eps",
    "norm_epsilon",
    "norm_topk_prob",
    "num_beam_groups",
    "num_beams",
    "num_labels",
    "num_return_sequences",
    "output_attentions",
    "output_hidden_states",
    "output_router_logits",
    "output_scores",
    "pad_token_id",
    "prefix",
    "pretraining_tp",
    "problem_type",
    "pruned_heads",
    "quantization_config",
    "remove_invalid_values",
    "reorder_and_upcast_attn",
    "repetition_penalty",
    "resid_pdrop",
    "return_dict",
    "return_dict_in_generate",
    "rms_norm_eps",
    "rope_interleave",
    "rope_parameters",
    "rope_scaling",
    "rope_theta",
    "rotary_emb_base",
    "routed_scaling_factor",
    "router_aux_loss_coef",
    "router_jitter_noise",
    "scale_attn_by_inverse_layer_idx",
    "scale_attn_weights",
    "scoring_func",
    "sep_token_id",
    "seq_aux",
    "summary_activation",
    "summary_first_dropout",
    "summary_proj_to_labels",
    "summary_type",
    "summary_use_proj",
    "suppress_tokens",
    "task_specific_params",
    "temperature",
    "tf_legacy_loss",
    "tie_encoder_decoder",
    "tokenizer_class",
    "top_k",
    "top_p",
    "topk_group",
    "torch_dtype",
    "torchscript",
    "transformers_version",
    "typical_p",
    "use_bfloat16",
    "use_cache",
    "use_mrope",
    "use_sliding_window",
    "max_seq_len",
    "classifier_activation",
    "clip_qkv",
    "query_pre_attn_scalar",
    "logit_scale",
    "attention_multiplier",
    "embedding_multiplier",
    "residual_multiplier",
    "logits_scaling",
};

bool known_key(std::string_view key) {
  return std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) != std::end(kKnownKeys);
}

}  // namespace

const nlohmann::json* ConfigReader::find(std::initializer_list<const char*> keys,
                                         std::string* found) const {
  for (const char* key : keys) {
    asked_.emplace_back(key);
    auto it = root_.find(key);
    if (it != root_.end() && !it->is_null()) {
      if (found) *found = key;
      return &*it;
    }
  }
  if (found) *found = *keys.begin();  // absent: name the canonical key
  return nullptr;
}

std::optional<std::int64_t> ConfigReader::maybe_integer(std::initializer_list<const char*> keys,
                                                        std::int64_t minimum) {
  std::string key;
  const nlohmann::json* v = find(keys, &key);
  if (!v) return std::nullopt;
  const bool too_big = v->is_number_unsigned() && v->get<std::uint64_t>() > kMaxDimension;
  if (!v->is_number_integer() || too_big) {
    if (too_big) {
      problem(fmt::format("{}={}: exceeds the largest supported size 2^30 = {}", key, v->dump(),
                          kMaxDimension));
    } else {
      problem(fmt::format("{}={}: expected an integer", key, v->dump()));
    }
    return std::nullopt;
  }
  const std::int64_t n = v->get<std::int64_t>();
  if (n < minimum) {
    problem(fmt::format("{}={}: expected an integer >= {}", key, n, minimum));
    return std::nullopt;
  }
  if (n > kMaxDimension) {
    problem(
        fmt::format("{}={}: exceeds the largest supported size 2^30 = {}", key, n, kMaxDimension));
    return std::nullopt;
  }
  return n;
}

std::int64_t ConfigReader::integer(std::initializer_list<const char*> keys,
                                   const Fallback& fallback, std::int64_t minimum) {
  std::string key;
  if (find(keys, &key) == nullptr) {
    defaulted(key, fmt::format("{}", fallback.value), fallback.why);
    defaulted_aliases_.insert(defaulted_aliases_.end(), keys.begin(), keys.end());
    return fallback.value;
  }
  return maybe_integer(keys, minimum).value_or(fallback.value);
}

std::int64_t ConfigReader::integer_in(const char* object, const char* key, const Fallback& fallback,
                                      std::int64_t minimum) {
  asked_.emplace_back(object);
  const std::string name = std::string(object) + "." + key;
  const auto it = root_.find(object);
  const nlohmann::json* nested = it == root_.end() || it->is_null() ? nullptr : &*it;
  if (nested && !nested->is_object()) {
    problem(fmt::format("{}={}: expected an object", object, nested->dump()));
    return fallback.value;
  }
  const auto v = nested ? nested->find(key) : nlohmann::json::const_iterator{};
  if (!nested || v == nested->end() || v->is_null()) {
    defaulted(name, fmt::format("{}", fallback.value), fallback.why);
    return fallback.value;
  }
  ConfigReader inner(*nested, source_, defaults_from_);
  const auto n = inner.maybe_integer({key}, minimum);
  for (const std::string& p : inner.problems_) problem(std::string(object) + "." + p);
  return n.value_or(fallback.value);
}

void ConfigReader::defaulted(const std::string& key, const std::string& value,
                             const std::string& why) {
  for (const DefaultUsed& d : defaults_) {
    if (d.key == key) return;  // read twice (a family building on another): listed once
  }
  const std::string source =
      why.empty() ? fmt::format("transformers {} default", defaults_from_) : "= " + why;
  defaults_.push_back({key, value, source});
  defaulted_aliases_.push_back(key);
}

bool ConfigReader::boolean(const char* key, bool fallback) {
  const nlohmann::json* v = find({key}, nullptr);
  if (!v) {
    defaulted(key, fallback ? "true" : "false");
    return fallback;
  }
  if (!v->is_boolean()) {
    problem(fmt::format("{}={}: expected true or false", key, v->dump()));
    return fallback;
  }
  return v->get<bool>();
}

double ConfigReader::number(const char* key, double fallback) {
  const nlohmann::json* v = find({key}, nullptr);
  if (!v) {
    defaulted(key, fmt::format("{}", fallback));
    return fallback;
  }
  if (!v->is_number()) {
    problem(fmt::format("{}={}: expected a number", key, v->dump()));
    return fallback;
  }
  return v->get<double>();
}

std::string ConfigReader::string(const char* key, const std::string& fallback) {
  const nlohmann::json* v = find({key}, nullptr);
  if (!v) {
    defaulted(key, "\"" + fallback + "\"");
    return fallback;
  }
  if (!v->is_string()) {
    problem(fmt::format("{}={}: expected a string", key, v->dump()));
    return fallback;
  }
  return v->get<std::string>();
}

std::vector<std::int64_t> ConfigReader::integer_list(const char* key) {
  const nlohmann::json* v = find({key}, nullptr);
  std::vector<std::int64_t> out;
  if (!v) {
    defaulted(key, "[]");
    return out;
  }
  if (!v->is_array()) {
    problem(fmt::format("{}={}: expected a list of integers", key, v->dump()));
    return out;
  }
  for (const auto& item : *v) {
    if (!item.is_number_integer() || item.get<std::int64_t>() < 0) {
      problem(fmt::format("{}: element {} is not a non-negative integer", key, item.dump()));
      return {};
    }
    out.push_back(item.get<std::int64_t>());
  }
  return out;
}

Provenance ConfigReader::finish() {
  Provenance p;
  // A key nobody asked for that is a small edit away from a key that was defaulted is a typo:
  // the file meant to set it (num_hidden_layer for num_hidden_layers).
  for (const auto& [key, value] : root_.items()) {
    if (known_key(key) || std::find(asked_.begin(), asked_.end(), key) != asked_.end()) continue;
    std::string typo_of;
    for (const std::string& d : defaulted_aliases_) {
      const std::size_t distance = edit_distance(key, d);
      if (key.size() >= 5 && distance > 0 && distance <= 2) typo_of = d;
    }
    if (!typo_of.empty()) {
      problem(fmt::format("{}: unknown key; did you mean {}? (without it, {} takes its default)",
                          key, typo_of, typo_of));
    } else {
      p.ignored_keys.push_back(key);
    }
  }
  std::sort(p.ignored_keys.begin(), p.ignored_keys.end());
  if (strict_) {
    for (const DefaultUsed& d : defaults_) {
      problem(fmt::format("{} is not set (--strict; the default would be {}, {})", d.key, d.value,
                          d.source));
    }
  }
  p.defaults_used = defaults_;
  if (problems_.empty()) return p;
  if (problems_.size() == 1) throw Error(source_ + ": " + problems_.front());
  std::string msg = source_ + ":";
  for (const auto& text : problems_) msg += "\n  " + text;
  throw Error(msg);
}

}  // namespace tsize::detail
