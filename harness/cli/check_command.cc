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
  uint64_t max_memory_mb = 0;  // 0: none
  unsigned threads = 0;
  bool no_optimizations = false;
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
  info.config = {{"format", args.format},       {"independent", args.independent},
                 {"timeout_s", args.timeout_s}, {"max_memory_mb", args.max_memory_mb},
                 {"threads", args.threads},     {"optimizations", !args.no_optimizations}};
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

// Checks one file (recording it in `store` unless that is null); returns its exit code.
int check_file(const CheckArgs& args, const Checker& checker, Store* store,
               const std::string& path) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
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
  int64_t run_id = 0;
  if (store != nullptr) {
    if (st = record_history(*store, args, path, history, &run_id); !st.is_ok())
      return store_failure(st);
  }
  CheckOptions options;
  // Budgets too large to represent mean none (rather than overflowing into tiny ones).
  const std::chrono::duration<double> budget(args.timeout_s);
  if (args.timeout_s > 0 && budget < Clock::time_point::max() - start)
    options.deadline = start + std::chrono::duration_cast<Clock::duration>(budget);
  if (args.max_memory_mb > 0 && args.max_memory_mb <= (UINT64_MAX >> 20))
    options.max_memory_bytes = args.max_memory_mb << 20;
  options.threads = args.threads;
  options.optimizations = !args.no_optimizations;
  CheckResult result = checker.check(history, ops, options);
  if (!result.input_error.empty()) {
    std::cerr << "faultline check: " << result.input_error << "\n";
    if (store != nullptr) {
      if (st = store->finish_run(run_id, RunStatus::kAborted, std::nullopt); !st.is_ok())
        return store_failure(st);
    }
    return exit_code::kMalformed;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (args.json) {
    nlohmann::json out = result.to_json();
    out["file"] = path;
    out["seconds"] = seconds;
    std::cout << out.dump() << "\n";
  } else {
    std::cout << fmt::format("{}: {}: {} ({:.3f} s)\n", path, to_string(result.verdict),
                             result.summary, seconds);
    // The why goes to stderr, so stdout stays one line per file.
    auto explanation = result.details.find("explanation");
    if (explanation != result.details.end() && explanation->is_string() &&
        !explanation->get<std::string>().empty())
      std::cerr << path << ": " << explanation->get<std::string>();
  }
  if (store != nullptr) {
    st = store->record_result(run_id, result);
    if (st.is_ok()) st = store->finish_run(run_id, RunStatus::kDone, result.verdict);
    if (!st.is_ok()) return store_failure(st);
  }
  // --report: written last, so that a report that cannot be written loses no result.
  if (!args.report.empty()) {
    const nlohmann::json config = {{"model", args.model},
                                   {"format", args.format},
                                   {"independent", args.independent},
                                   {"timeout_s", args.timeout_s},
                                   {"max_memory_mb", args.max_memory_mb},
                                   {"threads", args.threads},
                                   {"optimizations", !args.no_optimizations},
                                   {"check_seconds", seconds}};
    st = write_html_report(args.report, build_report_data(history, ops, {result}, config, path));
    if (!st.is_ok()) {
      std::cerr << "faultline check: " << st.message() << "\n";
      return exit_code::kInfrastructure;
    }
  }
  return verdict_exit_code(result.verdict);
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
                  "Give up with 'unknown' when the search needs more MB than this")
      ->check(kPositive);
  cmd->add_option("--threads", args->threads, "Checker threads (default: one per core)");
  cmd->add_flag("--no-optimizations", args->no_optimizations,
                "Search as plain WGL with a bit per op, like Porcupine (for benchmarks)");
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
    int code = exit_code::kValid;
    for (const std::string& path : args->files)
      code = worse_exit_code(code, check_file(*args, *checker, store.get(), path));
    *exit_code = code;
  });
}

}  // namespace faultline
