#include "bench/history_generator.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <queue>

namespace faultline::bench {
namespace {

constexpr int32_t kNull = -1;  // the register before its first write

// Virtual-clock latencies in nanoseconds. A crashed op's info arrives when
// the client times out, later than an ordinary reply.
constexpr int64_t kLatencyMin = 100'000, kLatencyMax = 1'000'000;
constexpr int64_t kTimeoutMin = 1'000'000, kTimeoutMax = 5'000'000;
constexpr int64_t kThinkMax = 50'000;  // pause between a completion and the next invoke

// xoshiro256** seeded by splitmix64: unlike the std:: distributions it gives
// the same numbers with every standard library, so a seed names one history.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) {
      seed += 0x9e3779b97f4a7c15;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
      z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
      word = z ^ (z >> 31);
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-32).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  int64_t between(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_;
};

enum class Fn : uint8_t { kRead, kWrite, kCas };
constexpr std::array<std::string_view, 3> kFnNames = {"read", "write", "cas"};
enum class Outcome : uint8_t { kOk, kFail, kInfo };
// kStale: a value that was overwritten before the read began; kUnwritten: a
// value nothing writes.
enum class Corruption : uint8_t { kNone, kStale, kUnwritten };

struct SimOp {
  int64_t invoke_time = 0;
  int64_t complete_time = -1;  // -1 while pending
  int64_t process = 0;
  uint32_t key = 0;
  int32_t slot = 0;
  Fn f = Fn::kRead;
  Outcome outcome = Outcome::kOk;  // pending ops are kInfo with pending set
  bool pending = false;
  Corruption corruption = Corruption::kNone;
  int32_t a = 0, b = 0;      // write: value a; cas: expected a, new b
  int32_t result = kNull;    // read: the value returned
  int32_t original = kNull;  // a corrupted read: what it really read
  uint32_t overwriter = 0;   // a stale read: the write that overwrote its value
  // Writers are ops that may set the register: writes and cas.
  bool writes(int32_t v) const { return (f == Fn::kWrite && a == v) || (f == Fn::kCas && b == v); }
  int32_t written() const { return f == Fn::kWrite ? a : b; }
};

struct SimEvent {
  uint32_t op;
  bool completion;
};

// The discrete-event simulation: each slot is one client thread; invokes,
// effects (linearization points) and completions run in virtual-time order.
class Simulator {
 public:
  Simulator(const GeneratorOptions& o, std::vector<double> mix_cdf)
      : o_(o), rng_(o.seed), mix_cdf_(std::move(mix_cdf)) {
    quota_.resize(static_cast<size_t>(o.keys));
    for (int k = 0; k < o.keys; ++k)
      quota_[static_cast<size_t>(k)] = o.ops / o.keys + (k < o.ops % o.keys ? 1 : 0);
    if (o.key_processes == 0) {  // every key is open to every process from the start
      for (int32_t k = 0; k < o.keys; ++k)
        if (quota_[static_cast<size_t>(k)] > 0) active_.push_back(k);
      next_key_ = o.keys;
    }
    slots_on_.assign(static_cast<size_t>(o.keys), 0);
    state_.assign(static_cast<size_t>(o.keys), kNull);
    slots_.resize(static_cast<size_t>(o.processes));
    ops_.reserve(static_cast<size_t>(o.ops));
    events_.reserve(static_cast<size_t>(o.ops) * 2);
  }

  void run() {
    for (int i = 0; i < o_.processes; ++i) {
      slots_[static_cast<size_t>(i)].process = i;
      schedule(rng_.between(0, kThinkMax), Kind::kInvoke, static_cast<uint32_t>(i));
    }
    while (!queue_.empty()) {
      const Scheduled s = queue_.top();
      queue_.pop();
      switch (s.kind) {
        case Kind::kInvoke: invoke(s.what, s.time); break;
        case Kind::kEffect: take_effect(ops_[s.what]); break;
        case Kind::kComplete: complete(s.what, s.time); break;
      }
    }
  }

  std::vector<SimOp>& ops() { return ops_; }
  const std::vector<SimEvent>& events() const { return events_; }
  Rng& rng() { return rng_; }

 private:
  enum class Kind : uint8_t { kInvoke, kEffect, kComplete };
  struct Scheduled {
    int64_t time;
    uint64_t seq;   // ties run in scheduling order, so runs are reproducible
    uint32_t what;  // slot for kInvoke, op index otherwise
    Kind kind;
    bool operator>(const Scheduled& other) const {
      return time != other.time ? time > other.time : seq > other.seq;
    }
  };
  struct Slot {
    int64_t process = 0;
    int32_t key = -1;
  };

  void schedule(int64_t time, Kind kind, uint32_t what) {
    queue_.push(Scheduled{time, seq_++, what, kind});
  }

  // Picks the key of the slot's next op. With key_processes 0, a random key
  // with operations left. Otherwise keeps the slot on its key while the key
  // has operations left, else moves it to the active key with fewest
  // processes (below key_processes), else to a fresh key, else to any key
  // with operations left. False when every operation has been handed out.
  bool assign_key(Slot& slot) {
    if (o_.key_processes == 0) {
      while (!active_.empty()) {
        const size_t i = rng_.below(active_.size());
        if (quota_[static_cast<size_t>(active_[i])] > 0) {
          slot.key = active_[i];
          return true;
        }
        active_[i] = active_.back();
        active_.pop_back();
      }
      return false;
    }
    if (slot.key >= 0 && quota_[static_cast<size_t>(slot.key)] > 0) return true;
    if (slot.key >= 0) --slots_on_[static_cast<size_t>(slot.key)];
    std::erase_if(active_, [&](int32_t k) { return quota_[static_cast<size_t>(k)] == 0; });
    auto fewest = [&](bool below_group) {
      int32_t best = -1;
      for (int32_t k : active_) {
        const int n = slots_on_[static_cast<size_t>(k)];
        if (below_group && n >= o_.key_processes) continue;
        if (best < 0 || n < slots_on_[static_cast<size_t>(best)]) best = k;
      }
      return best;
    };
    int32_t key = fewest(true);
    while (key < 0 && next_key_ < o_.keys) {
      if (quota_[static_cast<size_t>(next_key_)] > 0) {
        key = next_key_;
        active_.push_back(key);
      }
      ++next_key_;
    }
    if (key < 0) key = fewest(false);
    if (key < 0) return false;
    slot.key = key;
    ++slots_on_[static_cast<size_t>(key)];
    return true;
  }

  Fn choose_fn() {
    const double u = rng_.unit() * mix_cdf_.back();
    size_t i = 0;
    while (i + 1 < mix_cdf_.size() && u >= mix_cdf_[i]) ++i;
    return static_cast<Fn>(i);
  }

  void invoke(uint32_t slot_index, int64_t t) {
    Slot& slot = slots_[slot_index];
    if (static_cast<int64_t>(ops_.size()) == o_.ops || !assign_key(slot)) return;
    --quota_[static_cast<size_t>(slot.key)];
    SimOp op;
    op.invoke_time = t;
    op.process = slot.process;
    op.key = static_cast<uint32_t>(slot.key);
    op.slot = static_cast<int32_t>(slot_index);
    op.f = choose_fn();
    const int64_t v = o_.values;
    if (op.f == Fn::kWrite) op.a = static_cast<int32_t>(rng_.below(static_cast<uint64_t>(v)));
    if (op.f == Fn::kCas) {
      op.a = static_cast<int32_t>(rng_.below(static_cast<uint64_t>(v)));
      op.b = static_cast<int32_t>(rng_.below(static_cast<uint64_t>(v)));
    }
    // A crashed (info) or pending op may or may not take effect; a failed
    // one never does.
    bool takes_effect = true;
    int64_t latency = rng_.between(kLatencyMin, kLatencyMax);
    if (static_cast<int64_t>(ops_.size()) >= o_.ops - o_.pending) {
      op.pending = true;
      op.outcome = Outcome::kInfo;
      takes_effect = rng_.chance(0.5);
    } else if (rng_.chance(o_.info_rate)) {
      op.outcome = Outcome::kInfo;
      takes_effect = rng_.chance(0.5);
      latency = rng_.between(kTimeoutMin, kTimeoutMax);
    } else if (rng_.chance(o_.fail_rate)) {
      op.outcome = Outcome::kFail;
      takes_effect = false;
    }
    const auto index = static_cast<uint32_t>(ops_.size());
    if (takes_effect) schedule(t + rng_.between(1, latency - 1), Kind::kEffect, index);
    // A pending op's client hangs: its slot invokes nothing more.
    if (!op.pending) schedule(t + latency, Kind::kComplete, index);
    ops_.push_back(op);
    events_.push_back(SimEvent{index, false});
  }

  void take_effect(SimOp& op) {
    int32_t& value = state_[op.key];
    switch (op.f) {
      case Fn::kRead: op.result = value; break;
      case Fn::kWrite: value = op.a; break;
      case Fn::kCas:
        if (value == op.a) {
          value = op.b;
        } else if (op.outcome == Outcome::kOk) {
          op.outcome = Outcome::kFail;
        }
        break;
    }
  }

  void complete(uint32_t index, int64_t t) {
    SimOp& op = ops_[index];
    op.complete_time = t;
    events_.push_back(SimEvent{index, true});
    Slot& slot = slots_[static_cast<size_t>(op.slot)];
    // Like Jepsen, a crashed process is retired and its slot continues as a
    // fresh process.
    if (op.outcome == Outcome::kInfo) slot.process += o_.processes;
    schedule(t + rng_.between(1, kThinkMax), Kind::kInvoke, static_cast<uint32_t>(op.slot));
  }

  const GeneratorOptions& o_;
  Rng rng_;
  std::vector<double> mix_cdf_;  // cumulative weights of read, write, cas
  std::vector<int64_t> quota_;   // operations each key has still to be given
  std::vector<int> slots_on_;    // slots working on each key
  std::vector<int32_t> active_;
  int32_t next_key_ = 0;
  std::vector<int32_t> state_;  // each key's register
  std::vector<Slot> slots_;
  std::vector<SimOp> ops_;  // in invoke order
  std::vector<SimEvent> events_;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<Scheduled>> queue_;
  uint64_t seq_ = 0;
};

// Replaces ok reads' values so that the history is not linearizable; see
// corrupt_reads.
class Corruptor {
 public:
  Corruptor(std::vector<SimOp>& ops, const GeneratorOptions& o, Rng& rng)
      : ops_(ops), o_(o), rng_(rng), by_key_(static_cast<size_t>(o.keys)) {
    for (uint32_t i = 0; i < ops.size(); ++i) by_key_[ops[i].key].push_back(i);
  }

  // Prefers stale values, tried on up to kStaleAttempts random reads, then
  // falls back to the value `values`, which no op writes.
  Status corrupt_reads(int64_t count) {
    std::vector<uint32_t> reads;
    for (uint32_t i = 0; i < ops_.size(); ++i)
      if (ops_[i].f == Fn::kRead && ops_[i].outcome == Outcome::kOk) reads.push_back(i);
    if (static_cast<int64_t>(reads.size()) < count)
      return Status::invalid_argument(
          fmt::format("--corrupt {}: expected at most the number of ok reads, which is {}", count,
                      reads.size()));
    for (size_t i = reads.size(); i > 1; --i) std::swap(reads[i - 1], reads[rng_.below(i)]);
    int64_t done = 0;
    for (size_t i = 0; i < reads.size() && i < kStaleAttempts && done < count; ++i)
      if (make_stale(ops_[reads[i]])) ++done;
    for (size_t i = 0; i < reads.size() && done < count; ++i) {
      SimOp& read = ops_[reads[i]];
      if (read.corruption != Corruption::kNone) continue;
      read.original = read.result;
      read.result = o_.values;
      read.corruption = Corruption::kUnwritten;
      ++done;
    }
    return Status::ok();
  }

 private:
  static constexpr size_t kStaleAttempts = 1000;

  // A read that begins after an ok write w of y completed cannot return
  // x != y if no op that might write x can take effect between w's invoke
  // and the read's completion: w takes effect after every op that completed
  // before w's invoke, and before the read does. x must also have been
  // written (ok) before, so that it is a genuinely old value.
  bool make_stale(SimOp& read) {
    const std::vector<uint32_t>& ops = by_key_[read.key];
    int64_t overwriter = -1;
    for (uint32_t i : ops) {
      const SimOp& op = ops_[i];
      if (op.invoke_time >= read.invoke_time) break;
      if (op.f != Fn::kRead && op.outcome == Outcome::kOk && op.complete_time < read.invoke_time)
        overwriter = i;  // ops are in invoke order: the last one began latest
    }
    if (overwriter < 0) return false;
    const SimOp& w = ops_[static_cast<size_t>(overwriter)];
    const auto start = static_cast<int32_t>(rng_.below(static_cast<uint64_t>(o_.values)));
    for (int32_t d = 0; d < o_.values; ++d) {
      const int32_t x = (start + d) % o_.values;
      if (x == w.written()) continue;
      bool written_before = false, may_be_written = false;
      for (uint32_t i : ops) {
        const SimOp& op = ops_[i];
        if (op.invoke_time >= read.complete_time) break;
        if (!op.writes(x) || op.outcome == Outcome::kFail) continue;
        if (op.outcome == Outcome::kInfo || op.complete_time >= w.invoke_time) {
          may_be_written = true;
          break;
        }
        written_before = true;
      }
      if (!written_before || may_be_written) continue;
      read.original = read.result;
      read.result = x;
      read.corruption = Corruption::kStale;
      read.overwriter = static_cast<uint32_t>(overwriter);
      return true;
    }
    return false;
  }

  std::vector<SimOp>& ops_;
  const GeneratorOptions& o_;
  Rng& rng_;
  std::vector<std::vector<uint32_t>> by_key_;  // op indices, in invoke order
};

std::string value_text(int32_t v) { return v == kNull ? "null" : std::to_string(v); }

// Writes the events as JSON lines in chunks of about a megabyte, and notes
// where the corrupted reads are.
void write_history(const std::vector<SimOp>& ops, const std::vector<SimEvent>& events,
                   const std::function<void(std::string_view)>& write, GeneratorReport* report) {
  constexpr size_t kChunk = 1 << 20;
  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  std::vector<int64_t> completion_line(ops.size(), 0);
  int64_t line = 0;
  for (const SimEvent& e : events) {
    ++line;
    const SimOp& op = ops[e.op];
    std::string_view type = "invoke";
    if (e.completion) {
      type = op.outcome == Outcome::kOk ? "ok" : op.outcome == Outcome::kFail ? "fail" : "info";
      completion_line[e.op] = line;
    }
    fmt::format_to(out, FMT_COMPILE(R"({{"process":{},"type":"{}","f":"{}","key":{},"value":)"),
                   op.process, type, kFnNames[static_cast<size_t>(op.f)], op.key);
    switch (op.f) {
      case Fn::kRead:
        if (e.completion && op.outcome == Outcome::kOk && op.result != kNull) {
          fmt::format_to(out, FMT_COMPILE("{}"), op.result);
        } else {
          buf.append(std::string_view("null"));
        }
        break;
      case Fn::kWrite: fmt::format_to(out, FMT_COMPILE("{}"), op.a); break;
      case Fn::kCas: fmt::format_to(out, FMT_COMPILE("[{},{}]"), op.a, op.b); break;
    }
    const int64_t time = e.completion ? op.complete_time : op.invoke_time;
    fmt::format_to(out, FMT_COMPILE(",\"time\":{}}}\n"), time);
    if (buf.size() >= kChunk) {
      write(std::string_view(buf.data(), buf.size()));
      buf.clear();
    }
    if (!e.completion || op.corruption == Corruption::kNone) continue;
    std::string why = op.corruption == Corruption::kUnwritten
                          ? std::string("a value nothing writes")
                          : fmt::format("stale: overwritten by the {} completed at line {}",
                                        kFnNames[static_cast<size_t>(ops[op.overwriter].f)],
                                        completion_line[op.overwriter]);
    report->corruptions.push_back(
        fmt::format("line {}: read of key {} returned {} instead of {} ({})", line, op.key,
                    op.result, value_text(op.original), why));
  }
  write(std::string_view(buf.data(), buf.size()));
  report->events = line;
}

// Checks the options and turns the mix into cumulative weights of read,
// write and cas.
Status validate(const GeneratorOptions& o, std::vector<double>* cdf) {
  auto bad = [](std::string what) { return Status::invalid_argument(std::move(what)); };
  if (o.model != "register")
    return bad(fmt::format("--model {}: expected \"register\" (the only model so far)", o.model));
  if (o.processes < 1) return bad("--processes: expected at least 1");
  if (o.keys < 1) return bad("--keys: expected at least 1");
  if (o.key_processes < 0 || o.key_processes > o.processes)
    return bad("--key-processes: expected 0 (a random key per op) up to --processes");
  if (o.ops < 0 || o.ops > INT32_MAX) return bad("--ops: expected 0 up to 2^31-1");
  if (o.values < 1) return bad("--values: expected at least 1");
  if (o.info_rate < 0 || o.fail_rate < 0 || o.info_rate + o.fail_rate > 1)
    return bad("--info-rate, --fail-rate: expected fractions adding up to at most 1");
  if (o.pending < 0 || o.pending > std::min<int64_t>(o.processes, o.ops))
    return bad("--pending: expected at most --processes (one hung op per client) and --ops");
  if (o.corrupt < 0) return bad("--corrupt: expected a count, 0 or more");
  std::array<double, kFnNames.size()> weights = {2, 1, 1};  // default: half reads
  if (!o.mix.empty()) weights.fill(0);
  for (const auto& [name, weight] : o.mix) {
    auto it = std::find(kFnNames.begin(), kFnNames.end(), name);
    if (it == kFnNames.end())
      return bad(fmt::format("--mix: unknown function \"{}\" (expected read, write, cas)", name));
    if (weight < 0) return bad(fmt::format("--mix: expected {} >= 0", name));
    weights[static_cast<size_t>(it - kFnNames.begin())] = weight;
  }
  cdf->clear();
  double sum = 0;
  for (double w : weights) cdf->push_back(sum += w);
  if (sum <= 0) return bad("--mix: expected some function with a positive weight");
  if (o.corrupt > 0 && weights[0] == 0) return bad("--corrupt: needs reads in the --mix");
  return Status::ok();
}

}  // namespace

Status parse_mix(std::string_view text, std::vector<std::pair<std::string, double>>* mix) {
  mix->clear();
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const size_t eq = item.find('=');
    double weight = 0;
    const char* end = item.data() + item.size();
    if (eq == std::string_view::npos ||
        std::from_chars(item.data() + eq + 1, end, weight).ptr != end || eq + 1 == item.size())
      return Status::invalid_argument(
          fmt::format("--mix: expected name=weight items separated by commas, got \"{}\"", item));
    mix->emplace_back(std::string(item.substr(0, eq)), weight);
  }
  return Status::ok();
}

Status generate_history(const GeneratorOptions& options,
                        const std::function<void(std::string_view)>& write,
                        GeneratorReport* report) {
  std::vector<double> cdf;
  Status st = validate(options, &cdf);
  if (!st.is_ok()) return st;
  *report = GeneratorReport();
  Simulator sim(options, std::move(cdf));
  sim.run();
  if (options.corrupt > 0) {
    st = Corruptor(sim.ops(), options, sim.rng()).corrupt_reads(options.corrupt);
    if (!st.is_ok()) return st;
  }
  for (const SimOp& op : sim.ops()) {
    ++report->ops;
    if (op.pending) {
      ++report->pending;
    } else {
      ++(op.outcome == Outcome::kOk     ? report->ok
         : op.outcome == Outcome::kFail ? report->fail
                                        : report->info);
    }
  }
  write_history(sim.ops(), sim.events(), write, report);
  return Status::ok();
}

}  // namespace faultline::bench
