// The flags of a TestConfig (config_fields(), --opt, --nemesis-opt) for the
// commands that take them: `faultline run`, and `faultline suite`, where
// they override every case.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/run/test_config.h"

namespace faultline {

struct ConfigFlags {
  std::map<std::string, std::string> fields;  // flag name -> value, as given
  std::vector<std::string> opts;
  std::vector<std::string> nemesis_opts;
};

void add_config_flags(CLI::App* cmd, const std::shared_ptr<ConfigFlags>& flags);

// Applies the flags given on top of `config`; errors are usage errors
// naming the flag.
Status apply_config_flags(const ConfigFlags& flags, TestConfig* config);

// The flags given, as command-line arguments that give them again (for a
// child `faultline suite` process running one case).
std::vector<std::string> config_flag_args(const ConfigFlags& flags);

}  // namespace faultline
