// Network addresses of the servers' nodes and the parsers for the flags that
// list them (host:port, id=host:port,...), shared by faultline-raftkv and
// faultline-dht.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace faultline::common {

struct Address {
  std::string host;
  uint16_t port = 0;

  std::string to_string() const { return host + ":" + std::to_string(port); }
  bool operator==(const Address&) const = default;
};

// "host:port"; the port in [1, 65535].
Status parse_address(std::string_view text, Address* out);
// "id=host:port,id=host:port,..." with distinct positive ids.
Status parse_address_map(std::string_view text, std::map<uint64_t, Address>* out);

}  // namespace faultline::common
