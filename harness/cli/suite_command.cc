#include "harness/cli/suite_command.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <iostream>
#include <memory>

#include "base/exit_codes.h"
#include "harness/cli/config_flags.h"
#include "harness/cli/signal_watcher.h"
#include "harness/suite/suite_runner.h"

namespace faultline {
namespace {

struct SuiteArgs {
  std::string file;
  std::shared_ptr<ConfigFlags> flags = std::make_shared<ConfigFlags>();
  std::string shard;
  std::vector<std::string> tags;
  std::vector<std::string> case_ids;
  std::string result_file;  // a child of --parallel: where its one result goes
  SuiteOptions options;
  bool list = false;
  bool quiet = false;
  bool verbose = false;
};

std::string self_executable() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("faultline") : self.string();
}

// "I/N" with 1 <= I <= N.
Status parse_shard(const std::string& text, int* index, int* count) {
  const size_t slash = text.find('/');
  auto number = [](std::string_view s, int* out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && end == s.data() + s.size();
  };
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), index) ||
      !number(std::string_view(text).substr(slash + 1), count) || *count < 1 || *index < 1 ||
      *index > *count)
    return Status::invalid_argument(
        fmt::format("--shard {}: expected I/N with 1 <= I <= N, e.g. 2/4", text));
  return Status::ok();
}

int run(SuiteArgs& args) {
  Suite suite;
  if (Status st = read_suite_file(args.file, &suite); !st.is_ok()) {
    std::cerr << "faultline suite: " << st.message() << "\n";
    return st.code() == Status::Code::kIoError ? exit_code::kNoInput : exit_code::kMalformed;
  }
  for (SuiteCase& c : suite.cases) {
    if (Status st = apply_config_flags(*args.flags, &c.config); !st.is_ok()) {
      std::cerr << "faultline suite: " << st.message() << "\n";
      return exit_code::kUsage;
    }
  }
  std::vector<SuiteCase> cases = cases_tagged(suite.cases, args.tags);
  if (!args.case_ids.empty()) {
    if (Status st = select_cases(args.case_ids, &cases); !st.is_ok()) {
      std::cerr << "faultline suite: " << st.message() << "\n";
      return exit_code::kUsage;
    }
  }
  if (!args.shard.empty()) {
    int index = 1, count = 1;
    if (Status st = parse_shard(args.shard, &index, &count); !st.is_ok()) {
      std::cerr << "faultline suite: " << st.message() << "\n";
      return exit_code::kUsage;
    }
    cases = shard_cases(cases, index, count);
  }
  if (args.list) {
    for (const SuiteCase& c : cases)
      std::cout << fmt::format("{}\texpect {}\t{}\n", c.id, c.expect, c.config.to_json().dump());
    return exit_code::kValid;
  }
  args.options.verbosity = args.quiet     ? Verbosity::kQuiet
                           : args.verbose ? Verbosity::kVerbose
                                          : Verbosity::kNormal;
  if (args.options.parallel > 1) {
    for (const SuiteCase& c : cases) {
      if (!c.config.nodes_file.empty()) {
        std::cerr << fmt::format(
            "faultline suite: --parallel runs each case on a local cluster of its own; case {} "
            "uses the nodes file {}\n",
            c.id, c.config.nodes_file);
        return exit_code::kUsage;
      }
    }
    args.options.child_command = {self_executable(), "suite", args.file};
    for (std::string& flag : config_flag_args(*args.flags))
      args.options.child_command.push_back(std::move(flag));
  }
  SuiteRunner runner(suite.name, std::move(cases), args.options);
  SignalWatcher watcher(runner, "faultline suite");
  const int code = runner.run();
  if (!args.result_file.empty() && runner.results().size() == 1) {
    if (Status st = write_case_result(args.result_file, runner.results().front()); !st.is_ok()) {
      std::cerr << "faultline suite: " << st.message() << "\n";
      return exit_code::kInfrastructure;
    }
  }
  return code;
}

}  // namespace

void add_suite_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SuiteArgs>();
  CLI::App* cmd = app.add_subcommand(
      "suite",
      "Run a suite: every case of a suite file's matrix of tests, one after another, with a "
      "summary, JUnit XML and an exit code saying whether every case met its expectation");
  cmd->add_option("file", args->file, "Suite file (TOML, docs/suites.md)")->required();
  cmd->add_option("--shard", args->shard,
                  "Run only shard I of N (I/N): every N-th case, for spreading a suite over "
                  "parallel CI jobs");
  cmd->add_option("--tag", args->tags, "Run only the cases with this tag (repeatable)");
  cmd->add_option("--case", args->case_ids,
                  "Run only the case with this id, as --list shows it (repeatable)");
  cmd->add_option("--parallel", args->options.parallel,
                  "Run up to N cases at once, each on a local cluster of its own "
                  "(<cluster>1..<cluster>N), its output in a log file per case")
      ->check(CLI::Range(1, 16));
  cmd->add_option("--result-file", args->result_file,
                  "Write the result of the one case run here (used by --parallel)")
      ->group("");
  cmd->add_option("--suite-id", args->options.suite_id,
                  "Id recorded with every run (default: <name>-<UTC time>-<random>); give the "
                  "shards of one suite the same id");
  cmd->add_option("--suite-junit", args->options.junit,
                  "Write JUnit XML here: one test case per suite case");
  cmd->add_flag("--list", args->list, "List the cases (id, expectation, configuration) and exit");
  add_config_flags(cmd, args->flags);
  auto* quiet =
      cmd->add_flag("--quiet,-q", args->quiet, "Only each case's outcome and the summary");
  cmd->add_flag("--verbose,-v", args->verbose, "Each run's progress too")->excludes(quiet);
  cmd->callback([args, exit_code]() { *exit_code = run(*args); });
}

}  // namespace faultline
