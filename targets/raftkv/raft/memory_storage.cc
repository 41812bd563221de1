#include "targets/raftkv/raft/memory_storage.h"

#include <fmt/format.h>

namespace faultline::raft {

std::optional<uint64_t> MemoryStorage::term(uint64_t index) const {
  const uint64_t snap = snapshot_.metadata.index;
  if (index == snap) return snapshot_.metadata.term;
  if (index < snap || index > last_index()) return std::nullopt;
  return entries_[index - snap - 1].term;
}

std::vector<Entry> MemoryStorage::entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  std::vector<Entry> out;
  if (lo < first_index() || hi > last_index() + 1) return out;
  uint64_t bytes = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - first_index()];
    bytes += e.data.size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Status MemoryStorage::append(const std::vector<Entry>& entries) {
  for (size_t k = 1; k < entries.size(); ++k) {
    if (entries[k].index != entries[k - 1].index + 1) {
      return Status::invalid_argument(
          fmt::format("append: entry {} follows entry {}", entries[k].index, entries[k - 1].index));
    }
  }
  for (const Entry& e : entries) {
    if (e.index < first_index()) continue;  // already covered by the snapshot
    if (e.index > last_index() + 1) {
      return Status::invalid_argument(
          fmt::format("append: entry {} leaves a gap after last index {}", e.index, last_index()));
    }
    entries_.resize(e.index - first_index());  // drops a conflicting suffix, if any
    entries_.push_back(e);
  }
  return Status::ok();
}

Status MemoryStorage::set_hard_state(const HardState& state) {
  hard_state_ = state;
  return Status::ok();
}

Status MemoryStorage::apply_snapshot(const Snapshot& snapshot) {
  if (snapshot.metadata.index < snapshot_.metadata.index) {
    return Status::invalid_argument(fmt::format("apply_snapshot: index {} is older than {}",
                                                snapshot.metadata.index, snapshot_.metadata.index));
  }
  snapshot_ = snapshot;
  entries_.clear();
  return Status::ok();
}

Status MemoryStorage::compact(uint64_t index, std::string data) {
  if (index <= snapshot_.metadata.index || index > last_index()) {
    return Status::invalid_argument(fmt::format("compact: index {} is outside the log ({}..{})",
                                                index, first_index(), last_index()));
  }
  const uint64_t term = entries_[index - first_index()].term;
  entries_.erase(entries_.begin(),
                 entries_.begin() + static_cast<ptrdiff_t>(index - snapshot_.metadata.index));
  snapshot_.metadata = {index, term};
  snapshot_.data = std::move(data);
  return Status::ok();
}

}  // namespace faultline::raft
