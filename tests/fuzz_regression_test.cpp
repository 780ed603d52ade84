// Replays the fuzzers' seed corpus and every input kept in fuzz/regressions/ through the same
// harness the libFuzzer targets use, so a fixed crash stays fixed without running a fuzzer.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness.hpp"
#include "test_util.hpp"

namespace tsize {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const std::string& dir) {
  std::vector<fs::path> out;
  const fs::path path = fs::path(TSIZE_SOURCE_DIR) / dir;
  if (!fs::exists(path)) return out;
  for (const auto& e : fs::directory_iterator(path)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

TEST(FuzzRegressions, ConfigInputsKeepTheirInvariants) {
  std::size_t n = 0;
  for (const std::string dir : {"fuzz/regressions/config", "models", "tests/data/hf-configs"}) {
    for (const fs::path& p : files_in(dir)) {
      SCOPED_TRACE(p.string());
      fuzz::check_config(test::read_file(p.string()));
      ++n;
    }
  }
  EXPECT_GT(n, 20u);
}

TEST(FuzzRegressions, CheckpointInputsKeepTheirInvariants) {
  std::size_t n = 0;
  for (const std::string dir : {"fuzz/regressions/checkpoint", "fuzz/corpus/checkpoint"}) {
    for (const fs::path& p : files_in(dir)) {
      SCOPED_TRACE(p.string());
      fuzz::check_checkpoint(test::read_file(p.string()));
      ++n;
    }
  }
  EXPECT_GE(n, 2u);
}

TEST(FuzzRegressions, ArgumentInputsKeepTheirInvariants) {
  std::size_t n = 0;
  for (const std::string dir : {"fuzz/regressions/args", "fuzz/corpus/args"}) {
    for (const fs::path& p : files_in(dir)) {
      SCOPED_TRACE(p.string());
      fuzz::check_args(test::read_file(p.string()));
      ++n;
    }
  }
  EXPECT_GT(n, 5u);
}

}  // namespace
}  // namespace tsize
