// Shared by the nemesis's cluster tests: one nemesis op, run and checked.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "nemesis/nemesis.h"

namespace faultline {

// Invokes `f` with `value` (null: a spec drawn at random); the completion
// must be an info without error.
inline Op run(Nemesis& nemesis, const std::string& f, nlohmann::json value = nullptr) {
  Op invoke;
  invoke.process = kNemesisProcess;
  invoke.f = f;
  invoke.value = std::move(value);
  Op done = nemesis.invoke(invoke);
  EXPECT_EQ(done.type, EventType::kInfo);
  EXPECT_TRUE(done.error.empty()) << f << ": " << done.error;
  return done;
}

}  // namespace faultline
