#include "targets/resp/resp_parser.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "targets/resp/resp_writer.h"

namespace faultline::resp {
namespace {

using Args = std::vector<std::string>;

// Everything a parser produced from a stream: its commands, and its error
// ("" if it ended needing more bytes).
struct Outcome {
  std::vector<Args> commands;
  std::string error;
  bool operator==(const Outcome&) const = default;
};

void drain(RequestParser* p, Outcome* out) {
  Args args;
  while (true) {
    ParseResult r = p->next(&args);
    if (r == ParseResult::kNeedMore) return;
    if (r == ParseResult::kError) {
      out->error = p->error();
      return;
    }
    out->commands.push_back(args);
  }
}

Outcome parse_chunks(const std::vector<std::string>& chunks, ParserLimits limits = {}) {
  RequestParser p(limits);
  Outcome out;
  for (const std::string& c : chunks) {
    p.feed(c.data(), c.size());
    drain(&p, &out);
  }
  return out;
}

Outcome parse(const std::string& bytes, ParserLimits limits = {}) {
  return parse_chunks({bytes}, limits);
}

std::string error_of(const std::string& bytes, ParserLimits limits = {}) {
  return parse(bytes, limits).error;
}

TEST(RespParser, Multibulk) {
  Outcome o = parse("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n");
  EXPECT_EQ(o.error, "");
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Args{"SET", "k", "hello"}));
}

TEST(RespParser, BulkIsBinarySafe) {
  const std::string value("a\r\nb\0c$*", 8);
  std::string wire;
  append_command(&wire, {"SET", "", value});
  Outcome o = parse(wire);
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Args{"SET", "", value}));
}

TEST(RespParser, InlineCommands) {
  Outcome o = parse("PING\r\nset  k\tv\r\nECHO x\n\r\n   \r\n\nGET k\r\n");
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.commands,
            (std::vector<Args>{{"PING"}, {"set", "k", "v"}, {"ECHO", "x"}, {"GET", "k"}}));
}

TEST(RespParser, InlineQuotesAndEscapes) {
  Outcome o = parse(
      "SET \"a b\" 'it\\'s'\r\n"
      "SET k \"\\x41\\x7a\\n\\r\\t\\\\\\\"\"\r\n"
      "SET k ab\"c d\" x\r\n"
      "SET k \"\\q\\xZZ\" ''\r\n");
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.commands, (std::vector<Args>{{"SET", "a b", "it's"},
                                           {"SET", "k", "Az\n\r\t\\\""},
                                           {"SET", "k", "abc d", "x"},
                                           {"SET", "k", "qxZZ", ""}}));
}

TEST(RespParser, InlineUnbalancedQuotes) {
  EXPECT_EQ(error_of("PING\r\nSET k \"v\r\n"),
            "Protocol error: unbalanced quotes in request at byte 6");
  EXPECT_EQ(error_of("SET 'k'v x\r\n"), "Protocol error: unbalanced quotes in request at byte 0");
  EXPECT_EQ(error_of("SET \"k\"v\r\n"), "Protocol error: unbalanced quotes in request at byte 0");
}

TEST(RespParser, PipelinedMixedCommandsInOneBuffer) {
  std::string wire;
  std::vector<Args> expected;
  for (int i = 0; i < 100; ++i) {
    Args cmd{"SET", "key" + std::to_string(i), std::string(static_cast<size_t>(i), 'x')};
    append_command(&wire, cmd);
    expected.push_back(cmd);
    if (i % 10 == 0) {
      wire += "PING\r\n";
      expected.push_back({"PING"});
    }
  }
  Outcome o = parse(wire);
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.commands, expected);
}

// The stream every split test cuts: multibulk with binary data, an inline
// command, an empty array, quotes, an empty argument.
std::string mixed_stream() {
  std::string wire;
  append_command(&wire, {"SET", "k", std::string("v\r\n\0x", 5)});
  wire += "PING\r\n*0\r\n";
  append_command(&wire, {"MGET", "a", "", "ccc"});
  wire += "SET 'q k' \"\\x00\"\r\n";
  append_command(&wire, {"GET", "k"});
  return wire;
}

TEST(RespParser, SplitAtEveryOffset) {
  const std::string wire = mixed_stream();
  const Outcome whole = parse(wire);
  ASSERT_EQ(whole.error, "");
  ASSERT_EQ(whole.commands.size(), 5u);
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    EXPECT_EQ(parse_chunks({wire.substr(0, cut), wire.substr(cut)}), whole);
  }
}

TEST(RespParser, ByteAtATime) {
  const std::string wire = mixed_stream();
  std::vector<std::string> bytes;
  for (char c : wire) bytes.emplace_back(1, c);
  EXPECT_EQ(parse_chunks(bytes), parse(wire));
}

TEST(RespParser, ErrorsAtEveryOffsetAreTheSameAsWhole) {
  const std::string bad = mixed_stream() + "*2\r\n$3\r\nGET\r\n$1\r\nkXY";
  const Outcome whole = parse(bad);
  ASSERT_EQ(whole.error, "Protocol error: expected CRLF after bulk data at byte " +
                             std::to_string(bad.size() - 2));
  for (size_t cut = 0; cut <= bad.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    EXPECT_EQ(parse_chunks({bad.substr(0, cut), bad.substr(cut)}), whole);
  }
}

TEST(RespParser, EmptyAndNullArraysAreIgnored) {
  Outcome o = parse("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(o.commands, (std::vector<Args>{{"PING"}}));
}

TEST(RespParser, IncompleteInputNeedsMore) {
  for (const char* partial :
       {"*", "*2\r", "*2\r\n$3\r\nGE", "*2\r\n$3\r\nGET\r", "PING", "PING\r"}) {
    SCOPED_TRACE(partial);
    Outcome o = parse(partial);
    EXPECT_EQ(o, Outcome{});
  }
}

TEST(RespParser, ProtocolErrors) {
  EXPECT_EQ(error_of("*x\r\n"), "Protocol error: invalid multibulk length at byte 0");
  EXPECT_EQ(error_of("*1\r\n$-1\r\n"), "Protocol error: invalid bulk length at byte 4");
  EXPECT_EQ(error_of("*1\r\n$+1\r\n"), "Protocol error: invalid bulk length at byte 4");
  EXPECT_EQ(error_of("*1\r\n$01\r\n"), "Protocol error: invalid bulk length at byte 4");
  EXPECT_EQ(error_of("*1\r\n$\r\n"), "Protocol error: invalid bulk length at byte 4");
  EXPECT_EQ(error_of("*1\r\n:1\r\n"), "Protocol error: expected '$', got ':' at byte 4");
  EXPECT_EQ(error_of("*1\r\n\x01"), "Protocol error: expected '$', got '\\x01' at byte 4");
  EXPECT_EQ(error_of("*1\rX"), "Protocol error: expected '\\n' after '\\r' at byte 3");
  EXPECT_EQ(error_of("*1\r\n$1\rX"), "Protocol error: expected '\\n' after '\\r' at byte 7");
  EXPECT_EQ(error_of("*1\r\n$1\r\nab\r\n"),
            "Protocol error: expected CRLF after bulk data at byte 9");
  EXPECT_EQ(error_of("*1\r\n$1\r\na\rb"),
            "Protocol error: expected CRLF after bulk data at byte 10");
}

TEST(RespParser, ErrorIsFinal) {
  RequestParser p;
  const std::string bad = "*1\r\n$1\r\nab";
  p.feed(bad.data(), bad.size());
  Args args;
  ASSERT_EQ(p.next(&args), ParseResult::kError);
  const std::string more = "PING\r\n";
  p.feed(more.data(), more.size());
  EXPECT_EQ(p.next(&args), ParseResult::kError);
  EXPECT_EQ(p.buffered(), 0u);
  EXPECT_EQ(p.error(), "Protocol error: expected CRLF after bulk data at byte 9");
}

TEST(RespParser, Limits) {
  ParserLimits limits;
  limits.max_bulk_bytes = 4;
  limits.max_args = 3;
  limits.max_inline_bytes = 16;
  limits.max_request_bytes = 6;
  // At each limit: accepted.
  Outcome ok = parse("*3\r\n$4\r\nabcd\r\n$2\r\nef\r\n$0\r\n\r\nA B C\r\n", limits);
  EXPECT_EQ(ok.error, "");
  EXPECT_EQ(ok.commands, (std::vector<Args>{{"abcd", "ef", ""}, {"A", "B", "C"}}));
  EXPECT_EQ(parse(std::string(15, 'x') + "\r\n", limits).commands.size(), 1u);
  // One past: refused, whether or not the rest of the line has arrived.
  EXPECT_EQ(error_of("*4\r\n", limits), "Protocol error: invalid multibulk length at byte 0");
  EXPECT_EQ(error_of("*1\r\n$5\r\n", limits), "Protocol error: invalid bulk length at byte 4");
  EXPECT_EQ(error_of("*2\r\n$4\r\nabcd\r\n$3\r\n", limits),
            "Protocol error: request too large at byte 14");
  EXPECT_EQ(error_of("A B C D\r\n", limits),
            "Protocol error: too many arguments in inline request at byte 0");
  EXPECT_EQ(error_of(std::string(16, 'x') + "\r\n", limits),
            "Protocol error: too big inline request at byte 0");
  EXPECT_EQ(error_of(std::string(17, 'x'), limits),
            "Protocol error: too big inline request at byte 0");
  EXPECT_EQ(error_of("*" + std::string(16, '1'), limits),
            "Protocol error: too big mbulk count string at byte 0");
  EXPECT_EQ(error_of("*1\r\n$" + std::string(16, '1'), limits),
            "Protocol error: too big bulk count string at byte 4");
}

TEST(RespParser, DefaultLimitsMatchRedis) {
  EXPECT_EQ(error_of("*1048577\r\n"), "Protocol error: invalid multibulk length at byte 0");
  EXPECT_EQ(error_of("*1\r\n$536870913\r\n"), "Protocol error: invalid bulk length at byte 4");
  EXPECT_EQ(error_of(std::string(65 * 1024, 'x')),
            "Protocol error: too big inline request at byte 0");
  // A huge announced argument is within the limits: the parser waits for its bytes.
  RequestParser p;
  const std::string header = "*1\r\n$536870912\r\nabc";
  p.feed(header.data(), header.size());
  Args args;
  EXPECT_EQ(p.next(&args), ParseResult::kNeedMore);
}

TEST(RespParser, BulkDataIsNotKeptInTheBuffer) {
  RequestParser p;
  const std::string head = "*2\r\n$3\r\nSET\r\n$100000\r\n";
  p.feed(head.data(), head.size());
  Args args;
  const std::string chunk(1000, 'v');
  for (int i = 0; i < 100; ++i) {
    p.feed(chunk.data(), chunk.size());
    ASSERT_EQ(p.next(&args), ParseResult::kNeedMore);
    EXPECT_EQ(p.buffered(), 0u);
  }
  p.feed("\r\n", 2);
  ASSERT_EQ(p.next(&args), ParseResult::kCommand);
  EXPECT_EQ(args, (Args{"SET", std::string(100000, 'v')}));
}

TEST(RespParser, ParseInteger) {
  int64_t v = 7;
  EXPECT_TRUE(parse_integer("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(parse_integer("-12", &v));
  EXPECT_EQ(v, -12);
  EXPECT_TRUE(parse_integer("9223372036854775807", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(parse_integer("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
  for (const char* bad : {"", "-", "-0", "01", "+1", " 1", "1 ", "1a", "9223372036854775808",
                          "-9223372036854775809", "99999999999999999999"}) {
    EXPECT_FALSE(parse_integer(bad, &v)) << bad;
  }
}

}  // namespace
}  // namespace faultline::resp
