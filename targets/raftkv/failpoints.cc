#include "targets/raftkv/failpoints.h"

#include <fmt/format.h>

#include <iterator>
#include <vector>

namespace faultline::raftkv {
namespace {

// Every failpoint: its --unsafe-failpoint name and its flag.
struct Named {
  std::string_view name;
  bool Failpoints::*flag;
};
constexpr Named kFailpoints[] = {
    {"stale-read", &Failpoints::stale_read},
    {"commit-any-term", &Failpoints::commit_any_term},
    {"no-persist-vote", &Failpoints::no_persist_vote},
    {"lease-read", &Failpoints::lease_read},
    {"lease-from-ack", &Failpoints::lease_from_ack},
    {"follower-read", &Failpoints::follower_read},
    {"read-cache", &Failpoints::read_cache},
    {"early-txn-reads", &Failpoints::early_txn_reads},
    {"no-fsync", &Failpoints::no_fsync},
};

}  // namespace

bool Failpoints::any() const {
  for (const Named& f : kFailpoints)
    if (this->*f.flag) return true;
  return false;
}

std::string Failpoints::to_string() const {
  std::vector<std::string_view> names;
  for (const Named& f : kFailpoints)
    if (this->*f.flag) names.push_back(f.name);
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ","));
}

Status enable_failpoint(std::string_view name, Failpoints* failpoints) {
  std::vector<std::string_view> names;
  for (const Named& f : kFailpoints) {
    if (f.name == name) {
      failpoints->*f.flag = true;
      return Status::ok();
    }
    names.push_back(f.name);
  }
  const std::string_view last = names.back();
  names.pop_back();
  return Status::invalid_argument(fmt::format("unknown failpoint '{}': expected {} or {}", name,
                                              fmt::join(names, ", "), last));
}

}  // namespace faultline::raftkv
