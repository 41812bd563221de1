#include "harness/cli/run_command.h"

#include <iostream>
#include <memory>

#include "base/exit_codes.h"
#include "harness/cli/config_flags.h"
#include "harness/cli/signal_watcher.h"
#include "harness/run/runner.h"

namespace faultline {
namespace {

struct RunArgs {
  std::string test_file;
  std::shared_ptr<ConfigFlags> flags = std::make_shared<ConfigFlags>();
  bool quiet = false;
  bool verbose = false;
};

int run(const RunArgs& args) {
  TestConfig config;
  if (!args.test_file.empty()) {
    if (Status st = read_test_file(args.test_file, &config); !st.is_ok()) {
      std::cerr << "faultline run: " << st.message() << "\n";
      return st.code() == Status::Code::kIoError ? exit_code::kNoInput : exit_code::kUsage;
    }
  }
  if (Status st = apply_config_flags(*args.flags, &config); !st.is_ok()) {
    std::cerr << "faultline run: " << st.message() << "\n";
    // A --target-file that is missing or malformed: 66 or 65.
    return st.code() == Status::Code::kIoError     ? exit_code::kNoInput
           : st.code() == Status::Code::kMalformed ? exit_code::kMalformed
                                                   : exit_code::kUsage;
  }
  const Verbosity verbosity = args.quiet     ? Verbosity::kQuiet
                              : args.verbose ? Verbosity::kVerbose
                                             : Verbosity::kNormal;
  Runner runner(config, verbosity);
  SignalWatcher watcher(runner, "faultline run");
  return runner.run();
}

}  // namespace

void add_run_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run a test: deploy the target, drive the workload and the nemesis, check the history. "
      "Without options: raftkv, register, partition and kill faults, 60 s on a local 5-node "
      "cluster");
  cmd->add_option("--test", args->test_file, "TOML test file (flags override its keys)");
  add_config_flags(cmd, args->flags);
  auto* quiet = cmd->add_flag("--quiet,-q", args->quiet, "Only the verdict and errors");
  cmd->add_flag("--verbose,-v", args->verbose, "Log progress details on stderr")->excludes(quiet);
  cmd->callback([args, exit_code]() { *exit_code = run(*args); });
}

}  // namespace faultline
