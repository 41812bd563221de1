// Clients: what executes a workload's operations against the system under
// test. The runner gives each worker thread its own Client, made by the
// workload's ClientFactory from a ClientContext, and calls invoke() for every
// operation the generator hands that thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/db/node_endpoint.h"  // NodeEndpoint: where a node serves clients
#include "harness/generator/op.h"

namespace faultline {

struct ClientContext {
  std::vector<NodeEndpoint> nodes;  // every node of the cluster
  int64_t process = 0;              // the worker's process
  // The worker thread: its client starts on nodes[thread % size], and so does
  // the next process after an info (as Jepsen binds workers to nodes). That
  // keeps clients on a cut-off or paused node, where its bugs show.
  int thread = 0;
  // Bounds each invoke(), redirects and reconnects included.
  std::chrono::milliseconds timeout{1000};
};

class Client {
 public:
  virtual ~Client() = default;
  // Executes `invoke` and returns its completion (Op::complete): ok with the
  // result, fail when it certainly did not happen, info when that is unknown
  // (a timeout, a connection lost after sending), with `error` saying why and
  // `node` naming the node that served it. Blocks for at most the context's
  // timeout (plus scheduling slack) and never throws.
  virtual Op invoke(const Op& invoke) = 0;
};

using ClientFactory = std::function<std::unique_ptr<Client>(const ClientContext&)>;

}  // namespace faultline
