// KvSession: the key-value operations of the register, counter and set workloads,
// whatever protocol the target speaks. A workload's client asks its session
// to read, write, compare-and-set or add, and turns the outcome into the
// history's ok/fail/info; the session knows the protocol: RESP
// (RespKvSession, GET/SET/CAS/INCRBY over workloads/resp_session.h) or etcd's
// v3 API (EtcdKvSession, workloads/etcd_session.h) or templated HTTP
// requests (HttpJsonKvSession, workloads/http_json_session.h). One session
// per client;
// like RespSession it starts on its thread's node and moves on when a node
// does not answer.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/db/client_protocol.h"
#include "workloads/client.h"
#include "workloads/home_node.h"
#include "workloads/resp_session.h"

namespace faultline {

struct KvOutcome {
  // kOk: done (for cas, `value` says whether it swapped); kNotApplied: it
  // certainly had no effect; kUnknown: it may have had one, or may still.
  enum class Kind { kOk, kNotApplied, kUnknown };
  Kind kind = Kind::kOk;
  // kOk: a read's value (null when the key is absent; a decimal string is
  // an integer), a cas's true (swapped) or false (the key did not hold the
  // expected value: no effect), null otherwise.
  nlohmann::json value;
  RespReply reply;    // kOk of a RESP command or transaction: its reply (EXEC's array)
  std::string error;  // otherwise: why, for the history's "error"
  std::string node;   // the node that answered or was last tried
};

// One operation a workload asks of a session: what call() dispatches to the
// session's read, write, cas or add (or, RESP only, a command or MULTI/EXEC
// transaction of the workload's own), and what a simulated client turns
// into RESP commands (resp_kv_command) without a session.
struct KvRequest {
  // kCommand: `commands[0]` as it is; kTransaction: MULTI, `commands`, EXEC
  // (RESP sessions only; the others answer not applied).
  enum class Kind { kRead, kWrite, kCas, kAdd, kCommand, kTransaction };
  Kind kind = Kind::kRead;
  std::string key;
  int64_t value = 0;     // write, cas: the new value; add: the delta
  int64_t expected = 0;  // cas: the value the key must hold
  std::vector<std::vector<std::string>> commands = {};
  // An op of several requests: what it gathered so far, for the next step.
  nlohmann::json carry = nullptr;

  static KvRequest command(std::vector<std::string> command, nlohmann::json carry = nullptr);
  static KvRequest transaction(std::vector<std::vector<std::string>> commands);
};

class KvSession {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~KvSession() = default;
  KvOutcome call(const KvRequest& request, Clock::time_point deadline);
  virtual KvOutcome read(const std::string& key, Clock::time_point deadline) = 0;
  virtual KvOutcome write(const std::string& key, int64_t value, Clock::time_point deadline) = 0;
  virtual KvOutcome cas(const std::string& key, int64_t expected, int64_t value,
                        Clock::time_point deadline) = 0;
  // Adds `delta` to the integer at `key` (an absent key counts as 0).
  virtual KvOutcome add(const std::string& key, int64_t delta, Clock::time_point deadline) = 0;
  // A kCommand or kTransaction request; not applied but on RESP.
  virtual KvOutcome resp(const KvRequest& request, Clock::time_point deadline);
};

// The session for the protocol, on the context's nodes.
std::unique_ptr<KvSession> make_kv_session(const ClientProtocol& protocol,
                                           const ClientContext& context);

// The completion of `invoke` for `outcome`: ok with `ok_value`, fail when not
// applied, info when unknown, with the error and the node.
Op complete_kv(const Op& invoke, const KvOutcome& outcome, nlohmann::json ok_value);

// A stored value as the history shows it: a decimal integer as an integer,
// anything else as the string.
nlohmann::json stored_value(const std::string& text);

// A fail or info completion (`not_applied` says which) for an ok outcome
// whose reply the client did not expect, with the reply in the error.
Op complete_unexpected(const Op& invoke, const KvOutcome& outcome, bool not_applied);

// An outcome that is not ok: `kind` with why, on `node`.
KvOutcome not_done(KvOutcome::Kind kind, std::string error, std::string node);

// The node a session without redirects sends to: its home node
// (workloads/home_node.h), on the steady clock. node() chooses it; failed()
// and answered() say how the node node() chose last did.
class NodeCursor {
 public:
  explicit NodeCursor(const ClientContext& context)
      : nodes_(context.nodes),
        home_(HomeNode::for_thread(context.thread, std::max<size_t>(1, nodes_.size()))) {}
  const NodeEndpoint* node() {
    if (nodes_.empty()) return nullptr;
    at_ = home_.at(steady_now_ns());
    return &nodes_[at_];
  }
  void failed() { home_.failed(at_, steady_now_ns()); }
  void answered() { home_.answered(at_); }

 private:
  std::vector<NodeEndpoint> nodes_;
  HomeNode home_;
  size_t at_ = 0;
};

// RESP: the command of `request` in `protocol` (its templates; a kCommand's
// own command; a kTransaction has several: its `commands`), and the
// KvOutcome of the command's RespOutcome (for a kTransaction, EXEC's).
// RespKvSession sends the one and reads the other; faultline sim delivers
// them as simulated messages.
std::vector<std::string> resp_kv_command(const ClientProtocol& protocol, const KvRequest& request);
KvOutcome resp_kv_outcome(const KvRequest& request, const RespOutcome& outcome);

// RESP, with the protocol's commands (by default GET, SET, CAS key expected
// new (:1 swapped, :0 not), INCRBY).
class RespKvSession : public KvSession {
 public:
  RespKvSession(const ClientContext& context, const ClientProtocol& protocol)
      : session_(context), protocol_(protocol) {}
  KvOutcome read(const std::string& key, Clock::time_point deadline) override;
  KvOutcome write(const std::string& key, int64_t value, Clock::time_point deadline) override;
  KvOutcome cas(const std::string& key, int64_t expected, int64_t value,
                Clock::time_point deadline) override;
  KvOutcome add(const std::string& key, int64_t delta, Clock::time_point deadline) override;
  KvOutcome resp(const KvRequest& request, Clock::time_point deadline) override;

 private:
  KvOutcome send(const KvRequest& request, Clock::time_point deadline);

  RespSession session_;
  ClientProtocol protocol_;
};

}  // namespace faultline
