#include "harness/cli/check_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "base/exit_codes.h"
#include "checkers/checker.h"
#include "checkers/memory_budget.h"
#include "history/reader.h"
#include "reports/html/html_report.h"
#include "reports/html/report_data.h"
#include "reports/store.h"

namespace faultline {
namespace {

struct CheckArgs {
  std::vector<std::string> files;
  std::string model = "register";
  std::string format = "jsonl";
  bool independent = false;
  double timeout_s = 0;        // 0: none
  double core_timeout_s = 5;   // the minimal-core phase's own budget
  uint64_t max_memory_mb = 0;  // 0: the default budget (default_memory_budget())
  unsigned threads = 0;
  std::string search = "portfolio";
  std::string consistency_model = "strict-serializable";
  bool json = false;
  std::string db;
  std::string report;  // --report: an HTML report of the (one) history
};

int verdict_exit_code(Verdict v) {
  switch (v) {
    case Verdict::kValid: return exit_code::kValid;
    case Verdict::kUnknown: return exit_code::kUnknown;
    case Verdict::kInvalid: return exit_code::kInvalid;
  }
  return exit_code::kUnknown;
}

// --db: records a 'check' run holding the history's events. It is recorded
// before checking, so a check that is killed leaves a 'running' run behind.
Status record_history(Store& store, const CheckArgs& args, const std::string& path,
                      const History& history, int64_t* run_id) {
  RunInfo info;
  info.kind = RunKind::kCheck;
  info.name = path;
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  info.source = ec ? path : absolute.string();
  info.model = args.model;
  info.config = {{"format", args.format},
                 {"independent", args.independent},
                 {"timeout_s", args.timeout_s},
                 {"max_memory_mb", args.max_memory_mb},
                 {"threads", args.threads},
                 {"search", args.search},
                 {"consistency_model", args.consistency_model}};
  Status st = store.begin_run(info, run_id);
  if (st.is_ok()) st = store.append_events(*run_id, history);
  if (st.is_ok()) st = store.flush();
  return st;
}

// --db: a store error is an infrastructure failure (exit 3), worse than any verdict.
int store_failure(const Status& st) {
  std::cerr << "faultline check: " << st.message() << "\n";
  return exit_code::kInfrastructure;
}

// Records `result` as the run's result (replacing an earlier one) and, when
// `final`, finishes the run. A store error is reported and returned.
Status store_result(Store* store, int64_t run_id, const CheckResult& result, bool final) {
  if (store == nullptr) return Status::ok();
  Status st = store->record_result(run_id, result);
  if (st.is_ok() && final) st = store->finish_run(run_id, RunStatus::kDone, result.verdict);
  return st;
}

// Prints a result: one line on stdout (or a JSON object), the explanation on stderr.
void print_result(const CheckArgs& args, const std::string& path, const CheckResult& result,
                  double seconds) {
  if (args.json) {
    nlohmann::json out = result.to_json();
    out["file"] = path;
    out["seconds"] = seconds;
    std::cout << out.dump() << std::endl;
    return;
  }
  std::cout << fmt::format("{}: {}: {} ({:.3f} s)", path, to_string(result.verdict), result.summary,
                           seconds)
            << std::endl;
  // The why goes to stderr, so stdout stays one line per file.
  auto explanation = result.details.find("explanation");
  if (explanation != result.details.end() && explanation->is_string() &&
      !explanation->get<std::string>().empty())
    std::cerr << path << ": " << explanation->get<std::string>();
}

// Checks one file (recording it in `store` unless that is null); returns its
// exit code. Phases: parse, search, core (checkers/linearizability.cc), report.
// Every phase counts against the memory budget; running out in any of them
// is the verdict `unknown` naming the phase, recorded like any other result.
int check_file(const CheckArgs& args, const Checker& checker, Store* store,
               const std::string& path) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const uint64_t budget = args.max_memory_mb > 0 && args.max_memory_mb <= (UINT64_MAX >> 20)
                              ? args.max_memory_mb << 20
                              : default_memory_budget();
  std::string_view phase = "parse";
  int64_t run_id = 0;
  bool recorded = false;  // the history is in the store, with run_id
  auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  auto out_of_memory = [&]() {
    CheckResult result;
    result.checker = checker.name();
    result.verdict = Verdict::kUnknown;
    result.summary =
        fmt::format("gave up in the {} phase: out of memory (budget {} MB)", phase, budget >> 20);
    result.details = {{"phase", phase}, {"budget_mb", budget >> 20}};
    print_result(args, path, result, seconds());
    if (recorded) {
      if (Status st = store_result(store, run_id, result, true); !st.is_ok())
        return store_failure(st);
    }
    return exit_code::kUnknown;
  };
  try {
    History history;
    std::vector<Operation> ops;
    ReadOptions read_options;
    read_options.format = args.format == "edn" ? HistoryFormat::kEdn : HistoryFormat::kJsonl;
    read_options.independent = args.independent;
    Status st = read_history(path, read_options, &history, &ops);
    if (!st.is_ok()) {
      std::cerr << "faultline check: " << st.message() << "\n";
      return st.code() == Status::Code::kIoError ? exit_code::kNoInput : exit_code::kMalformed;
    }
    if (resident_bytes() > budget) return out_of_memory();
    phase = "search";
    if (store != nullptr) {
      if (st = record_history(*store, args, path, history, &run_id); !st.is_ok())
        return store_failure(st);
      recorded = true;
    }
    CheckOptions options;
    // Budgets too large to represent mean none (rather than overflowing into tiny ones).
    const std::chrono::duration<double> time_budget(args.timeout_s);
    if (args.timeout_s > 0 && time_budget < Clock::time_point::max() - start)
      options.deadline = start + std::chrono::duration_cast<Clock::duration>(time_budget);
    options.core_timeout = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(std::min(args.core_timeout_s, 1e9)));
    options.max_memory_bytes = budget;
    options.memory_baseline = resident_bytes();
    options.threads = args.threads;
    options.search = args.search == "plain"       ? SearchStrategy::kPlain
                     : args.search == "optimized" ? SearchStrategy::kOptimized
                                                  : SearchStrategy::kPortfolio;
    parse_consistency_model(args.consistency_model, &options.consistency_model);
    // Verdict first: an invalid verdict is said (and stored) before the
    // minimal core is looked for.
    Status early_store;
    options.on_verdict = [&](const CheckResult& verdict) {
      phase = "core";
      if (verdict.verdict != Verdict::kInvalid) return;
      if (!args.json)
        std::cerr << fmt::format(
            "{}: {} after {:.3f} s; looking for a minimal core (up to {:g} s)\n", path,
            to_string(verdict.verdict), seconds(), args.core_timeout_s);
      if (recorded) early_store = store_result(store, run_id, verdict, false);
    };
    CheckResult result = checker.check(history, ops, options);
    if (!early_store.is_ok()) return store_failure(early_store);
    if (!result.input_error.empty()) {
      std::cerr << "faultline check: " << result.input_error << "\n";
      if (recorded) {
        if (st = store->finish_run(run_id, RunStatus::kAborted, std::nullopt); !st.is_ok())
          return store_failure(st);
      }
      return exit_code::kMalformed;
    }
    const double check_seconds = seconds();
    print_result(args, path, result, check_seconds);
    if (recorded) {
      if (st = store_result(store, run_id, result, true); !st.is_ok()) return store_failure(st);
    }
    // --report: written last, so that a report that cannot be written loses no result.
    if (!args.report.empty()) {
      phase = "report";
      const nlohmann::json config = {{"model", args.model},
                                     {"format", args.format},
                                     {"independent", args.independent},
                                     {"timeout_s", args.timeout_s},
                                     {"max_memory_mb", args.max_memory_mb},
                                     {"threads", args.threads},
                                     {"search", args.search},
                                     {"consistency_model", args.consistency_model},
                                     {"check_seconds", check_seconds}};
      st = write_html_report(args.report, build_report_data(history, ops, {result}, config, path));
      if (!st.is_ok()) {
        std::cerr << "faultline check: " << st.message() << "\n";
        return exit_code::kInfrastructure;
      }
    }
    return verdict_exit_code(result.verdict);
  } catch (const std::bad_alloc&) {
    if (phase == "report") {  // the verdict was said and stored: only the report is lost
      std::cerr << fmt::format(
          "faultline check: {}: out of memory writing the report (budget {} MB)\n", path,
          budget >> 20);
      return exit_code::kInfrastructure;
    }
    return out_of_memory();
  }
}

// A finite number > 0. CLI11's PositiveNumber lets "nan" through (a timeout of
// NaN then meant none) and names DBL_MAX in its message.
const CLI::Validator kPositive(
    [](std::string& text) -> std::string {
      double value = 0;
      if (CLI::detail::lexical_cast(text, value) && std::isfinite(value) && value > 0) return "";
      return "expected a positive number, got " + text;
    },
    "POSITIVE");

// Malformed or missing input, and a store error, are worse than any verdict;
// among verdicts, invalid is worse than unknown, which is worse than valid.
int worse_exit_code(int a, int b) {
  auto rank = [](int code) {
    switch (code) {
      case exit_code::kValid: return 0;
      case exit_code::kUnknown: return 1;
      case exit_code::kInvalid: return 2;
      case exit_code::kNoInput: return 3;
      default: return 4;
    }
  };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace

void add_check_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand("check", "Check recorded histories for consistency");
  cmd->add_option("history", args->files, "History files (JSON lines, or EDN with --format edn)")
      ->required();
  std::vector<std::string> models = checker_models();
  cmd->add_option("--model,-m", args->model, "Model or checker to judge by")
      ->check(CLI::IsMember(models))
      ->capture_default_str();
  cmd->add_option("--format", args->format, "History file format")
      ->check(CLI::IsMember({"jsonl", "edn"}))
      ->capture_default_str();
  cmd->add_flag("--independent", args->independent,
                "EDN: a :value [k v] is a jepsen.independent key and value");
  cmd->add_option("--timeout", args->timeout_s, "Give up with 'unknown' after this many seconds")
      ->check(kPositive);
  cmd->add_option("--max-memory", args->max_memory_mb,
                  "Give up with 'unknown' when the check needs more MB than this (default: the "
                  "lower of half the physical memory and the cgroup's or ulimit's limit)")
      ->check(kPositive);
  cmd->add_option("--core-timeout", args->core_timeout_s,
                  "Seconds for the minimal core once the verdict is known (and for the other "
                  "keys' searches); past it the core found so far is shown")
      ->check(kPositive)
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Checker threads (default: one per core)");
  cmd->add_option("--search", args->search,
                  "Linearizability search: portfolio (optimized and plain side by side, first "
                  "answer wins), optimized, or plain (WGL like Porcupine)")
      ->check(CLI::IsMember({"portfolio", "optimized", "plain"}))
      ->capture_default_str();
  cmd->add_option("--consistency-model", args->consistency_model,
                  "list-append, rw-register: the isolation level whose anomalies fail the check")
      ->check(CLI::IsMember(
          {"strict-serializable", "serializable", "snapshot-isolation", "read-committed"}))
      ->capture_default_str();
  cmd->add_flag_callback(
      "--no-optimizations", [args] { args->search = "plain"; }, "Same as --search plain");
  cmd->add_flag("--json", args->json, "Print the full result as one JSON object per file");
  cmd->add_option("--db", args->db, "Record each history and its result in this SQLite file");
  cmd->add_option("--report", args->report,
                  "Write a self-contained HTML report of the history to this file (one history)");
  cmd->callback([args, exit_code] {
    if (!args->report.empty() && args->files.size() != 1)
      throw CLI::ValidationError("--report",
                                 "takes one history, got " + std::to_string(args->files.size()));
    std::unique_ptr<Checker> checker = make_checker(args->model);
    std::unique_ptr<Store> store;
    if (!args->db.empty()) {
      // Fail before checking anything: a check that cannot be recorded was not asked for.
      if (Status st = Store::open(args->db, &store); !st.is_ok()) {
        *exit_code = store_failure(st);
        return;
      }
    }
    // A hard limit a little above the budget: past it an allocation fails
    // (reported as unknown) instead of the kernel killing the process.
    cap_address_space(args->max_memory_mb > 0 && args->max_memory_mb <= (UINT64_MAX >> 20)
                          ? args->max_memory_mb << 20
                          : default_memory_budget());
    int code = exit_code::kValid;
    for (const std::string& path : args->files)
      code = worse_exit_code(code, check_file(*args, *checker, store.get(), path));
    *exit_code = code;
  });
}

}  // namespace faultline
