#include "targets/common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace faultline::common {
namespace {

// Byte-at-a-time table for the reflected Castagnoli polynomial 0x82F63B78.
constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0);
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = make_table();

}  // namespace

uint32_t crc32c_extend_table(uint32_t crc, std::string_view data) {
  crc = ~crc;
  for (const char c : data) crc = kTable[(crc ^ static_cast<uint8_t>(c)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__)
namespace {

// Eight bytes per instruction, then the tail byte by byte.
__attribute__((target("sse4.2"))) uint32_t extend_sse42(uint32_t crc, std::string_view data) {
  const char* p = data.data();
  size_t n = data.size();
  uint64_t c = ~crc;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
  auto c32 = static_cast<uint32_t>(c);
  for (; n > 0; ++p, --n) c32 = _mm_crc32_u8(c32, static_cast<uint8_t>(*p));
  return ~c32;
}

const bool kHasSse42 = __builtin_cpu_supports("sse4.2");

}  // namespace

bool crc32c_extend_sse42(uint32_t crc, std::string_view data, uint32_t* out) {
  if (!kHasSse42) return false;
  *out = extend_sse42(crc, data);
  return true;
}

uint32_t crc32c_extend(uint32_t crc, std::string_view data) {
  return kHasSse42 ? extend_sse42(crc, data) : crc32c_extend_table(crc, data);
}
#else
bool crc32c_extend_sse42(uint32_t, std::string_view, uint32_t*) { return false; }

uint32_t crc32c_extend(uint32_t crc, std::string_view data) {
  return crc32c_extend_table(crc, data);
}
#endif

}  // namespace faultline::common
