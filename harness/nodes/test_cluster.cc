#include "harness/nodes/test_cluster.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "harness/nodes/local_cluster.h"

namespace faultline {

std::string cluster_tests_unavailable() {
  if (geteuid() != 0) return "cluster tests need root (they create network namespaces)";
  Status st = check_cluster_prerequisites();
  return st.is_ok() ? "" : st.message();
}

std::string test_cluster_name(char tag) { return "t" + std::to_string(getpid() % 1000000) + tag; }

void become_subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }

void reap_zombies() {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

std::string make_test_root() {
  std::string templ = (std::filesystem::temp_directory_path() / "faultline-test-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) return "";
  return templ;
}

Status TestCluster::start(int nodes, char tag, std::unique_ptr<TestCluster>* out) {
  become_subreaper();
  std::unique_ptr<TestCluster> c(new TestCluster());
  c->root_ = make_test_root();
  if (c->root_.empty()) return Status::io_error("cannot create a temporary directory");
  ClusterUpOptions options;
  options.root = c->root_;
  options.name = test_cluster_name(tag);
  options.nodes = nodes;
  // Set before up: the guard's destructor removes the cluster even if up fails.
  c->state_.name = options.name;
  Status st = cluster_up(options, &c->state_);
  *out = std::move(c);
  return st;
}

TestCluster::~TestCluster() {
  Status st = cluster_down(root_, state_.name);
  if (!st.is_ok()) std::cerr << "TestCluster: cluster down failed: " << st.message() << "\n";
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
  reap_zombies();
}

}  // namespace faultline
