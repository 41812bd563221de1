#include "targets/paxos/server/message_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "targets/common/message_batch.h"

namespace faultline::paxos {
namespace {

using testing::HasSubstr;

Message sample(MessageType type, uint64_t to, std::string key) {
  Message m;
  m.from = 1;
  m.to = to;
  m.op = 1ull << 63;
  m.key = std::move(key);
  m.type = type;
  m.ballot = {1234567, 3};
  m.ok = true;
  m.accepted = {7, 2};
  m.promised = {8, 1};
  m.value = std::string("v\0x", 3);
  return m;
}

TEST(PaxosMessageCodec, RoundTripsEveryType) {
  for (uint8_t t = 0; t <= static_cast<uint8_t>(MessageType::kReadReply); ++t) {
    const Message m = sample(static_cast<MessageType>(t), 2, "key");
    Message back;
    ASSERT_TRUE(decode_message(encode_message(m), &back).is_ok());
    EXPECT_EQ(back, m);
  }
}

TEST(PaxosMessageCodec, RejectsMalformedPayloads) {
  const std::string good = encode_message(sample(MessageType::kAccept, 2, "k"));
  Message back;
  EXPECT_THAT(decode_message("", &back).message(), HasSubstr("missing type"));
  EXPECT_THAT(decode_message("\x09", &back).message(), HasSubstr("unknown message type 9"));
  for (size_t cut = 1; cut < good.size(); ++cut) {
    EXPECT_FALSE(decode_message(good.substr(0, cut), &back).is_ok()) << "cut at " << cut;
  }
  EXPECT_THAT(decode_message(good + "x", &back).message(), HasSubstr("1 trailing bytes"));
}

// A Ready's messages, as CoreServer sends them: one batch per peer, which
// decodes to that peer's messages in order.
TEST(PaxosMessageBatch, RoundTripsAReadyPerPeer) {
  std::vector<Message> ready;
  for (int i = 0; i < 10; ++i) {
    ready.push_back(sample(i % 3 == 0 ? MessageType::kRead : MessageType::kAccept,
                           2 + static_cast<uint64_t>(i % 2), "key" + std::to_string(i)));
  }
  std::map<uint64_t, std::vector<std::string>> sent;
  common::send_batches(ready, [&](uint64_t to, std::string batch, bool last) {
    EXPECT_TRUE(last);
    sent[to].push_back(batch);
  });
  ASSERT_EQ(sent.size(), 2u);
  for (const auto& [to, batches] : sent) {
    ASSERT_EQ(batches.size(), 1u) << "peer " << to;
    std::vector<Message> got;
    ASSERT_TRUE(common::decode_batch(batches[0], &got).is_ok());
    std::vector<Message> expected;
    for (const Message& m : ready) {
      if (m.to == to) expected.push_back(m);
    }
    EXPECT_EQ(got, expected) << "peer " << to;
  }
}

TEST(PaxosMessageBatch, TruncatedOrCorruptBatchesAreClearErrors) {
  std::string batch;
  std::vector<size_t> ends;  // where each message ends
  for (const char* key : {"a", "b", "c"}) {
    common::append_to_batch(&batch, encode_message(sample(MessageType::kPrepare, 2, key)));
    ends.push_back(batch.size());
  }
  // Cut at a message's end, a batch is its messages before the cut (the
  // frame's length and checksum catch that); cut anywhere else, an error.
  std::vector<Message> got;
  for (size_t cut = 0; cut < batch.size(); ++cut) {
    const auto end = std::find(ends.begin(), ends.end(), cut);
    const Status s = common::decode_batch(batch.substr(0, cut), &got);
    EXPECT_EQ(s.is_ok(), end != ends.end()) << "cut at " << cut << ": " << s.message();
    if (s.is_ok()) {
      EXPECT_EQ(got.size(), static_cast<size_t>(end - ends.begin()) + 1);
    }
  }
  EXPECT_THAT(common::decode_batch(batch.substr(0, batch.size() - 1), &got).message(),
              HasSubstr("(truncated)"));
  // A message whose type byte is damaged inside an intact batch.
  std::string damaged = batch;
  damaged[2] = 0x40;
  EXPECT_THAT(common::decode_batch(damaged, &got).message(),
              HasSubstr("message 1 of 3 in the batch: paxos message: unknown message type 64"));
  // A peer of the pre-batch wire format: a bare message.
  EXPECT_THAT(common::decode_batch(encode_message(sample(MessageType::kPrepare, 2, "a")), &got)
                  .message(),
              HasSubstr("not a message batch"));
}

}  // namespace
}  // namespace faultline::paxos
