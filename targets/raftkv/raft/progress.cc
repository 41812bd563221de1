#include "targets/raftkv/raft/progress.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace faultline::raft {

bool Progress::maybe_update(uint64_t index) {
  next = std::max(next, index + 1);
  while (!inflight.empty() && inflight.front() <= index) inflight.pop_front();
  if (index <= match) return false;
  match = index;
  probe_sent = false;
  return true;
}

void Progress::become_probe(uint64_t next_index) {
  state = ProgressState::kProbe;
  next = std::max(next_index, match + 1);
  probe_sent = false;
  inflight.clear();
  pending_snapshot = 0;
}

void Progress::become_replicate() {
  state = ProgressState::kReplicate;
  next = match + 1;
  probe_sent = false;
  inflight.clear();
  pending_snapshot = 0;
}

void Progress::become_snapshot(uint64_t snapshot_index) {
  state = ProgressState::kSnapshot;
  pending_snapshot = snapshot_index;
  snapshot_ticks = 0;
  probe_sent = false;
  inflight.clear();
}

void Progress::sent_append(uint64_t last_index, bool has_entries) {
  if (state == ProgressState::kProbe) {
    probe_sent = true;
  } else if (state == ProgressState::kReplicate && has_entries) {
    next = last_index + 1;
    inflight.push_back(last_index);
  }
}

bool Progress::paused(uint64_t max_inflight) const {
  switch (state) {
    case ProgressState::kProbe: return probe_sent;
    case ProgressState::kReplicate: return inflight.size() >= max_inflight;
    case ProgressState::kSnapshot: return true;
  }
  return true;
}

uint64_t quorum_match(const std::map<uint64_t, Progress>& progress) {
  std::vector<uint64_t> matches;
  matches.reserve(progress.size());
  for (const auto& [id, pr] : progress) matches.push_back(pr.match);
  std::sort(matches.begin(), matches.end(), std::greater<>());
  return matches[progress.size() / 2];
}

}  // namespace faultline::raft
