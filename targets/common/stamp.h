// Stamp: a (counter, node) pair ordered by counter, then by node id: the
// DHT's write versions and the CASPaxos ballots. {0, 0} is "none". No two
// stamps a node issues collide with another's: the counter is above
// everything the issuer has seen or issued before (durably: the
// KeyedStore's issued counter), and the node id breaks ties.
#pragma once

#include <compare>
#include <cstdint>

namespace faultline::common {

struct Stamp {
  uint64_t counter = 0;
  uint64_t node = 0;

  auto operator<=>(const Stamp&) const = default;
  bool empty() const { return counter == 0 && node == 0; }
};

}  // namespace faultline::common
