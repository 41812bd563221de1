// faultline: finds consistency bugs in distributed systems. One executable,
// one subcommand per job; each subcommand lives in its own file.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string_view>

#include "base/exit_codes.h"
#include "harness/cli/check_command.h"
#include "harness/cli/cluster_command.h"
#include "harness/cli/db_command.h"
#include "harness/cli/report_command.h"
#include "harness/cli/run_command.h"
#include "harness/cli/runs_command.h"
#include "harness/cli/serve_command.h"
#include "harness/cli/sim_command.h"
#include "harness/cli/store_command.h"
#include "harness/cli/suite_command.h"

namespace {

using AddCommand = void (*)(CLI::App&, int*);
struct Command {
  const char* name;
  AddCommand add;
};
constexpr Command kCommands[] = {
    {"check", faultline::add_check_command}, {"cluster", faultline::add_cluster_command},
    {"db", faultline::add_db_command},       {"run", faultline::add_run_command},
    {"runs", faultline::add_runs_command},   {"report", faultline::add_report_command},
    {"serve", faultline::add_serve_command}, {"sim", faultline::add_sim_command},
    {"store", faultline::add_store_command}, {"suite", faultline::add_suite_command},
};

constexpr const char* kVersion = "faultline 0.1.0";

}  // namespace

int main(int argc, char** argv) {
  // Answered before CLI11, which reports --version by throwing: the first
  // exception a static executable throws sorts its whole unwind table, the
  // larger part of a bare start-up (docs/benchmarks.md, "Start-up").
  if (argc == 2 && std::string_view(argv[1]) == "--version") return std::puts(kVersion), 0;
  CLI::App app{"faultline: finds consistency bugs in distributed systems"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);  // listed in --help
  int exit_code = 0;
  // Only the subcommand named first is built, when one is: building every
  // command's options touches pages of code that start-up pays for in page
  // faults (docs/benchmarks.md, "Start-up"). Anything else (--help, a typo)
  // gets them all, so help and errors list every command; --version none.
  const std::string_view first = argc > 1 ? argv[1] : "";
  const Command* named = nullptr;
  for (const Command& c : kCommands)
    if (first == c.name) named = &c;
  if (first != "--version")  // which needs none
    for (const Command& c : kCommands)
      if (named == nullptr || named == &c) c.add(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return faultline::exit_code::kUsage;
  }
  return exit_code;
}
