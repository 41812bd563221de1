// faultline-cluster-bench: how fast local clusters and the SSH layer are
// (docs/benchmarks.md, "Nodes and SSH"): `cluster up` and `down` of 5 nodes,
// the round trip of an exec on a pooled session, and deploying a 20 MB
// binary to every node at once. Needs root, like the cluster itself; every
// run brings its own cluster up and takes it down.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "harness/nodes/local_cluster.h"
#include "harness/nodes/test_cluster.h"
#include "harness/ssh/ssh_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int run(int nodes, int execs, int megabytes) {
  using namespace faultline;
  if (std::string why = cluster_tests_unavailable(); !why.empty()) {
    std::fprintf(stderr, "faultline-cluster-bench: %s\n", why.c_str());
    return 3;
  }
  become_subreaper();
  auto start = Clock::now();
  std::unique_ptr<TestCluster> cluster;
  if (Status st = TestCluster::start(nodes, 'b', &cluster); !st.is_ok()) {
    std::fprintf(stderr, "faultline-cluster-bench: %s\n", st.message().c_str());
    return 3;
  }
  const double up_ms = ms_since(start);

  SshPool pool(cluster_ssh_options(cluster->state()));
  for (const SshTarget& t : cluster_targets(cluster->state())) pool.add(t);
  const std::vector<std::string> names = pool.nodes();
  ExecResult r;
  std::vector<double> exec_ms;
  for (int i = 0; i <= execs; ++i) {
    start = Clock::now();
    if (Status st = pool.exec(names[0], "true", std::chrono::seconds(5), &r); !st.is_ok()) {
      std::fprintf(stderr, "faultline-cluster-bench: exec: %s\n", st.message().c_str());
      return 3;
    }
    if (i > 0) exec_ms.push_back(ms_since(start));  // the first one connects
  }
  std::sort(exec_ms.begin(), exec_ms.end());

  const std::string binary = cluster->root() + "/binary";
  {
    std::mt19937_64 rng(1);  // incompressible, like a binary
    std::vector<uint64_t> block(1 << 17);
    std::ofstream out(binary, std::ios::binary);
    for (int mb = 0; mb < megabytes; ++mb) {
      for (auto& w : block) w = rng();
      out.write(reinterpret_cast<const char*>(block.data()), 1 << 20);
    }
  }
  for (const std::string& n : names)
    pool.exec(n, "true", std::chrono::seconds(5), &r);  // connect all
  start = Clock::now();
  std::vector<Status> results(names.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < names.size(); ++i)
    threads.emplace_back([&, i] {
      results[i] = pool.upload(names[i], binary, "/tmp/faultline-bench-binary", 0755,
                               std::chrono::seconds(60));
    });
  for (auto& t : threads) t.join();
  const double deploy_ms = ms_since(start);
  for (const Status& st : results)
    if (!st.is_ok()) {
      std::fprintf(stderr, "faultline-cluster-bench: upload: %s\n", st.message().c_str());
      return 3;
    }

  start = Clock::now();
  cluster.reset();  // cluster down
  const double down_ms = ms_since(start);

  std::printf("| what | goal | measured |\n|---|---|---|\n");
  std::printf("| cluster up, %d nodes | < 3 s | %.2f s |\n", nodes, up_ms / 1000);
  std::printf("| cluster down, %d nodes | < 2 s | %.2f s |\n", nodes, down_ms / 1000);
  std::printf("| pooled exec round trip (median of %d; p90) | < 5 ms | %.1f ms; %.1f ms |\n", execs,
              exec_ms[exec_ms.size() / 2], exec_ms[exec_ms.size() * 9 / 10]);
  std::printf("| deploy %d MB to %d nodes at once (SFTP + SHA-256 check) | < 2 s | %.2f s |\n",
              megabytes, nodes, deploy_ms / 1000);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int nodes = argc > 1 ? std::atoi(argv[1]) : 5;
  return run(nodes, 200, 20);
}
