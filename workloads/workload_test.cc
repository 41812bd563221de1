// Each workload's generators on virtual time (simulate): which ops, on which
// keys and threads, with which values; and make_workload's option checks.
#include "workloads/workload.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "harness/generator/simulate.h"

namespace faultline {
namespace {

std::vector<Op> invokes_of(const SimRun& run) {
  std::vector<Op> out;
  for (const Op& e : run.events) {
    if (e.type == EventType::kInvoke) out.push_back(e);
  }
  return out;
}

Workload make(const std::string& name, const WorkloadOptions& options = {}) {
  Workload w;
  const Status st = make_workload(name, options, &w);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return w;
}

SimOptions sim(int concurrency, uint64_t seed, int64_t max_invokes = 1'000'000) {
  SimOptions o;
  o.concurrency = concurrency;
  o.seed = seed;
  o.max_invokes = max_invokes;
  return o;
}

TEST(MakeWorkload, KnownNamesAndCheckers) {
  for (const std::string& name : workload_names()) {
    const Workload w = make(name);
    EXPECT_EQ(w.name, name);
    ASSERT_NE(w.generator, nullptr) << name;
    ASSERT_EQ(w.checkers.size(), 1u) << name;
    ASSERT_NE(w.checkers[0], nullptr) << name;
    ASSERT_TRUE(w.client) << name;
  }
  EXPECT_EQ(make("register").checkers[0]->name(), make_checker("register")->name());
  EXPECT_EQ(make("set").checkers[0]->name(), "set");
  EXPECT_EQ(make("counter").checkers[0]->name(), "counter");
  EXPECT_EQ(make("bank").checkers[0]->name(), "bank");
  EXPECT_EQ(make("list-append").checkers[0]->name(), "list-append");
  EXPECT_EQ(make("rw-register").checkers[0]->name(), "rw-register");
  EXPECT_TRUE(make("register").needs_cas);
  EXPECT_TRUE(make("bank").needs_cas);
  EXPECT_FALSE(make("set").needs_cas);
}

TEST(MakeWorkload, BadNamesAndOptionsAreInvalidArguments) {
  Workload w;
  Status st = make_workload("queue", {}, &w);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "unknown workload 'queue': expected one of register, set, counter, bank, list-append, "
            "rw-register");
  WorkloadOptions options;
  options.concurrency = 5;
  options.threads_per_key = 2;
  st = make_workload("register", options, &w);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("divide the concurrency 5"), std::string::npos) << st.message();
  options = {};
  options.target.transactions = false;
  EXPECT_EQ(make_workload("bank", options, &w).code(), Status::Code::kInvalidArgument);
  options = {};
  options.target.increments = false;
  EXPECT_EQ(make_workload("counter", options, &w).code(), Status::Code::kInvalidArgument);
  options = {};
  options.accounts = 1;
  EXPECT_EQ(make_workload("bank", options, &w).code(), Status::Code::kInvalidArgument);
  options = {};
  options.concurrency = 0;
  EXPECT_EQ(make_workload("counter", options, &w).code(), Status::Code::kInvalidArgument);
}

TEST(TargetCapabilities, EtcdRunsRegisterCounterAndSet) {
  WorkloadOptions options;
  ASSERT_TRUE(target_capabilities("etcd", &options.target).is_ok());
  options.protocol.kind = ClientProtocol::Kind::kEtcdV3;
  Workload w;
  EXPECT_TRUE(make_workload("register", options, &w).is_ok());
  EXPECT_TRUE(w.needs_cas);
  EXPECT_TRUE(make_workload("counter", options, &w).is_ok());
  EXPECT_TRUE(make_workload("set", options, &w).is_ok());
  for (const char* name : {"bank", "list-append", "rw-register"})
    EXPECT_NE(make_workload(name, options, &w).message().find("speaks only RESP"),
              std::string::npos)
        << name;
}

TEST(TargetCapabilities, PaxosHasAllButTransactions) {
  WorkloadOptions options;
  ASSERT_TRUE(target_capabilities("paxos", &options.target).is_ok());
  EXPECT_TRUE(options.target.cas && options.target.sets && options.target.increments);
  EXPECT_FALSE(options.target.transactions);
  Workload w;
  EXPECT_TRUE(make_workload("register", options, &w).is_ok());
  EXPECT_TRUE(w.needs_cas);
  EXPECT_TRUE(make_workload("counter", options, &w).is_ok());
  EXPECT_FALSE(make_workload("bank", options, &w).is_ok());
}

TEST(TargetCapabilities, RaftkvHasAllDhtOnlyGetAndSet) {
  TargetCapabilities raftkv, dht;
  ASSERT_TRUE(target_capabilities("raftkv", &raftkv).is_ok());
  ASSERT_TRUE(target_capabilities("dht", &dht).is_ok());
  EXPECT_TRUE(raftkv.cas && raftkv.transactions && raftkv.sets && raftkv.increments);
  EXPECT_FALSE(dht.cas || dht.transactions || dht.sets || dht.increments);
  EXPECT_EQ(target_capabilities("zookeeper", &dht).code(), Status::Code::kInvalidArgument);
  // On dht: register without cas and set with a key per element; no counter or bank.
  WorkloadOptions options;
  ASSERT_TRUE(target_capabilities("dht", &options.target).is_ok());
  Workload w;
  EXPECT_TRUE(make_workload("register", options, &w).is_ok());
  EXPECT_FALSE(w.needs_cas);
  EXPECT_TRUE(make_workload("set", options, &w).is_ok());
  EXPECT_FALSE(make_workload("counter", options, &w).is_ok());
  EXPECT_FALSE(make_workload("bank", options, &w).is_ok());
}

TEST(RespKvCommand, TemplatesAreFilledInAsExpandTemplateFillsThem) {
  ClientProtocol p;  // the default commands
  KvRequest cas{.kind = KvRequest::Kind::kCas, .key = "register:1", .value = 3, .expected = 2};
  EXPECT_EQ(resp_kv_command(p, cas), (std::vector<std::string>{"CAS", "register:1", "2", "3"}));
  // A target file's templates: text around a placeholder, literal braces, a
  // name this request does not have (""), a bare word.
  p.write = {"HSET", "{key}", "v:{value}", "{{lit}}", "{expected}", "{{", "x{key}y"};
  KvRequest write{.kind = KvRequest::Kind::kWrite, .key = "k", .value = -4};
  EXPECT_EQ(resp_kv_command(p, write),
            (std::vector<std::string>{"HSET", "k", "v:-4", "{lit}", "", "{", "xky"}));
}

TEST(RegisterWorkload, KeysInGroupsWithReadWriteCas) {
  const uint64_t seed = 11;
  WorkloadOptions options;
  options.concurrency = 6;
  options.threads_per_key = 2;
  options.ops_per_key = 20;
  options.key_count = 9;
  Workload w = make("register", options);
  const SimRun run = simulate(std::move(w.generator), sim(6, seed));
  const std::vector<Op> invokes = invokes_of(run);
  ASSERT_EQ(invokes.size(), 9u * 20u) << "seed " << seed;
  std::map<int64_t, int> per_key;
  std::map<int64_t, std::set<int64_t>> processes_per_key;
  std::map<std::string, int> per_f;
  for (const Op& op : invokes) {
    ASSERT_TRUE(op.key.is_number_integer()) << op.key;
    ++per_key[op.key.get<int64_t>()];
    processes_per_key[op.key.get<int64_t>()].insert(op.process);
    ++per_f[op.f];
    if (op.f == "read") {
      EXPECT_TRUE(op.value.is_null());
    } else if (op.f == "write") {
      EXPECT_TRUE(op.value.is_number_integer() && op.value >= 0 && op.value < 5) << op.value;
    } else {
      ASSERT_EQ(op.f, "cas");
      ASSERT_TRUE(op.value.is_array() && op.value.size() == 2) << op.value;
      EXPECT_TRUE(op.value[0] >= 0 && op.value[0] < 5 && op.value[1] >= 0 && op.value[1] < 5);
    }
  }
  EXPECT_EQ(per_key.size(), 9u);
  for (const auto& [key, n] : per_key) EXPECT_EQ(n, 20) << "key " << key;
  for (const auto& [key, ps] : processes_per_key) EXPECT_EQ(ps.size(), 2u) << "key " << key;
  for (const std::string f : {"read", "write", "cas"}) EXPECT_GT(per_f[f], 30) << f;
}

TEST(RegisterWorkload, WithoutCasOnlyReadsAndWrites) {
  WorkloadOptions options;
  options.target.cas = false;
  Workload w = make("register", options);
  EXPECT_FALSE(w.needs_cas);
  const SimRun run = simulate(std::move(w.generator), sim(5, 3, 1000));
  std::set<std::string> fs;
  for (const Op& op : invokes_of(run)) fs.insert(op.f);
  EXPECT_EQ(fs, (std::set<std::string>{"read", "write"}));
}

TEST(SetWorkload, UniqueAddsThenAFinalReadUntilOk) {
  Workload w = make("set");
  const std::vector<Op> adds = invokes_of(simulate(std::move(w.generator), sim(5, 1, 500)));
  ASSERT_EQ(adds.size(), 500u);
  for (size_t i = 0; i < adds.size(); ++i) {
    EXPECT_EQ(adds[i].f, "add");
    EXPECT_EQ(adds[i].value, static_cast<int64_t>(i));  // 0, 1, 2, ...: unique
  }
  // The final read: retried a second apart while it fails, over at the first ok.
  SimOptions options = sim(5, 1);
  int reads = 0;
  options.execute = [&reads](int, const Op& invoke, std::mt19937_64&) {
    ++reads;
    return SimOutcome{1'000'000, invoke.complete(reads < 3 ? EventType::kFail : EventType::kOk,
                                                 nlohmann::json::array())};
  };
  const SimRun run = simulate(std::move(w.final_generator), options);
  const std::vector<Op> invokes = invokes_of(run);
  ASSERT_EQ(invokes.size(), 3u);
  for (const Op& op : invokes) EXPECT_EQ(op.f, "read");
  EXPECT_EQ(invokes[1].time - invokes[0].time, 1'001'000'000);  // 1 ms latency + 1 s
}

TEST(SetWorkload, FinalReadGivesUpAfterTenAttempts) {
  Workload w = make("set");
  SimOptions options = sim(5, 1);
  options.execute = [](int, const Op& invoke, std::mt19937_64&) {
    return SimOutcome{1'000'000, invoke.complete(EventType::kInfo, nullptr)};
  };
  EXPECT_EQ(invokes_of(simulate(std::move(w.final_generator), options)).size(), 10u);
}

TEST(CounterWorkload, PositiveAddsAndReads) {
  Workload w = make("counter");
  const std::vector<Op> invokes = invokes_of(simulate(std::move(w.generator), sim(5, 7, 1000)));
  int reads = 0;
  for (const Op& op : invokes) {
    if (op.f == "read") {
      ++reads;
      EXPECT_TRUE(op.value.is_null());
    } else {
      ASSERT_EQ(op.f, "add");
      EXPECT_TRUE(op.value.is_number_integer() && op.value >= 1 && op.value <= 5) << op.value;
    }
    EXPECT_TRUE(op.key.is_null());
  }
  EXPECT_GT(reads, 400);
  EXPECT_LT(reads, 600);
  ASSERT_NE(w.final_generator, nullptr);
}

TEST(BankWorkload, InitAloneFirstThenTransfersAndReads) {
  WorkloadOptions bank;
  bank.accounts = 4;
  bank.initial_balance = 7;
  Workload w = make("bank", bank);
  // The first init fails: it is repeated, and nothing else starts meanwhile.
  SimOptions options = sim(5, 5, 1000);
  int inits = 0;
  options.execute = [&inits](int, const Op& invoke, std::mt19937_64&) {
    const bool failed = invoke.f == "init" && ++inits == 1;
    return SimOutcome{1'000'000,
                      invoke.complete(failed ? EventType::kFail : EventType::kOk, invoke.value)};
  };
  const SimRun run = simulate(std::move(w.generator), options);
  const std::vector<Op>& events = run.events;
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events[0].f, "init");
  EXPECT_EQ(events[0].value, nlohmann::json({{"0", 7}, {"1", 7}, {"2", 7}, {"3", 7}}));
  EXPECT_EQ(events[1].type, EventType::kFail);
  EXPECT_EQ(events[2].f, "init");
  EXPECT_EQ(events[3].type, EventType::kOk);
  int transfers = 0;
  for (size_t i = 4; i < events.size(); ++i) {
    const Op& op = events[i];
    if (op.type != EventType::kInvoke) continue;
    ASSERT_NE(op.f, "init");
    if (op.f == "read") continue;
    ASSERT_EQ(op.f, "transfer");
    ++transfers;
    const int from = op.value["from"], to = op.value["to"], amount = op.value["amount"];
    EXPECT_NE(from, to);
    EXPECT_TRUE(from >= 0 && from < 4 && to >= 0 && to < 4) << op.value;
    EXPECT_TRUE(amount >= 1 && amount <= 5) << op.value;
  }
  EXPECT_GT(transfers, 300);
}

TEST(TxnWorkloads, TransactionsOfUniqueWritesAndReadsOnAFewKeysAtATime) {
  for (const std::string name : {"list-append", "rw-register"}) {
    SCOPED_TRACE(name);
    const std::string write = name == "list-append" ? "append" : "w";
    Workload w = make(name);
    const std::vector<Op> txns = invokes_of(simulate(std::move(w.generator), sim(5, 3, 2000)));
    ASSERT_EQ(txns.size(), 2000u);
    std::set<int64_t> elements, keys;
    std::map<int64_t, int> appends_per_key;
    int reads = 0;
    for (const Op& op : txns) {
      ASSERT_EQ(op.f, "txn");
      ASSERT_TRUE(op.value.is_array() && !op.value.empty() && op.value.size() <= 4) << op.value;
      for (const nlohmann::json& m : op.value) {
        keys.insert(m[1].get<int64_t>());
        if (m[0] == "r") {
          ++reads;
          EXPECT_TRUE(m[2].is_null());
          continue;
        }
        ASSERT_EQ(m[0], write);
        EXPECT_TRUE(elements.insert(m[2].get<int64_t>()).second) << "appended twice: " << m;
        ++appends_per_key[m[1].get<int64_t>()];
      }
    }
    EXPECT_GT(reads, 1500);
    EXPECT_GT(elements.size(), 1500u);
    for (const auto& [key, n] : appends_per_key) EXPECT_LE(n, 32) << "key " << key;
    EXPECT_GT(keys.size(), 50u);  // keys are retired and replaced
    WorkloadOptions dht;
    dht.target.transactions = false;
    Workload none;
    EXPECT_EQ(make_workload(name, dht, &none).message(),
              name + ": expected a target with MULTI/EXEC");
  }
}

}  // namespace
}  // namespace faultline
