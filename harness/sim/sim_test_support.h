// What the tests of harness/sim share: the small test each seed runs (3
// nodes, register, 6 clients at 100 ops/s, 10 virtual seconds, a fault every
// second on average), and silence from the simulated nodes' logs.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <string>

#include "harness/run/test_config.h"

namespace faultline::sim {

inline TestConfig small_test(const std::string& nemesis, const std::string& failpoint = "") {
  TestConfig c;
  c.nodes = 3;
  c.workload = "register";
  c.nemesis = nemesis;
  c.concurrency = 6;
  c.rate = 100;
  c.time_limit_s = 10;
  c.nemesis_interval_s = 1;
  c.op_timeout_s = 1;
  if (!failpoint.empty()) c.opts["unsafe-failpoint"] = failpoint;
  return c;
}

// A fixture whose simulated nodes log nothing.
class QuietSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }
};

}  // namespace faultline::sim
