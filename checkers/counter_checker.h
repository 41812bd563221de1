// The counter checker, after Jepsen's checker/counter generalised to negative
// deltas: each key is a counter starting at 0, `add` adds an integer to it,
// and every ok read must lie between the least and the greatest value the
// adds that may have taken effect by then allow. Exact semantics and result
// fields: docs/checkers.md, "counter".
#pragma once

#include <string>
#include <vector>

#include "checkers/checker.h"

namespace faultline {

class CounterChecker : public Checker {
 public:
  std::string name() const override { return "counter"; }
  CheckResult check(const History& history, const std::vector<Operation>& ops,
                    const CheckOptions& options) const override;
};

}  // namespace faultline
