// A minimal blocking RESP client (hiredis) for the controller: one command per
// connection, bounded by a timeout. Used to ask targets for their status
// (INFO) and by tests to read and write through a node.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct redisReply;  // hiredis
struct redisReader;

namespace faultline {

struct RespReply {
  enum class Kind { kString, kError, kInteger, kNil, kArray };
  Kind kind = Kind::kNil;
  std::string text;  // strings, status replies and errors; integers in decimal
  std::vector<RespReply> elements;
};

// A hiredis reply as a RespReply (workloads/resp_connection.cc parses with
// hiredis's reader too).
RespReply to_resp_reply(const redisReply& reply);

// Parses replies handed over whole (faultline sim hands replies over as
// text), keeping one hiredis reader from one to the next.
class RespReplyParser {
 public:
  RespReplyParser() = default;
  ~RespReplyParser();
  RespReplyParser(const RespReplyParser&) = delete;
  RespReplyParser& operator=(const RespReplyParser&) = delete;
  // `text` must be exactly one complete RESP reply, as a server writes it:
  // anything else (a part, more than one) is malformed.
  Status parse(std::string_view text, RespReply* reply);

 private:
  redisReader* reader_ = nullptr;  // made when first needed, and anew after a malformed reply
};

// `argv` as one RESP command, an array of bulk strings, as a client sends it.
std::string encode_command(const std::vector<std::string>& argv);

// Connects to host:port, sends `argv` and reads one reply; connect, send and
// receive each take at most `timeout`. Errors are connection or protocol
// failures; a RESP error reply is a successful call with kind kError.
Status resp_command(const std::string& host, int port, const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout, RespReply* reply);

// Parses INFO text ("# Section" headers, "field:value" lines) into a map.
std::map<std::string, std::string> parse_info(const std::string& text);

}  // namespace faultline
