#include "reports/html/nemesis_intervals.h"

#include <map>
#include <optional>
#include <string_view>

namespace faultline {
namespace {

enum class Role { kStart, kStop };

struct Parsed {
  Role role;
  std::string name;  // "" for an anonymous stop (heal, resume, ...): the latest fault
};

std::optional<std::string> strip_prefix(std::string_view f, std::string_view prefix) {
  if (f.size() <= prefix.size() || f.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = f.substr(prefix.size());
  if (rest[0] == '-' || rest[0] == '_') rest.remove_prefix(1);
  if (rest.empty()) return std::nullopt;
  return std::string(rest);
}

Parsed parse(std::string_view f) {
  if (auto name = strip_prefix(f, "start")) return {Role::kStart, *name};
  if (auto name = strip_prefix(f, "stop")) return {Role::kStop, *name};
  for (std::string_view stop : {"heal", "resume", "recover", "end"})
    if (f.substr(0, stop.size()) == stop) return {Role::kStop, ""};
  return {Role::kStart, std::string(f)};
}

}  // namespace

std::vector<NemesisInterval> nemesis_intervals(const History& history, bool with_times) {
  std::vector<NemesisInterval> out;
  std::map<std::string, size_t> open;         // name -> index into out
  std::map<std::string, size_t> just_closed;  // name -> index, until the next start of it
  std::string latest;                         // the fault begun last, for anonymous stops
  int64_t last_time = 0;
  for (size_t i = 0; i < history.events.size(); ++i) {
    const Event& e = history.events[i];
    const int64_t t = with_times ? e.time : static_cast<int64_t>(i);
    last_time = t;
    if (!e.is_nemesis()) continue;
    Parsed p = parse(history.function_name(e));
    if (p.role == Role::kStart) {
      just_closed.erase(p.name);
      if (!open.count(p.name)) {
        open[p.name] = out.size();
        out.push_back({p.name, t, t, true});
      }
      latest = p.name;
      continue;
    }
    std::string name = p.name.empty() ? latest : p.name;
    if (auto it = open.find(name); it != open.end()) {
      out[it->second].end = t;
      out[it->second].open = false;
      just_closed[name] = it->second;
      open.erase(it);
    } else if (auto closed = just_closed.find(name); closed != just_closed.end()) {
      out[closed->second].end = t;
    }
  }
  for (auto& [name, index] : open) out[index].end = last_time;
  return out;
}

}  // namespace faultline
