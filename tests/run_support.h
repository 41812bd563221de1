// Helpers for the end-to-end tests of `faultline run` on real local clusters
// (run_test.cc, detect_test.cc, heal_test.cc): the fixture that names a
// cluster of its own and takes it down afterwards, and finding a run's files.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/cli_support.h"
#include "tests/support/require.h"

namespace run_support {

using namespace cli_support;

const std::string kFaultline = FAULTLINE_BIN;

// The newest run directory under <store>/<test>/ (empty if there is none).
inline fs::path run_dir(const fs::path& store, const std::string& test) {
  fs::path found;
  if (!fs::is_directory(store / test)) return found;
  for (const auto& entry : fs::directory_iterator(store / test))
    if (found.empty() || entry.path() > found) found = entry.path();
  return found;
}

// Detection is a matter of timing (a fault overlapping the right ops), not
// of the seed alone, so a detection test gives its case up to
// kDetectAttempts runs, on seeds seed, seed + 1, ...: each case was caught in
// nearly every run (docs/benchmarks.md, "Detection"), so a miss of all of
// them means detection broke, not bad luck. `run(seed)` returns the run's
// exit code; true once one returned `caught`.
inline constexpr int kDetectAttempts = 3;
template <class Run>
bool caught_within_attempts(uint64_t seed, int caught, Run run) {
  for (uint64_t s = seed; s < seed + kDetectAttempts; ++s)
    if (run(s) == caught) return true;
  return false;
}

// A test with a local cluster name of its own (it needs root for network
// namespaces: skipped without, failed when CI is set): `faultline run`
// brings the cluster up and down, or the test does; TearDown takes down
// whatever a failed or killed run left behind.
class ClusterTest : public testing::Test {
 protected:
  void SetUp() override {
    FAULTLINE_REQUIRE(geteuid() == 0, "needs root (network namespaces)");
    cluster_ = "r" + std::to_string(getpid() % 100000) + static_cast<char>('a' + counter_++);
  }
  void TearDown() override {
    if (!cluster_.empty())
      spawn(tmp_.path(), kFaultline, {"cluster", "down", "--name", cluster_, "--root", clusters()});
  }

  std::string clusters() const { return (tmp_.path() / "clusters").string(); }
  fs::path store() const { return tmp_.path() / "store"; }

  // `faultline run --name NAME` on this test's cluster and store, then `more`.
  std::vector<std::string> run_args(const std::string& name,
                                    const std::vector<std::string>& more) const {
    std::vector<std::string> a = {"run",       "--name",  name,
                                  "--cluster", cluster_,  "--cluster-root",
                                  clusters(),  "--store", store().string()};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  Result faultline(const std::vector<std::string>& a) { return spawn(tmp_.path(), kFaultline, a); }

  TempDir tmp_;
  std::string cluster_;
  static inline int counter_ = 0;
};

}  // namespace run_support
