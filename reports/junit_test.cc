#include "reports/junit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "spawn/spawn.h"
#include "tests/support/require.h"

namespace faultline {
namespace {

CheckResult result(const std::string& checker, Verdict verdict, const std::string& summary) {
  CheckResult r;
  r.checker = checker;
  r.verdict = verdict;
  r.summary = summary;
  return r;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(Junit, EscapesMarkupQuotesAndForbiddenCharacters) {
  EXPECT_EQ(xml_escape("<a href=\"x\">&'</a>", true),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  EXPECT_EQ(xml_escape("a\tb\nc\rd", true), "a&#9;b&#10;c&#13;d");
  EXPECT_EQ(xml_escape("a\tb\nc", false), "a\tb\nc");
  // Control characters, U+FFFF and invalid UTF-8 (a lone continuation byte, a
  // truncated sequence, an overlong '/', a surrogate) become U+FFFD.
  EXPECT_EQ(xml_escape(std::string("x\0y\x1b", 4), false), "x\xEF\xBF\xBDy\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("\xEF\xBF\xBF", false), "\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("\x80", false), "\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("\xC3", false), "\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("\xC0\xAF", false), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("\xED\xA0\x80", false), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // Valid non-ASCII passes through.
  EXPECT_EQ(xml_escape("é 😀 →", true), "é 😀 →");
}

TEST(Junit, OneTestCasePerCheckerWithTheAnomaliesAsTheFailure) {
  CheckResult lin = result("linearizable", Verdict::kInvalid, "not linearizable: 1 of 2 keys");
  lin.anomalies.push_back({"nonlinearizable", "k<1>", "read -> 1 cannot be linearized", {}});
  CheckResult set = result("set", Verdict::kValid, "valid: 10 elements");
  CheckResult bank = result("bank", Verdict::kUnknown, "unknown: no reads");
  const std::string xml = junit_xml("raftkv \"nightly\"", {lin, set, bank}, 12.3456);
  EXPECT_NE(xml.find("<testsuite name=\"raftkv &quot;nightly&quot;\" tests=\"3\" failures=\"1\" "
                     "errors=\"1\" time=\"12.346\" skipped=\"0\">"),
            std::string::npos)
      << xml;
  EXPECT_EQ(count(xml, "<testcase "), 3u);
  EXPECT_NE(xml.find("<testcase classname=\"raftkv &quot;nightly&quot;\" name=\"set\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure type=\"invalid\" message=\"not linearizable: 1 of 2 keys [1 "
                     "nonlinearizable]\">nonlinearizable (key k&lt;1&gt;): read -&gt; 1 cannot "
                     "be linearized\n</failure>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<error type=\"unknown\" message=\"unknown: no reads\"/>"), std::string::npos)
      << xml;
}

TEST(Junit, NoCheckersIsAnError) {
  const std::string xml = junit_xml("t", {}, 0);
  EXPECT_NE(xml.find("tests=\"1\" failures=\"0\" errors=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"faultline\""), std::string::npos) << xml;
}

TEST(Junit, AnInputErrorIsAnError) {
  CheckResult r = result("counter", Verdict::kUnknown, "");
  r.input_error = "h.jsonl:3: expected an integer";
  const std::string xml = junit_xml("t", {r}, 1);
  EXPECT_NE(xml.find("<error type=\"input\" message=\"h.jsonl:3: expected an integer\"/>"),
            std::string::npos)
      << xml;
}

// The document is well-formed XML whatever the text, by xmllint when installed
// (scripts/install-deps.sh installs it; skipped without it, failed when CI is set).
TEST(Junit, XmllintAcceptsHostileText) {
  FAULTLINE_REQUIRE(!find_program("xmllint").empty(), "xmllint is not installed");
  CheckResult r = result("linearizable", Verdict::kInvalid, "bad ]]> <![CDATA[ \x01 \xFF");
  r.anomalies.push_back({"x", "</testcase>", "\"'&<>\n\t\x7f", {}});
  const std::string path =
      (std::filesystem::path(testing::TempDir()) / "faultline-junit-test.xml").string();
  std::ofstream(path) << junit_xml("<suite>&", {r, result("set", Verdict::kValid, "ok")}, 1.5);
  CommandResult xmllint;
  ASSERT_TRUE(
      run_command({"xmllint", "--noout", path}, std::chrono::seconds(30), &xmllint).is_ok());
  EXPECT_EQ(xmllint.exit_status, 0) << xmllint.stderr_text;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace faultline
