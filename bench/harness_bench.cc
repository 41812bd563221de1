// faultline-harness-bench: how many ops per second the harness drives against
// a fast RESP target, and what recording costs (issue 5's performance goal:
// >= 20,000 ops/s from 50 processes with recording on; recording costs < 5%).
//
// Each round runs the register workload's client ops (make_workload: reads,
// writes and, unless --no-cas, cas on independent keys, --threads-per-key
// processes per key) through the Interpreter, every process with its own
// RESP client from the workload's ClientFactory, at no rate limit, for
// --seconds. Rounds alternate between recording off (a sink that drops
// events) and on (a Recorder writing history.jsonl and a SQLite store in a
// temporary directory, as `faultline run` does; --record jsonl|store: only
// one of them); the last line sums them up:
//
//   RESULT on_median=N off_median=N ratio=R cpu_us_on=C cpu_us_off=C
//
// (ops/s medians; C: the median CPU time of this process, all threads, per
// completed op: what the harness itself costs, whatever else the machine runs).
//
//   faultline-harness-bench --endpoint 127.0.0.1:PORT [--concurrency 50]
//       [--seconds 5] [--rounds 3] [--threads-per-key 5] [--no-cas] [--record-dir /tmp]
//       [--record both|jsonl|store]
//
// Exit status: 0 done, 1 a round failed (no ok ops, a recording error), 2 usage.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/generator/interpreter.h"
#include "harness/run/recorder.h"
#include "harness/run/run_executor.h"
#include "reports/store.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

using std::chrono::steady_clock;

struct BenchOptions {
  NodeEndpoint node{"n1", "127.0.0.1", 0};
  int concurrency = 50;
  double seconds = 5;
  int rounds = 3;
  int threads_per_key = 5;
  bool cas = true;
  std::string record_dir = "/tmp";  // where recording rounds write their files
  bool store = true, jsonl = true;  // what recording rounds write (both, as a run does)
};

// Recording off.
class DroppingSink : public HistorySink {
 public:
  void record(const Op&) override {}
};

// Counts the completions by type on their way to the real sink.
class CountingSink : public HistorySink {
 public:
  explicit CountingSink(HistorySink& next) : next_(next) {}
  void record(const Op& event) override {
    switch (event.type) {
      case EventType::kInvoke: break;
      case EventType::kOk: ++ok; break;
      case EventType::kFail: ++fail; break;
      case EventType::kInfo: ++info; break;
    }
    next_.record(event);
  }
  int64_t ok = 0, fail = 0, info = 0;

 private:
  HistorySink& next_;
};

// The workload's client per thread; a process retired after an info gets a
// fresh client, as in a run (there is no nemesis here).
struct RoundResult {
  double ops_per_second = 0;  // completions per second of the interpreter's run
  int64_t ok = 0, fail = 0, info = 0;
  double cpu_us_per_op = 0;  // this process's CPU time (all threads) per completion
  double close_ms = 0;       // recording on: the recorder's final flush and fsync
};

// CPU time (user + system) of every thread of this process so far.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

Status run_round(const BenchOptions& o, bool recording, const std::string& dir, int round,
                 RoundResult* out) {
  WorkloadOptions wo;
  wo.concurrency = o.concurrency;
  wo.threads_per_key = o.threads_per_key;
  wo.target.cas = o.cas;
  Workload workload;
  if (Status st = make_workload("register", wo, &workload); !st.is_ok()) return st;

  std::unique_ptr<Store> store;
  std::unique_ptr<Recorder> recorder;
  DroppingSink dropping;
  if (recording) {
    const std::string base = fmt::format("{}/round{}", dir, round);
    int64_t run_id = 0;
    if (o.store) {
      if (Status st = Store::open(base + ".db", &store); !st.is_ok()) return st;
      RunInfo info;
      info.name = "harness-bench";
      info.workload = "register";
      if (Status st = store->begin_run(info, &run_id); !st.is_ok()) return st;
    }
    RecorderOptions ro;
    ro.write_jsonl = o.jsonl;
    if (Status st = Recorder::open(base + ".jsonl", store.get(), run_id, ro, &recorder);
        !st.is_ok())
      return st;
  }
  CountingSink sink(recording ? static_cast<HistorySink&>(*recorder) : dropping);

  ClientContext context;
  context.nodes = {o.node};
  RunExecutor executor(workload.client, context, /*nemesis=*/nullptr, /*db=*/nullptr,
                       /*has_leader=*/false, std::chrono::milliseconds(0), o.concurrency);
  InterpreterOptions io;
  io.concurrency = o.concurrency;
  io.seed = static_cast<uint64_t>(round);
  Interpreter interpreter(executor, sink, io);
  const auto duration = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(o.seconds));
  const double cpu_started = process_cpu_seconds();
  const steady_clock::time_point started = steady_clock::now();
  const RunResult r = interpreter.run(gen::time_limit(duration, std::move(workload.generator)));
  const std::chrono::duration<double> took = steady_clock::now() - started;
  out->cpu_us_per_op = (process_cpu_seconds() - cpu_started) * 1e6 /
                       static_cast<double>(std::max<int64_t>(r.completions, 1));

  out->ops_per_second = static_cast<double>(r.completions) / took.count();
  out->ok = sink.ok;
  out->fail = sink.fail;
  out->info = sink.info;
  if (recorder != nullptr) {
    const steady_clock::time_point closing = steady_clock::now();
    History history;
    if (Status st = recorder->close(&history); !st.is_ok()) return st;
    out->close_ms =
        std::chrono::duration<double, std::milli>(steady_clock::now() - closing).count();
    // The writer's backlog at the end is part of recording's cost.
    out->cpu_us_per_op = (process_cpu_seconds() - cpu_started) * 1e6 /
                         static_cast<double>(std::max<int64_t>(r.completions, 1));
    const auto events = static_cast<int64_t>(history.events.size());
    if (events != r.invokes + r.completions)
      return Status::io_error(
          fmt::format("recorded {} events, expected {}", events, r.invokes + r.completions));
  }
  if (out->ok == 0) return Status::io_error("no op was ok: is the target serving?");
  return Status::ok();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Status parse_endpoint(const std::string& text, NodeEndpoint* out) {
  const size_t colon = text.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    try {
      size_t used = 0;
      port = std::stoi(text.substr(colon + 1), &used);
      if (used != text.size() - colon - 1) port = 0;
    } catch (const std::exception&) {
      port = 0;
    }
  }
  if (colon == std::string::npos || text.substr(0, colon) != "127.0.0.1" || port < 1 ||
      port > 65535)
    return Status::invalid_argument(
        fmt::format("--endpoint: expected 127.0.0.1:PORT (port 1..65535), got '{}'", text));
  out->host = "127.0.0.1";
  out->port = port;
  return Status::ok();
}

int bench(const BenchOptions& o) {
  std::string tmpl = o.record_dir + "/faultline-harness-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::fprintf(stderr, "faultline-harness-bench: %s: %s\n", tmpl.c_str(), std::strerror(errno));
    return 1;
  }
  const std::string dir = tmpl;
  std::printf(
      "harness bench: 127.0.0.1:%d, %d processes, register (%s, %d per key), %.1f s x %d "
      "rounds each, no rate limit\n",
      o.node.port, o.concurrency, o.cas ? "read/write/cas" : "read/write", o.threads_per_key,
      o.seconds, o.rounds);
  std::vector<double> on, off, cpu_on, cpu_off;
  int code = 0;
  for (int i = 0; i < 2 * o.rounds && code == 0; ++i) {
    const bool recording = i % 2 == 1;  // off, on, off, on, ...
    RoundResult r;
    const Status st = run_round(o, recording, dir, i, &r);
    if (!st.is_ok()) {
      std::fprintf(stderr, "faultline-harness-bench: round %d (recording %s): %s\n", i + 1,
                   recording ? "on" : "off", st.message().c_str());
      code = 1;
      break;
    }
    (recording ? on : off).push_back(r.ops_per_second);
    (recording ? cpu_on : cpu_off).push_back(r.cpu_us_per_op);
    std::printf(
        "round %d  recording %-3s  %9.0f ops/s  %6.1f CPU us/op  ok %lld fail %lld info %lld",
        i + 1, recording ? "on" : "off", r.ops_per_second, r.cpu_us_per_op,
        static_cast<long long>(r.ok), static_cast<long long>(r.fail),
        static_cast<long long>(r.info));
    if (recording) std::printf("  close %.0f ms", r.close_ms);
    std::printf("\n");
    std::fflush(stdout);
  }
  std::filesystem::remove_all(dir);
  if (code != 0) return code;
  const double on_median = median(on), off_median = median(off);
  const double cpu_on_median = median(cpu_on), cpu_off_median = median(cpu_off);
  std::printf("median: recording on %.0f ops/s, off %.0f ops/s; on/off %.3f\n", on_median,
              off_median, on_median / off_median);
  std::printf("median harness CPU per op: recording on %.1f us, off %.1f us\n", cpu_on_median,
              cpu_off_median);
  std::printf("RESULT on_median=%.0f off_median=%.0f ratio=%.3f cpu_us_on=%.1f cpu_us_off=%.1f\n",
              on_median, off_median, on_median / off_median, cpu_on_median, cpu_off_median);
  return 0;
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) {
  CLI::App app{"faultline-harness-bench: the harness's throughput with and without recording"};
  faultline::BenchOptions o;
  std::string endpoint;
  bool no_cas = false;
  app.add_option("--endpoint", endpoint, "the RESP target, 127.0.0.1:PORT")->required();
  app.add_option("--concurrency", o.concurrency, "client threads (processes)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--seconds", o.seconds, "length of each round")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--rounds", o.rounds, "rounds with recording on, and as many off")
      ->check(CLI::Range(1, 1000));
  app.add_option("--threads-per-key", o.threads_per_key,
                 "processes per register key (divides --concurrency)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--record-dir", o.record_dir,
                 "where recording rounds write history.jsonl and the SQLite store (a temporary "
                 "directory inside it, removed at the end)")
      ->check(CLI::ExistingDirectory);
  std::string record = "both";
  app.add_option("--record", record,
                 "what recording rounds write: both (as a run does), jsonl or store")
      ->check(CLI::IsMember({"both", "jsonl", "store"}));
  app.add_flag("--no-cas", no_cas, "reads and writes only (for targets without CAS, e.g. Redis)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0
  }
  o.cas = !no_cas;
  o.store = record != "jsonl";
  o.jsonl = record != "store";
  if (faultline::Status st = faultline::parse_endpoint(endpoint, &o.node); !st.is_ok()) {
    std::fprintf(stderr, "faultline-harness-bench: %s\n", st.message().c_str());
    return 2;
  }
  if (o.concurrency % o.threads_per_key != 0) {
    std::fprintf(stderr,
                 "faultline-harness-bench: --threads-per-key %d does not divide --concurrency %d\n",
                 o.threads_per_key, o.concurrency);
    return 2;
  }
  return faultline::bench(o);
}
