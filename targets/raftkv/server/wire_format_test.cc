#include "targets/raftkv/server/wire_format.h"

#include <gtest/gtest.h>

#include "targets/common/frame_format.h"

namespace faultline::raftkv {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::Message;
using raft::MessageType;

Message full_message() {
  Message m;
  m.type = MessageType::kAppend;
  m.from = 1;
  m.to = 3;
  m.term = 7;
  m.index = 1u << 20;
  m.log_term = 6;
  m.entries = {Entry{1048577, 7, EntryType::kNoop, ""},
               Entry{1048578, 7, EntryType::kCommand, std::string("set\0k\xffv", 7)}};
  m.commit = 1048576;
  m.reject = true;
  m.conflict_term = 5;
  m.conflict_index = 99;
  m.context = UINT64_MAX;
  m.snapshot = {{42, 3}, std::string(300, 'x')};
  return m;
}

TEST(WireFormatTest, MessageRoundTripsEveryField) {
  const Message m = full_message();
  Message back;
  ASSERT_TRUE(decode_message(encode_message(m), &back).is_ok());
  EXPECT_EQ(back, m);
  // A default message too, and each type.
  for (int t = 0; t <= static_cast<int>(MessageType::kSnapshot); ++t) {
    Message small;
    small.type = static_cast<MessageType>(t);
    ASSERT_TRUE(decode_message(encode_message(small), &back).is_ok());
    EXPECT_EQ(back, small);
  }
}

TEST(WireFormatTest, EveryTruncationOfAMessageIsRefused) {
  const std::string payload = encode_message(full_message());
  for (size_t n = 0; n < payload.size(); ++n) {
    Message back;
    EXPECT_FALSE(decode_message(payload.substr(0, n), &back).is_ok()) << "prefix " << n;
  }
}

TEST(WireFormatTest, BadFieldsAreRefusedWithTheirOffset) {
  Message back;
  std::string bad_type = encode_message(full_message());
  bad_type[0] = 9;
  Status s = decode_message(bad_type, &back);
  EXPECT_EQ(s.message(), "raft message: unknown message type 9 at byte 1");

  std::string trailing = encode_message(Message{}) + "z";
  s = decode_message(trailing, &back);
  EXPECT_NE(s.message().find("1 trailing bytes"), std::string::npos) << s.message();

  // reject flag: the byte after type and six one-byte varints (a default message).
  std::string bad_reject = encode_message(Message{});
  bad_reject[7] = 2;
  s = decode_message(bad_reject, &back);
  EXPECT_NE(s.message().find("reject flag 2"), std::string::npos) << s.message();

  // An entry count far past the bytes left never allocates for it.
  std::string huge_count = encode_message(Message{});
  huge_count[11] = '\x7f';  // entry count, after the three conflict/context varints
  s = decode_message(huge_count, &back);
  EXPECT_NE(s.message().find("entry count 127"), std::string::npos) << s.message();
}

TEST(WireFormatTest, FramesRoundTripInAStream) {
  std::string stream;
  common::append_frame(&stream, "first");
  common::append_frame(&stream, "");
  common::append_frame(&stream, encode_message(full_message()));
  std::vector<std::string> got;
  std::string_view rest = stream;
  std::string payload, error;
  size_t used = 0;
  while (common::decode_frame(rest, &payload, &used, &error) == common::FrameResult::kFrame) {
    got.push_back(payload);
    rest.remove_prefix(used);
  }
  EXPECT_TRUE(rest.empty());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "first");
  EXPECT_EQ(got[1], "");
  EXPECT_EQ(got[2], encode_message(full_message()));
}

TEST(WireFormatTest, TruncatedFrameNeedsMoreAtEveryCut) {
  std::string frame;
  common::append_frame(&frame, "payload bytes");
  std::string payload, error;
  size_t used = 0;
  for (size_t n = 0; n < frame.size(); ++n) {
    EXPECT_EQ(common::decode_frame(std::string_view(frame).substr(0, n), &payload, &used, &error),
              common::FrameResult::kNeedMore)
        << "cut at " << n;
  }
}

TEST(WireFormatTest, BadVersionLengthOrChecksumIsAnError) {
  std::string frame;
  common::append_frame(&frame, "payload bytes");
  std::string payload, error;
  size_t used = 0;

  std::string bad_version = frame;
  bad_version[0] = 2;
  EXPECT_EQ(common::decode_frame(bad_version, &payload, &used, &error),
            common::FrameResult::kError);
  EXPECT_EQ(error, "unsupported frame version 2 (expected 1)");
  // Refused from the first byte: no waiting for a header that cannot help.
  EXPECT_EQ(common::decode_frame(bad_version.substr(0, 1), &payload, &used, &error),
            common::FrameResult::kError);

  std::string too_long = frame;
  too_long[4] = '\x7f';  // length's top byte
  EXPECT_EQ(common::decode_frame(too_long, &payload, &used, &error), common::FrameResult::kError);
  EXPECT_NE(error.find("exceeds the limit"), std::string::npos) << error;

  // Every bit flip in the payload or the stored CRC is caught.
  for (size_t i = 5; i < frame.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = frame;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      EXPECT_EQ(common::decode_frame(flipped, &payload, &used, &error), common::FrameResult::kError)
          << "byte " << i << " bit " << bit;
    }
  }
}

}  // namespace
}  // namespace faultline::raftkv
