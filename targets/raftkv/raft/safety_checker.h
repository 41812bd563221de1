// SafetyChecker: the cluster-wide Raft properties (Figure 3 of the paper),
// checked incrementally as a test cluster runs, plus the linearizability of
// ReadIndex results.
//
//  - Election safety: at most one leader per term.
//  - Log matching: an (index, term) pair identifies one entry, and the entry
//    before it has one term. Checked on every entry a node persists, which by
//    induction makes logs equal up to any (index, term) they share.
//  - Leader completeness: an entry committed in term T is in the log of every
//    leader of a later term. Each committed index remembers the lowest term in
//    which a node was seen to know it committed (never below the term that
//    committed it), and every new leader is checked against that.
//  - State-machine safety: no two nodes apply different entries at an index;
//    a snapshot equals the state of the nodes that applied up to its index.
//  - Read linearizability: a ReadState's index is at least every commit index
//    any node knew when the read started.
//
// The checker keeps the first violation (with the time of the event at
// fault) and ignores everything after it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "targets/raftkv/raft/raft.h"

namespace faultline::raft {

// The replicated state machine of the test clusters: a hash chain over the
// entries applied so far, so two nodes agree on a state iff they applied the
// same entries. Its snapshot is the pair (applied, hash).
struct HashStateMachine {
  uint64_t applied = 0;
  uint64_t hash = 0;

  void apply(const Entry& entry);
  std::string encode() const;
  static bool decode(const std::string& data, HashStateMachine* out);
};

class SafetyChecker {
 public:
  bool ok() const { return failure_.empty(); }
  const std::string& failure() const { return failure_; }
  // Labels violations with the time of the event that revealed them.
  void set_now(uint64_t step) { now_ = step; }
  // Records a violation found by the driver (a failed step, an invariant).
  void fail(const std::string& what);

  // After any input to `node`: role, term and commit index.
  void observe(const Raft& node);
  // Before the driver persists a Ready of `node`.
  void observe_persist(const Raft& node, const Ready& ready);
  // After `node` applied `entry`, leaving `state`.
  void observe_apply(uint64_t node, const Entry& entry, const HashStateMachine& state);
  // `node` restored its state machine from a snapshot.
  void observe_restore(uint64_t node, const HashStateMachine& state);
  // read_index(context) accepted on some node / its answer.
  void observe_read_start(uint64_t context);
  void observe_read_state(uint64_t node, const ReadState& read);

  // The term of the entry committed at `index`, if any node committed it.
  std::optional<uint64_t> committed_term(uint64_t index) const;
  uint64_t max_committed() const { return committed_.empty() ? 0 : committed_.rbegin()->first; }
  uint64_t leader_count() const { return leaders_.size(); }

 private:
  struct EntryKey {
    uint64_t prev_term;
    EntryType type;
    std::string data;
  };
  struct Committed {
    uint64_t term;         // the entry's term
    uint64_t known_since;  // lowest term in which some node knew it committed
  };

  std::string failure_;
  uint64_t now_ = 0;
  std::map<uint64_t, uint64_t> leaders_;                          // term -> leader
  std::map<std::pair<uint64_t, uint64_t>, EntryKey> entries_;     // (index, term) -> entry
  std::map<uint64_t, Committed> committed_;                       // index -> committed entry
  std::map<uint64_t, uint64_t> observed_commit_;                  // node -> commit index last seen
  std::map<uint64_t, std::pair<uint64_t, std::string>> applied_;  // index -> (term, data)
  std::map<uint64_t, uint64_t> state_hash_;            // index -> state after applying it
  std::unordered_map<uint64_t, uint64_t> read_floor_;  // context -> max commit at start
};

}  // namespace faultline::raft
