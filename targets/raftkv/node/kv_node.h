// KvNode: one raftkv node without any I/O of its own — the raft::Raft core,
// its DurableStorage (over whatever common::Env it is given) and the KvState,
// plus everything the server does to turn client commands into proposals and
// reads and to answer them, the unsafe failpoints included. Two drivers run
// it: the server shell (server/raft_node.h: sockets, timers, the POSIX file
// system) and the simulator (harness/sim: messages, virtual time, a disk that
// loses unsynced writes on a crash). Sharing it is what makes a simulated
// cluster run the same logic as a real one.
//
// The driver feeds inputs — tick(), step(), handle() — and, whenever the
// host's schedule_ready() was called, calls process_ready() soon after (once
// for many inputs: inputs arriving together are batched into one Ready). It
// carries out every Ready in the order raft/README.md demands:
//
//   0. send the Ready's early messages (a leader's appends and heartbeats), so
//      that followers persist in parallel with the leader,
//   0b. apply the committed entries an earlier Ready made durable and answer
//      their clients (and the reads waiting for them) without waiting for
//      this Ready's sync,
//   1. persist through DurableStorage, with one sync() per Ready that must
//      sync (group commit; a commit-index-only change waits for the next),
//   2. send the other messages,
//   3. restore a received snapshot, apply the other committed entries to the
//      KvState and answer the clients whose proposals they are,
//   4. answer ReadIndex reads once the applied index reaches their index,
//   5. advance, then snapshot + compact once `snapshot_threshold` entries were
//      applied since the last snapshot.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "targets/common/env.h"
#include "targets/kvstate/kv_session.h"
#include "targets/kvstate/kv_state.h"
#include "targets/raftkv/failpoints.h"
#include "targets/raftkv/node/read_lease.h"
#include "targets/raftkv/raft/raft.h"
#include "targets/raftkv/storage/durable_storage.h"

namespace faultline::raftkv {

// Where the reply to one client request goes: a connection's ReplyHandle in
// the server (common/client_listener.h says what overlap() and
// after_unanswered() mean), a message back to the client in the simulator.
class ClientReply {
 public:
  ClientReply(std::function<void(std::string)> send, std::function<void()> overlap,
              bool after_unanswered)
      : send_(std::move(send)), overlap_(std::move(overlap)), after_unanswered_(after_unanswered) {}
  void send(std::string reply) const { send_(std::move(reply)); }
  void overlap() const {
    if (overlap_) overlap_();
  }
  bool after_unanswered() const { return after_unanswered_; }

 private:
  std::function<void(std::string)> send_;
  std::function<void()> overlap_;
  bool after_unanswered_;
};

// What the node asks of its driver.
class KvNodeHost {
 public:
  virtual ~KvNodeHost() = default;
  // Sends `message` to peer message.to; it may be lost, delayed or duplicated.
  // Its own (moved out of the Ready), so a driver may keep it without a copy.
  virtual void send(raft::Message message) = 0;
  // Call process_ready() soon: after the inputs already queued, once for all.
  virtual void schedule_ready() = 0;
  // A monotonic clock in ms (the read-cache failpoint ages its entries).
  virtual int64_t now_ms() = 0;
  // Where node `id` serves clients ("host:port"), for -NOTLEADER redirects and
  // INFO; "" when unknown.
  virtual std::string client_address(uint64_t id) = 0;
};

struct KvNodeOptions {
  uint64_t id = 0;
  std::vector<uint64_t> peers;  // every voter, this node included
  int election_ticks = 10;      // the election timeout in heartbeat ticks
  int64_t tick_ms = 100;        // a tick (heartbeat-ms): lease-from-ack's lease is in ms
  uint64_t snapshot_threshold = 10000;
  uint64_t max_append_entries = 64;  // raft Config::max_entries_per_append
  Failpoints failpoints;
  uint64_t seed = 0;  // the election jitter's
  raft::storage::DurableStorageOptions storage;
};

class KvNode {
 public:
  // Recovers the node from `data_dir` on `env` (refusing a damaged
  // directory) and builds its core. `env` and `host` outlive the node.
  static Status create(KvNodeOptions options, common::Env* env, const std::string& data_dir,
                       KvNodeHost& host, std::unique_ptr<KvNode>* out);

  // One heartbeat interval passed.
  void tick();
  // A message from a peer.
  void step(const raft::Message& message);
  // A KV command of a client connection (kv_node_commands.cc): served on the
  // leader, -NOTLEADER elsewhere (but for reads under the follower-read and
  // lease-read failpoints). Server-level commands (INFO, PING) are the
  // driver's.
  void handle(std::vector<std::string> request, kv::Session& session, ClientReply reply);
  // Carries out every Ready the core has (see above). An error means the
  // node's disk failed or a snapshot did not restore: the process must stop
  // and recover from its directory.
  Status process_ready();

  // The INFO reply's text (README.md lists the fields).
  std::string info() const;
  raft::Role role() const { return raft_->role(); }
  uint64_t term() const { return raft_->term(); }
  uint64_t applied() const { return applied_; }
  // The core, for drivers that watch its state (faultline sim aims faults at
  // moments of it).
  const raft::Raft& raft() const { return *raft_; }

 private:
  struct PendingProposal {
    uint64_t term;
    ClientReply reply;
    // early-txn-reads: per command of the transaction, the reply of a read
    // answered at EXEC, or "" for a write (its reply comes from the entry).
    std::vector<std::string> early_reads;
  };
  struct PendingRead {
    kv::Command command;
    ClientReply reply;
    // The last log index when the read arrived after unanswered (pipelined)
    // writes of its connection, else 0: it is served only once that is
    // applied, so that it sees those writes.
    uint64_t min_index = 0;
  };

  KvNode(KvNodeOptions options, KvNodeHost& host);

  // kv_node.cc: the Ready loop.
  void start_batched_reads();
  // Applies the committed entries that need nothing from `ready`'s sync, and
  // serves the reads that unblocks; returns how many entries it applied.
  size_t apply_durable_prefix(raft::Ready& ready);
  // Moves `ready`'s read states to reads_by_index_ (and clears them).
  void take_read_states(raft::Ready& ready);
  Status persist(raft::Ready& ready);
  void on_soft_state(const raft::SoftState& soft);
  // The lease failpoints' time: lease-from-ack's steady clock in ms, else
  // this node's raft ticks.
  int64_t lease_now() const;
  // Whether a lease failpoint lets this node read locally now.
  bool lease_holds() const;
  Status restore_snapshot(const raft::Snapshot& snapshot);
  void apply_entry(const raft::Entry& entry);
  void serve_applied_reads();
  Status maybe_snapshot();
  // read-cache failpoint: answers `read` from the cache if it holds a fresh
  // reply (true), and remembers a reply served.
  bool serve_cached_read(const kv::Command& read, const ClientReply& reply);
  void remember_read(const kv::Command& read, const std::string& reply);

  // kv_node_commands.cc
  void handle_kv(std::vector<std::string> request, kv::Session& session, ClientReply reply);
  // The early-txn-reads failpoint: answers the reads of a MULTI/EXEC batch
  // `entry` from the applied state now, into *early_reads, and leaves only
  // its writes in *entry ("" if none).
  void answer_txn_reads_early(std::string* entry, std::vector<std::string>* early_reads) const;
  // The EXEC reply from the early reads and the writes' applied reply.
  static std::string splice_txn_reply(const std::vector<std::string>& early_reads,
                                      const std::string& applied);
  std::string not_leader_error() const;
  // A proposal whose index another leader's entry took: it never committed.
  static std::string dropped_write_error();
  static std::string error_reply(std::string_view message);

  KvNodeOptions options_;
  KvNodeHost& host_;
  // The no-fsync failpoint's Env (common::no_sync_env); outlives storage_.
  std::unique_ptr<common::Env> no_sync_env_;
  std::unique_ptr<raft::storage::DurableStorage> storage_;
  std::unique_ptr<raft::Raft> raft_;
  kv::KvState kv_;
  uint64_t applied_ = 0;  // the last entry applied to kv_
  uint64_t snapshots_installed_ = 0;
  uint64_t lease_reads_ = 0;     // reads the lease-read failpoint served locally
  uint64_t follower_reads_ = 0;  // reads the follower-read failpoint served locally
  uint64_t cached_reads_ = 0;    // reads the read-cache failpoint answered from its cache
  // read-cache failpoint: the last reply to each read command, and when (ms).
  struct CachedReply {
    int64_t at;
    std::string reply;
  };
  std::map<std::vector<std::string>, CachedReply> read_cache_;

  std::map<uint64_t, PendingProposal> proposals_;  // by log index
  std::vector<PendingRead> read_batch_;            // reads not yet given a read_index
  std::map<uint64_t, std::vector<PendingRead>> reads_by_context_;
  std::multimap<uint64_t, PendingRead> reads_by_index_;  // read index known, not applied yet
  uint64_t next_read_context_ = 1;

  // The lease failpoints' lease, and the time it is given (lease_now).
  ReadLease lease_;
  int64_t ticks_ = 0;
};

}  // namespace faultline::raftkv
