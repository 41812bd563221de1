// Generates histories of a simulated linearizable system, for benchmarking
// and testing the checkers (docs/benchmarks.md). P client processes run on a
// virtual nanosecond clock; every operation takes effect at one random moment
// between its invoke and its completion (its linearization point), so every
// history is linearizable unless reads are deliberately corrupted. The same
// options and seed always give the same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace faultline::bench {

struct GeneratorOptions {
  // "register", "kv", "set", "counter" or "bank": the data type, with the
  // functions and values its checker expects (docs/benchmarks.md).
  std::string model = "register";
  int processes = 5;  // concurrent client slots
  int keys = 1;       // independent registers, "key" 0..keys-1
  // 0: each op goes to a random key. G > 0: like Jepsen's
  // independent/concurrent-generator, G processes work on one key at a time;
  // a process moves to a fresh key when its key's share is used up. Either
  // way each key gets ops/keys operations.
  int key_processes = 0;
  int64_t ops = 1000;  // operations invoked in total, pending ones included
  // register: values 0..V-1; kv: puts and appends of "0".."V-1"; counter:
  // deltas 1..V; bank: V accounts; set: unused (every add is a new element).
  int values = 5;
  // kv only: "digits" (puts and appends of "0".."V-1", so strings repeat) or
  // "unique" (every put and append writes a string of its own, "x P N y" for
  // process P's N-th write, as in the key-value histories of MIT 6.824 that
  // Porcupine ships: values built by appends, each one telling its history).
  std::string kv_values = "digits";
  double info_rate = 0;  // fraction of ops that crash (complete as info)
  // Fraction of ops that take 10 to 100 times as long as the others, as
  // requests do that wait out an election in a real system: most ops
  // overlap a few neighbours, a few overlap hundreds.
  double slow_rate = 0;
  double fail_rate = 0;  // fraction of ops that fail without taking effect
  // Function name and weight, e.g. {{"read", 2}, {"write", 1}, {"cas", 1}}
  // (the register's default); empty means the model's default mix. Weights
  // need not sum to 1.
  std::vector<std::pair<std::string, double>> mix;
  int64_t corrupt = 0;  // ok reads to corrupt so that the history breaks the model
  int64_t pending = 0;  // final ops left without a completion (at most `processes`)
  uint64_t seed = 1;
};

struct GeneratorReport {
  int64_t ops = 0;
  int64_t events = 0;  // lines written
  int64_t ok = 0, fail = 0, info = 0, pending = 0;
  // One line per corrupted read, e.g. "line 812: read of key 3 returned 4
  // (stale: ...)", to say where the checker should find the anomaly.
  std::vector<std::string> corruptions;
};

// Parses a --mix argument such as "read=0.5,write=0.25,cas=0.25".
Status parse_mix(std::string_view text, std::vector<std::pair<std::string, double>>* mix);

// Simulates the system and writes the history as JSON lines (docs/history.md)
// through `write`, in chunks. Bad options give kInvalidArgument before
// anything is written.
Status generate_history(const GeneratorOptions& options,
                        const std::function<void(std::string_view)>& write,
                        GeneratorReport* report);

}  // namespace faultline::bench
