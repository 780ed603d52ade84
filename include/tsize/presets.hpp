// Presets: config.json files from models/, embedded into the binary at build time, and the one
// loading path for a MODEL argument (preset name or config.json path).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tsize/embedded.hpp"
#include "tsize/hf_config.hpp"
#include "tsize/model.hpp"
#include "tsize/nearest.hpp"

namespace tsize {

// A preset: its name (file stem in models/, e.g. "llama-3-8b") and config.json text.
using Preset = EmbeddedFile;

// All presets, sorted by name.
const std::vector<Preset>& presets();

// The preset's spec, named after it. Throws Error for an unknown name, suggesting the nearest.
ModelSpec load_preset(const std::string& name, const LoadOptions& options = {});

// MODEL as the CLI takes it: a path to a config.json or a model folder (contains '/', ends in
// ".json" or names an existing file or folder) or a preset name. A weights file (.gguf,
// .safetensors, .bin, .pt) is an error pointing to `tsize checkpoint --compare`.
ModelSpec load_model(const std::string& model, const LoadOptions& options = {});

}  // namespace tsize
