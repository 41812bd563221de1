// The simulated data types; their formats are the checkers'
// (docs/checkers.md), and docs/benchmarks.md lists what each generates.
#include <algorithm>
#include <set>

#include "bench/sim_model.h"

namespace faultline::bench {
namespace {

constexpr int64_t kNull = -1;  // a register before its first write

// Appends a JSON value: an integer, or null for kNull.
void append_int_or_null(int64_t v, fmt::memory_buffer& out) {
  if (v == kNull) {
    out.append(std::string_view("null"));
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

// A register per key: read, write, cas [expected, new]; null until written.
class RegisterModel : public SimModel {
 public:
  explicit RegisterModel(const GeneratorOptions& o)
      : o_(o), state_(static_cast<size_t>(o.keys), kNull) {}
  std::span<const std::string_view> functions() const override { return kFunctions; }
  std::vector<double> default_weights() const override { return {2, 1, 1}; }

  void make_args(SimOp& op, Rng& rng) override {
    op.a = static_cast<int64_t>(rng.below(static_cast<uint64_t>(o_.values)));
    op.b = static_cast<int64_t>(rng.below(static_cast<uint64_t>(o_.values)));
  }

  void take_effect(SimOp& op) override {
    int64_t& value = state_[op.key];
    switch (op.f) {
      case kRead: op.result = value; break;
      case kWrite: value = op.a; break;
      case kCas:
        if (value == op.a) {
          value = op.b;
        } else if (op.outcome == Outcome::kOk) {
          op.outcome = Outcome::kFail;
        }
        break;
    }
  }

  void write_value(const SimOp& op, bool completion, fmt::memory_buffer& out) const override {
    auto it = std::back_inserter(out);
    switch (op.f) {
      case kRead:
        append_int_or_null(completion && op.outcome == Outcome::kOk ? op.result : kNull, out);
        break;
      case kWrite: fmt::format_to(it, "{}", op.a); break;
      case kCas: fmt::format_to(it, "[{},{}]", op.a, op.b); break;
    }
  }

  // Prefers stale values, tried on up to kStaleAttempts random reads, then
  // falls back to the value `values`, which no op writes.
  Status corrupt(std::vector<SimOp>& ops, int64_t count, Rng& rng) override {
    std::vector<uint32_t> reads;
    Status st = shuffled_ok_reads(ops, count, rng, &reads);
    if (!st.is_ok()) return st;
    std::vector<std::vector<uint32_t>> by_key(static_cast<size_t>(o_.keys));
    for (uint32_t i = 0; i < ops.size(); ++i) by_key[ops[i].key].push_back(i);
    int64_t done = 0;
    for (size_t i = 0; i < reads.size() && i < kStaleAttempts && done < count; ++i)
      if (make_stale(ops, by_key[ops[reads[i]].key], ops[reads[i]], rng)) ++done;
    for (size_t i = 0; i < reads.size() && done < count; ++i) {
      SimOp& read = ops[reads[i]];
      if (read.corruption != Corruption::kNone) continue;
      corrupt_read(read, rng);
      ++done;
    }
    return Status::ok();
  }

  std::string describe_corruption(const SimOp& op, const std::vector<SimOp>& ops,
                                  const std::vector<int64_t>& completion_line) const override {
    fmt::memory_buffer original;
    append_int_or_null(op.original, original);
    std::string why =
        op.corruption == Corruption::kImpossible
            ? std::string("a value nothing writes")
            : fmt::format("stale: overwritten by the {} completed at line {}",
                          kFunctions[ops[op.overwriter].f], completion_line[op.overwriter]);
    return fmt::format("read of key {} returned {} instead of {} ({})", op.key, op.result,
                       fmt::to_string(original), why);
  }

 protected:
  void corrupt_read(SimOp& read, Rng&) override {
    read.original = read.result;
    read.result = o_.values;
    read.corruption = Corruption::kImpossible;
  }

 private:
  enum Fn : uint8_t { kRead, kWrite, kCas };
  static constexpr std::array<std::string_view, 3> kFunctions = {"read", "write", "cas"};
  static constexpr size_t kStaleAttempts = 1000;

  static bool writes(const SimOp& op, int64_t v) {
    return (op.f == kWrite && op.a == v) || (op.f == kCas && op.b == v);
  }

  // A read that begins after an ok write w of y completed cannot return
  // x != y if no op that might write x can take effect between w's invoke
  // and the read's completion: w takes effect after every op that completed
  // before w's invoke, and before the read does. x must also have been
  // written (ok) before, so that it is a genuinely old value. `ops` are the
  // key's op indices in invoke order.
  bool make_stale(std::vector<SimOp>& all, const std::vector<uint32_t>& ops, SimOp& read,
                  Rng& rng) {
    int64_t overwriter = -1;
    for (uint32_t i : ops) {
      const SimOp& op = all[i];
      if (op.invoke_time >= read.invoke_time) break;
      if (op.f != kRead && op.outcome == Outcome::kOk && op.complete_time < read.invoke_time)
        overwriter = i;  // the last one in invoke order began latest
    }
    if (overwriter < 0) return false;
    const SimOp& w = all[static_cast<size_t>(overwriter)];
    const int64_t written = w.f == kWrite ? w.a : w.b;
    const auto start = static_cast<int64_t>(rng.below(static_cast<uint64_t>(o_.values)));
    for (int64_t d = 0; d < o_.values; ++d) {
      const int64_t x = (start + d) % o_.values;
      if (x == written) continue;
      bool written_before = false, may_be_written = false;
      for (uint32_t i : ops) {
        const SimOp& op = all[i];
        if (op.invoke_time >= read.complete_time) break;
        if (!writes(op, x) || op.outcome == Outcome::kFail) continue;
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

  const GeneratorOptions& o_;
  std::vector<int64_t> state_;  // each key's register
};

// A string per key: get, put, append; "" at first. The strings are made of
// the digits of values 0..V-1.
class KvModel : public SimModel {
 public:
  explicit KvModel(const GeneratorOptions& o) : o_(o), state_(static_cast<size_t>(o.keys)) {}
  std::span<const std::string_view> functions() const override { return kFunctions; }
  std::vector<double> default_weights() const override { return {2, 1, 1}; }
  void make_args(SimOp& op, Rng& rng) override {
    op.a = static_cast<int64_t>(rng.below(static_cast<uint64_t>(o_.values)));
  }
  void take_effect(SimOp& op) override {
    std::string& s = state_[op.key];
    if (op.f == kGet) {
      op.result = static_cast<int64_t>(reads_.size());
      reads_.push_back(s);
    } else if (op.f == kPut) {
      s = std::to_string(op.a);
    } else {
      s += std::to_string(op.a);
    }
  }
  void write_value(const SimOp& op, bool completion, fmt::memory_buffer& out) const override {
    auto it = std::back_inserter(out);
    if (op.f != kGet) {
      fmt::format_to(it, "\"{}\"", op.a);
    } else if (completion && op.outcome == Outcome::kOk) {
      fmt::format_to(it, "\"{}\"", reads_[static_cast<size_t>(op.result)]);
    } else {
      out.append(std::string_view("null"));
    }
  }
  std::string describe_corruption(const SimOp& op, const std::vector<SimOp>&,
                                  const std::vector<int64_t>&) const override {
    return fmt::format("get of key {} returned \"{}\", and nothing writes an x", op.key,
                       reads_[static_cast<size_t>(op.result)]);
  }

 protected:
  void corrupt_read(SimOp& read, Rng&) override { reads_[static_cast<size_t>(read.result)] += "x"; }

 private:
  enum Fn : uint8_t { kGet, kPut, kAppend };
  static constexpr std::array<std::string_view, 3> kFunctions = {"get", "put", "append"};
  const GeneratorOptions& o_;
  std::vector<std::string> state_;
  std::vector<std::string> reads_;  // what each get returned, by SimOp::result
};

// A grow-only set per key: add (each op adds a new element, its op number),
// read (all of it).
class SetModel : public SimModel {
 public:
  explicit SetModel(const GeneratorOptions& o) : state_(static_cast<size_t>(o.keys)) {}
  std::span<const std::string_view> functions() const override { return kFunctions; }
  std::vector<double> default_weights() const override { return {1, 9}; }
  void make_args(SimOp& op, Rng&) override { op.a = next_element_++; }
  void take_effect(SimOp& op) override {
    std::set<int64_t>& s = state_[op.key];
    if (op.f == kAdd) {
      s.insert(op.a);
      return;
    }
    op.result = static_cast<int64_t>(reads_.size());
    reads_.push_back(fmt::format("[{}]", fmt::join(s, ",")));
  }
  void write_value(const SimOp& op, bool completion, fmt::memory_buffer& out) const override {
    if (op.f == kAdd) {
      fmt::format_to(std::back_inserter(out), "{}", op.a);
    } else if (completion && op.outcome == Outcome::kOk) {
      out.append(reads_[static_cast<size_t>(op.result)]);
    } else {
      out.append(std::string_view("null"));
    }
  }
  std::string describe_corruption(const SimOp& op, const std::vector<SimOp>&,
                                  const std::vector<int64_t>&) const override {
    return fmt::format("read of key {} holds -1, which nothing adds", op.key);
  }

 protected:
  void corrupt_read(SimOp& read, Rng&) override {
    std::string& text = reads_[static_cast<size_t>(read.result)];
    text.insert(1, text == "[]" ? "-1" : "-1,");
  }

 private:
  enum Fn : uint8_t { kRead, kAdd };
  static constexpr std::array<std::string_view, 2> kFunctions = {"read", "add"};
  std::vector<std::set<int64_t>> state_;
  std::vector<std::string> reads_;  // what each read returned, by SimOp::result
  int64_t next_element_ = 0;
};

// A counter per key, from 0: add (deltas 1..V), read.
class CounterModel : public SimModel {
 public:
  explicit CounterModel(const GeneratorOptions& o)
      : o_(o), state_(static_cast<size_t>(o.keys), 0), added_(static_cast<size_t>(o.keys), 0) {}
  std::span<const std::string_view> functions() const override { return kFunctions; }
  std::vector<double> default_weights() const override { return {1, 1}; }
  void make_args(SimOp& op, Rng& rng) override {
    if (op.f != kAdd) return;
    op.a = rng.between(1, o_.values);
    added_[op.key] += op.a;
  }
  void take_effect(SimOp& op) override {
    if (op.f == kAdd) {
      state_[op.key] += op.a;
    } else {
      op.result = state_[op.key];
    }
  }
  void write_value(const SimOp& op, bool completion, fmt::memory_buffer& out) const override {
    if (op.f == kAdd) {
      fmt::format_to(std::back_inserter(out), "{}", op.a);
    } else if (completion && op.outcome == Outcome::kOk) {
      fmt::format_to(std::back_inserter(out), "{}", op.result);
    } else {
      out.append(std::string_view("null"));
    }
  }
  std::string describe_corruption(const SimOp& op, const std::vector<SimOp>&,
                                  const std::vector<int64_t>&) const override {
    return fmt::format("read of key {} returned {}, more than all its adds together", op.key,
                       op.result);
  }

 protected:
  void corrupt_read(SimOp& read, Rng&) override { read.result = added_[read.key] + 1; }

 private:
  enum Fn : uint8_t { kRead, kAdd };
  static constexpr std::array<std::string_view, 2> kFunctions = {"read", "add"};
  const GeneratorOptions& o_;
  std::vector<int64_t> state_;
  std::vector<int64_t> added_;  // every delta ever invoked on the key
};

// A bank per key: accounts "a0".."a{V-1}" of 10 each; transfer (1..5 between
// two accounts; fails when the source has too little), read (all balances).
class BankModel : public SimModel {
 public:
  explicit BankModel(const GeneratorOptions& o)
      : accounts_(static_cast<size_t>(o.values)),
        state_(static_cast<size_t>(o.keys) * accounts_, kInitialBalance) {}
  std::span<const std::string_view> functions() const override { return kFunctions; }
  std::vector<double> default_weights() const override { return {1, 1}; }
  void make_args(SimOp& op, Rng& rng) override {
    const auto n = static_cast<int64_t>(accounts_);
    op.a = static_cast<int64_t>(rng.below(accounts_));
    op.b = (op.a + rng.between(1, n - 1)) % n;
    op.c = rng.between(1, 5);
  }
  void take_effect(SimOp& op) override {
    int64_t* balances = &state_[op.key * accounts_];
    if (op.f == kRead) {
      op.result = static_cast<int64_t>(reads_.size());
      reads_.insert(reads_.end(), balances, balances + accounts_);
    } else if (balances[op.a] < op.c) {
      if (op.outcome == Outcome::kOk) op.outcome = Outcome::kFail;
    } else {
      balances[op.a] -= op.c;
      balances[op.b] += op.c;
    }
  }
  void write_value(const SimOp& op, bool completion, fmt::memory_buffer& out) const override {
    auto it = std::back_inserter(out);
    if (op.f == kTransfer) {
      fmt::format_to(it, R"({{"from":"a{}","to":"a{}","amount":{}}})", op.a, op.b, op.c);
      return;
    }
    if (!completion || op.outcome != Outcome::kOk) {
      out.append(std::string_view("null"));
      return;
    }
    const int64_t* balances = &reads_[static_cast<size_t>(op.result)];
    out.push_back('{');
    for (size_t i = 0; i < accounts_; ++i)
      fmt::format_to(it, R"({}"a{}":{})", i ? "," : "", i, balances[i]);
    out.push_back('}');
  }
  std::string describe_corruption(const SimOp& op, const std::vector<SimOp>&,
                                  const std::vector<int64_t>&) const override {
    return fmt::format("read of key {} shows a0 at -1, which transfers never allow", op.key);
  }

 protected:
  // A negative balance is wrong even in a key's only read, which a changed
  // total would not be (the first read sets the total).
  void corrupt_read(SimOp& read, Rng&) override { reads_[static_cast<size_t>(read.result)] = -1; }

 private:
  enum Fn : uint8_t { kRead, kTransfer };
  static constexpr std::array<std::string_view, 2> kFunctions = {"read", "transfer"};
  static constexpr int64_t kInitialBalance = 10;
  size_t accounts_;
  std::vector<int64_t> state_;  // keys x accounts balances
  std::vector<int64_t> reads_;  // balances each read saw, from SimOp::result on
};

}  // namespace

Status SimModel::shuffled_ok_reads(const std::vector<SimOp>& ops, int64_t count, Rng& rng,
                                   std::vector<uint32_t>* reads) {
  reads->clear();
  for (uint32_t i = 0; i < ops.size(); ++i)
    if (ops[i].is_read() && ops[i].outcome == Outcome::kOk && !ops[i].pending) reads->push_back(i);
  if (static_cast<int64_t>(reads->size()) < count)
    return Status::invalid_argument(
        fmt::format("--corrupt {}: expected at most the number of ok reads, which is {}", count,
                    reads->size()));
  for (size_t i = reads->size(); i > 1; --i) std::swap((*reads)[i - 1], (*reads)[rng.below(i)]);
  return Status::ok();
}

Status SimModel::corrupt(std::vector<SimOp>& ops, int64_t count, Rng& rng) {
  std::vector<uint32_t> reads;
  Status st = shuffled_ok_reads(ops, count, rng, &reads);
  if (!st.is_ok()) return st;
  for (int64_t i = 0; i < count; ++i) {
    SimOp& read = ops[reads[static_cast<size_t>(i)]];
    read.original = read.result;
    corrupt_read(read, rng);
    read.corruption = Corruption::kImpossible;
  }
  return Status::ok();
}

std::unique_ptr<SimModel> make_sim_model(const GeneratorOptions& o) {
  if (o.model == "register") return std::make_unique<RegisterModel>(o);
  if (o.model == "kv") return std::make_unique<KvModel>(o);
  if (o.model == "set") return std::make_unique<SetModel>(o);
  if (o.model == "counter") return std::make_unique<CounterModel>(o);
  if (o.model == "bank") return std::make_unique<BankModel>(o);
  return nullptr;
}

std::vector<std::string> sim_model_names() { return {"register", "kv", "set", "counter", "bank"}; }

}  // namespace faultline::bench
