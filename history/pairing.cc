#include <fmt/format.h>

#include <unordered_map>

#include "history/reader.h"

namespace faultline {

Status pair_operations(const History& history, std::vector<Operation>* ops) {
  ops->clear();
  std::unordered_map<int64_t, size_t> in_flight;  // process -> index into *ops
  for (size_t i = 0; i < history.events.size(); ++i) {
    const Event& e = history.events[i];
    if (e.is_nemesis()) continue;
    auto it = in_flight.find(e.process);
    if (e.type == EventType::kInvoke) {
      if (it != in_flight.end()) {
        const Event& open = history.events[(*ops)[it->second].invoke];
        return Status::malformed(fmt::format(
            "{}:{}: expected a completion (ok, fail or info) for process {}'s {} invoked at line "
            "{}, got another invoke",
            history.source, e.line, e.process, history.function_name(open), open.line));
      }
      in_flight.emplace(e.process, ops->size());
      ops->push_back(Operation{static_cast<uint32_t>(i), Operation::kPending, EventType::kInfo});
      continue;
    }
    if (it == in_flight.end()) {
      return Status::malformed(fmt::format(
          "{}:{}: expected an invoke before this {} of process {} (completion without invoke, "
          "or a duplicate completion)",
          history.source, e.line, to_string(e.type), e.process));
    }
    Operation& op = (*ops)[it->second];
    const Event& inv = history.events[op.invoke];
    if (e.f != inv.f) {
      return Status::malformed(fmt::format(
          "{}:{}: expected f \"{}\" to complete process {}'s invoke at line {}, got \"{}\"",
          history.source, e.line, history.function_name(inv), e.process, inv.line,
          history.function_name(e)));
    }
    op.completion = static_cast<uint32_t>(i);
    op.type = e.type;
    in_flight.erase(it);
  }
  return Status::ok();
}

}  // namespace faultline
