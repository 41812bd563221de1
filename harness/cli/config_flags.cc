#include "harness/cli/config_flags.h"

#include "harness/cli/node_options.h"

namespace faultline {

void add_config_flags(CLI::App* cmd, const std::shared_ptr<ConfigFlags>& flags) {
  for (const ConfigField& field : config_fields()) {
    const std::string name = field.name;
    if (field.is_flag) {
      cmd->add_flag_function(
          "--" + name, [flags, name](int64_t) { flags->fields[name] = "true"; }, field.help);
      continue;
    }
    cmd->add_option_function<std::string>(
           "--" + name, [flags, name](const std::string& v) { flags->fields[name] = v; },
           field.help)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the last one given wins
  }
  add_target_options(cmd, &flags->opts);
  cmd->add_option("--nemesis-opt", flags->nemesis_opts,
                  "Nemesis option key=value (repeatable), e.g. bump-s=5; docs/nemesis.md lists "
                  "them");
}

Status apply_config_flags(const ConfigFlags& flags, TestConfig* config) {
  for (const ConfigField& field : config_fields()) {
    auto given = flags.fields.find(field.name);
    if (given == flags.fields.end()) continue;
    if (Status st = field.set(config, given->second); !st.is_ok()) {
      // A --target-file that cannot be read or is malformed says so itself.
      if (st.code() == Status::Code::kMalformed || st.code() == Status::Code::kIoError) return st;
      return Status::invalid_argument("--" + st.message());
    }
  }
  std::map<std::string, std::string> opts;
  if (Status st = parse_opts(flags.opts, &opts); !st.is_ok()) return st;
  for (auto& [key, value] : opts) config->opts[key] = value;
  std::map<std::string, std::string> nemesis_opts;
  if (Status st = parse_opts(flags.nemesis_opts, &nemesis_opts, "--nemesis-opt"); !st.is_ok())
    return st;
  for (auto& [key, value] : nemesis_opts) config->nemesis_opts[key] = value;
  return Status::ok();
}

std::vector<std::string> config_flag_args(const ConfigFlags& flags) {
  std::vector<std::string> args;
  for (const ConfigField& field : config_fields()) {
    auto given = flags.fields.find(field.name);
    if (given == flags.fields.end()) continue;
    args.push_back(std::string("--") + field.name);
    if (!field.is_flag) args.push_back(given->second);
  }
  for (const std::string& o : flags.opts) args.insert(args.end(), {"--opt", o});
  for (const std::string& o : flags.nemesis_opts) args.insert(args.end(), {"--nemesis-opt", o});
  return args;
}

}  // namespace faultline
