// Nearest names: the suggestions behind every "did you mean" (presets, GPUs, commands, config
// keys).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tsize {

// Levenshtein distance (insertions, deletions, substitutions), case-sensitive.
// ASCII lower case: names are matched case-insensitively.
std::string to_lower(std::string s);

std::size_t edit_distance(const std::string& a, const std::string& b);

// Up to `limit` candidates closest to `name` (edit distance, then shared prefix), best first;
// empty when nothing is close.
std::vector<std::string> nearest_names(const std::string& name,
                                       const std::vector<std::string>& candidates,
                                       std::size_t limit = 3);

}  // namespace tsize
