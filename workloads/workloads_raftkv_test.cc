// End to end: each workload's client ops for a couple of seconds against
// three real faultline-raftkv processes on 127.0.0.1, the leader killed
// (kill -9) half-way, then the history through the workload's checker: a
// correct store must come out valid, redirects, timeouts and all.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

#include "harness/db/resp_client.h"
#include "harness/generator/interpreter.h"
#include "harness/history/reader.h"
#include "harness/nodes/process.h"
#include "harness/run/recorder.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

using namespace std::chrono_literals;

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "cannot find a free port";
  }
  close(fd);
  return ntohs(addr.sin_port);
}

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
    char tmpl[] = "/tmp/faultline-workloads-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string peers, client_peers;
    for (int id = 1; id <= 3; ++id) {
      nodes_.push_back({"n" + std::to_string(id), "127.0.0.1", free_port()});
      peers += fmt::format("{}{}=127.0.0.1:{}", id > 1 ? "," : "", id, free_port());
      client_peers += fmt::format("{}{}=127.0.0.1:{}", id > 1 ? "," : "", id, nodes_.back().port);
    }
    for (int id = 1; id <= 3; ++id) {
      pid_t pid = -1;
      const Status st = spawn_detached(
          {FAULTLINE_RAFTKV_BINARY, "--id", std::to_string(id), "--peers", peers, "--client-peers",
           client_peers, "--client-addr", fmt::format("127.0.0.1:{}", nodes_[id - 1].port),
           "--data-dir", fmt::format("{}/n{}", dir_, id), "--election-ms", "500", "--heartbeat-ms",
           "30"},
          fmt::format("{}/n{}.log", dir_, id), &pid);
      ASSERT_TRUE(st.is_ok()) << st.message();
      pids_.push_back(pid);
    }
  }

  // Ends every process this test started, by its pid.
  void TearDown() override {
    const Status st = terminate_processes(pids_, 2000ms);
    EXPECT_TRUE(st.is_ok()) << st.message();
    if (HasFailure()) {
      std::cerr << "raftkv logs and data kept in " << dir_ << "\n";
    } else {
      std::filesystem::remove_all(dir_);
    }
  }

  // The index of the node that says it leads; -1 after 10 s without one.
  int wait_for_leader() {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (size_t i = 0; i < nodes_.size(); ++i) {
        RespReply reply;
        if (resp_command("127.0.0.1", nodes_[i].port, {"INFO"}, 500ms, &reply).is_ok() &&
            parse_info(reply.text)["role"] == "leader")
          return static_cast<int>(i);
      }
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }

  // Runs the workload's main phase for `duration` (killing the leader half
  // way), then its final phase; checks the history with its checkers.
  void run_and_check(const std::string& name, WorkloadOptions options,
                     std::chrono::nanoseconds duration = 2s) {
    const int leader = wait_for_leader();
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
      kill(pids_[leader], SIGKILL);
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
      EXPECT_EQ(r.verdict, Verdict::kValid) << name << ": " << r.summary << "\n"
                                            << r.to_json().dump(2).substr(0, 4000);
      std::cerr << name << ": " << completions["ok"] << " ok, " << completions["fail"] << " fail, "
                << completions["info"] << " info; " << checker->name() << ": " << r.summary << "\n";
    }
    for (const auto& [error, n] : errors) std::cerr << "  " << n << " x " << error << "\n";
  }

  std::string dir_;
  std::vector<NodeEndpoint> nodes_;
  std::vector<pid_t> pids_;
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

}  // namespace
}  // namespace faultline
