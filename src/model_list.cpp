#include "tsize/model_list.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tsize/graph.hpp"
#include "tsize/params.hpp"
#include "tsize/presets.hpp"
#include "tsize/units.hpp"

namespace tsize {

std::vector<ModelSummary> preset_summaries() {
  std::vector<ModelSummary> out;
  for (const Preset& p : presets()) {
    const ModelSpec spec = load_preset(std::string(p.name));
    const ParamCounts c = count_params(build_graph(spec));
    out.push_back({spec.name, spec.family, spec.description, c.total, c.active});
  }
  return out;
}

namespace {

std::string params_words(const ModelSummary& m) {
  if (m.active == m.params) return human_count(m.params);
  return human_count(m.params) + " (" + human_count(m.active) + " active)";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string render_model_list(const std::vector<ModelSummary>& models, const RenderOptions& o) {
  std::string out;
  switch (o.format) {
    case Format::kTable: {
      std::size_t wn = 4, wf = 6, wp = 6;
      for (const auto& m : models) {
        wn = std::max(wn, m.name.size());
        wf = std::max(wf, m.family.size());
        wp = std::max(wp, params_words(m).size());
      }
      out += fmt::format("{:<{}}  {:<{}}  {:>{}}  {}\n", "name", wn, "family", wf, "params", wp,
                         "description");
      for (const auto& m : models) {
        out += fmt::format("{:<{}}  {:<{}}  {:>{}}  {}\n", m.name, wn, m.family, wf,
                           params_words(m), wp, m.description);
      }
      return out;
    }
    case Format::kJson:
      out = "[\n";
      for (std::size_t i = 0; i < models.size(); ++i) {
        const auto& m = models[i];
        out += fmt::format(
            "  {{\"name\": {}, \"family\": {}, \"params\": {}, \"active\": {}, "
            "\"description\": {}}}{}\n",
            json_string(m.name), json_string(m.family), to_string(m.params), to_string(m.active),
            json_string(m.description), i + 1 < models.size() ? "," : "");
      }
      return out + "]\n";
    case Format::kCsv:
      out = "name,family,params,active,description\n";
      for (const auto& m : models) {
        std::string d = m.description;
        std::string quoted = "\"";
        for (char c : d) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += fmt::format("{},{},{},{},{}\"\n", m.name, m.family, to_string(m.params),
                           to_string(m.active), quoted);
      }
      return out;
    case Format::kMarkdown:
      out = "| name | family | params | description |\n|---|---|---:|---|\n";
      for (const auto& m : models) {
        out += fmt::format("| {} | {} | {} | {} |\n", m.name, m.family, params_words(m),
                           m.description);
      }
      return out;
  }
  return out;
}

}  // namespace tsize
