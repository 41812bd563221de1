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

Status parse_list_option(const std::string& key, const std::string& text,
                         const std::function<Status(const std::string&)>& check,
                         std::vector<std::string>* out) {
  for (size_t start = 0; start <= text.size();) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string name = text.substr(start, comma - start);
    if (Status st = check(name); !st.is_ok())
      return Status::invalid_argument(fmt::format("--opt {}: {}", key, st.message()));
    out->push_back(name);
    start = comma + 1;
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

Status unknown_option(const std::string& target, const std::string& key, const std::string& known) {
  return Status::invalid_argument(
      fmt::format("--opt {}: unknown option for target {} (known: {})", key, target, known));
}

}  // namespace faultline
