#include "targets/resp/resp_writer.h"

#include <gtest/gtest.h>

#include <limits>

#include "targets/resp/resp_parser.h"

namespace faultline::resp {
namespace {

using namespace std::string_literals;

TEST(RespWriter, EachType) {
  std::string out;
  append_simple_string(&out, "OK");
  append_error(&out, "ERR unknown command 'x'");
  append_integer(&out, 0);
  append_integer(&out, -42);
  append_bulk(&out, std::string("a\0\r\n", 4));
  append_bulk(&out, "");
  append_null_bulk(&out);
  append_array_header(&out, 2);
  append_null_array(&out);
  EXPECT_EQ(out,
            "+OK\r\n-ERR unknown command 'x'\r\n:0\r\n:-42\r\n$4\r\na\0\r\n\r\n"
            "$0\r\n\r\n$-1\r\n*2\r\n*-1\r\n"s);
}

TEST(RespWriter, IntegerExtremes) {
  std::string out;
  append_integer(&out, std::numeric_limits<int64_t>::min());
  append_integer(&out, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(out, ":-9223372036854775808\r\n:9223372036854775807\r\n");
}

TEST(RespWriter, LineBreaksInSimpleStringsAndErrorsBecomeSpaces) {
  std::string out;
  append_error(&out, "ERR bad\r\nthing");
  append_simple_string(&out, "a\nb");
  EXPECT_EQ(out, "-ERR bad  thing\r\n+a b\r\n");
}

TEST(RespWriter, AppendsToExistingBytes) {
  std::string out = "prefix";
  append_integer(&out, 1);
  EXPECT_EQ(out, "prefix:1\r\n");
}

TEST(RespWriter, CommandParsesBack) {
  const std::vector<std::string> args{"SET", "key", std::string("\0\r\n*$", 5), ""};
  std::string out;
  append_command(&out, args);
  EXPECT_EQ(out.substr(0, 13), "*4\r\n$3\r\nSET\r\n");
  RequestParser p;
  p.feed(out.data(), out.size());
  std::vector<std::string> parsed;
  ASSERT_EQ(p.next(&parsed), ParseResult::kCommand);
  EXPECT_EQ(parsed, args);
  EXPECT_EQ(p.next(&parsed), ParseResult::kNeedMore);
}

}  // namespace
}  // namespace faultline::resp
