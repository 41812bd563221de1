// Test support: what a test needs from the machine (root, a capability, a
// tool). A test missing a prerequisite is skipped on a developer's machine but
// fails when the environment variable CI is set (non-empty), so that CI never
// passes by skipping (docs/testing.md). Header-only: any test may include it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

namespace faultline {

// True when the environment variable CI is set and not empty.
inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0';
}

}  // namespace faultline

// Unless `cond` holds, ends the current test (or its SetUp) as skipped, saying
// `why`; under CI, as failed. Only in functions returning void, like ASSERT_*.
#define FAULTLINE_REQUIRE(cond, why)                                                     \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      if (::faultline::running_in_ci())                                                  \
        FAIL() << "missing prerequisite (CI is set, so this fails): " << (why);          \
      GTEST_SKIP() << (why) << " (set CI to make a missing prerequisite fail the test)"; \
    }                                                                                    \
  } while (0)
