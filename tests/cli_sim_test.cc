// `faultline sim` end to end: usage errors and their exit codes, a failing
// seed printed with the command that replays it (and that command failing
// the same way), a seed's run in the store marked simulated, and --shrink's
// test file replayed by --test.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/cli_support.h"

namespace {

using cli_support::said;
using cli_support::TempDir;

// A small test: 3 nodes, 10 virtual seconds.
std::vector<std::string> small(const TempDir& dir, std::vector<std::string> more) {
  std::vector<std::string> args = {"sim", "--store", (dir.path() / "store").string()};
  const std::vector<std::string> test = cli_support::small_sim_test();
  args.insert(args.end(), test.begin(), test.end());
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

cli_support::Result sim(const TempDir& dir, const std::vector<std::string>& args) {
  return cli_support::spawn(dir.path(), FAULTLINE_BIN, args);
}

TEST(CliSim, UsageErrorsExit64) {
  TempDir dir;
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--workload", "nope"},
                                              {"--target", "etcd"},
                                              {"--opt", "diskfs=ext4"},
                                              {"--nemesis", "latency:bandwidth"},
                                              {"--opt", "unsafe-failpoint=nope"},
                                              {"--seeds", "0"}}) {
    const cli_support::Result r = sim(dir, small(dir, bad));
    EXPECT_EQ(r.code, 64) << bad[0] << " " << bad[1] << ": " << said(r);
  }
  const cli_support::Result r = sim(dir, small(dir, {"--nemesis", "latency:bandwidth"}));
  EXPECT_NE(r.err.find("does not simulate latency:bandwidth"), std::string::npos) << said(r);
  const cli_support::Result paxos =
      sim(dir, small(dir, {"--target", "paxos", "--opt", "unsafe-failpoint=no-persist-vote"}));
  EXPECT_EQ(paxos.code, 64) << said(paxos);
  EXPECT_NE(paxos.err.find("no-persist-vote"), std::string::npos) << said(paxos);
  // A workload the target does not run, refused as by faultline run.
  const cli_support::Result bank =
      sim(dir, small(dir, {"--target", "paxos", "--workload", "bank"}));
  EXPECT_EQ(bank.code, 64) << said(bank);
  EXPECT_NE(bank.err.find("bank: expected a target with CAS and MULTI/EXEC"), std::string::npos)
      << said(bank);
}

// kill:aimed is portable: faultline sim maps it onto its aimed kills, and
// faultline run refuses it, before anything is deployed, on a target whose
// servers have no crash points.
TEST(CliSim, AimedKillsRunInSimAndAreRefusedOnTargetsWithoutCrashPoints) {
  TempDir dir;
  const cli_support::Result r = sim(dir, small(dir, {"--nemesis", "kill:aimed", "--nemesis-opt",
                                                     "crash-percent=100", "--seed", "5"}));
  ASSERT_EQ(r.code, 0) << said(r);
  std::string history;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path() / "store"))
    if (e.path().filename() == "history.jsonl") history = cli_support::read_file(e.path());
  EXPECT_NE(history.find(R"("f":"start-kill","value":{"percent":100,"spec":"aimed"})"),
            std::string::npos)
      << history.substr(0, 2000);
  for (const std::string target : {"dht", "etcd"}) {
    const cli_support::Result refused =
        cli_support::spawn(dir.path(), FAULTLINE_BIN,
                           {"run", "--target", target, "--nemesis", "kill:aimed", "--store",
                            (dir.path() / "run-store").string()});
    EXPECT_EQ(refused.code, 64) << target << ": " << said(refused);
    EXPECT_NE(refused.err.find("--nemesis kill:aimed: target '" + target +
                               "' has no crash points (raftkv has 'vote', paxos 'promise')"),
              std::string::npos)
        << said(refused);
  }
}

TEST(CliSim, TestFileErrorsExit66And65) {
  TempDir dir;
  const cli_support::Result missing =
      sim(dir, small(dir, {"--test", (dir.path() / "none.toml").string()}));
  EXPECT_EQ(missing.code, 66) << said(missing);
  const auto bad = dir.path() / "bad.toml";
  std::ofstream(bad) << "nodes = 3\ntime-limit = [\n";
  const cli_support::Result malformed = sim(dir, small(dir, {"--test", bad.string()}));
  EXPECT_EQ(malformed.code, 65) << said(malformed);
  EXPECT_NE(malformed.err.find("bad.toml:"), std::string::npos) << said(malformed);
}

TEST(CliSim, FailingSeedIsPrintedWithItsReplayWhichFailsAlike) {
  TempDir dir;
  const cli_support::Result r =
      sim(dir, small(dir, {"--nemesis", "partition", "--opt", "unsafe-failpoint=follower-read",
                           "--seed", "1", "--seeds", "20", "--jobs", "2"}));
  ASSERT_EQ(r.code, 1) << said(r);
  const size_t at = r.out.find("replay: ");
  ASSERT_NE(at, std::string::npos) << said(r);
  const std::string replay = r.out.substr(at + 8, r.out.find('\n', at) - at - 8);
  ASSERT_TRUE(replay.starts_with("faultline sim ")) << replay;
  std::vector<std::string> args = {"sim"};
  std::istringstream words(replay.substr(14));
  for (std::string w; words >> w;) args.push_back(w);
  args.insert(args.end(), {"--store", (dir.path() / "replay").string()});
  const cli_support::Result again = sim(dir, args);
  EXPECT_EQ(again.code, 1) << said(again);
  EXPECT_NE(again.out.find("invalid"), std::string::npos) << said(again);
}

// paxos and dht run under the same flags: a failpoint caught with its replay
// (which names the target), and the correct dht valid.
TEST(CliSim, PaxosAndDhtAreSimulated) {
  TempDir dir;
  const cli_support::Result r = sim(
      dir,
      small(dir, {"--target", "paxos", "--nemesis", "partition", "--opt",
                  "unsafe-failpoint=local-read", "--seed", "1", "--seeds", "20", "--jobs", "2"}));
  ASSERT_EQ(r.code, 1) << said(r);
  EXPECT_NE(r.out.find("replay: faultline sim --target paxos "), std::string::npos) << said(r);
  const cli_support::Result dht =
      sim(dir, small(dir, {"--target", "dht", "--nemesis", "partition,kill", "--seed", "1",
                           "--seeds", "10", "--jobs", "2"}));
  EXPECT_EQ(dht.code, 0) << said(dht);
  EXPECT_NE(dht.out.find("10 of 10 seeds"), std::string::npos) << said(dht);
}

TEST(CliSim, OneSeedIsStoredAsASimulatedRun) {
  TempDir dir;
  const cli_support::Result r = sim(dir, small(dir, {"--nemesis", "partition", "--seed", "5"}));
  ASSERT_EQ(r.code, 0) << said(r);
  const auto runs = dir.path() / "store" / "sim-raftkv-register-partition";
  ASSERT_TRUE(std::filesystem::is_directory(runs)) << said(r);
  const auto run = std::filesystem::directory_iterator(runs)->path();
  const nlohmann::json manifest = nlohmann::json::parse(cli_support::read_file(run / "run.json"));
  EXPECT_EQ(manifest["config"]["simulated"], true);
  EXPECT_EQ(manifest["seed"], 5);
  EXPECT_EQ(manifest["verdict"], "valid");
  EXPECT_TRUE(std::filesystem::exists(run / "history.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(run / "report.html"));
}

// The value after the last `label` on its line of `text` ("" if absent).
std::string after(const std::string& text, const std::string& label) {
  const size_t at = text.rfind(label);
  if (at == std::string::npos) return "";
  const size_t from = at + label.size();
  return text.substr(from, text.find('\n', from) - from);
}

// `faultline sim --shrink`: a failing seed becomes a smaller test file that
// `faultline sim --test` replays to the same verdict, byte for byte.
TEST(CliSim, ShrinkWritesASmallerTestFileThatReplaysToTheSameVerdict) {
  TempDir dir;
  const cli_support::Result r =
      sim(dir,
          small(dir, {"--nemesis", "partition", "--opt", "unsafe-failpoint=follower-read", "--seed",
                      "1", "--seeds", "20", "--jobs", "2", "--shrink", "--shrink-budget", "300"}));
  ASSERT_EQ(r.code, 1) << said(r);
  // "shrunk seed S: ops A -> B, faults C -> D, virtual seconds ..."
  int ops_before = 0, ops_after = 0, faults_before = 0, faults_after = 0;
  const std::string sizes = after(r.out, "shrunk seed ");
  ASSERT_EQ(std::sscanf(sizes.substr(sizes.find("ops ")).c_str(), "ops %d -> %d, faults %d -> %d",
                        &ops_before, &ops_after, &faults_before, &faults_after),
            4)
      << said(r);
  EXPECT_LT(ops_after, ops_before) << said(r);
  EXPECT_LT(faults_after, faults_before) << said(r);
  const std::string file = after(r.out, "  test file: ");
  ASSERT_TRUE(file.ends_with("/shrunk.toml")) << said(r);
  const std::filesystem::path run = std::filesystem::path(file).parent_path();
  EXPECT_TRUE(std::filesystem::exists(run / "report.html"));
  EXPECT_EQ(after(r.out, "  replay: "), "faultline sim --test " + file);

  std::string histories[2];
  for (std::string& history : histories) {
    const auto store = dir.path() / ("replay-" + std::to_string(&history - histories));
    const cli_support::Result again = sim(dir, {"sim", "--test", file, "--store", store.string()});
    EXPECT_EQ(again.code, 1) << said(again);
    EXPECT_NE(again.out.find("invalid"), std::string::npos) << said(again);
    const auto runs = store / "sim-raftkv-register-partition";
    ASSERT_TRUE(std::filesystem::is_directory(runs)) << said(again);
    history =
        cli_support::read_file(std::filesystem::directory_iterator(runs)->path() / "history.jsonl");
  }
  EXPECT_EQ(histories[0], histories[1]);
  EXPECT_EQ(histories[0], cli_support::read_file(run / "history.jsonl"));
}

TEST(CliSim, BadShrinkBudgetsExit64AndAValidSeedHasNothingToShrink) {
  TempDir dir;
  for (const char* bad : {"0", "abc", "1.5", "s"}) {
    const cli_support::Result r =
        sim(dir, small(dir, {"--nemesis", "none", "--shrink", "--shrink-budget", bad}));
    EXPECT_EQ(r.code, 64) << bad << ": " << said(r);
  }
  const cli_support::Result r =
      sim(dir, small(dir, {"--nemesis", "none", "--seed", "3", "--shrink"}));
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_EQ(r.out.find("shrinking"), std::string::npos) << said(r);
}

}  // namespace
