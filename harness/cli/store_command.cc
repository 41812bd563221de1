#include "harness/cli/store_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "base/exit_codes.h"
#include "reports/store_merge.h"

namespace faultline {
namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string output;
};

int merge(const MergeArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& input : args.inputs) {
    if (access(input.c_str(), R_OK) != 0) {
      std::cerr << "faultline store merge: " << input << ": no such store\n";
      return exit_code::kNoInput;
    }
  }
  MergeStats stats;
  if (Status st = merge_stores(args.output, args.inputs, &stats); !st.is_ok()) {
    std::cerr << "faultline store merge: " << st.message() << "\n";
    return st.code() == Status::Code::kInvalidArgument ? exit_code::kMalformed
                                                       : exit_code::kInfrastructure;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format(
      "{}: {} run(s) added ({} events), {} already there, from {} store(s) in {:.2f} s\n",
      args.output, stats.runs_added, stats.events, stats.runs_present, args.inputs.size(), seconds);
  return exit_code::kValid;
}

}  // namespace

void add_store_command(CLI::App& app, int* exit_code) {
  CLI::App* store = app.add_subcommand("store", "Work on store files (SQLite, docs/store.md)");
  store->require_subcommand(1);
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = store->add_subcommand(
      "merge",
      "Copy the runs of several stores into one (runs already there are skipped, so merging "
      "again adds nothing): e.g. the stores of a suite's shards");
  cmd->add_option("inputs", args->inputs, "Stores to merge")->required();
  cmd->add_option("-o,--output", args->output, "The store to merge into (created if missing)")
      ->required();
  cmd->callback([args, exit_code]() { *exit_code = merge(*args); });
}

}  // namespace faultline
