// RAFT_CHECK: aborts with file:line and a message when a precondition of the
// core's API or one of its internal invariants is broken — a bug in the
// caller or in the core, never a consequence of bad input (messages and
// persisted state that fail validation are reported as a Status instead).
#pragma once

#include <fmt/format.h>

#include <string>

namespace faultline::raft {

[[noreturn]] void check_failed(const char* file, int line, const char* condition,
                               const std::string& message);

// What a failed check does: by default print the report to stderr and abort.
// Tests install a handler that throws, so a randomized run can report its seed
// (the core is unusable afterwards). A handler that returns still aborts.
using CheckFailureHandler = void (*)(const std::string& report);
void set_check_failure_handler(CheckFailureHandler handler);

}  // namespace faultline::raft

#define RAFT_CHECK(condition, ...)                                                                 \
  do {                                                                                             \
    if (!(condition)) {                                                                            \
      ::faultline::raft::check_failed(__FILE__, __LINE__, #condition, ::fmt::format(__VA_ARGS__)); \
    }                                                                                              \
  } while (false)
