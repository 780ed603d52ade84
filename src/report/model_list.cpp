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

}  // namespace

std::string render_model_list(const std::vector<ModelSummary>& models, const RenderOptions& o) {
  ListTable t;
  t.headers = {"name", "family", "params", "description"};
  t.keys = {"name", "family", "params", "active", "description"};
  t.numeric = {false, false, true, true, false};
  for (const auto& m : models) {
    t.rows.push_back({m.name, m.family, params_words(m), m.description});
    t.data_rows.push_back(
        {m.name, m.family, to_string(m.params), to_string(m.active), m.description});
  }
  if (o.format == Format::kJson || o.format == Format::kCsv) {
    t.headers = t.keys;  // the data columns
  } else {
    t.keys = t.headers;
    t.numeric = {false, false, true, false};
  }
  return render_list(t, o.format);
}

}  // namespace tsize
