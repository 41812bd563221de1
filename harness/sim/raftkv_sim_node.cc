// raftkv in faultline sim: each node a raftkv::KvNode — the Raft core, its
// DurableStorage and the KV state machine with the client logic of the
// faultline-raftkv server (whose server/raft_node.cc is only the socket and
// timer shell around the same KvNode), ticked as that shell ticks it.
// Aimed at: a granted vote (a kill); a leader's Ready with new entries of
// its term, and its commit of an entry of an earlier term (stalls: the
// schedule of the Raft paper's Figure 8).
#include <fmt/format.h>

#include "harness/db/raftkv_db.h"
#include "harness/sim/sim_target.h"
#include "targets/raftkv/node/kv_node.h"

namespace faultline::sim {

namespace {

struct RaftkvSimOptions {
  int election_ticks = 10;  // election-ms / heartbeat-ms
  int64_t tick_ms = 100;    // heartbeat-ms
  uint64_t snapshot_threshold = 10000;
  uint64_t max_append_entries = 64;
  raftkv::Failpoints failpoints;
};

class RaftkvSimNode : public SimNode, public raftkv::KvNodeHost {
 public:
  RaftkvSimNode(SimCluster& cluster, size_t index, RaftkvSimOptions options)
      : SimNode(cluster, index), options_(options) {}

  // KvNodeHost
  void send(raft::Message m) override {
    const auto to = static_cast<size_t>(m.to - 1);
    const bool aimed = m.type == raft::MessageType::kVoteResponse && !m.reject;
    SimNode::send(
        to, [m = std::move(m)](SimNode& node) { static_cast<RaftkvSimNode&>(node).step(m); },
        aimed);
  }
  void schedule_ready() override { SimNode::schedule_ready(); }
  int64_t now_ms() override { return now() / 1'000'000; }
  std::string client_address(uint64_t id) override { return cluster().client_address(id); }

 protected:
  Status recover(common::Env* env, const std::string& dir, uint64_t seed) override {
    raftkv::KvNodeOptions o;
    o.id = index() + 1;
    for (size_t i = 0; i < cluster().names().size(); ++i) o.peers.push_back(i + 1);
    o.election_ticks = options_.election_ticks;
    o.tick_ms = options_.tick_ms;
    o.snapshot_threshold = options_.snapshot_threshold;
    o.max_append_entries = options_.max_append_entries;
    o.failpoints = options_.failpoints;
    o.seed = seed;
    o.storage.wal.segment_bytes = 256 << 10;  // small files: old ones go after a snapshot
    return raftkv::KvNode::create(std::move(o), env, dir, *this, &node_);
  }
  void forget() override { node_.reset(); }
  void tick() override { node_->tick(); }
  void handle(std::vector<std::string> command, kv::Session& session,
              common::SendReply reply) override {
    node_->handle(std::move(command), session,
                  raftkv::ClientReply(std::move(reply), nullptr, false));
  }
  // A leader's Ready with entries of its term that no one has yet (its
  // no-op after winning, a client's command): stalled, they stay on it alone
  // while another node may win the next term and append a different entry
  // at the same index — Figure 8's first two steps.
  Status process_ready() override {
    if (primary() && !node_->raft().log().unstable_entries().empty()) aim(Aim::kStall);
    return node_->process_ready();
  }
  bool primary() const override { return node_->role() == raft::Role::kLeader; }
  // The server's tickers (server/raft_node.cc, schedule_tick): lease-read's
  // on the wall clock and lease-from-ack's on the steady clock drop missed
  // ticks; the correct server's catches up.
  Ticker ticker() const override {
    if (options_.failpoints.lease_read) return Ticker::kWallClock;
    if (options_.failpoints.lease_from_ack) return Ticker::kSkipMissed;
    return Ticker::kCatchUp;
  }

 private:
  // Steps `m`. A leader whose commit index it moves to an entry of an
  // earlier term (which only counting replicas of that entry does:
  // commit-any-term) is aimed at: stalled, it acknowledges its clients but
  // its own term's entry reaches no one, so a node holding a different
  // entry at that index from a term in between can still win — Figure 8's
  // last step.
  void step(const raft::Message& m) {
    const raft::RaftLog& log = node_->raft().log();
    const uint64_t before = log.committed();
    node_->step(m);
    if (primary() && log.committed() > before &&
        log.term(log.committed()).value_or(node_->term()) < node_->term())
      aim(Aim::kStall);
  }

  RaftkvSimOptions options_;
  std::unique_ptr<raftkv::KvNode> node_;
};

}  // namespace

Status raftkv_sim_target(const TestConfig& config, SimTarget* out) {
  RaftkvOptions r;
  if (Status st = parse_raftkv_options(config.opts, &r); !st.is_ok()) return st;
  RaftkvSimOptions options;
  options.election_ticks = r.election_ms / r.heartbeat_ms;
  options.tick_ms = r.heartbeat_ms;
  for (size_t i = 0; i + 1 < r.extra_args.size(); i += 2) {
    const std::string& flag = r.extra_args[i];
    const std::string& value = r.extra_args[i + 1];
    if (flag == "--unsafe-failpoint") {
      if (Status st = raftkv::enable_failpoint(value, &options.failpoints); !st.is_ok()) return st;
    } else if (flag == "--snapshot-threshold") {
      options.snapshot_threshold = std::stoull(value);  // parse_raftkv_options checked it
    } else if (flag == "--max-append-entries") {
      options.max_append_entries = std::stoull(value);
    }
  }
  out->tick = int64_t{r.heartbeat_ms} * 1'000'000;
  out->has_leader = true;
  out->make_node = [options](SimCluster& cluster, size_t index) -> std::unique_ptr<SimNode> {
    return std::make_unique<RaftkvSimNode>(cluster, index, options);
  };
  return Status::ok();
}

}  // namespace faultline::sim
