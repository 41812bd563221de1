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
//   record := the checksummed framing of record_format.h
//
//   payload := item+
//   item    := type u8 | fields (by type):
//     1 kSegmentHeader  seq u64 | next_index u64 | snapshot_index u64 |
//                       snapshot_term u64 | previous_segment_bytes u64
//     2 kHardState      term u64 | vote u64 | commit u64
//     3 kEntry          index u64 | term u64 | entry_type u8 | size u32 | data[size]
//     4 kSnapshot       index u64 | term u64   the log was replaced by this snapshot
//     5 kCompaction     index u64 | term u64   a snapshot at index now covers entries <= index
//     6 kRecordEnd      (no fields)            the last item of every record
//
// kRecordEnd makes the last byte of every record non-zero (6). Segments are
// preallocated and zero-filled (WalOptions::preallocate), so a record that a
// crash cut short still has zeros where its end should be, while a complete
// record never ends in one: recovery can tell a torn write (a bad record whose
// zeros start inside it, with nothing but zeros after) from damage to a
// complete one (README.md, "Recovery"). Records written before kRecordEnd
// existed lack it and still replay, but without that protection: damage to
// such a record, if it is the last and ends in zero bytes, reads as a torn
// write. kRecordEnd may appear nowhere but last.
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

#include "base/status.h"
#include "targets/common/record_format.h"
#include "targets/raftkv/raft/messages.h"

namespace faultline::raft::storage {

enum class ItemType : uint8_t {
  kSegmentHeader = 1,
  kHardState = 2,
  kEntry = 3,
  kSnapshot = 4,
  kCompaction = 5,
  kRecordEnd = 6,
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
// Appends kRecordEnd: the writer ends every payload with it.
void encode_record_end(std::string* payload);
// Decodes a record payload (kRecordEnd, if last, is checked and dropped). A
// malformed payload (which passed its CRC, so it was written that way) is an
// error naming the offset within the payload.
Status decode_items(std::string_view payload, std::vector<WalItem>* items);

}  // namespace faultline::raft::storage
