#include "harness/suite/suite_file.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "harness/nodes/toml_file.h"
#include "harness/run/test_file.h"

namespace faultline {
namespace {

constexpr size_t kMaxCases = 10000;  // a matrix past this is a mistake

Status error_at(const std::string& path, const toml::node& at, const std::string& what) {
  return Status::malformed(fmt::format("{}:{}: {}", path, at.source().begin.line, what));
}

// A key whose value is an array: one run per element.
struct Dimension {
  std::string table;  // "" for a key of the case, else "opt" or "nemesis_opt"
  std::string key;
  const toml::array* values;
};

// A scalar as the id shows it.
std::string id_text(const toml::node& n) {
  if (auto s = n.value_exact<std::string>()) return *s;
  if (auto i = n.value_exact<int64_t>()) return std::to_string(*i);
  if (auto d = n.value_exact<double>()) return fmt::format("{}", *d);
  if (auto b = n.value_exact<bool>()) return *b ? "true" : "false";
  return "?";
}

bool is_case_key(const std::string& key) {
  return key == "name" || key == "repeat" || key == "expect" || key == "tags";
}

class Expander {
 public:
  Expander(const std::string& path, const toml::table* defaults)
      : path_(path), defaults_(defaults) {}

  Status expand(const toml::table& c, std::vector<SuiteCase>* out) {
    SuiteCase proto;
    proto.line = static_cast<int>(c.source().begin.line);
    proto.expect = "valid";
    std::string name;
    int64_t repeat = 1;
    std::vector<Dimension> dims;
    for (const auto& [k, v] : c) {
      const std::string key(k.str());
      if (key == "name") {
        if (!v.value_exact<std::string>() || v.value_exact<std::string>()->empty())
          return error_at(path_, v, "name: expected a non-empty string");
        name = *v.value_exact<std::string>();
      } else if (key == "repeat") {
        auto n = v.value_exact<int64_t>();
        if (!n || *n < 1 || *n > 1000)
          return error_at(path_, v, "repeat: expected a whole number from 1 to 1000");
        repeat = *n;
      } else if (key == "expect") {
        auto e = v.value_exact<std::string>();
        if (!e || (*e != "valid" && *e != "invalid" && *e != "any"))
          return error_at(path_, v, "expect: expected \"valid\", \"invalid\" or \"any\"");
        proto.expect = *e;
      } else if (key == "tags") {
        if (!v.is_array()) return error_at(path_, v, "tags: expected an array of strings");
        for (const toml::node& t : *v.as_array()) {
          if (!t.value_exact<std::string>())
            return error_at(path_, t, "tags: expected an array of strings");
          proto.tags.push_back(*t.value_exact<std::string>());
        }
      } else if ((key == "opt" || key == "nemesis_opt") && v.is_table()) {
        for (const auto& [ok, ov] : *v.as_table())
          if (ov.is_array()) dims.push_back({key, std::string(ok.str()), ov.as_array()});
      } else if (v.is_array()) {
        dims.push_back({"", key, v.as_array()});
      }
    }
    size_t rows = 1;
    for (const Dimension& d : dims) {
      if (d.values->empty())
        return error_at(path_, *d.values, fmt::format("{}: an empty array gives no runs", d.key));
      for (const toml::node& e : *d.values)
        if (e.is_array() || e.is_table())
          return error_at(path_, e, fmt::format("{}: expected a string, number or boolean", d.key));
      rows *= d.values->size();
      if (rows * static_cast<size_t>(repeat) > kMaxCases)
        return error_at(path_, c, fmt::format("the case makes more than {} runs", kMaxCases));
    }
    std::vector<size_t> pick(dims.size(), 0);
    for (size_t row = 0; row < rows; ++row) {
      SuiteCase sc = proto;
      if (Status st = configure(c, dims, pick, &sc.config); !st.is_ok()) return st;
      std::string id = name.empty() ? sc.config.test_name() : name;
      for (size_t i = 0; i < dims.size(); ++i) {
        const bool said =
            name.empty() && dims[i].table.empty() &&
            (dims[i].key == "target" || dims[i].key == "workload" || dims[i].key == "nemesis");
        if (said) continue;
        std::string value = id_text((*dims[i].values)[pick[i]]);
        std::replace(value.begin(), value.end(), ',', '+');  // as test names write lists
        id += fmt::format("-{}={}", dims[i].key, value);
      }
      sc.config.name = id;
      if (Status st = validate(sc.config); !st.is_ok())
        return error_at(path_, c, fmt::format("case {}: {}", id, st.message()));
      for (int64_t r = 1; r <= repeat; ++r) {
        sc.id = repeat > 1 ? fmt::format("{}#{}", id, r) : id;
        out->push_back(sc);
      }
      for (size_t i = dims.size(); i-- > 0;) {  // the next combination, last key fastest
        if (++pick[i] < dims[i].values->size()) break;
        pick[i] = 0;
      }
    }
    return Status::ok();
  }

 private:
  // The defaults, then the case's keys with each dimension at its pick.
  Status configure(const toml::table& c, const std::vector<Dimension>& dims,
                   const std::vector<size_t>& pick, TestConfig* config) {
    if (defaults_) {
      for (const auto& [k, v] : *defaults_)
        if (Status st = apply_test_key(path_, std::string(k.str()), v, config); !st.is_ok())
          return st;
    }
    auto picked = [&](const std::string& table, const std::string& key) -> const toml::node* {
      for (size_t i = 0; i < dims.size(); ++i)
        if (dims[i].table == table && dims[i].key == key) return &(*dims[i].values)[pick[i]];
      return nullptr;
    };
    for (const auto& [k, v] : c) {
      const std::string key(k.str());
      if (is_case_key(key)) continue;
      if ((key == "opt" || key == "nemesis_opt") && v.is_table()) {
        for (const auto& [ok, ov] : *v.as_table()) {
          const std::string opt(ok.str());
          const toml::node* value = picked(key, opt);
          if (Status st = apply_test_option(path_, key, opt, value ? *value : ov, config);
              !st.is_ok())
            return st;
        }
        continue;
      }
      const toml::node* value = picked("", key);
      if (Status st = apply_test_key(path_, key, value ? *value : v, config); !st.is_ok())
        return st;
    }
    return Status::ok();
  }

  const std::string& path_;
  const toml::table* defaults_;
};

}  // namespace

Status read_suite_file(const std::string& path, Suite* out) {
  *out = Suite();
  toml::table root;
  if (Status st = read_toml_file(path, "suite file", &root); !st.is_ok()) return st;
  out->name = std::filesystem::path(path).stem().string();
  const toml::table* defaults = nullptr;
  const toml::array* cases = nullptr;
  for (const auto& [k, v] : root) {
    const std::string key(k.str());
    if (key == "name") {
      if (!v.value_exact<std::string>() || v.value_exact<std::string>()->empty())
        return error_at(path, v, "name: expected a non-empty string");
      out->name = *v.value_exact<std::string>();
    } else if (key == "defaults") {
      if (!v.is_table()) return error_at(path, v, "defaults: expected a table: [defaults]");
      defaults = v.as_table();
    } else if (key == "case") {
      if (!v.is_array_of_tables()) return error_at(path, v, "case: expected tables: [[case]]");
      cases = v.as_array();
    } else {
      return error_at(path, v,
                      fmt::format("unknown key '{}' (expected name, [defaults] or [[case]])", key));
    }
  }
  if (cases == nullptr || cases->empty())
    return Status::malformed(fmt::format("{}: no [[case]]: a suite needs at least one", path));
  Expander expander(path, defaults);
  for (const toml::node& c : *cases)
    if (Status st = expander.expand(*c.as_table(), &out->cases); !st.is_ok()) return st;
  std::map<std::string, int> lines;
  for (const SuiteCase& c : out->cases) {
    auto [it, inserted] = lines.try_emplace(c.id, c.line);
    if (!inserted)
      return Status::malformed(
          fmt::format("{}:{}: case {} is also made by the case at line {}: give one a name", path,
                      c.line, c.id, it->second));
  }
  return Status::ok();
}

std::vector<SuiteCase> shard_cases(const std::vector<SuiteCase>& cases, int index, int count) {
  std::vector<SuiteCase> out;
  for (size_t i = static_cast<size_t>(index - 1); i < cases.size(); i += static_cast<size_t>(count))
    out.push_back(cases[i]);
  return out;
}

std::vector<SuiteCase> cases_tagged(const std::vector<SuiteCase>& cases,
                                    const std::vector<std::string>& tags) {
  if (tags.empty()) return cases;
  std::vector<SuiteCase> out;
  for (const SuiteCase& c : cases)
    if (std::any_of(c.tags.begin(), c.tags.end(), [&](const std::string& t) {
          return std::find(tags.begin(), tags.end(), t) != tags.end();
        }))
      out.push_back(c);
  return out;
}

Status select_cases(const std::vector<std::string>& ids, std::vector<SuiteCase>* cases) {
  for (const std::string& id : ids) {
    if (std::none_of(cases->begin(), cases->end(), [&](const SuiteCase& c) { return c.id == id; }))
      return Status::invalid_argument(
          fmt::format("--case {}: no such case (faultline suite FILE --list shows them)", id));
  }
  std::erase_if(*cases, [&](const SuiteCase& c) {
    return std::find(ids.begin(), ids.end(), c.id) == ids.end();
  });
  return Status::ok();
}

}  // namespace faultline
