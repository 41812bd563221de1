// paxos in faultline sim: each node the CASPaxos core (targets/paxos/core)
// over its acceptor log, serving clients through PaxosKv, the command logic
// of faultline-paxos, with the server's timing and the core Config the
// server builds (PaxosServerOptions). Aimed message: a granted promise that
// preempts another node's open round (paxos::preempts_open_round), the only
// promise whose loss can matter and the one the real crash point fires after.
#include <fmt/format.h>

#include "harness/db/paxos_db.h"
#include "harness/sim/core_sim_node.h"
#include "harness/sim/sim_target.h"
#include "targets/paxos/kv/paxos_kv.h"
#include "targets/paxos/server/paxos_options.h"
#include "targets/paxos/storage/durable_acceptor_store.h"

namespace faultline::sim {

namespace {

struct PaxosTraits {
  using Node = paxos::Node;
  using Store = paxos::DurableAcceptorStore;
  using Kv = paxos::PaxosKv;
  using Options = paxos::PaxosServerOptions;

  static paxos::Config config(const Options& o, uint64_t seed) { return o.core_config(seed); }
  static std::unique_ptr<Kv> make_kv(const Options& o) { return std::make_unique<Kv>(o.tick_ms); }
  static void handle(Kv& kv, Node& node, std::vector<std::string> command, kv::Session& session,
                     common::SendReply reply) {
    kv.handle(node, std::move(command), session, std::move(reply));
  }
  static bool aimed(const paxos::Message& m) { return paxos::preempts_open_round(m, m.from); }
};

}  // namespace

Status paxos_sim_target(const TestConfig& config, SimTarget* out) {
  PaxosOptions p;
  if (Status st = parse_paxos_options(config.opts, &p); !st.is_ok()) return st;
  paxos::PaxosServerOptions o;  // the server's defaults, as PaxosDb starts it
  for (int i = 1; i <= config.nodes; ++i)
    o.nodes[static_cast<uint64_t>(i)] = {fmt::format("n{}", i), 7300};
  o.id = 1;
  o.data_dir = "/data";
  o.timeout_ms = p.timeout_ms;
  o.retry_ms = p.retry_ms;
  for (const std::string& name : p.failpoints)
    if (Status st = paxos::enable_failpoint(name, &o.failpoints); !st.is_ok()) return st;
  if (Status st = o.finish(); !st.is_ok()) return st;
  out->tick = int64_t{o.tick_ms} * 1'000'000;
  out->has_leader = false;
  out->make_node = [o](SimCluster& cluster, size_t index) -> std::unique_ptr<SimNode> {
    return std::make_unique<CoreSimNode<PaxosTraits>>(cluster, index, o);
  };
  return Status::ok();
}

}  // namespace faultline::sim
