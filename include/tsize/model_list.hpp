// The preset catalog as `tsize models` shows it: one line per preset with its totals.
#pragma once

#include <string>
#include <vector>

#include "tsize/count.hpp"
#include "tsize/render.hpp"

namespace tsize {

struct ModelSummary {
  std::string name;
  std::string family;
  std::string description;
  Count params = 0;
  Count active = 0;  // per token; = params without MoE
};

// Every preset, counted. Throws Error if a preset does not load (a build defect).
std::vector<ModelSummary> preset_summaries();

// The list as a table, JSON (an array of objects), CSV or Markdown.
std::string render_model_list(const std::vector<ModelSummary>& models, const RenderOptions& o);

}  // namespace tsize
