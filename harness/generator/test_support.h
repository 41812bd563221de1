// Helpers for the generator tests: the seed of randomised tests and views of
// simulated histories.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "harness/generator/generator.h"
#include "harness/generator/op.h"

namespace faultline::testing {

// FAULTLINE_SEED if set, else a random seed. Tests print it on failure
// (SCOPED_TRACE(seed_note(seed))).
inline uint64_t test_seed() {
  if (const char* s = std::getenv("FAULTLINE_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device()();
}

inline std::string seed_note(uint64_t seed) {
  return "seed " + std::to_string(seed) + " (rerun with FAULTLINE_SEED=" + std::to_string(seed) +
         ")";
}

inline std::vector<Op> invokes_of(const std::vector<Op>& events) {
  std::vector<Op> out;
  for (const Op& e : events) {
    if (e.type == EventType::kInvoke) out.push_back(e);
  }
  return out;
}

// The thread an event ran on, from its process (info completions move a
// client thread to process + concurrency).
inline int thread_of(const Op& e, int concurrency) {
  return e.process == kNemesisProcess ? kNemesisThread : static_cast<int>(e.process % concurrency);
}

}  // namespace faultline::testing
