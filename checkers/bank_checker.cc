#include "checkers/bank_checker.h"

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/workload_support.h"

namespace faultline {
namespace {

// Per key (each key is an independent bank): the first ok read, in invoke
// order, fixes the accounts and the total every other read must show.
struct Bank {
  int64_t reference = -1;  // op index of the first ok read
  int64_t total = 0;
  std::vector<std::string> accounts;  // sorted (nlohmann objects iterate in key order)
};

struct Counts {
  uint64_t reads = 0, bad_reads = 0, wrong_total = 0, negative_balance = 0, missing_account = 0,
           unexpected_account = 0;
  uint64_t ok_transfers = 0, failed_transfers = 0, info_transfers = 0;
};

bool account_name(const nlohmann::json& v) { return v.is_string() || v.is_number_integer(); }

class BankAnalysis {
 public:
  BankAnalysis(const History& history, const std::vector<Operation>& ops,
               const CheckOptions& options)
      : history_(history), ops_(ops), deadline_(options.deadline), banks_(history.keys.size()) {}

  CheckResult run() {
    const int64_t transfer = history_.functions.find("transfer");
    const int64_t read = history_.functions.find("read");
    for (uint32_t i = 0; i < ops_.size(); ++i) {
      if (deadline_.expired()) return deadline_result("bank");
      const Operation& op = ops_[i];
      const Event& inv = history_.events[op.invoke];
      if (has_f(inv, transfer)) {
        const nlohmann::json& v = history_.values.json(inv.value);
        int64_t amount = 0;
        if (!v.is_object() || !v.contains("from") || !account_name(v["from"]) ||
            !v.contains("to") || !account_name(v["to"]) || !v.contains("amount") ||
            !json_int64(v["amount"], &amount))
          return malformed(inv,
                           "the value of transfer to be {\"from\": account, \"to\": account, "
                           "\"amount\": integer}");
        count_transfer(op);
      } else if (has_f(inv, read) && op.type == EventType::kOk) {
        const Event& done = history_.events[op.completion];
        const nlohmann::json& balances = history_.values.json(done.value);
        if (!balances.is_object())
          return malformed(done, "the ok value of read to be an object {account: balance}");
        int64_t total = 0;
        nlohmann::json negative = nlohmann::json::object();
        for (const auto& [account, balance] : balances.items()) {
          if (deadline_.expired()) return deadline_result("bank");
          int64_t b = 0;
          if (!json_int64(balance, &b))
            return malformed(done, fmt::format("the balance of account \"{}\" to be an integer",
                                               excerpt(account, 20)));
          if (__builtin_add_overflow(total, b, &total))
            return input_error_result("bank",
                                      fmt::format("{}: the balances' total overflows 64-bit "
                                                  "integers",
                                                  source_line(history_, done.line)));
          if (b < 0) negative[account] = b;
        }
        check_read(i, balances, total, negative);
      }
    }
    return result();
  }

 private:
  CheckResult malformed(const Event& e, const std::string& expected) const {
    return input_error_result(
        "bank", fmt::format("{}: expected {}, got {}", source_line(history_, e.line), expected,
                            excerpt(history_.values.text(e.value))));
  }

  void count_transfer(const Operation& op) {
    switch (op.type) {
      case EventType::kOk: ++counts_.ok_transfers; break;
      case EventType::kFail: ++counts_.failed_transfers; break;
      default: ++counts_.info_transfers; break;
    }
  }

  std::string where(const Operation& op) const {
    return fmt::format("lines {}-{}", history_.events[op.invoke].line,
                       history_.events[op.completion].line);
  }

  void add(std::string kind, const Operation& read, std::string description,
           nlohmann::json evidence) {
    if (first_example_.empty()) first_example_ = description;
    evidence["read"] = op_evidence(history_, read);
    anomalies_.add({std::move(kind), history_.key_name(history_.events[read.invoke].key),
                    std::move(description), std::move(evidence)});
  }

  void check_read(uint32_t i, const nlohmann::json& balances, int64_t total,
                  const nlohmann::json& negative) {
    const Operation& op = ops_[i];
    Bank& bank = banks_[history_.events[op.invoke].key];
    ++counts_.reads;
    bool bad = false;
    if (!negative.empty()) {
      bad = true;
      ++counts_.negative_balance;
      add("negative-balance", op,
          fmt::format("read ({}) shows negative balances: {}", where(op), excerpt(negative.dump())),
          {{"accounts", negative}});
    }
    if (bank.reference < 0) {
      bank.reference = i;
      bank.total = total;
      for (const auto& [account, balance] : balances.items()) bank.accounts.push_back(account);
    } else {
      const Operation& ref = ops_[bank.reference];
      const nlohmann::json ref_json = op_evidence(history_, ref);
      if (total != bank.total) {
        bad = true;
        ++counts_.wrong_total;
        add("wrong-total", op,
            fmt::format("read ({}) totals {}, but the first read ({}) totals {}", where(op), total,
                        where(ref), bank.total),
            {{"expected_total", bank.total},
             {"actual_total", total},
             {"balances", balances},
             {"reference_read", ref_json}});
      }
      // Both account lists are sorted: merge them.
      nlohmann::json missing = nlohmann::json::array(), unexpected = nlohmann::json::array();
      auto it = balances.begin();
      const auto end = balances.end();
      for (const std::string& expected : bank.accounts) {
        for (; it != end && it.key() < expected; ++it) unexpected.push_back(it.key());
        if (it != end && it.key() == expected) {
          ++it;
        } else {
          missing.push_back(expected);
        }
      }
      for (; it != end; ++it) unexpected.push_back(it.key());
      if (!missing.empty()) {
        bad = true;
        ++counts_.missing_account;
        add("missing-account", op,
            fmt::format("read ({}) lacks accounts the first read ({}) has: {}", where(op),
                        where(ref), excerpt(missing.dump())),
            {{"accounts", missing}, {"reference_read", ref_json}});
      }
      if (!unexpected.empty()) {
        bad = true;
        ++counts_.unexpected_account;
        add("unexpected-account", op,
            fmt::format("read ({}) has accounts the first read ({}) lacks: {}", where(op),
                        where(ref), excerpt(unexpected.dump())),
            {{"accounts", unexpected}, {"reference_read", ref_json}});
      }
    }
    counts_.bad_reads += bad;
  }

  CheckResult result() {
    CheckResult result;
    result.checker = "bank";
    nlohmann::json banks = nlohmann::json::array();
    for (uint32_t k = 0; k < banks_.size(); ++k) {
      if (banks_[k].reference < 0) continue;
      banks.push_back({{"key", history_.key_name(k)},
                       {"total", banks_[k].total},
                       {"accounts", banks_[k].accounts},
                       {"reference_read", op_evidence(history_, ops_[banks_[k].reference])}});
    }
    const uint64_t transfers =
        counts_.ok_transfers + counts_.failed_transfers + counts_.info_transfers;
    result.details = {{"reads", counts_.reads},
                      {"bad_reads", counts_.bad_reads},
                      {"wrong_total_count", counts_.wrong_total},
                      {"negative_balance_count", counts_.negative_balance},
                      {"missing_account_count", counts_.missing_account},
                      {"unexpected_account_count", counts_.unexpected_account},
                      {"transfer_ops", transfers},
                      {"ok_transfers", counts_.ok_transfers},
                      {"failed_transfers", counts_.failed_transfers},
                      {"info_transfers", counts_.info_transfers},
                      {"banks", banks}};
    anomalies_.move_into(&result);
    if (counts_.bad_reads > 0) {
      result.verdict = Verdict::kInvalid;
      std::vector<std::string> kinds;
      auto note = [&kinds](uint64_t n, const char* kind) {
        if (n > 0) kinds.push_back(fmt::format("{} {}", n, kind));
      };
      note(counts_.wrong_total, "wrong-total");
      note(counts_.negative_balance, "negative-balance");
      note(counts_.missing_account, "missing-account");
      note(counts_.unexpected_account, "unexpected-account");
      result.summary = fmt::format("{} of {} reads bad: {} (e.g. {})", counts_.bad_reads,
                                   counts_.reads, fmt::join(kinds, ", "), first_example_);
    } else if (counts_.reads == 0) {
      result.verdict = Verdict::kUnknown;
      result.summary = fmt::format("no ok read to check ({} transfers)", transfers);
    } else if (banks.size() == 1) {
      result.summary =
          fmt::format("{} reads, total {} over {} accounts, {} transfers", counts_.reads,
                      banks[0]["total"].get<int64_t>(), banks[0]["accounts"].size(), transfers);
    } else {
      result.summary =
          fmt::format("{} reads on {} keys, {} transfers", counts_.reads, banks.size(), transfers);
    }
    return result;
  }

  const History& history_;
  const std::vector<Operation>& ops_;
  DeadlineWatch deadline_;
  std::vector<Bank> banks_;  // indexed by key id
  Counts counts_;
  std::string first_example_;
  AnomalyCollector anomalies_;
};

}  // namespace

CheckResult BankChecker::check(const History& history, const std::vector<Operation>& ops,
                               const CheckOptions& options) const {
  return BankAnalysis(history, ops, options).run();
}

}  // namespace faultline
