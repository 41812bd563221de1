// Targets faultline did not build in: `faultline run --target etcd` and
// config-defined targets (--target-file), end to end.
//
// etcd: Debian's etcd 3.4 deployed over SSH on a real 3-node local cluster,
// driven through its v3 JSON gateway. With etcd's default (linearizable)
// reads the register stays valid under partitions, kills and pauses; with
// --opt read=serializable, which etcd documents as possibly stale,
// partitions expose stale reads: proof that the harness finds real behaviour
// in a system it did not write. Needs root and etcd (label: cluster).
//
// config_target: faultline-raftkv described by docs/examples/targets/raftkv.toml
// passes its options through and gets caught by the same failpoint as
// --target raftkv, and etcd described with the http-json protocol
// (etcd-http.toml) gets the built-in etcd target's verdicts (label: cluster);
// a bad target file is refused with its exit code before any cluster is
// touched (pure).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  Result r;
  EXPECT_TRUE(caught_within_attempts(12, 1, [&](uint64_t seed) {
    r = faultline(args("ser", {"--opt", "read=serializable", "--nemesis", "partition", "--rate",
                               "300", "--time-limit", "30", "--seed", std::to_string(seed)}));
    return r.code;
  })) << said(r);
  EXPECT_NE(r.out.find("ser: invalid (exit 1)"), std::string::npos) << said(r);
  EXPECT_NE(r.out.find("minimal core"), std::string::npos) << said(r);
}

// faultline-raftkv as a config target: the read-cache failpoint (stale reads
// without any fault, as in run_test.cc) reaches the server through the
// file's unsafe-failpoint option, and the checker catches it.
class config_target : public ClusterTest {};

TEST_F(config_target, RaftkvFileCatchesTheReadCacheFailpoint) {
  Result r = faultline(run_args(
      "cfg", {"--target-file", FAULTLINE_EXAMPLES_DIR "/targets/raftkv.toml", "--nodes", "3",
              "--concurrency", "6", "--rate", "200", "--seed", "7", "--workload", "register",
              "--nemesis", "none", "--time-limit", "10", "--opt", "unsafe-failpoint=read-cache"}));
  EXPECT_EQ(r.code, 1) << said(r);
  EXPECT_NE(r.out.find("cfg: invalid (exit 1)"), std::string::npos) << said(r);
  EXPECT_TRUE(fs::is_regular_file(run_dir(store(), "cfg") / "nodes/n2/raftkv-config.log"));
}

// etcd described by docs/examples/targets/etcd-http.toml: the http-json
// protocol's templated requests reach the same gateway as --target etcd and
// give the same verdicts: valid under partitions, kills and pauses; stale
// reads caught when the file's option makes reads serializable (up to
// kDetectAttempts runs, as every detection test).
TEST_F(config_target, EtcdOverHttpJsonMatchesTheBuiltInTarget) {
  FAULTLINE_REQUIRE(fs::exists("/usr/bin/etcd"), "needs etcd (apt-get install etcd-server)");
  const std::vector<std::string> common = {"--target-file",
                                           FAULTLINE_EXAMPLES_DIR "/targets/etcd-http.toml",
                                           "--nodes",
                                           "3",
                                           "--concurrency",
                                           "6",
                                           "--workload",
                                           "register",
                                           "--nemesis-interval",
                                           "2"};
  std::vector<std::string> lin = common;
  lin.insert(lin.end(),
             {"--nemesis", "partition,kill,pause", "--time-limit", "10", "--seed", "11"});
  Result r = faultline(run_args("http-lin", lin));
  ASSERT_EQ(r.code, 0) << said(r);
  EXPECT_TRUE(fs::is_regular_file(run_dir(store(), "http-lin") / "nodes/n2/etcd-http.log"));
  std::vector<std::string> ser = common;
  ser.insert(ser.end(), {"--nemesis", "partition", "--opt", "serializable=true", "--rate", "300",
                         "--time-limit", "20", "--seed"});
  EXPECT_TRUE(caught_within_attempts(12, 1, [&](uint64_t seed) {
    std::vector<std::string> seeded = ser;
    seeded.push_back(std::to_string(seed));
    r = faultline(run_args("http-ser", seeded));
    return r.code;
  })) << said(r);
  EXPECT_NE(r.out.find("http-ser: invalid (exit 1)"), std::string::npos) << said(r);
}

// Before any cluster: a missing target file is 66, a malformed one 65 with
// its line, an option it does not declare 64... the last after the nodes are
// up but before anything is deployed, as for built-in targets.
TEST(TargetFileCli, BadFilesAreRefusedWithTheirExitCodes) {
  TempDir tmp;
  Result r = spawn(tmp.path(), kFaultline, {"run", "--target-file", "missing.toml"});
  EXPECT_EQ(r.code, 66) << said(r);
  EXPECT_NE(r.err.find("cannot read target file missing.toml"), std::string::npos) << said(r);
  const fs::path bad = tmp.path() / "bad.toml";
  std::ofstream(bad) << "[target]\nname = \"kv\"\nport = 0\n";
  r = spawn(tmp.path(), kFaultline, {"run", "--target-file", bad.string()});
  EXPECT_EQ(r.code, 65) << said(r);
  EXPECT_NE(r.err.find(bad.string() + ":1: target needs 'dir'"), std::string::npos) << said(r);
}

}  // namespace
