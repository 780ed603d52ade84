#include "tsize/count.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tsize {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TEST(Count, PrintsDigitsAndCommas) {
  EXPECT_EQ(to_string(0), "0");
  EXPECT_EQ(to_string(1557611200), "1557611200");
  EXPECT_EQ(with_commas(1557611200), "1,557,611,200");
  EXPECT_EQ(with_commas(999), "999");
  EXPECT_EQ(with_commas(1000), "1,000");
}

TEST(Count, PrintsValuesAbove64BitsExactly) {
  // 2^64 = 18,446,744,073,709,551,616; 2^64 · 10 + 7 needs 128 bits.
  const Count two64 = Count{1} << 64;
  EXPECT_EQ(to_string(two64), "18446744073709551616");
  EXPECT_EQ(to_string(two64 * 10 + 7), "184467440737095516167");
}

TEST(Count, OverflowIsAnErrorNamingWhatOverflowed) {
  const Count max = ~Count{0};
  EXPECT_THAT([&] { mul(max, 2, "training FLOPs"); },
              ThrowsMessage<Error>(HasSubstr("training FLOPs overflows")));
  EXPECT_THAT([&] { add(max, 1, "bytes"); }, ThrowsMessage<Error>(HasSubstr("bytes overflows")));
  EXPECT_EQ(mul(Count{1} << 63, 2), Count{1} << 64);  // fine in 128 bits
}

}  // namespace
}  // namespace tsize
