#include "targets/raftkv/server/raft_node.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <random>

#include "targets/common/server_commands.h"

namespace faultline::raftkv {

namespace asio = boost::asio;
using common::error_reply;
using raft::Ready;
using raft::Role;
RaftNode::RaftNode(asio::io_context& io, ServerOptions options)
    : io_(io),
      options_(std::move(options)),
      tick_timer_(io),
      wall_tick_timer_(io),
      lease_(options_.election_ms / options_.heartbeat_ms) {}

Status RaftNode::create(asio::io_context& io, ServerOptions options,
                        std::unique_ptr<RaftNode>* out) {
  std::unique_ptr<RaftNode> node(new RaftNode(io, std::move(options)));
  const ServerOptions& o = node->options_;
  std::error_code ec;  // DurableStorage creates only the last level itself
  std::filesystem::create_directories(std::filesystem::path(o.data_dir).parent_path(), ec);
  // Preallocated WAL segments: each group commit's fdatasync then writes data
  // in place, with no file-system metadata to write back.
  if (Status s = raft::storage::DurableStorage::open(
          common::posix_env(), o.data_dir, {.wal = {.preallocate = true}}, &node->storage_);
      !s.is_ok()) {
    return s;
  }
  if (!node->storage_->recovery_note().empty()) {
    spdlog::warn("recovery: {}", node->storage_->recovery_note());
  }
  const raft::Snapshot snapshot = node->storage_->snapshot();
  if (snapshot.metadata.index > 0) {
    if (Status s = node->kv_.restore(snapshot.data); !s.is_ok()) return s;
    node->applied_ = snapshot.metadata.index;
  }
  raft::Config config;
  config.id = o.id;
  for (const auto& [id, address] : o.peers) config.peers.push_back(id);
  config.heartbeat_tick = 1;  // the timer ticks once per heartbeat interval
  config.election_tick = o.election_ms / o.heartbeat_ms;
  config.random = SplitMix64(std::random_device{}() ^ (o.id << 32));
  config.applied = node->applied_;
  config.unsafe_stale_read = o.failpoints.stale_read;
  // stale-read is the classic deposed-leader bug whole: without check-quorum
  // a leader cut off from the majority never learns it was replaced, and
  // keeps answering reads (with ReadIndex it could not; see the README).
  config.check_quorum = !o.failpoints.stale_read;
  config.check_invariants = false;  // O(log) per input; the tests check them
  config.unsafe_commit_any_term = o.failpoints.commit_any_term;
  if (Status s = raft::Raft::create(std::move(config), *node->storage_, &node->raft_); !s.is_ok()) {
    return s;
  }
  const raft::HardState hs = node->storage_->hard_state();
  spdlog::info("node {}: recovered term {}, vote {}, commit {}, snapshot {}, log [{}, {}]", o.id,
               hs.term, hs.vote, hs.commit, snapshot.metadata.index, node->storage_->first_index(),
               node->storage_->last_index());
  *out = std::move(node);
  return Status::ok();
}

Status RaftNode::start() {
  transport_ = std::make_unique<PeerTransport>(
      io_, options_.id, options_.peers, [this](raft::Message m) { on_message(std::move(m)); });
  if (Status s = transport_->start(); !s.is_ok()) return s;
  listener_ = std::make_unique<common::ClientListener>(io_, options_.client_addr, *this);
  if (Status s = listener_->start(); !s.is_ok()) return s;
  tick_timer_.expires_at(asio::steady_timer::clock_type::now());
  schedule_tick();
  return Status::ok();
}

void RaftNode::schedule_tick() {
  const auto interval = std::chrono::milliseconds(options_.heartbeat_ms);
  auto on_tick = [this](boost::system::error_code ec) {
    if (ec) return;
    tick();
    schedule_tick();
  };
  if (options_.failpoints.lease_read) {
    // The failpoint's ticker (TickLease): the wall clock, which libfaketime
    // (the clock nemesis) moves, and one interval from now, so that missed
    // ticks are dropped, as Go's time.Ticker drops them.
    wall_tick_timer_.expires_after(interval);
    wall_tick_timer_.async_wait(on_tick);
  } else {
    // From the last expiry, not from now: missed ticks (a busy or stopped
    // process) come one per event-loop pass until they caught up.
    tick_timer_.expires_at(tick_timer_.expiry() + interval);
    tick_timer_.async_wait(on_tick);
  }
}

void RaftNode::tick() {
  raft_->tick();
  lease_.tick();
  if (options_.failpoints.lease_read && raft_->role() == Role::kLeader) {
    // The leader renews its lease every tick with a ReadIndex round of its
    // own (no reads wait on it), so that the lease is always nearly whole.
    const uint64_t context = next_read_context_++;
    lease_.round_started(context);
    raft_->read_index(context);
  }
  schedule_ready();
}

void RaftNode::on_message(raft::Message m) {
  if (Status s = raft_->step(m); !s.is_ok()) {
    spdlog::warn("step {} from {}: {}", raft::to_string(m.type), m.from, s.message());
  }
  schedule_ready();
}

void RaftNode::schedule_ready() {
  if (ready_scheduled_) return;
  ready_scheduled_ = true;
  asio::post(io_, [this] {
    ready_scheduled_ = false;
    process_ready();
  });
}

void RaftNode::start_batched_reads() {
  if (read_batch_.empty()) return;
  const uint64_t context = next_read_context_++;
  lease_.round_started(context);
  if (raft_->read_index(context) == raft::ReadIndexStatus::kNotLeader) {
    for (const PendingRead& r : read_batch_) r.reply.send(not_leader_error());
    read_batch_.clear();
    return;
  }
  reads_by_context_[context] = std::move(read_batch_);
  read_batch_.clear();
}

void RaftNode::process_ready() {
  start_batched_reads();
  while (raft_->has_ready()) {
    Ready rd = raft_->ready();
    // 0. A leader's appends and heartbeats go out at once, so that the
    //    followers write to their disks while this node writes to its own.
    for (const raft::Message& m : rd.early_messages) transport_->send(m);
    // 0b. Committed entries this node made durable in an earlier Ready are
    //     applied and answered before this Ready's sync (a group commit's
    //     clients must not wait for the next one's fsync), and so are the
    //     reads they unblock. See apply_durable_prefix.
    const size_t applied_early = apply_durable_prefix(rd);
    // 1. Persist, durably (when the Ready must sync), before anything else is
    //    sent or acknowledged.
    if (Status s = persist(rd); !s.is_ok()) {
      spdlog::critical("persisting to {} failed: {}; exiting", options_.data_dir, s.message());
      std::exit(1);
    }
    // 2. Send.
    for (const raft::Message& m : rd.messages) transport_->send(m);
    if (rd.soft_state) on_soft_state(*rd.soft_state);
    // 3. Apply.
    if (rd.snapshot) restore_snapshot(*rd.snapshot);
    for (size_t k = applied_early; k < rd.committed_entries.size(); ++k) {
      apply_entry(rd.committed_entries[k]);
    }
    // 4. Reads whose read index is known.
    take_read_states(rd);
    serve_applied_reads();
    // 5.
    raft_->advance(rd);
    maybe_snapshot();
  }
}

size_t RaftNode::apply_durable_prefix(Ready& rd) {
  // Every Ready with entries syncs before the next Ready is taken, so the
  // committed entries before rd.entries (all of them if it has none) are
  // durable here already, and committed means a quorum has them: applying
  // them depends on nothing this Ready persists. (A leader's committed
  // entries are always such: it counts its own log only from advance() on.)
  // Only the entries rd.entries brings in (a follower learning entries and
  // their commit in one append) must wait for step 1. A snapshot or a role
  // change (which fails pending reads) keeps the documented order.
  if (rd.snapshot || rd.soft_state) return 0;
  const uint64_t first_new = rd.entries.empty() ? UINT64_MAX : rd.entries.front().index;
  size_t k = 0;
  while (k < rd.committed_entries.size() && rd.committed_entries[k].index < first_new) {
    apply_entry(rd.committed_entries[k++]);
  }
  take_read_states(rd);
  serve_applied_reads();
  return k;
}

void RaftNode::take_read_states(Ready& rd) {
  for (const raft::ReadState& rs : rd.read_states) {
    lease_.round_confirmed(rs.context);
    const auto it = reads_by_context_.find(rs.context);
    if (it == reads_by_context_.end()) continue;
    for (PendingRead& r : it->second) {
      reads_by_index_.emplace(std::max(rs.index, r.min_index), std::move(r));
    }
    reads_by_context_.erase(it);
  }
  rd.read_states.clear();
}

Status RaftNode::persist(Ready& rd) {
  if (!rd.snapshot && rd.entries.empty() && !rd.hard_state) return Status::ok();
  if (!options_.failpoints.no_persist_vote || !rd.hard_state) {
    if (Status s = raft::persist_ready(rd, *storage_); !s.is_ok()) return s;
    // A commit-index-only change stays buffered until the next sync.
    return rd.must_sync ? storage_->sync() : Status::ok();
  }
  // no-persist-vote: term and vote changes are not written. The stored term
  // only rises as far as the log's last term (a restart refuses a log whose
  // terms are past the current term), and the vote is forgotten whenever the
  // stored term moves, so a restarted node can vote twice in one term. That
  // hard state goes in the same write as the entries, as a real one does:
  // written after them, a SIGKILL in between left a log recovery refuses.
  std::optional<raft::HardState> real = std::move(rd.hard_state);
  const raft::HardState stored = storage_->hard_state();
  uint64_t last_term = storage_->term(storage_->last_index()).value_or(0);
  if (!rd.entries.empty()) last_term = std::max(last_term, rd.entries.back().term);
  if (rd.snapshot) last_term = std::max(last_term, rd.snapshot->metadata.term);
  raft::HardState forgetful = stored;
  forgetful.commit = real->commit;
  forgetful.term = std::max(stored.term, last_term);
  if (forgetful.term != stored.term) forgetful.vote = raft::kNoNode;
  if (forgetful != stored) rd.hard_state = forgetful;
  Status s = raft::persist_ready(rd, *storage_);
  rd.hard_state = std::move(real);
  if (!s.is_ok()) return s;
  return rd.must_sync ? storage_->sync() : Status::ok();
}

void RaftNode::on_soft_state(const raft::SoftState& soft) {
  spdlog::info("node {}: {} in term {}, leader {}", options_.id, raft::to_string(soft.role),
               raft_->term(), soft.leader);
  lease_.rounds_dropped();
  if (soft.role == Role::kLeader) return;
  // A read that has not completed never will: the core drops them on
  // stepping down. Proposals stay: their entries may still commit, and
  // apply_entry tells by the term whether they did.
  const std::string error = not_leader_error();
  for (const PendingRead& r : read_batch_) r.reply.send(error);
  read_batch_.clear();
  for (const auto& [context, reads] : reads_by_context_) {
    for (const PendingRead& r : reads) r.reply.send(error);
  }
  reads_by_context_.clear();
  for (const auto& [index, r] : reads_by_index_) r.reply.send(error);
  reads_by_index_.clear();
}

void RaftNode::restore_snapshot(const raft::Snapshot& snapshot) {
  if (Status s = kv_.restore(snapshot.data); !s.is_ok()) {
    // The core accepted it and storage persisted it: continuing would serve
    // a state that matches no log prefix.
    spdlog::critical("snapshot at {} does not restore: {}; exiting", snapshot.metadata.index,
                     s.message());
    std::exit(1);
  }
  applied_ = snapshot.metadata.index;
  ++snapshots_installed_;
  spdlog::info("installed snapshot at index {} (term {})", snapshot.metadata.index,
               snapshot.metadata.term);
  // Proposals the snapshot covers were either applied inside it or lost.
  while (!proposals_.empty() && proposals_.begin()->first <= applied_) {
    proposals_.begin()->second.reply.send(error_reply(
        "ERR outcome unknown: a snapshot from the leader replaced the log before this write "
        "was seen to commit"));
    proposals_.erase(proposals_.begin());
  }
}

void RaftNode::apply_entry(const raft::Entry& e) {
  std::string reply;
  if (e.type == raft::EntryType::kCommand) {
    if (Status s = kv_.apply(e.data, &reply); !s.is_ok()) {
      spdlog::error("entry {} (term {}) does not apply: {}", e.index, e.term, s.message());
      reply = error_reply("ERR " + s.message());
    }
  }
  applied_ = e.index;
  const auto it = proposals_.find(e.index);
  if (it == proposals_.end()) return;
  if (it->second.term == e.term) {
    if (!it->second.early_reads.empty()) reply = splice_txn_reply(it->second.early_reads, reply);
    it->second.reply.send(std::move(reply));
  } else {
    it->second.reply.send(dropped_write_error());
  }
  proposals_.erase(it);
}

void RaftNode::serve_applied_reads() {
  while (!reads_by_index_.empty() && reads_by_index_.begin()->first <= applied_) {
    std::string reply;
    kv_.read(reads_by_index_.begin()->second.command, &reply);
    if (options_.failpoints.read_cache)
      remember_read(reads_by_index_.begin()->second.command, reply);
    reads_by_index_.begin()->second.reply.send(std::move(reply));
    reads_by_index_.erase(reads_by_index_.begin());
  }
}

void RaftNode::maybe_snapshot() {
  const uint64_t snapshot_index = storage_->snapshot_metadata().index;
  if (applied_ < snapshot_index + options_.snapshot_threshold) return;
  Status s = raft_->compact(applied_, kv_.snapshot());
  if (s.is_ok()) s = storage_->sync();
  if (!s.is_ok()) {
    spdlog::critical("snapshot at {} failed: {}; exiting", applied_, s.message());
    std::exit(1);
  }
  spdlog::info("snapshot at index {} ({} keys); log compacted", applied_, kv_.key_count());
}

// read-cache failpoint: a cache in front of the state machine that is never
// invalidated by writes, only aged out — stale for up to kReadCacheMs after
// any write, with no fault injected at all.
static std::vector<std::string> read_cache_key(const kv::Command& read) {
  std::vector<std::string> key = read.args;
  key.push_back(std::string(kv::command_name(read.op)));
  return key;
}

bool RaftNode::serve_cached_read(const kv::Command& read, common::ReplyHandle& reply) {
  const auto it = read_cache_.find(read_cache_key(read));
  if (it == read_cache_.end() ||
      std::chrono::steady_clock::now() - it->second.at > std::chrono::milliseconds(kReadCacheMs))
    return false;
  ++cached_reads_;
  reply.send(std::string(it->second.reply));
  return true;
}

void RaftNode::remember_read(const kv::Command& read, const std::string& reply) {
  read_cache_[read_cache_key(read)] = CachedReply{std::chrono::steady_clock::now(), reply};
}

}  // namespace faultline::raftkv
