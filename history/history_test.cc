#include "history/history.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "history/reader.h"

namespace faultline {
namespace {

TEST(Interner, GivesEqualStringsEqualDenseIds) {
  Interner in;
  EXPECT_EQ(in.intern("read"), 0u);
  EXPECT_EQ(in.intern("write"), 1u);
  EXPECT_EQ(in.intern(std::string("re") + "ad"), 0u);
  EXPECT_EQ(in.size(), 2u);
  EXPECT_EQ(in.text(1), "write");
  EXPECT_EQ(in.find("write"), 1);
  EXPECT_EQ(in.find("cas"), -1);
  EXPECT_EQ(in.intern(""), 2u);
  EXPECT_EQ(in.find(""), 2);
}

TEST(Interner, KeepsLookupsValidAsItGrows) {
  Interner in;
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(in.intern(std::to_string(i)), static_cast<uint32_t>(i));
  for (int i = 0; i < 20000; ++i) {
    ASSERT_EQ(in.find(std::to_string(i)), i);
    ASSERT_EQ(in.text(static_cast<uint32_t>(i)), std::to_string(i));
  }
}

TEST(ValueTable, NullIsAlwaysIdZero) {
  ValueTable values;
  EXPECT_EQ(values.size(), 1u);
  EXPECT_EQ(values.text(ValueTable::kNull), "null");
  EXPECT_EQ(values.intern("null"), ValueTable::kNull);
  EXPECT_TRUE(values.json(ValueTable::kNull).is_null());
}

TEST(ValueTable, ParsesEachValueOnceAndCachesIt) {
  ValueTable values;
  const uint32_t pair = values.intern("[1,2]");
  const uint32_t text = values.intern("\"x\"");
  const nlohmann::json& parsed = values.json(pair);
  EXPECT_EQ(parsed, nlohmann::json({1, 2}));
  EXPECT_EQ(&values.json(pair), &parsed);
  EXPECT_EQ(values.json(text), "x");
  // Interning more values after a parse must not invalidate it.
  for (int i = 0; i < 1000; ++i) values.intern(std::to_string(i));
  EXPECT_EQ(&values.json(pair), &parsed);
  EXPECT_EQ(values.json(values.find("999")), 999);
  ValueTable moved = std::move(values);
  EXPECT_EQ(moved.json(pair), nlohmann::json({1, 2}));
}

TEST(History, NamesKeysForPeople) {
  History h;
  EXPECT_EQ(h.keys.text(History::kNoKey), "null");
  EXPECT_EQ(h.key_name(History::kNoKey), "");
  EXPECT_EQ(h.key_name(h.keys.intern("\"a b\"")), "a b");
  EXPECT_EQ(h.key_name(h.keys.intern("\"q\\\"\"")), "q\"");
  EXPECT_EQ(h.key_name(h.keys.intern("42")), "42");
}

TEST(EventType, HasItsFileName) {
  EXPECT_EQ(to_string(EventType::kInvoke), "invoke");
  EXPECT_EQ(to_string(EventType::kOk), "ok");
  EXPECT_EQ(to_string(EventType::kFail), "fail");
  EXPECT_EQ(to_string(EventType::kInfo), "info");
}

// Builds a history from compact lines "process type f" (process "n" for the nemesis).
History history_of(std::initializer_list<std::string_view> lines) {
  std::string text;
  for (std::string_view line : lines) {
    const size_t a = line.find(' '), b = line.rfind(' ');
    std::string_view p = line.substr(0, a);
    text += nlohmann::json{{"process", p == "n" ? nlohmann::json("nemesis")
                                                : nlohmann::json(std::stoi(std::string(p)))},
                           {"type", line.substr(a + 1, b - a - 1)},
                           {"f", line.substr(b + 1)}}
                .dump() +
            "\n";
  }
  History h;
  Status st = parse_jsonl(text, "h.jsonl", &h);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return h;
}

Status pair(const History& h) {
  std::vector<Operation> ops;
  return pair_operations(h, &ops);
}

TEST(PairOperations, PairsEachInvokeWithItsProcesssNextEvent) {
  History h = history_of({"0 invoke write", "1 invoke read", "1 ok read", "2 invoke cas",
                          "0 fail write", "2 info cas", "2 invoke read", "2 ok read"});
  std::vector<Operation> ops = {Operation{}};  // stale content is replaced
  ASSERT_TRUE(pair_operations(h, &ops).is_ok());
  ASSERT_EQ(ops.size(), 4u);  // in invoke order
  EXPECT_EQ(ops[0].invoke, 0u);
  EXPECT_EQ(ops[0].completion, 4u);
  EXPECT_EQ(ops[0].type, EventType::kFail);
  EXPECT_EQ(ops[1].invoke, 1u);
  EXPECT_EQ(ops[1].completion, 2u);
  EXPECT_EQ(ops[1].type, EventType::kOk);
  EXPECT_EQ(ops[2].invoke, 3u);
  EXPECT_EQ(ops[2].completion, 5u);
  EXPECT_EQ(ops[2].type, EventType::kInfo);
  EXPECT_EQ(ops[3].invoke, 6u);
  EXPECT_EQ(ops[3].type, EventType::kOk);
  for (const Operation& op : ops) EXPECT_FALSE(op.pending());
}

TEST(PairOperations, InvokesWithoutCompletionArePendingInfo) {
  History h = history_of({"0 invoke write", "1 invoke read", "1 ok read"});
  std::vector<Operation> ops;
  ASSERT_TRUE(pair_operations(h, &ops).is_ok());
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_TRUE(ops[0].pending());
  EXPECT_EQ(ops[0].completion, Operation::kPending);
  EXPECT_EQ(ops[0].type, EventType::kInfo);
  EXPECT_FALSE(ops[1].pending());
}

TEST(PairOperations, SkipsNemesisEvents) {
  History h = history_of({"n invoke start", "0 invoke read", "n info start", "n info start",
                          "0 ok read", "n invoke stop"});
  std::vector<Operation> ops;
  ASSERT_TRUE(pair_operations(h, &ops).is_ok());
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].invoke, 1u);
  EXPECT_EQ(ops[0].completion, 4u);
}

TEST(PairOperations, RejectsCompletionWithoutInvoke) {
  Status st = pair(history_of({"0 invoke read", "0 ok read", "3 ok read"}));
  EXPECT_EQ(st.code(), Status::Code::kMalformed);
  EXPECT_EQ(st.message(),
            "h.jsonl:3: expected an invoke before this ok of process 3 (completion without "
            "invoke, or a duplicate completion)");
}

TEST(PairOperations, RejectsDuplicateCompletion) {
  Status st = pair(history_of({"0 invoke read", "1 invoke read", "0 ok read", "0 info read"}));
  EXPECT_EQ(st.code(), Status::Code::kMalformed);
  EXPECT_EQ(st.message().rfind("h.jsonl:4: expected an invoke before this info of process 0", 0),
            0u)
      << st.message();
}

TEST(PairOperations, RejectsDoubleInvoke) {
  Status st = pair(history_of({"0 invoke read", "1 invoke write", "0 invoke write"}));
  EXPECT_EQ(st.code(), Status::Code::kMalformed);
  EXPECT_EQ(st.message(),
            "h.jsonl:3: expected a completion (ok, fail or info) for process 0's read invoked "
            "at line 1, got another invoke");
}

TEST(PairOperations, RejectsCompletionOfAnotherFunction) {
  Status st = pair(history_of({"0 invoke read", "0 ok write"}));
  EXPECT_EQ(st.code(), Status::Code::kMalformed);
  EXPECT_EQ(
      st.message(),
      "h.jsonl:2: expected f \"read\" to complete process 0's invoke at line 1, got \"write\"");
}

TEST(PairOperations, EmptyHistoryHasNoOperations) {
  std::vector<Operation> ops;
  EXPECT_TRUE(pair_operations(History{}, &ops).is_ok());
  EXPECT_TRUE(ops.empty());
}

}  // namespace
}  // namespace faultline
