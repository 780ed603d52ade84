// Provenance — what a config file did not say, and what tsize did about it.
//
// A config.json often leaves fields out; tsize then uses transformers' default for the family,
// as transformers itself would. Each such field is listed, so that a trimmed or misspelled
// config cannot silently become a different model. Keys tsize does not know are listed too.
#pragma once

#include <string>
#include <vector>

namespace tsize {

// A field the config left out (or set to null), and the value used in its place.
struct DefaultUsed {
  std::string key;     // "num_key_value_heads"
  std::string value;   // "32"
  std::string source;  // "transformers LlamaConfig default", "= num_attention_heads"
};

struct Provenance {
  std::vector<DefaultUsed> defaults_used;
  std::vector<std::string> ignored_keys;  // keys no reader of the family knows, sorted
  std::string note;  // e.g. "the language model (text_config) of a gemma3 config"
};

}  // namespace tsize
