#include "targets/kvstate/kv_command.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace faultline::kv {
namespace {

using namespace std::string_literals;
using Args = std::vector<std::string>;

std::string error_of(const Args& request) {
  Command command;
  Status st = validate(request, &command);
  EXPECT_FALSE(st.is_ok()) << request[0];
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  return st.message();
}

Command valid(const Args& request) {
  Command command;
  Status st = validate(request, &command);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return command;
}

TEST(KvCommand, ValidatesEveryCommandInAnyCase) {
  EXPECT_EQ(valid({"GET", "k"}), (Command{Op::kGet, {"k"}}));
  EXPECT_EQ(valid({"set", "k", "v"}), (Command{Op::kSet, {"k", "v"}}));
  EXPECT_EQ(valid({"Del", "a", "b"}), (Command{Op::kDel, {"a", "b"}}));
  EXPECT_EQ(valid({"cAS", "k", "old", "new"}), (Command{Op::kCas, {"k", "old", "new"}}));
  EXPECT_EQ(valid({"APPEND", "k", "x"}), (Command{Op::kAppend, {"k", "x"}}));
  EXPECT_EQ(valid({"INCRBY", "k", "-5"}), (Command{Op::kIncrBy, {"k", "-5"}}));
  EXPECT_EQ(valid({"MGET", "a", "b", "c"}), (Command{Op::kMGet, {"a", "b", "c"}}));
  EXPECT_EQ(valid({"SADD", "s", "x", "y"}), (Command{Op::kSAdd, {"s", "x", "y"}}));
  EXPECT_EQ(valid({"SMEMBERS", "s"}), (Command{Op::kSMembers, {"s"}}));
  EXPECT_EQ(valid({"PING"}), (Command{Op::kPing, {}}));
  EXPECT_EQ(valid({"ping", "hi"}), (Command{Op::kPing, {"hi"}}));
}

TEST(KvCommand, ReadOnly) {
  for (Op op : {Op::kGet, Op::kMGet, Op::kSMembers, Op::kPing}) EXPECT_TRUE(is_read_only(op));
  for (Op op : {Op::kSet, Op::kDel, Op::kCas, Op::kAppend, Op::kIncrBy, Op::kSAdd}) {
    EXPECT_FALSE(is_read_only(op)) << command_name(op);
  }
}

TEST(KvCommand, WrongArity) {
  const std::vector<Args> bad = {{"GET"},           {"get", "a", "b"}, {"SET", "k"},
                                 {"DEL"},           {"CAS", "k", "a"}, {"CAS", "k", "a", "b", "c"},
                                 {"APPEND", "k"},   {"INCRBY", "k"},   {"INCRBY", "k", "1", "2"},
                                 {"MGET"},          {"SADD", "s"},     {"SMEMBERS"},
                                 {"PING", "a", "b"}};
  for (const Args& request : bad) {
    std::string name = request[0];
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    EXPECT_EQ(error_of(request), "ERR wrong number of arguments for '" + name + "' command");
  }
}

TEST(KvCommand, OtherRequestErrors) {
  EXPECT_EQ(error_of({"FLUSHALL"}), "ERR unknown command 'FLUSHALL'");
  EXPECT_EQ(error_of({"multi"}), "ERR unknown command 'multi'");
  EXPECT_EQ(error_of({std::string(1000, 'x')}),
            "ERR unknown command '" + std::string(128, 'x') + "'");
  EXPECT_EQ(error_of({"GETX", "k"}), "ERR unknown command 'GETX'");
  EXPECT_EQ(error_of({}), "ERR empty command");
  EXPECT_EQ(error_of({"SET", "k", "v", "NX"}), "ERR syntax error");
  for (const char* increment : {"x", "1.5", "", " 1", "99999999999999999999"}) {
    EXPECT_EQ(error_of({"INCRBY", "k", increment}), "ERR value is not an integer or out of range");
  }
}

TEST(KvCommand, EntryLayout) {
  EXPECT_EQ(encode_entry(Command{Op::kSet, {"k", "vv"}}), "\x01\x01\x02\x02\x01k\x02vv"s);
  EXPECT_EQ(encode_batch({Command{Op::kPing, {}}, Command{Op::kDel, {"a"}}}),
            "\x01\x02\x02\x0a\x00\x03\x01\x01"
            "a"s);
}

TEST(KvCommand, EntryRoundTrip) {
  const Command set{Op::kSet, {"key", std::string("\0\xff\r\n", 4)}};
  LogEntry entry;
  ASSERT_TRUE(decode_entry(encode_entry(set), &entry).is_ok());
  EXPECT_FALSE(entry.batch);
  EXPECT_EQ(entry.commands, std::vector<Command>{set});

  const std::vector<Command> batch = {set, Command{Op::kIncrBy, {"n", "-3"}},
                                      Command{Op::kGet, {"key"}},
                                      Command{Op::kSAdd, {"s", "a", "b", "c"}}};
  ASSERT_TRUE(decode_entry(encode_batch(batch), &entry).is_ok());
  EXPECT_TRUE(entry.batch);
  EXPECT_EQ(entry.commands, batch);
}

std::string decode_error(const std::string& data) {
  LogEntry entry;
  Status st = decode_entry(data, &entry);
  EXPECT_EQ(st.code(), Status::Code::kMalformed) << testing::PrintToString(data);
  return st.message();
}

TEST(KvCommand, CorruptedEntries) {
  EXPECT_EQ(decode_error(""), "kv log entry: empty entry at byte 0");
  EXPECT_EQ(decode_error("\x02\x01\x0a\x00"s), "kv log entry: unknown version 2 at byte 0");
  EXPECT_EQ(decode_error("\x01"s), "kv log entry: unknown entry kind at byte 1");
  EXPECT_EQ(decode_error("\x01\x03\x0a\x00"s), "kv log entry: unknown entry kind at byte 1");
  EXPECT_EQ(decode_error("\x01\x01\x63\x00"s), "kv log entry: unknown op code 99 at byte 2");
  EXPECT_EQ(decode_error("\x01\x01\x00\x00"s), "kv log entry: unknown op code 0 at byte 2");
  EXPECT_EQ(decode_error("\x01\x01\x01\x05\x01k"s), "kv log entry: bad argument count at byte 3");
  EXPECT_EQ(decode_error("\x01\x01\x01\x01\x05k"s), "kv log entry: truncated argument at byte 4");
  EXPECT_EQ(decode_error("\x01\x01\x01\x00"s),
            "kv log entry: invalid get command (ERR wrong number of arguments for 'get' "
            "command) at byte 2");
  EXPECT_EQ(decode_error("\x01\x01\x06\x02\x01k\x01x"s),
            "kv log entry: invalid incrby command (ERR value is not an integer or out of "
            "range) at byte 2");
  EXPECT_EQ(decode_error("\x01\x01\x0a\x00\x00"s), "kv log entry: trailing bytes at byte 4");
  EXPECT_EQ(decode_error("\x01\x02\x00"s), "kv log entry: bad command count at byte 2");
  EXPECT_EQ(decode_error("\x01\x02\xff\xff\xff\xff\x0f\x0a\x00"s),
            "kv log entry: bad command count at byte 2");
  EXPECT_EQ(decode_error("\x01\x02\x02\x0a\x00"s), "kv log entry: bad command count at byte 2");
}

TEST(KvCommand, EveryTruncationAndByteFlipIsHandled) {
  const std::string entry =
      encode_batch({Command{Op::kSet, {"key", "value"}}, Command{Op::kIncrBy, {"n", "12"}},
                    Command{Op::kMGet, {"a", "b"}}});
  LogEntry decoded;
  for (size_t len = 0; len < entry.size(); ++len) {
    EXPECT_FALSE(decode_entry(entry.substr(0, len), &decoded).is_ok()) << len;
  }
  // A flipped byte may still decode (a changed key is a valid entry), but
  // whatever decodes re-encodes to exactly the bytes it came from.
  for (size_t i = 0; i < entry.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = entry;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      if (decode_entry(flipped, &decoded).is_ok()) {
        EXPECT_EQ(
            decoded.batch ? encode_batch(decoded.commands) : encode_entry(decoded.commands.at(0)),
            flipped);
      }
    }
  }
}

}  // namespace
}  // namespace faultline::kv
