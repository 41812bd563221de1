#include "targets/common/address.h"

#include <fmt/format.h>

#include <charconv>

namespace faultline::common {
namespace {

bool parse_u64(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Status parse_address(std::string_view text, Address* out) {
  const size_t colon = text.rfind(':');
  uint64_t port = 0;
  if (colon == std::string_view::npos || colon == 0 || !parse_u64(text.substr(colon + 1), &port) ||
      port == 0 || port > 65535) {
    return Status::invalid_argument(
        fmt::format("bad address '{}': expected host:port with a port in [1, 65535]", text));
  }
  out->host = std::string(text.substr(0, colon));
  out->port = static_cast<uint16_t>(port);
  return Status::ok();
}

Status parse_address_map(std::string_view text, std::map<uint64_t, Address>* out) {
  out->clear();
  while (true) {  // every item, the one after a trailing comma too, must be id=host:port
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const size_t eq = item.find('=');
    uint64_t id = 0;
    if (eq == std::string_view::npos || !parse_u64(item.substr(0, eq), &id) || id == 0) {
      return Status::invalid_argument(
          fmt::format("bad peer '{}': expected id=host:port with a positive id", item));
    }
    Address address;
    if (Status s = parse_address(item.substr(eq + 1), &address); !s.is_ok()) return s;
    if (!out->emplace(id, address).second) {
      return Status::invalid_argument(fmt::format("peer id {} listed twice", id));
    }
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return Status::ok();
}

}  // namespace faultline::common
