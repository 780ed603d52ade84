#include "tsize/nearest.hpp"

#include <algorithm>
#include <cctype>

namespace tsize {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string to_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> nearest_names(const std::string& name,
                                       const std::vector<std::string>& candidates,
                                       std::size_t limit) {
  const std::string key = to_lower(name);
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const std::string& c : candidates) {
    const std::string lc = to_lower(c);
    // A prefix ("h100" → "h100-sxm") ranks first, then a substring, then small typos.
    const std::size_t typo = edit_distance(key, lc);
    if (!key.empty() && lc.rfind(key, 0) == 0) {
      scored.emplace_back(0, c);
    } else if (!key.empty() && lc.find(key) != std::string::npos) {
      scored.emplace_back(1, c);
    } else if (typo <= std::max<std::size_t>(2, key.size() / 3)) {
      scored.emplace_back(typo + 1, c);
    }
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < limit; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace tsize
