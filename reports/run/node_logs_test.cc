#include "reports/run/node_logs.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

// 2026-11-26 11:33:00 UTC, as `date -d '2026-11-26 11:33:00 UTC' +%s` says.
constexpr int64_t kStartMs = 1795692780000;

TEST(NodeLogs, ParsesSpdlogsDefaultPatternInUtc) {
  auto parsed = parse_log_line("[2026-11-26 11:33:00.123] [info] node 1: leader in term 3");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->unix_ns, kStartMs * 1'000'000 + 123'000'000);
  EXPECT_EQ(parsed->level, "info");
  EXPECT_EQ(parsed->message, "node 1: leader in term 3");
}

TEST(NodeLogs, ParsesTheLoggerNameBeforeTheLevel) {
  auto parsed = parse_log_line("[2026-11-26 11:33:01.5] [raftkv] [warning] queue full");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->unix_ns, (kStartMs + 1500) * 1'000'000);
  EXPECT_EQ(parsed->level, "warning");
  EXPECT_EQ(parsed->message, "queue full");
}

TEST(NodeLogs, ParsesRaftkvsPatternWithItsNodeTag) {
  auto parsed = parse_log_line("2026-11-26T11:32:59.000123456 critical [node 2] persisting failed");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->unix_ns, (kStartMs - 1000) * 1'000'000 + 123'456);
  EXPECT_EQ(parsed->level, "critical");
  EXPECT_EQ(parsed->message, "persisting failed");
}

TEST(NodeLogs, RejectsLinesWithoutATime) {
  EXPECT_FALSE(parse_log_line(""));
  EXPECT_FALSE(parse_log_line("  at frame 3"));
  EXPECT_FALSE(parse_log_line("[2026-11-26 11:33] [info] short time"));
  EXPECT_FALSE(parse_log_line("2026-13-26 11:33:00 info bad month"));
  EXPECT_FALSE(parse_log_line("[2026-11-26 11:33:00.123 [info] unclosed"));
}

TEST(NodeLogs, ClassifiesRaftkvsLines) {
  EXPECT_EQ(classify_log_line("info", "node 1: leader in term 3, leader 1"), LogKind::kLeader);
  EXPECT_EQ(classify_log_line("info", "node 1: candidate in term 3, leader 0"), LogKind::kElection);
  EXPECT_EQ(classify_log_line("info", "node 1: pre-candidate in term 2, leader 0"),
            LogKind::kElection);
  EXPECT_EQ(classify_log_line("info", "node 1: follower in term 3, leader 2"), LogKind::kFollower);
  EXPECT_EQ(classify_log_line("info", "node 1: recovered term 2, vote 1, commit 9"),
            LogKind::kRestart);
  EXPECT_EQ(classify_log_line("info", "serving clients on 127.0.0.1:7001, peers on x"),
            LogKind::kRestart);
  EXPECT_EQ(classify_log_line("info", "signal 15: shutting down"), LogKind::kRestart);
  EXPECT_EQ(classify_log_line("warning", "recovery: discarded a torn tail"), LogKind::kRestart);
  EXPECT_EQ(classify_log_line("warning", "peer 2: queue full"), LogKind::kWarning);
  EXPECT_EQ(classify_log_line("error", "entry 5 does not apply"), LogKind::kError);
  EXPECT_EQ(classify_log_line("CRITICAL", "snapshot failed; exiting"), LogKind::kError);
  // Routine lines are not shown.
  EXPECT_FALSE(classify_log_line("info", "connected to peer 2 at 10.0.0.2:7101"));
  EXPECT_FALSE(classify_log_line("info", "snapshot at index 100 (5 keys); log compacted"));
  EXPECT_FALSE(classify_log_line("debug", "tick"));
}

TEST(NodeLogs, ClassifiesOtherSystemsWording) {
  EXPECT_EQ(classify_log_line("INFO", "raft: Node abc became leader at term 4"), LogKind::kLeader);
  EXPECT_EQ(classify_log_line("info", "starting a new election at term 5"), LogKind::kElection);
  EXPECT_EQ(classify_log_line("info", "Restarting member"), LogKind::kRestart);
}

TEST(NodeLogs, PlacesLinesOnTheRunsClock) {
  const std::string log =
      "2026-11-26T11:32:59.500 info node 1: recovered term 0, vote 0\n"
      "2026-11-26T11:33:00.250 info [node 1] connected to peer 2\n"
      "  a continuation line\n"
      "2026-11-26T11:33:01.190 info [node 1] node 1: leader in term 2, leader 1\r\n"
      "2026-11-26T11:33:02.000 error [node 1] disk <full>";
  std::vector<LogLine> lines = important_log_lines(log, kStartMs);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].time_ns, -500'000'000);
  EXPECT_EQ(lines[0].kind, LogKind::kRestart);
  EXPECT_EQ(lines[0].line, 1u);
  EXPECT_EQ(lines[1].time_ns, 1'190'000'000);
  EXPECT_EQ(lines[1].kind, LogKind::kLeader);
  EXPECT_EQ(lines[1].message, "node 1: leader in term 2, leader 1");
  EXPECT_EQ(lines[1].line, 4u);
  EXPECT_EQ(lines[2].kind, LogKind::kError);
  EXPECT_EQ(lines[2].level, "error");
  EXPECT_EQ(lines[2].message, "disk <full>");
  EXPECT_EQ(lines[2].line, 5u);
}

}  // namespace
}  // namespace faultline
