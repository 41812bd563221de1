// How a keyed log (keyed_log.h) writes a value in its put items: field by
// field, in the order the value's type names them with
//
//   auto log_fields(T& value)  ->  std::tie(field, ...)
//
// found by argument-dependent lookup (declare it next to T). A field is a
// uint64_t (an unsigned LEB128 varint), a std::string (a varint length, then
// the bytes) or a std::optional<std::string> (present u8, 0 or 1, then the
// string only when present), as targets/kvstate/byte_codec.h writes them.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "base/status.h"
#include "targets/kvstate/byte_codec.h"

namespace faultline::common {

inline void put_field(std::string* out, uint64_t n) { kv::put_varint(out, n); }
inline void put_field(std::string* out, const std::string& s) { kv::put_bytes(out, s); }
inline void put_field(std::string* out, const std::optional<std::string>& s) {
  out->push_back(s ? 1 : 0);
  if (s) kv::put_bytes(out, *s);
}

inline Status read_field(kv::ByteReader& in, uint64_t* n) {
  return in.read_varint(n) ? Status::ok() : Status::malformed("truncated or bad varint");
}
inline Status read_field(kv::ByteReader& in, std::string* s) {
  return in.read_bytes(s) ? Status::ok() : Status::malformed("truncated or bad varint");
}
inline Status read_field(kv::ByteReader& in, std::optional<std::string>* s) {
  uint8_t present = 0;
  if (!in.read_u8(&present)) return Status::malformed("truncated or bad varint");
  if (present > 1) {
    return Status::malformed(fmt::format("present flag {}, expected 0 or 1", present));
  }
  s->reset();
  if (present == 0) return Status::ok();
  return read_field(in, &s->emplace());
}

// About the encoded size of a field, for the compaction threshold.
inline uint64_t field_size(uint64_t) { return 10; }
inline uint64_t field_size(const std::string& s) { return s.size() + 5; }
inline uint64_t field_size(const std::optional<std::string>& s) {
  return 1 + (s ? field_size(*s) : 0);
}

// log_fields() of a const value: the references are only read here.
template <typename Value>
auto const_fields(const Value& value) {
  return log_fields(const_cast<Value&>(value));
}

template <typename Value>
void encode_fields(const Value& value, std::string* out) {
  std::apply([out](const auto&... f) { (put_field(out, f), ...); }, const_fields(value));
}

// Reads the fields of `value`; the first that does not decode says why.
template <typename Value>
Status decode_fields(kv::ByteReader& in, Value* value) {
  Status status;
  std::apply([&](auto&... f) { ((status = status.is_ok() ? read_field(in, &f) : status), ...); },
             log_fields(*value));
  return status;
}

template <typename Value>
uint64_t fields_size(const Value& value) {
  return std::apply([](const auto&... f) { return (uint64_t{0} + ... + field_size(f)); },
                    const_fields(value));
}

}  // namespace faultline::common
