// Op: one event of a test as the controller handles it — what a generator
// asks for (an invoke), what a client or the nemesis answers (a completion),
// and what the recorder writes to the history (docs/history.md). Generators,
// the interpreter, workloads' clients and the nemesis all speak Op.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "history/history.h"

namespace faultline {

struct Op {
  EventType type = EventType::kInvoke;
  // The logical process; kNemesisProcess for faults. Set by the interpreter
  // from the thread the op runs on (generators may leave it 0).
  int64_t process = 0;
  // Nanoseconds since the test started. On an invoke from a generator: the
  // earliest time it may start (the interpreter waits until then); on events
  // the interpreter records: when it happened.
  int64_t time = 0;
  std::string f;
  nlohmann::json key;    // null: no key (a single-register test)
  nlohmann::json value;  // invoke: the argument; completion: the result
  // Completions only, both optional: why it failed or is uncertain, and the
  // node that served it. Recorded as the history's "error" and "node" fields.
  std::string error;
  std::string node;

  // The completion of this invoke with the given type and value (process, f
  // and key copied; time left for the interpreter to set).
  Op complete(EventType completion_type, nlohmann::json result) const {
    Op c;
    c.type = completion_type;
    c.process = process;
    c.f = f;
    c.key = key;
    c.value = std::move(result);
    return c;
  }
};

}  // namespace faultline
