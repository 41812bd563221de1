#include "targets/resp/resp_client.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <sstream>

namespace faultline {
namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  return timeval{static_cast<time_t>(d.count() / 1000),
                 static_cast<suseconds_t>((d.count() % 1000) * 1000)};
}

}  // namespace

RespReply to_resp_reply(const redisReply& reply) {
  RespReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.kind = RespReply::Kind::kString;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = RespReply::Kind::kError;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.kind = RespReply::Kind::kInteger;
      out.text = std::to_string(reply.integer);
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = RespReply::Kind::kArray;
      for (size_t i = 0; i < reply.elements; ++i)
        out.elements.push_back(to_resp_reply(*reply.element[i]));
      break;
    default: out.kind = RespReply::Kind::kNil; break;
  }
  return out;
}

RespReplyParser::~RespReplyParser() {
  if (reader_ != nullptr) redisReaderFree(reader_);
}

Status RespReplyParser::parse(std::string_view text, RespReply* reply) {
  if (reader_ == nullptr) reader_ = redisReaderCreate();
  if (reader_ == nullptr) return Status::io_error("RESP reply parser: out of memory");
  void* parsed = nullptr;
  const bool fed = redisReaderFeed(reader_, text.data(), text.size()) == REDIS_OK;
  const bool one = fed && redisReaderGetReply(reader_, &parsed) == REDIS_OK && parsed != nullptr;
  std::unique_ptr<redisReply, void (*)(void*)> owned(static_cast<redisReply*>(parsed),
                                                     freeReplyObject);
  if (!one || reader_->pos != reader_->len) {  // a part, an error or more: start afresh
    redisReaderFree(reader_);
    reader_ = nullptr;
    return Status::malformed(fmt::format("not one complete RESP reply ({} bytes)", text.size()));
  }
  *reply = to_resp_reply(*owned);
  return Status::ok();
}

std::string encode_command(const std::vector<std::string>& argv) {
  std::string out = fmt::format("*{}\r\n", argv.size());
  for (const std::string& a : argv) out += fmt::format("${}\r\n{}\r\n", a.size(), a);
  return out;
}

Status resp_command(const std::string& host, int port, const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout, RespReply* reply) {
  const std::string where = fmt::format("{}:{}", host, port);
  std::unique_ptr<redisContext, decltype(&redisFree)> c(
      redisConnectWithTimeout(host.c_str(), port, to_timeval(timeout)), &redisFree);
  if (c == nullptr) return Status::io_error(where + ": cannot allocate a RESP connection");
  if (c->err) return Status::io_error(fmt::format("{}: connect: {}", where, c->errstr));
  if (redisSetTimeout(c.get(), to_timeval(timeout)) != REDIS_OK)
    return Status::io_error(fmt::format("{}: set timeout: {}", where, c->errstr));
  const std::string command = encode_command(argv);
  void* raw = nullptr;
  if (redisAppendFormattedCommand(c.get(), command.data(), command.size()) == REDIS_OK) {
    redisGetReply(c.get(), &raw);
  }
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> r(static_cast<redisReply*>(raw),
                                                            &freeReplyObject);
  if (r == nullptr)
    return Status::io_error(fmt::format("{}: {}: {}", where, argv.empty() ? "" : argv[0],
                                        c->err ? c->errstr : "no reply"));
  *reply = to_resp_reply(*r);
  return Status::ok();
}

std::map<std::string, std::string> parse_info(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    fields[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return fields;
}

}  // namespace faultline
