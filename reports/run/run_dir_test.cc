#include "reports/run/run_dir.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace faultline {
namespace {

const std::string kRunDir =
    std::string(FAULTLINE_REPORTS_TESTDATA) + "/store/raftkv-register/20261126T113300Z";

TEST(RunDir, ReadsTheFixturesManifest) {
  RunManifest m;
  Status st = read_run_manifest(kRunDir, &m);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(m.run_id, 7);
  EXPECT_EQ(m.name, "raftkv-register");
  EXPECT_EQ(m.target, "raftkv");
  EXPECT_EQ(m.workload, "register");
  EXPECT_EQ(m.nemesis, "partition-random-node");
  EXPECT_EQ(m.seed, 42);
  EXPECT_EQ(m.started_at_unix_ms, 1795692780000);
  EXPECT_EQ(m.ended_at_unix_ms, 1795692783100);
  EXPECT_EQ(m.status, "done");
  EXPECT_EQ(m.verdict, "invalid");
  EXPECT_EQ(m.config.value("concurrency", 0), 3);
  EXPECT_EQ(m.ops["ok"], 5);
  ASSERT_EQ(m.checkers.size(), 1u);
  EXPECT_EQ(m.checkers[0].checker, "linearizable");
  EXPECT_EQ(m.checkers[0].verdict, Verdict::kInvalid);
  ASSERT_EQ(m.checkers[0].anomalies.size(), 1u);
  EXPECT_EQ(m.checkers[0].anomalies[0].kind, "nonlinearizable");
  EXPECT_EQ(m.checkers[0].anomalies[0].key, "k1");
}

TEST(RunDir, CheckResultsRoundTripThroughJson) {
  CheckResult r;
  r.checker = "set";
  r.verdict = Verdict::kUnknown;
  r.summary = "unknown: never read";
  r.anomalies.push_back({"lost", "s", "3 was added and never read", {{"element", 3}}});
  r.details = {{"reads", 0}};
  r.input_error = "f:1: expected an integer";
  CheckResult back;
  Status st = check_result_from_json(r.to_json(), "x", &back);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(back.to_json(), r.to_json());
}

TEST(RunDir, BadManifestsSayWhatWasExpected) {
  RunManifest m;
  auto error = [&](const std::string& text) {
    Status st = parse_run_manifest(text, "run.json", &m);
    EXPECT_EQ(st.code(), Status::Code::kMalformed) << text;
    return st.message();
  };
  EXPECT_EQ(error("not json"), "run.json: expected a JSON object");
  EXPECT_EQ(error("[1]"), "run.json: expected a JSON object");
  EXPECT_EQ(error(R"({"run_id": "7"})"), "run.json: expected \"run_id\" to be an integer");
  EXPECT_EQ(error(R"({"name": 3})"), "run.json: expected \"name\" to be a string");
  EXPECT_EQ(error(R"({"config": []})"), "run.json: expected \"config\" to be an object");
  EXPECT_EQ(error(R"({"checkers": [{"checker": "set", "verdict": "maybe"}]})"),
            "run.json: checkers[0]: expected \"verdict\" to be \"valid\", \"invalid\" or "
            "\"unknown\"");
  EXPECT_EQ(error(R"({"checkers": [{"verdict": "valid", "anomalies": [1]}]})"),
            "run.json: checkers[0]: expected each anomaly to be an object");
}

TEST(RunDir, AMinimalManifestIsEnough) {
  RunManifest m;
  Status st = parse_run_manifest(R"({"name": "t", "status": "aborted", "seed": null})", "r", &m);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(m.name, "t");
  EXPECT_EQ(m.status, "aborted");
  EXPECT_TRUE(m.seed.is_null());
  EXPECT_TRUE(m.checkers.empty());
  EXPECT_EQ(m.ended_at_unix_ms, 0);
}

TEST(RunDir, AMissingManifestIsAnIoErrorNamingIt) {
  RunManifest m;
  Status st = read_run_manifest("/nonexistent/run", &m);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("/nonexistent/run/run.json"), std::string::npos) << st.message();
}

TEST(RunDir, ListsEachNodesLogs) {
  std::vector<NodeLogs> nodes;
  Status st = list_node_logs(kRunDir, &nodes);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].node, "n1");
  EXPECT_EQ(nodes[2].node, "n3");
  EXPECT_EQ(nodes[1].files, std::vector<std::string>{"nodes/n2/raftkv.log"});
  // A run without nodes/ has none.
  ASSERT_TRUE(list_node_logs(kRunDir + "/nodes/n1", &nodes).is_ok());
  EXPECT_TRUE(nodes.empty());
}

}  // namespace
}  // namespace faultline
