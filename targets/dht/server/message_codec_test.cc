#include "targets/dht/server/message_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace faultline::dht {
namespace {

using testing::HasSubstr;

TEST(DhtMessageCodec, RoundTripsEveryTypeWithAndWithoutValue) {
  for (uint8_t t = 0; t <= static_cast<uint8_t>(MessageType::kStoreAck); ++t) {
    for (std::optional<std::string> value :
         {std::optional<std::string>(), std::optional<std::string>(std::string("v\0x", 3))}) {
      Message m{{3, 5, 1ull << 63, "key"}, static_cast<MessageType>(t), {{1234567, 3}, value}};
      Message back;
      ASSERT_TRUE(decode_message(encode_message(m), &back).is_ok());
      EXPECT_EQ(back.type, m.type);
      EXPECT_EQ(back.from, 3u);
      EXPECT_EQ(back.to, 5u);
      EXPECT_EQ(back.op, m.op);
      EXPECT_EQ(back.key, "key");
      EXPECT_EQ(back.record, m.record);
    }
  }
}

TEST(DhtMessageCodec, RejectsMalformedPayloads) {
  Message m{{1, 2, 9, "k"}, MessageType::kStore, {{1, 1}, "v"}};
  const std::string good = encode_message(m);
  Message back;
  EXPECT_THAT(decode_message("", &back).message(), HasSubstr("missing type"));
  EXPECT_THAT(decode_message("\x07", &back).message(), HasSubstr("unknown message type 7"));
  for (size_t cut = 1; cut < good.size(); ++cut) {
    EXPECT_FALSE(decode_message(good.substr(0, cut), &back).is_ok()) << "cut at " << cut;
  }
  EXPECT_THAT(decode_message(good + "x", &back).message(), HasSubstr("1 trailing bytes"));
  std::string flag = encode_message(Message{{1, 2, 9, "k"}, MessageType::kQuery, {}});
  flag.back() = 2;
  EXPECT_THAT(decode_message(flag, &back).message(), HasSubstr("present flag 2"));
}

}  // namespace
}  // namespace faultline::dht
