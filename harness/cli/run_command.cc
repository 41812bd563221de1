#include "harness/cli/run_command.h"

#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "base/exit_codes.h"
#include "harness/cli/node_options.h"
#include "harness/run/runner.h"

namespace faultline {
namespace {

struct RunArgs {
  std::string test_file;
  std::map<std::string, std::string> fields;  // flag name -> value, as given
  std::vector<std::string> opts;
  std::vector<std::string> nemesis_opts;
  bool quiet = false;
  bool verbose = false;
};

// SIGINT and SIGTERM go to one thread that asks the runner to stop; the
// runner then heals, tears down and returns 130. Blocked in every thread
// (set before any is created) so that no other thread is interrupted.
class SignalWatcher {
 public:
  explicit SignalWatcher(Runner& runner) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR1);  // our own wake-up at the end
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    thread_ = std::thread([this, &runner] {
      for (;;) {
        int sig = 0;
        if (sigwait(&set_, &sig) != 0 || sig == SIGUSR1) return;
        std::cerr << "\nfaultline run: " << (sig == SIGINT ? "interrupted" : "terminated")
                  << ": stopping, healing and tearing down (the history is kept)\n";
        runner.interrupt();
      }
    });
  }
  ~SignalWatcher() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

 private:
  sigset_t set_, previous_;
  std::thread thread_;
};

int run(const RunArgs& args) {
  TestConfig config;
  if (!args.test_file.empty()) {
    if (Status st = read_test_file(args.test_file, &config); !st.is_ok()) {
      std::cerr << "faultline run: " << st.message() << "\n";
      return st.code() == Status::Code::kIoError ? exit_code::kNoInput : exit_code::kUsage;
    }
  }
  for (const ConfigField& field : config_fields()) {
    auto given = args.fields.find(field.name);
    if (given == args.fields.end()) continue;
    if (Status st = field.set(&config, given->second); !st.is_ok()) {
      std::cerr << "faultline run: --" << st.message() << "\n";
      return exit_code::kUsage;
    }
  }
  std::map<std::string, std::string> opts;
  if (Status st = parse_opts(args.opts, &opts); !st.is_ok()) {
    std::cerr << "faultline run: " << st.message() << "\n";
    return exit_code::kUsage;
  }
  for (auto& [key, value] : opts) config.opts[key] = value;  // flags override the file
  std::map<std::string, std::string> nemesis_opts;
  if (Status st = parse_opts(args.nemesis_opts, &nemesis_opts, "--nemesis-opt"); !st.is_ok()) {
    std::cerr << "faultline run: " << st.message() << "\n";
    return exit_code::kUsage;
  }
  for (auto& [key, value] : nemesis_opts) config.nemesis_opts[key] = value;
  const Verbosity verbosity = args.quiet     ? Verbosity::kQuiet
                              : args.verbose ? Verbosity::kVerbose
                                             : Verbosity::kNormal;
  Runner runner(config, verbosity);
  SignalWatcher watcher(runner);
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
  for (const ConfigField& field : config_fields()) {
    const std::string name = field.name;
    if (field.is_flag) {
      cmd->add_flag_function(
          "--" + name, [args, name](int64_t) { args->fields[name] = "true"; }, field.help);
      continue;
    }
    cmd->add_option_function<std::string>(
           "--" + name, [args, name](const std::string& v) { args->fields[name] = v; },
           field.help)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the last one given wins
  }
  add_target_options(cmd, &args->opts);
  cmd->add_option("--nemesis-opt", args->nemesis_opts,
                  "Nemesis option key=value (repeatable), e.g. bump-s=5; docs/nemesis.md lists "
                  "them");
  auto* quiet = cmd->add_flag("--quiet,-q", args->quiet, "Only the verdict and errors");
  cmd->add_flag("--verbose,-v", args->verbose, "Log progress details on stderr")->excludes(quiet);
  cmd->callback([args, exit_code]() { *exit_code = run(*args); });
}

}  // namespace faultline
