#include "targets/raftkv/failpoints.h"

#include <fmt/format.h>

#include <vector>

namespace faultline::raftkv {

std::string Failpoints::to_string() const {
  std::vector<std::string_view> names;
  if (stale_read) names.push_back("stale-read");
  if (commit_any_term) names.push_back("commit-any-term");
  if (no_persist_vote) names.push_back("no-persist-vote");
  if (lease_read) names.push_back("lease-read");
  if (follower_read) names.push_back("follower-read");
  if (read_cache) names.push_back("read-cache");
  if (early_txn_reads) names.push_back("early-txn-reads");
  if (no_fsync) names.push_back("no-fsync");
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ","));
}

Status enable_failpoint(std::string_view name, Failpoints* f) {
  if (name == "stale-read") {
    f->stale_read = true;
  } else if (name == "commit-any-term") {
    f->commit_any_term = true;
  } else if (name == "no-persist-vote") {
    f->no_persist_vote = true;
  } else if (name == "lease-read") {
    f->lease_read = true;
  } else if (name == "follower-read") {
    f->follower_read = true;
  } else if (name == "read-cache") {
    f->read_cache = true;
  } else if (name == "early-txn-reads") {
    f->early_txn_reads = true;
  } else if (name == "no-fsync") {
    f->no_fsync = true;
  } else {
    return Status::invalid_argument(fmt::format(
        "unknown failpoint '{}': expected stale-read, commit-any-term, no-persist-vote, "
        "lease-read, follower-read, read-cache, early-txn-reads or no-fsync",
        name));
  }
  return Status::ok();
}

}  // namespace faultline::raftkv
