// CRC-32C (Castagnoli), the checksum on every WAL record and snapshot file.
//
// Why CRC-32C and not zlib's crc32: it detects more error patterns at the same
// width (it is the polynomial LevelDB, iSCSI and ext4 chose for storage), and
// x86's SSE4.2 computes it in hardware. Where the CPU has that instruction it
// is used (faultline sim checksums every simulated write, where the
// byte-at-a-time table was 3% of a paxos seed); elsewhere the table.
#pragma once

#include <cstdint>
#include <string_view>

namespace faultline::common {

// CRC-32C of `data`, continuing from `crc` (the CRC of the bytes before it).
uint32_t crc32c_extend(uint32_t crc, std::string_view data);
inline uint32_t crc32c(std::string_view data) { return crc32c_extend(0, data); }

// The two ways crc32c_extend computes it, for the test that they agree:
// the table (any CPU) and SSE4.2's crc32 instruction (false: not this CPU).
uint32_t crc32c_extend_table(uint32_t crc, std::string_view data);
bool crc32c_extend_sse42(uint32_t crc, std::string_view data, uint32_t* out);

// Stored CRCs are masked, as LevelDB does: computing the CRC of bytes that
// contain an unmasked CRC of part of themselves (a record header covering its
// payload's CRC) is prone to degenerate matches. Mask is a bijection.
inline uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t unmask_crc(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace faultline::common
