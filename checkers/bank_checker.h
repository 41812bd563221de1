// The bank checker, after Jepsen's bank test: clients transfer amounts between
// accounts and read all balances; transfers move money but never create or
// destroy it, so every ok read must show the same accounts and the same total
// as the first, and no negative balance. Exact semantics and result fields:
// docs/checkers.md, "bank".
#pragma once

#include <string>
#include <vector>

#include "checkers/checker.h"

namespace faultline {

class BankChecker : public Checker {
 public:
  std::string name() const override { return "bank"; }
  CheckResult check(const History& history, const std::vector<Operation>& ops,
                    const CheckOptions& options) const override;
};

}  // namespace faultline
