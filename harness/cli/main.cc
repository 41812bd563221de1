// faultline: finds consistency bugs in distributed systems. One executable,
// one subcommand per job; each subcommand lives in its own file.
#include <CLI/CLI.hpp>

#include "base/exit_codes.h"
#include "harness/cli/check_command.h"
#include "harness/cli/cluster_command.h"
#include "harness/cli/db_command.h"
#include "harness/cli/report_command.h"
#include "harness/cli/run_command.h"
#include "harness/cli/runs_command.h"
#include "harness/cli/serve_command.h"
#include "harness/cli/store_command.h"
#include "harness/cli/suite_command.h"

int main(int argc, char** argv) {
  CLI::App app{"faultline: finds consistency bugs in distributed systems"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "faultline 0.1.0");
  int exit_code = 0;
  faultline::add_check_command(app, &exit_code);
  faultline::add_cluster_command(app, &exit_code);
  faultline::add_db_command(app, &exit_code);
  faultline::add_run_command(app, &exit_code);
  faultline::add_runs_command(app, &exit_code);
  faultline::add_report_command(app, &exit_code);
  faultline::add_serve_command(app, &exit_code);
  faultline::add_store_command(app, &exit_code);
  faultline::add_suite_command(app, &exit_code);
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
