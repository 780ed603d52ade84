#include "tsize/hf_config.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config_reader.hpp"
#include "hf_families.hpp"
#include "tsize/error.hpp"

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

}  // namespace

std::vector<std::string> supported_model_types() {
  std::vector<std::string> out;
  for (const auto& f : detail::families()) out.push_back(f.model_type);
  return out;
}

ModelSpec parse_hf_config(std::string_view json_text, const std::string& source) {
  const nlohmann::json root = parse_json(json_text, source);
  if (!root.is_object()) throw Error(source + ": expected a JSON object at the top level");
  detail::ConfigReader reader(root, source);
  const auto type = root.find("model_type");
  if (type == root.end() || !type->is_string()) {
    throw Error(
        fmt::format("{}: missing string key model_type (expected one of {})", source, type_list()));
  }
  const std::string model_type = type->get<std::string>();
  for (const auto& family : detail::families()) {
    if (family.model_type != model_type) continue;
    ModelSpec spec = family.read(reader);
    reader.raise();
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
  throw Error(fmt::format("{}: model_type \"{}\" is not supported (supported: {})", source,
                          model_type, type_list()));
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

ModelSpec load_hf_config_file(const std::string& path) {
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
  ModelSpec spec = parse_hf_config(text.str(), file);
  spec.name = model_name_for(file);
  return spec;
}

}  // namespace tsize
