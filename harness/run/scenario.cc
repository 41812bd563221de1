#include "harness/run/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>

#include "harness/generator/script.h"
#include "harness/run/run_executor.h"
#include "harness/run/test_file.h"

namespace faultline {
namespace {

// --- Writing: JSON values as TOML inline values.

bool bare_key(const std::string& key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// False if `v` holds a null (TOML has none).
bool toml_value(const nlohmann::json& v, std::string* out) {
  switch (v.type()) {
    case nlohmann::json::value_t::string: *out += v.dump(); return true;  // JSON escapes are TOML's
    case nlohmann::json::value_t::boolean: *out += v.get<bool>() ? "true" : "false"; return true;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: *out += v.dump(); return true;
    case nlohmann::json::value_t::number_float: {
      std::string text = fmt::format("{}", v.get<double>());
      if (text.find_first_of(".e") == std::string::npos) text += ".0";  // stays a float
      *out += text;
      return true;
    }
    case nlohmann::json::value_t::array: {
      *out += "[";
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) *out += ", ";
        if (!toml_value(v[i], out)) return false;
      }
      *out += "]";
      return true;
    }
    case nlohmann::json::value_t::object: {
      *out += "{";
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        *out += first ? "" : ", ";
        first = false;
        *out += (bare_key(key) ? key : nlohmann::json(key).dump()) + " = ";
        if (!toml_value(item, out)) return false;
      }
      *out += "}";
      return true;
    }
    default: return false;  // null, binary, discarded
  }
}

// `name = value`, or `name_json = "<JSON text>"` for a value TOML cannot
// hold (a null inside it); nothing for null.
std::string toml_field(const std::string& name, const nlohmann::json& v) {
  if (v.is_null()) return "";
  std::string text;
  if (toml_value(v, &text)) return fmt::format(", {} = {}", name, text);
  return fmt::format(", {}_json = {}", name, nlohmann::json(v.dump()).dump());
}

std::string event_line(const ScenarioEvent& e, bool fault) {
  std::string line = fmt::format("  {{at = {:.9f}", static_cast<double>(e.at) / 1e9);
  if (!fault) line += fmt::format(", process = {}", e.process);
  line += ", f = " + nlohmann::json(e.f).dump();
  line += toml_field("key", e.key) + toml_field("value", e.value);
  return line + "},\n";
}

// --- Reading.

Status error_at(const std::string& path, const toml::node& at, const std::string& what) {
  return Status::malformed(fmt::format("{}:{}: {}", path, at.source().begin.line, what));
}

Status to_json(const std::string& path, const toml::node& n, nlohmann::json* out) {
  if (auto s = n.value_exact<std::string>()) {
    *out = *s;
  } else if (auto i = n.value_exact<int64_t>()) {
    *out = *i;
  } else if (auto d = n.value_exact<double>()) {
    *out = *d;
  } else if (auto b = n.value_exact<bool>()) {
    *out = *b;
  } else if (const toml::array* a = n.as_array()) {
    *out = nlohmann::json::array();
    for (const toml::node& item : *a) {
      nlohmann::json v;
      if (Status st = to_json(path, item, &v); !st.is_ok()) return st;
      out->push_back(std::move(v));
    }
  } else if (const toml::table* t = n.as_table()) {
    *out = nlohmann::json::object();
    for (const auto& [key, item] : *t)
      if (Status st = to_json(path, item, &(*out)[std::string(key.str())]); !st.is_ok()) return st;
  } else {
    return error_at(path, n, "expected a string, number, boolean, array or table");
  }
  return Status::ok();
}

Status parse_event(const std::string& path, const toml::node& node, bool fault,
                   ScenarioEvent* out) {
  const std::string what = fault ? "scenario.faults" : "scenario.ops";
  const toml::table* t = node.as_table();
  if (t == nullptr)
    return error_at(path, node,
                    fmt::format("{}: expected {{at = seconds, {}f = \"...\", ...}}", what,
                                fault ? "" : "process = N, "));
  *out = ScenarioEvent{};
  out->process = kNemesisProcess;
  bool has_at = false;
  bool has_process = fault;  // faults have none: they run on the nemesis thread
  for (const auto& [k, v] : *t) {
    const std::string key(k.str());
    if (key == "at") {
      const std::optional<double> s = v.value<double>();
      if (!s || !(*s >= 0) || *s > 1e6)
        return error_at(path, v, fmt::format("{}.at: expected seconds from 0", what));
      out->at = std::llround(*s * 1e9);
      has_at = true;
    } else if (key == "process" && !fault) {
      const std::optional<int64_t> p = v.value_exact<int64_t>();
      if (!p || *p < 0)
        return error_at(path, v, fmt::format("{}.process: expected an integer >= 0", what));
      out->process = *p;
      has_process = true;
    } else if (key == "f") {
      const std::optional<std::string> f = v.value_exact<std::string>();
      if (!f || f->empty()) return error_at(path, v, fmt::format("{}.f: expected a name", what));
      out->f = *f;
    } else if (key == "key" || key == "value") {
      if (Status st = to_json(path, v, key == "key" ? &out->key : &out->value); !st.is_ok())
        return st;
    } else if (key == "key_json" || key == "value_json") {
      const std::optional<std::string> text = v.value_exact<std::string>();
      nlohmann::json& into = key == "key_json" ? out->key : out->value;
      if (text) into = nlohmann::json::parse(*text, nullptr, false);
      if (!text || into.is_discarded())
        return error_at(path, v, fmt::format("{}.{}: expected a JSON text", what, key));
    } else {
      return error_at(path, v,
                      fmt::format("{}: unknown key '{}' (expected at, {}f, key, value)", what, key,
                                  fault ? "" : "process, "));
    }
  }
  if (!has_at || out->f.empty() || !has_process)
    return error_at(
        path, node,
        fmt::format("{}: every event needs at and f{}", what, fault ? "" : " and process"));
  return Status::ok();
}

}  // namespace

Status parse_scenario(const std::string& path, const toml::node& value, Scenario* out) {
  const toml::table* t = value.as_table();
  if (t == nullptr)
    return error_at(path, value,
                    "'scenario' must be a table: [scenario] ops = [...], faults = [...]");
  *out = Scenario{};
  for (const auto& [k, v] : *t) {
    const std::string key(k.str());
    if (key != "ops" && key != "faults")
      return error_at(path, v,
                      fmt::format("scenario: unknown key '{}' (expected ops, faults)", key));
    const toml::array* events = v.as_array();
    if (events == nullptr)
      return error_at(path, v, fmt::format("scenario.{}: expected an array of tables", key));
    std::vector<ScenarioEvent>& into = key == "ops" ? out->ops : out->faults;
    for (const toml::node& e : *events) {
      into.emplace_back();
      if (Status st = parse_event(path, e, key == "faults", &into.back()); !st.is_ok()) return st;
    }
  }
  return Status::ok();
}

Status scenario_from_history(const History& history, Scenario* out) {
  *out = Scenario{};
  const std::vector<Event>& events = history.events;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (e.type != EventType::kInvoke) continue;
    const std::string& f = history.function_name(e);
    if (e.is_nemesis() && f == kHealOp) break;  // the final phase
    ScenarioEvent s;
    s.at = e.time;
    s.process = e.process;
    s.f = f;
    if (e.key != History::kNoKey) s.key = nlohmann::json::parse(history.keys.text(e.key));
    s.value = history.values.json(e.value);
    if (!e.is_nemesis()) {
      out->ops.push_back(std::move(s));
      continue;
    }
    if (f.starts_with("start-")) {  // the nemesis thread's next event is its completion
      for (size_t j = i + 1; j < events.size(); ++j) {
        if (!events[j].is_nemesis()) continue;
        const nlohmann::json replay =
            fault_replay_value(f.substr(6), history.values.json(events[j].value));
        if (!replay.is_null()) s.value = replay;
        break;
      }
    }
    out->faults.push_back(std::move(s));
  }
  return Status::ok();
}

Status check_scenario(const Scenario& scenario, const std::vector<FaultPlan>& plans) {
  std::mt19937_64 rng(0);  // parse_fault_start draws nothing for a value that is given
  for (const ScenarioEvent& e : scenario.faults) {
    const std::string where = fmt::format("scenario fault {} at {:.3f} s", e.f, e.at / 1e9);
    const bool start = e.f.starts_with("start-");
    const std::string kind = e.f.substr(start ? 6 : e.f.starts_with("stop-") ? 5 : 0);
    const auto plan = std::find_if(plans.begin(), plans.end(),
                                   [&](const FaultPlan& p) { return p.kind == kind; });
    if (kind == e.f || plan == plans.end())
      return Status::invalid_argument(fmt::format(
          "{}: expected start-X or stop-X with X a fault kind the test's nemesis plans", where));
    FaultStart parsed;
    if (start && !e.value.is_null())
      if (Status st = parse_fault_start(kind, e.value, {""}, rng, &parsed); !st.is_ok())
        return Status::invalid_argument(fmt::format("{}: {}", where, st.message()));
  }
  for (const ScenarioEvent& e : scenario.ops)
    if (e.process < 0 || e.f.empty())
      return Status::invalid_argument(
          fmt::format("scenario op at {:.3f} s: expected a process >= 0 and an f", e.at / 1e9));
  return Status::ok();
}

GenPtr scenario_generator(const Scenario& scenario, int concurrency, int64_t time_limit) {
  auto script = [&](const std::vector<ScenarioEvent>& events) {
    std::vector<gen::ScriptedOp> ops;
    for (const ScenarioEvent& e : events) {
      Op op;
      op.time = e.at;
      op.f = e.f;
      op.key = e.key;
      op.value = e.value;
      const int thread =
          e.process == kNemesisProcess ? kNemesisThread : static_cast<int>(e.process % concurrency);
      ops.push_back({thread, std::move(op)});
    }
    return gen::script(std::move(ops));
  };
  // Lasts the time limit, as the random main phase does, even when its last
  // event is earlier (the final phase then starts when it would have), and
  // past it until every event ran (a real run may start one late).
  return gen::any(gen::list(gen::on_clients(script(scenario.ops)),
                            gen::on_nemesis(script(scenario.faults)),
                            gen::sleep(std::chrono::nanoseconds(time_limit))));
}

std::string scenario_toml(const Scenario& scenario) {
  std::string out = "[scenario]\nops = [\n";
  for (const ScenarioEvent& e : scenario.ops) out += event_line(e, false);
  out += "]\nfaults = [\n";
  for (const ScenarioEvent& e : scenario.faults) out += event_line(e, true);
  return out + "]\n";
}

}  // namespace faultline
