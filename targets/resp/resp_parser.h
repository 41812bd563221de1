// An incremental parser for RESP2 requests, the way a Redis server reads
// them: multibulk arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`,
// what redis-cli and redis-benchmark send) and inline commands (`PING\r\n`,
// what telnet sends). No I/O: the server feeds the bytes it reads and pulls
// the complete commands, any number per feed (pipelining), split anywhere.
//
// A protocol error is final: the server replies `-ERR <error()>` and closes
// the connection, as Redis does. Memory stays bounded on hostile input: every
// length is checked against ParserLimits before anything is stored, and
// nothing is allocated ahead of the bytes that back it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::resp {

struct ParserLimits {
  uint64_t max_bulk_bytes = 512ull << 20;   // one argument; Redis's proto-max-bulk-len
  uint64_t max_args = 1ull << 20;           // arguments of one command (`*N`, or inline)
  uint64_t max_inline_bytes = 64ull << 10;  // an inline line, or a `*N` / `$len` header line
  uint64_t max_request_bytes = 1ull << 30;  // all arguments of one command together
};

enum class ParseResult {
  kCommand,   // *args holds a complete command (at least one argument)
  kNeedMore,  // every complete command was taken; feed more bytes
  kError,     // protocol error, see error(); final
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // Appends bytes read from the connection. Ignored after an error.
  void feed(const char* data, size_t size);

  // Takes the next complete command into *args (replacing its contents).
  // Call until it returns kNeedMore (or kError) after each feed(): commands
  // are parsed here, and the bytes fed stay buffered until they are.
  ParseResult next(std::vector<std::string>* args);

  // After kError: "Protocol error: <what> at byte <stream offset>".
  const std::string& error() const { return error_; }

  // Bytes fed but not consumed yet (a partial command's bulk data is moved
  // into that command's argument as it arrives, so this stays small).
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  enum class State { kStart, kBulkHeader, kBulkData, kBulkEnd, kError };
  enum class Step { kContinue, kCommand, kNeedMore, kError };

  Step parse_inline(std::vector<std::string>* args);
  Step parse_array_header();
  Step parse_bulk_header();
  Step parse_bulk_data();
  Step parse_bulk_end(std::vector<std::string>* args);

  // Finds `c` in the unconsumed bytes, resuming where the last search ended;
  // false (and remembers how far it looked) if it is not there yet.
  bool find(char c, size_t* at);
  void consume(size_t n);
  Step fail(const std::string& what, size_t at);

  ParserLimits limits_;
  State state_ = State::kStart;
  std::string buf_;
  size_t pos_ = 0;                 // first unconsumed byte of buf_
  size_t scanned_ = 0;             // bytes after pos_ known not to hold the byte find() looks for
  uint64_t base_ = 0;              // stream offset of buf_[0]
  std::vector<std::string> args_;  // the multibulk command being assembled
  uint64_t args_left_ = 0;         // its arguments still to come, this one included
  uint64_t bulk_left_ = 0;         // bytes of the current argument still to come
  uint64_t request_bytes_ = 0;     // argument bytes announced so far for this command
  std::string error_;
};

// Parses a signed decimal integer the way Redis's string2ll does: an optional
// '-', then digits with no leading zero (except "0" itself, and no "-0"), no
// spaces or '+', within int64_t. Used for RESP lengths and integer arguments.
bool parse_integer(std::string_view text, int64_t* value);

}  // namespace faultline::resp
