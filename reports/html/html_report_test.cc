#include "reports/html/html_report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace faultline {
namespace {

using nlohmann::json;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Values and keys that would break out of a <script> element or be read as
// markup if they were written as they are.
const json kHostile = {
    {"</script><script>alert(1)</script>", "<script>alert('x')</script>"},
    {"amp", "a && b > c < d"},
    {"quotes", "\"double\" and 'single' and `back`"},
    {"comment", "<!-- not a comment -->"},
    {"unicode \xC3\xA9\xE2\x80\xA8", "\xF0\x9F\x92\xA5 \xE2\x80\xA9 caf\xC3\xA9"},
    {"nested", {{"k<", json::array({"</SCRIPT>", "<ScRiPt>"})}}}};

TEST(HtmlReport, ScriptJsonHasNoMarkupCharactersAndRoundTrips) {
  const std::string text = json_for_script_element(kHostile);
  EXPECT_EQ(text.find('<'), std::string::npos) << text;
  EXPECT_EQ(text.find('>'), std::string::npos) << text;
  EXPECT_EQ(text.find('&'), std::string::npos) << text;
  EXPECT_NE(text.find("\\u003c/script\\u003e"), std::string::npos) << text;
  EXPECT_EQ(json::parse(text), kHostile);
}

TEST(HtmlReport, InvalidUtf8IsReplacedNotThrown) {
  const std::string text =
      json_for_script_element(json("ab\xFF"
                                   "c"));
  EXPECT_EQ(json::parse(text), json("ab\xEF\xBF\xBD"
                                    "c"));
}

// The data sits in its own element, so a hostile value adds no element: the
// page has exactly the two script elements it was written with.
TEST(HtmlReport, PageEmbedsDataWithoutAddingElements) {
  const std::string page = render_html_report({{"values", kHostile}});
  EXPECT_EQ(count(page, "<script"), 2u);
  EXPECT_EQ(count(page, "</script"), 2u);
  EXPECT_EQ(count(page, "<!--"), 0u);
  EXPECT_EQ(page.find("@REPORT_"), std::string::npos);
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const size_t start = page.find(open);
  ASSERT_NE(start, std::string::npos);
  const size_t end = page.find("</script>", start);
  const json back = json::parse(page.substr(start + open.size(), end - start - open.size()));
  EXPECT_EQ(back["values"], kHostile);
  EXPECT_NE(page.find("<canvas id=\"timeline\">"), std::string::npos);
}

TEST(HtmlReport, WritesTheFileOrNamesThePath) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("faultline_report_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "r.html").string();
  ASSERT_TRUE(write_html_report(path, {{"x", 1}}).is_ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), render_html_report({{"x", 1}}));
  const std::string bad = (dir / "missing" / "r.html").string();
  Status st = write_html_report(bad, {{"x", 1}});
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find(bad), std::string::npos) << st.message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace faultline
