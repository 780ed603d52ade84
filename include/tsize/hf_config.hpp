// Loading a HuggingFace config.json into a ModelSpec.
//
// Supports the model_types listed by supported_model_types(), applying the defaults that
// transformers applies to missing keys and the facts a config does not state (Qwen2's q/k/v
// biases, GPT-2's Conv1D biases, ...). docs/models.md documents the mapping per model_type.
// Every problem is an Error naming the source, the key, the value and what was expected.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tsize/model.hpp"

namespace tsize {

struct LoadOptions {
  bool strict = false;  // a field left to its default is an error, not a note
};

// Parses config.json text. `source` names the input in errors ("config.json", "preset gpt2").
// A multimodal config that wraps a language model (text_config) gives the language model. The
// spec's provenance lists the defaults used and the keys ignored; a key that misspells one the
// family reads is an error. The spec's name is left empty for the caller to set. Validates the
// result.
ModelSpec parse_hf_config(std::string_view json_text, const std::string& source,
                          const LoadOptions& options = {});

// Reads and parses the file at path, or the config.json inside a model folder (a HuggingFace
// snapshot); the spec is named by model_name_for().
ModelSpec load_hf_config_file(const std::string& path, const LoadOptions& options = {});

// The name a config file gives its model: "Qwen/Qwen3-8B" for …/Qwen/Qwen3-8B/config.json or a
// HuggingFace cache snapshot of that repository, the file's stem for any other file name.
std::string model_name_for(const std::string& path);

// "bert", "deepseek_v2", ... in alphabetical order.
std::vector<std::string> supported_model_types();

}  // namespace tsize
