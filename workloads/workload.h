// Workloads: what a test does to the system under test and how its history is
// judged (Jepsen's workloads). Each one bundles the generator of its client
// ops, the client that executes them over RESP, and its checkers.
// docs/workloads.md describes each workload's ops, RESP commands and checks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "checkers/checker.h"
#include "harness/db/client_protocol.h"
#include "harness/generator/generator.h"
#include "workloads/client.h"
#include "workloads/kv_session.h"

namespace faultline {

// What the target's RESP interface offers beyond GET and SET.
struct TargetCapabilities {
  bool cas = true;           // CAS key expected new  -> :1 swapped / :0 not
  bool transactions = true;  // MULTI ... EXEC applied atomically, and MGET
  bool sets = true;          // SADD / SMEMBERS
  bool increments = true;    // INCRBY
};

// The capabilities of a target faultline knows: "raftkv" has them all,
// "dht" only GET/SET/DEL, "etcd" cas and increments (as transactions on its
// own protocol), "paxos" all but transactions (one key at a time). Other
// names are invalid_argument errors.
Status target_capabilities(std::string_view target, TargetCapabilities* out);

struct WorkloadOptions {
  int concurrency = 5;  // client threads; a multiple of threads_per_key
  // register: threads working on each key at once (0: every thread) and ops
  // per key before its group moves to a fresh key, and how many keys in all
  // (0: no limit; the runner's time limit ends the test).
  int threads_per_key = 0;
  int64_t ops_per_key = 200;
  int64_t key_count = 0;
  // bank: accounts and each one's starting balance.
  int accounts = 5;
  int64_t initial_balance = 10;
  TargetCapabilities target;
  // How the clients talk to the target. Only register, counter and set speak
  // protocols other than RESP (workloads/kv_session.h).
  ClientProtocol protocol;
};

// A workload's ops as key-value requests (workloads/kv_session.h): the
// request an invoke makes (nullopt: the op is not one of the workload's) and
// what each request's outcome leads to: the op's completion or, for an op of
// several requests (bank's transfer reads the accounts, then swaps them all),
// its next request. One definition serves every driver: the workload's
// Client (kv_ops_client) sends the requests through the target's KvSession;
// faultline sim sends them as RESP commands to a simulated node. Each
// request has the op timeout; an op must reach its completion in a bounded
// number of requests (so far as a set's read of one key per element can).
using KvStep = std::variant<Op, KvRequest>;
struct KvOps {
  std::function<std::optional<KvRequest>(const Op& invoke)> request;
  std::function<KvStep(const Op& invoke, const KvRequest& request, const KvOutcome& outcome)>
      complete;
};

// The Client of `workload`, whose ops are `ops`, on a session of `protocol`.
ClientFactory kv_ops_client(std::string workload, KvOps ops, ClientProtocol protocol);

// The fail completion of an op a client cannot run, naming the workload.
Op cannot_run(const Op& invoke, std::string_view workload);

struct Workload {
  std::string name;
  // Client ops of the main phase, without a time limit or rate (the runner
  // adds those, and the nemesis).
  GenPtr generator;
  // Client ops once the faults are healed (final reads); may be null.
  GenPtr final_generator;
  // The ops as requests, and the Client that sends them (kv_ops_client).
  KvOps kv_ops;
  ClientFactory client;
  std::vector<std::unique_ptr<Checker>> checkers;
  bool needs_cas = false;  // its ops include CAS (the target must have it)
};

// Builds workload `name` ("register", "set", "counter", "bank", "list-append",
// "rw-register"). Unknown
// names, options out of range and targets lacking what it needs are
// invalid_argument errors that say what was expected.
Status make_workload(std::string_view name, const WorkloadOptions& options, Workload* out);
std::vector<std::string> workload_names();

// The workloads, one per file; make_workload checks the common options first.
Status make_register_workload(const WorkloadOptions& options, Workload* out);
Status make_set_workload(const WorkloadOptions& options, Workload* out);
Status make_counter_workload(const WorkloadOptions& options, Workload* out);
Status make_bank_workload(const WorkloadOptions& options, Workload* out);
Status make_list_append_workload(const WorkloadOptions& options, Workload* out);
Status make_rw_register_workload(const WorkloadOptions& options, Workload* out);

// Shared by the workloads: `op` on one thread, again `interval` after each
// attempt that was not ok, at most `attempts` times. For final reads (after
// healing, the first may still meet an election) and the bank's setup.
GenPtr until_ok(Op op, int attempts, std::chrono::nanoseconds interval);

}  // namespace faultline
