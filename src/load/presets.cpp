#include "tsize/presets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <string_view>
#include <utility>

#include "tsize/error.hpp"
#include "tsize/hf_config.hpp"
#include "tsize/nearest.hpp"

namespace tsize {
namespace detail {
extern const std::vector<Preset> kPresetFiles;  // generated from models/*.json
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> kSorted = [] {
    std::vector<Preset> v = detail::kPresetFiles;
    std::sort(v.begin(), v.end(), [](const Preset& a, const Preset& b) { return a.name < b.name; });
    return v;
  }();
  return kSorted;
}

namespace {

// A preset's spec, parsed once per process and options: presets are text compiled in, so the
// same name always gives the same spec (a sweep from Python loads one thousands of times).
ModelSpec parsed_preset(const Preset& p, const LoadOptions& options) {
  static_assert(sizeof(LoadOptions) == sizeof(bool), "a new LoadOptions field joins the key");
  static std::mutex mutex;
  static std::map<std::pair<std::string_view, bool>, ModelSpec> parsed;
  const std::pair<std::string_view, bool> key{p.name, options.strict};
  {
    const std::lock_guard<std::mutex> lock(mutex);
    if (const auto it = parsed.find(key); it != parsed.end()) return it->second;
  }
  ModelSpec spec = parse_hf_config(p.text, "preset " + std::string(p.name), options);
  spec.name = p.name;
  const std::lock_guard<std::mutex> lock(mutex);
  return parsed.try_emplace(key, std::move(spec)).first->second;
}

}  // namespace

ModelSpec load_preset(const std::string& name, const LoadOptions& options) {
  for (const Preset& p : presets()) {
    if (to_lower(std::string(p.name)) != to_lower(name)) continue;  // names are case-insensitive
    return parsed_preset(p, options);
  }
  std::vector<std::string> names;
  for (const Preset& p : presets()) names.emplace_back(p.name);
  const std::vector<std::string> near = nearest_names(name, names);
  std::string msg = fmt::format("unknown model \"{}\": not a preset", name);
  if (!near.empty()) msg += fmt::format(" (did you mean {}?)", fmt::join(near, ", "));
  msg += "; `tsize models` lists the presets, or pass a path to a config.json";
  throw Error(msg);
}

ModelSpec load_model(const std::string& model, const LoadOptions& options) {
  std::error_code ec;
  const bool is_path = model.find('/') != std::string::npos ||
                       (model.size() > 5 && model.substr(model.size() - 5) == ".json") ||
                       std::filesystem::exists(model, ec);
  return is_path ? load_hf_config_file(model, options) : load_preset(model, options);
}

}  // namespace tsize
