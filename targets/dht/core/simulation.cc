#include "targets/dht/core/simulation.h"

#include <memory>
#include <vector>

namespace faultline::dht {
namespace {

class Simulation : public common::SimulatedCluster<Node, MemoryReplicaStore> {
 public:
  Simulation(const SimulationOptions& o, std::shared_ptr<const Ring> ring)
      : SimulatedCluster(o), o_(o), ring_(std::move(ring)) {}

 private:
  Status create_node(uint64_t id, uint64_t random, MemoryReplicaStore& store,
                     std::unique_ptr<Node>* out) override {
    // The default timing: 30 ticks to time out, retries every 5.
    return Node::create(
        Config{id, ring_, o_.mode, o_.read_quorum, o_.write_quorum, 30, 5, SplitMix64(random)},
        store, out);
  }

  void start_operation(size_t c, Node& node) override {
    const Client& cl = client(c);
    if (chance(0.5)) {
      invoke(c, "read", "null");
      node.read(cl.request, cl.key);
    } else {
      invoke(c, "write", std::to_string(take_value()));
      node.write(cl.request, cl.key, cl.value);
    }
  }

  void on_response(size_t c, const Response& response) override {
    if (response.status != ResponseStatus::kOk) {
      complete(c, "info", "");
    } else if (client(c).f == "read") {
      complete(c, "ok", response.value.value_or("null"));
    } else {
      complete(c, "ok", client(c).value);
    }
  }

  const SimulationOptions& o_;
  std::shared_ptr<const Ring> ring_;
};

}  // namespace

SimulationResult run_simulation(const SimulationOptions& options) {
  std::vector<uint64_t> ids;
  for (int i = 1; i <= options.nodes; ++i) ids.push_back(static_cast<uint64_t>(i));
  auto ring = std::make_shared<Ring>();
  if (Status s = Ring::create(ids, options.vnodes_per_node, options.replication, ring.get());
      !s.is_ok()) {
    SimulationResult result;
    result.error = s.message();
    return result;
  }
  return Simulation(options, ring).run();
}

}  // namespace faultline::dht
