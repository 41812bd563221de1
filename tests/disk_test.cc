// The disk nemesis end to end (docs/nemesis.md, "disk"; issue 20): raftkv's
// no-fsync failpoint acknowledges writes it never fsynced, and a power cut
// (disk:lose-unsynced: every server killed, what was not fsynced dropped by
// faultline-diskfs, servers restarted) loses them: invalid. Correct raftkv
// under every disk spec: valid. The cases are suites/nightly.toml's (like
// detect_test.cc); one plain `faultline run` checks what the history says
// was lost and that the mounts are gone afterwards, and `faultline cluster
// heal` ends the failing disks of a controller killed mid-run. Real local 3-node
// clusters through FUSE; needs root and /dev/fuse (label: cluster).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/run_support.h"

namespace {

using namespace run_support;

const std::string kNightly = std::string(FAULTLINE_SOURCE_DIR) + "/suites/nightly.toml";

class disk : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    FAULTLINE_REQUIRE(access("/dev/fuse", R_OK | W_OK) == 0, "needs /dev/fuse");
  }

  int run_case(const std::string& id, uint64_t seed, std::string* why) {
    const Result r = faultline({"suite", kNightly, "--case", id, "--seed", std::to_string(seed),
                                "--time-limit", "30", "--cluster", cluster_, "--cluster-root",
                                clusters(), "--store", store().string(), "--quiet"});
    *why = "faultline suite suites/nightly.toml --case " + id + " --seed " + std::to_string(seed) +
           " --time-limit 30\n" + said(r);
    return r.code;
  }
};

// Each power cut takes every node's unsynced WAL records: with no-fsync,
// everything acknowledged since the start. Up to kDetectAttempts runs, as in
// detect_test.cc (bench/detect.sh measures the rate).
TEST_F(disk, PowerCutsFindNoFsync) {
  std::string why;
  EXPECT_TRUE(caught_within_attempts(
      1101, 0, [&](uint64_t seed) { return run_case("no-fsync#1", seed, &why); }))
      << "not detected in " << kDetectAttempts << " runs; the last: " << why;
}

TEST_F(disk, CorrectRaftkvSurvivesEveryDiskFault) {
  std::string why;
  EXPECT_EQ(run_case("disk-control", 1101, &why), 0) << why;
}

TEST_F(disk, HistorySaysWhatWasLostAndMountsGo) {
  // A cluster the run did not bring up, so that it stays for a look after.
  const Result up =
      faultline({"cluster", "up", "--name", cluster_, "--root", clusters(), "--nodes", "3"});
  ASSERT_EQ(up.code, 0) << said(up);
  const Result r = faultline(run_args(
      "disk-lost", {"--target", "raftkv", "--workload", "counter", "--nodes", "3", "--time-limit",
                    "12", "--nemesis", "disk:lose-unsynced", "--nemesis-interval", "3", "--opt",
                    "unsafe-failpoint=no-fsync", "--seed", "5", "--quiet"}));
  EXPECT_TRUE(r.code == 0 || r.code == 1) << said(r);
  std::ifstream in(run_dir(store(), "disk-lost") / "history.jsonl");
  ASSERT_TRUE(in) << "no history; " << said(r);
  int cuts = 0;
  int wal_lost = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"start-disk\"") == std::string::npos ||
        line.find("\"lost\"") == std::string::npos)
      continue;
    // {"lost": {"n1": {"bytes": N, "entries": [...], "files": ["wal-..."]}, ...}}
    EXPECT_NE(line.find("\"bytes\""), std::string::npos) << line;
    ++cuts;
    // A cut within an election timeout of the previous one's restart can
    // find nothing written since (no leader yet): it loses no bytes.
    if (line.find("wal-") != std::string::npos) ++wal_lost;
  }
  EXPECT_GT(cuts, 0) << "no start-disk completion with a lost value";
  EXPECT_GT(wal_lost, 0) << "no power cut took unsynced WAL bytes, in " << cuts << " cuts";
  // Every node's diskfs ran, and the run's end (stop) unmounted it.
  int logs = 0;
  for (const auto& e : fs::recursive_directory_iterator(clusters())) {
    EXPECT_NE(e.path().filename(), "diskfs.pid") << e.path() << " left behind";
    if (e.path().filename() == "diskfs.log") ++logs;
  }
  EXPECT_EQ(logs, 3);
}

// Nobody heals after SIGKILL: a failing disk stays failing until `faultline
// cluster heal` (SIGUSR1 to every faultline-diskfs in the nodes) ends it. The
// diskfs control sockets are reached from the host through the nodes' /root.
TEST_F(disk, ClusterHealEndsTheFailingDisksOfAKilledController) {
  const Result up =
      faultline({"cluster", "up", "--name", cluster_, "--root", clusters(), "--nodes", "3"});
  ASSERT_EQ(up.code, 0) << said(up);
  const fs::path out = tmp_.path() / "run";
  fs::create_directories(out);
  auto failing = [&] {
    int n = 0;
    for (const auto& e : fs::recursive_directory_iterator(clusters())) {
      if (e.path().filename() != "diskfs.sock") continue;
      const Result r = spawn(out, FAULTLINE_DISKFS_BIN, {"ctl", e.path().string(), "status"});
      n += r.out.find("\"failing\":true") != std::string::npos;
    }
    return n;
  };
  int left = 0;
  for (int attempt = 1; attempt <= 3 && left == 0; ++attempt) {
    const pid_t pid = start(
        out, kFaultline,
        run_args("disk-heal", {"--nodes", "3", "--nemesis", "disk:fail", "--nemesis-opt",
                               "disk-fail-s=600", "--nemesis-interval", "2", "--time-limit", "60",
                               "--concurrency", "4", "--rate", "100", "--seed", "3", "--quiet"}));
    ASSERT_GT(pid, 0);
    for (int i = 0; i < 300 && failing() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    kill(pid, SIGKILL);
    finish(out, pid);
    left = failing();  // unless stop-disk healed it just before
  }
  ASSERT_EQ(left, 1) << "no failing disk left by a killed controller in 3 attempts";
  const Result heal = faultline({"cluster", "heal", "--name", cluster_, "--root", clusters()});
  EXPECT_EQ(heal.code, 0) << said(heal);
  EXPECT_EQ(failing(), 0);
}

}  // namespace
