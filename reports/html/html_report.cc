#include "reports/html/html_report.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>

#include "reports/html/report_assets.h"  // generated: kReportHtml, kReportCss, kReportJs

namespace faultline {
namespace {

// Replaces the one occurrence of `marker` in `page` with `text`.
void fill(std::string* page, std::string_view marker, std::string_view text) {
  const size_t at = page->find(marker);
  if (at != std::string::npos) page->replace(at, marker.size(), text);
}

}  // namespace

std::string json_for_script_element(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_html_report(const nlohmann::json& data) {
  std::string page(report_assets::kReportHtml);
  // The data goes in last so that a marker inside it is never replaced.
  fill(&page, "@REPORT_CSS@", report_assets::kReportCss);
  fill(&page, "@REPORT_JS@", report_assets::kReportJs);
  fill(&page, "@REPORT_DATA@", json_for_script_element(data));
  return page;
}

Status write_html_report(const std::string& path, const nlohmann::json& data) {
  const std::string page = render_html_report(data);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::io_error(path + ": cannot open for writing: " + std::strerror(errno));
  out.write(page.data(), static_cast<std::streamsize>(page.size()));
  out.close();
  if (!out) return Status::io_error(path + ": write error: " + std::strerror(errno));
  return Status::ok();
}

}  // namespace faultline
