// faultline-gen-txn-history: writes a JSON-lines history of transactions
// (list-append or rw-register, docs/history.md "Transactions") from a
// simulated strict-serializable database, for the transactional checkers'
// benchmark (docs/benchmarks.md). Like Jepsen's list-append workload, a few
// keys are in use at a time and each is retired after a number of writes,
// so reads stay short however long the history. Every transaction takes
// effect atomically when it completes; --stale N makes N ok reads return the
// key as it was one write earlier, which breaks serializability. The same
// flags always give the same bytes.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string model = "list-append";
  int64_t txns = 1000;
  int processes = 10;
  int active_keys = 10;     // keys in use at a time
  int writes_per_key = 32;  // a key retires after this many writes
  int max_mops = 4;         // micro-operations per transaction: 1..max
  double info_rate = 0.01;  // crashed: may or may not take effect
  double fail_rate = 0.01;  // failed: no effect
  int64_t stale = 0;        // ok reads made stale
  uint64_t seed = 1;
};

struct Mop {
  bool write = false;
  int64_t key = 0, value = 0;
  std::vector<int64_t> list;  // list-append read; rw-register read: empty = nil, else [value]
};

class Simulation {
 public:
  explicit Simulation(const Options& o) : o_(o), rng_(o.seed) {
    for (int i = 0; i < o.active_keys; ++i) fresh_key(i);
  }

  void run(std::FILE* out) {
    std::vector<std::vector<Mop>> running(o_.processes);
    std::vector<char> busy(o_.processes, 0);
    int64_t invoked = 0, in_flight = 0, stale_left = o_.stale, time = 0;
    std::uniform_real_distribution<double> unit(0, 1);
    while (invoked < o_.txns || in_flight > 0) {
      const int p = static_cast<int>(rng_() % o_.processes);
      time += 1000 + rng_() % 100000;
      if (!busy[p]) {
        if (invoked == o_.txns) continue;
        running[p] = new_txn();
        write_event(out, p, "invoke", running[p], false, time);
        busy[p] = 1;
        ++invoked;
        ++in_flight;
        continue;
      }
      const double r = unit(rng_);
      const char* type = r < o_.fail_rate                  ? "fail"
                         : r < o_.fail_rate + o_.info_rate ? "info"
                                                           : "ok";
      const bool ok = type[0] == 'o';
      if (ok || (type[0] == 'i' && rng_() % 2 == 0)) {
        const bool make_stale = ok && stale_left > 0 && rng_() % 50 == 0;
        stale_left -= apply(&running[p], make_stale);
      }
      write_event(out, p, type, running[p], ok, time);
      busy[p] = 0;
      --in_flight;
    }
  }

 private:
  void fresh_key(int slot) {
    if (static_cast<int>(keys_.size()) <= slot) keys_.resize(slot + 1);
    keys_[slot] = next_key_++;
    lists_.emplace_back();
    writes_.push_back(0);
  }

  std::vector<Mop> new_txn() {
    std::vector<Mop> mops(1 + rng_() % o_.max_mops);
    for (Mop& m : mops) {
      const int slot = static_cast<int>(rng_() % o_.active_keys);
      m.key = keys_[slot];
      m.write = rng_() % 2 == 0;
      if (m.write) {
        m.value = ++next_value_;
        if (++writes_[m.key] >= o_.writes_per_key) fresh_key(slot);
      }
    }
    return mops;
  }

  // Runs the transaction atomically; returns whether it made a read stale.
  bool apply(std::vector<Mop>* mops, bool make_stale) {
    bool made = false;
    for (Mop& m : *mops) {
      std::vector<int64_t>& state = lists_[m.key];
      if (m.write) {
        if (o_.model != "list-append") state.clear();
        state.push_back(m.value);
        continue;
      }
      m.list = state;
      if (make_stale && !made && !m.list.empty() && o_.model == "list-append") {
        m.list.pop_back();
        made = true;
      }
    }
    return made;
  }

  void write_event(std::FILE* out, int p, const char* type, const std::vector<Mop>& mops,
                   bool results, int64_t time) {
    std::string value = "[";
    for (size_t i = 0; i < mops.size(); ++i) {
      const Mop& m = mops[i];
      if (i > 0) value += ',';
      if (m.write) {
        value += fmt::format("[\"{}\",{},{}]", o_.model == "list-append" ? "append" : "w", m.key,
                             m.value);
      } else if (!results) {
        value += fmt::format("[\"r\",{},null]", m.key);
      } else if (o_.model == "list-append") {
        value += fmt::format("[\"r\",{},[{}]]", m.key, fmt::join(m.list, ","));
      } else if (m.list.empty()) {
        value += fmt::format("[\"r\",{},null]", m.key);
      } else {
        value += fmt::format("[\"r\",{},{}]", m.key, m.list.back());
      }
    }
    value += ']';
    fmt::print(out, "{{\"time\":{},\"process\":{},\"type\":\"{}\",\"f\":\"txn\",\"value\":{}}}\n",
               time, p, type, value);
  }

  const Options& o_;
  std::mt19937_64 rng_;
  std::vector<int64_t> keys_;                // the key in each active slot
  std::vector<std::vector<int64_t>> lists_;  // per key: the list (rw-register: last value)
  std::vector<int> writes_;                  // per key
  int64_t next_key_ = 0, next_value_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string out_path = "-";
  CLI::App app{"Generates a history of transactions of a simulated strict-serializable database"};
  app.add_option("--model", o.model, "Micro-operations")
      ->check(CLI::IsMember({"list-append", "rw-register"}))
      ->capture_default_str();
  app.add_option("--txns,-n", o.txns, "Transactions")->capture_default_str();
  app.add_option("--processes,-p", o.processes, "Concurrent processes")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--active-keys", o.active_keys, "Keys in use at a time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--writes-per-key", o.writes_per_key, "Writes after which a key is retired")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-mops", o.max_mops, "Micro-operations per transaction, at most")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--info-rate", o.info_rate, "Fraction of transactions that crash")
      ->capture_default_str();
  app.add_option("--fail-rate", o.fail_rate, "Fraction of transactions that fail")
      ->capture_default_str();
  app.add_option("--stale", o.stale, "list-append: ok reads to make stale (one append short)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Random seed")->capture_default_str();
  app.add_option("--output,-o", out_path, "Output file (- for stdout)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::FILE* out = out_path == "-" ? stdout : std::fopen(out_path.c_str(), "w");
  if (out == nullptr) {
    fmt::print(stderr, "faultline-gen-txn-history: cannot write {}\n", out_path);
    return 2;
  }
  Simulation(o).run(out);
  if (out != stdout && std::fclose(out) != 0) return 2;
  return 0;
}
