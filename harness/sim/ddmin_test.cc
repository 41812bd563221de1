// ddmin on synthetic tests: a hidden set of units that must all be kept is
// found exactly (seeded; the seed is printed), the result is 1-minimal, the
// batch size changes nothing, and a budget that runs out leaves a subset
// that still fails.
#include "harness/sim/ddmin.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "harness/generator/test_support.h"

namespace faultline::sim {
namespace {

using faultline::testing::seed_note;
using faultline::testing::test_seed;

// A test that fails when the candidate holds every unit of `needed`.
BatchTest holds_all(const Subset& needed, int64_t* calls = nullptr, int64_t budget = -1) {
  return [needed, calls, budget](const std::vector<Subset>& candidates) {
    std::vector<bool> out;
    for (const Subset& c : candidates) {
      if (calls != nullptr && budget >= 0 && *calls >= budget) break;
      if (calls != nullptr) ++*calls;
      out.push_back(std::includes(c.begin(), c.end(), needed.begin(), needed.end()));
    }
    return out;
  };
}

Subset random_subset(std::mt19937_64& rng, size_t n, size_t k) {
  Subset all(n);
  for (size_t i = 0; i < n; ++i) all[i] = i;
  std::shuffle(all.begin(), all.end(), rng);
  Subset out(all.begin(), all.begin() + static_cast<ptrdiff_t>(k));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Ddmin, FindsExactlyTheUnitsThatAreNeeded) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 50; ++round) {
    const size_t n = 1 + rng() % 300;
    const Subset needed = random_subset(rng, n, 1 + rng() % std::min<size_t>(n, 6));
    const DdminResult r = ddmin(n, 1 + rng() % 4, holds_all(needed));
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.kept, needed) << "round " << round << ", n " << n;
  }
}

TEST(Ddmin, IsOneMinimalWhenAnyOfSeveralCausesFails) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  std::mt19937_64 rng(seed);
  const size_t n = 200;
  // Fails when it holds both units of any of three pairs.
  std::vector<Subset> causes;
  for (int i = 0; i < 3; ++i) causes.push_back(random_subset(rng, n, 2));
  auto fails = [&](const Subset& c) {
    return std::any_of(causes.begin(), causes.end(), [&](const Subset& cause) {
      return std::includes(c.begin(), c.end(), cause.begin(), cause.end());
    });
  };
  const DdminResult r = ddmin(n, 2, [&](const std::vector<Subset>& candidates) {
    std::vector<bool> out;
    for (const Subset& c : candidates) out.push_back(fails(c));
    return out;
  });
  ASSERT_TRUE(fails(r.kept));
  for (size_t drop = 0; drop < r.kept.size(); ++drop) {
    Subset smaller = r.kept;
    smaller.erase(smaller.begin() + static_cast<ptrdiff_t>(drop));
    EXPECT_FALSE(fails(smaller)) << "unit " << r.kept[drop] << " is not needed";
  }
}

TEST(Ddmin, TheBatchSizeDoesNotChangeTheResult) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE(seed_note(seed));
  std::mt19937_64 rng(seed);
  const Subset needed = random_subset(rng, 100, 4);
  const DdminResult one = ddmin(100, 1, holds_all(needed));
  for (size_t batch : {2, 3, 8}) EXPECT_EQ(ddmin(100, batch, holds_all(needed)).kept, one.kept);
}

TEST(Ddmin, ABudgetThatRunsOutLeavesTheBestFailingSubsetSoFar) {
  const Subset needed = {3, 50, 97};
  int64_t calls = 0;
  const DdminResult r = ddmin(100, 1, holds_all(needed, &calls, 12));
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(calls, 12);
  EXPECT_EQ(r.tests, 12);
  EXPECT_TRUE(std::includes(r.kept.begin(), r.kept.end(), needed.begin(), needed.end()));
  EXPECT_LT(r.kept.size(), 100u);
}

TEST(Ddmin, NothingNeededGivesTheEmptySetAfterOneTest) {
  int64_t calls = 0;
  const DdminResult r = ddmin(40, 3, holds_all({}, &calls));
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.kept.empty());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace faultline::sim
