// Every enumerated option is declared once (choices.hpp): each table names every value once,
// parses back what it prints, and docs/cli.md lists exactly its names for its flag.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "test_util.hpp"
#include "tsize/gpus.hpp"
#include "tsize/kv_cache.hpp"
#include "tsize/layout.hpp"
#include "tsize/memory.hpp"
#include "tsize/overrides.hpp"
#include "tsize/plan.hpp"
#include "tsize/render.hpp"
#include "tsize/runtime.hpp"
#include "tsize/workload.hpp"

namespace tsize {
namespace {

using ::testing::HasSubstr;

// The table covers values 0..count-1 of E, each name once (an alias may repeat a value).
template <Chosen E>
void expect_complete(std::size_t count) {
  const std::string flag(ChoiceTable<E>::kFlag);
  std::set<std::string_view> names;
  std::set<int> values;
  for (const Choice<E>& c : choices<E>()) {
    EXPECT_TRUE(names.insert(c.name).second) << flag << " " << c.name;
    values.insert(static_cast<int>(c.value));
    EXPECT_EQ(parse_choice<E>(c.name), c.value) << flag << " " << c.name;
    EXPECT_FALSE(c.label.empty()) << flag << " " << c.name;
    EXPECT_FALSE(c.help.empty()) << flag << " " << c.name;
  }
  EXPECT_EQ(values.size(), count) << flag;
  for (std::size_t v = 0; v < count; ++v) {
    const E e = static_cast<E>(v);
    EXPECT_EQ(parse_choice<E>(to_string(e)), e) << flag;
  }
  EXPECT_THAT([] { parse_choice<E>("no-such-value"); },
              ::testing::ThrowsMessage<Error>(HasSubstr(flag + " no-such-value: expected ")));
}

TEST(Choices, EveryTableIsCompleteAndParsesWhatItPrints) {
  expect_complete<Precision>(9);
  expect_complete<Optimizer>(7);
  expect_complete<Runtime>(5);
  expect_complete<AttentionImpl>(2);
  expect_complete<LossImpl>(2);
  expect_complete<NormImpl>(2);
  expect_complete<OptimizerImpl>(2);
  expect_complete<Device>(2);
  expect_complete<Recompute>(3);
  expect_complete<AttentionFlops>(2);
  expect_complete<Dtype>(5);
  expect_complete<Format>(4);
  expect_complete<ByteUnits>(2);
  expect_complete<MlpChoice>(4);
  expect_complete<NormKind>(2);
  expect_complete<PositionKind>(4);
  expect_complete<Activation>(5);
  expect_complete<Schedule>(3);
  expect_complete<Objective>(3);
  expect_complete<KvDtype>(5);
}

// docs/cli.md's flag tables come from the same lists: "`--precision fp32\|amp-bf16\|...`".
template <Chosen E>
void expect_documented(const std::string& docs) {
  std::string row = "`" + std::string(ChoiceTable<E>::kFlag) + " ";
  for (std::size_t i = 0; i < choices<E>().size(); ++i) {
    row += (i ? "\\|" : "") + std::string(choices<E>()[i].name);
  }
  EXPECT_NE(docs.find(row + "`"), std::string::npos) << "docs/cli.md should list " << row << "`";
}

TEST(Choices, DocsListEveryFlagsChoicesFromItsTable) {
  const std::string docs = test::read_file(std::string(TSIZE_SOURCE_DIR) + "/docs/cli.md");
  expect_documented<Precision>(docs);
  expect_documented<Optimizer>(docs);
  expect_documented<Runtime>(docs);
  expect_documented<AttentionImpl>(docs);
  expect_documented<LossImpl>(docs);
  expect_documented<NormImpl>(docs);
  expect_documented<Schedule>(docs);
  expect_documented<OptimizerImpl>(docs);
  expect_documented<Device>(docs);
  expect_documented<Recompute>(docs);
  expect_documented<AttentionFlops>(docs);
  expect_documented<Dtype>(docs);
  expect_documented<Format>(docs);
  expect_documented<ByteUnits>(docs);
  expect_documented<MlpChoice>(docs);
  expect_documented<NormKind>(docs);
  expect_documented<PositionKind>(docs);
  expect_documented<Objective>(docs);
  expect_documented<KvDtype>(docs);
}

}  // namespace
}  // namespace tsize
