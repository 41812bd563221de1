#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "history/reader.h"

namespace faultline {
namespace {

History parse_ok(std::string_view text) {
  History h;
  Status st = parse_jsonl(text, "h.jsonl", &h);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return h;
}

Status parse_error(std::string_view text) {
  History h;
  return parse_jsonl(text, "h.jsonl", &h);
}

TEST(ParseJsonl, ReadsEveryField) {
  History h = parse_ok(
      R"({"index":7,"time":1500,"process":3,"type":"invoke","f":"cas","key":"x","value":[1,2]})"
      "\n"
      R"({"process":"nemesis","type":"info","f":"start-partition","value":{"cut":["n1"]}})");
  ASSERT_EQ(h.events.size(), 2u);
  const Event& e = h.events[0];
  EXPECT_EQ(e.index, 7);
  EXPECT_EQ(e.time, 1500);
  EXPECT_EQ(e.process, 3);
  EXPECT_EQ(e.type, EventType::kInvoke);
  EXPECT_EQ(h.function_name(e), "cas");
  EXPECT_EQ(h.keys.text(e.key), "\"x\"");
  EXPECT_EQ(h.key_name(e.key), "x");
  EXPECT_EQ(h.values.text(e.value), "[1,2]");
  EXPECT_EQ(e.line, 1u);
  const Event& n = h.events[1];
  EXPECT_TRUE(n.is_nemesis());
  EXPECT_EQ(n.type, EventType::kInfo);
  EXPECT_EQ(h.values.text(n.value), R"({"cut":["n1"]})");
  EXPECT_EQ(h.source, "h.jsonl");
}

TEST(ParseJsonl, DecodesEscapesInNamesAndStringFields) {
  // Field names, "type", "f", "process" and notes are compared and kept
  // decoded; keys and values keep their JSON text (interned as written).
  History h = parse_ok(
      R"( { "pro\u0063ess" : 1 , "type":"\u006fk", "f":"re\u0061d\n\ud83d\ude00",)"
      R"( "key":"k\"1", "error":"t\/o", "value" : [ 1 , "\u00e9" ] } )");
  ASSERT_EQ(h.events.size(), 1u);
  const Event& e = h.events[0];
  EXPECT_EQ(e.process, 1);
  EXPECT_EQ(e.type, EventType::kOk);
  EXPECT_EQ(h.function_name(e), "read\n\xF0\x9F\x98\x80");
  EXPECT_EQ(h.keys.text(e.key), R"("k\"1")");
  EXPECT_EQ(h.notes.text(e.error), "t/o");
  EXPECT_EQ(h.values.text(e.value), R"([1,"\u00e9"])");
  History n = parse_ok(R"({"process":"nemes\u0069s","type":"info","f":"kill"})");
  EXPECT_TRUE(n.events.at(0).is_nemesis());
}

TEST(ParseJsonl, DefaultsForOptionalFields) {
  History h = parse_ok("\n{\"process\":0,\"type\":\"ok\",\"f\":\"read\"}\n");
  ASSERT_EQ(h.events.size(), 1u);
  const Event& e = h.events[0];
  EXPECT_EQ(e.index, 0);  // position in the history, not the line
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.time, -1);
  EXPECT_EQ(e.key, History::kNoKey);
  EXPECT_EQ(e.value, ValueTable::kNull);
}

TEST(ParseJsonl, ReadsEveryType) {
  History h = parse_ok(
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"w\"}\n{\"process\":0,\"type\":\"ok\",\"f\":\"w\"}"
      "\n"
      "{\"process\":0,\"type\":\"fail\",\"f\":\"w\"}\n{\"process\":0,\"type\":\"info\",\"f\":"
      "\"w\"}");
  ASSERT_EQ(h.events.size(), 4u);
  EXPECT_EQ(h.events[0].type, EventType::kInvoke);
  EXPECT_EQ(h.events[1].type, EventType::kOk);
  EXPECT_EQ(h.events[2].type, EventType::kFail);
  EXPECT_EQ(h.events[3].type, EventType::kInfo);
}

TEST(ParseJsonl, InternsValuesByMinifiedText) {
  History h = parse_ok(
      "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\": { \"a\" : [ 1 , \"b c\" ] } }\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":{\"a\":[1,\"b c\"]}}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":{\"a\":[1,\"b  c\"]}}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":null}\n");
  ASSERT_EQ(h.events.size(), 4u);
  EXPECT_EQ(h.values.text(h.events[0].value), R"({"a":[1,"b c"]})");
  EXPECT_EQ(h.events[0].value, h.events[1].value);
  EXPECT_NE(h.events[0].value, h.events[2].value);
  EXPECT_EQ(h.events[3].value, ValueTable::kNull);
  EXPECT_EQ(h.values.json(h.events[0].value)["a"][1], "b c");
}

TEST(ParseJsonl, ReadsKeysOfEachKind) {
  History h = parse_ok(
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"r\",\"key\":\"k\"}\n"
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"r\",\"key\":12}\n"
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"r\",\"key\":null}\n"
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"r\",\"key\":\"k\"}\n");
  ASSERT_EQ(h.events.size(), 4u);
  EXPECT_EQ(h.key_name(h.events[0].key), "k");
  EXPECT_EQ(h.key_name(h.events[1].key), "12");
  EXPECT_EQ(h.events[2].key, History::kNoKey);
  EXPECT_EQ(h.events[3].key, h.events[0].key);
}

// The recorder's notes: why an op failed or is unknown, and which node served it.
TEST(ParseJsonl, KeepsErrorAndNodeNotes) {
  History h = parse_ok(
      "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n"
      "{\"process\":1,\"type\":\"info\",\"f\":\"read\",\"error\":\"timed out\",\"node\":\"n2\"}\n"
      "{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"error\":{\"not\":\"a string\"}}");
  ASSERT_EQ(h.events.size(), 3u);
  EXPECT_EQ(h.events[0].error, History::kNoNote);
  EXPECT_EQ(h.events[0].node, History::kNoNote);
  EXPECT_EQ(h.notes.text(h.events[1].error), "timed out");
  EXPECT_EQ(h.notes.text(h.events[1].node), "n2");
  EXPECT_EQ(h.events[2].error, History::kNoNote);  // not a string: kept out
}

TEST(ParseJsonl, IgnoresUnknownFieldsAndBlankLines) {
  History h = parse_ok(
      "  \r\n{\"process\":1,\"extra\":{\"nested\":[true]},\"type\":\"invoke\",\"f\":\"read\"}\r\n"
      "\t\n{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":5}");
  ASSERT_EQ(h.events.size(), 2u);
  EXPECT_EQ(h.events[0].line, 2u);
  EXPECT_EQ(h.events[1].line, 4u);
  EXPECT_EQ(h.values.text(h.events[1].value), "5");
  EXPECT_TRUE(parse_ok("").events.empty());
  EXPECT_TRUE(parse_ok("\n\n  \n").events.empty());
}

struct MalformedCase {
  std::string text;
  std::string message;  // the whole message, "h.jsonl:LINE: ..."
};

TEST(ParseJsonl, RejectsMalformedLinesWithFileAndLine) {
  const std::string ok = "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n";
  auto line2 = [&](std::string_view fields) { return ok + "{" + std::string(fields) + "}\n"; };
  const std::string pt = "\"process\":0,\"type\":\"ok\",\"f\":\"read\",";
  const MalformedCase cases[] = {
      {ok + "{\"process\":0,\"type\":\"ok\",\"f\":\"re", "h.jsonl:2: expected valid JSON"},
      {ok + "[1,2]", "h.jsonl:2: expected a JSON object (one event per line)"},
      {ok + "17", "h.jsonl:2: expected a JSON object (one event per line)"},
      {ok + ok + "{} {}", "h.jsonl:3: expected one JSON object per line, found more after it"},
      {line2("\"type\":\"ok\",\"f\":\"read\""), "h.jsonl:2: expected a \"process\" field"},
      {line2("\"process\":0,\"f\":\"read\""), "h.jsonl:2: expected a \"type\" field"},
      {line2("\"process\":0,\"type\":\"ok\""), "h.jsonl:2: expected an \"f\" field"},
      {line2("\"process\":\"client\",\"type\":\"ok\",\"f\":\"read\""),
       "h.jsonl:2: expected \"process\" to be an integer or \"nemesis\""},
      {line2("\"process\":-2,\"type\":\"ok\",\"f\":\"read\""),
       "h.jsonl:2: expected \"process\" to be a non-negative integer or \"nemesis\""},
      {line2("\"process\":1.5,\"type\":\"ok\",\"f\":\"read\""),
       "h.jsonl:2: expected \"process\" to be a non-negative integer or \"nemesis\""},
      {line2("\"process\":[0],\"type\":\"ok\",\"f\":\"read\""),
       "h.jsonl:2: expected \"process\" to be an integer or \"nemesis\""},
      {line2("\"process\":0,\"type\":\"done\",\"f\":\"read\""),
       "h.jsonl:2: expected \"type\" to be one of \"invoke\", \"ok\", \"fail\", \"info\""},
      {line2("\"process\":0,\"type\":1,\"f\":\"read\""),
       "h.jsonl:2: expected \"type\" to be one of \"invoke\", \"ok\", \"fail\", \"info\""},
      {line2("\"process\":0,\"type\":\"ok\",\"f\":7"), "h.jsonl:2: expected \"f\" to be a string"},
      {line2(pt + "\"key\":[1]"), "h.jsonl:2: expected \"key\" to be a string, a number or null"},
      {line2(pt + "\"key\":true"), "h.jsonl:2: expected \"key\" to be a string, a number or null"},
      {line2(pt + "\"time\":-1"),
       "h.jsonl:2: expected \"time\" to be a non-negative integer (nanoseconds)"},
      {line2(pt + "\"time\":\"now\""),
       "h.jsonl:2: expected \"time\" to be a non-negative integer (nanoseconds)"},
      {line2(pt + "\"time\":1.5"),
       "h.jsonl:2: expected \"time\" to be a non-negative integer (nanoseconds)"},
      {line2(pt + "\"index\":\"3\""), "h.jsonl:2: expected \"index\" to be an integer"},
      {line2(pt + "\"value\":[1,,2]"),
       "h.jsonl:2: expected valid JSON in \"value\": an invalid value"},
      {line2(pt + "\"value\":tru"),
       "h.jsonl:2: expected valid JSON in \"value\": an invalid literal (not true/false/null)"},
      {line2(pt + "\"value\":1e999"),
       "h.jsonl:2: expected valid JSON in \"value\": a number is too large for a double"},
      {line2(pt + "\"value\":\"\\ud800\""),
       "h.jsonl:2: expected valid JSON in \"value\": a high surrogate \\u escape is unpaired"},
      {line2(pt + "\"value\":" + std::string(300, '[') + std::string(300, ']')),
       "h.jsonl:2: expected valid JSON"},
      {line2(pt + "\"other\":{\"a\" 1}"), "h.jsonl:2: expected valid JSON"},
  };
  for (const MalformedCase& c : cases) {
    Status st = parse_error(c.text);
    EXPECT_EQ(st.code(), Status::Code::kMalformed) << c.text;
    EXPECT_EQ(st.message().substr(0, c.message.size()), c.message) << c.text;
  }
}

TEST(ParseJsonl, ErrorKeepsEventsReadBeforeIt) {
  History h;
  Status st = parse_jsonl("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n{", "h.jsonl", &h);
  EXPECT_EQ(st.code(), Status::Code::kMalformed);
  EXPECT_EQ(h.events.size(), 1u);
}

class ReadHistoryTest : public ::testing::Test {
 protected:
  std::string write(std::string_view name, std::string_view text) {
    std::filesystem::path p = std::filesystem::path(::testing::TempDir()) / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
};

TEST_F(ReadHistoryTest, ReadsAndPairsAFile) {
  const std::string path = write("ok.jsonl",
                                 "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
                                 "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n");
  History h;
  std::vector<Operation> ops;
  Status st = read_history(path, ReadOptions{}, &h, &ops);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].type, EventType::kOk);
  EXPECT_EQ(h.source, path);
}

TEST_F(ReadHistoryTest, ReportsPairingErrorsWithTheFileName) {
  const std::string path = write("bad.jsonl",
                                 "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
                                 "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n"
                                 "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n");
  History h;
  std::vector<Operation> ops;
  Status st = read_history(path, ReadOptions{}, &h, &ops);
  EXPECT_EQ(st.code(), Status::Code::kMalformed);
  EXPECT_EQ(st.message().rfind(path + ":3: expected an invoke", 0), 0u) << st.message();
}

TEST_F(ReadHistoryTest, MissingFileIsAnIoError) {
  History h;
  std::vector<Operation> ops;
  Status st = read_history(write("x", "") + ".missing", ReadOptions{}, &h, &ops);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("cannot open"), std::string::npos) << st.message();
}

TEST_F(ReadHistoryTest, DirectoryIsAnIoError) {
  History h;
  std::vector<Operation> ops;
  Status st = read_history(::testing::TempDir(), ReadOptions{}, &h, &ops);
  EXPECT_EQ(st.code(), Status::Code::kIoError) << st.message();
}

// Files over a few MB are parsed in pieces on several threads and merged:
// the result must be exactly what one pass would give.
TEST(JsonlReader, LargeInputsParseInPiecesLikeOnePass) {
  std::string text;
  size_t events = 0;
  for (int i = 0; text.size() < (9u << 20); ++i, ++events) {
    if (i % 97 == 0) text += "\n";  // blank lines shift line numbers
    text += "{\"process\":" + std::to_string(i % 13) + ",\"type\":\"invoke\",\"f\":\"f" +
            std::to_string(i % 5) + "\",\"key\":\"k" + std::to_string(i % 1000) + "\",\"value\":[" +
            std::to_string(i) + ", \"v\"],\"node\":\"n" + std::to_string(i % 3) + "\"}\n";
  }
  History h;
  ASSERT_TRUE(parse_jsonl(text, "big.jsonl", &h).is_ok());
  ASSERT_EQ(h.events.size(), events);
  uint32_t line = 0;
  for (size_t i = 0; i < h.events.size(); ++i) {
    const Event& e = h.events[i];
    if (i % 97 == 0) ++line;
    ++line;
    ASSERT_EQ(e.line, line) << i;
    ASSERT_EQ(e.index, static_cast<int64_t>(i));
    ASSERT_EQ(e.process, static_cast<int64_t>(i % 13));
    ASSERT_EQ(h.function_name(e), "f" + std::to_string(i % 5));
    ASSERT_EQ(h.key_name(e.key), "k" + std::to_string(i % 1000));
    ASSERT_EQ(h.values.text(e.value), "[" + std::to_string(i) + ",\"v\"]");
    ASSERT_EQ(h.notes.text(e.node), "n" + std::to_string(i % 3));
  }
  EXPECT_EQ(h.keys.size(), 1001u);  // 1000 keys and "no key"
  // An error far into the file names its own line, and the events before it are kept.
  const size_t at = text.size() * 3 / 4;
  const size_t bad_line_start = text.find('\n', at) + 1;
  text.insert(bad_line_start, "{oops}\n");
  const uint32_t bad_line =
      1 + static_cast<uint32_t>(std::count(
              text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad_line_start), '\n'));
  History broken;
  Status st = parse_jsonl(text, "big.jsonl", &broken);
  ASSERT_EQ(st.code(), Status::Code::kMalformed);
  EXPECT_EQ(st.message().rfind("big.jsonl:" + std::to_string(bad_line) + ":", 0), 0u)
      << st.message();
  EXPECT_GT(broken.events.size(), h.events.size() / 2);
}

}  // namespace
}  // namespace faultline
