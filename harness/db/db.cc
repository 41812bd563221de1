#include "harness/db/db.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <thread>

#include "harness/nodes/process.h"

namespace faultline {

Status for_each_node(const Db& db, const std::function<Status(const std::string&)>& fn) {
  const std::vector<std::string> nodes = db.nodes();
  return run_parallel(nodes.size(), [&](size_t i) { return fn(nodes[i]); });
}

Status wait_for_primary(Db& db, std::chrono::milliseconds timeout, std::string* primary) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string previous;
  std::vector<std::string> seen;
  while (true) {
    Status st = db.primaries(&seen);
    if (st.is_ok() && seen.size() == 1) {
      if (seen[0] == previous) {
        *primary = seen[0];
        return Status::ok();
      }
      previous = seen[0];
    } else {
      previous.clear();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string what = !st.is_ok() ? st.message()
                         : seen.empty()
                             ? "no node leads"
                             : fmt::format("{} nodes lead: {}", seen.size(), fmt::join(seen, ", "));
      return Status::io_error(
          fmt::format("no single primary within {} ms: {}", timeout.count(), what));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace faultline
