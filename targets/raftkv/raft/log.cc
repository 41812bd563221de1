#include "targets/raftkv/raft/log.h"

#include <algorithm>

#include "targets/raftkv/raft/check.h"

namespace faultline::raft {

RaftLog::RaftLog(const Storage& storage, uint64_t applied)
    : storage_(storage),
      offset_(storage.last_index() + 1),
      committed_(std::max(storage.hard_state().commit, storage.snapshot_metadata().index)),
      applied_(std::max(applied, storage.snapshot_metadata().index)) {}

uint64_t RaftLog::first_index() const {
  if (unstable_snapshot_) return unstable_snapshot_->metadata.index + 1;
  return storage_.first_index();
}

std::optional<uint64_t> RaftLog::term(uint64_t index) const {
  if (index >= offset_) {
    if (index - offset_ >= unstable_.size()) return std::nullopt;
    return unstable_[index - offset_].term;
  }
  if (unstable_snapshot_) {
    // Everything before the received snapshot is about to be replaced.
    if (index == unstable_snapshot_->metadata.index) return unstable_snapshot_->metadata.term;
    return std::nullopt;
  }
  return storage_.term(index);
}

bool RaftLog::match_term(uint64_t index, uint64_t term) const {
  const std::optional<uint64_t> t = this->term(index);
  return t && *t == term;
}

bool RaftLog::is_up_to_date(uint64_t last_index, uint64_t last_term) const {
  const uint64_t my_term = this->last_term();
  return last_term > my_term || (last_term == my_term && last_index >= this->last_index());
}

std::optional<std::vector<Entry>> RaftLog::slice(uint64_t lo, uint64_t hi, uint64_t max_count,
                                                 uint64_t max_bytes) const {
  if (lo < first_index() || hi > last_index() + 1) return std::nullopt;
  std::vector<Entry> out;
  if (lo >= hi) return out;
  if (hi - lo > std::max<uint64_t>(max_count, 1)) hi = lo + std::max<uint64_t>(max_count, 1);
  uint64_t bytes = 0;
  if (lo < offset_) {
    out = storage_.entries(lo, std::min(hi, offset_), max_bytes);
    for (const Entry& e : out) bytes += e.data.size();
    if (out.size() < std::min(hi, offset_) - lo) return out;  // byte limit reached
  }
  for (uint64_t i = std::max(lo, offset_); i < hi; ++i) {
    const Entry& e = unstable_[i - offset_];
    bytes += e.data.size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Snapshot RaftLog::snapshot() const {
  if (unstable_snapshot_) return *unstable_snapshot_;
  return storage_.snapshot();
}

void RaftLog::commit_to(uint64_t index) {
  if (index <= committed_) return;
  RAFT_CHECK(index <= last_index(), "commit {} is past the last index {}", index, last_index());
  committed_ = index;
}

void RaftLog::applied_to(uint64_t index) {
  RAFT_CHECK(index <= committed_, "applied {} is past the commit index {}", index, committed_);
  applied_ = std::max(applied_, index);
}

uint64_t RaftLog::find_conflict(const std::vector<Entry>& entries) const {
  for (const Entry& e : entries) {
    if (!match_term(e.index, e.term)) return e.index;
  }
  return 0;
}

void RaftLog::append(std::vector<Entry> entries) {
  if (entries.empty()) return;
  const uint64_t first = entries.front().index;
  RAFT_CHECK(first > committed_ && first <= last_index() + 1,
             "append at {}: committed {}, last index {}", first, committed_, last_index());
  if (first <= offset_) {
    // Replaces (part of) the durable log: the next Ready rewrites it from here.
    offset_ = first;
    unstable_ = std::move(entries);
    return;
  }
  unstable_.resize(first - offset_);
  for (Entry& e : entries) unstable_.push_back(std::move(e));
}

void RaftLog::restore(Snapshot snapshot) {
  const uint64_t index = snapshot.metadata.index;
  RAFT_CHECK(index > committed_, "snapshot {} is not past the commit index {}", index, committed_);
  unstable_snapshot_ = std::move(snapshot);
  offset_ = index + 1;
  unstable_.clear();
  committed_ = index;
}

void RaftLog::stable_to(uint64_t index, uint64_t term) {
  if (index < offset_ || !match_term(index, term)) return;  // replaced since the Ready
  unstable_.erase(unstable_.begin(),
                  unstable_.begin() + static_cast<ptrdiff_t>(index - offset_ + 1));
  offset_ = index + 1;
}

void RaftLog::stable_snapshot_to(uint64_t index) {
  if (unstable_snapshot_ && unstable_snapshot_->metadata.index == index) unstable_snapshot_.reset();
}

std::vector<Entry> RaftLog::next_committed_entries() const {
  const uint64_t lo = std::max(applied_, snapshot_index()) + 1;
  if (lo > committed_) return {};
  return *slice(lo, committed_ + 1, UINT64_MAX, UINT64_MAX);
}

}  // namespace faultline::raft
