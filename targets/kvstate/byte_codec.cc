#include "targets/kvstate/byte_codec.h"

namespace faultline::kv {

void put_varint(std::string* out, uint64_t value) {
  char bytes[10];  // one append: a byte at a time costs a capacity check each
  size_t n = 0;
  while (value >= 0x80) {
    bytes[n++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  bytes[n++] = static_cast<char>(value);
  out->append(bytes, n);
}

void put_bytes(std::string* out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out->append(bytes);
}

bool ByteReader::read_u8(uint8_t* value) {
  if (remaining() == 0) return false;
  *value = static_cast<uint8_t>(data_[pos_++]);
  return true;
}

// Canonical form only (no trailing zero groups), so that every value has one
// encoding and two equal states always have equal bytes.
bool ByteReader::read_varint(uint64_t* value) {
  if (pos_ < data_.size() && static_cast<uint8_t>(data_[pos_]) < 0x80) {  // one byte: most are
    *value = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  uint64_t result = 0;
  for (size_t i = 0; i < 10 && pos_ + i < data_.size(); ++i) {
    const auto byte = static_cast<uint8_t>(data_[pos_ + i]);
    if (i == 9 && byte > 1) return false;  // bits past 64
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (byte == 0 && i > 0) return false;  // not minimal
      pos_ += i + 1;
      *value = result;
      return true;
    }
  }
  return false;
}

bool ByteReader::read_bytes(std::string* bytes) {
  const size_t start = pos_;
  uint64_t len;
  if (!read_varint(&len)) return false;
  if (len > remaining()) {
    pos_ = start;
    return false;
  }
  bytes->assign(data_.substr(pos_, static_cast<size_t>(len)));
  pos_ += static_cast<size_t>(len);
  return true;
}

}  // namespace faultline::kv
