// NemesisOptions from key=value text (`faultline run --nemesis-opt`, the
// test file's [nemesis_opt] table).
#include <fmt/format.h>

#include <functional>

#include "nemesis/nemesis.h"

namespace faultline {
namespace {

struct OptionField {
  const char* name;
  int64_t min;
  int64_t max;
  std::function<void(NemesisOptions*, int64_t)> set;
};

const std::vector<OptionField>& option_fields() {
  using std::chrono::milliseconds;
  static const std::vector<OptionField> fields = {
      {"loss-percent", 1, 100, [](NemesisOptions* o, int64_t v) { o->loss_percent = v; }},
      {"skew-max-s", 1, 86400, [](NemesisOptions* o, int64_t v) { o->skew_max_s = v; }},
      {"bump-s", 1, 86400, [](NemesisOptions* o, int64_t v) { o->bump_s = v; }},
      {"strobe-s", 1, 86400, [](NemesisOptions* o, int64_t v) { o->strobe_s = v; }},
      {"strobe-period-ms", 10, 60000,
       [](NemesisOptions* o, int64_t v) { o->strobe_period = milliseconds(v); }},
      {"strobe-duration-ms", 10, 600000,
       [](NemesisOptions* o, int64_t v) { o->strobe_duration = milliseconds(v); }},
      {"truncate-max-bytes", 1, 1 << 20,
       [](NemesisOptions* o, int64_t v) { o->truncate_max_bytes = v; }},
      {"flip-bits", 1, 4096, [](NemesisOptions* o, int64_t v) { o->flip_bits = v; }},
      {"disk-nodes", 0, 1000, [](NemesisOptions* o, int64_t v) { o->disk_nodes = v; }},
      {"disk-slow-ms", 0, 60000, [](NemesisOptions* o, int64_t v) { o->disk_slow_ms = v; }},
      {"disk-fail-s", 1, 3600, [](NemesisOptions* o, int64_t v) { o->disk_fail_s = v; }},
      {"aimed-kill-percent", 0, 100,
       [](NemesisOptions* o, int64_t v) { o->aimed_kill_percent = v; }},
      // aimed-kill-percent's first name, from when raftkv's votes were the only aim.
      {"vote-kill-percent", 0, 100,
       [](NemesisOptions* o, int64_t v) { o->aimed_kill_percent = v; }},
      {"aimed-restart-ms", 0, 60000,
       [](NemesisOptions* o, int64_t v) { o->aimed_restart = milliseconds(v); }},
      {"aimed-stall-percent", 0, 100,
       [](NemesisOptions* o, int64_t v) { o->aimed_stall_percent = v; }},
      {"aimed-stall-ms", 1, 60000,
       [](NemesisOptions* o, int64_t v) { o->aimed_stall = milliseconds(v); }},
      {"latency-ms", 1, 60000, [](NemesisOptions* o, int64_t v) { o->latency = milliseconds(v); }},
      {"jitter-ms", 0, 60000, [](NemesisOptions* o, int64_t v) { o->jitter = milliseconds(v); }},
      {"bandwidth-bytes-s", 100, 1000000000,
       [](NemesisOptions* o, int64_t v) { o->bandwidth_bytes_s = v; }},
      {"crash-percent", 1, 100, [](NemesisOptions* o, int64_t v) { o->crash_percent = v; }},
      {"crash-nodes", 0, 1000, [](NemesisOptions* o, int64_t v) { o->crash_nodes = v; }}};
  return fields;
}

}  // namespace

Status apply_nemesis_options(const std::map<std::string, std::string>& options,
                             NemesisOptions* out) {
  for (const auto& [key, text] : options) {
    const OptionField* field = nullptr;
    for (const OptionField& f : option_fields())
      if (key == f.name) field = &f;
    if (field == nullptr) {
      std::string known;
      for (const OptionField& f : option_fields())
        known += (known.empty() ? "" : ", ") + std::string(f.name);
      return Status::invalid_argument(
          fmt::format("unknown nemesis option '{}' (known: {})", key, known));
    }
    int64_t value = 0;
    size_t used = 0;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size() || value < field->min || value > field->max)
      return Status::invalid_argument(
          fmt::format("nemesis option {}: expected an integer in [{}, {}], got '{}'", key,
                      field->min, field->max, text));
    field->set(out, value);
  }
  return Status::ok();
}

}  // namespace faultline
