// The regression registry (`faultline runs --suite NAME`, docs/suites.md): a
// suite's cases over its past runs, from the store. Each case gets a point
// per run of the suite (the runs of one `faultline suite`, or of its shards
// under one --suite-id), and flags for what a nightly job wants to know:
// a case that newly fails, a detection rate that dropped, and flaky cases.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "checkers/checker.h"
#include "reports/store.h"

namespace faultline {

// One case in one run of the suite (several runs when it repeats).
struct SuitePoint {
  std::string suite_run;
  std::string revision;
  int64_t started_at_ms = 0;
  int runs = 0, met = 0, invalid = 0;
  std::vector<double> detection_s;  // of the invalid runs whose evidence has times
};

struct CaseHistory {
  std::string suite_case;
  std::string expect;              // the latest run's expectation
  std::vector<SuitePoint> points;  // oldest first
  bool newly_failing = false;      // the latest point missed, the one before did not
  bool detection_dropped = false;  // expect invalid: the latest rate is below the one before
  bool flaky = false;              // one revision both met and missed its expectation
};

// When the checkers found the run invalid: the earliest invocation, in
// seconds into the run, of an op they name as evidence (a minimal core's
// ops, a read); none without times.
std::optional<double> detection_seconds(const std::vector<CheckResult>& results);

// Whether a run with `verdict` ("valid", "invalid", ...) meets `expect`
// ("valid", "invalid" or "any": any verdict but unknown).
bool verdict_meets(const std::string& expect, const std::string& verdict);

// Every case of the suite named `suite` in `store`, by case id.
Status suite_history(Store& store, const std::string& suite, std::vector<CaseHistory>* out);

// The registry as a table: a strip of the last `last` points (oldest
// first: + every run met, x none did, ~ some did), the latest detection
// rate and its change, the median time to detection, and the flags.
std::string suite_history_table(const std::vector<CaseHistory>& cases, size_t last = 20);

}  // namespace faultline
