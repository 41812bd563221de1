#include "harness/nodes/subnet.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <sstream>

#include "spawn/spawn.h"

namespace faultline {

bool Ipv4Subnet::overlaps(const Ipv4Subnet& other) const {
  // Two prefixes overlap iff they agree on the shorter prefix's bits.
  const uint32_t m = prefix < other.prefix ? mask() : other.mask();
  return (network & m) == (other.network & m);
}

std::string ipv4_to_string(uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 255, (address >> 8) & 255,
                     address & 255);
}

std::string Ipv4Subnet::to_string() const {
  return fmt::format("{}/{}", ipv4_to_string(network), prefix);
}

Status parse_subnet(const std::string& text, Ipv4Subnet* out) {
  const size_t slash = text.find('/');
  const std::string addr = text.substr(0, slash);
  in_addr parsed{};
  if (inet_pton(AF_INET, addr.c_str(), &parsed) != 1)
    return Status::invalid_argument(
        fmt::format("bad subnet '{}': expected an IPv4 network like 10.77.0.0/24", text));
  int prefix = 32;
  if (slash != std::string::npos) {
    const std::string len = text.substr(slash + 1);
    if (len.empty() || len.size() > 2 || len.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(len) > 32)
      return Status::invalid_argument(
          fmt::format("bad subnet '{}': the prefix length must be 0..32", text));
    prefix = std::stoi(len);
  }
  Ipv4Subnet s{ntohl(parsed.s_addr), prefix};
  if ((s.network & ~s.mask()) != 0)
    return Status::invalid_argument(
        fmt::format("bad subnet '{}': host bits are set (did you mean {}?)", text,
                    Ipv4Subnet{s.network & s.mask(), prefix}.to_string()));
  *out = s;
  return Status::ok();
}

std::vector<Ipv4Subnet> parse_route_destinations(const std::string& ip_route_output) {
  std::vector<Ipv4Subnet> out;
  std::istringstream lines(ip_route_output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string dest;
    words >> dest;
    // Route types (local, broadcast, unicast, ...) may precede the destination.
    static const char* kTypes[] = {"unicast",     "local",    "broadcast", "multicast", "throw",
                                   "unreachable", "prohibit", "blackhole", "nat",       "anycast"};
    for (const char* type : kTypes)
      if (dest == type) {
        words >> dest;
        break;
      }
    Ipv4Subnet s;
    if (dest == "default" || !parse_subnet(dest, &s).is_ok()) continue;
    out.push_back(s);
  }
  return out;
}

Status host_route_destinations(std::vector<Ipv4Subnet>* out) {
  CommandResult r;
  if (Status st =
          run_checked({"ip", "-4", "route", "show", "table", "all"}, std::chrono::seconds(5), &r);
      !st.is_ok())
    return st;
  *out = parse_route_destinations(r.stdout_text);
  return Status::ok();
}

Status check_no_overlap(const Ipv4Subnet& subnet, const std::vector<Ipv4Subnet>& routes) {
  for (const Ipv4Subnet& route : routes)
    if (subnet.overlaps(route))
      return Status::invalid_argument(fmt::format(
          "subnet {} overlaps the host route to {}; pick another with --subnet (a private /24 "
          "that no route on this host uses)",
          subnet.to_string(), route.to_string()));
  return Status::ok();
}

Status choose_free_subnet(const std::vector<Ipv4Subnet>& taken, Ipv4Subnet* out) {
  const uint32_t base = (10u << 24) | (77u << 16);
  for (uint32_t third = 0; third < 256; ++third) {
    Ipv4Subnet candidate{base | (third << 8), 24};
    if (check_no_overlap(candidate, taken).is_ok()) {
      *out = candidate;
      return Status::ok();
    }
  }
  return Status::io_error("no free /24 in 10.77.0.0/16 for a cluster; pass --subnet");
}

}  // namespace faultline
