// KvNode: see kv_node.h. This file: creation, the inputs and the Ready loop.
#include "targets/raftkv/node/kv_node.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>

namespace faultline::raftkv {

using raft::Ready;
using raft::Role;

KvNode::KvNode(KvNodeOptions options, KvNodeHost& host)
    : options_(std::move(options)),
      host_(host),
      // Two ticks short of an election timeout: a follower's first tick may
      // come right after the heartbeat, and rounding a start to a tick costs
      // one more.
      lease_(std::max(options_.election_ticks - 2, 0) *
                 (options_.failpoints.lease_from_ack ? options_.tick_ms : 1),
             options_.failpoints.lease_from_ack ? ReadLease::Start::kFromAck
                                                : ReadLease::Start::kFromRoundStart,
             /*keep_on_step_down=*/options_.failpoints.lease_read) {}

Status KvNode::create(KvNodeOptions options, common::Env* env, const std::string& data_dir,
                      KvNodeHost& host, std::unique_ptr<KvNode>* out) {
  std::unique_ptr<KvNode> node(new KvNode(std::move(options), host));
  const KvNodeOptions& o = node->options_;
  // The no-fsync failpoint acknowledges what it never made durable: over the
  // simulator's disk too, whose crash then loses those writes.
  if (o.failpoints.no_fsync) {
    node->no_sync_env_ = common::no_sync_env(env);
    env = node->no_sync_env_.get();
  }
  if (Status s = raft::storage::DurableStorage::open(env, data_dir, o.storage, &node->storage_);
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
  config.peers = o.peers;
  config.heartbeat_tick = 1;  // the driver ticks once per heartbeat interval
  config.election_tick = o.election_ticks;
  config.random = SplitMix64(o.seed);
  config.applied = node->applied_;
  config.unsafe_stale_read = o.failpoints.stale_read;
  // stale-read is the classic deposed-leader bug whole: without check-quorum
  // a leader cut off from the majority never learns it was replaced, and
  // keeps answering reads (with ReadIndex it could not; see the README).
  config.check_quorum = !o.failpoints.stale_read;
  config.check_invariants = false;  // O(log) per input; the tests check them
  config.unsafe_commit_any_term = o.failpoints.commit_any_term;
  config.max_entries_per_append = o.max_append_entries;
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

void KvNode::tick() {
  raft_->tick();
  ++ticks_;
  if (options_.failpoints.lease_reads() && raft_->role() == Role::kLeader) {
    // The leader renews its lease every tick with a ReadIndex round of its
    // own (no reads wait on it), so that the lease is always nearly whole.
    const uint64_t context = next_read_context_++;
    lease_.round_started(context, lease_now());
    raft_->read_index(context);
  }
  host_.schedule_ready();
}

int64_t KvNode::lease_now() const {
  return options_.failpoints.lease_from_ack ? host_.now_ms() : ticks_;
}

bool KvNode::lease_holds() const {
  return options_.failpoints.lease_reads() && lease_.holds(lease_now());
}

void KvNode::step(const raft::Message& m) {
  if (Status s = raft_->step(m); !s.is_ok()) {
    spdlog::warn("step {} from {}: {}", raft::to_string(m.type), m.from, s.message());
  }
  host_.schedule_ready();
}

void KvNode::start_batched_reads() {
  if (read_batch_.empty()) return;
  const uint64_t context = next_read_context_++;
  lease_.round_started(context, lease_now());
  if (raft_->read_index(context) == raft::ReadIndexStatus::kNotLeader) {
    for (const PendingRead& r : read_batch_) r.reply.send(not_leader_error());
    read_batch_.clear();
    return;
  }
  reads_by_context_[context] = std::move(read_batch_);
  read_batch_.clear();
}

Status KvNode::process_ready() {
  start_batched_reads();
  while (raft_->has_ready()) {
    Ready rd = raft_->ready();
    // 0. A leader's appends and heartbeats go out at once, so that the
    //    followers write to their disks while this node writes to its own.
    for (raft::Message& m : rd.early_messages) host_.send(std::move(m));
    // 0b. Committed entries this node made durable in an earlier Ready are
    //     applied and answered before this Ready's sync (a group commit's
    //     clients must not wait for the next one's fsync), and so are the
    //     reads they unblock. See apply_durable_prefix.
    const size_t applied_early = apply_durable_prefix(rd);
    // 1. Persist, durably (when the Ready must sync), before anything else is
    //    sent or acknowledged.
    if (Status s = persist(rd); !s.is_ok()) return Status::io_error("persisting: " + s.message());
    // 2. Send.
    for (raft::Message& m : rd.messages) host_.send(std::move(m));
    if (rd.soft_state) on_soft_state(*rd.soft_state);
    // 3. Apply.
    if (rd.snapshot) {
      if (Status s = restore_snapshot(*rd.snapshot); !s.is_ok()) return s;
    }
    for (size_t k = applied_early; k < rd.committed_entries.size(); ++k) {
      apply_entry(rd.committed_entries[k]);
    }
    // 4. Reads whose read index is known.
    take_read_states(rd);
    serve_applied_reads();
    // 5.
    raft_->advance(rd);
    if (Status s = maybe_snapshot(); !s.is_ok()) return s;
  }
  return Status::ok();
}

size_t KvNode::apply_durable_prefix(Ready& rd) {
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

void KvNode::take_read_states(Ready& rd) {
  for (const raft::ReadState& rs : rd.read_states) {
    lease_.round_confirmed(rs.context, lease_now());
    const auto it = reads_by_context_.find(rs.context);
    if (it == reads_by_context_.end()) continue;
    for (PendingRead& r : it->second) {
      reads_by_index_.emplace(std::max(rs.index, r.min_index), std::move(r));
    }
    reads_by_context_.erase(it);
  }
  rd.read_states.clear();
}

Status KvNode::persist(Ready& rd) {
  if (!rd.snapshot && rd.entries.empty() && !rd.hard_state) return Status::ok();
  if (!options_.failpoints.no_persist_vote) {
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
  // Also when the Ready has no hard state: the term may have changed in an
  // earlier one, which wrote nothing. (std::exchange: a moved-from optional
  // stays engaged, and would write the real hard state after all.)
  std::optional<raft::HardState> real = std::exchange(rd.hard_state, std::nullopt);
  const raft::HardState stored = storage_->hard_state();
  uint64_t last_term = storage_->term(storage_->last_index()).value_or(0);
  if (!rd.entries.empty()) last_term = std::max(last_term, rd.entries.back().term);
  if (rd.snapshot) last_term = std::max(last_term, rd.snapshot->metadata.term);
  raft::HardState forgetful = stored;
  if (real) forgetful.commit = real->commit;
  forgetful.term = std::max(stored.term, last_term);
  if (forgetful.term != stored.term) forgetful.vote = raft::kNoNode;
  if (forgetful != stored) rd.hard_state = forgetful;
  Status s = raft::persist_ready(rd, *storage_);
  rd.hard_state = std::move(real);
  if (!s.is_ok()) return s;
  return rd.must_sync ? storage_->sync() : Status::ok();
}

void KvNode::on_soft_state(const raft::SoftState& soft) {
  spdlog::info("node {}: {} in term {}, leader {}", options_.id, raft::to_string(soft.role),
               raft_->term(), soft.leader);
  lease_.stepped_down();
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

Status KvNode::restore_snapshot(const raft::Snapshot& snapshot) {
  if (Status s = kv_.restore(snapshot.data); !s.is_ok()) {
    // The core accepted it and storage persisted it: continuing would serve
    // a state that matches no log prefix.
    return Status::malformed(
        fmt::format("snapshot at {} does not restore: {}", snapshot.metadata.index, s.message()));
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
  return Status::ok();
}

void KvNode::apply_entry(const raft::Entry& e) {
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

void KvNode::serve_applied_reads() {
  while (!reads_by_index_.empty() && reads_by_index_.begin()->first <= applied_) {
    std::string reply;
    kv_.read(reads_by_index_.begin()->second.command, &reply);
    if (options_.failpoints.read_cache)
      remember_read(reads_by_index_.begin()->second.command, reply);
    reads_by_index_.begin()->second.reply.send(std::move(reply));
    reads_by_index_.erase(reads_by_index_.begin());
  }
}

Status KvNode::maybe_snapshot() {
  const uint64_t snapshot_index = storage_->snapshot_metadata().index;
  if (applied_ < snapshot_index + options_.snapshot_threshold) return Status::ok();
  Status s = raft_->compact(applied_, kv_.snapshot());
  if (s.is_ok()) s = storage_->sync();
  if (!s.is_ok()) return Status::io_error(fmt::format("snapshot at {}: {}", applied_, s.message()));
  spdlog::info("snapshot at index {} ({} keys); log compacted", applied_, kv_.key_count());
  return Status::ok();
}

// read-cache failpoint: a cache in front of the state machine that is never
// invalidated by writes, only aged out — stale for up to kReadCacheMs after
// any write, with no fault injected at all.
static std::vector<std::string> read_cache_key(const kv::Command& read) {
  std::vector<std::string> key = read.args;
  key.push_back(std::string(kv::command_name(read.op)));
  return key;
}

bool KvNode::serve_cached_read(const kv::Command& read, const ClientReply& reply) {
  const auto it = read_cache_.find(read_cache_key(read));
  if (it == read_cache_.end() || host_.now_ms() - it->second.at > kReadCacheMs) return false;
  ++cached_reads_;
  reply.send(std::string(it->second.reply));
  return true;
}

void KvNode::remember_read(const kv::Command& read, const std::string& reply) {
  read_cache_[read_cache_key(read)] = CachedReply{host_.now_ms(), reply};
}

}  // namespace faultline::raftkv
