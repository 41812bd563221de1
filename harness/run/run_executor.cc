#include "harness/run/run_executor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace faultline {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

RunExecutor::RunExecutor(ClientFactory client_factory, ClientContext client_context,
                         Nemesis* nemesis, Db* db, bool has_leader, milliseconds recovery_timeout,
                         int concurrency)
    : client_factory_(std::move(client_factory)),
      client_context_(std::move(client_context)),
      nemesis_(nemesis),
      db_(db),
      has_leader_(has_leader),
      recovery_timeout_(recovery_timeout),
      clients_(static_cast<size_t>(concurrency)) {}

Op RunExecutor::execute(int thread, const Op& invoke) {
  if (thread == kNemesisThread) {
    if (invoke.f == kHealOp) return heal(invoke);
    if (nemesis_ == nullptr) {
      Op c = invoke.complete(EventType::kInfo, nullptr);
      c.error = "no nemesis in this test";
      return c;
    }
    return nemesis_->invoke(invoke);
  }
  ThreadClient& tc = clients_.at(static_cast<size_t>(thread));
  if (tc.client == nullptr || tc.process != invoke.process) {
    ClientContext context = client_context_;
    context.process = invoke.process;
    context.thread = thread;
    tc.client = client_factory_(context);
    tc.process = invoke.process;
  }
  return tc.client->invoke(invoke);
}

Op RunExecutor::heal(const Op& invoke) {
  const steady_clock::time_point start = steady_clock::now();
  Op c = invoke.complete(EventType::kInfo, nullptr);
  nlohmann::json healed = nlohmann::json::object();
  Status st = nemesis_ != nullptr ? nemesis_->heal(&healed) : Status::ok();
  if (!st.is_ok()) spdlog::error("heal: {}", st.message());
  Status recovered =
      db_ != nullptr ? wait_for_cluster(*db_, has_leader_, recovery_timeout_) : Status::ok();
  const auto ms = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
  c.value = std::move(healed);
  c.value["recovered"] = recovered.is_ok();
  c.value["ms"] = ms;
  if (!st.is_ok() || !recovered.is_ok()) {
    c.error = !st.is_ok() ? "heal: " + st.message() : "recovery: " + recovered.message();
    spdlog::error("{}", c.error);
  } else {
    spdlog::info("healed; the cluster serves again after {} ms", ms);
  }
  if (!recovered.is_ok()) recovery_failed_ = true;
  return c;
}

Status wait_for_cluster(Db& db, bool has_leader, milliseconds timeout) {
  const steady_clock::time_point deadline = steady_clock::now() + timeout;
  Status st = for_each_node(db, [&](const std::string& node) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    return db.wait_ready(node, std::max(left, milliseconds(1)));
  });
  if (!st.is_ok() || !has_leader) return st;
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
  std::string leader;
  return wait_for_primary(db, std::max(left, milliseconds(1)), &leader);
}

}  // namespace faultline
