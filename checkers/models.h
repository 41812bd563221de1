// Sequential models for the linearizability search, in the spirit of
// Porcupine's model.go: an initial state, a pure step function, a hash, and a
// description. Each model also converts a history's operations into its own
// compact op type, which is where the history's JSON values are understood.
//
// A model provides:
//   using State;  struct Op (trivially comparable: Op == Op, hash(Op));
//   State init() const;
//   bool step(const State&, const Op&, State* next) const;  // false: op cannot happen here
//   bool read_only(const Op&) const;  // step never changes the state
//   uint64_t hash(const State&) const;
//   std::string describe(const State&) const;
//   // Converts one completed (ok or info) operation. Returns:
//   //   kUse   and *op: the search must linearize it (ok) or may (info);
//   //   kDrop: it constrains nothing (an info read), leave it out;
//   //   kBad:  its value has the wrong shape; *error says what was expected.
//   Conversion convert(const History&, const Operation&, Op* op, std::string* error);
//
// Optionally, for lookahead (linear_search.h prunes a configuration when an
// ok read in it can never succeed):
//   bool resets(const Op&) const;  // the next state does not depend on the state (a put)
//   // False only if whether `op` can go does not depend on the state, or it
//   // cannot go in any state that ops which do not reset make of it (true
//   // when unsure): `op` cannot tell the state from any other.
//   bool may_see(const State&, const Op& op) const;
//   // The same for the state that the resetting op `reset` leaves:
//   bool may_see(const Op& reset, const Op& op) const;
//   // A state equal to none that step() makes: the memo's key for states
//   // that no read will see before the next reset.
//   State lost() const;
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "history/history.h"

namespace faultline {

enum class Conversion { kUse, kDrop, kBad };

// A read/write/cas register per key; values are any JSON, compared as text.
// read: ok value = the value read (null: never written). write: value.
// cas: value [expected, new]; ok = swapped. Initial value null.
class RegisterModel {
 public:
  using State = uint32_t;  // ValueTable id of the current value
  enum Kind : uint8_t { kRead, kWrite, kCas };
  struct Op {
    Kind kind;
    uint32_t a;  // read: value read; write: value; cas: expected
    uint32_t b;  // cas: new value
    bool operator==(const Op&) const = default;
  };

  explicit RegisterModel(const History& history) : history_(&history) {}
  State init() const { return ValueTable::kNull; }
  // A value not known yet: the first op that looks at it decides it. Used to
  // find bugs that do not depend on the initial value (minimal_core.h).
  State any_state() const { return kAny; }
  bool step(const State& s, const Op& op, State* next) const {
    switch (op.kind) {
      case kRead: *next = op.a; return s == op.a || s == kAny;
      case kWrite: *next = op.a; return true;
      case kCas: *next = op.b; return s == op.a || s == kAny;
    }
    return false;
  }
  bool read_only(const Op& op) const {
    return op.kind == kRead || (op.kind == kCas && op.a == op.b);
  }
  // Lookahead: a write decides the value; without cas in the history nothing
  // else changes it, so a read (of op.a) can go only in its own value.
  bool resets(const Op& op) const { return op.kind == kWrite; }
  bool may_see(const State& s, const Op& op) const {
    return op.kind != kWrite && (s == op.a || s == kAny || has_cas_);
  }
  bool may_see(const Op& write, const Op& op) const {
    return op.kind != kWrite && (write.a == op.a || has_cas_);
  }
  State lost() const { return kLost; }
  uint64_t hash(const State& s) const { return s * 0x9E3779B97F4A7C15ull; }
  static uint64_t hash(const Op& op) {
    return (uint64_t{op.kind} << 62) ^ (uint64_t{op.a} << 31) ^ op.b;
  }
  std::string describe(const State& s) const;
  Conversion convert(const History& h, const Operation& o, Op* op, std::string* error);

 private:
  static constexpr State kAny = UINT32_MAX, kLost = UINT32_MAX - 1;
  const History* history_;
  bool has_cas_ = false;  // some op converted is a cas
  // Value ids of cas pairs' elements, cached per pair id: a history has few
  // distinct pairs and many cas operations.
  std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>> cas_pairs_;
  // Ids for cas elements that never occur as a whole value (past the table's end).
  std::unordered_map<std::string, uint32_t> extra_values_;
};

// A string key-value store per key: get (ok value = string read), put
// (string), append (string appended). Initial value "".
class KvModel {
 public:
  // The string, or with `any` set, a string known only to end in it (the
  // wildcard: the first get or put decides it). The string is a persistent
  // list of the writes that made it, newest first (a put, or an append on
  // its parent), shared between states, with its length and a rolling hash:
  // a step costs O(1) however long the string is, and a state a few words.
  // Equality is exact: hash and length first, then the writes themselves.
  struct Piece {
    std::shared_ptr<const Piece> parent;  // null: the string starts here
    uint32_t value;                       // ValueTable id of the string written
  };
  struct State {
    bool any = false;
    bool lost = false;  // lost(): a memo key only
    uint32_t length = 0;
    uint64_t hash = 0;  // of the string, mod 2^61 - 1
    std::shared_ptr<const Piece> last;
    bool operator==(const State& o) const;
  };
  enum Kind : uint8_t { kGet, kPut, kAppend };
  struct Op {
    Kind kind;
    uint32_t value;  // ValueTable id of the JSON string
    bool operator==(const Op&) const = default;
  };

  // What a state holds on the heap (for the memory budget): the piece it
  // added, at most.
  friend uint64_t heap_bytes(const State& s) { return s.last ? 48 : 0; }

  explicit KvModel(const History& history);
  State init() const { return {}; }
  State any_state() const { return {true, false, 0, 0, nullptr}; }
  State lost() const { return {false, true, 0, 0, nullptr}; }
  bool step(const State& s, const Op& op, State* next) const;
  bool read_only(const Op& op) const { return op.kind == kGet; }
  bool resets(const Op& op) const { return op.kind == kPut; }
  // Gets and appends only extend the string: a get can still succeed only if
  // the state is a prefix of the string it read (from a wildcard state: if
  // the known end occurs in it). Checked on the state's newest few writes,
  // each at its offset, which is enough to tell an append taken too early:
  // it leaves every later write at the wrong offset.
  bool may_see(const State& s, const Op& op) const;
  bool may_see(const Op& reset, const Op& op) const {
    return op.kind == kGet && strings_[op.value].starts_with(strings_[reset.value]);
  }
  // Read order (lookahead.h): an append adds its string; a get shows it if
  // the string it read holds it within its last `within` characters.
  uint64_t growth(const Op& op) const { return op.kind == kAppend ? strings_[op.value].size() : 0; }
  bool may_show(const Op& append, const Op& get, uint64_t within) const;
  uint64_t hash(const State& s) const {
    return s.hash * 0x9E3779B97F4A7C15ull ^ (uint64_t{s.length} << 2) ^ (s.lost << 1) ^ s.any;
  }
  static uint64_t hash(const Op& op) { return (uint64_t{op.kind} << 40) ^ op.value; }
  std::string describe(const State& s) const;
  Conversion convert(const History& h, const Operation& o, Op* op, std::string* error);

 private:
  // The string a state holds.
  static std::string text(const State& s, const std::vector<std::string>& strings);
  // Whether `v` ends with the state's string (is it, with `whole`).
  bool ends_with(const State& s, const std::string& v, bool whole) const;

  static constexpr int kLookaheadPieces = 4;  // newest writes may_see() compares
  const History* history_;
  // By ValueTable id ("" until seen): the unescaped strings of values, their
  // hashes and kBase^length (for appending a hash).
  std::vector<std::string> strings_;
  std::vector<uint64_t> hashes_, powers_;
};

}  // namespace faultline
