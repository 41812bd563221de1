#include "reports/junit.h"

#include <fmt/format.h>

#include <map>

namespace faultline {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the valid UTF-8 sequence at text[at], or 0.
size_t utf8_length(std::string_view text, size_t at, uint32_t* code_point) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  size_t n;
  uint32_t cp;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    n = 2, cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 3, cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 4, cp = lead & 0x07;
  } else {
    return 0;
  }
  if (at + n > text.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are invalid.
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  *code_point = cp;
  return n;
}

// "2 nonlinearizable, 1 lost": the result's anomalies by kind.
std::string anomaly_counts(const CheckResult& r) {
  std::map<std::string, size_t> counts;
  for (const Anomaly& a : r.anomalies) counts[a.kind]++;
  std::string out;
  for (const auto& [kind, n] : counts)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, kind);
  return out;
}

std::string anomaly_list(const CheckResult& r) {
  std::string out;
  for (const Anomaly& a : r.anomalies) {
    out += a.kind;
    if (!a.key.empty()) out += " (key " + a.key + ")";
    out += ": " + a.description + "\n";
  }
  return out;
}

}  // namespace

std::string xml_escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_length(text, at, &cp);
    if (n == 0) {
      out += kReplacement;
      ++at;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) {
          out += kReplacement;
        } else {
          out.append(text.substr(at, n));
        }
    }
    at += n;
  }
  return out;
}

std::string junit_document(const std::string& suite_name, const std::vector<JUnitCase>& cases,
                           double seconds) {
  size_t failures = 0, errors = 0;
  std::string body;
  const std::string suite = xml_escape(suite_name, true);
  for (const JUnitCase& c : cases) {
    body +=
        fmt::format("    <testcase classname=\"{}\" name=\"{}\"", suite, xml_escape(c.name, true));
    if (c.seconds > 0) body += fmt::format(" time=\"{:.3f}\"", c.seconds);
    if (c.outcome == JUnitCase::kPassed) {
      body += "/>\n";
      continue;
    }
    const char* element = c.outcome == JUnitCase::kFailure ? "failure" : "error";
    (c.outcome == JUnitCase::kFailure ? failures : errors)++;
    body += fmt::format(">\n      <{} type=\"{}\" message=\"{}\"", element,
                        xml_escape(c.type, true), xml_escape(c.message, true));
    body += c.text.empty() ? "/>\n" : fmt::format(">{}</{}>\n", xml_escape(c.text, false), element);
    body += "    </testcase>\n";
  }
  if (!(seconds >= 0)) seconds = 0;  // and NaN
  const std::string counts =
      fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\"", cases.size(),
                  failures, errors, seconds);
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"faultline\" {}>\n"
      "  <testsuite name=\"{}\" {} skipped=\"0\">\n{}  </testsuite>\n</testsuites>\n",
      counts, suite, counts, body);
}

std::string junit_xml(const std::string& suite_name, const std::vector<CheckResult>& results,
                      double seconds) {
  std::vector<JUnitCase> cases;
  for (const CheckResult& r : results) {
    JUnitCase c;
    c.name = r.checker;
    if (!r.input_error.empty()) {
      c.outcome = JUnitCase::kError;
      c.type = "input";
      c.message = r.input_error;
    } else if (r.verdict == Verdict::kInvalid) {
      c.outcome = JUnitCase::kFailure;
      c.type = "invalid";
      const std::string counts = anomaly_counts(r);
      c.message = counts.empty() ? r.summary : r.summary + " [" + counts + "]";
      c.text = anomaly_list(r);
    } else if (r.verdict == Verdict::kUnknown) {
      c.outcome = JUnitCase::kError;
      c.type = "unknown";
      c.message = r.summary;
    }
    cases.push_back(std::move(c));
  }
  if (results.empty())
    cases.push_back(JUnitCase{"faultline", 0, JUnitCase::kError, "unknown",
                              "no checker judged the history", ""});
  return junit_document(suite_name, cases, seconds);
}

}  // namespace faultline
