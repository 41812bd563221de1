// The TOML side of test_config.h: one key of a test file applied to a
// TestConfig, for test files (read_test_file) and the cases of a suite file
// (harness/suite/suite_file.h), which are test-file keys with matrices.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "base/status.h"
#include "harness/run/scenario.h"
#include "harness/run/test_config.h"

namespace faultline {

// Applies `name` = `value`: a field of config_fields(), or an [opt] or
// [nemesis_opt] table. Errors read "path:line: what was expected" (malformed).
Status apply_test_key(const std::string& path, const std::string& name, const toml::node& value,
                      TestConfig* config);
// Applies one key of the [opt] or [nemesis_opt] table (`table`).
Status apply_test_option(const std::string& path, const std::string& table, const std::string& key,
                         const toml::node& value, TestConfig* config);

// Reads a [scenario] table (`value`, the table under the key) of the file at
// `path` (scenario.h). Errors read "path:line: what was expected" (malformed).
Status parse_scenario(const std::string& path, const toml::node& value, Scenario* out);

}  // namespace faultline
