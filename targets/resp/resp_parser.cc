#include "targets/resp/resp_parser.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace faultline::resp {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
  }
}

// Splits an inline command line into arguments as Redis's sdssplitargs does:
// whitespace separates; "double quotes" take \n \r \t \b \a \xHH and \<c>
// escapes; 'single quotes' take \' only; a closing quote must be followed by
// whitespace or the end. False on an unterminated or misplaced quote.
bool split_inline(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && is_space(line[i])) ++i;
    if (i == n) return true;
    std::string arg;
    char quote = 0;  // the open quote, if any
    while (true) {
      if (quote == 0) {
        if (i == n || is_space(line[i])) break;
        if (line[i] == '"' || line[i] == '\'') {
          quote = line[i];
        } else {
          arg.push_back(line[i]);
        }
        ++i;
        continue;
      }
      if (i == n) return false;  // unterminated quote
      const char c = line[i];
      if (c == quote) {
        if (i + 1 < n && !is_space(line[i + 1])) return false;
        ++i;
        break;
      }
      if (c == '\\' && quote == '"' && i + 3 < n && line[i + 1] == 'x' &&
          hex_digit(line[i + 2]) >= 0 && hex_digit(line[i + 3]) >= 0) {
        arg.push_back(static_cast<char>(hex_digit(line[i + 2]) * 16 + hex_digit(line[i + 3])));
        i += 4;
      } else if (c == '\\' && quote == '"' && i + 1 < n) {
        arg.push_back(unescape(line[i + 1]));
        i += 2;
      } else if (c == '\\' && quote == '\'' && i + 1 < n && line[i + 1] == '\'') {
        arg.push_back('\'');
        i += 2;
      } else {
        arg.push_back(c);
        ++i;
      }
    }
    out->push_back(std::move(arg));
  }
}

std::string describe_byte(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, c);
  static const char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  return std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
}

}  // namespace

bool parse_integer(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 20) return false;
  const bool negative = text[0] == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty() || (digits[0] == '0' && (digits.size() > 1 || negative))) return false;
  // Accumulate as a negative number: its range includes INT64_MIN.
  int64_t acc = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    const int d = c - '0';
    if (acc < (std::numeric_limits<int64_t>::min() + d) / 10) return false;
    acc = acc * 10 - d;
  }
  if (!negative) {
    if (acc == std::numeric_limits<int64_t>::min()) return false;
    acc = -acc;
  }
  *value = acc;
  return true;
}

void RequestParser::feed(const char* data, size_t size) {
  if (state_ == State::kError) return;
  // Drop consumed bytes once they are at least half the buffer: amortized
  // linear, and the buffer never holds much more than the unconsumed bytes.
  if (pos_ > 0 && pos_ * 2 >= buf_.size()) {
    buf_.erase(0, pos_);
    base_ += pos_;
    pos_ = 0;
  }
  buf_.append(data, size);
}

ParseResult RequestParser::next(std::vector<std::string>* args) {
  while (true) {
    Step step = Step::kContinue;
    switch (state_) {
      case State::kError: return ParseResult::kError;
      case State::kStart:
        if (buffered() == 0) return ParseResult::kNeedMore;
        step = buf_[pos_] == '*' ? parse_array_header() : parse_inline(args);
        break;
      case State::kBulkHeader: step = parse_bulk_header(); break;
      case State::kBulkData: step = parse_bulk_data(); break;
      case State::kBulkEnd: step = parse_bulk_end(args); break;
    }
    switch (step) {
      case Step::kContinue: break;
      case Step::kCommand: return ParseResult::kCommand;
      case Step::kNeedMore: return ParseResult::kNeedMore;
      case Step::kError: return ParseResult::kError;
    }
  }
}

bool RequestParser::find(char c, size_t* at) {
  const char* start = buf_.data() + pos_ + scanned_;
  const size_t len = buffered() - scanned_;
  const void* hit = std::memchr(start, c, len);
  if (hit == nullptr) {
    scanned_ = buffered();
    return false;
  }
  *at = static_cast<size_t>(static_cast<const char*>(hit) - buf_.data());
  return true;
}

void RequestParser::consume(size_t n) {
  pos_ += n;
  scanned_ = 0;
}

RequestParser::Step RequestParser::fail(const std::string& what, size_t at) {
  error_ = "Protocol error: " + what + " at byte " + std::to_string(base_ + at);
  state_ = State::kError;
  args_.clear();
  buf_.clear();
  buf_.shrink_to_fit();
  pos_ = scanned_ = 0;
  return Step::kError;
}

// Line lengths count the '\r' too, whether or not the '\n' has arrived, so a
// line errs as too long at the same stream offset however the bytes are split.
RequestParser::Step RequestParser::parse_inline(std::vector<std::string>* args) {
  size_t newline;
  if (!find('\n', &newline)) {
    if (buffered() > limits_.max_inline_bytes) return fail("too big inline request", pos_);
    return Step::kNeedMore;
  }
  const size_t start = pos_;
  std::string_view line(buf_.data() + start, newline - start);
  if (line.size() > limits_.max_inline_bytes) return fail("too big inline request", start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> parsed;
  if (!split_inline(line, &parsed)) return fail("unbalanced quotes in request", start);
  if (parsed.size() > limits_.max_args) return fail("too many arguments in inline request", start);
  consume(newline + 1 - start);
  if (parsed.empty()) return Step::kContinue;  // a blank line: Redis ignores it
  *args = std::move(parsed);
  return Step::kCommand;
}

RequestParser::Step RequestParser::parse_array_header() {
  size_t cr;
  if (!find('\r', &cr)) {
    if (buffered() > limits_.max_inline_bytes) return fail("too big mbulk count string", pos_);
    return Step::kNeedMore;
  }
  if (cr - pos_ > limits_.max_inline_bytes) return fail("too big mbulk count string", pos_);
  if (cr + 1 == buf_.size()) return Step::kNeedMore;
  if (buf_[cr + 1] != '\n') return fail("expected '\\n' after '\\r'", cr + 1);
  int64_t count;
  if (!parse_integer(std::string_view(buf_.data() + pos_ + 1, cr - pos_ - 1), &count) ||
      (count > 0 && static_cast<uint64_t>(count) > limits_.max_args)) {
    return fail("invalid multibulk length", pos_);
  }
  consume(cr + 2 - pos_);
  if (count <= 0) return Step::kContinue;  // `*0` and `*-1`: Redis ignores them
  args_.clear();
  args_.reserve(std::min<uint64_t>(static_cast<uint64_t>(count), 1024));
  args_left_ = static_cast<uint64_t>(count);
  request_bytes_ = 0;
  state_ = State::kBulkHeader;
  return Step::kContinue;
}

RequestParser::Step RequestParser::parse_bulk_header() {
  if (buffered() == 0) return Step::kNeedMore;
  if (buf_[pos_] != '$') return fail("expected '$', got '" + describe_byte(buf_[pos_]) + "'", pos_);
  size_t cr;
  if (!find('\r', &cr)) {
    if (buffered() > limits_.max_inline_bytes) return fail("too big bulk count string", pos_);
    return Step::kNeedMore;
  }
  if (cr - pos_ > limits_.max_inline_bytes) return fail("too big bulk count string", pos_);
  if (cr + 1 == buf_.size()) return Step::kNeedMore;
  if (buf_[cr + 1] != '\n') return fail("expected '\\n' after '\\r'", cr + 1);
  int64_t len;
  if (!parse_integer(std::string_view(buf_.data() + pos_ + 1, cr - pos_ - 1), &len) || len < 0 ||
      static_cast<uint64_t>(len) > limits_.max_bulk_bytes) {
    return fail("invalid bulk length", pos_);
  }
  if (static_cast<uint64_t>(len) > limits_.max_request_bytes - request_bytes_) {
    return fail("request too large", pos_);
  }
  consume(cr + 2 - pos_);
  request_bytes_ += static_cast<uint64_t>(len);
  bulk_left_ = static_cast<uint64_t>(len);
  args_.emplace_back();
  // Reserve only what is already here (or small): a client announcing a huge
  // argument and never sending it must not cost that much memory.
  args_.back().reserve(std::min<uint64_t>(bulk_left_, std::max<size_t>(buffered(), 4096)));
  state_ = State::kBulkData;
  return Step::kContinue;
}

RequestParser::Step RequestParser::parse_bulk_data() {
  const size_t take = static_cast<size_t>(std::min<uint64_t>(buffered(), bulk_left_));
  args_.back().append(buf_.data() + pos_, take);
  consume(take);
  bulk_left_ -= take;
  if (bulk_left_ > 0) return Step::kNeedMore;
  state_ = State::kBulkEnd;
  return Step::kContinue;
}

RequestParser::Step RequestParser::parse_bulk_end(std::vector<std::string>* args) {
  if (buffered() == 0) return Step::kNeedMore;
  if (buf_[pos_] != '\r') return fail("expected CRLF after bulk data", pos_);
  if (buffered() == 1) return Step::kNeedMore;
  if (buf_[pos_ + 1] != '\n') return fail("expected CRLF after bulk data", pos_ + 1);
  consume(2);
  if (--args_left_ > 0) {
    state_ = State::kBulkHeader;
    return Step::kContinue;
  }
  *args = std::move(args_);
  args_ = {};
  state_ = State::kStart;
  return Step::kCommand;
}

}  // namespace faultline::resp
