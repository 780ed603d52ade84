#include "tsize/hf_config.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config_reader.hpp"
#include "hf_families.hpp"
#include "tsize/error.hpp"
#include "tsize/nearest.hpp"

namespace tsize {
namespace {

// Line and column (1-based) of byte offset `pos` in text.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t pos) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

nlohmann::json parse_json(std::string_view text, const std::string& source) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's byte is one past the offending character.
    auto [line, column] = line_column(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string detail = e.what();
    const auto colon = detail.find(": ", detail.find("parse error"));
    if (colon != std::string::npos) detail = detail.substr(colon + 2);
    throw Error(
        fmt::format("{}: malformed JSON at line {}, column {}: {}", source, line, column, detail));
  } catch (const nlohmann::json::exception& e) {  // e.g. out_of_range: a number like 1e999
    std::string detail = e.what();
    const auto bracket = detail.find("] ");
    if (bracket != std::string::npos) detail = detail.substr(bracket + 2);
    throw Error(fmt::format("{}: malformed JSON: {}", source, detail));
  }
}

std::string type_list() { return fmt::format("{}", fmt::join(supported_model_types(), ", ")); }

// Multimodal configs that wrap a language model in text_config: the wrapper's model_type and
// the model_type its text_config has when it does not say (transformers' <Wrapper>Config).
struct Wrapper {
  std::string_view model_type, text_model_type;
};
constexpr Wrapper kWrappers[] = {
    {"gemma3", "gemma3_text"}, {"llama4", "llama4_text"}, {"llava", "llama"},
    {"llava_next", "llama"},   {"mistral3", "mistral"},
};

// Families tsize knows it cannot model, and why.
struct Unsupported {
  std::string_view model_type, reason;
};
constexpr std::string_view kStateSpace =
    "a state-space model (selective-scan layers, no attention); tsize models transformer layers";
constexpr std::string_view kHybrid =
    "a hybrid of attention and state-space (Mamba) layers; tsize models transformer layers only";
constexpr std::string_view kEncoderDecoder =
    "an encoder-decoder (a decoder stack with cross-attention to an encoder); tsize models "
    "decoder-only and encoder-only transformers";
constexpr std::string_view kRecurrent =
    "a recurrent model (RWKV time-mixing, no attention); tsize models transformer layers";
constexpr Unsupported kUnsupported[] = {
    {"bamba", kHybrid},
    {"bart", kEncoderDecoder},
    {"falcon_h1", kHybrid},
    {"falcon_mamba", kStateSpace},
    {"granitemoehybrid", kHybrid},
    {"jamba", kHybrid},
    {"longt5", kEncoderDecoder},
    {"m2m_100", kEncoderDecoder},
    {"mamba", kStateSpace},
    {"mamba2", kStateSpace},
    {"marian", kEncoderDecoder},
    {"mbart", kEncoderDecoder},
    {"mt5", kEncoderDecoder},
    {"nemotron_h", kHybrid},
    {"pegasus", kEncoderDecoder},
    {"rwkv", kRecurrent},
    {"switch_transformers", kEncoderDecoder},
    {"t5", kEncoderDecoder},
    {"umt5", kEncoderDecoder},
    {"whisper", kEncoderDecoder},
    {"zamba", kHybrid},
    {"zamba2", kHybrid},
};

std::string model_type_of(const nlohmann::json& object, const std::string& source) {
  const auto type = object.find("model_type");
  if (type == object.end() || !type->is_string()) {
    throw Error(
        fmt::format("{}: missing string key model_type (expected one of {})", source, type_list()));
  }
  return type->get<std::string>();
}

const detail::Family& family_of(const std::string& model_type, const std::string& source) {
  for (const auto& family : detail::families()) {
    if (family.model_type == model_type) return family;
  }
  for (const Unsupported& u : kUnsupported) {
    if (u.model_type == model_type) {
      throw Error(fmt::format("{}: model_type \"{}\" is {}", source, model_type, u.reason));
    }
  }
  std::vector<std::string> near = nearest_names(model_type, supported_model_types());
  std::string msg = fmt::format("{}: model_type \"{}\" is not supported", source, model_type);
  if (!near.empty()) msg += fmt::format(" (did you mean {}?)", fmt::join(near, ", "));
  throw Error(msg + fmt::format("; supported: {}", type_list()));
}

}  // namespace

std::vector<std::string> supported_model_types() {
  std::vector<std::string> out;
  for (const auto& f : detail::families()) out.push_back(f.model_type);
  return out;
}

ModelSpec parse_hf_config(std::string_view json_text, const std::string& source,
                          const LoadOptions& options) {
  const nlohmann::json root = parse_json(json_text, source);
  if (!root.is_object()) throw Error(source + ": expected a JSON object at the top level");
  std::string model_type = model_type_of(root, source);
  const nlohmann::json* config = &root;
  std::string note;
  for (const Wrapper& w : kWrappers) {
    if (w.model_type != model_type) continue;
    const auto text = root.find("text_config");
    if (text == root.end() || !text->is_object()) {
      throw Error(
          fmt::format("{}: a {} config without a text_config object (tsize counts the "
                      "language model a multimodal config wraps)",
                      source, model_type));
    }
    config = &*text;
    const auto inner = text->find("model_type");
    const std::string wrapper = model_type;
    model_type = inner != text->end() && inner->is_string() ? inner->get<std::string>()
                                                            : std::string(w.text_model_type);
    note = fmt::format(
        "the language model (text_config, {}) of a {} config; the vision encoder "
        "and projector are not counted",
        model_type, wrapper);
  }
  const detail::Family& family = family_of(model_type, source);
  detail::ConfigReader reader(*config, source, family.config_class, options.strict);
  ModelSpec spec = family.read(reader);
  spec.provenance = reader.finish();
  spec.provenance.note = note;
  spec.family = model_type;
  if (auto meta = root.find("_tsize"); meta != root.end() && meta->is_object()) {
    const auto d = meta->find("description");
    if (d != meta->end() && d->is_string()) spec.description = d->get<std::string>();
  }
  try {
    validate(spec);
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  return spec;
}

std::string model_name_for(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p = fs::path(path).lexically_normal();
  // A HuggingFace cache snapshot: …/models--Qwen--Qwen3-8B/snapshots/<hash>/config.json.
  for (const fs::path& part : p) {
    const std::string s = part.string();
    if (s.rfind("models--", 0) == 0 && s.size() > 8) {
      std::string name = s.substr(8);
      const std::size_t sep = name.find("--");
      if (sep != std::string::npos) name.replace(sep, 2, "/");
      return name;
    }
  }
  if (p.filename() != "config.json") return p.stem().string();
  // …/Qwen/Qwen3-8B/config.json: the folder, after its parent as HuggingFace names repos.
  const fs::path folder = p.parent_path();
  const std::string model = folder.filename().string();
  const std::string owner = folder.parent_path().filename().string();
  if (model.empty() || model == "." || model == "..") return "config";
  return owner.empty() || owner == "." || owner == ".." ? model : owner + "/" + model;
}

ModelSpec load_hf_config_file(const std::string& path, const LoadOptions& options) {
  for (const std::string_view weights : {".gguf", ".safetensors", ".bin", ".pt", ".pth"}) {
    if (path.size() > weights.size() &&
        path.compare(path.size() - weights.size(), weights.size(), weights) == 0) {
      throw Error(fmt::format(
          "{}: a weights file, not a model description; give the model's config.json or its "
          "folder, and compare weights with `tsize checkpoint MODEL --compare {}`",
          path, path));
    }
  }
  std::error_code ec;
  const bool folder = std::filesystem::is_directory(path, ec);
  const std::string file = folder ? (std::filesystem::path(path) / "config.json").string() : path;
  if (folder && !std::filesystem::exists(file, ec)) {
    throw Error(path + ": a folder without config.json (tsize reads a model folder's config.json)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(file + ": cannot read file");
  ModelSpec spec = parse_hf_config(text.str(), file, options);
  spec.name = model_name_for(file);
  return spec;
}

}  // namespace tsize
