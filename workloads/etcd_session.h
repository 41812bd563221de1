// EtcdKvSession: the KvSession of etcd's v3 API (through the JSON gateway,
// harness/db/etcd_http.h). Any member serves any request (followers forward
// writes to the leader and ask it for a read index), so there are no
// redirects: the session stays on its thread's node and moves on to the
// next one only when a node does not answer (refused, timed out), as
// RespSession does.
//
//   read   range key              (serializable: true with --opt read=serializable)
//   write  put key value
//   cas    txn: if value(key) == expected then put key value
//   add    range key, then txn: if mod_revision(key) == seen then put key seen+delta,
//          again until the txn succeeds or the deadline passes
//
// Values are decimal strings. A cas on an absent key fails (etcd compares a
// value only with a key that exists).
#pragma once

#include <string>

#include "harness/db/etcd_http.h"
#include "workloads/kv_session.h"

namespace faultline {

class EtcdKvSession : public KvSession {
 public:
  EtcdKvSession(const ClientContext& context, bool serializable_reads);
  KvOutcome read(const std::string& key, Clock::time_point deadline) override;
  KvOutcome write(const std::string& key, int64_t value, Clock::time_point deadline) override;
  KvOutcome cas(const std::string& key, int64_t expected, int64_t value,
                Clock::time_point deadline) override;
  KvOutcome add(const std::string& key, int64_t delta, Clock::time_point deadline) override;

 private:
  // POSTs to the current node; moves on when it did not answer.
  KvOutcome post(const char* path, const nlohmann::json& request, Clock::time_point deadline,
                 nlohmann::json* body);
  // A range of `key`: its value (null if absent) and mod revision (0 if absent).
  KvOutcome range(const std::string& key, Clock::time_point deadline, int64_t* mod_revision);

  NodeCursor nodes_;
  bool serializable_reads_;
  EtcdConnection connection_;
};

}  // namespace faultline
