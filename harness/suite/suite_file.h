// Suite files: the matrix of runs `faultline suite FILE.toml` makes
// (docs/suites.md). A suite is test-file keys (docs/cli.md) in [defaults]
// and in each [[case]], where any key, and any key of [case.opt] or
// [case.nemesis_opt], may be an array: the case then stands for one run per
// combination of their values, each repeated `repeat` times.
//
//   name = "smoke"
//   [defaults]
//   nodes = 3
//   time-limit = 20
//   [[case]]
//   workload = ["register", "counter"]
//   nemesis = ["partition", "kill"]
//   [[case]]
//   name = "stale-read"
//   nemesis = "partition"
//   expect = "invalid"        # valid (the default), invalid or any
//   repeat = 3
//   tags = ["failpoint"]
//   [case.opt]
//   failpoint = "stale-read"
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "harness/run/test_config.h"

namespace faultline {

struct SuiteCase {
  // Unique in the suite: the case's name (default: the test name,
  // <target>-<workload>-<nemesis>), then "-key=value" for each matrix key
  // the name does not already say, then "#r" for the r-th of several repeats.
  std::string id;
  TestConfig config;   // its name is the id without the repeat
  std::string expect;  // "valid", "invalid" or "any"
  std::vector<std::string> tags;
  int line = 0;  // of its [[case]] in the file
};

struct Suite {
  std::string name;  // default: the file's name without .toml
  // In file order; a case's rows by its array keys in alphabetical order,
  // the last one changing fastest; repeats adjacent.
  std::vector<SuiteCase> cases;
};

// Reads and expands a suite file. Errors read "path:line: what was expected"
// (malformed) or that it cannot be read (io_error); every case is validated
// (validate() in test_config.h), so nothing runs when any case is wrong.
Status read_suite_file(const std::string& path, Suite* out);

// Shard `index` of `count` (1-based): every count-th case from the
// (index-1)-th, so that the repeats and rows of one case spread over the
// shards and every shard of one file gets the same slice on any machine.
std::vector<SuiteCase> shard_cases(const std::vector<SuiteCase>& cases, int index, int count);

// Keeps the cases whose id is one of `ids` (in file order); an id that
// names no case is an invalid_argument error.
Status select_cases(const std::vector<std::string>& ids, std::vector<SuiteCase>* cases);

// The cases carrying any of `tags` (all of them when `tags` is empty).
std::vector<SuiteCase> cases_tagged(const std::vector<SuiteCase>& cases,
                                    const std::vector<std::string>& tags);

}  // namespace faultline
