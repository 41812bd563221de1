#include "harness/run/test_config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <charconv>
#include <filesystem>

#include "harness/nodes/toml_file.h"
#include "harness/run/test_file.h"

namespace faultline {
namespace {

template <class T>
Status parse_number(const char* name, const std::string& text, T min, T max, T* out) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
    return Status::invalid_argument(
        fmt::format("{} = {}: expected a number from {} to {}", name, text, min, max));
  *out = v;
  return Status::ok();
}

template <class T>
ConfigField number(const char* name, const char* help, T TestConfig::*field, T min, T max) {
  return {name, help, [=](TestConfig* c, const std::string& text) {
            return parse_number(name, text, min, max, &(c->*field));
          }};
}

ConfigField text(const char* name, const char* help, std::string TestConfig::*field) {
  return {name, help, [=](TestConfig* c, const std::string& value) {
            if (value.empty())
              return Status::invalid_argument(fmt::format("{}: expected a non-empty string", name));
            c->*field = value;
            return Status::ok();
          }};
}

ConfigField flag(const char* name, const char* help, bool TestConfig::*field) {
  return {name, help,
          [=](TestConfig* c, const std::string& value) {
            if (value != "true" && value != "false")
              return Status::invalid_argument(
                  fmt::format("{} = {}: expected true or false", name, value));
            c->*field = value == "true";
            return Status::ok();
          },
          true};
}

// A TOML value as the text a flag would carry.
bool value_text(const toml::node& n, std::string* out) {
  if (auto s = n.value_exact<std::string>())
    *out = *s;
  else if (auto i = n.value_exact<int64_t>())
    *out = std::to_string(*i);
  else if (auto d = n.value_exact<double>())
    *out = fmt::format("{}", *d);
  else if (auto b = n.value_exact<bool>())
    *out = *b ? "true" : "false";
  else
    return false;
  return true;
}

}  // namespace

const std::vector<ConfigField>& config_fields() {
  static const std::vector<ConfigField> fields = {
      text("name", "Test name (default: <target>-<workload>-<nemesis>)", &TestConfig::name),
      {"target", "System under test: raftkv, dht, etcd, paxos",
       [](TestConfig* c, const std::string& value) {
         c->target = value;
         c->target_file.clear();
         c->target_def.reset();
         return Status::ok();
       }},
      {"target-file", "A system under test defined in TOML (docs/targets.md)",
       [](TestConfig* c, const std::string& value) {
         auto def = std::make_shared<TargetFile>();
         if (Status st = parse_target_file(value, def.get()); !st.is_ok()) return st;
         c->target = def->name;
         c->target_file = value;
         c->target_def = std::move(def);
         return Status::ok();
       }},
      text("workload", "register, set, counter or bank", &TestConfig::workload),
      text("nemesis",
           "none, all, or a comma list of partition, loss, kill, pause, clock, corrupt, disk; "
           "kind:spec+spec draws that kind's faults from those specs only",
           &TestConfig::nemesis),
      number("nemesis-interval", "Mean seconds between faults", &TestConfig::nemesis_interval_s,
             0.1, 3600.0),
      text("nemesis-hold",
           "Kinds of --nemesis started first and held until the end (comma list), e.g. "
           "partition for a partition that lasts the whole run",
           &TestConfig::nemesis_hold),
      number("nodes", "Nodes of the local cluster the run brings up", &TestConfig::nodes, 1, 200),
      text("cluster", "Local cluster name (used if up, else brought up and down)",
           &TestConfig::cluster),
      text("cluster-root", "Directory of the local cluster directories", &TestConfig::cluster_root),
      text("nodes-file", "Real hosts to test on instead (TOML, docs/nodes.md)",
           &TestConfig::nodes_file),
      number("concurrency", "Client threads", &TestConfig::concurrency, 1, 1000),
      number("rate", "Client ops per second, all threads together", &TestConfig::rate, 0.1, 1e7),
      number("time-limit", "Seconds of client operations (before the final phase)",
             &TestConfig::time_limit_s, 0.1, 86400.0),
      {"seed", "Seed of every random choice (default: drawn and printed)",
       [](TestConfig* c, const std::string& value) {
         Status st = parse_number<uint64_t>("seed", value, 0, UINT64_MAX, &c->seed);
         c->seed_given = st.is_ok();
         return st;
       }},
      number("op-timeout", "Seconds before a client op is given up as indeterminate (info)",
             &TestConfig::op_timeout_s, 0.01, 600.0),
      number("recovery-timeout", "Seconds the cluster may take to serve again after healing",
             &TestConfig::recovery_timeout_s, 0.1, 3600.0),
      number("check-timeout", "Seconds the checkers may take (then: unknown)",
             &TestConfig::check_timeout_s, 0.1, 86400.0),
      text("store", "Directory of the run directories", &TestConfig::store),
      text("db", "SQLite database of runs (default: <store>/faultline.db)", &TestConfig::db),
      flag("keep-cluster", "Leave a local cluster this run brought up running",
           &TestConfig::keep_cluster),
      flag("keep-running", "Leave the target's servers running at the end",
           &TestConfig::keep_running),
      text("junit", "Also write JUnit XML to this file", &TestConfig::junit),
      text("revision", "Revision of the system under test (e.g. a git hash), recorded with the run",
           &TestConfig::revision),
  };
  return fields;
}

std::string TestConfig::test_name() const {
  if (!name.empty()) return name;
  std::string n = nemesis;
  for (char& ch : n)
    if (ch == ',') ch = '+';
  return fmt::format("{}-{}-{}", target, workload, n);
}

namespace {

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

}  // namespace

std::vector<std::string> TestConfig::nemesis_kinds() const {
  if (nemesis == "none") return {};
  return comma_list(nemesis);
}

std::vector<std::string> TestConfig::held_kinds() const { return comma_list(nemesis_hold); }

nlohmann::json TestConfig::to_json() const {
  return {{"name", test_name()},
          {"target", target},
          {"target_file", target_file},
          {"workload", workload},
          {"nemesis", nemesis},
          {"nemesis_interval_s", nemesis_interval_s},
          {"nemesis_hold", nemesis_hold},
          {"nodes", nodes},
          {"cluster", nodes_file.empty() ? cluster : ""},
          {"nodes_file", nodes_file},
          {"concurrency", concurrency},
          {"rate", rate},
          {"time_limit_s", time_limit_s},
          {"seed", seed},
          {"op_timeout_s", op_timeout_s},
          {"recovery_timeout_s", recovery_timeout_s},
          {"check_timeout_s", check_timeout_s},
          {"opts", opts},
          {"nemesis_opts", nemesis_opts},
          {"revision", revision},
          {"suite", suite},
          {"suite_run", suite_run},
          {"suite_case", suite_case},
          {"expect", expect},
          {"simulated", simulated},
          {"scenario", scenario == nullptr ? nlohmann::json()
                                           : nlohmann::json{{"ops", scenario->ops.size()},
                                                            {"faults", scenario->faults.size()}}}};
}

namespace {

Status error_at(const std::string& path, const toml::node& at, const std::string& what) {
  return Status::malformed(fmt::format("{}:{}: {}", path, at.source().begin.line, what));
}

}  // namespace

Status apply_test_option(const std::string& path, const std::string& table, const std::string& key,
                         const toml::node& value, TestConfig* config) {
  std::string t;
  if (!value_text(value, &t))
    return error_at(path, value,
                    fmt::format("{}.{}: expected a string, number or boolean", table, key));
  (table == "opt" ? config->opts : config->nemesis_opts)[key] = t;
  return Status::ok();
}

Status apply_test_key(const std::string& path, const std::string& name, const toml::node& value,
                      TestConfig* config) {
  if (name == "opt" || name == "nemesis_opt") {
    if (!value.is_table())
      return error_at(path, value,
                      fmt::format("'{0}' must be a table: [{0}] key = \"value\"", name));
    for (const auto& [k, v] : *value.as_table())
      if (Status st = apply_test_option(path, name, std::string(k.str()), v, config); !st.is_ok())
        return st;
    return Status::ok();
  }
  if (name == "scenario") {
    auto scenario = std::make_shared<Scenario>();
    if (Status st = parse_scenario(path, value, scenario.get()); !st.is_ok()) return st;
    config->scenario = std::move(scenario);
    return Status::ok();
  }
  if (name == "target" && value.is_table()) {
    auto def = std::make_shared<TargetFile>();
    if (Status st = parse_target_table(*value.as_table(), path, def.get()); !st.is_ok()) return st;
    config->target = def->name;
    config->target_file = path;
    config->target_def = std::move(def);
    return Status::ok();
  }
  const ConfigField* field = nullptr;
  for (const ConfigField& f : config_fields())
    if (name == f.name) field = &f;
  if (field == nullptr) {
    std::string known;
    for (const ConfigField& f : config_fields()) known += std::string(f.name) + ", ";
    return error_at(path, value,
                    fmt::format("unknown key '{}' (expected one of: {}opt, nemesis_opt, scenario)",
                                name, known));
  }
  std::string t;
  if (!value_text(value, &t))
    return error_at(path, value, fmt::format("{}: expected a string, number or boolean", name));
  // A target file named in a file is found next to that file.
  if (name == "target-file" && !t.empty() && t[0] != '/')
    t = (std::filesystem::absolute(path).parent_path() / t).lexically_normal().string();
  Status st = field->set(config, t);
  // A target file's own errors already say where they are.
  if (!st.is_ok() && st.code() != Status::Code::kMalformed)
    return error_at(path, value, st.message());
  return st;
}

Status read_test_file(const std::string& path, TestConfig* config) {
  toml::table root;
  if (Status s = read_toml_file(path, "test file", &root); !s.is_ok()) return s;
  for (const auto& [key, value] : root)
    if (Status st = apply_test_key(path, std::string(key.str()), value, config); !st.is_ok())
      return st;
  return Status::ok();
}

std::string test_file_text(const TestConfig& c) {
  auto quoted = [](const std::string& s) { return nlohmann::json(s).dump(); };
  std::string out;
  if (!c.name.empty()) out += fmt::format("name = {}\n", quoted(c.name));
  out += c.target_file.empty() ? fmt::format("target = {}\n", quoted(c.target))
                               : fmt::format("target-file = {}\n", quoted(c.target_file));
  out += fmt::format("workload = {}\nnemesis = {}\nnemesis-interval = {}\n", quoted(c.workload),
                     quoted(c.nemesis), c.nemesis_interval_s);
  if (!c.nemesis_hold.empty()) out += fmt::format("nemesis-hold = {}\n", quoted(c.nemesis_hold));
  if (c.nodes_file.empty()) out += fmt::format("nodes = {}\n", c.nodes);
  out += fmt::format("concurrency = {}\nrate = {}\ntime-limit = {}\n", c.concurrency, c.rate,
                     c.time_limit_s);
  // TOML integers stop at INT64_MAX; a larger seed is written as text.
  if (c.seed_given)
    out += c.seed <= uint64_t{INT64_MAX} ? fmt::format("seed = {}\n", c.seed)
                                         : fmt::format("seed = \"{}\"\n", c.seed);
  out += fmt::format("op-timeout = {}\nrecovery-timeout = {}\ncheck-timeout = {}\n", c.op_timeout_s,
                     c.recovery_timeout_s, c.check_timeout_s);
  for (const auto& [table, values] :
       {std::pair{"opt", &c.opts}, std::pair{"nemesis_opt", &c.nemesis_opts}}) {
    if (values->empty()) continue;
    out += fmt::format("\n[{}]\n", table);
    for (const auto& [key, value] : *values) out += fmt::format("{} = {}\n", key, quoted(value));
  }
  if (c.scenario != nullptr) out += "\n" + scenario_toml(*c.scenario);
  return out;
}

Status validate(const TestConfig& c) {
  if (c.nemesis.empty() || c.nemesis_kinds().empty() != (c.nemesis == "none"))
    return Status::invalid_argument(
        fmt::format("nemesis '{}': expected none, all, or a comma-separated list", c.nemesis));
  if (c.nodes_file.empty() && c.nodes < 1)
    return Status::invalid_argument("nodes must be at least 1");
  return Status::ok();
}

}  // namespace faultline
