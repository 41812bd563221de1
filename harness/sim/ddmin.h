// ddmin: Zeller and Hildebrandt's delta debugging ("Simplifying and
// Isolating Failure-Inducing Input", 2002): the smallest subset of n units
// it can find that still fails a test, by removing chunks of halving size.
// The result is 1-minimal when the test budget lasts: removing any one unit
// of it passes. Candidates of one round are independent, so they are tested
// in batches (on as many threads as the caller likes); the first failing
// candidate in order is taken, as sequential ddmin would, so the result
// does not depend on the batch size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace faultline::sim {

// Indices of units, ascending.
using Subset = std::vector<size_t>;

// Tests `candidates` and returns, for each one tested, whether it still
// fails (in the given order). It may test fewer (a prefix) when its budget
// is spent: ddmin then stops.
using BatchTest = std::function<std::vector<bool>(const std::vector<Subset>& candidates)>;

struct DdminResult {
  Subset kept;            // fails (it is the input, or a candidate that failed)
  bool complete = false;  // false: the budget ran out first; `kept` is the best so far
  int64_t tests = 0;      // candidates tested
};

// ddmin over units 0..n-1, all of which together fail. The empty subset is
// tried first. `batch` (>= 1) candidates go to `test` at a time.
DdminResult ddmin(size_t n, size_t batch, const BatchTest& test);

}  // namespace faultline::sim
