// Internal: the readers of each supported HF model_type.
#pragma once

#include <string>
#include <vector>

#include "config_reader.hpp"
#include "tsize/model.hpp"

namespace tsize::detail {

struct Family {
  std::string model_type;
  std::string config_class;  // transformers' configuration class, whose defaults apply
  ModelSpec (*read)(ConfigReader&);
};

// Sorted by model_type.
const std::vector<Family>& families();

}  // namespace tsize::detail
