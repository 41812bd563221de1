// IPv4 subnets for local clusters: parsing "10.77.0.0/24", the host's routes
// (from `ip -4 route`), overlap checks, and the choice of a free default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace faultline {

struct Ipv4Subnet {
  uint32_t network = 0;  // host byte order, host bits zero
  int prefix = 0;        // 0..32

  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  bool overlaps(const Ipv4Subnet& other) const;
  // The address `index` inside the subnet (index 1 is x.y.z.1 in a /24).
  uint32_t host(uint32_t index) const { return network + index; }
  std::string to_string() const;  // "10.77.0.0/24"
};

std::string ipv4_to_string(uint32_t address);

// Parses "a.b.c.d/len" (or "a.b.c.d" as a /32). Host bits must be zero.
Status parse_subnet(const std::string& text, Ipv4Subnet* out);

// The destinations of the routes in `ip -4 route show table all` output;
// "default" routes are skipped (they overlap everything, and a cluster's
// subnet is reached through its own bridge route, which is more specific).
std::vector<Ipv4Subnet> parse_route_destinations(const std::string& ip_route_output);

// The host's current IPv4 route destinations, from `ip -4 route show table all`.
Status host_route_destinations(std::vector<Ipv4Subnet>* out);

// Error naming the route if `subnet` overlaps any of `routes`.
Status check_no_overlap(const Ipv4Subnet& subnet, const std::vector<Ipv4Subnet>& routes);

// The first /24 of 10.77.0.0 .. 10.77.255.0 that overlaps none of `taken`.
Status choose_free_subnet(const std::vector<Ipv4Subnet>& taken, Ipv4Subnet* out);

}  // namespace faultline
