#include "targets/kvstate/byte_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace faultline::kv {
namespace {

using namespace std::string_literals;

TEST(ByteCodec, VarintRoundTripAndSize) {
  const std::pair<uint64_t, size_t> cases[] = {{0, 1},
                                               {127, 1},
                                               {128, 2},
                                               {16383, 2},
                                               {16384, 3},
                                               {1ull << 63, 10},
                                               {std::numeric_limits<uint64_t>::max(), 10}};
  for (auto [value, size] : cases) {
    std::string out;
    put_varint(&out, value);
    EXPECT_EQ(out.size(), size) << value;
    ByteReader in(out);
    uint64_t read = 0;
    ASSERT_TRUE(in.read_varint(&read)) << value;
    EXPECT_EQ(read, value);
    EXPECT_EQ(in.remaining(), 0u);
  }
}

TEST(ByteCodec, VarintLayout) {
  std::string out;
  put_varint(&out, 300);
  EXPECT_EQ(out, "\xac\x02"s);
}

TEST(ByteCodec, RejectsBadVarints) {
  for (const std::string& bad :
       {""s, "\x80"s, "\x80\x00"s, "\xff\x00"s, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"s,
        "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x01"s}) {
    ByteReader in(bad);
    uint64_t value;
    EXPECT_FALSE(in.read_varint(&value)) << testing::PrintToString(bad);
    EXPECT_EQ(in.offset(), 0u);
  }
}

TEST(ByteCodec, Bytes) {
  std::string out;
  put_bytes(&out, "ab\0c"s);
  put_bytes(&out, "");
  EXPECT_EQ(out,
            "\x04"
            "ab\0c\x00"s);
  ByteReader in(out);
  std::string a, b;
  ASSERT_TRUE(in.read_bytes(&a));
  ASSERT_TRUE(in.read_bytes(&b));
  EXPECT_EQ(a, "ab\0c"s);
  EXPECT_EQ(b, "");
  EXPECT_FALSE(in.read_bytes(&a));
}

TEST(ByteCodec, LengthPastTheEndReadsNothing) {
  const std::string data =
      "\x05"
      "abcd"s;
  ByteReader in(data);
  std::string s = "unchanged";
  EXPECT_FALSE(in.read_bytes(&s));
  EXPECT_EQ(s, "unchanged");
  EXPECT_EQ(in.offset(), 0u);
  uint8_t byte;
  ASSERT_TRUE(in.read_u8(&byte));
  EXPECT_EQ(byte, 5);
}

}  // namespace
}  // namespace faultline::kv
