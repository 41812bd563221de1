#include "reports/browser/browser_pages.h"

#include <fmt/format.h>

#include <algorithm>

namespace faultline {
namespace {

constexpr const char* kCss = R"css(
:root { --valid: #2f7d3b; --invalid: #b3322a; --unknown: #a77512; --other: #8a8f98; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "DejaVu Sans", sans-serif; color: #1d2330; background: #f6f7f9; }
main { padding: 0 24px 40px; max-width: 1600px; }
h1 { margin: 0; font-size: 24px; } h2 { font-size: 18px; margin: 24px 0 8px; }
.banner { padding: 14px 24px; color: #fff; background: #3b4452; }
.banner a { color: #fff; }
.title { margin: 4px 0 0; opacity: 0.85; font-family: ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
.note { color: #555e6b; margin: 4px 0; }
table.grid { border-collapse: collapse; margin: 6px 0 10px; background: #fff; }
table.grid th, table.grid td { border: 1px solid #d9dde3; padding: 3px 8px; text-align: left; vertical-align: top; }
table.grid th { background: #eef0f3; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; word-break: break-all; }
.verdict-valid { color: var(--valid); font-weight: 600; } .verdict-invalid { color: var(--invalid); font-weight: 600; }
.verdict-unknown { color: var(--unknown); font-weight: 600; } .verdict-other { color: var(--other); font-weight: 600; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; background: #fff; border: 1px solid #d9dde3; padding: 8px 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #555e6b; }
form.filters select, form.filters input, form.filters button { font: inherit; font-size: 13px; }
form.filters input[type=number] { width: 7em; }
td.when { white-space: nowrap; }
.squares { white-space: nowrap; }
.sq { display: inline-block; width: 14px; height: 14px; margin-right: 2px; border-radius: 2px; vertical-align: middle; }
.sq.valid { background: var(--valid); } .sq.invalid { background: var(--invalid); }
.sq.unknown { background: var(--unknown); } .sq.other { background: var(--other); }
)css";

std::string verdict_class(const std::string& verdict) {
  return verdict == "valid" || verdict == "invalid" || verdict == "unknown" ? verdict : "other";
}

std::string page(const std::string& title, const std::string& banner, const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n"
      "<header class=\"banner\">{}</header>\n<main>\n{}</main>\n</body>\n</html>\n",
      html_escape(title), kCss, banner, body);
}

std::string select(const char* name, const char* label, const std::set<std::string>& values,
                   const std::map<std::string, std::string>& filters) {
  auto it = filters.find(name);
  const std::string chosen = it == filters.end() ? "" : it->second;
  std::string out =
      fmt::format("<label>{}<select name=\"{}\"><option value=\"\">any</option>", label, name);
  for (const std::string& v : values) {
    out += fmt::format("<option value=\"{0}\"{1}>{0}</option>", html_escape(v),
                       v == chosen ? " selected" : "");
  }
  return out + "</select></label>";
}

std::string run_links(const RunListing& r, bool has_report) {
  if (r.run.info.store_dir.empty()) return "<span class=\"note\">no store directory</span>";
  std::string out;
  if (has_report) out += fmt::format("<a href=\"/runs/{}/report.html\">report</a> · ", r.run.id);
  return out + fmt::format("<a href=\"/runs/{}/\">files</a>", r.run.id);
}

std::string trends_section(const IndexPage& p) {
  std::string out =
      "<section id=\"trend-section\">\n<h2>Trend per test</h2>\n"
      "<p class=\"note\">Each square is a run, oldest on the left, coloured by verdict "
      "(green valid, red invalid, amber unknown, grey running, aborted or died); click one for its "
      "report.</p>\n<table id=\"trends\" class=\"grid\">\n"
      "<tr><th>Test</th><th>Latest</th><th>Valid</th><th>Runs</th></tr>\n";
  for (const auto& [name, points] : p.trends) {
    const size_t valid = static_cast<size_t>(std::count_if(
        points.begin(), points.end(), [](const TrendPoint& t) { return t.verdict == "valid"; }));
    const std::string& latest = points.back().verdict;
    out += fmt::format(
        "<tr class=\"trend\"><td class=\"mono\"><a href=\"/?name={}\">{}</a></td>"
        "<td class=\"verdict-{}\">{}</td><td class=\"num\">{}/{}</td><td class=\"squares\">",
        percent_encode(name), html_escape(name), verdict_class(latest), html_escape(latest), valid,
        points.size());
    for (const TrendPoint& t : points) {
      const std::string title = fmt::format("run {} · {} UTC · {}", t.id,
                                            format_utc(t.started_at_ms), html_escape(t.verdict));
      if (t.has_report) {
        out += fmt::format("<a class=\"sq {}\" href=\"/runs/{}/report.html\" title=\"{}\"></a>",
                           verdict_class(t.verdict), t.id, title);
      } else {
        out += fmt::format("<span class=\"sq {}\" title=\"{}\"></span>", verdict_class(t.verdict),
                           title);
      }
    }
    out += "</td></tr>\n";
  }
  return out + "</table>\n</section>\n";
}

std::string runs_section(const IndexPage& p) {
  auto filter = [&](const char* name) {
    auto it = p.filters.find(name);
    return it == p.filters.end() ? std::string() : it->second;
  };
  std::string out = "<section id=\"runs-section\">\n<h2>Runs</h2>\n";
  out += "<form id=\"filters\" class=\"filters\" method=\"get\" action=\"/\">";
  out += select("name", "test", p.names, p.filters);
  out += select("target", "target", p.targets, p.filters);
  out += select("workload", "workload", p.workloads, p.filters);
  out += select("verdict", "verdict", {"invalid", "unknown", "valid"}, p.filters);
  out += fmt::format(
      "<label>at most<input type=\"number\" name=\"limit\" min=\"1\" value=\"{}\"></label>"
      "<button type=\"submit\">Filter</button> <a href=\"/\">clear</a></form>\n",
      p.limit);
  const bool filtered = !filter("name").empty() || !filter("target").empty() ||
                        !filter("workload").empty() || !filter("verdict").empty();
  out += fmt::format("<p id=\"runs-note\" class=\"note\">{} run{}{}, newest first{}.</p>\n",
                     p.runs.size(), p.runs.size() == 1 ? "" : "s",
                     filtered ? " matching the filters" : "",
                     static_cast<int64_t>(p.runs.size()) == p.limit ? " (the limit)" : "");
  out +=
      "<table id=\"runs\" class=\"grid\">\n<tr><th>ID</th><th>Started (UTC)</th><th>Test</th>"
      "<th>Target</th><th>Workload</th><th>Nemesis</th><th>Duration</th><th>Ops</th>"
      "<th>Verdict</th><th></th></tr>\n";
  for (const IndexPage::Row& row : p.runs) {
    const RunListing& r = row.listing;
    const RunInfo& info = r.run.info;
    const std::string verdict = listing_state(r);
    out += fmt::format(
        "<tr class=\"run\" data-run-id=\"{}\" data-verdict=\"{}\"><td class=\"num\">{}</td>"
        "<td class=\"when\">{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\" title=\"{} ok, {} fail, {} info, {} pending\">"
        "{}</td><td class=\"verdict-{}\">{}</td><td>{}</td></tr>\n",
        r.run.id, html_escape(verdict), r.run.id, format_utc(info.started_at_ms),
        html_escape(info.name), html_escape(info.target), html_escape(info.workload),
        html_escape(info.nemesis), r.duration_ms ? format_duration_ms(*r.duration_ms) : "",
        r.ops.ok, r.ops.fail, r.ops.info, r.ops.pending, r.ops.total(), verdict_class(verdict),
        html_escape(verdict), run_links(r, row.has_report));
  }
  return out + "</table>\n</section>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string render_index_page(const IndexPage& p) {
  const std::string banner =
      fmt::format("<h1>faultline runs</h1><p class=\"title\">{}</p>", html_escape(p.store_path));
  std::string body;
  if (!p.suites.empty()) {
    body += "<p id=\"suites\">Suites:";
    for (const std::string& s : p.suites)
      body += fmt::format(" <a href=\"/suites/{}\">{}</a>", percent_encode(s), html_escape(s));
    body += "</p>\n";
  }
  if (!p.trends.empty()) body += trends_section(p);
  body += runs_section(p);
  return page("faultline runs", banner, body);
}

std::string render_suite_page(const std::string& suite, const std::vector<CaseHistory>& cases) {
  const std::string banner =
      fmt::format("<h1>Suite {}</h1><p class=\"title\">{} case(s) · <a href=\"/\">all runs</a></p>",
                  html_escape(suite), cases.size());
  std::string body =
      "<table id=\"suite\" class=\"grid\">\n<tr><th>case</th><th>expect</th><th>history (oldest "
      "first)</th><th>latest</th><th>detection</th><th>flags</th></tr>\n";
  for (const CaseHistory& c : cases) {
    std::string strip;
    for (const SuitePoint& p : c.points) {
      const char* cls = p.met == p.runs ? "valid" : p.met == 0 ? "invalid" : "unknown";
      strip += fmt::format("<span class=\"sq {}\" title=\"{}: {}/{} met ({})\"></span>", cls,
                           html_escape(p.suite_run), p.met, p.runs, html_escape(p.revision));
    }
    const SuitePoint& latest = c.points.back();
    std::string flags;
    if (c.newly_failing) flags += "<b>newly failing</b> ";
    if (c.detection_dropped) flags += "<b>detection dropped</b> ";
    if (c.flaky) flags += "flaky";
    body += fmt::format(
        "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}/{} met ({})</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        html_escape(c.suite_case), html_escape(c.expect), strip, latest.met, latest.runs,
        html_escape(latest.revision.empty() ? latest.suite_run : latest.revision),
        latest.invalid || c.expect == "invalid"
            ? fmt::format("{}/{} invalid", latest.invalid, latest.runs)
            : std::string("—"),
        flags);
  }
  body += "</table>\n";
  return page("suite " + suite, banner, body);
}

std::string render_files_page(const RunListing& r, const std::vector<std::string>& files) {
  const RunInfo& info = r.run.info;
  const std::string verdict = listing_state(r);
  const std::string banner = fmt::format(
      "<h1>Run {}: {}</h1><p class=\"title\">{} · <span>{}</span> · <a href=\"/\">all runs</a></p>",
      r.run.id, html_escape(info.name), html_escape(info.store_dir), html_escape(verdict));
  std::string body = "<h2>Files</h2>\n<table id=\"files\" class=\"grid\">\n";
  for (const std::string& f : files) {
    std::string href;
    size_t start = 0;
    for (size_t slash = f.find('/');; slash = f.find('/', start)) {
      href += (href.empty() ? "" : "/") +
              percent_encode(
                  f.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    body += fmt::format("<tr><td class=\"mono\"><a href=\"/runs/{}/{}\">{}</a></td></tr>\n",
                        r.run.id, href, html_escape(f));
  }
  body += "</table>\n";
  return page(fmt::format("run {}: {}", r.run.id, info.name), banner, body);
}

std::string render_error_page(int status, const std::string& message) {
  const std::string title = fmt::format("{} {}", status,
                                        status == 404   ? "Not Found"
                                        : status == 403 ? "Forbidden"
                                        : status == 405 ? "Method Not Allowed"
                                        : status == 400 ? "Bad Request"
                                                        : "Error");
  return page(title, "<h1>" + html_escape(title) + "</h1>",
              "<p>" + html_escape(message) + "</p><p><a href=\"/\">all runs</a></p>\n");
}

}  // namespace faultline
