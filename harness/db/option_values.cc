#include "harness/db/option_values.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

namespace faultline {

Status parse_int_option(const std::string& target, const std::string& key, const std::string& text,
                        int min, int max, int* out) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
    return Status::invalid_argument(
        fmt::format("--opt {}={}: expected an integer from {} to {} for target {}", key, text, min,
                    max, target));
  *out = v;
  return Status::ok();
}

Status parse_bool_option(const std::string& target, const std::string& key, const std::string& text,
                         bool* out) {
  if (text != "true" && text != "false")
    return Status::invalid_argument(
        fmt::format("--opt {}={}: expected true or false for target {}", key, text, target));
  *out = text == "true";
  return Status::ok();
}

Status parse_enum_option(const std::string& target, const std::string& key, const std::string& text,
                         const std::vector<std::string>& choices, std::string* out) {
  if (std::find(choices.begin(), choices.end(), text) == choices.end())
    return Status::invalid_argument(fmt::format("--opt {}={}: expected {} for target {}", key, text,
                                                fmt::join(choices, " or "), target));
  if (out != nullptr) *out = text;
  return Status::ok();
}

OptionSpec int_option(const std::string& key, int min, int max, int* out) {
  return {key, [key, min, max, out](const std::string& target, const std::string& value) {
            return parse_int_option(target, key, value, min, max, out);
          }};
}

OptionSpec bool_option(const std::string& key, bool* out) {
  return {key, [key, out](const std::string& target, const std::string& value) {
            return parse_bool_option(target, key, value, out);
          }};
}

OptionSpec text_option(const std::string& key, std::string* out) {
  return {key, [out](const std::string&, const std::string& value) {
            *out = value;
            return Status::ok();
          }};
}

OptionSpec enum_option(const std::string& key, std::vector<std::string> choices, std::string* out) {
  return {key, [key, choices = std::move(choices), out](const std::string& target,
                                                        const std::string& value) {
            return parse_enum_option(target, key, value, choices, out);
          }};
}

OptionSpec list_option(const std::string& key, std::function<Status(const std::string&)> check,
                       std::vector<std::string>* out) {
  return {key, [key, check = std::move(check), out](const std::string&, const std::string& text) {
            for (size_t start = 0; start <= text.size();) {
              const size_t comma = std::min(text.find(',', start), text.size());
              const std::string name = text.substr(start, comma - start);
              if (Status st = check(name); !st.is_ok())
                return Status::invalid_argument(fmt::format("--opt {}: {}", key, st.message()));
              out->push_back(name);
              start = comma + 1;
            }
            return Status::ok();
          }};
}

Status parse_diskfs_option(const std::string& target, const std::string& text, std::string* out) {
  std::string model;
  if (Status st =
          parse_enum_option(target, "diskfs", text, {"false", "true", "strict", "ext4"}, &model);
      !st.is_ok())
    return st;
  *out = model == "false" ? "" : model == "true" ? "strict" : model;
  return Status::ok();
}

void add_daemon_options(std::vector<OptionSpec>* specs, std::string* binary, std::string* dir,
                        int* client_port, int* peer_port, bool* faketime, std::string* diskfs) {
  specs->insert(specs->end(),
                {text_option("binary", binary),
                 text_option("dir", dir),
                 int_option("client-port", 1, 65535, client_port),
                 int_option("peer-port", 1, 65535, peer_port),
                 bool_option("faketime", faketime),
                 {"diskfs", [diskfs](const std::string& target, const std::string& value) {
                    return parse_diskfs_option(target, value, diskfs);
                  }}});
}

Status parse_options(const std::string& target, const std::map<std::string, std::string>& options,
                     const std::vector<OptionSpec>& specs) {
  for (const auto& [key, value] : options) {
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&key](const OptionSpec& s) { return s.key == key; });
    if (spec == specs.end()) {
      std::vector<std::string> known;
      for (const OptionSpec& s : specs) known.push_back(s.key);
      return Status::invalid_argument(
          fmt::format("--opt {}: unknown option for target {} (known: {})", key, target,
                      fmt::join(known, ", ")));
    }
    if (Status st = spec->parse(target, value); !st.is_ok()) return st;
  }
  return Status::ok();
}

Status check_ports_differ(int client_port, int peer_port) {
  if (client_port != peer_port) return Status::ok();
  return Status::invalid_argument("--opt client-port and peer-port must differ");
}

Status check_election_option(const std::string& target, int election_ms, int heartbeat_ms,
                             int factor) {
  if (election_ms >= factor * heartbeat_ms) return Status::ok();
  return Status::invalid_argument(fmt::format(
      "--opt election-ms ({}) must be at least {} times heartbeat-ms ({}) for target {}",
      election_ms, factor, heartbeat_ms, target));
}

}  // namespace faultline
