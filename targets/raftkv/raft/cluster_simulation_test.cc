// The randomized cluster simulation over 1,000 seeds (500 with 3 nodes, 500
// with 5), in blocks that ctest runs in parallel.
//
//   FAULTLINE_RAFT_SEED=<n>  run only seed n, printing its configuration and
//                            last events (in the block holding n, else in the
//                            first block of each cluster size)
//   --gtest_also_run_disabled_tests --gtest_filter='*Soak*'
//                            run FAULTLINE_RAFT_SOAK_SEEDS (default 20000)
//                            more seeds per cluster size
#include "targets/raftkv/raft/cluster_simulation.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>

namespace faultline::raft {
namespace {

using testing::HasSubstr;

constexpr uint64_t kSeedsPerBlock = 125;

std::optional<uint64_t> env_number(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  return std::stoull(text);
}

// Runs one seed; on failure, reports the seed and how to rerun it.
void run_seed(size_t nodes, uint64_t seed, bool verbose) {
  SimulationOptions options;
  options.nodes = nodes;
  const SimulationResult r = run_simulation(seed, options);
  if (verbose) {
    fmt::print(
        "seed {}: {}\n  leaders {}, committed {}, snapshots installed {}, reads {}, healed "
        "in {} ticks\n  last events:\n{}",
        seed, r.config, r.leaders, r.committed, r.snapshots_installed, r.reads_answered,
        r.heal_ticks, r.trace);
  }
  ASSERT_TRUE(r.ok) << "seed " << seed << " (" << r.config << "): " << r.failure
                    << "\nlast events:\n"
                    << r.trace << "rerun: FAULTLINE_RAFT_SEED=" << seed
                    << " faultline_raft_test --gtest_filter='*ClusterSimulation*/" << nodes
                    << "nodes*'";
}

struct Block {
  size_t nodes;
  uint64_t first_seed;
};

void PrintTo(const Block& block, std::ostream* out) {
  *out << block.nodes << " nodes, seeds " << block.first_seed << ".."
       << block.first_seed + kSeedsPerBlock - 1;
}

class ClusterSimulation : public testing::TestWithParam<Block> {};

TEST_P(ClusterSimulation, SafeUnderFaultsAndLiveAfterHealing) {
  const Block block = GetParam();
  if (const std::optional<uint64_t> only = env_number("FAULTLINE_RAFT_SEED")) {
    const bool in_block = *only >= block.first_seed && *only < block.first_seed + kSeedsPerBlock;
    const bool in_no_block = *only >= 4 * kSeedsPerBlock;
    if (!in_block && !(in_no_block && block.first_seed == 0)) {
      GTEST_SKIP() << "FAULTLINE_RAFT_SEED is not in this block";
    }
    run_seed(block.nodes, *only, true);
    return;
  }
  for (uint64_t seed = block.first_seed; seed < block.first_seed + kSeedsPerBlock; ++seed) {
    run_seed(block.nodes, seed, false);
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ClusterSimulation,
                         testing::Values(Block{3, 0}, Block{3, 125}, Block{3, 250}, Block{3, 375},
                                         Block{5, 0}, Block{5, 125}, Block{5, 250}, Block{5, 375}),
                         [](const testing::TestParamInfo<Block>& info) {
                           return fmt::format("{}nodes_seeds{}to{}", info.param.nodes,
                                              info.param.first_seed,
                                              info.param.first_seed + kSeedsPerBlock - 1);
                         });

TEST(ClusterSimulationSoak, DISABLED_ManyMoreSeeds) {
  const uint64_t seeds = env_number("FAULTLINE_RAFT_SOAK_SEEDS").value_or(20000);
  for (size_t nodes : {3, 5}) {
    for (uint64_t seed = 4 * kSeedsPerBlock; seed < 4 * kSeedsPerBlock + seeds; ++seed) {
      run_seed(nodes, seed, false);
      if (HasFatalFailure()) return;
    }
  }
}

// The checks can fail: with reads answered without confirming leadership,
// some seeds must produce a stale read (about 1 in 4 does) ...
TEST(ClusterSimulationSelfTest, CatchesTheStaleReadFailpoint) {
  int caught = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    SimulationOptions options;
    options.unsafe_stale_read = true;
    const SimulationResult r = run_simulation(seed, options);
    if (!r.ok) {
      EXPECT_THAT(r.failure, HasSubstr("stale read")) << "seed " << seed;
      ++caught;
    }
  }
  EXPECT_GT(caught, 0);
}

// ... and with the Figure 8 bug, some seed must lose a committed entry
// (rarer: seed 400 is the first that does).
TEST(ClusterSimulationSelfTest, CatchesTheCommitAnyTermFailpoint) {
  std::optional<uint64_t> caught;
  for (uint64_t seed = 0; seed < 1500 && !caught; ++seed) {
    SimulationOptions options;
    options.unsafe_commit_any_term = true;
    const SimulationResult r = run_simulation(seed, options);
    if (!r.ok) {
      EXPECT_THAT(r.failure,
                  testing::AnyOf(HasSubstr("leader completeness"),
                                 HasSubstr("state-machine safety"), HasSubstr("committed entry")))
          << "seed " << seed;
      caught = seed;
    }
  }
  EXPECT_TRUE(caught.has_value());
}

}  // namespace
}  // namespace faultline::raft
