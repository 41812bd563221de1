#include "harness/cli/report_command.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>

#include "base/exit_codes.h"
#include "reports/html/html_report.h"
#include "reports/html/run_report.h"
#include "reports/run/run_listing.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::string run;  // a run id, or a run's store directory
  std::string db = kDefaultStorePath;
  std::string out;  // default: <store_dir>/report.html
};

bool is_run_id(const std::string& text) {
  return !text.empty() && text.size() < 19 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

int fail(int code, const std::string& message) {
  std::cerr << "faultline report: " << message << "\n";
  return code;
}

// The store directory of run `id` in the store at `db`.
int store_dir_of_run(const std::string& db, int64_t id, std::string* dir) {
  std::unique_ptr<Store> store;
  if (Status st = open_existing_store(db, &store); !st.is_ok())
    return fail(store ? exit_code::kInfrastructure : exit_code::kNoInput, st.message());
  RunFilter filter;
  filter.id = id;
  std::vector<RunRecord> runs;
  if (Status st = store->list_runs(filter, &runs); !st.is_ok())
    return fail(exit_code::kInfrastructure, st.message());
  if (runs.empty()) return fail(exit_code::kNoInput, db + ": no run " + std::to_string(id));
  if (runs[0].info.store_dir.empty()) {
    return fail(exit_code::kNoInput,
                db + ": run " + std::to_string(id) + " (" + runs[0].info.name +
                    ") has no store directory; for a checked history, use faultline check "
                    "--report");
  }
  *dir = runs[0].info.store_dir;
  return exit_code::kValid;
}

int run_report(const ReportArgs& args) {
  std::string dir = args.run;
  std::error_code ec;
  // A directory named like a number is still a directory.
  if (is_run_id(args.run) && !fs::is_directory(args.run, ec)) {
    if (int code = store_dir_of_run(args.db, std::stoll(args.run), &dir); code != 0) return code;
  }
  if (!fs::is_directory(dir, ec)) return fail(exit_code::kNoInput, dir + ": not a directory");
  const std::string out = args.out.empty() ? (fs::path(dir) / "report.html").string() : args.out;
  nlohmann::json data;
  Status st = build_run_report_data(dir, out, RunReportOptions(), &data);
  if (!st.is_ok()) {
    return fail(st.code() == Status::Code::kIoError ? exit_code::kNoInput : exit_code::kMalformed,
                st.message());
  }
  if (st = write_html_report(out, data); !st.is_ok())
    return fail(exit_code::kInfrastructure, st.message());
  std::cout << out << "\n";
  return exit_code::kValid;
}

}  // namespace

void add_report_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd =
      app.add_subcommand("report", "Write the HTML report of a test run (by id or directory)");
  cmd->add_option("run", args->run, "A run's id in the store, or its store directory")->required();
  cmd->add_option("--db", args->db, "The store that holds the run's id")->capture_default_str();
  cmd->add_option("-o,--output", args->out,
                  "Write the report here (default: STORE_DIR/report.html)");
  cmd->callback([args, exit_code] { *exit_code = run_report(*args); });
}

}  // namespace faultline
