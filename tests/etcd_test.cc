// `faultline run --target etcd` end to end: Debian's etcd 3.4 deployed over
// SSH on a real 3-node local cluster, driven through its v3 JSON gateway.
// With etcd's default (linearizable) reads the register stays valid under
// partitions, kills and pauses; with --opt read=serializable, which etcd
// documents as possibly stale, partitions expose stale reads: proof that the
// harness finds real behaviour in a system it did not write. Needs root and
// etcd (label: cluster).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/run_support.h"

namespace {

using namespace run_support;

class etcd : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    FAULTLINE_REQUIRE(fs::exists("/usr/bin/etcd"), "needs etcd (apt-get install etcd-server)");
  }
  std::vector<std::string> args(const std::string& name, std::vector<std::string> more) {
    std::vector<std::string> a = {"--target",           "etcd", "--nodes",    "3",
                                  "--concurrency",      "6",    "--workload", "register",
                                  "--nemesis-interval", "2"};
    a.insert(a.end(), more.begin(), more.end());
    return run_args(name, a);
  }
};

TEST_F(etcd, LinearizableReadsStayValidUnderPartitionsKillsAndPauses) {
  Result r = faultline(
      args("lin", {"--nemesis", "partition,kill,pause", "--time-limit", "10", "--seed", "11"}));
  ASSERT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find("lin: valid (exit 0)"), std::string::npos) << said(r);
  const fs::path dir = run_dir(store(), "lin");
  for (const char* file : {"nodes/n1/etcd.log", "nodes/n3/etcd.log"})
    EXPECT_TRUE(fs::is_regular_file(dir / file)) << file;
}

TEST_F(etcd, SerializableReadsAreCaughtUnderPartitions) {
  Result r = faultline(args("ser", {"--opt", "read=serializable", "--nemesis", "partition",
                                    "--rate", "300", "--time-limit", "20", "--seed", "12"}));
  EXPECT_EQ(r.code, 1) << said(r);
  EXPECT_NE(r.out.find("ser: invalid (exit 1)"), std::string::npos) << said(r);
  EXPECT_NE(r.out.find("minimal core"), std::string::npos) << said(r);
}

}  // namespace
