#include "harness/db/target_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "harness/db/template.h"

namespace faultline {
namespace {

// The placeholders every node command may use; lists and options add theirs.
const std::set<std::string> kNodePlaceholders = {"node", "index",    "host",  "port",
                                                 "dir",  "data_dir", "nodes", "hosts"};
// A list's item template: the node it stands for.
const std::set<std::string> kItemPlaceholders = {"node", "index", "host", "port"};

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

class Parser {
 public:
  explicit Parser(std::string path) : path_(std::move(path)) {}

  Status error(const toml::node& at, const std::string& what) const {
    return Status::malformed(fmt::format("{}:{}: {}", path_, at.source().begin.line, what));
  }

  // Every key of `t` must be one of `known`.
  Status only_keys(const toml::table& t, const std::string& where,
                   const std::set<std::string>& known) const {
    for (const auto& [key, value] : t) {
      if (known.count(std::string(key.str())) == 0) {
        std::string list;
        for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
        return error(value,
                     fmt::format("unknown key '{}' in {} (known: {})", key.str(), where, list));
      }
    }
    return Status::ok();
  }

  Status string(const toml::table& t, const std::string& where, const char* key, bool required,
                std::string* out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr)
      return required ? error(t, fmt::format("{} needs '{}'", where, key)) : Status::ok();
    if (!n->is_string()) return error(*n, fmt::format("{}.{} must be a string", where, key));
    *out = n->as_string()->get();
    return Status::ok();
  }

  Status strings(const toml::table& t, const std::string& where, const char* key, bool required,
                 std::vector<std::string>* out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr)
      return required ? error(t, fmt::format("{} needs '{}'", where, key)) : Status::ok();
    const toml::array* a = n->as_array();
    if (a == nullptr)
      return error(*n, fmt::format("{}.{} must be an array of strings", where, key));
    out->clear();
    for (const toml::node& e : *a) {
      if (!e.is_string())
        return error(e, fmt::format("{}.{} must be an array of strings", where, key));
      out->push_back(e.as_string()->get());
    }
    return Status::ok();
  }

  // A template at `at`, with placeholders from `allowed`.
  Status check(const toml::node& at, const std::string& text,
               const std::set<std::string>& allowed) const {
    const Status st = template_names(text, allowed);
    return st.is_ok() ? st : error(at, st.message());
  }

  // ready / primary: a string naming a built-in probe, or { command = "..." }
  // (or, for primary, { resp-info = "field:value" }).
  Status probe(const toml::table& t, const char* key, bool primary,
               const std::set<std::string>& placeholders, TargetFile* out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return Status::ok();
    TargetFile::Probe& probe = primary ? out->primary : out->ready;
    const std::string where = fmt::format("target.{}", key);
    if (n->is_string()) {
      const std::string v = n->as_string()->get();
      if (v == "etcd-status") {
        probe = TargetFile::Probe::kEtcdStatus;
      } else if (!primary && v == "resp-ping") {
        probe = TargetFile::Probe::kRespPing;
      } else if (primary && v == "none") {
        probe = TargetFile::Probe::kNone;
      } else {
        return error(
            *n, fmt::format("{} = '{}': expected {} or a table {{ command = \"...\" }}", where, v,
                            primary ? "none, etcd-status, { resp-info = \"role:leader\" }"
                                    : "resp-ping, etcd-status"));
      }
      return Status::ok();
    }
    const toml::table* table = n->as_table();
    if (table == nullptr) return error(*n, where + " must be a string or a table");
    std::set<std::string> keys = {"command"};
    if (primary) keys.insert("resp-info");
    if (Status st = only_keys(*table, where, keys); !st.is_ok()) return st;
    if (table->size() != 1)
      return error(*n, fmt::format("{} needs exactly one of: command{}", where,
                                   primary ? ", resp-info" : ""));
    std::string& command = primary ? out->primary_command : out->ready_command;
    if (table->get("command") != nullptr) {
      if (Status st = string(*table, where, "command", true, &command); !st.is_ok()) return st;
      probe = TargetFile::Probe::kCommand;
      return check(*table->get("command"), command, placeholders);
    }
    if (Status st = string(*table, where, "resp-info", true, &out->primary_info); !st.is_ok())
      return st;
    if (out->primary_info.find(':') == std::string::npos)
      return error(*table->get("resp-info"),
                   fmt::format("{}.resp-info = '{}': expected an INFO line, field:value", where,
                               out->primary_info));
    probe = TargetFile::Probe::kRespInfo;
    return Status::ok();
  }

  Status protocol(const toml::table& t, const std::set<std::string>& options,
                  TargetFile* out) const {
    const toml::node* n = t.get("protocol");
    if (n == nullptr) return error(t, "target needs a [target.protocol] table");
    const toml::table* p = n->as_table();
    if (p == nullptr) return error(*n, "target.protocol must be a table");
    std::string kind;
    if (Status st = string(*p, "target.protocol", "kind", true, &kind); !st.is_ok()) return st;
    ClientProtocol& proto = out->protocol;
    if (kind == "etcd-v3") {
      if (Status st = only_keys(*p, "target.protocol (etcd-v3)", {"kind", "serializable-reads"});
          !st.is_ok())
        return st;
      proto.kind = ClientProtocol::Kind::kEtcdV3;
      if (const toml::node* s = p->get("serializable-reads")) {
        if (!s->is_boolean()) return error(*s, "target.protocol.serializable-reads: true or false");
        proto.serializable_reads = s->as_boolean()->get();
      }
      return Status::ok();
    }
    if (kind == "http-json") return http_protocol(*p, options, out);
    if (kind != "resp")
      return error(*p->get("kind"),
                   fmt::format("target.protocol.kind = '{}': expected resp, etcd-v3 or "
                               "http-json",
                               kind));
    if (Status st =
            only_keys(*p, "target.protocol (resp)", {"kind", "read", "write", "cas", "add"});
        !st.is_ok())
      return st;
    proto.kind = ClientProtocol::Kind::kResp;
    struct Command {
      const char* key;
      std::vector<std::string>* words;
      std::set<std::string> placeholders;
      bool required;
    };
    for (const Command& c :
         std::vector<Command>{{"read", &proto.read, {"key"}, true},
                              {"write", &proto.write, {"key", "value"}, true},
                              {"cas", &proto.cas, {"key", "expected", "value"}, false},
                              {"add", &proto.add, {"key", "delta"}, false}}) {
      const toml::node* cn = p->get(c.key);
      if (cn == nullptr) {
        if (c.required) return error(*p, fmt::format("target.protocol needs '{}'", c.key));
        c.words->clear();
        continue;
      }
      if (Status st = strings(*p, "target.protocol", c.key, true, c.words); !st.is_ok()) return st;
      if (c.words->empty())
        return error(*cn, fmt::format("target.protocol.{} must name a command", c.key));
      for (size_t i = 0; i < c.words->size(); ++i)
        if (Status st = check(*(*cn->as_array())[i].as_string(), (*c.words)[i], c.placeholders);
            !st.is_ok())
          return st;
    }
    return Status::ok();
  }

  // http-json: a table per operation, { method, path, body, and how to read
  // the answer }; templates of the operation's placeholders and the options.
  Status http_protocol(const toml::table& p, const std::set<std::string>& options,
                       TargetFile* out) const {
    if (Status st = only_keys(p, "target.protocol (http-json)",
                              {"kind", "read", "write", "cas", "add", "not-applied"});
        !st.is_ok())
      return st;
    ClientProtocol& proto = out->protocol;
    proto.kind = ClientProtocol::Kind::kHttpJson;
    if (const toml::node* n = p.get("not-applied")) {
      const toml::array* a = n->as_array();
      if (a == nullptr)
        return error(*n, "target.protocol.not-applied must be an array of statuses");
      for (const toml::node& e : *a) {
        if (!http_status(e))
          return error(e, "target.protocol.not-applied: expected statuses 100..599");
        proto.http_not_applied.push_back(static_cast<int>(e.as_integer()->get()));
      }
    }
    struct Call {
      const char* key;
      ClientProtocol::HttpCall* call;
      std::set<std::string> placeholders;
    };
    for (const Call& c : std::vector<Call>{
             {"read", &proto.http_read, {"key", "key_base64"}},
             {"write", &proto.http_write, {"key", "key_base64", "value", "value_base64"}},
             {"cas",
              &proto.http_cas,
              {"key", "key_base64", "value", "value_base64", "expected", "expected_base64"}},
             {"add", &proto.http_add, {"key", "key_base64", "delta"}}}) {
      const toml::node* n = p.get(c.key);
      const std::string where = fmt::format("target.protocol.{}", c.key);
      if (n == nullptr) {
        if (c.key == std::string("read") || c.key == std::string("write"))
          return error(p, fmt::format("target.protocol needs '{}'", c.key));
        continue;
      }
      const toml::table* t = n->as_table();
      if (t == nullptr)
        return error(*n, where + " must be a table { method = \"POST\", path = \"/...\" }");
      std::set<std::string> placeholders = c.placeholders;
      placeholders.insert(options.begin(), options.end());
      if (Status st = http_call(*t, where, placeholders, out->options, c.call); !st.is_ok())
        return st;
    }
    return Status::ok();
  }

  Status http_call(const toml::table& t, const std::string& where,
                   const std::set<std::string>& placeholders,
                   const std::map<std::string, std::string>& options,
                   ClientProtocol::HttpCall* call) const {
    const bool read = where.ends_with(".read"), cas = where.ends_with(".cas");
    std::set<std::string> keys = {"method", "path", "body"};
    if (read) keys.insert({"value", "base64", "absent-status"});
    if (cas) keys.insert({"swapped", "kept-status"});
    if (Status st = only_keys(t, where, keys); !st.is_ok()) return st;
    if (Status st = string(t, where, "method", true, &call->method); !st.is_ok()) return st;
    if (!std::set<std::string>{"GET", "POST", "PUT", "PATCH", "DELETE"}.count(call->method))
      return error(*t.get("method"), fmt::format("{}.method = '{}': expected GET, POST, PUT, "
                                                 "PATCH or DELETE",
                                                 where, call->method));
    if (Status st = string(t, where, "path", true, &call->path); !st.is_ok()) return st;
    if (call->path.empty() || call->path[0] != '/')
      return error(*t.get("path"), where + ".path must start with '/'");
    if (Status st = check(*t.get("path"), call->path, placeholders); !st.is_ok()) return st;
    if (Status st = string(t, where, "body", false, &call->body); !st.is_ok()) return st;
    if (!call->body.empty()) {
      if (Status st = check(*t.get("body"), call->body, placeholders); !st.is_ok()) return st;
      // With sample values (and the options' defaults) it must be JSON.
      std::map<std::string, std::string> sample = options;
      for (const std::string& name : placeholders)
        if (sample.count(name) == 0) sample[name] = name.ends_with("base64") ? "MQ==" : "1";
      const std::string body = expand_template(call->body, sample);
      if (nlohmann::json::parse(body, nullptr, false).is_discarded())
        return error(*t.get("body"), fmt::format("{}.body is not JSON once expanded: {} (write "
                                                 "JSON's braces as {{{{ and }}}})",
                                                 where, body));
    }
    if (Status st = pointer(t, where, "value", read, &call->value); !st.is_ok()) return st;
    if (Status st = pointer(t, where, "swapped", false, &call->swapped); !st.is_ok()) return st;
    if (const toml::node* b = t.get("base64")) {
      if (!b->is_boolean()) return error(*b, where + ".base64: true or false");
      call->base64 = b->as_boolean()->get();
    }
    for (const auto& [key, status] : {std::pair{"absent-status", &call->absent_status},
                                      std::pair{"kept-status", &call->kept_status}}) {
      const toml::node* n = t.get(key);
      if (n == nullptr) continue;
      if (!http_status(*n))
        return error(*n, fmt::format("{}.{}: expected a status 100..599", where, key));
      *status = static_cast<int>(n->as_integer()->get());
    }
    if (cas && call->swapped.empty() && call->kept_status == 0)
      return error(t, where + " needs 'swapped' (a JSON pointer to a boolean) or 'kept-status'");
    return Status::ok();
  }

  // A JSON pointer ("/kvs/0/value"), as RFC 6901 writes it.
  Status pointer(const toml::table& t, const std::string& where, const char* key, bool required,
                 std::string* out) const {
    if (Status st = string(t, where, key, required, out); !st.is_ok() || out->empty()) return st;
    try {
      nlohmann::json::json_pointer checked(*out);
    } catch (const nlohmann::json::exception&) {
      return error(*t.get(key),
                   fmt::format("{}.{} = '{}': expected a JSON pointer, e.g. /kvs/0/value", where,
                               key, *out));
    }
    return Status::ok();
  }

  static bool http_status(const toml::node& n) {
    return n.is_integer() && n.as_integer()->get() >= 100 && n.as_integer()->get() <= 599;
  }

  // A table of name = string (lists, options): names must not hide others.
  Status named_strings(const toml::table& t, const char* key, const std::set<std::string>& taken,
                       std::map<std::string, std::string>* out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return Status::ok();
    const toml::table* table = n->as_table();
    if (table == nullptr) return error(*n, fmt::format("target.{} must be a table", key));
    for (const auto& [k, v] : *table) {
      const std::string name(k.str());
      if (!valid_name(name) || taken.count(name) != 0 || out->count(name) != 0)
        return error(v, fmt::format("target.{}: '{}' cannot name a placeholder (letters, digits, "
                                    "- and _, not one of the others)",
                                    key, name));
      if (!v.is_string()) return error(v, fmt::format("target.{}.{} must be a string", key, name));
      (*out)[name] = v.as_string()->get();
    }
    return Status::ok();
  }

  Status target(const toml::table& t, TargetFile* out) const {
    if (Status st = only_keys(t, "[target]",
                              {"name", "dir", "port", "upload", "setup", "start", "stop", "lists",
                               "options", "logs", "ready", "primary", "protocol"});
        !st.is_ok())
      return st;
    if (Status st = string(t, "target", "name", true, &out->name); !st.is_ok()) return st;
    if (!valid_name(out->name))
      return error(*t.get("name"), fmt::format("target.name = '{}': expected letters, digits, - "
                                               "and _ (it names files on the nodes)",
                                               out->name));
    if (Status st = string(t, "target", "dir", true, &out->dir); !st.is_ok()) return st;
    if (out->dir.empty() || out->dir[0] != '/')
      return error(*t.get("dir"), "target.dir must be an absolute path");
    const toml::node* port = t.get("port");
    if (port == nullptr) return error(t, "target needs 'port' (the client port)");
    if (!port->is_integer() || port->as_integer()->get() < 1 || port->as_integer()->get() > 65535)
      return error(*port, "target.port must be an integer 1..65535");
    out->port = static_cast<int>(port->as_integer()->get());

    // Placeholders: the built-ins, then lists, then options.
    if (Status st = named_strings(t, "lists", kNodePlaceholders, &out->lists); !st.is_ok())
      return st;
    for (const auto& [name, item] : out->lists)
      if (Status st = check(*t.at_path("lists." + name).node(), item, kItemPlaceholders);
          !st.is_ok())
        return st;
    std::set<std::string> taken = kNodePlaceholders;
    for (const auto& [name, item] : out->lists) taken.insert(name);
    if (Status st = named_strings(t, "options", taken, &out->options); !st.is_ok()) return st;
    if (out->options.count("faketime") != 0)
      return error(*t.get("options"), "target.options: faketime is built in");
    std::set<std::string> placeholders = taken;
    for (const auto& [name, value] : out->options) placeholders.insert(name);

    if (const toml::node* uploads = t.get("upload")) {
      const toml::array* a = uploads->as_array();
      if (a == nullptr || !a->is_array_of_tables())
        return error(*uploads,
                     "target.upload must be an array of tables, e.g. "
                     "[{ local = \"bin/server\", remote = \"server\" }]");
      const std::filesystem::path base = std::filesystem::absolute(path_).parent_path();
      for (const toml::node& e : *a) {
        const toml::table& u = *e.as_table();
        if (Status st = only_keys(u, "target.upload", {"local", "remote"}); !st.is_ok()) return st;
        TargetFile::Upload up;
        if (Status st = string(u, "target.upload", "local", true, &up.local); !st.is_ok())
          return st;
        if (Status st = string(u, "target.upload", "remote", true, &up.remote); !st.is_ok())
          return st;
        up.local = (base / up.local).lexically_normal().string();
        if (up.remote.empty()) return error(u, "target.upload.remote must not be empty");
        if (up.remote[0] != '/') up.remote = out->dir + "/" + up.remote;
        out->uploads.push_back(std::move(up));
      }
    }
    if (Status st = strings(t, "target", "setup", false, &out->setup); !st.is_ok()) return st;
    for (size_t i = 0; i < out->setup.size(); ++i)
      if (Status st =
              check(*(*t.get("setup")->as_array())[i].as_string(), out->setup[i], placeholders);
          !st.is_ok())
        return st;
    if (Status st = strings(t, "target", "start", true, &out->start); !st.is_ok()) return st;
    if (out->start.empty() || out->start[0].empty())
      return error(*t.get("start"), "target.start must name the program to start");
    const toml::array& start = *t.get("start")->as_array();
    if (!template_names(out->start[0], {}).is_ok())
      return error(start[0], "target.start[0], the program, takes no placeholders");
    if (out->start[0][0] != '/') out->start[0] = out->dir + "/" + out->start[0];
    for (size_t i = 1; i < out->start.size(); ++i)
      if (Status st = check(start[i], out->start[i], placeholders); !st.is_ok()) return st;
    if (Status st = string(t, "target", "stop", false, &out->stop); !st.is_ok()) return st;
    if (!out->stop.empty())
      if (Status st = check(*t.get("stop"), out->stop, placeholders); !st.is_ok()) return st;
    if (Status st = strings(t, "target", "logs", false, &out->logs); !st.is_ok()) return st;
    for (std::string& log : out->logs)
      if (!log.empty() && log[0] != '/') log = out->dir + "/" + log;
    if (Status st = probe(t, "ready", false, placeholders, out); !st.is_ok()) return st;
    if (Status st = probe(t, "primary", true, placeholders, out); !st.is_ok()) return st;
    std::set<std::string> option_names;
    for (const auto& [name, value] : out->options) option_names.insert(name);
    return protocol(t, option_names, out);
  }

 private:
  std::string path_;
};

}  // namespace

Status parse_target_table(const toml::table& table, const std::string& path, TargetFile* out) {
  TargetFile file;
  file.path = path;
  if (Status st = Parser(path).target(table, &file); !st.is_ok()) return st;
  *out = std::move(file);
  return Status::ok();
}

Status parse_target_file(const std::string& path, TargetFile* out) {
  toml::table root;
  if (Status st = read_toml_file(path, "target file", &root); !st.is_ok()) return st;
  Parser parser(path);
  if (Status st = parser.only_keys(root, "a target file", {"target"}); !st.is_ok()) return st;
  const toml::node* target = root.get("target");
  if (target == nullptr) return Status::malformed(fmt::format("{}:1: no [target] table", path));
  if (!target->is_table()) return parser.error(*target, "'target' must be a table, [target]");
  return parse_target_table(*target->as_table(), path, out);
}

std::map<std::string, std::string> node_values(
    const TargetFile& file, const std::vector<std::pair<std::string, std::string>>& hosts,
    size_t index, const std::map<std::string, std::string>& options) {
  std::map<std::string, std::string> v = file.options;
  for (const auto& [name, value] : options)
    if (v.count(name) != 0) v[name] = value;
  std::string nodes, addresses;
  for (const auto& [node, host] : hosts) {
    nodes += (nodes.empty() ? "" : ",") + node;
    addresses += (addresses.empty() ? "" : ",") + host;
  }
  for (const auto& [name, item] : file.lists) {
    std::string joined;
    for (size_t i = 0; i < hosts.size(); ++i)
      joined += (i == 0 ? "" : ",") + expand_template(item, {{"node", hosts[i].first},
                                                             {"index", std::to_string(i + 1)},
                                                             {"host", hosts[i].second},
                                                             {"port", std::to_string(file.port)}});
    v[name] = joined;
  }
  v["node"] = hosts.at(index).first;
  v["index"] = std::to_string(index + 1);
  v["host"] = hosts.at(index).second;
  v["port"] = std::to_string(file.port);
  v["dir"] = file.dir;
  v["data_dir"] = file.dir + "/data";
  v["nodes"] = nodes;
  v["hosts"] = addresses;
  return v;
}

ClientProtocol bind_protocol(const TargetFile& file,
                             const std::map<std::string, std::string>& options) {
  ClientProtocol p = file.protocol;
  std::map<std::string, std::string> values = file.options;
  for (const auto& [name, value] : options)
    if (values.count(name) != 0) values[name] = value;
  for (ClientProtocol::HttpCall* c : {&p.http_read, &p.http_write, &p.http_cas, &p.http_add}) {
    c->path = bind_template(c->path, values);
    c->body = bind_template(c->body, values);
  }
  return p;
}

}  // namespace faultline
