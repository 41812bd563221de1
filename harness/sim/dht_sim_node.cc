// dht in faultline sim: each node the DHT core (targets/dht/core) over its
// replica log, serving clients through DhtKv, the command logic of
// faultline-dht, with the server's timing and the ring and core Config the
// server builds (DhtServerOptions). No aimed message: a replica's word is
// its stored record, which it syncs before acknowledging.
#include <fmt/format.h>

#include "harness/db/dht_db.h"
#include "harness/sim/core_sim_node.h"
#include "harness/sim/sim_target.h"
#include "targets/dht/kv/dht_kv.h"
#include "targets/dht/server/dht_options.h"
#include "targets/dht/storage/durable_replica_store.h"

namespace faultline::sim {

namespace {

// The server's options and the ring they make (one for every node).
struct DhtSimOptions : dht::DhtServerOptions {
  std::shared_ptr<const dht::Ring> ring;
};

struct DhtTraits {
  using Node = dht::Node;
  using Store = dht::DurableReplicaStore;
  using Kv = dht::DhtKv;
  using Options = DhtSimOptions;

  static dht::Config config(const Options& o, uint64_t seed) { return o.core_config(o.ring, seed); }
  static std::unique_ptr<Kv> make_kv(const Options& o) {
    return std::make_unique<Kv>(o.timeout_ms);
  }
  static void handle(Kv& kv, Node& node, std::vector<std::string> command, kv::Session&,
                     common::SendReply reply) {
    kv.handle(node, std::move(command), std::move(reply));
  }
  static bool aimed(const dht::Message&) { return false; }
};

}  // namespace

Status dht_sim_target(const TestConfig& config, SimTarget* out) {
  DhtOptions d;
  if (Status st = parse_dht_options(config.opts, &d); !st.is_ok()) return st;
  DhtSimOptions o;  // the server's defaults, as DhtDb starts it
  for (int i = 1; i <= config.nodes; ++i)
    o.nodes[static_cast<uint64_t>(i)] = {fmt::format("n{}", i), 7200};
  o.id = 1;
  o.data_dir = "/data";
  o.timeout_ms = d.timeout_ms;
  o.replicas = d.replicas;
  o.vnodes = d.vnodes;
  o.r = d.r;
  o.w = d.w;
  if (Status st = dht::parse_mode(d.mode, &o.mode); !st.is_ok()) return st;
  if (Status st = o.finish(); !st.is_ok()) return st;
  if (Status st = o.make_ring(&o.ring); !st.is_ok()) return st;
  out->tick = int64_t{o.tick_ms} * 1'000'000;
  out->has_leader = false;
  out->make_node = [o](SimCluster& cluster, size_t index) -> std::unique_ptr<SimNode> {
    return std::make_unique<CoreSimNode<DhtTraits>>(cluster, index, o);
  };
  return Status::ok();
}

}  // namespace faultline::sim
