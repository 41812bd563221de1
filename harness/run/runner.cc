#include "harness/run/runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <random>

#include "base/exit_codes.h"
#include "harness/db/targets.h"
#include "harness/nodes/node_set.h"
#include "harness/run/recorder.h"
#include "harness/run/run_executor.h"
#include "harness/run/run_files.h"
#include "harness/run/test_plan.h"
#include "history/reader.h"
#include "nemesis/nemesis.h"
#include "reports/html/run_report.h"
#include "reports/junit.h"
#include "reports/run/controller_lock.h"
#include "reports/store.h"
#include "workloads/workload.h"

namespace faultline {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

namespace {

constexpr int kContinue = -1;  // a phase went fine: go on
constexpr milliseconds kStopGrace{10000};

milliseconds ms(double s) { return milliseconds(static_cast<int64_t>(s * 1000)); }

int fail(const std::string& what, const Status& st) {
  spdlog::error("{}: {}", what, st.message());
  std::cerr << "faultline run: " << what << ": " << st.message() << "\n";
  return st.code() == Status::Code::kInvalidArgument ? exit_code::kUsage
                                                     : exit_code::kInfrastructure;
}

}  // namespace

struct Runner::State {
  std::unique_ptr<Store> store;
  RunManifest manifest;
  std::unique_ptr<NodeSet> nodes;
  Deployment deployment;
  bool started = false;  // the target may run on the nodes
  Workload workload;
  std::unique_ptr<Nemesis> nemesis;
  std::unique_ptr<Recorder> recorder;
  bool recovery_failed = false;
  steady_clock::time_point start = steady_clock::now();
};

Runner::Runner(TestConfig config, Verbosity verbosity)
    : config_(std::move(config)), verbosity_(verbosity) {}

void Runner::interrupt() {
  interrupted_ = true;
  std::lock_guard<std::mutex> lock(interpreter_mutex_);
  if (interpreter_ != nullptr) interpreter_->stop();
}

int Runner::run() {
  if (Status st = check_plan(config_); !st.is_ok()) return fail("bad test", st);
  if (!config_.seed_given)
    config_.seed = std::random_device()() | uint64_t{std::random_device()()} << 32;
  State s;
  if (Status st = make_run_dir(config_, &store_dir_); !st.is_ok())
    return fail("store directory", st);
  // Held until run() returns, whatever ends it: `faultline runs` shows a
  // run still marked running without its lock holder as died.
  std::unique_ptr<ControllerLock> controller_lock;
  if (Status st = ControllerLock::acquire(store_dir_, &controller_lock); !st.is_ok())
    return fail("store directory", st);
  RunLogger logger(store_dir_ + "/faultline.log", verbosity_);
  const std::string db_path = config_.db.empty() ? config_.store + "/faultline.db" : config_.db;
  if (Status st = Store::open(db_path, &s.store); !st.is_ok()) return fail("database", st);
  if (Status st = begin_run(config_, store_dir_, *s.store, &s.manifest); !st.is_ok())
    return fail("database", st);
  if (verbosity_ != Verbosity::kQuiet)
    std::cerr << fmt::format("faultline run: {}, run {}, seed {}, in {}\n", config_.test_name(),
                             s.manifest.run_id, config_.seed, store_dir_);

  int code = deploy(s);
  if (code == kContinue && !interrupted_) code = drive(s);
  teardown(s);
  History history;
  if (s.recorder != nullptr) {
    if (Status st = s.recorder->close(&history); !st.is_ok())
      spdlog::error("recording: {} (the history in memory is complete)", st.message());
  }
  if (interrupted_) code = exit_code::kInterrupted;
  if (code == kContinue) code = check(s, history);
  finish(s, history, code);
  return code;
}

int Runner::deploy(State& s) {
  Status st;
  if (!config_.nodes_file.empty()) {
    RemoteNodesRequest r;
    r.nodes_file = config_.nodes_file;
    st = NodeSet::open_remote(r, &s.nodes);
  } else {
    LocalNodesRequest l;
    l.root = config_.cluster_root;
    l.name = config_.cluster;
    l.create_nodes = config_.nodes;
    st = NodeSet::open_local(l, &s.nodes);
  }
  if (!st.is_ok()) return fail("nodes", st);
  if (config_.keep_cluster) s.nodes->keep_cluster();
  spdlog::info("nodes: {}", s.nodes->description());

  st = config_.target_def != nullptr
           ? make_file_deployment(*config_.target_def, s.nodes->pool(), s.nodes->targets(),
                                  target_options(config_), &s.deployment)
           : make_deployment(config_.target, s.nodes->pool(), s.nodes->targets(),
                             target_options(config_), &s.deployment);
  if (!st.is_ok()) return fail("target", st);
  if (st = make_run_workload(config_, s.deployment, &s.workload); !st.is_ok())
    return fail("workload", st);
  if (st = make_run_nemesis(config_, s.nodes->pool(), s.nodes->targets(), s.nodes->cluster(),
                            s.deployment, &s.nemesis);
      !st.is_ok())
    return fail("nemesis", st);

  Db& db = *s.deployment.db;
  s.started = true;
  const milliseconds ready = ms(config_.recovery_timeout_s);
  st = for_each_node(db, [&](const std::string& n) {
    if (Status x = db.stop(n, seconds(5)); !x.is_ok()) return x;  // a leftover of an earlier run
    if (Status x = db.wipe(n); !x.is_ok()) return x;
    if (Status x = db.setup(n); !x.is_ok()) return x;
    return db.start(n);
  });
  if (st.is_ok()) st = wait_for_cluster(db, s.deployment.has_leader, ready);
  if (!st.is_ok()) return fail("deploy " + config_.target, st);
  spdlog::info("{} serves on {} nodes", config_.target, s.deployment.endpoints.size());
  return kContinue;
}

int Runner::drive(State& s) {
  RecorderOptions ro;
  if (Status st = Recorder::open(store_dir_ + "/history.jsonl", s.store.get(), s.manifest.run_id,
                                 ro, &s.recorder);
      !st.is_ok())
    return fail("history", st);
  ClientContext cc;
  cc.nodes = s.deployment.endpoints;
  cc.timeout = ms(config_.op_timeout_s);
  RunExecutor executor(s.workload.client, cc, s.nemesis.get(), s.deployment.db.get(),
                       s.deployment.has_leader, ms(config_.recovery_timeout_s),
                       config_.concurrency);
  InterpreterOptions io;
  io.concurrency = config_.concurrency;
  io.nemesis = true;  // the final phase's heal runs there even without faults
  io.seed = config_.seed;
  io.stop_grace = std::max<std::chrono::nanoseconds>(kStopGrace, ms(config_.op_timeout_s) * 2);
  Interpreter interpreter(executor, *s.recorder, io);
  {
    std::lock_guard<std::mutex> lock(interpreter_mutex_);
    interpreter_ = &interpreter;
    if (interrupted_) interpreter.stop();
  }
  Progress progress(*s.recorder, config_.time_limit_s, verbosity_, stderr);
  RunResult r;
  try {
    r = interpreter.run(run_generator(config_, s.workload));
  } catch (const std::exception& e) {
    spdlog::error("interpreter: {}", e.what());
    r.stopped = true;
  }
  progress.stop();
  {
    std::lock_guard<std::mutex> lock(interpreter_mutex_);
    interpreter_ = nullptr;
  }
  spdlog::info("{} ops invoked, {} completed, {} left pending", r.invokes, r.completions,
               r.left_pending);
  s.recovery_failed = executor.recovery_failed();
  return kContinue;
}

void Runner::teardown(State& s) {
  if (s.nemesis != nullptr) {
    if (Status st = s.nemesis->heal(); !st.is_ok()) spdlog::error("heal: {}", st.message());
  }
  if (s.started) {
    Db& db = *s.deployment.db;
    Status st = for_each_node(
        db, [&](const std::string& n) { return db.download_logs(n, store_dir_ + "/nodes/" + n); });
    if (!st.is_ok()) spdlog::warn("node logs: {}", st.message());
    if (!config_.keep_running) {
      st = for_each_node(db, [&](const std::string& n) { return db.stop(n, seconds(10)); });
      if (!st.is_ok()) spdlog::error("stopping {}: {}", config_.target, st.message());
    }
  }
  s.deployment.db.reset();
  if (s.nodes != nullptr) {
    if (Status st = s.nodes->release(); !st.is_ok())
      spdlog::error("taking down the cluster: {}", st.message());
  }
}

int Runner::check(State& s, const History& history) {
  std::vector<Operation> ops;
  if (Status st = pair_operations(history, &ops); !st.is_ok())
    return fail("history", st);  // a recorder bug: its history is always well formed
  CheckOptions options;
  options.deadline = steady_clock::now() + ms(config_.check_timeout_s);
  Verdict verdict = Verdict::kValid;
  for (const std::unique_ptr<Checker>& checker : s.workload.checkers) {
    CheckResult r = checker->check(history, ops, options);
    verdict = worst(verdict, r.verdict);
    s.manifest.checkers.push_back(std::move(r));
  }
  if (s.workload.checkers.empty()) verdict = Verdict::kUnknown;
  s.manifest.verdict = std::string(to_string(verdict));
  if (verdict == Verdict::kInvalid) return exit_code::kInvalid;
  if (s.recovery_failed) return exit_code::kInfrastructure;
  return verdict == Verdict::kValid ? exit_code::kValid : exit_code::kUnknown;
}

void Runner::finish(State& s, const History& history, int code) {
  s.manifest.status = code == exit_code::kInterrupted || code == exit_code::kInfrastructure ||
                              code == exit_code::kUsage
                          ? "aborted"
                          : "done";
  Status st = finish_run(history, code, *s.store, &s.manifest);
  if (!st.is_ok()) spdlog::error("database: {}", st.message());
  if (st = write_run_manifest(store_dir_, s.manifest); !st.is_ok())
    spdlog::error("run.json: {}", st.message());
  const std::string report = store_dir_ + "/report.html";
  if (s.recorder != nullptr) {
    if (st = write_run_report(store_dir_, report); !st.is_ok())
      spdlog::error("report: {}", st.message());
  }
  const double seconds_taken = std::chrono::duration<double>(steady_clock::now() - s.start).count();
  if (!config_.junit.empty()) {
    if (st = write_text_file(config_.junit,
                             junit_xml(config_.test_name(), s.manifest.checkers, seconds_taken));
        !st.is_ok())
      spdlog::error("junit: {}", st.message());
  }
  print_summary(config_, s.manifest, code, report, std::cout);
}

}  // namespace faultline
