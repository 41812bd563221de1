// Test support for the randomized simulations of the cores (faultline-dht's
// and faultline-paxos's simulation_test.cc): the seeds to run, and the
// judgement of a simulated history (JSON lines, docs/history.md) by a
// checker. Header-only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "history/reader.h"

namespace faultline {

// The seeds first..first+count-1, or only the one in environment variable
// `env` when it is set (to rerun a failing seed).
inline std::vector<uint64_t> test_seeds(const char* env, uint64_t first, uint64_t count) {
  if (const char* one = std::getenv(env)) return {std::strtoull(one, nullptr, 10)};
  std::vector<uint64_t> all;
  for (uint64_t s = first; s < first + count; ++s) all.push_back(s);
  return all;
}

// A simulation's result (anything with a `history` of JSON lines) and the
// register checker's verdict on that history.
template <typename Result>
struct Judged {
  Result sim;
  CheckResult check;
};

// Parses the history (named `source` in errors, which fail the test) and
// judges it with the `register` model.
template <typename Result>
Judged<Result> judge_register_history(Result sim, const std::string& source,
                                      const CheckOptions& options = {}) {
  Judged<Result> j{std::move(sim), {}};
  History history;
  std::vector<Operation> ops;
  Status s = parse_jsonl(j.sim.history, source, &history);
  if (s.is_ok()) s = pair_operations(history, &ops);
  EXPECT_TRUE(s.is_ok()) << source << ": " << s.message();
  j.check = make_checker("register")->check(history, ops, options);
  return j;
}

}  // namespace faultline
