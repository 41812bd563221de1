#include "checkers/counter_checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "checkers/workload_support.h"

namespace faultline {
namespace {

// The bounds on a read. A read observes the effect of some set S of adds to
// its key that holds every definite add and only possible ones, where
//   definite: ok adds that completed before the read was invoked, and
//   possible: adds that did not fail and were invoked before the read
//             completed (an info or pending add may take effect at any time
//             after its invoke, or never; a failed add never does).
// The read must return sum(S) for some such S. The least such sum takes the
// definite adds and every other possible negative delta, the greatest the
// definite adds and every other possible positive delta:
//   lower = sum_definite d + sum_{possible - definite} min(d, 0)
//         = sum_definite max(d, 0) + sum_possible min(d, 0)
//   upper = sum_definite min(d, 0) + sum_possible max(d, 0)
// (using d = max(d, 0) + min(d, 0), and that definite adds are possible). With positive
// deltas only this is Jepsen's counter checker: lower is the sum of ok adds
// completed before the read began, upper the sum of non-failed adds invoked
// before it completed. The four sums below are kept per key while sweeping
// the events in history order: a read's invoke snapshots the definite sums,
// its completion reads the possible ones.
struct Sums {
  int64_t definite_pos = 0, definite_neg = 0, possible_pos = 0, possible_neg = 0;
};

struct Snapshot {
  int64_t definite_pos = 0, definite_neg = 0;
};

// *sum += d, false on int64 overflow.
bool checked_add(int64_t* sum, int64_t d) { return !__builtin_add_overflow(*sum, d, sum); }

class CounterAnalysis {
 public:
  CounterAnalysis(const History& history, const std::vector<Operation>& ops,
                  const CheckOptions& options)
      : history_(history), ops_(ops), deadline_(options.deadline), sums_(history.keys.size()) {}

  CheckResult run() {
    const int64_t add = history_.functions.find("add");
    const int64_t read = history_.functions.find("read");
    constexpr uint32_t kNone = UINT32_MAX;
    std::vector<uint32_t> op_at(history_.events.size(), kNone);  // event index -> op index
    for (uint32_t i = 0; i < ops_.size(); ++i) {
      op_at[ops_[i].invoke] = i;
      if (!ops_[i].pending()) op_at[ops_[i].completion] = i;
    }
    for (uint32_t e = 0; e < op_at.size(); ++e) {
      if (deadline_.expired()) return deadline_result("counter");
      if (op_at[e] == kNone) continue;
      const Operation& op = ops_[op_at[e]];
      const Event& inv = history_.events[op.invoke];
      const bool is_invoke = e == op.invoke;
      if (has_f(inv, add)) {
        int64_t d = 0;
        if (!json_int64(history_.values.json(inv.value), &d))
          return input_error_result(
              "counter", fmt::format("{}: expected the value of add to be an integer delta "
                                     "(64-bit), got {}",
                                     source_line(history_, inv.line),
                                     excerpt(history_.values.text(inv.value))));
        if (is_invoke) count_add(op);
        // A failed add never takes effect; an info add's completion tells nothing.
        if (op.type == EventType::kFail || (!is_invoke && op.type != EventType::kOk)) continue;
        Sums& s = sums_[inv.key];
        const bool ok = is_invoke ? checked_add(&s.possible_pos, std::max<int64_t>(d, 0)) &&
                                        checked_add(&s.possible_neg, std::min<int64_t>(d, 0))
                                  : checked_add(&s.definite_pos, std::max<int64_t>(d, 0)) &&
                                        checked_add(&s.definite_neg, std::min<int64_t>(d, 0));
        if (!ok) return overflow(inv.key, history_.events[e].line);
      } else if (has_f(inv, read) && op.type == EventType::kOk) {
        const Sums& s = sums_[inv.key];
        if (is_invoke) {
          snapshots_[op_at[e]] = {s.definite_pos, s.definite_neg};
          continue;
        }
        const Snapshot snap = snapshots_[op_at[e]];
        snapshots_.erase(op_at[e]);
        const Event& done = history_.events[e];
        int64_t value = 0;
        if (!json_int64(history_.values.json(done.value), &value))
          return input_error_result(
              "counter", fmt::format("{}: expected the ok value of read to be an integer "
                                     "(64-bit), got {}",
                                     source_line(history_, done.line),
                                     excerpt(history_.values.text(done.value))));
        int64_t lower = snap.definite_pos, upper = snap.definite_neg;
        if (!checked_add(&lower, s.possible_neg) || !checked_add(&upper, s.possible_pos))
          return overflow(inv.key, done.line);
        ++reads_;
        if (value < lower || value > upper) report(op, value, lower, upper);
      }
    }
    return result();
  }

 private:
  void count_add(const Operation& op) {
    switch (op.type) {
      case EventType::kOk: ++ok_adds_; break;
      case EventType::kFail: ++failed_adds_; break;
      default: ++info_adds_; break;
    }
  }

  CheckResult overflow(uint32_t key, uint32_t line) const {
    return input_error_result(
        "counter", fmt::format("{}: the sum of add deltas on key \"{}\" overflows 64-bit integers",
                               source_line(history_, line), history_.key_name(key)));
  }

  void report(const Operation& read, int64_t value, int64_t lower, int64_t upper) {
    const std::string where = fmt::format("lines {}-{}", history_.events[read.invoke].line,
                                          history_.events[read.completion].line);
    if (out_of_bounds_++ == 0)
      first_error_ = fmt::format("{}: read {}, allowed [{}, {}]", where, value, lower, upper);
    anomalies_.add({"out-of-bounds",
                    history_.key_name(history_.events[read.invoke].key),
                    fmt::format("read ({}) returned {}, but the adds that may have taken effect "
                                "allow only values in [{}, {}]",
                                where, value, lower, upper),
                    {{"read", op_evidence(history_, read)},
                     {"value", value},
                     {"lower", lower},
                     {"upper", upper}}});
  }

  CheckResult result() {
    CheckResult result;
    result.checker = "counter";
    const uint64_t adds = ok_adds_ + info_adds_ + failed_adds_;
    result.details = {{"reads", reads_},         {"out_of_bounds_count", out_of_bounds_},
                      {"add_ops", adds},         {"ok_adds", ok_adds_},
                      {"info_adds", info_adds_}, {"failed_adds", failed_adds_}};
    anomalies_.move_into(&result);
    if (out_of_bounds_ > 0) {
      result.verdict = Verdict::kInvalid;
      result.summary = fmt::format("{} of {} reads out of bounds (e.g. {})", out_of_bounds_, reads_,
                                   first_error_);
    } else if (reads_ == 0) {
      result.verdict = Verdict::kUnknown;
      result.summary = fmt::format("no ok read to check ({} adds)", adds);
    } else {
      result.summary = fmt::format("{} reads within bounds, {} adds", reads_, adds);
    }
    return result;
  }

  const History& history_;
  const std::vector<Operation>& ops_;
  DeadlineWatch deadline_;
  std::vector<Sums> sums_;                            // indexed by key id
  std::unordered_map<uint32_t, Snapshot> snapshots_;  // ok reads in flight, by op index
  uint64_t reads_ = 0, out_of_bounds_ = 0, ok_adds_ = 0, info_adds_ = 0, failed_adds_ = 0;
  std::string first_error_;
  AnomalyCollector anomalies_;
};

}  // namespace

CheckResult CounterChecker::check(const History& history, const std::vector<Operation>& ops,
                                  const CheckOptions& options) const {
  return CounterAnalysis(history, ops, options).run();
}

}  // namespace faultline
