// RaftNode: the heart of faultline-raftkv. It drives one raft::Raft core on
// one io_context: ticks it from a timer, feeds it peer messages and client
// requests, and carries out every Ready in the order raft/README.md demands:
//
//   0. send the Ready's early messages (a leader's appends and heartbeats), so
//      that followers persist in parallel with the leader,
//   0b. apply the committed entries an earlier Ready made durable and answer
//      their clients (and the reads waiting for them) without waiting for
//      this Ready's sync,
//   1. persist through DurableStorage, with one sync() per Ready that must
//      sync (group commit; a commit-index-only change waits for the next),
//   2. send the other messages (PeerTransport),
//   3. restore a received snapshot, apply the other committed entries to the
//      KvState and answer the clients whose proposals they are,
//   4. answer ReadIndex reads once the applied index reaches their index,
//   5. advance, then snapshot + compact once `snapshot_threshold` entries were
//      applied since the last snapshot.
//
// Inputs arriving together are batched into one Ready: handling is posted once
// to run after the io_context's already-queued completions.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "targets/common/asio.h"
#include "targets/common/client_listener.h"
#include "targets/kvstate/kv_state.h"
#include "targets/raftkv/raft/raft.h"
#include "targets/raftkv/server/peer_transport.h"
#include "targets/raftkv/server/server_options.h"
#include "targets/raftkv/server/tick_lease.h"
#include "targets/raftkv/storage/durable_storage.h"

namespace faultline::raftkv {

class RaftNode : public common::CommandHandler {
 public:
  // Recovers the node from options.data_dir (refusing a damaged directory)
  // and builds its core; start() opens the sockets.
  static Status create(boost::asio::io_context& io, ServerOptions options,
                       std::unique_ptr<RaftNode>* out);
  Status start();

  // CommandHandler (raft_node_commands.cc): INFO, COMMAND, CONFIG GET and PING
  // on any node; the KV commands on the leader, -NOTLEADER elsewhere (but for
  // reads under the follower-read failpoint).
  void handle(std::vector<std::string> request, kv::Session& session,
              common::ReplyHandle reply) override;

 private:
  struct PendingProposal {
    uint64_t term;
    common::ReplyHandle reply;
    // early-txn-reads: per command of the transaction, the reply of a read
    // answered at EXEC, or "" for a write (its reply comes from the entry).
    std::vector<std::string> early_reads;
  };
  struct PendingRead {
    kv::Command command;
    common::ReplyHandle reply;
    // The last log index when the read arrived after unanswered (pipelined)
    // writes of its connection, else 0: it is served only once that is
    // applied, so that it sees those writes.
    uint64_t min_index = 0;
  };

  RaftNode(boost::asio::io_context& io, ServerOptions options);

  // raft_node.cc: the Ready loop.
  void tick();
  // Waits for the next tick.
  void schedule_tick();
  void on_message(raft::Message message);
  void schedule_ready();
  void process_ready();
  void start_batched_reads();
  // Applies the committed entries that need nothing from `ready`'s sync, and
  // serves the reads that unblocks; returns how many entries it applied.
  size_t apply_durable_prefix(raft::Ready& ready);
  // Moves `ready`'s read states to reads_by_index_ (and clears them).
  void take_read_states(raft::Ready& ready);
  Status persist(raft::Ready& ready);
  void on_soft_state(const raft::SoftState& soft);
  void restore_snapshot(const raft::Snapshot& snapshot);
  void apply_entry(const raft::Entry& entry);
  void serve_applied_reads();
  void maybe_snapshot();
  // read-cache failpoint: answers `read` from the cache if it holds a fresh
  // reply (true), and remembers a reply served.
  bool serve_cached_read(const kv::Command& read, common::ReplyHandle& reply);
  // The early-txn-reads failpoint: answers the reads of a MULTI/EXEC batch
  // `entry` from the applied state now, into *early_reads, and leaves only
  // its writes in *entry ("" if none).
  void answer_txn_reads_early(std::string* entry, std::vector<std::string>* early_reads) const;
  // The EXEC reply from the early reads and the writes' applied reply.
  static std::string splice_txn_reply(const std::vector<std::string>& early_reads,
                                      const std::string& applied);
  void remember_read(const kv::Command& read, const std::string& reply);

  // raft_node_commands.cc
  void handle_kv(std::vector<std::string> request, kv::Session& session, common::ReplyHandle reply);
  std::string info() const;
  std::string not_leader_error() const;
  // A proposal whose index another leader's entry took: it never committed.
  static std::string dropped_write_error();

  boost::asio::io_context& io_;
  ServerOptions options_;
  std::unique_ptr<raft::storage::DurableStorage> storage_;
  std::unique_ptr<raft::Raft> raft_;
  kv::KvState kv_;
  uint64_t applied_ = 0;  // the last entry applied to kv_
  uint64_t snapshots_installed_ = 0;
  uint64_t lease_reads_ = 0;     // reads the lease-read failpoint served locally
  uint64_t follower_reads_ = 0;  // reads the follower-read failpoint served locally
  uint64_t cached_reads_ = 0;    // reads the read-cache failpoint answered from its cache
  // read-cache failpoint: the last reply to each read command, and when.
  struct CachedReply {
    std::chrono::steady_clock::time_point at;
    std::string reply;
  };
  std::map<std::vector<std::string>, CachedReply> read_cache_;

  std::unique_ptr<PeerTransport> transport_;
  std::unique_ptr<common::ClientListener> listener_;
  // Raft's ticks: from the steady clock — or, under the lease-read
  // failpoint, from the wall clock (TickLease says why).
  boost::asio::steady_timer tick_timer_;
  boost::asio::system_timer wall_tick_timer_;
  bool ready_scheduled_ = false;

  std::map<uint64_t, PendingProposal> proposals_;  // by log index
  std::vector<PendingRead> read_batch_;            // reads not yet given a read_index
  std::map<uint64_t, std::vector<PendingRead>> reads_by_context_;
  std::multimap<uint64_t, PendingRead> reads_by_index_;  // read index known, not applied yet
  uint64_t next_read_context_ = 1;

  TickLease lease_;  // lease-read failpoint
};

}  // namespace faultline::raftkv
