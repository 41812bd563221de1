// Progress: what a leader knows about one follower's log, and how it paces
// AppendEntries to it. A follower is in one of three states:
//   kProbe:     where its log diverges is unknown; one append at a time, the
//               next one after an answer (or a heartbeat response, in case
//               the answer was lost).
//   kReplicate: its log matches up to `match`; appends stream optimistically
//               (next advances on send), up to max_inflight_appends unanswered.
//   kSnapshot:  the entries it needs are compacted; a snapshot is on its way
//               and nothing else is sent until it is acknowledged or times out.
#pragma once

#include <cstdint>
#include <deque>
#include <map>

namespace faultline::raft {

enum class ProgressState : uint8_t { kProbe, kReplicate, kSnapshot };

struct Progress {
  uint64_t match = 0;  // highest index known to be durable on the follower and equal to ours
  uint64_t next = 1;   // next index to send
  ProgressState state = ProgressState::kProbe;
  bool probe_sent = false;        // kProbe: an append is awaiting its answer
  std::deque<uint64_t> inflight;  // kReplicate: last index of each unanswered append
  uint64_t pending_snapshot = 0;  // kSnapshot: index of the snapshot sent
  int snapshot_ticks = 0;         // kSnapshot: ticks since it was sent
  bool recent_active = false;     // heard from since the last check-quorum round
  uint64_t read_round = 0;        // highest read-index round it acknowledged this term

  // The follower acknowledged its log matches ours up to `index`. Returns
  // whether match advanced (stale and duplicate answers return false).
  bool maybe_update(uint64_t index);
  void become_probe(uint64_t next_index);
  void become_replicate();
  void become_snapshot(uint64_t snapshot_index);
  // Records an append ending at `last_index` that was just sent.
  void sent_append(uint64_t last_index, bool has_entries);
  // Whether the leader must hold off sending appends.
  bool paused(uint64_t max_inflight) const;
};

// The largest index that a majority of `progress` has matched: the value at
// position quorum-1 of the matches sorted in decreasing order.
uint64_t quorum_match(const std::map<uint64_t, Progress>& progress);

}  // namespace faultline::raft
