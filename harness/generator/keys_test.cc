// concurrent_keys: groups of threads on independent keys.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "harness/generator/generator.h"
#include "harness/generator/simulate.h"
#include "harness/generator/test_support.h"

namespace faultline {
namespace {

using testing::invokes_of;
using testing::thread_of;

constexpr int64_t kMs = 1'000'000;

gen::KeySource first_keys(int n) {
  return [next = 0, n]() mutable -> std::optional<nlohmann::json> {
    if (next == n) return std::nullopt;
    return next++;
  };
}

gen::PerKeyGen reads() {
  return [](const nlohmann::json&) { return gen::repeat(gen::op("read")); };
}

TEST(ConcurrentKeys, GroupsThreadsOnFreshKeysWithKOpsEach) {
  uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_note(seed));
  SimOptions options;
  options.seed = seed;
  options.concurrency = 6;
  options.nemesis = true;  // takes no part
  options.execute = [](int, const Op& invoke, std::mt19937_64& rng) {
    int64_t latency = std::uniform_int_distribution<int64_t>(1, 10 * kMs)(rng);
    return SimOutcome{latency, invoke.complete(EventType::kOk, nullptr)};
  };
  SimRun run = simulate(gen::concurrent_keys(2, 5, first_keys(10), reads()), options);

  std::map<int, int> ops_per_key;
  std::map<int, std::set<int>> groups_per_key;  // group = thread / 2
  std::map<int, int> running;                   // key -> ops outstanding
  size_t most_keys_in_flight = 0;
  for (const Op& e : run.events) {
    ASSERT_TRUE(e.key.is_number_integer()) << e.key.dump();
    int key = e.key.get<int>();
    int thread = thread_of(e, options.concurrency);
    ASSERT_NE(thread, kNemesisThread);
    if (e.type == EventType::kInvoke) {
      ++ops_per_key[key];
      groups_per_key[key].insert(thread / 2);
      ++running[key];
    } else if (--running[key] == 0) {
      running.erase(key);
    }
    most_keys_in_flight = std::max(most_keys_in_flight, running.size());
  }
  ASSERT_EQ(ops_per_key.size(), 10u);
  for (const auto& [key, n] : ops_per_key) {
    EXPECT_EQ(n, 5) << "key " << key;
    EXPECT_EQ(groups_per_key[key].size(), 1u) << "key " << key << " worked on by several groups";
  }
  EXPECT_GE(most_keys_in_flight, 3u);
}

TEST(ConcurrentKeys, MovesToTheNextKeyWhenTheKeysGeneratorEnds) {
  SimOptions options;
  options.concurrency = 2;
  auto two_writes = [](const nlohmann::json& key) {
    return gen::limit(2, gen::repeat(gen::op("write", key)));
  };
  SimRun run = simulate(gen::concurrent_keys(1, 100, first_keys(4), two_writes), options);
  std::vector<Op> invokes = invokes_of(run.events);
  ASSERT_EQ(invokes.size(), 8u);
  for (const Op& invoke : invokes) EXPECT_EQ(invoke.key, invoke.value);
}

TEST(ConcurrentKeys, RejectsThreadsNotAMultipleOfTheGroupSize) {
  SimOptions options;
  options.concurrency = 5;
  EXPECT_THROW(simulate(gen::concurrent_keys(2, 5, gen::sequential_keys(), reads()), options),
               std::invalid_argument);
  EXPECT_THROW(gen::concurrent_keys(0, 5, gen::sequential_keys(), reads()), std::invalid_argument);
}

TEST(ConcurrentKeys, RejectsAPerKeyGeneratorWithoutOps) {
  auto nothing = [](const nlohmann::json&) { return gen::limit(0, gen::repeat(gen::op("a"))); };
  EXPECT_THROW(simulate(gen::concurrent_keys(1, 5, gen::sequential_keys(), nothing), SimOptions{}),
               std::invalid_argument);
}

TEST(SequentialKeys, CountsUpFromFirst) {
  gen::KeySource keys = gen::sequential_keys(7);
  EXPECT_EQ(*keys(), 7);
  EXPECT_EQ(*keys(), 8);
}

}  // namespace
}  // namespace faultline
