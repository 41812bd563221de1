// LatencyProxy: the userspace TCP proxy behind the latency nemesis
// (latency.cc). The nodes' kernels here have no netem, so delay, jitter,
// bandwidth limits and reordering are made in user space: each node's
// connections to the other nodes' peer ports are redirected (iptables nat
// OUTPUT, in the node's own network namespace) to a listener this proxy
// holds in that namespace; it opens the real connection from the same
// namespace and forwards both directions, holding each chunk back as the
// link's fault says. A link is one direction between two nodes (a->b): a
// connection a opened carries link a->b one way and b->a the other.
//
// Byte order within a connection is never changed: a chunk leaves no earlier
// than its arrival plus the link's delay (plus jitter), and never before the
// chunk read before it. Reordering happens only across connections (spec
// reorder: each connection draws its own delay). With no fault on a link,
// chunks are written as soon as they are read.
//
// One thread runs every socket (Boost.Asio). The sockets live in whatever
// network namespace the Sender's factory creates them in; the proxy itself
// neither knows nor cares (the unit tests use plain loopback sockets).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "base/status.h"
#include "nemesis/link_fault.h"

namespace faultline {

struct ProxyEndpoint {
  std::string address;  // dotted IPv4
  int port = 0;
};

// The node whose outgoing connections one listener takes.
struct ProxySender {
  std::string node;
  // A new TCP/IPv4 socket (a file descriptor; the proxy owns it) where the
  // node's traffic lives: the listener and every connection the proxy opens
  // for this node are made with it. -1 with errno set on failure.
  std::function<int()> open_socket;
  // Where an accepted connection was headed (SO_ORIGINAL_DST in production).
  std::function<Status(int fd, ProxyEndpoint* out)> destination;
};

class LatencyProxy {
 public:
  // `nodes` maps each node's address to its name (to name a connection's
  // destination); `seed` drives jitter and reorder delays.
  LatencyProxy(std::map<std::string, std::string> nodes, uint64_t seed);
  // Closes every socket and stops the thread.
  ~LatencyProxy();
  LatencyProxy(const LatencyProxy&) = delete;
  LatencyProxy& operator=(const LatencyProxy&) = delete;

  // Listens on 127.0.0.1 (port chosen by the kernel) in the sender's socket
  // space; *port gets the port.
  Status add_sender(const ProxySender& sender, int* port);
  // The faults from now on: links not named forward at once. Chunks already
  // held keep their release time, except that an empty map releases them all
  // now (heal forwards at once), and chunks held by a cut are released now
  // whatever the new faults are (the cut ends with its fault). Reorder delays
  // are drawn afresh.
  void set_faults(std::map<Link, LinkFault> faults);
  // Stops accepting; connections already made go on (at whatever faults are set).
  void close_listeners();
  // Connections forwarded now (both ends open), for tests.
  size_t connections();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The original destination of a connection redirected by iptables nat
// (SO_ORIGINAL_DST), in the socket's own network namespace.
Status original_destination(int fd, ProxyEndpoint* out);

// A TCP/IPv4 socket created in the network namespace at `netns_path`
// (/run/netns/NAME), marked with `mark` (SO_MARK) when it is not 0; -1 with
// errno set on failure. The calling thread's namespace does not change (a
// short-lived thread enters the namespace).
int socket_in_netns(const std::string& netns_path, uint32_t mark);

}  // namespace faultline
