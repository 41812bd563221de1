// faultline-interpreter-bench: how many ops per second the Interpreter
// sustains with a trivial executor (returns ok at once), recording to a null
// sink and to an in-memory vector. Goal: > 50,000 ops/s with 50 threads.
//
//   faultline-interpreter-bench [threads (50)] [ops (500000)]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/generator/generator.h"
#include "harness/generator/interpreter.h"

namespace faultline {
namespace {

class NullSink : public HistorySink {
 public:
  void record(const Op&) override { ++events; }
  int64_t events = 0;
};

class Ok : public Executor {
 public:
  Op execute(int, const Op& invoke) override { return invoke.complete(EventType::kOk, 1); }
};

double ops_per_second(int threads, int64_t ops, HistorySink& sink) {
  Ok ok;
  InterpreterOptions options;
  options.concurrency = threads;
  Interpreter interpreter(ok, sink, options);
  auto started = std::chrono::steady_clock::now();
  RunResult result = interpreter.run(gen::limit(ops, gen::repeat(gen::op("read"))));
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (result.completions != ops) {
    std::fprintf(stderr, "expected %lld completions, got %lld\n", static_cast<long long>(ops),
                 static_cast<long long>(result.completions));
    std::exit(1);
  }
  return static_cast<double>(ops) / took.count();
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 50;
  long long ops = argc > 2 ? std::atoll(argv[2]) : 500000;
  if (threads < 1 || ops < 1) {
    std::fprintf(stderr, "usage: %s [threads >= 1] [ops >= 1]\n", argv[0]);
    return 2;
  }
  faultline::NullSink null_sink;
  double null_rate = faultline::ops_per_second(threads, ops, null_sink);
  faultline::VectorSink vector_sink;
  vector_sink.events.reserve(static_cast<size_t>(2 * ops));
  double vector_rate = faultline::ops_per_second(threads, ops, vector_sink);
  std::printf("threads %d, ops %lld\n", threads, ops);
  std::printf("null sink:   %.0f ops/s\n", null_rate);
  std::printf("vector sink: %.0f ops/s\n", vector_rate);
  return 0;
}
