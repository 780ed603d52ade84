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
  EXPECT_EQ(to_string(two64 - 1), "18446744073709551615");  // the most 64 bits hold
  // 10^20 + 5: the low 19 digits keep their zeros.
  const Count ten20 = Count{10'000'000'000'000'000'000ULL} * 10;
  EXPECT_EQ(to_string(ten20 + 5), "100000000000000000005");
  // 2^128 - 1 = 340,282,366,920,938,463,463,374,607,431,768,211,455: three chunks of digits.
  EXPECT_EQ(to_string(~Count{0}), "340282366920938463463374607431768211455");
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
