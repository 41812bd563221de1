// What the history fuzz targets assert about a parse: any input either
// parses, or fails with a malformed-input status naming the file; a parsed
// history pairs or fails the same way; and every interned value and key is
// JSON that checkers can parse. A violation aborts, which libFuzzer reports.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "history/reader.h"

namespace faultline::fuzz {

inline void expect(bool ok, const char* what, const Status& st) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant violated: %s (status: %s)\n", what, st.message().c_str());
  std::abort();
}

inline void check_history(const Status& parsed, const History& h) {
  expect(parsed.is_ok() || parsed.code() == Status::Code::kMalformed, "parse code", parsed);
  expect(parsed.is_ok() || parsed.message().rfind(h.source + ":", 0) == 0, "error names file",
         parsed);
  for (const Event& e : h.events) {
    expect(e.f < h.functions.size() && e.key < h.keys.size() && e.value < h.values.size(),
           "ids in range", parsed);
    expect(e.line >= 1 && (e.time >= 0 || e.time == -1), "line and time", parsed);
    expect(e.process >= 0 || e.is_nemesis(), "process", parsed);
  }
  for (uint32_t id = 0; id < h.values.size(); ++id) h.values.json(id);  // throws if invalid
  for (uint32_t id = 0; id < h.keys.size(); ++id) {
    const nlohmann::json key = nlohmann::json::parse(h.keys.text(id));
    expect(key.is_null() == (id == History::kNoKey) &&
               (key.is_string() || key.is_number() || key.is_null()),
           "key is a string or number", parsed);
    h.key_name(id);
  }
  if (!parsed.is_ok()) return;
  std::vector<Operation> ops;
  Status paired = pair_operations(h, &ops);
  expect(paired.is_ok() || paired.code() == Status::Code::kMalformed, "pair code", paired);
  for (const Operation& op : ops) {
    expect(op.invoke < h.events.size() && h.events[op.invoke].type == EventType::kInvoke,
           "op invoke", paired);
    expect(op.pending() || (op.completion > op.invoke && op.completion < h.events.size() &&
                            h.events[op.completion].process == h.events[op.invoke].process),
           "op completion", paired);
  }
}

}  // namespace faultline::fuzz
