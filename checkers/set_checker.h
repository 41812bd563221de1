// The set checker, after Jepsen's checker/set: clients add elements to a set
// and read it; every acknowledged add must be in the final read, and reads may
// hold only elements some add could have put there. Exact semantics and result
// fields: docs/checkers.md, "set".
#pragma once

#include <string>
#include <vector>

#include "checkers/checker.h"

namespace faultline {

class SetChecker : public Checker {
 public:
  std::string name() const override { return "set"; }
  CheckResult check(const History& history, const std::vector<Operation>& ops,
                    const CheckOptions& options) const override;
};

}  // namespace faultline
