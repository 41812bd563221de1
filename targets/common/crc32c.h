// CRC-32C (Castagnoli), the checksum on every WAL record and snapshot file.
//
// Why CRC-32C and not zlib's crc32: it detects more error patterns at the same
// width (it is the polynomial LevelDB, iSCSI and ext4 chose for storage), and a
// table-driven version is a few lines with no new dependency. Throughput is
// ample for a test system under test (a few hundred MB/s); the SSE4.2
// instruction would only matter for a production store.
#pragma once

#include <cstdint>
#include <string_view>

namespace faultline::common {

// CRC-32C of `data`, continuing from `crc` (the CRC of the bytes before it).
uint32_t crc32c_extend(uint32_t crc, std::string_view data);
inline uint32_t crc32c(std::string_view data) { return crc32c_extend(0, data); }

// Stored CRCs are masked, as LevelDB does: computing the CRC of bytes that
// contain an unmasked CRC of part of themselves (a record header covering its
// payload's CRC) is prone to degenerate matches. Mask is a bijection.
inline uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t unmask_crc(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace faultline::common
