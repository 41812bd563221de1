# Turns the report's page template, CSS and JavaScript into a C++ header of
# raw string literals, so the faultline binary carries them (no files to
# install, no network to open a report). JS is a comma-separated list of files,
# joined in that order into the page's one script. Run as:
#   cmake -DOUT=report_assets.h -DHTML=... -DCSS=... -DJS=a.js,b.js -P embed_assets.cmake
set(delimiter "faultline_asset")
set(body "// Generated from reports/html/report.{html.in,css,js}, report_plots.js and report_run.js by embed_assets.cmake. Do not edit.\n")
string(APPEND body "#pragma once\n\n#include <string_view>\n\nnamespace faultline::report_assets {\n")
string(REPLACE "," ";" js_files "${JS}")
foreach(pair "kReportHtml;${HTML}" "kReportCss;${CSS}" "kReportJs;${js_files}")
  list(POP_FRONT pair name)
  set(text "")
  foreach(file IN LISTS pair)
    file(READ "${file}" part)
    string(FIND "${part}" ")${delimiter}\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${file} contains the raw-string delimiter )${delimiter}\"")
    endif()
    string(APPEND text "${part}")
  endforeach()
  string(APPEND body "inline constexpr std::string_view ${name} = R\"${delimiter}(${text})${delimiter}\";\n")
endforeach()
string(APPEND body "}  // namespace faultline::report_assets\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
