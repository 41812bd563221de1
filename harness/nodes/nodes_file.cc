#include "harness/nodes/nodes_file.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "harness/nodes/toml_file.h"

namespace faultline {
namespace {

std::string resolve_path(const std::string& text, const std::filesystem::path& base) {
  if (text.rfind("~/", 0) == 0) {
    const char* home = getenv("HOME");
    return std::string(home != nullptr ? home : "") + text.substr(1);
  }
  std::filesystem::path p(text);
  return p.is_absolute() ? text : (base / p).lexically_normal().string();
}

class Parser {
 public:
  Parser(std::string path, std::filesystem::path base) : path_(std::move(path)), base_(base) {}

  Status error(const toml::node& at, const std::string& what) const {
    return Status::malformed(fmt::format("{}:{}: {}", path_, at.source().begin.line, what));
  }

  // A string field; `*found` false (and no error) when absent and optional.
  Status string_field(const toml::table& t, const char* key, bool required, std::string* out,
                      const std::string& where) const {
    const toml::node* n = t.get(key);
    if (n == nullptr)
      return required ? error(t, fmt::format("{} has no '{}' (a string is required)", where, key))
                      : Status::ok();
    if (!n->is_string() || n->as_string()->get().empty())
      return error(*n, fmt::format("{}: '{}' must be a non-empty string", where, key));
    *out = n->as_string()->get();
    return Status::ok();
  }

  Status node(const toml::table& t, size_t index, SshTarget* target) const {
    const std::string where = fmt::format("[[node]] #{}", index + 1);
    static const std::set<std::string> kKeys = {"name", "host", "port", "user", "key", "sudo"};
    for (const auto& [key, value] : t)
      if (kKeys.count(std::string(key.str())) == 0)
        return error(value, fmt::format("{}: unknown field '{}' (expected name, host, port, "
                                        "user, key, sudo)",
                                        where, key.str()));
    if (Status st = string_field(t, "name", true, &target->node, where); !st.is_ok()) return st;
    const std::string named = fmt::format("node '{}'", target->node);
    if (Status st = string_field(t, "host", true, &target->host, named); !st.is_ok()) return st;
    if (Status st = string_field(t, "user", false, &target->user, named); !st.is_ok()) return st;
    std::string key;
    if (Status st = string_field(t, "key", true, &key, named); !st.is_ok()) return st;
    target->key_file = resolve_path(key, base_);
    if (const toml::node* port = t.get("port")) {
      if (!port->is_integer() || port->as_integer()->get() < 1 || port->as_integer()->get() > 65535)
        return error(*port, fmt::format("{}: 'port' must be an integer 1..65535", named));
      target->port = static_cast<int>(port->as_integer()->get());
    }
    target->sudo = target->user != "root";
    if (const toml::node* sudo = t.get("sudo")) {
      if (!sudo->is_boolean())
        return error(*sudo, fmt::format("{}: 'sudo' must be true or false", named));
      target->sudo = sudo->as_boolean()->get();
    }
    return Status::ok();
  }

 private:
  std::string path_;
  std::filesystem::path base_;
};

}  // namespace

Status parse_nodes_file(const std::string& path, NodesFile* out) {
  toml::table root;
  if (Status s = read_toml_file(path, "nodes file", &root); !s.is_ok()) return s;
  const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  Parser parser(path, base);
  NodesFile file;
  file.path = path;
  for (const auto& [key, value] : root)
    if (key.str() != "node" && key.str() != "known_hosts")
      return parser.error(value, fmt::format("unknown top-level field '{}' (expected "
                                             "known_hosts and [[node]] tables)",
                                             key.str()));
  std::string known_hosts = "~/.ssh/known_hosts";
  if (Status st = parser.string_field(root, "known_hosts", false, &known_hosts, "the file");
      !st.is_ok())
    return st;
  file.known_hosts = resolve_path(known_hosts, base);
  const toml::node* nodes = root.get("node");
  if (nodes == nullptr)
    return Status::malformed(fmt::format("{}:1: no [[node]] tables: list at least one node", path));
  if (!nodes->is_array_of_tables())
    return parser.error(*nodes, "'node' must be an array of tables, written [[node]]");
  std::set<std::string> names;
  size_t index = 0;
  for (const toml::node& element : *nodes->as_array()) {
    SshTarget target;
    if (Status st = parser.node(*element.as_table(), index++, &target); !st.is_ok()) return st;
    if (!names.insert(target.node).second)
      return parser.error(element, fmt::format("node '{}' is listed twice", target.node));
    file.nodes.push_back(target);
  }
  *out = std::move(file);
  return Status::ok();
}

}  // namespace faultline
