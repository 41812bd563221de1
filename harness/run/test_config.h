// TestConfig: everything that defines one `faultline run` — target, workload,
// nemesis, nodes, concurrency, rate, time limit, seed, target options — from
// flags or a TOML test file (flags override the file). The same field table
// serves both, so a file key is always its flag's name without "--"
// (docs/cli.md, docs/examples/*.toml).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/db/target_file.h"
#include "harness/nodes/cluster_state.h"

namespace faultline {

struct Scenario;

struct TestConfig {
  std::string name;  // default: <target>-<workload>-<nemesis>
  std::string target = "raftkv";
  // A config-defined target (--target-file FILE, or a [target] table in the
  // test file: then the test file's path), read and checked when set; target
  // is then its name. Setting target clears both.
  std::string target_file;
  std::shared_ptr<const TargetFile> target_def;
  std::string workload = "register";
  std::string nemesis = "partition,kill";  // none, all, or a comma-separated list of kinds
  double nemesis_interval_s = 5;
  // Kinds of `nemesis` started first and held until the end (a comma list,
  // hold_fault_plans); "" for none.
  std::string nemesis_hold;
  int nodes = 5;  // local cluster size when the run brings one up
  std::string cluster = "local";
  std::string cluster_root = kDefaultClusterRoot;
  std::string nodes_file;  // real hosts instead of a local cluster
  int concurrency = 10;
  double rate = 200;  // ops per second across all client threads
  double time_limit_s = 60;
  uint64_t seed = 0;
  bool seed_given = false;  // else a seed is drawn and recorded
  double op_timeout_s = 2;
  double recovery_timeout_s = 30;  // after healing, for the cluster to serve again
  double check_timeout_s = 120;
  std::string store = "store";              // store directories: <store>/<name>/<timestamp>/
  std::string db;                           // default <store>/faultline.db
  std::map<std::string, std::string> opts;  // target options
  std::map<std::string, std::string> nemesis_opts;  // NemesisOptions (apply_nemesis_options)
  bool keep_cluster = false;                        // leave a cluster this run brought up running
  bool keep_running = false;                        // leave the target's servers running at the end
  std::string junit;                                // write JUnit XML here
  std::string revision;    // the system under test's revision (e.g. a git hash), recorded
  bool simulated = false;  // set by `faultline sim`: recorded, so that stores tell sim runs apart
  // A recorded scenario (a test file's [scenario] table, scenario.h): the
  // main phase replays its ops and faults instead of the random generator's.
  std::shared_ptr<const Scenario> scenario;
  // Set by `faultline suite`: the suite's name, its run's id, the case's id
  // and the verdict the case expects ("valid", "invalid" or "any").
  std::string suite, suite_run, suite_case, expect;

  std::string test_name() const;
  std::vector<std::string> nemesis_kinds() const;  // [] for none
  std::vector<std::string> held_kinds() const;     // nemesis_hold's
  nlohmann::json to_json() const;
};

// One configurable field, for the TOML reader and the CLI.
struct ConfigField {
  const char* name;  // file key and flag name (without "--")
  const char* help;
  // Sets the field from a TOML value's text form, e.g. "12", "0.5", "true",
  // "kill,partition"; a bad value is an invalid_argument error saying what
  // was expected.
  std::function<Status(TestConfig*, const std::string&)> set;
  // A boolean: a bare flag on the command line, true or false in a file.
  bool is_flag = false;
};

const std::vector<ConfigField>& config_fields();

// Reads a test file into `config` (on top of what it holds). Errors say
// "path:line: what was expected" (malformed) or that it cannot be read (io_error).
Status read_test_file(const std::string& path, TestConfig* config);

// `config` as a test file that read_test_file reads back: the keys that
// define the test (not where it runs or stores), [opt], [nemesis_opt] and
// [scenario].
std::string test_file_text(const TestConfig& config);

// Checks values that do not depend on anything else (ranges, names).
Status validate(const TestConfig& config);

}  // namespace faultline
