#include "targets/raftkv/raft/safety_checker.h"

#include <fmt/format.h>

#include <algorithm>

namespace faultline::raft {

void HashStateMachine::apply(const Entry& entry) {
  // FNV-1a over the entry, chained onto the previous state.
  uint64_t h = hash ^ 0xcbf29ce484222325ULL;
  auto mix = [&h](uint64_t byte) { h = (h ^ byte) * 0x100000001b3ULL; };
  for (int shift = 0; shift < 64; shift += 8) mix((entry.index >> shift) & 0xff);
  for (int shift = 0; shift < 64; shift += 8) mix((entry.term >> shift) & 0xff);
  mix(static_cast<uint64_t>(entry.type));
  for (unsigned char c : entry.data) mix(c);
  hash = h;
  applied = entry.index;
}

std::string HashStateMachine::encode() const { return fmt::format("{}:{}", applied, hash); }

bool HashStateMachine::decode(const std::string& data, HashStateMachine* out) {
  const size_t colon = data.find(':');
  if (colon == std::string::npos) return false;
  try {
    out->applied = std::stoull(data.substr(0, colon));
    out->hash = std::stoull(data.substr(colon + 1));
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

void SafetyChecker::fail(const std::string& what) {
  if (failure_.empty()) failure_ = fmt::format("step {}: {}", now_, what);
}

void SafetyChecker::observe(const Raft& node) {
  if (!ok()) return;
  const RaftLog& log = node.log();
  if (node.role() == Role::kLeader) {
    auto [it, inserted] = leaders_.emplace(node.term(), node.id());
    if (!inserted && it->second != node.id()) {
      return fail(fmt::format("election safety: nodes {} and {} both lead term {}", it->second,
                              node.id(), node.term()));
    }
    if (inserted) {
      for (auto c = committed_.lower_bound(log.first_index()); c != committed_.end(); ++c) {
        if (c->second.known_since >= node.term()) continue;
        if (!log.match_term(c->first, c->second.term)) {
          return fail(fmt::format(
              "leader completeness: leader {} of term {} lacks entry {} (term {}) committed by "
              "term {}",
              node.id(), node.term(), c->first, c->second.term, c->second.known_since));
        }
      }
    }
  }
  uint64_t& seen = observed_commit_[node.id()];
  const uint64_t commit = log.committed();
  for (uint64_t i = std::max(seen, log.snapshot_index()) + 1; i <= commit; ++i) {
    const uint64_t term = *log.term(i);
    auto [c, inserted] = committed_.emplace(i, Committed{term, node.term()});
    if (!inserted) {
      if (c->second.term != term) {
        return fail(fmt::format("committed entry {} has term {} on node {} but {} elsewhere", i,
                                term, node.id(), c->second.term));
      }
      c->second.known_since = std::min(c->second.known_since, node.term());
    }
  }
  seen = commit;  // also lowers it after a restart, so re-learnt commits are checked again
}

void SafetyChecker::observe_persist(const Raft& node, const Ready& ready) {
  if (!ok()) return;
  if (ready.snapshot) {
    const SnapshotMetadata& meta = ready.snapshot->metadata;
    auto c = committed_.find(meta.index);
    if (c != committed_.end() && c->second.term != meta.term) {
      return fail(fmt::format("node {} installs a snapshot at {} with term {}, committed term {}",
                              node.id(), meta.index, meta.term, c->second.term));
    }
  }
  for (size_t k = 0; k < ready.entries.size(); ++k) {
    const Entry& e = ready.entries[k];
    const uint64_t prev_term =
        k > 0 ? ready.entries[k - 1].term : node.log().term(e.index - 1).value_or(UINT64_MAX);
    auto [it, inserted] =
        entries_.try_emplace({e.index, e.term}, EntryKey{prev_term, e.type, e.data});
    if (!inserted && (it->second.prev_term != prev_term || it->second.type != e.type ||
                      it->second.data != e.data)) {
      return fail(fmt::format(
          "log matching: node {} persists entry {} of term {} ('{}' after term {}), elsewhere "
          "'{}' after term {}",
          node.id(), e.index, e.term, e.data, prev_term, it->second.data, it->second.prev_term));
    }
  }
}

void SafetyChecker::observe_apply(uint64_t node, const Entry& entry,
                                  const HashStateMachine& state) {
  if (!ok()) return;
  auto [it, inserted] = applied_.try_emplace(entry.index, entry.term, entry.data);
  if (!inserted && (it->second.first != entry.term || it->second.second != entry.data)) {
    return fail(fmt::format(
        "state-machine safety: node {} applies '{}' (term {}) at index {}, another node applied "
        "'{}' (term {})",
        node, entry.data, entry.term, entry.index, it->second.second, it->second.first));
  }
  auto [h, fresh] = state_hash_.try_emplace(entry.index, state.hash);
  if (!fresh && h->second != state.hash) {
    return fail(fmt::format("state-machine safety: node {} reaches a different state at index {}",
                            node, entry.index));
  }
}

void SafetyChecker::observe_restore(uint64_t node, const HashStateMachine& state) {
  if (!ok()) return;
  auto h = state_hash_.find(state.applied);
  if (h == state_hash_.end() || h->second != state.hash) {
    return fail(fmt::format("node {} restores a snapshot at {} that no node's state matches", node,
                            state.applied));
  }
}

std::optional<uint64_t> SafetyChecker::committed_term(uint64_t index) const {
  auto c = committed_.find(index);
  if (c == committed_.end()) return std::nullopt;
  return c->second.term;
}

void SafetyChecker::observe_read_start(uint64_t context) { read_floor_[context] = max_committed(); }

void SafetyChecker::observe_read_state(uint64_t node, const ReadState& read) {
  if (!ok()) return;
  auto floor = read_floor_.find(read.context);
  if (floor == read_floor_.end()) {
    return fail(
        fmt::format("node {} answers read {}, which was never started", node, read.context));
  }
  if (read.index < floor->second) {
    return fail(fmt::format(
        "stale read: node {} answers read {} at index {}, but {} was committed when it started",
        node, read.context, read.index, floor->second));
  }
}

}  // namespace faultline::raft
