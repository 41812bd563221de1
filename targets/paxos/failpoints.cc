#include "targets/paxos/failpoints.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

namespace faultline::paxos {

std::string Failpoints::to_string() const {
  std::vector<std::string_view> names;
  if (no_persist_promise) names.push_back("no-persist-promise");
  if (accept_lower_ballot) names.push_back("accept-lower-ballot");
  if (no_adopt_highest) names.push_back("no-adopt-highest");
  if (local_read) names.push_back("local-read");
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ","));
}

Status enable_failpoint(std::string_view name, Failpoints* f) {
  if (name == "no-persist-promise") {
    f->no_persist_promise = true;
  } else if (name == "accept-lower-ballot") {
    f->accept_lower_ballot = true;
  } else if (name == "no-adopt-highest") {
    f->no_adopt_highest = true;
  } else if (name == "local-read") {
    f->local_read = true;
  } else {
    return Status::invalid_argument(
        fmt::format("unknown failpoint '{}': expected no-persist-promise, accept-lower-ballot, "
                    "no-adopt-highest or local-read",
                    name));
  }
  return Status::ok();
}

}  // namespace faultline::paxos
