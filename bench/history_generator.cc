#include "bench/history_generator.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <queue>
#include <span>

#include "bench/sim_model.h"

namespace faultline::bench {
namespace {

// Virtual-clock latencies in nanoseconds. A crashed op's info arrives when
// the client times out, later than an ordinary reply.
constexpr int64_t kLatencyMin = 100'000, kLatencyMax = 1'000'000;
constexpr int64_t kTimeoutMin = 1'000'000, kTimeoutMax = 5'000'000;
constexpr int64_t kThinkMax = 50'000;  // pause between a completion and the next invoke

struct SimEvent {
  uint32_t op;
  bool completion;
};

// The discrete-event simulation: each slot is one client thread; invokes,
// effects (linearization points) and completions run in virtual-time order.
class Simulator {
 public:
  Simulator(const GeneratorOptions& o, SimModel& model, std::vector<double> mix_cdf)
      : o_(o), model_(model), rng_(o.seed), mix_cdf_(std::move(mix_cdf)) {
    quota_.resize(static_cast<size_t>(o.keys));
    for (int k = 0; k < o.keys; ++k)
      quota_[static_cast<size_t>(k)] = o.ops / o.keys + (k < o.ops % o.keys ? 1 : 0);
    if (o.key_processes == 0) {  // every key is open to every process from the start
      for (int32_t k = 0; k < o.keys; ++k)
        if (quota_[static_cast<size_t>(k)] > 0) active_.push_back(k);
      next_key_ = o.keys;
    }
    slots_on_.assign(static_cast<size_t>(o.keys), 0);
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
        case Kind::kEffect: model_.take_effect(ops_[s.what]); break;
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

  uint8_t choose_fn() {
    const double u = rng_.unit() * mix_cdf_.back();
    size_t i = 0;
    while (i + 1 < mix_cdf_.size() && u >= mix_cdf_[i]) ++i;
    return static_cast<uint8_t>(i);
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
    model_.make_args(op, rng_);
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
  SimModel& model_;
  Rng rng_;
  std::vector<double> mix_cdf_;  // cumulative weights of the model's functions
  std::vector<int64_t> quota_;   // operations each key has still to be given
  std::vector<int> slots_on_;    // slots working on each key
  std::vector<int32_t> active_;
  int32_t next_key_ = 0;
  std::vector<Slot> slots_;
  std::vector<SimOp> ops_;  // in invoke order
  std::vector<SimEvent> events_;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<Scheduled>> queue_;
  uint64_t seq_ = 0;
};

// Writes the events as JSON lines in chunks of about a megabyte, and notes
// where the corrupted reads are.
void write_history(const SimModel& model, const std::vector<SimOp>& ops,
                   const std::vector<SimEvent>& events,
                   const std::function<void(std::string_view)>& write, GeneratorReport* report) {
  constexpr size_t kChunk = 1 << 20;
  const std::span<const std::string_view> functions = model.functions();
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
                   op.process, type, functions[op.f], op.key);
    model.write_value(op, e.completion, buf);
    const int64_t time = e.completion ? op.complete_time : op.invoke_time;
    fmt::format_to(out, FMT_COMPILE(",\"time\":{}}}\n"), time);
    if (buf.size() >= kChunk) {
      write(std::string_view(buf.data(), buf.size()));
      buf.clear();
    }
    if (e.completion && op.corruption != Corruption::kNone)
      report->corruptions.push_back(
          fmt::format("line {}: {}", line, model.describe_corruption(op, ops, completion_line)));
  }
  write(std::string_view(buf.data(), buf.size()));
  report->events = line;
}

// Checks the options and turns the mix into cumulative weights of the
// model's functions.
Status validate(const GeneratorOptions& o, const SimModel* model, std::vector<double>* cdf) {
  auto bad = [](std::string what) { return Status::invalid_argument(std::move(what)); };
  if (!model)
    return bad(
        fmt::format("--model {}: expected one of {}", o.model, fmt::join(sim_model_names(), ", ")));
  if (o.processes < 1) return bad("--processes: expected at least 1");
  if (o.keys < 1) return bad("--keys: expected at least 1");
  if (o.key_processes < 0 || o.key_processes > o.processes)
    return bad("--key-processes: expected 0 (a random key per op) up to --processes");
  if (o.ops < 0 || o.ops > INT32_MAX) return bad("--ops: expected 0 up to 2^31-1");
  if (o.values < (o.model == "bank" ? 2 : 1))
    return bad(o.model == "bank" ? "--values: expected at least 2 accounts"
                                 : "--values: expected at least 1");
  if (o.info_rate < 0 || o.fail_rate < 0 || o.info_rate + o.fail_rate > 1)
    return bad("--info-rate, --fail-rate: expected fractions adding up to at most 1");
  if (o.pending < 0 || o.pending > std::min<int64_t>(o.processes, o.ops))
    return bad("--pending: expected at most --processes (one hung op per client) and --ops");
  if (o.corrupt < 0) return bad("--corrupt: expected a count, 0 or more");
  const std::span<const std::string_view> functions = model->functions();
  std::vector<double> weights = model->default_weights();
  if (!o.mix.empty()) std::fill(weights.begin(), weights.end(), 0);
  for (const auto& [name, weight] : o.mix) {
    auto it = std::find(functions.begin(), functions.end(), name);
    if (it == functions.end())
      return bad(fmt::format("--mix: unknown function \"{}\" (expected {})", name,
                             fmt::join(functions, ", ")));
    if (weight < 0) return bad(fmt::format("--mix: expected {} >= 0", name));
    weights[static_cast<size_t>(it - functions.begin())] = weight;
  }
  cdf->clear();
  double sum = 0;
  for (double w : weights) cdf->push_back(sum += w);
  if (sum <= 0) return bad("--mix: expected some function with a positive weight");
  if (o.corrupt > 0 && weights[0] == 0)
    return bad(fmt::format("--corrupt: needs {}s in the --mix", functions[0]));
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
  std::unique_ptr<SimModel> model = make_sim_model(options);
  std::vector<double> cdf;
  Status st = validate(options, model.get(), &cdf);
  if (!st.is_ok()) return st;
  *report = GeneratorReport();
  Simulator sim(options, *model, std::move(cdf));
  sim.run();
  if (options.corrupt > 0) {
    st = model->corrupt(sim.ops(), options.corrupt, sim.rng());
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
  write_history(*model, sim.ops(), sim.events(), write, report);
  return Status::ok();
}

}  // namespace faultline::bench
