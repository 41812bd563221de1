// CoreServerOptions: the flags every server on a sans-I/O core has
// (faultline-dht, faultline-paxos), apart from the server shell
// (core_server.h) so that a driver without sockets — faultline sim — builds
// a core's Config from the same options the server does.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"
#include "targets/common/address.h"

namespace faultline::common {

// The flags every core server has (its options derive from this).
struct CoreServerOptions {
  // The cores' units of time differ.
  explicit CoreServerOptions(int tick = 10, int retry = 100) : tick_ms(tick), retry_ms(retry) {}

  uint64_t id = 0;
  std::map<uint64_t, Address> nodes;  // every node's peer address, this one's included
  Address client_addr;                // where this node serves RESP clients
  std::string data_dir;
  int tick_ms;            // the core's unit of time
  int timeout_ms = 1000;  // an operation not done by then: -UNAVAILABLE
  int retry_ms;           // silent peers are asked again this often

  // --id is one of --nodes.
  Status check_id() const {
    if (nodes.count(id)) return Status::ok();
    return Status::invalid_argument(fmt::format("--id {} is not one of --nodes", id));
  }
};

}  // namespace faultline::common
