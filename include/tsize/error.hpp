// tsize::Error — the one exception type for unusable input.
//
// Thrown by the config loader, validation and the checked arithmetic when the input cannot
// describe a model or a workload. The message names the field, the value and what was expected;
// it never carries a partial result. The CLI catches it once, in main(), and exits with status 1.
#pragma once

#include <stdexcept>
#include <string>

namespace tsize {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace tsize
