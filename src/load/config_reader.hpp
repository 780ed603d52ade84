// Internal: typed, checked access to a config.json object. Collects problems instead of stopping
// at the first, so one error message lists everything wrong with a file; records every key it
// was asked for and every default it used, so the result can say what the file left out.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "tsize/provenance.hpp"

namespace tsize::detail {

// The value used when a key is absent: a class default, or one derived from other keys (`why`
// names them, e.g. "num_attention_heads").
struct Fallback {
  Fallback(std::int64_t v) : value(v) {}  // NOLINT(google-explicit-constructor): a plain default
  Fallback(std::int64_t v, std::string derived_from) : value(v), why(std::move(derived_from)) {}
  std::int64_t value;
  std::string why;
};

class ConfigReader {
 public:
  // `defaults_from` names whose defaults absent keys take, e.g. "LlamaConfig".
  ConfigReader(const nlohmann::json& root, std::string source, std::string defaults_from,
               bool strict = false)
      : root_(root),
        source_(std::move(source)),
        defaults_from_(std::move(defaults_from)),
        strict_(strict) {}

  // The first present, non-null key of `keys` (aliases in priority order), or nullptr.
  const nlohmann::json* find(std::initializer_list<const char*> keys, std::string* found) const;

  // An integer key: absent or null gives `fallback` (recorded as a default); otherwise it must be
  // an integer in [minimum, 2^30] (recorded as a problem if not, and `fallback` is returned).
  std::int64_t integer(std::initializer_list<const char*> keys, const Fallback& fallback,
                       std::int64_t minimum = 1);
  // An integer key of a nested object (DBRX's attn_config.kv_n_heads), recorded as "object.key".
  std::int64_t integer_in(const char* object, const char* key, const Fallback& fallback,
                          std::int64_t minimum = 1);
  // An optional integer: nullopt when absent or null (nothing recorded).
  std::optional<std::int64_t> maybe_integer(std::initializer_list<const char*> keys,
                                            std::int64_t minimum = 1);
  // True when `key` is present with the value null (transformers often means "derive it").
  bool is_null(const char* key) const {
    asked_.emplace_back(key);
    auto it = root_.find(key);
    return it != root_.end() && it->is_null();
  }
  // True when a nested object's key is present and not null (DBRX's attn_config.clip_qkv).
  bool present_in(const char* object, const char* key) const {
    asked_.emplace_back(object);
    const auto it = root_.find(object);
    if (it == root_.end() || !it->is_object()) return false;
    const auto v = it->find(key);
    return v != it->end() && !v->is_null();
  }
  bool boolean(const char* key, bool fallback);
  double number(const char* key, double fallback);
  std::string string(const char* key, const std::string& fallback);
  std::vector<std::int64_t> integer_list(const char* key);

  // Records that `key` took `value` although the file does not set it.
  void defaulted(const std::string& key, const std::string& value, const std::string& why = "");

  void problem(std::string text) { problems_.push_back(std::move(text)); }
  const std::string& source() const { return source_; }
  // What the file left out, and its unknown keys; a misspelling of a key the family reads is a
  // problem ("did you mean"), and under strict every default is. Throws Error("<source>: ...")
  // listing every problem, if any.
  Provenance finish();

 private:
  const nlohmann::json& root_;
  std::string source_;
  std::string defaults_from_;
  bool strict_;
  mutable std::vector<std::string> asked_;  // every key looked up, present or not
  std::vector<DefaultUsed> defaults_;
  std::vector<std::string> defaulted_aliases_;  // every spelling of a defaulted key
  std::vector<std::string> problems_;
};

}  // namespace tsize::detail
