// The checker registry: every model checker_models() lists makes a checker,
// the workload checkers (set, counter, bank) named after their model; an
// unknown model makes none.
#include "checkers/checker.h"

#include <gtest/gtest.h>

#include <string>

namespace faultline {
namespace {

TEST(CheckerRegistry, EveryListedModelMakesAChecker) {
  for (const std::string& model : checker_models()) {
    EXPECT_NE(make_checker(model), nullptr) << model;
  }
  for (const std::string model : {"set", "counter", "bank"}) {
    const auto checker = make_checker(model);
    ASSERT_NE(checker, nullptr) << model;
    EXPECT_EQ(checker->name(), model);
  }
  EXPECT_EQ(make_checker("nosuch"), nullptr);
}

}  // namespace
}  // namespace faultline
