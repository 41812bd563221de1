// `faultline run` end to end: the real binary brings up a real local cluster
// (namespaces, sshd), deploys raftkv over SSH, drives a workload, records,
// checks, reports and tears down. Needs root (label: cluster).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/run_support.h"

namespace {

using namespace run_support;

std::string query_text(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string value;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr)
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    else
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

// `faultline run` on a 3-node cluster at 200 ops/s by 6 clients, seed 7.
class run : public ClusterTest {
 protected:
  std::vector<std::string> args(const std::string& name, std::vector<std::string> more) {
    std::vector<std::string> a = {"--nodes", "3",   "--concurrency", "6",
                                  "--rate",  "200", "--seed",        "7"};
    a.insert(a.end(), more.begin(), more.end());
    return run_args(name, a);
  }
};

TEST_F(run, RegisterWithoutFaultsIsValidAndEverythingIsRecorded) {
  Result r = faultline(args("reg", {"--workload", "register", "--nemesis", "none", "--time-limit",
                                    "20", "--junit", (tmp_.path() / "junit.xml").string()}));
  ASSERT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find("reg: valid (exit 0)"), std::string::npos) << said(r);

  const fs::path dir = run_dir(tmp_.path() / "store", "reg");
  for (const char* file : {"history.jsonl", "run.json", "faultline.log", "report.html",
                           "nodes/n1/raftkv.log", "nodes/n3/raftkv.log"})
    EXPECT_TRUE(fs::is_regular_file(dir / file)) << file;
  const nlohmann::json manifest = nlohmann::json::parse(read_file(dir / "run.json"));
  EXPECT_EQ(manifest["status"], "done");
  EXPECT_EQ(manifest["verdict"], "valid");
  EXPECT_EQ(manifest["seed"], 7);
  EXPECT_GT(manifest["ops"]["ok"].get<int>(), 1000);  // 20 s at 200/s, most of them ok

  // The database holds the run, every event of history.jsonl and the results.
  const fs::path db = tmp_.path() / "store" / "faultline.db";
  const std::string id = std::to_string(manifest["run_id"].get<int64_t>());
  EXPECT_EQ(query_text(db, "SELECT verdict FROM runs WHERE id = " + id), "valid");
  EXPECT_EQ(query_text(db, "SELECT status FROM runs WHERE id = " + id), "done");
  EXPECT_EQ(query_text(db, "SELECT store_dir FROM runs WHERE id = " + id), dir.string());
  EXPECT_EQ(query_text(db, "SELECT count(*) FROM events WHERE run_id = " + id),
            std::to_string(lines_of(read_file(dir / "history.jsonl")).size()));
  EXPECT_EQ(query_text(db, "SELECT count(*) FROM checker_results WHERE run_id = " + id), "1");
  EXPECT_NE(read_file(tmp_.path() / "junit.xml").find("<testcase"), std::string::npos);

  // The cluster the run brought up is gone again.
  EXPECT_FALSE(fs::exists(tmp_.path() / "clusters" / cluster_));
}

TEST_F(run, SetLosesNothing) {
  Result r =
      faultline(args("set", {"--workload", "set", "--nemesis", "none", "--time-limit", "10"}));
  ASSERT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find("set: valid"), std::string::npos) << said(r);
  const nlohmann::json manifest =
      nlohmann::json::parse(read_file(run_dir(tmp_.path() / "store", "set") / "run.json"));
  ASSERT_EQ(manifest["checkers"].size(), 1u);
  EXPECT_EQ(manifest["checkers"][0]["checker"], "set");
  EXPECT_EQ(manifest["checkers"][0]["verdict"], "valid");
}

TEST_F(run, StaleReadsAreCaughtWithoutANemesis) {
  // raftkv's read-cache failpoint answers reads from a cache that writes do
  // not invalidate (kept 200 ms): stale reads with no fault injected, which
  // the register checker must find (exit 1) — proof the pipeline can fail.
  Result r = faultline(args("stale", {"--workload", "register", "--nemesis", "none", "--time-limit",
                                      "10", "--opt", "unsafe-failpoint=read-cache"}));
  EXPECT_EQ(r.code, 1) << said(r);
  EXPECT_NE(r.out.find("stale: invalid (exit 1)"), std::string::npos) << said(r);
}

// The DHT in its linearizable mode (ABD quorums) stays valid under
// partitions and kills; in eventual mode with R = W = 1 a partition makes
// replicas diverge and the checker shows the stale read.
TEST_F(run, DhtAbdIsLinearizableUnderPartitionsAndKills) {
  Result r =
      faultline(args("abd", {"--target", "dht", "--workload", "register", "--nemesis",
                             "partition,kill", "--nemesis-interval", "3", "--time-limit", "20"}));
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find("abd: valid (exit 0)"), std::string::npos) << said(r);
}

TEST_F(run, DhtEventualIsCaughtUnderPartitions) {
  Result r = faultline(
      args("eventual", {"--target", "dht", "--opt", "mode=eventual", "--opt", "r=1", "--opt", "w=1",
                        "--workload", "register", "--nemesis", "partition", "--nemesis-interval",
                        "1", "--rate", "400", "--time-limit", "20"}));
  EXPECT_EQ(r.code, 1) << said(r);
  EXPECT_NE(r.out.find("eventual: invalid (exit 1)"), std::string::npos) << said(r);
  EXPECT_NE(r.out.find("minimal core"), std::string::npos) << said(r);
}

// faultline-paxos (CASPaxos per key): valid under partitions and kills;
// its local-read failpoint (a read answered by one replica without a
// quorum) caught under partitions.
TEST_F(run, PaxosIsLinearizableUnderPartitionsAndKillsAndItsLocalReadsAreCaught) {
  Result r =
      faultline(args("paxos", {"--target", "paxos", "--workload", "register", "--nemesis",
                               "partition,kill", "--nemesis-interval", "3", "--time-limit", "20"}));
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_NE(r.out.find("paxos: valid (exit 0)"), std::string::npos) << said(r);
  // At 200 ops/s and a partition every 2 s, 20 s caught it in 3 of 5 runs;
  // at 400 ops/s and every 1 s, in 6 of 6.
  r = faultline(args("local-read", {"--target", "paxos", "--workload", "register", "--nemesis",
                                    "partition", "--nemesis-interval", "1", "--rate", "400",
                                    "--opt", "unsafe-failpoint=local-read", "--time-limit", "20"}));
  EXPECT_EQ(r.code, 1) << said(r);
  EXPECT_NE(r.out.find("local-read: invalid (exit 1)"), std::string::npos) << said(r);
}

TEST_F(run, KilledControllerLeavesAReadableHistory) {
  const pid_t pid =
      start(tmp_.path(), kFaultline,
            args("killed", {"--workload", "register", "--nemesis", "none", "--time-limit", "60"}));
  ASSERT_GT(pid, 0);
  // Wait until ops are being recorded, then kill the controller outright.
  fs::path history;
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (fs::exists(tmp_.path() / "store" / "killed")) {
      history = run_dir(tmp_.path() / "store", "killed") / "history.jsonl";
      if (fs::exists(history) && lines_of(read_file(history)).size() > 200) break;
    }
  }
  kill(pid, SIGKILL);
  Result killed = finish(tmp_.path(), pid);
  ASSERT_EQ(killed.code, 128 + SIGKILL);
  ASSERT_FALSE(history.empty()) << said(killed);
  const size_t lines = lines_of(read_file(history)).size();
  EXPECT_GT(lines, 200u);
  // What was recorded is a well-formed history that can be checked.
  Result check = faultline({"check", history.string(), "--model", "register"});
  EXPECT_EQ(check.code, 0) << said(check);
  const nlohmann::json manifest =
      nlohmann::json::parse(read_file(history.parent_path() / "run.json"));
  EXPECT_EQ(manifest["status"], "running");  // nobody could say otherwise
  // But `faultline runs` sees that its controller is gone (controller.lock).
  const std::string db = (store() / "faultline.db").string();
  Result runs = faultline({"runs", "--db", db, "--json"});
  ASSERT_EQ(runs.code, 0) << said(runs);
  const nlohmann::json listed = nlohmann::json::parse(lines_of(runs.out).at(0));
  EXPECT_EQ(listed["status"], "running");
  EXPECT_EQ(listed["controller_gone"], true) << runs.out;
  runs = faultline({"runs", "--db", db});
  EXPECT_NE(lines_of(runs.out).at(1).find("died"), std::string::npos) << runs.out;
}

TEST_F(run, BadOptionsAreUsageErrorsBeforeAnythingIsDeployed) {
  Result r = faultline(args("bad", {"--workload", "nope"}));
  EXPECT_EQ(r.code, 64) << said(r);
  EXPECT_NE(r.err.find("unknown workload 'nope'"), std::string::npos) << said(r);
  r = faultline(args("bad", {"--opt", "no-such-option=1", "--nemesis", "none"}));
  EXPECT_EQ(r.code, 64) << said(r);
  EXPECT_NE(r.err.find("no-such-option"), std::string::npos) << said(r);
  r = faultline(args("bad", {"--nemesis", "flood"}));
  EXPECT_EQ(r.code, 64) << said(r);
  EXPECT_NE(r.err.find("unknown nemesis 'flood'"), std::string::npos) << said(r);
  r = faultline(args("bad", {"--nemesis", "partition:thirds"}));
  EXPECT_EQ(r.code, 64) << said(r);
  EXPECT_NE(r.err.find("unknown partition spec 'thirds'"), std::string::npos) << said(r);
  r = faultline(args("bad", {"--nemesis", "clock", "--nemesis-opt", "bump-s=0"}));
  EXPECT_EQ(r.code, 64) << said(r);
  EXPECT_NE(r.err.find("nemesis option bump-s: expected an integer in [1, 86400], got '0'"),
            std::string::npos)
      << said(r);
}

}  // namespace
