// Internal: typed, checked access to a config.json object. Collects problems instead of stopping
// at the first, so one error message lists everything wrong with a file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace tsize::detail {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& root, std::string source)
      : root_(root), source_(std::move(source)) {}

  // The first present, non-null key of `keys` (aliases in priority order), or nullptr.
  const nlohmann::json* find(std::initializer_list<const char*> keys, std::string* found) const;

  // An integer key: absent or null gives `fallback`; otherwise it must be an integer in
  // [minimum, 2^30] (recorded as a problem if not, and `fallback` is returned).
  std::int64_t integer(std::initializer_list<const char*> keys, std::int64_t fallback,
                       std::int64_t minimum = 1);
  // An optional integer: nullopt when absent or null.
  std::optional<std::int64_t> maybe_integer(std::initializer_list<const char*> keys,
                                            std::int64_t minimum = 1);
  // True when `key` is present with the value null (transformers often means "derive it").
  bool is_null(const char* key) const {
    auto it = root_.find(key);
    return it != root_.end() && it->is_null();
  }
  bool boolean(const char* key, bool fallback);
  double number(const char* key, double fallback);
  std::string string(const char* key, const std::string& fallback);
  std::vector<std::int64_t> integer_list(const char* key);

  void problem(std::string text) { problems_.push_back(std::move(text)); }
  const std::string& source() const { return source_; }
  // Throws Error("<source>: ...") listing every problem, if any.
  void raise() const;

 private:
  const nlohmann::json& root_;
  std::string source_;
  std::vector<std::string> problems_;
};

}  // namespace tsize::detail
