// The GPU catalog as `tsize gpus` shows it: one line per GPU with its memory, bandwidth and
// dense peaks.
#pragma once

#include <string>
#include <vector>

#include "tsize/gpus.hpp"
#include "tsize/render.hpp"

namespace tsize {

// The list as a table (bytes in o.units), JSON (an array of objects with exact integers), CSV
// or Markdown.
std::string render_gpu_list(const std::vector<Gpu>& gpus, const RenderOptions& o);

}  // namespace tsize
