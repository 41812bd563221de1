#include "targets/kvstate/kv_session.h"

#include <algorithm>
#include <string_view>

#include "targets/kvstate/kv_state.h"
#include "targets/resp/resp_writer.h"

namespace faultline::kv {
namespace {

bool is_command(std::string_view name, std::string_view lower) {
  return std::equal(name.begin(), name.end(), lower.begin(), lower.end(), [](char a, char b) {
    return a == b || (a >= 'A' && a <= 'Z' && a - 'A' + 'a' == b);
  });
}

Action reply_error(std::string_view message) {
  Action action;
  resp::append_error(&action.reply, message);
  return action;
}

Action reply_simple(std::string_view text) {
  Action action;
  resp::append_simple_string(&action.reply, text);
  return action;
}

}  // namespace

void Session::reset() {
  in_transaction_ = false;
  aborted_ = false;
  queued_.clear();
}

Action Session::exec() {
  if (aborted_) {
    reset();
    return reply_error("EXECABORT Transaction discarded because of previous errors.");
  }
  Action action;
  if (queued_.empty()) {
    resp::append_array_header(&action.reply, 0);
  } else {
    action.kind = Action::Kind::kPropose;
    action.entry = encode_batch(queued_);
  }
  reset();
  return action;
}

Action Session::handle(std::vector<std::string> request) {
  const std::string_view name = request.empty() ? std::string_view() : request[0];
  for (std::string_view control : {"multi", "exec", "discard"}) {
    if (!is_command(name, control)) continue;
    if (request.size() != 1) {
      if (in_transaction_) aborted_ = true;
      return reply_error("ERR wrong number of arguments for '" + std::string(control) +
                         "' command");
    }
    if (control == "multi") {
      if (in_transaction_) return reply_error("ERR MULTI calls can not be nested");
      in_transaction_ = true;
      return reply_simple("OK");
    }
    if (!in_transaction_) {
      return reply_error(control == "exec" ? "ERR EXEC without MULTI"
                                           : "ERR DISCARD without MULTI");
    }
    if (control == "exec") return exec();
    reset();
    return reply_simple("OK");
  }

  Action action;
  Command command;
  if (Status st = validate(std::move(request), &command); !st.is_ok()) {
    if (in_transaction_) aborted_ = true;
    return reply_error(st.message());
  }
  if (in_transaction_) {
    queued_.push_back(std::move(command));
    return reply_simple("QUEUED");
  }
  if (command.op == Op::kPing) {
    append_ping_reply(command, &action.reply);
  } else if (is_read_only(command.op)) {
    action.kind = Action::Kind::kRead;
    action.read = std::move(command);
  } else {
    action.kind = Action::Kind::kPropose;
    action.entry = encode_entry(command);
  }
  return action;
}

}  // namespace faultline::kv
