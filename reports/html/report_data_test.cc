#include "reports/html/report_data.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "bench/history_generator.h"
#include "checkers/checker.h"
#include "history/reader.h"
#include "reports/html/nemesis_intervals.h"

namespace faultline {
namespace {

using nlohmann::json;
namespace col = report_column;

struct Checked {
  History history;
  std::vector<Operation> ops;
  CheckResult result;
  json data;
};

void check_and_build(Checked* c, const std::string& model, const ReportOptions& options) {
  c->result = make_checker(model)->check(c->history, c->ops, CheckOptions{});
  c->data = build_report_data(c->history, c->ops, {c->result}, {{"model", model}},
                              c->history.source, options);
}

void read_and_build(const std::string& path, const std::string& model, Checked* c,
                    const ReportOptions& options = {}) {
  Status st = read_history(path, ReadOptions{}, &c->history, &c->ops);
  ASSERT_TRUE(st.is_ok()) << st.message();
  check_and_build(c, model, options);
}

void parse_and_build(const std::string& jsonl, const std::string& model, Checked* c,
                     const ReportOptions& options = {}) {
  Status st = parse_jsonl(jsonl, "test.jsonl", &c->history);
  ASSERT_TRUE(st.is_ok()) << st.message();
  st = pair_operations(c->history, &c->ops);
  ASSERT_TRUE(st.is_ok()) << st.message();
  check_and_build(c, model, options);
}

std::string function_of(const json& data, const json& row) {
  return data["functions"][row[col::kFunction].get<size_t>()];
}

TEST(ReportData, StaleReadExampleHasTheFailureItsCoreAndPrefix) {
  Checked c;
  read_and_build(std::string(FAULTLINE_EXAMPLES_DIR) + "/register-stale-read.jsonl", "register",
                 &c);
  const json& d = c.data;
  EXPECT_EQ(d["verdict"], "invalid");
  EXPECT_EQ(d["time_unit"], "ns");
  EXPECT_EQ(d["config"]["model"], "register");
  ASSERT_EQ(d["results"].size(), 1u);
  EXPECT_EQ(d["results"][0]["checker"], "linearizable");
  EXPECT_EQ(d["stats"]["ops"], 3);
  EXPECT_EQ(d["stats"]["end"], 50000000);
  EXPECT_EQ(d["sampling"]["downsampled"], false);
  const json& rows = d["ops"];
  ASSERT_EQ(rows.size(), 3u);
  // Row 2: process 2's read of 1, lines 5-6, 40-50 ms.
  const json& read = rows[2];
  EXPECT_EQ(read[col::kProcess], 2);
  EXPECT_EQ(function_of(d, read), "read");
  EXPECT_EQ(read[col::kType], 0);
  EXPECT_EQ(read[col::kStart], 40000000);
  EXPECT_EQ(read[col::kEnd], 50000000);
  EXPECT_EQ(read[col::kValue], "null");
  EXPECT_EQ(read[col::kResult], "1");
  EXPECT_EQ(read[col::kLine], 5);
  EXPECT_EQ(read[col::kEndLine], 6);
  EXPECT_EQ(d["keys"][read[col::kKey].get<size_t>()], "");

  ASSERT_EQ(d["linearizability"].size(), 1u);
  const json& lin = d["linearizability"][0];
  EXPECT_EQ(lin["key"], "");
  EXPECT_EQ(lin["op"], 2);
  EXPECT_EQ(lin["core"], json::array({1, 2}));         // write 2, then the read of 1
  EXPECT_EQ(lin["prefix_tail"], json::array({0, 1}));  // write 1, write 2
  EXPECT_EQ(lin["prefix_length"], 2);
  EXPECT_EQ(lin["states_before"], json::array({"2"}));
  EXPECT_EQ(lin["core_any_initial"], true);
  EXPECT_EQ(lin["window"], json::array({1, 2}));  // the ops overlapping the core's span
  EXPECT_EQ(lin["window_start"], 20000000);
  EXPECT_EQ(lin["window_end"], 50000000);
  EXPECT_EQ(rows[0][col::kFlags], kFlagAnomaly);  // only in the prefix tail
  EXPECT_EQ(rows[1][col::kFlags], kFlagAnomaly | kFlagWindow);
  EXPECT_EQ(rows[2][col::kFlags], kFlagAnomaly | kFlagWindow);
}

TEST(ReportData, NemesisFaultsPendingOpsAndOddKeys) {
  Checked c;
  read_and_build(std::string(FAULTLINE_REPORT_TESTDATA) + "/register-stale-read-nemesis.jsonl",
                 "register", &c);
  const json& d = c.data;
  ASSERT_EQ(d["nemesis"].size(), 1u);
  EXPECT_EQ(d["nemesis"][0]["name"], "partition");
  EXPECT_EQ(d["nemesis"][0]["start"], 12000000);
  EXPECT_EQ(d["nemesis"][0]["end"], 71000000);
  EXPECT_EQ(d["nemesis"][0]["open"], false);
  ASSERT_EQ(d["nemesis_events"].size(), 4u);
  EXPECT_EQ(d["nemesis_events"][0],
            json::array({12000000, "start-partition", "info", "\"<b>majority</b>\"", 3}));
  // Keys are shown as people read them; values as canonical JSON text.
  std::set<std::string> keys(d["keys"].begin(), d["keys"].end());
  EXPECT_EQ(keys, (std::set<std::string>{"</script><b>k&\xC3\xA9\"'", "x"}));
  const json& pending = d["ops"].back();
  EXPECT_EQ(pending[col::kType], 3);
  EXPECT_TRUE(pending[col::kEnd].is_null());
  EXPECT_TRUE(pending[col::kResult].is_null());
  EXPECT_EQ(pending[col::kValue], "\"\xC3\xA9\xE2\x80\xA8</script>\"");
  const json& lin = d["linearizability"].at(0);
  EXPECT_EQ(lin["key"], "</script><b>k&\xC3\xA9\"'");
  EXPECT_EQ(d["ops"][lin["op"].get<size_t>()][col::kResult], "\"<script>alert(1)</script>\"");
  // The window is the failing key's ops only: not the reads and writes of x.
  for (const json& i : lin["window"])
    EXPECT_EQ(d["keys"][d["ops"][i.get<size_t>()][col::kKey].get<size_t>()], lin["key"]);
}

// The recorder's error and node ride along with an op's row, for tooltips;
// rows without them stay as short as before.
TEST(ReportData, RowsCarryTheCompletionsErrorAndNode) {
  Checked c;
  parse_and_build(
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1,\"time\":0}\n"
      "{\"process\":0,\"type\":\"info\",\"f\":\"write\",\"value\":1,\"time\":5,"
      "\"error\":\"timed out\",\"node\":\"n2\"}\n"
      "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"time\":6}\n"
      "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":1,\"time\":7,\"node\":\"n1\"}\n"
      "{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"time\":8}\n"
      "{\"process\":2,\"type\":\"ok\",\"f\":\"read\",\"value\":1,\"time\":9}\n",
      "register", &c);
  const json& rows = c.data["ops"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][col::kError], "timed out");
  EXPECT_EQ(rows[0][col::kNode], "n2");
  EXPECT_TRUE(rows[1][col::kError].is_null());
  EXPECT_EQ(rows[1][col::kNode], "n1");
  EXPECT_EQ(rows[2].size(), static_cast<size_t>(col::kFlags + 1));
}

TEST(ReportData, WithoutTimesPositionsAreEventNumbers) {
  Checked c;
  parse_and_build(
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
      "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"kill\"}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n"
      "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"recover\"}\n",
      "register", &c);
  EXPECT_EQ(c.data["verdict"], "valid");
  EXPECT_EQ(c.data["time_unit"], "event");
  EXPECT_EQ(c.data["ops"][0][col::kStart], 0);
  EXPECT_EQ(c.data["ops"][0][col::kEnd], 2);
  EXPECT_EQ(c.data["nemesis"][0],
            json({{"name", "kill"}, {"start", 1}, {"end", 3}, {"open", false}}));
  EXPECT_TRUE(c.data["linearizability"].empty());
}

TEST(ReportData, WorkloadAnomaliesFlagTheirOps) {
  Checked c;
  parse_and_build(
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"add\",\"value\":1}\n"
      "{\"process\":1,\"type\":\"invoke\",\"f\":\"add\",\"value\":2}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"add\",\"value\":1}\n"
      "{\"process\":1,\"type\":\"ok\",\"f\":\"add\",\"value\":2}\n"
      "{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
      "{\"process\":2,\"type\":\"ok\",\"f\":\"read\",\"value\":[1]}\n",
      "set", &c);
  EXPECT_EQ(c.data["verdict"], "invalid");
  const json& rows = c.data["ops"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][col::kFlags], 0);             // add 1: fine
  EXPECT_EQ(rows[1][col::kFlags], kFlagAnomaly);  // add 2: lost
  EXPECT_EQ(rows[2][col::kFlags], kFlagAnomaly);  // the final read
  EXPECT_EQ(c.data["results"][0]["anomalies"][0]["kind"], "lost");
}

// A long history with corrupted reads on several keys: downsampled, yet every
// op of every failure is drawn and its indices point at the right rows.
TEST(ReportData, DownsamplingKeepsEveryFailingWindow) {
  const uint64_t seed = 7;
  SCOPED_TRACE("seed " + std::to_string(seed));
  bench::GeneratorOptions g;
  g.ops = 20000;
  g.keys = 20;
  g.processes = 8;
  g.info_rate = 0.01;
  g.corrupt = 3;
  g.seed = seed;
  std::string text;
  bench::GeneratorReport report;
  ASSERT_TRUE(bench::generate_history(
                  g, [&](std::string_view s) { text += s; }, &report)
                  .is_ok());
  ReportOptions options;
  options.max_drawn_ops = 1000;
  Checked c;
  parse_and_build(text, "register", &c, options);
  const json& d = c.data;
  ASSERT_EQ(d["verdict"], "invalid");
  EXPECT_EQ(d["sampling"]["total_ops"], 20000);
  EXPECT_EQ(d["sampling"]["downsampled"], true);
  EXPECT_LE(d["ops"].size(), 1000u);
  EXPECT_GE(d["ops"].size(), 900u);  // the room left is used
  ASSERT_FALSE(d["linearizability"].empty());
  const json& anomalies = d["results"][0]["anomalies"];
  for (size_t k = 0; k < d["linearizability"].size(); ++k) {
    const json& lin = d["linearizability"][k];
    const json& ev = anomalies[k]["evidence"];
    ASSERT_EQ(anomalies[k]["key"], lin["key"]);
    const json& stuck = d["ops"][lin["op"].get<size_t>()];
    EXPECT_EQ(stuck[col::kLine], ev["op"]["line"]);
    ASSERT_EQ(lin["core"].size(), ev["core"].size());
    for (size_t i = 0; i < ev["core"].size(); ++i)
      EXPECT_EQ(d["ops"][lin["core"][i].get<size_t>()][col::kLine], ev["core"][i]["line"]);
    ASSERT_EQ(lin["prefix_tail"].size(), ev["prefix_tail"].size());
    EXPECT_GE(lin["window"].size(), lin["core"].size());
  }
  // Throughput counts every completed op, drawn or not.
  int64_t completed = 0;
  for (const char* t : {"ok", "fail", "info"})
    for (const json& n : d["throughput"][t]) completed += n.get<int64_t>();
  EXPECT_EQ(completed, d["stats"]["ok"].get<int64_t>() + d["stats"]["fail"].get<int64_t>() +
                           d["stats"]["info"].get<int64_t>());
}

TEST(ReportData, ValuesAreCutAtCharacterBoundaries) {
  EXPECT_EQ(truncate_utf8("abc", 3), "abc");
  EXPECT_EQ(truncate_utf8("abcd", 3), "abc\xE2\x80\xA6");
  // "é" is two bytes: cutting after its first byte would split it.
  EXPECT_EQ(truncate_utf8("a\xC3\xA9z", 2), "a\xE2\x80\xA6");
  EXPECT_EQ(truncate_utf8("\xE2\x82\xAC\xE2\x82\xAC", 4), "\xE2\x82\xAC\xE2\x80\xA6");
}

std::vector<NemesisInterval> intervals_of(const std::string& nemesis_fs) {
  std::string jsonl;
  size_t pos = 0;
  int64_t t = 0;
  while (pos <= nemesis_fs.size()) {
    size_t comma = std::min(nemesis_fs.find(',', pos), nemesis_fs.size());
    jsonl += "{\"time\":" + std::to_string(t += 10) +
             ",\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"" +
             nemesis_fs.substr(pos, comma - pos) + "\"}\n";
    pos = comma + 1;
  }
  History h;
  EXPECT_TRUE(parse_jsonl(jsonl, "n.jsonl", &h).is_ok());
  return nemesis_intervals(h, true);
}

TEST(NemesisIntervals, PairsStartsAndStopsByName) {
  auto iv = intervals_of(
      "start-partition,start-partition,start_kill,stop-partition,"
      "stop-partition,stopkill,pause,resume,start-clock");
  ASSERT_EQ(iv.size(), 4u);
  EXPECT_EQ(iv[0].name, "partition");
  EXPECT_EQ(iv[0].start, 10);
  EXPECT_EQ(iv[0].end, 50);  // the repeated stop extends it
  EXPECT_EQ(iv[1].name, "kill");
  EXPECT_EQ(iv[1].start, 30);
  EXPECT_EQ(iv[1].end, 60);
  EXPECT_EQ(iv[2].name, "pause");  // ended by the anonymous resume
  EXPECT_EQ(iv[2].start, 70);
  EXPECT_EQ(iv[2].end, 80);
  EXPECT_FALSE(iv[2].open);
  EXPECT_EQ(iv[3].name, "clock");  // never stopped: open to the end
  EXPECT_TRUE(iv[3].open);
  EXPECT_EQ(iv[3].end, 90);
}

}  // namespace
}  // namespace faultline
