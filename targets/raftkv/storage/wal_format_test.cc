// The WAL's record framing and item encoding, and CRC-32C itself.
#include "targets/raftkv/storage/wal_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

#include "base/random.h"
#include "targets/common/crc32c.h"

namespace faultline::raft::storage {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValues) {
  EXPECT_EQ(common::crc32c("123456789"), 0xE3069283u);              // the CRC catalogue's check
  EXPECT_EQ(common::crc32c(std::string(32, '\0')), 0x8A9136AAu);    // RFC 3720 B.4
  EXPECT_EQ(common::crc32c(std::string(32, '\xff')), 0x62A8AB43u);  // RFC 3720 B.4
  EXPECT_EQ(common::crc32c_extend(common::crc32c("1234"), "56789"), common::crc32c("123456789"));
}

// The hardware path and the table agree on every length and offset (the
// instruction takes 8 bytes at a time, then the tail). Fails under CI on a
// CPU without SSE4.2, which would leave the hardware path untested.
TEST(Crc32c, TheSse42PathAgreesWithTheTable) {
  const uint64_t seed = 20261207;
  SplitMix64 rng(seed);
  std::string data(300, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  uint32_t hw = 0;
  if (!common::crc32c_extend_sse42(0, "", &hw)) {
    if (std::getenv("CI") != nullptr) FAIL() << "no SSE4.2 on this CPU";
    GTEST_SKIP() << "no SSE4.2 on this CPU";
  }
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t len = 0; offset + len <= data.size(); len += 1 + len / 8) {
      const std::string_view part = std::string_view(data).substr(offset, len);
      const uint32_t start = static_cast<uint32_t>(rng());
      ASSERT_TRUE(common::crc32c_extend_sse42(start, part, &hw));
      ASSERT_EQ(hw, common::crc32c_extend_table(start, part))
          << "seed " << seed << " offset " << offset << " length " << len;
    }
  }
}

TEST(Crc32c, MaskIsInvertibleAndChangesTheValue) {
  for (uint32_t crc : {0u, 1u, 0xE3069283u, 0xffffffffu}) {
    EXPECT_EQ(common::unmask_crc(common::mask_crc(crc)), crc);
    EXPECT_NE(common::mask_crc(crc), crc);
  }
}

TEST(WalFormat, ItemsRoundTrip) {
  const std::vector<WalItem> items = {
      SegmentHeader{7, 42, {40, 3}, 4096},
      HardState{5, 2, 41},
      Entry{.index = 41, .term = 5, .type = EntryType::kNoop, .data = ""},
      Entry{.index = 42, .term = 5, .type = EntryType::kCommand, .data = std::string("a\0b", 3)},
      SnapshotInstalled{{50, 6}},
      LogCompacted{{45, 5}},
  };
  std::string payload;
  for (const WalItem& item : items) encode_item(item, &payload);
  std::vector<WalItem> decoded;
  ASSERT_TRUE(decode_items(payload, &decoded).is_ok());
  EXPECT_EQ(decoded, items);
}

TEST(WalFormat, MalformedPayloadsAreErrorsNamingThePayloadOffset) {
  std::string payload;
  encode_item(HardState{1, 1, 1}, &payload);
  std::vector<WalItem> items;
  Status s = decode_items(payload.substr(0, payload.size() - 1), &items);
  EXPECT_EQ(s.message(), "item at payload offset 0: truncated (payload has 24 bytes)");
  s = decode_items(payload + "\x09", &items);
  EXPECT_EQ(s.message(), "item at payload offset 25: unknown item type 9");
  std::string entry;
  encode_item(Entry{.index = 1, .term = 1}, &entry);
  entry[17] = 7;  // the entry type
  EXPECT_EQ(decode_items(entry, &items).message(),
            "item at payload offset 0: unknown entry type 7");
  EXPECT_EQ(decode_items("", &items).message(), "empty record");
}

std::string three_records() {
  return common::encode_record("first") + common::encode_record("second!") +
         common::encode_record("third");
}

TEST(WalFormat, ScanSplitsRecords) {
  const std::string file = three_records();  // the records point into it
  const common::ScanResult r = common::scan_records(file);
  EXPECT_EQ(r.end, common::ScanEnd::kClean);
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[1].offset, common::kRecordHeaderSize + 5);
  EXPECT_EQ(r.records[1].payload, "second!");
  EXPECT_EQ(r.end_offset, file.size());
  EXPECT_EQ(common::scan_records("").end, common::ScanEnd::kClean);
}

TEST(WalFormat, AFileCutShortAnywhereIsATornTailAtTheLastCompleteRecord) {
  const std::string file = three_records();
  const std::vector<uint64_t> ends = {17, 36, 53};
  for (size_t size = 0; size < file.size(); ++size) {
    const common::ScanResult r = common::scan_records(std::string_view(file).substr(0, size));
    const size_t complete = std::upper_bound(ends.begin(), ends.end(), size) - ends.begin();
    EXPECT_EQ(r.records.size(), complete) << size;
    const bool at_boundary = size == 0 || (complete > 0 && size == ends[complete - 1]);
    EXPECT_EQ(r.end, at_boundary ? common::ScanEnd::kClean : common::ScanEnd::kTornTail) << size;
    EXPECT_EQ(r.end_offset, complete == 0 ? 0 : ends[complete - 1]) << size;
  }
}

TEST(WalFormat, AZeroFilledTailIsTorn) {
  const std::string file = three_records() + std::string(100, '\0');
  const common::ScanResult r = common::scan_records(file);
  EXPECT_EQ(r.end, common::ScanEnd::kTornTail);
  EXPECT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.problem, "100 zero bytes at the end");
}

TEST(WalFormat, ARecordEndIsDroppedAndMustComeLastAfterOtherItems) {
  std::string payload;
  encode_item(HardState{1, 2, 0}, &payload);  // ends in zero bytes: the commit index
  encode_record_end(&payload);
  EXPECT_EQ(payload.back(), static_cast<char>(ItemType::kRecordEnd));
  std::vector<WalItem> items;
  ASSERT_TRUE(decode_items(payload, &items).is_ok());
  EXPECT_EQ(items, (std::vector<WalItem>{HardState{1, 2, 0}}));
  encode_item(HardState{1, 2, 0}, &payload);
  EXPECT_EQ(decode_items(payload, &items).message(),
            "item at payload offset 25: a record end that is not the last item after others");
  std::string alone;
  encode_record_end(&alone);
  EXPECT_EQ(decode_items(alone, &items).message(),
            "item at payload offset 0: a record end that is not the last item after others");
}

TEST(WalFormat, ABitFlipAnywhereIsCorruptionOfTheRecordHoldingIt) {
  const std::string file = three_records();
  const std::vector<uint64_t> starts = {0, 17, 36};
  for (size_t pos = 0; pos < file.size(); ++pos) {
    std::string damaged = file;
    damaged[pos] ^= static_cast<char>(1 << (pos % 8));
    const common::ScanResult r = common::scan_records(damaged);
    const size_t record = std::upper_bound(starts.begin(), starts.end(), pos) - starts.begin() - 1;
    EXPECT_EQ(r.end, common::ScanEnd::kCorrupt) << pos;
    EXPECT_EQ(r.end_offset, starts[record]) << pos;
    EXPECT_EQ(r.problem, pos - starts[record] < common::kRecordHeaderSize
                             ? "header checksum mismatch"
                             : "payload checksum mismatch")
        << pos;
  }
}

}  // namespace
}  // namespace faultline::raft::storage
