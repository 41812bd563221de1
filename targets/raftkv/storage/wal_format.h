// The write-ahead log's on-disk format, shared by the writer and the reader
// (after LevelDB's log_format.h). All integers are little-endian.
//
// Segment files: wal-<seq>.log, seq a 16-digit decimal counting from 1. The
// log is the concatenation of its segments in seq order; a segment is rolled
// when it reaches a size limit, and old segments are deleted once a snapshot
// covers them. (Segments are numbered rather than named by first index
// because a follower may truncate its log: indexes do not increase across
// segments.)
//
// A segment is a sequence of records. Each record is one sync(): one group
// commit, applied at recovery all or nothing.
//
//   record := header_crc u32 | length u32 | payload_crc u32 | payload[length]
//     header_crc  = masked crc32c of bytes 4..11 (length and payload_crc)
//     payload_crc = masked crc32c of the payload
//
// The header has its own CRC so that a damaged length is detected before it
// is trusted: otherwise a bit flip in the middle of the log could make a
// record appear to run past the end of the file, which looks like a torn tail.
//
//   payload := item+
//   item    := type u8 | fields (by type):
//     1 kSegmentHeader  seq u64 | next_index u64 | snapshot_index u64 |
//                       snapshot_term u64 | previous_segment_bytes u64
//     2 kHardState      term u64 | vote u64 | commit u64
//     3 kEntry          index u64 | term u64 | entry_type u8 | size u32 | data[size]
//     4 kSnapshot       index u64 | term u64   the log was replaced by this snapshot
//     5 kCompaction     index u64 | term u64   a snapshot at index now covers entries <= index
//
// The first record of every segment holds kSegmentHeader then kHardState: the
// state at the start of the segment (the index the next entry gets, the
// latest snapshot, the hard state, and the size of the previous segment), so
// that the log can be replayed from any segment once older ones are deleted,
// and a missing or shortened segment is detected. kSegmentHeader appears
// nowhere else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "harness/history/status.h"
#include "targets/raftkv/raft/messages.h"

namespace faultline::raft::storage {

inline constexpr size_t kRecordHeaderSize = 12;

enum class ItemType : uint8_t {
  kSegmentHeader = 1,
  kHardState = 2,
  kEntry = 3,
  kSnapshot = 4,
  kCompaction = 5,
};

struct SegmentHeader {
  uint64_t seq = 0;
  uint64_t next_index = 1;  // the index of the next entry appended (last index + 1)
  SnapshotMetadata snapshot{};
  uint64_t previous_segment_bytes = 0;  // 0 for the first segment ever

  bool operator==(const SegmentHeader&) const = default;
};
struct SnapshotInstalled {
  SnapshotMetadata snapshot;
  bool operator==(const SnapshotInstalled&) const = default;
};
struct LogCompacted {
  SnapshotMetadata snapshot;
  bool operator==(const LogCompacted&) const = default;
};
using WalItem = std::variant<SegmentHeader, HardState, Entry, SnapshotInstalled, LogCompacted>;

// Appends the encoding of `item` to `payload`.
void encode_item(const WalItem& item, std::string* payload);
// Decodes a record payload. A malformed payload (which passed its CRC, so it
// was written that way) is an error naming the offset within the payload.
Status decode_items(std::string_view payload, std::vector<WalItem>* items);

// Frames `payload` as a record.
std::string encode_record(std::string_view payload);

// What scan_records() found in a segment's bytes.
struct ScannedRecord {
  uint64_t offset = 0;  // of the record's header within the file
  std::string_view payload;
};
enum class ScanEnd {
  kClean,     // the file ends exactly after a complete record (or is empty)
  kTornTail,  // an incomplete write at the end of the file, see below
  kCorrupt,   // damage that a crash cannot produce
};
struct ScanResult {
  std::vector<ScannedRecord> records;  // the valid records before the end
  ScanEnd end = ScanEnd::kClean;
  uint64_t end_offset = 0;  // just past the last valid record: where the problem starts
  std::string problem;      // kTornTail / kCorrupt: what is wrong there
};

// Splits a segment into records. At the first record that is not intact:
//  - torn tail: the file ends inside the record's header or payload, or every
//    remaining byte is zero (a file extended by the crash but never written);
//  - corrupt: the header CRC does not match, or the header is intact and the
//    payload complete but its CRC does not match — wherever the record is,
//    even last: a complete record was written in full, so a mismatch is
//    damage to data that may have been acknowledged, never a torn write.
ScanResult scan_records(std::string_view file);

}  // namespace faultline::raft::storage
