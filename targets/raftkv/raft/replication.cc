// Log replication (§5.3), the commit rule (§5.4.2), heartbeats and
// InstallSnapshot (§7).
#include <fmt/format.h>

#include <algorithm>

#include "targets/raftkv/raft/check.h"
#include "targets/raftkv/raft/raft.h"

namespace faultline::raft {

void Raft::append_entry(EntryType type, std::string data) {
  // The leader's own copy counts towards a majority only once it is durable:
  // advance() credits it, after the driver persisted the Ready holding it.
  log_.append({Entry{log_.last_index() + 1, term_, type, std::move(data)}});
}

bool Raft::send_append(uint64_t to, bool send_if_empty) {
  Progress& pr = progress_[to];
  if (pr.paused(config_.max_inflight_appends)) return false;
  const uint64_t prev = pr.next - 1;
  const std::optional<uint64_t> prev_term = log_.term(prev);
  std::optional<std::vector<Entry>> entries = log_.slice(
      pr.next, log_.last_index() + 1, config_.max_entries_per_append, config_.max_bytes_per_append);
  if (!prev_term || !entries) {
    send_snapshot(to, pr);  // what the follower needs next is compacted
    return true;
  }
  if (entries->empty() && !send_if_empty) return false;
  const bool has_entries = !entries->empty();
  const uint64_t last = has_entries ? entries->back().index : prev;
  send({.type = MessageType::kAppend,
        .to = to,
        .index = prev,
        .log_term = *prev_term,
        .entries = std::move(*entries),
        .commit = log_.committed()});
  pr.sent_append(last, has_entries);
  return true;
}

void Raft::send_snapshot(uint64_t to, Progress& pr) {
  Snapshot snapshot = log_.snapshot();
  RAFT_CHECK(snapshot.metadata.index > 0, "node {}: entries for {} compacted without a snapshot",
             config_.id, to);
  const uint64_t index = snapshot.metadata.index;
  send({.type = MessageType::kSnapshot, .to = to, .snapshot = std::move(snapshot)});
  pr.become_snapshot(index);
}

void Raft::broadcast_append() {
  for (uint64_t peer : config_.peers) {
    if (peer != config_.id) send_append(peer, true);
  }
}

void Raft::broadcast_heartbeat() {
  for (uint64_t peer : config_.peers) {
    if (peer == config_.id) continue;
    // Only as far as the follower is known to match: it may not hold the
    // leader's later entries yet, and must not commit past its own log.
    send({.type = MessageType::kHeartbeat,
          .to = peer,
          .commit = std::min(progress_[peer].match, log_.committed()),
          .context = read_round_});
  }
}

bool Raft::maybe_commit() {
  const uint64_t index = quorum_match(progress_);
  if (index <= log_.committed()) return false;
  // §5.4.2: an entry of an earlier term may be stored on a majority and still
  // be overwritten by a later leader (Figure 8); only counting replicas of an
  // entry from the current term commits it, and with it everything before.
  if (!config_.unsafe_commit_any_term && log_.term(index) != term_) return false;
  const bool had_committed_in_term = committed_in_term();
  log_.commit_to(index);
  if (!had_committed_in_term && committed_in_term()) on_commit_in_term();
  return true;
}

Status Raft::handle_append(const Message& m) {
  if (m.index < log_.committed()) {
    // Our log matches the leader's up to our commit index (Leader
    // Completeness); let it continue from there.
    send({.type = MessageType::kAppendResponse, .to = m.from, .index = log_.committed()});
    return Status::ok();
  }
  if (!log_.match_term(m.index, m.log_term)) {
    // Consistency check failed. Tell the leader our term at m.index and where
    // that term starts here, so it can skip the whole term at once.
    Message reject{
        .type = MessageType::kAppendResponse, .to = m.from, .index = m.index, .reject = true};
    if (m.index > log_.last_index()) {
      reject.conflict_index = log_.last_index() + 1;
    } else {
      reject.conflict_term = *log_.term(m.index);
      uint64_t first = m.index;
      while (first - 1 > log_.committed() && log_.term(first - 1) == reject.conflict_term) --first;
      reject.conflict_index = first;
    }
    send(std::move(reject));
    return Status::ok();
  }
  // Entries past the first conflict replace ours; a conflict is always past
  // m.index >= committed, so no committed entry is ever replaced.
  const uint64_t conflict = log_.find_conflict(m.entries);
  if (conflict != 0) {
    log_.append(
        {m.entries.begin() + static_cast<ptrdiff_t>(conflict - m.index - 1), m.entries.end()});
  }
  const uint64_t last_new = m.index + m.entries.size();
  log_.commit_to(std::min(m.commit, last_new));
  send({.type = MessageType::kAppendResponse, .to = m.from, .index = last_new});
  return Status::ok();
}

Status Raft::handle_append_response(const Message& m) {
  if (m.index > log_.last_index()) {
    return Status::invalid_argument(
        fmt::format("append response from {} at term {}: index {} is past our last index {}",
                    m.from, m.term, m.index, log_.last_index()));
  }
  Progress& pr = progress_[m.from];
  pr.recent_active = true;
  if (m.reject) {
    // Answers to appends superseded since (reordered, duplicated) are stale;
    // so is any rejection at or below the match, which the follower
    // acknowledged. (Were it not stale — the follower's log lost an entry it
    // acknowledged, which only a safety bug does — probing could not move
    // below the match, and would send the same append at once, forever.)
    const bool stale = pr.state == ProgressState::kSnapshot || m.index <= pr.match ||
                       (pr.state == ProgressState::kProbe && m.index != pr.next - 1);
    if (stale) return Status::ok();
    uint64_t next = m.conflict_index;
    if (m.conflict_term != 0) {
      // If we hold entries of the follower's conflicting term, probe right
      // after our last one: if the follower holds that entry too, the logs
      // match up to it; if not, its next answer narrows the search further.
      for (uint64_t i = std::min(m.index, log_.last_index()); i >= log_.first_index(); --i) {
        const uint64_t t = *log_.term(i);
        if (t == m.conflict_term) {
          next = i + 1;
          break;
        }
        if (t < m.conflict_term) break;
      }
    }
    // Always move back past the rejected index, so probing terminates.
    pr.become_probe(std::min(next, m.index));
    send_append(m.from, true);
    return Status::ok();
  }
  const bool was_paused = pr.paused(config_.max_inflight_appends);
  if (!pr.maybe_update(m.index)) return Status::ok();
  if (pr.state == ProgressState::kProbe ||
      (pr.state == ProgressState::kSnapshot && pr.match + 1 >= log_.first_index())) {
    pr.become_replicate();
  }
  if (maybe_commit()) {
    broadcast_append();  // tells everyone the new commit index
  } else if (was_paused) {
    send_append(m.from, true);  // even if empty: it missed the latest commit index
  }
  while (send_append(m.from, false)) {
  }
  return Status::ok();
}

Status Raft::handle_heartbeat(const Message& m) {
  if (m.commit > log_.last_index()) {
    return Status::invalid_argument(
        fmt::format("heartbeat from {} at term {}: commit {} is past our last index {}", m.from,
                    m.term, m.commit, log_.last_index()));
  }
  log_.commit_to(m.commit);
  send({.type = MessageType::kHeartbeatResponse, .to = m.from, .context = m.context});
  return Status::ok();
}

void Raft::handle_heartbeat_response(const Message& m) {
  Progress& pr = progress_[m.from];
  pr.recent_active = true;
  pr.probe_sent = false;
  // With every slot taken by appends that may have been lost, free one so a
  // retry can reveal the gap (the follower rejects, and probing takes over).
  if (pr.state == ProgressState::kReplicate && pr.paused(config_.max_inflight_appends)) {
    pr.inflight.pop_front();
  }
  if (pr.match < log_.last_index()) send_append(m.from, true);
  if (m.context > pr.read_round) {
    pr.read_round = m.context;
    release_confirmed_reads();
  }
}

void Raft::handle_snapshot(const Message& m) {
  const SnapshotMetadata& meta = m.snapshot.metadata;
  if (meta.index <= log_.committed()) {
    send({.type = MessageType::kAppendResponse, .to = m.from, .index = log_.committed()});
    return;
  }
  if (log_.match_term(meta.index, meta.term)) {
    // We already hold the snapshot's last entry, hence everything before it:
    // no need to discard the log, only to learn that it is committed.
    log_.commit_to(meta.index);
  } else {
    log_.restore(m.snapshot);
  }
  send({.type = MessageType::kAppendResponse, .to = m.from, .index = meta.index});
}

}  // namespace faultline::raft
