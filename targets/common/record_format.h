// The checksummed record framing of the storage files, shared by raftkv's
// write-ahead log (wal_format.h) and the DHT's replica log
// (targets/dht/storage/replica_log_format.h), after LevelDB's log_format.h.
// All integers are little-endian.
//
//   record := header_crc u32 | length u32 | payload_crc u32 | payload[length]
//     header_crc  = masked crc32c of bytes 4..11 (length and payload_crc)
//     payload_crc = masked crc32c of the payload
//
// The header has its own CRC so that a damaged length is detected before it
// is trusted: otherwise a bit flip in the middle of the log could make a
// record appear to run past the end of the file, which looks like a torn tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::common {

inline constexpr size_t kRecordHeaderSize = 12;

// Frames `payload` as a record.
std::string encode_record(std::string_view payload);

// What scan_records() found in a file's bytes.
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

// Splits a file into records. At the first record that is not intact:
//  - torn tail: the file ends inside the record's header or payload, or every
//    remaining byte is zero (a file extended by the crash but never written);
//  - corrupt: the header CRC does not match, or the header is intact and the
//    payload complete but its CRC does not match — wherever the record is,
//    even last: a complete record was written in full, so a mismatch is
//    damage to data that may have been acknowledged, never a torn write.
ScanResult scan_records(std::string_view file);

// The size (header and payload) of the record at the start of `bytes` if its
// header is there and intact, whether or not the payload is; else nothing.
std::optional<uint64_t> intact_record_size(std::string_view bytes);

}  // namespace faultline::common
