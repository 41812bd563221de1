// JUnit XML for CI systems (docs/ci.md): `faultline run --junit FILE` writes
// one test suite with one test case per checker, so GitHub Actions, GitLab CI
// and Jenkins show a run's results natively.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "checkers/checker.h"

namespace faultline {

// The document: <testsuites> holding one <testsuite name=suite_name> whose
// <testcase name=CHECKER classname=suite_name> is empty when the checker
// found the history valid, holds <failure type="invalid" message=SUMMARY>
// when invalid (the body lists every anomaly: kind, key, description) and
// <error type="unknown"> when the checker could not decide or the input did
// not fit its model. `seconds` is the suite's time. No checkers gives an
// <error> test case named "faultline": a run that checked nothing did not pass.
std::string junit_xml(const std::string& suite_name, const std::vector<CheckResult>& results,
                      double seconds);

// One <testcase>: passed (empty), or holding a <failure> or <error> of
// `type` with `message` and, if not empty, `text` as its body.
struct JUnitCase {
  enum Outcome { kPassed, kFailure, kError };
  std::string name;
  double seconds = 0;  // > 0: the case's time attribute
  Outcome outcome = kPassed;
  std::string type, message, text;
};

// The document for any list of cases (junit_xml's, or a suite's: one case
// per suite case, harness/suite/suite_runner.h).
std::string junit_document(const std::string& suite_name, const std::vector<JUnitCase>& cases,
                           double seconds);

// `text` for an XML attribute or element: &, <, >, " and ' as entities;
// characters XML 1.0 forbids (control characters other than tab, newline and
// carriage return; U+FFFE, U+FFFF) and invalid UTF-8 as U+FFFD. In an
// `attribute`, tab, newline and carriage return become character references,
// which XML parsers keep (they turn literal ones into spaces).
std::string xml_escape(std::string_view text, bool attribute);

}  // namespace faultline
