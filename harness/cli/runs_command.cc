#include "harness/cli/runs_command.h"

#include <fmt/format.h>

#include <array>
#include <iostream>

#include "base/exit_codes.h"
#include "reports/run/run_dir.h"
#include "reports/run/run_listing.h"
#include "reports/run/suite_history.h"

namespace faultline {
namespace {

struct RunsArgs {
  std::string db = kDefaultStorePath;
  int64_t limit = 20;
  bool json = false;
  std::string name, target, workload, verdict;
  std::string suite;  // the registry view of this suite
};

constexpr size_t kColumns = 9;
using Row = std::array<std::string, kColumns>;

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

Row row_of(const RunListing& r) {
  const RunInfo& info = r.run.info;
  return {std::to_string(r.run.id),
          format_utc(info.started_at_ms),
          info.name,
          or_dash(info.target),
          or_dash(info.workload),
          or_dash(info.nemesis),
          r.duration_ms ? format_duration_ms(*r.duration_ms) : "-",
          std::to_string(r.ops.total()),
          listing_state(r)};
}

// Columns padded to their widest cell; the last one is not padded.
void print_table(const std::vector<Row>& rows) {
  std::array<size_t, kColumns> width{};
  for (const Row& row : rows)
    for (size_t c = 0; c < kColumns; ++c) width[c] = std::max(width[c], row[c].size());
  for (const Row& row : rows) {
    std::string line;
    for (size_t c = 0; c + 1 < kColumns; ++c) line += fmt::format("{:<{}}  ", row[c], width[c]);
    std::cout << line << row[kColumns - 1] << "\n";
  }
}

int run_runs(const RunsArgs& args) {
  std::unique_ptr<Store> store;
  Status st = open_existing_store(args.db, &store);
  RunFilter filter;
  filter.limit = args.limit;
  filter.name = args.name;
  filter.target = args.target;
  filter.workload = args.workload;
  filter.verdict = verdict_from_string(args.verdict);
  if (st.is_ok() && !args.suite.empty()) {
    std::vector<CaseHistory> cases;
    st = suite_history(*store, args.suite, &cases);
    if (st.is_ok()) {
      if (cases.empty()) std::cerr << "faultline runs: no runs of suite " << args.suite << "\n";
      if (!cases.empty())
        std::cout << suite_history_table(cases,
                                         static_cast<size_t>(std::max<int64_t>(args.limit, 1)));
      return exit_code::kValid;
    }
  }
  std::vector<RunListing> runs;
  if (st.is_ok()) st = list_runs_with_ops(*store, filter, &runs);
  if (!st.is_ok()) {
    std::cerr << "faultline runs: " << st.message() << "\n";
    return store ? exit_code::kInfrastructure : exit_code::kNoInput;
  }
  if (args.json) {
    for (const RunListing& r : runs) std::cout << run_listing_json(r).dump() << "\n";
    return exit_code::kValid;
  }
  if (runs.empty()) {
    std::cerr << "faultline runs: no runs in " << args.db << "\n";
    return exit_code::kValid;
  }
  std::vector<Row> rows{{"ID", "STARTED (UTC)", "NAME", "TARGET", "WORKLOAD", "NEMESIS", "DURATION",
                         "OPS", "VERDICT"}};
  for (const RunListing& r : runs) rows.push_back(row_of(r));
  print_table(rows);
  return exit_code::kValid;
}

}  // namespace

void add_runs_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunsArgs>();
  CLI::App* cmd = app.add_subcommand("runs", "List recorded runs, newest first");
  cmd->add_option("--db", args->db, "The store to read")->capture_default_str();
  cmd->add_option("--limit,-n", args->limit, "List at most this many runs (0 or less: all)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print each run as one JSON object per line");
  cmd->add_option("--name", args->name, "Only runs of this test (or checked history)");
  cmd->add_option("--target", args->target, "Only runs against this system");
  cmd->add_option("--workload", args->workload, "Only runs of this workload");
  cmd->add_option(
      "--suite", args->suite,
      "The suite's cases over its past runs instead (the regression registry): a "
      "pass/fail strip of the last --limit runs, detection rate and time, and flags for "
      "cases that newly fail, detect less, or are flaky");
  cmd->add_option("--verdict", args->verdict, "Only runs with this verdict")
      ->check(CLI::IsMember({"valid", "invalid", "unknown"}));
  cmd->callback([args, exit_code] {
    if (args->limit <= 0) args->limit = -1;
    *exit_code = run_runs(*args);
  });
}

}  // namespace faultline
