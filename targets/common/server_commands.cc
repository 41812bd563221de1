#include "targets/common/server_commands.h"

#include <fmt/format.h>

#include <cctype>

#include "targets/resp/resp_writer.h"

namespace faultline::common {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string error_reply(std::string_view message) {
  std::string out;
  resp::append_error(&out, message);
  return out;
}

bool check_arity(const std::vector<std::string>& request, size_t min, size_t max,
                 const SendReply& reply) {
  if (request.size() >= min && request.size() <= max) return true;
  reply(error_reply(
      fmt::format("ERR wrong number of arguments for '{}' command", lower(request[0]))));
  return false;
}

std::string command_reply(const std::vector<std::string>& request) {
  std::string out;
  if (request.size() >= 2 && upper(request[1]) == "COUNT") {
    resp::append_integer(&out, 0);
  } else {
    resp::append_array_header(&out, 0);
  }
  return out;
}

std::string config_reply(const std::vector<std::string>& request) {
  if (upper(request[1]) != "GET") {
    return error_reply(
        fmt::format("ERR CONFIG {} is not supported (only CONFIG GET)", upper(request[1])));
  }
  const std::string parameter = lower(request[2]);
  std::string out;
  if (parameter == "save" || parameter == "appendonly") {
    resp::append_array_header(&out, 2);
    resp::append_bulk(&out, parameter);
    resp::append_bulk(&out, parameter == "save" ? "" : "no");
  } else {
    resp::append_array_header(&out, 0);
  }
  return out;
}

bool answer_server_command(const std::vector<std::string>& request,
                           const std::function<std::string()>& info, const SendReply& reply) {
  const std::string name = upper(request[0]);
  std::string out;
  if (name == "ECHO") {  // redis-cli --pipe ends its input with an ECHO
    if (!check_arity(request, 2, 2, reply)) return true;
    resp::append_bulk(&out, request[1]);
  } else if (name == "INFO") {
    if (!check_arity(request, 1, 2, reply)) return true;
    resp::append_bulk(&out, info());
  } else if (name == "COMMAND") {
    out = command_reply(request);
  } else if (name == "CONFIG") {
    if (!check_arity(request, 3, 3, reply)) return true;
    out = config_reply(request);
  } else {
    return false;
  }
  reply(std::move(out));
  return true;
}

}  // namespace faultline::common
