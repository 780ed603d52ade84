#include "config_reader.hpp"

#include <fmt/format.h>

#include "tsize/error.hpp"
#include "tsize/model.hpp"

namespace tsize::detail {

const nlohmann::json* ConfigReader::find(std::initializer_list<const char*> keys,
                                         std::string* found) const {
  for (const char* key : keys) {
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

std::int64_t ConfigReader::integer(std::initializer_list<const char*> keys, std::int64_t fallback,
                                   std::int64_t minimum) {
  return maybe_integer(keys, minimum).value_or(fallback);
}

bool ConfigReader::boolean(const char* key, bool fallback) {
  const nlohmann::json* v = find({key}, nullptr);
  if (!v) return fallback;
  if (!v->is_boolean()) {
    problem(fmt::format("{}={}: expected true or false", key, v->dump()));
    return fallback;
  }
  return v->get<bool>();
}

double ConfigReader::number(const char* key, double fallback) {
  const nlohmann::json* v = find({key}, nullptr);
  if (!v) return fallback;
  if (!v->is_number()) {
    problem(fmt::format("{}={}: expected a number", key, v->dump()));
    return fallback;
  }
  return v->get<double>();
}

std::string ConfigReader::string(const char* key, const std::string& fallback) {
  const nlohmann::json* v = find({key}, nullptr);
  if (!v) return fallback;
  if (!v->is_string()) {
    problem(fmt::format("{}={}: expected a string", key, v->dump()));
    return fallback;
  }
  return v->get<std::string>();
}

std::vector<std::int64_t> ConfigReader::integer_list(const char* key) {
  const nlohmann::json* v = find({key}, nullptr);
  std::vector<std::int64_t> out;
  if (!v) return out;
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

void ConfigReader::raise() const {
  if (problems_.empty()) return;
  if (problems_.size() == 1) throw Error(source_ + ": " + problems_.front());
  std::string msg = source_ + ":";
  for (const auto& p : problems_) msg += "\n  " + p;
  throw Error(msg);
}

}  // namespace tsize::detail
