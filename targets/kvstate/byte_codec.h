// The binary building blocks of the KV log entries and snapshots: unsigned
// LEB128 varints and length-prefixed byte strings. ByteReader never reads
// past its input and never allocates more than the input could back, so a
// corrupted or hostile length is a failed read, not a crash or a huge buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::kv {

void put_varint(std::string* out, uint64_t value);
void put_bytes(std::string* out, std::string_view bytes);  // varint length, then the bytes

class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}

  // Each returns false, consuming nothing, if the input ends too early or
  // (varint) does not fit in 64 bits or is not minimally encoded.
  bool read_u8(uint8_t* value);
  bool read_varint(uint64_t* value);
  bool read_bytes(std::string* bytes);

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace faultline::kv
