#include "targets/common/message_batch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "targets/common/frame_format.h"

namespace faultline::common {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

// A message of the batch tests: its bytes are its body.
struct Note {
  uint64_t to = 0;
  std::string body;
};
std::string encode_message(const Note& n) { return n.body; }
Status decode_message(std::string_view payload, Note* n) {
  if (payload == "bad") return Status::malformed("a bad note");
  n->body = payload;
  return Status::ok();
}

// Also checks `last`: on each peer's final batch, and only there.
std::map<uint64_t, std::vector<std::string>> batches_of(const std::vector<Note>& notes) {
  std::map<uint64_t, std::vector<std::string>> sent;
  std::set<uint64_t> ended;
  send_batches(notes, [&](uint64_t to, std::string batch, bool last) {
    EXPECT_FALSE(ended.contains(to)) << "a batch to " << to << " after its last";
    if (last) ended.insert(to);
    sent[to].push_back(batch);
  });
  EXPECT_EQ(ended.size(), sent.size()) << "a peer without a last batch";
  return sent;
}

std::vector<std::string> bodies(std::string_view batch) {
  std::vector<Note> notes;
  EXPECT_TRUE(decode_batch(batch, &notes).is_ok());
  std::vector<std::string> out;
  for (const Note& n : notes) out.push_back(n.body);
  return out;
}

TEST(MessageBatch, OneBatchPerPeerInMessageOrder) {
  const std::string large(300, 'x');  // a length varint of two bytes
  const auto sent = batches_of({{2, "a"}, {3, "b"}, {2, large}, {2, "c"}, {3, "d"}});
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_EQ(sent.at(2).size(), 1u);
  ASSERT_EQ(sent.at(3).size(), 1u);
  EXPECT_THAT(bodies(sent.at(2)[0]), ElementsAre("a", large, "c"));
  EXPECT_THAT(bodies(sent.at(3)[0]), ElementsAre("b", "d"));
  EXPECT_TRUE(batches_of({}).empty());
}

TEST(MessageBatch, SplitsPastTheByteLimitKeepingTheOrder) {
  const std::string half(kMaxBatchBytes / 2, 'h');
  const auto sent = batches_of({{2, half + "1"}, {2, half + "2"}, {2, half + "3"}, {2, "4"}});
  ASSERT_EQ(sent.at(2).size(), 3u);
  EXPECT_THAT(bodies(sent.at(2)[0]), ElementsAre(half + "1"));
  EXPECT_THAT(bodies(sent.at(2)[1]), ElementsAre(half + "2"));
  EXPECT_THAT(bodies(sent.at(2)[2]), ElementsAre(half + "3", "4"));
  // One message over the limit still travels, alone.
  const std::string huge(kMaxBatchBytes + 1, 'H');
  EXPECT_THAT(bodies(batches_of({{2, huge}}).at(2)[0]), ElementsAre(huge));
}

TEST(MessageBatch, MalformedBatchesAreClearErrors) {
  const std::string good = batches_of({{2, "first"}, {2, "second"}}).at(2)[0];
  std::vector<std::string_view> parts;
  ASSERT_TRUE(split_batch(good, &parts).is_ok());
  EXPECT_THAT(split_batch("", &parts).message(), HasSubstr("empty payload"));
  EXPECT_THAT(split_batch("\x01\x05hello", &parts).message(),
              HasSubstr("not a message batch: first byte 0x01"));
  EXPECT_THAT(split_batch(good.substr(0, 1), &parts).message(), HasSubstr("no message"));
  EXPECT_THAT(split_batch(good.substr(0, good.size() - 1), &parts).message(),
              HasSubstr("message at byte 7 is 6 bytes, only 5 follow (truncated)"));
  // A cut at a message boundary (byte 7) is a shorter batch: only the
  // frame's length and checksum tell the receiver that bytes are missing.
  for (size_t cut = 1; cut < good.size(); ++cut) {
    EXPECT_EQ(split_batch(good.substr(0, cut), &parts).is_ok(), cut == 7) << "cut at " << cut;
  }
  EXPECT_THAT(split_batch(good + std::string(1, '\0'), &parts).message(),
              HasSubstr("empty message at byte 14"));
  EXPECT_THAT(split_batch(good + "\xff", &parts).message(), HasSubstr("bad length varint"));
  std::vector<Note> notes;
  EXPECT_THAT(decode_batch(batches_of({{2, "ok"}, {2, "bad"}}).at(2)[0], &notes).message(),
              HasSubstr("message 2 of 2 in the batch: a bad note"));
}

// Random bytes, and random damage to good batches, give an error or a
// split, never a crash or a read past the input (run it under ASan).
TEST(MessageBatch, RandomAndDamagedInputNeverCrash) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 random(seed);
  const std::string good = batches_of({{2, "one"}, {2, std::string(200, 'v')}, {2, "3"}}).at(2)[0];
  std::vector<std::string_view> parts;
  for (int i = 0; i < 20000; ++i) {
    std::string input = good;
    if (i % 2 == 0) {
      input.resize(random() % 64);
      for (char& c : input) c = static_cast<char>(random());
      if (!input.empty() && i % 4 == 0) input[0] = static_cast<char>(kBatchTag);
    } else {
      for (int flips = 1 + random() % 3; flips > 0; --flips) {
        input[random() % input.size()] ^= static_cast<char>(1 + random() % 255);
      }
    }
    if (split_batch(input, &parts).is_ok()) {
      size_t total = 1;
      for (std::string_view p : parts) total += p.size();
      EXPECT_LE(total, input.size());
    }
  }
}

// What a receiver gets from the stream: a frame carrying a batch; a damaged
// frame is the frame layer's error, before the batch is looked at.
TEST(MessageBatch, TravelsInOneFrame) {
  const std::string batch = batches_of({{2, "a"}, {2, "b"}}).at(2)[0];
  std::string stream;
  append_frame(&stream, batch);
  std::string payload, error;
  size_t used = 0;
  ASSERT_EQ(decode_frame(stream, &payload, &used, &error), FrameResult::kFrame);
  EXPECT_EQ(used, stream.size());
  EXPECT_THAT(bodies(payload), ElementsAre("a", "b"));
  EXPECT_EQ(
      decode_frame(std::string_view(stream).substr(0, stream.size() - 1), &payload, &used, &error),
      FrameResult::kNeedMore);
  stream.back() ^= 1;
  EXPECT_EQ(decode_frame(stream, &payload, &used, &error), FrameResult::kError);
  EXPECT_THAT(error, HasSubstr("checksum mismatch"));
}

}  // namespace
}  // namespace faultline::common
