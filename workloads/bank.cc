// bank: transfers between accounts and reads of every balance (Jepsen's bank
// workload). The total must never change and no balance may go negative.
//
// raftkv has MULTI/EXEC but no conditional transaction (a CAS that fails does
// not stop the commands after it), so a transfer cannot read a balance and
// write it in one step. Instead every account holds "version:balance", all
// accounts share one version, and a transfer is one transaction of a CAS on
// *every* account, from the version it read to the next. On an atomic store
// the CASes then all succeed or all fail: a transfer either moves the money
// or does nothing. If the store applied a transaction in part, the versions
// split and the reads' totals show it.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>

#include "workloads/workload.h"

namespace faultline {
namespace {

constexpr int kTransferAttempts = 3;  // CAS conflicts retried within one transfer

std::string account_key(int account) { return fmt::format("bank:{}", account); }

struct Account {
  int64_t version = 0;
  int64_t balance = 0;
};

// "version:balance"; false if the text is not that.
bool parse_account(const std::string& text, Account* out) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  const char* end = text.data() + text.size();
  const auto v = std::from_chars(text.data(), text.data() + colon, out->version);
  const auto b = std::from_chars(text.data() + colon + 1, end, out->balance);
  return v.ec == std::errc() && v.ptr == text.data() + colon && b.ec == std::errc() && b.ptr == end;
}

// The non-negative integer object[name], or -1 if there is none.
int64_t integer_field(const nlohmann::json& object, const std::string& name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer() || *it < 0) return -1;
  return it->get<int64_t>();
}

std::string format_account(const Account& a) { return fmt::format("{}:{}", a.version, a.balance); }

Op refuse(const Op& invoke, std::string error, std::string node = "") {
  Op c = invoke.complete(EventType::kFail, nullptr);
  c.error = std::move(error);
  c.node = std::move(node);
  return c;
}

// The bank's ops as requests. init: one transaction setting every account
// to version 0 with its initial balance. read: an MGET of every account.
// transfer: an MGET, then a transaction of a CAS on every account (the
// request's carry counts the attempts), again after a CAS conflict.
class BankOps {
 public:
  explicit BankOps(int accounts)
      : accounts_(accounts), initialized_(std::make_shared<std::atomic<bool>>(false)) {}

  std::optional<KvRequest> request(const Op& invoke) const {
    if (invoke.f == "init" && invoke.value.is_object()) {
      std::vector<std::vector<std::string>> sets;
      for (int i = 0; i < accounts_; ++i) {
        const int64_t balance = integer_field(invoke.value, std::to_string(i));
        if (balance < 0) return std::nullopt;
        sets.push_back({"SET", account_key(i), format_account({0, balance})});
      }
      return KvRequest::transaction(std::move(sets));
    }
    if (invoke.f == "read") return read_request(0);
    if (invoke.f == "transfer" && invoke.value.is_object() && transfer_ok(invoke.value))
      return read_request(1);
    return std::nullopt;
  }

  KvStep complete(const Op& invoke, const KvRequest& request, const KvOutcome& o) const {
    if (invoke.f == "init") {
      if (o.kind != KvOutcome::Kind::kOk) return complete_kv(invoke, o, nullptr);
      initialized_->store(true);
      return complete_kv(invoke, o, invoke.value);
    }
    if (request.kind == KvRequest::Kind::kTransaction) return swapped(invoke, request, o);
    std::vector<std::optional<Account>> accounts;
    Op failed;
    if (!read_accounts(invoke, o, &accounts, &failed)) {
      if (invoke.f == "transfer") failed.type = EventType::kFail;  // nothing was written yet
      return failed;
    }
    if (invoke.f == "read") {
      nlohmann::json balances = nlohmann::json::object();
      for (int i = 0; i < accounts_; ++i) {
        if (accounts[i]) balances[std::to_string(i)] = accounts[i]->balance;
      }
      return complete_kv(invoke, o, std::move(balances));
    }
    return swap(invoke, request.carry.get<int>(), accounts, o.node);
  }

 private:
  // The MGET of every account; `attempt`: a transfer's, from 1 (0: a read).
  KvRequest read_request(int attempt) const {
    std::vector<std::string> mget = {"MGET"};
    for (int i = 0; i < accounts_; ++i) mget.push_back(account_key(i));
    return KvRequest::command(std::move(mget), attempt);
  }

  bool transfer_ok(const nlohmann::json& v) const {
    const int64_t from = integer_field(v, "from"), to = integer_field(v, "to");
    return from >= 0 && from < accounts_ && to >= 0 && to < accounts_ && from != to &&
           integer_field(v, "amount") >= 0;
  }

  // The MGET's accounts (missing ones: nullopt). Returns false with *failed
  // set if the read did not go through.
  bool read_accounts(const Op& invoke, const KvOutcome& o,
                     std::vector<std::optional<Account>>* accounts, Op* failed) const {
    if (o.kind != KvOutcome::Kind::kOk) {
      *failed = complete_kv(invoke, o, nullptr);
      return false;
    }
    const RespReply& r = o.reply;
    if (r.kind != RespReply::Kind::kArray || r.elements.size() != static_cast<size_t>(accounts_)) {
      *failed = complete_unexpected(invoke, o, true);
      return false;
    }
    accounts->assign(accounts_, std::nullopt);
    for (int i = 0; i < accounts_; ++i) {
      const RespReply& e = r.elements[i];
      if (e.kind == RespReply::Kind::kNil) continue;
      Account a;
      if (e.kind != RespReply::Kind::kString || !parse_account(e.text, &a)) {
        *failed = refuse(
            invoke, fmt::format("account {} holds '{}', not version:balance", i, e.text), o.node);
        return false;
      }
      (*accounts)[i] = a;
    }
    const bool any_missing = std::count(accounts->begin(), accounts->end(), std::nullopt) > 0;
    if (any_missing && !initialized_->load()) {
      *failed = refuse(invoke, "the accounts are not initialized yet", o.node);
      return false;
    }
    return true;
  }

  // The transaction of a CAS on every account, from the version read to the
  // next, the amount moved.
  KvStep swap(const Op& invoke, int attempt, const std::vector<std::optional<Account>>& accounts,
              const std::string& node) const {
    const nlohmann::json& v = invoke.value;
    const int64_t from = integer_field(v, "from"), to = integer_field(v, "to");
    const int64_t amount = integer_field(v, "amount");
    for (int i = 0; i < accounts_; ++i) {
      if (!accounts[i]) return refuse(invoke, fmt::format("account {} is missing", i), node);
      if (accounts[i]->version != accounts[0]->version)
        return refuse(invoke, "the accounts' versions differ: an earlier transfer applied in part",
                      node);
    }
    if (accounts[from]->balance < amount) return refuse(invoke, "insufficient funds", node);
    std::vector<std::vector<std::string>> cas;
    for (int i = 0; i < accounts_; ++i) {
      Account next{accounts[i]->version + 1, accounts[i]->balance};
      if (i == from) next.balance -= amount;
      if (i == to) next.balance += amount;
      cas.push_back({"CAS", account_key(i), format_account(*accounts[i]), format_account(next)});
    }
    KvRequest r = KvRequest::transaction(std::move(cas));
    r.carry = attempt;
    return r;
  }

  // The transfer's end after its transaction of CASes: done if all swapped,
  // unknown if some, and if none, another attempt (or a fail after the last).
  KvStep swapped(const Op& invoke, const KvRequest& request, const KvOutcome& o) const {
    if (o.kind != KvOutcome::Kind::kOk) return complete_kv(invoke, o, nullptr);
    if (o.reply.kind != RespReply::Kind::kArray) return complete_unexpected(invoke, o, false);
    int swapped = 0;
    for (const RespReply& e : o.reply.elements) {
      if (e.kind != RespReply::Kind::kInteger || (e.text != "0" && e.text != "1"))
        return complete_unexpected(invoke, o, false);
      swapped += e.text == "1";
    }
    if (swapped == accounts_) return complete_kv(invoke, o, invoke.value);
    if (swapped > 0) {
      Op c = invoke.complete(EventType::kInfo, nullptr);
      c.error =
          fmt::format("transaction applied in part: {} of {} CAS swapped", swapped, accounts_);
      c.node = o.node;
      return c;
    }
    const int attempt = request.carry.get<int>();
    if (attempt == kTransferAttempts)
      return refuse(invoke, "cas mismatch: the balances changed under the transfer", o.node);
    return read_request(attempt + 1);
  }

  int accounts_;
  // Whether an init of this run was ok, shared by the clients of one
  // workload. Before that, accounts that do not exist yet are not news.
  std::shared_ptr<std::atomic<bool>> initialized_;
};

}  // namespace

Status make_bank_workload(const WorkloadOptions& options, Workload* out) {
  if (!options.target.cas || !options.target.transactions)
    return Status::invalid_argument("bank: expected a target with CAS and MULTI/EXEC");
  if (options.accounts < 2)
    return Status::invalid_argument(
        fmt::format("bank: expected at least 2 accounts, got {}", options.accounts));
  if (options.initial_balance < 0)
    return Status::invalid_argument(
        fmt::format("bank: expected an initial balance >= 0, got {}", options.initial_balance));
  const int n = options.accounts;
  nlohmann::json balances = nlohmann::json::object();
  for (int i = 0; i < n; ++i) balances[std::to_string(i)] = options.initial_balance;
  // Transfers of 1..5 between two different accounts, and reads, in equal parts.
  GenPtr ops = gen::from_fn([n](const Context& ctx) -> std::optional<Op> {
    if (std::uniform_int_distribution<int>(0, 1)(ctx.rng()) == 0) return gen::op("read");
    const int from = std::uniform_int_distribution<int>(0, n - 1)(ctx.rng());
    const int to = (from + std::uniform_int_distribution<int>(1, n - 1)(ctx.rng())) % n;
    const int amount = std::uniform_int_distribution<int>(1, 5)(ctx.rng());
    return gen::op("transfer", {{"from", from}, {"to", to}, {"amount", amount}});
  });
  out->generator = gen::phases(
      gen::list(until_ok(gen::op("init", balances), 10, std::chrono::seconds(1)), std::move(ops)));
  out->final_generator = until_ok(gen::op("read"), 10, std::chrono::seconds(1));
  auto bank = std::make_shared<BankOps>(n);
  out->kv_ops = {[bank](const Op& invoke) { return bank->request(invoke); },
                 [bank](const Op& invoke, const KvRequest& request, const KvOutcome& o) {
                   return bank->complete(invoke, request, o);
                 }};
  out->client = kv_ops_client("bank", out->kv_ops, options.protocol);
  out->checkers.clear();
  out->checkers.push_back(make_checker("bank"));
  out->needs_cas = true;
  return Status::ok();
}

}  // namespace faultline
