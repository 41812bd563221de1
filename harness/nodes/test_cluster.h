// Test support (linked only into tests): a local cluster that is always torn
// down, even when the test fails, and the checks that say whether this
// machine can run cluster tests at all.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "harness/nodes/cluster_state.h"

namespace faultline {

// Why cluster tests cannot run here ("" if they can): not root, or tools missing.
std::string cluster_tests_unavailable();

// A cluster name unique to this test process: "t<pid>" plus `tag`.
std::string test_cluster_name(char tag);

// Makes this process the reaper of orphaned descendants (the detached sshds),
// so that reap_zombies() can collect them after `down` and no zombie outlives
// the test (on a machine whose init does not reap).
void become_subreaper();
void reap_zombies();

// A fresh temporary root directory for cluster state, removed by the guard.
std::string make_test_root();

class TestCluster {
 public:
  // Brings up `nodes` nodes named test_cluster_name(tag) under a fresh root.
  static Status start(int nodes, char tag, std::unique_ptr<TestCluster>* out);
  // Takes the cluster down (reporting failure on stderr), removes the root,
  // reaps the zombies.
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  const ClusterState& state() const { return state_; }
  const std::string& root() const { return root_; }

 private:
  TestCluster() = default;
  std::string root_;
  ClusterState state_;
};

}  // namespace faultline
