#include "tsize/checkpoint_files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "tsize/error.hpp"
#include "tsize/gguf_types.hpp"

namespace tsize {
namespace {

// A header that ends before its tables do: read more of the file and try again.
struct Truncated {};

// Bytes per element of each safetensors dtype (safetensors' Dtype enum).
std::optional<unsigned> safetensors_size(const std::string& dtype) {
  static const std::pair<const char*, unsigned> kSizes[] = {
      {"F64", 8},  {"F32", 4},     {"F16", 2},     {"BF16", 2},    {"I64", 8}, {"I32", 4},
      {"I16", 2},  {"I8", 1},      {"U64", 8},     {"U32", 4},     {"U16", 2}, {"U8", 1},
      {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"F8_E8M0", 1},
  };
  for (const auto& [name, size] : kSizes) {
    if (dtype == name) return size;
  }
  return std::nullopt;
}

// The values of the model a stored tensor holds (see StoredTensor::values).
Count model_values(const StoredTensor& t) {
  auto ends_with = [&](std::string_view suffix) {
    return t.name.size() >= suffix.size() &&
           t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with("_scales") || ends_with("weight_scale_inv") || ends_with("weight_scale") ||
      ends_with("input_scale")) {
    return 0;  // quantization scales
  }
  if (ends_with("_blocks") && t.dtype == "U8") return mul(t.bytes, 2);  // two fp4 per byte
  return t.elements;
}

std::uint64_t little_endian(std::string_view b, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

// Sequential reads of a GGUF header; a read past the end is Truncated.
class GgufReader {
 public:
  explicit GgufReader(std::string_view data) : data_(data) {}
  std::uint64_t u(int bytes) {
    need(static_cast<std::size_t>(bytes));
    const std::uint64_t v = little_endian(data_, pos_, bytes);
    pos_ += static_cast<std::size_t>(bytes);
    return v;
  }
  std::string string() {
    const std::uint64_t n = u(8);
    need(n);
    std::string s(data_.substr(pos_, static_cast<std::size_t>(n)));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  void skip(std::uint64_t n) {
    need(n);
    pos_ += static_cast<std::size_t>(n);
  }

 private:
  void need(std::uint64_t n) const {
    if (n > data_.size() - pos_) throw Truncated{};
  }
  std::string_view data_;
  std::size_t pos_ = 0;
};

// Skips one metadata value of GGUF type `type` (gguf.md: gguf_metadata_value_type).
void skip_value(GgufReader& r, std::uint32_t type, int depth, const std::string& source) {
  static const unsigned kScalar[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  if (type == 8) {  // string
    r.string();
  } else if (type == 9) {  // array: item type, count, items
    if (depth > 4) throw Error(source + ": GGUF metadata nests arrays too deeply");
    const auto item = static_cast<std::uint32_t>(r.u(4));
    const std::uint64_t count = r.u(8);
    if (item < 13 && kScalar[item] > 0) {
      if (count > (std::uint64_t{1} << 40)) throw Truncated{};
      r.skip(count * kScalar[item]);
    } else {
      for (std::uint64_t i = 0; i < count; ++i) skip_value(r, item, depth + 1, source);
    }
  } else if (type < 13) {
    r.skip(kScalar[type]);
  } else {
    throw Error(
        fmt::format("{}: GGUF metadata value type {} is not in the specification", source, type));
  }
}

std::vector<StoredTensor> parse_gguf(std::string_view bytes, const std::string& source) {
  GgufReader r(bytes);
  if (bytes.substr(0, 4) != std::string_view("GGUF", 4)) {
    if (bytes.size() < 4) throw Truncated{};
    throw Error(source + ": not a GGUF file (it does not start with \"GGUF\")");
  }
  r.skip(4);
  const auto version = static_cast<std::uint32_t>(r.u(4));
  if (version != 2 && version != 3) {
    throw Error(fmt::format("{}: GGUF version {} (tsize reads versions 2 and 3)", source, version));
  }
  const std::uint64_t n_tensors = r.u(8), n_metadata = r.u(8);
  if (n_tensors > (std::uint64_t{1} << 24)) {
    throw Error(fmt::format("{}: {} tensors: more than a GGUF file can hold", source, n_tensors));
  }
  for (std::uint64_t i = 0; i < n_metadata; ++i) {
    r.string();  // key
    skip_value(r, static_cast<std::uint32_t>(r.u(4)), 0, source);
  }
  std::vector<StoredTensor> out;
  for (std::uint64_t i = 0; i < n_tensors; ++i) {
    StoredTensor t;
    t.name = r.string();
    const auto dims = static_cast<std::uint32_t>(r.u(4));
    if (dims == 0 || dims > 4) {
      throw Error(
          fmt::format("{}: tensor {}: {} dimensions (GGUF allows 1 to 4)", source, t.name, dims));
    }
    t.elements = 1;
    for (std::uint32_t d = 0; d < dims; ++d) {
      t.shape.push_back(r.u(8));
      t.elements = mul(t.elements, t.shape.back(), "tensor elements");
    }
    const auto type = static_cast<std::uint32_t>(r.u(4));
    r.u(8);  // offset in the data section
    const GgufTypeInfo* it = gguf_type_of_id(type);
    if (it == nullptr) {
      throw Error(
          fmt::format("{}: tensor {}: ggml type {} is not one tsize knows", source, t.name, type));
    }
    if (t.shape.front() % static_cast<std::uint64_t>(it->block) != 0) {
      throw Error(fmt::format("{}: tensor {}: rows of {} are not whole {} blocks of {}", source,
                              t.name, static_cast<std::uint64_t>(t.shape.front()), it->name,
                              it->block));
    }
    t.dtype = std::string(it->name);
    t.bytes = mul(t.elements / static_cast<std::uint64_t>(it->block),
                  static_cast<std::uint64_t>(it->bytes), "tensor bytes");
    t.values = t.elements;
    out.push_back(std::move(t));
  }
  return out;
}

std::string read_prefix(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file");
  std::string buffer(n, '\0');
  in.read(buffer.data(), static_cast<std::streamsize>(n));
  buffer.resize(static_cast<std::size_t>(in.gcount()));
  return buffer;
}

std::vector<StoredTensor> read_safetensors_file(const std::string& path) {
  const std::string head = read_prefix(path, 8);
  if (head.size() < 8) throw Error(path + ": not a safetensors file (shorter than 8 bytes)");
  const std::uint64_t n = little_endian(head, 0, 8);
  if (n > (std::uint64_t{100} << 20)) {
    throw Error(fmt::format("{}: a safetensors header of {} bytes (at most 100 MB)", path, n));
  }
  return parse_safetensors_header(read_prefix(path, 8 + static_cast<std::size_t>(n)), path);
}

std::vector<StoredTensor> read_gguf_file(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read the file (" + ec.message() + ")");
  for (std::size_t n = std::size_t{1} << 22;; n *= 4) {  // metadata holds the vocabulary: MBs
    const std::size_t take = static_cast<std::size_t>(std::min<std::uintmax_t>(n, size));
    try {
      return parse_gguf(read_prefix(path, take), path);
    } catch (const Truncated&) {
      if (take == size || n > (std::size_t{1} << 30)) {
        throw Error(path + ": the GGUF header ends before its tensor table (a truncated file?)");
      }
    }
  }
}

bool has_suffix(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<StoredTensor> parse_safetensors_header(std::string_view bytes,
                                                   const std::string& source) {
  if (bytes.size() < 8) throw Error(source + ": not a safetensors file (shorter than 8 bytes)");
  const std::uint64_t n = little_endian(bytes, 0, 8);
  if (n > bytes.size() - 8) {
    throw Error(fmt::format("{}: the safetensors header says {} bytes; the file has {}", source, n,
                            bytes.size() - 8));
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.substr(8, static_cast<std::size_t>(n)));
  } catch (const nlohmann::json::exception&) {
    throw Error(source + ": the safetensors header is not valid JSON");
  }
  if (!header.is_object()) throw Error(source + ": the safetensors header is not a JSON object");
  std::vector<StoredTensor> out;
  for (const auto& item : header.items()) {
    const std::string& name = item.key();
    const nlohmann::json& info = item.value();
    if (name == "__metadata__") continue;
    const auto bad = [&](const std::string& what) {
      return Error(fmt::format("{}: tensor {}: {}", source, name, what));
    };
    if (!info.is_object() || !info.contains("dtype") || !info["dtype"].is_string() ||
        !info.contains("shape") || !info["shape"].is_array() || !info.contains("data_offsets") ||
        !info["data_offsets"].is_array() || info["data_offsets"].size() != 2) {
      throw bad("expected {\"dtype\", \"shape\", \"data_offsets\": [begin, end]}");
    }
    StoredTensor t;
    t.name = name;
    t.dtype = info["dtype"].get<std::string>();
    const auto size = safetensors_size(t.dtype);
    if (!size) throw bad("dtype " + t.dtype + " is not a safetensors dtype tsize knows");
    t.elements = 1;
    for (const auto& d : info["shape"]) {
      if (!d.is_number_unsigned()) throw bad("a dimension is not a non-negative integer");
      t.shape.push_back(d.get<std::uint64_t>());
      t.elements = mul(t.elements, t.shape.back(), "tensor elements");
    }
    const auto& offsets = info["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned() ||
        offsets[1].get<std::uint64_t>() < offsets[0].get<std::uint64_t>()) {
      throw bad("data_offsets must be two non-negative integers, begin <= end");
    }
    t.bytes = offsets[1].get<std::uint64_t>() - offsets[0].get<std::uint64_t>();
    if (t.bytes != mul(t.elements, *size, "tensor bytes")) {
      throw bad(fmt::format("{} bytes for {} elements of {}", to_string(t.bytes),
                            to_string(t.elements), t.dtype));
    }
    t.values = model_values(t);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<StoredTensor> parse_gguf_header(std::string_view bytes, const std::string& source) {
  try {
    return parse_gguf(bytes, source);
  } catch (const Truncated&) {
    throw Error(source + ": the GGUF header ends before its tensor table (a truncated file?)");
  }
}

std::vector<std::string> parse_safetensors_index(std::string_view text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception&) {
    throw Error(source + ": not valid JSON");
  }
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
    throw Error(source + ": expected an object with a weight_map");
  }
  std::set<std::string> shards;
  for (const auto& item : j["weight_map"].items()) {
    if (!item.value().is_string()) {
      throw Error(source + ": weight_map." + item.key() + " is not a file name");
    }
    shards.insert(item.value().get<std::string>());
  }
  return {shards.begin(), shards.end()};
}

std::optional<StoredCheckpoint> read_checkpoint(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  StoredCheckpoint c;
  if (!fs::is_directory(path, ec)) {
    if (has_suffix(path, ".gguf")) {
      c.format = "gguf";
      c.tensors = read_gguf_file(path);
    } else if (has_suffix(path, ".safetensors")) {
      c.format = "safetensors";
      c.tensors = read_safetensors_file(path);
    } else {
      return std::nullopt;
    }
    c.files.push_back(path);
    return c;
  }
  c.format = "safetensors";
  std::set<std::string> shards;
  const fs::path index = fs::path(path) / "model.safetensors.index.json";
  if (fs::exists(index, ec)) {
    std::ifstream in(index, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::string& shard : parse_safetensors_index(text, index.string())) {
      shards.insert(std::move(shard));
    }
  } else {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (has_suffix(e.path().filename().string(), ".safetensors")) {
        shards.insert(e.path().filename().string());
      }
    }
  }
  if (shards.empty()) return std::nullopt;
  for (const std::string& shard : shards) {
    const fs::path file = fs::path(path) / shard;
    if (shard.find('/') != std::string::npos || !fs::exists(file, ec)) {
      c.missing.push_back(shard);
      continue;
    }
    std::vector<StoredTensor> t = read_safetensors_file(file.string());
    c.tensors.insert(c.tensors.end(), std::make_move_iterator(t.begin()),
                     std::make_move_iterator(t.end()));
    c.files.push_back(file.string());
  }
  return c;
}

}  // namespace tsize
