// Writes a self-contained HTML report (docs/reports.md): the page template,
// its CSS and JavaScript (embedded in the binary at build time) and the
// report data (report_data.h) in one file that needs no network to open.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace faultline {

// `data` as JSON that is safe inside a <script> element: '<', '>' and '&' are
// written \u003c, \u003e and \u0026 (they can occur only inside strings), so
// no value can close the element or start a comment; invalid UTF-8 is replaced.
std::string json_for_script_element(const nlohmann::json& data);

// The whole page for `data`.
std::string render_html_report(const nlohmann::json& data);

// Writes render_html_report(data) to `path`; an io_error names the path.
Status write_html_report(const std::string& path, const nlohmann::json& data);

}  // namespace faultline
