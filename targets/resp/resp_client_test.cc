// RespReplyParser: whole replies parse, one after another on one reader;
// anything but exactly one reply is malformed and leaves no trace.
#include "targets/resp/resp_client.h"

#include <gtest/gtest.h>

#include "targets/resp/resp_writer.h"

namespace faultline {
namespace {

TEST(RespReplyParser, WholeRepliesOneAfterAnother) {
  RespReplyParser parser;
  std::string array;
  resp::append_array_header(&array, 2);
  resp::append_bulk(&array, "a\r\nb");
  resp::append_integer(&array, -7);
  RespReply r;
  ASSERT_TRUE(parser.parse(array, &r).is_ok());
  ASSERT_EQ(r.kind, RespReply::Kind::kArray);
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].text, "a\r\nb");
  EXPECT_EQ(r.elements[1].kind, RespReply::Kind::kInteger);
  EXPECT_EQ(r.elements[1].text, "-7");
  ASSERT_TRUE(parser.parse("-NOTLEADER n2:6379\r\n", &r).is_ok());
  EXPECT_EQ(r.kind, RespReply::Kind::kError);
  EXPECT_EQ(r.text, "NOTLEADER n2:6379");
  ASSERT_TRUE(parser.parse("$-1\r\n", &r).is_ok());
  EXPECT_EQ(r.kind, RespReply::Kind::kNil);
}

TEST(RespReplyParser, APartOrMoreThanOneIsMalformedAndLeavesNothingBehind) {
  RespReplyParser parser;
  RespReply r;
  EXPECT_EQ(parser.parse("$5\r\nab", &r).code(), Status::Code::kMalformed);       // a part
  EXPECT_EQ(parser.parse("+OK\r\n:1\r\n", &r).code(), Status::Code::kMalformed);  // two
  EXPECT_EQ(parser.parse("?what\r\n", &r).code(), Status::Code::kMalformed);      // not RESP
  EXPECT_EQ(parser.parse("", &r).code(), Status::Code::kMalformed);
  // Nothing of those is left to spoil the next reply.
  ASSERT_TRUE(parser.parse(":42\r\n", &r).is_ok());
  EXPECT_EQ(r.kind, RespReply::Kind::kInteger);
  EXPECT_EQ(r.text, "42");
}

}  // namespace
}  // namespace faultline
