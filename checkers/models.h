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
#pragma once

#include <cstdint>
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
  uint64_t hash(const State& s) const { return s * 0x9E3779B97F4A7C15ull; }
  static uint64_t hash(const Op& op) {
    return (uint64_t{op.kind} << 62) ^ (uint64_t{op.a} << 31) ^ op.b;
  }
  std::string describe(const State& s) const;
  Conversion convert(const History& h, const Operation& o, Op* op, std::string* error);

 private:
  static constexpr State kAny = UINT32_MAX;
  const History* history_;
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
  // The string, or with `any` set, a string known only to end in `text`
  // (the wildcard: the first get or put decides it).
  struct State {
    bool any = false;
    std::string text;
    bool operator==(const State&) const = default;
  };
  enum Kind : uint8_t { kGet, kPut, kAppend };
  struct Op {
    Kind kind;
    uint32_t value;  // ValueTable id of the JSON string
    bool operator==(const Op&) const = default;
  };

  // What a state's string holds on the heap (for the memory budget).
  friend uint64_t heap_bytes(const State& s) {
    return s.text.capacity() > 15 ? s.text.capacity() + 1 : 0;
  }

  explicit KvModel(const History& history);
  State init() const { return {}; }
  State any_state() const { return {true, ""}; }
  bool step(const State& s, const Op& op, State* next) const;
  bool read_only(const Op& op) const { return op.kind == kGet; }
  uint64_t hash(const State& s) const { return std::hash<std::string>{}(s.text) ^ s.any; }
  static uint64_t hash(const Op& op) { return (uint64_t{op.kind} << 40) ^ op.value; }
  std::string describe(const State& s) const;
  Conversion convert(const History& h, const Operation& o, Op* op, std::string* error);

 private:
  const History* history_;
  // The unescaped strings of values, by ValueTable id ("" until seen).
  std::vector<std::string> strings_;
};

}  // namespace faultline
