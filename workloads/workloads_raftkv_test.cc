// End to end: each workload's client ops for a couple of seconds against
// three real faultline-raftkv processes on 127.0.0.1, the leader killed
// (kill -9) half-way, then the history through the workload's checker: a
// correct store must come out valid, redirects, timeouts and all.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "harness/generator/interpreter.h"
#include "harness/run/recorder.h"
#include "history/reader.h"
#include "tests/support/local_servers.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

using namespace std::chrono_literals;

// Each worker thread's client, made by the workload's factory.
class ClientExecutor : public Executor {
 public:
  ClientExecutor(const ClientFactory& factory, std::vector<NodeEndpoint> nodes, int concurrency) {
    for (int t = 0; t < concurrency; ++t) {
      ClientContext context;
      context.nodes = nodes;
      context.process = t;
      context.thread = t;
      context.timeout = 1s;
      clients_.push_back(factory(context));
    }
  }
  Op execute(int thread, const Op& invoke) override { return clients_[thread]->invoke(invoke); }

 private:
  std::vector<std::unique_ptr<Client>> clients_;
};

class WorkloadsOnRaftkv : public ::testing::Test {
 protected:
  void SetUp() override {
    servers_.add_nodes(3);
    for (size_t i = 0; i < servers_.size(); ++i) {
      nodes_.push_back({"n" + std::to_string(i + 1), "127.0.0.1", servers_.node(i).client_port});
      std::vector<std::string> args = {FAULTLINE_RAFTKV_BINARY,
                                       "--id",
                                       std::to_string(i + 1),
                                       "--peers",
                                       servers_.peer_addresses(),
                                       "--client-peers",
                                       servers_.client_addresses(),
                                       "--client-addr",
                                       servers_.client_addr(i),
                                       "--data-dir",
                                       servers_.data_dir(i),
                                       "--election-ms",
                                       "500",
                                       "--heartbeat-ms",
                                       "30"};
      if (!failpoint_.empty()) args.insert(args.end(), {"--unsafe-failpoint", failpoint_});
      ASSERT_TRUE(servers_.start(i, args));
    }
  }

  // Runs the workload's main phase for `duration` (killing the leader half
  // way), then its final phase; checks the history with its checkers.
  void run_and_check(const std::string& name, WorkloadOptions options,
                     std::chrono::nanoseconds duration = 2s, Verdict expected = Verdict::kValid) {
    const int leader = servers_.wait_for_leader();
    ASSERT_GE(leader, 0) << "no leader elected";
    Workload w;
    const Status st = make_workload(name, options, &w);
    ASSERT_TRUE(st.is_ok()) << st.message();
    ClientExecutor executor(w.client, nodes_, options.concurrency);
    VectorSink sink;
    InterpreterOptions run_options;
    run_options.concurrency = options.concurrency;
    Interpreter interpreter(executor, sink, run_options);
    // About 1000 ops/s in all, as the runner's rate would have it: without
    // one, clients refused by the killed node fail in a tight loop.
    GenPtr main = gen::time_limit(duration, gen::stagger(1ms, std::move(w.generator)));
    std::thread killer([&] {
      std::this_thread::sleep_for(duration / 2);
      servers_.kill(leader);
    });
    interpreter.run(w.final_generator
                        ? gen::phases(gen::list(std::move(main), std::move(w.final_generator)))
                        : std::move(main));
    killer.join();

    std::string text;
    std::map<std::string, int> completions;
    std::map<std::string, int> ok_by_f;  // every function invoked: how many were ok
    std::map<std::string, int> errors;   // for the summary: why ops failed
    for (size_t i = 0; i < sink.events.size(); ++i) {
      const Op& e = sink.events[i];
      text += history_line(e, static_cast<int64_t>(i));  // as `faultline run` records it
      if (e.type != EventType::kInvoke) ++completions[std::string(to_string(e.type))];
      ok_by_f[e.f] += e.type == EventType::kOk;
      if (!e.error.empty()) ++errors[e.error.substr(0, 40)];
    }
    History history;
    std::vector<Operation> ops;
    ASSERT_TRUE(parse_jsonl(text, name, &history).is_ok());
    ASSERT_TRUE(pair_operations(history, &ops).is_ok());
    EXPECT_GT(completions["ok"], 100) << name << ": too few ok ops to say anything";
    for (const auto& [f, ok] : ok_by_f) EXPECT_GT(ok, 0) << name << ": no " << f << " was ok";
    for (const auto& checker : w.checkers) {
      const CheckResult r = checker->check(history, ops, CheckOptions{});
      EXPECT_EQ(r.verdict, expected) << name << ": " << r.summary << "\n"
                                     << r.to_json().dump(2).substr(0, 4000);
      std::cerr << name << ": " << completions["ok"] << " ok, " << completions["fail"] << " fail, "
                << completions["info"] << " info; " << checker->name() << ": " << r.summary << "\n";
    }
    for (const auto& [error, n] : errors) std::cerr << "  " << n << " x " << error << "\n";
  }

  std::string failpoint_;  // --unsafe-failpoint of every server, if not empty
  LocalServers servers_{"workloads-test"};
  std::vector<NodeEndpoint> nodes_;  // the servers, as the clients know them
};

TEST_F(WorkloadsOnRaftkv, Register) {
  WorkloadOptions options;
  options.concurrency = 6;
  options.threads_per_key = 3;
  options.ops_per_key = 100;
  run_and_check("register", options);
}

TEST_F(WorkloadsOnRaftkv, Set) { run_and_check("set", WorkloadOptions{}); }

TEST_F(WorkloadsOnRaftkv, SetWithAKeyPerElement) {
  WorkloadOptions options;
  options.target.sets = false;
  run_and_check("set", options);
}

TEST_F(WorkloadsOnRaftkv, Counter) { run_and_check("counter", WorkloadOptions{}); }

TEST_F(WorkloadsOnRaftkv, Bank) { run_and_check("bank", WorkloadOptions{}); }

TEST_F(WorkloadsOnRaftkv, ListAppend) { run_and_check("list-append", WorkloadOptions{}); }

TEST_F(WorkloadsOnRaftkv, RwRegister) { run_and_check("rw-register", WorkloadOptions{}); }

// A store that answers a transaction's reads before its writes commit: the
// list-append checker must find the anomalies (with the leader killed half
// way, as above, which changes nothing about them).
class WorkloadsOnUnsafeRaftkv : public WorkloadsOnRaftkv {
 protected:
  WorkloadsOnUnsafeRaftkv() { failpoint_ = "early-txn-reads"; }
};

TEST_F(WorkloadsOnUnsafeRaftkv, ListAppendCatchesEarlyTxnReads) {
  run_and_check("list-append", WorkloadOptions{}, 2s, Verdict::kInvalid);
}

TEST_F(WorkloadsOnUnsafeRaftkv, RwRegisterCatchesEarlyTxnReads) {
  run_and_check("rw-register", WorkloadOptions{}, 2s, Verdict::kInvalid);
}

}  // namespace
}  // namespace faultline
