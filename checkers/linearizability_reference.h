// A brute-force linearizability reference for tests: the oracle the real
// checker (linear_search.h, minimal_core.h) is compared with on small random
// histories (linearizability_random_test.cc). It shares no code with the
// checker: no interning, no pruning beyond the obvious, no wildcard state.
//
// A history is linearizable if some order of its ops
//   - contains every mandatory op (ok and not relaxed); optional ops (info
//     ops, and ok ops a test relaxes) may be left out,
//   - respects real time: if a returned before b was called, a goes first,
//   - and explains every result: each op in turn can happen in the state the
//     ops before it left, starting from the initial value.
// The search tries every such order, but memoizes the (set of ops placed,
// state) pairs it has seen: whether an order can be completed depends only
// on which ops are placed and on the state they left, so each pair is
// explored once. A dynamic programme over subsets, fine up to ~20 ops.
//
// States are text: a register's value as JSON text (the checker, too,
// compares values as text), a string store's string itself.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkers/test_history.h"

namespace faultline {

// One op as the reference sees it.
struct RefOp {
  uint32_t line = 0;                // invoke line: identifies the op
  size_t call = 0, ret = SIZE_MAX;  // event positions; ret SIZE_MAX: info or pending
  bool optional = false;            // may be left out (info ops always may)
  std::string f;
  nlohmann::json value, result;  // invoke value; ok completion value (the read)
};

// The history's ops that may have happened (fail ops did not), by call.
std::vector<RefOp> reference_ops(const TestHistory& t);

// The initial state: null for a "register", "" for a "kv" string store.
std::string reference_initial(const std::string& model);

// Applies `op` to `state` in the model ("register": read/write/cas of any
// JSON value; "kv": get/put/append of strings). False if the op cannot happen
// there. `known`: the op completed ok, so its result is known and must match.
bool reference_apply(const std::string& model, const RefOp& op, bool known, std::string* state);

// Whether `ops` (at most 32) are linearizable from `initial`.
bool reference_linearizable(const std::string& model, const std::vector<RefOp>& ops,
                            const std::string& initial);

// Whether `ops` are linearizable from no initial value at all: tried from
// every value that can matter -- for a register, null and every value the
// ops mention; for a string, every prefix of a string they mention -- and
// from one they do not mention, which stands for all the others.
bool reference_fails_from_any(const std::string& model, const std::vector<RefOp>& ops);

}  // namespace faultline
