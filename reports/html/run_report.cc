#include "reports/html/run_report.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

#include "history/reader.h"
#include "reports/html/html_report.h"
#include "reports/run/node_logs.h"
#include "reports/run/run_dir.h"
#include "reports/run/run_listing.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The run directory's own files a person may want, in this order, if present.
constexpr const char* kRunFiles[] = {"history.jsonl", "faultline.log", "run.json", "junit.xml"};

struct NodeLine {
  LogLine line;
  size_t node = 0, file = 0;
};

// Elections, leader changes, restarts and errors are kept before warnings,
// which can flood a log (a peer's queue full, a connection refused).
bool more_important(const NodeLine& a, const NodeLine& b) {
  const bool a_warning = a.line.kind == LogKind::kWarning;
  const bool b_warning = b.line.kind == LogKind::kWarning;
  if (a_warning != b_warning) return b_warning;
  return a.line.time_ns < b.line.time_ns;
}

// `j` with every integer JavaScript cannot hold exactly (past 2^53, such as
// a 64-bit seed) written as a string, so that the page shows it as recorded.
json exact_in_javascript(const json& j) {
  constexpr uint64_t kMaxExact = uint64_t{1} << 53;
  if (j.is_number_unsigned() && j.get<uint64_t>() > kMaxExact) return j.dump();
  if (j.is_number_integer() && !j.is_number_unsigned() &&
      (j.get<int64_t>() > static_cast<int64_t>(kMaxExact) ||
       j.get<int64_t>() < -static_cast<int64_t>(kMaxExact)))
    return j.dump();
  if (!j.is_structured()) return j;
  json out = j;
  for (auto it = out.begin(); it != out.end(); ++it) *it = exact_in_javascript(*it);
  return out;
}

json run_json(const RunManifest& m, const std::string& store_dir) {
  return {{"run_id", m.run_id},
          {"name", m.name},
          {"target", m.target},
          {"workload", m.workload},
          {"nemesis", m.nemesis},
          {"seed", exact_in_javascript(m.seed)},
          {"started_at_unix_ms", m.started_at_unix_ms},
          {"started_at", m.started_at_unix_ms > 0 ? format_utc(m.started_at_unix_ms) + " UTC" : ""},
          {"ended_at_unix_ms", m.ended_at_unix_ms},
          {"duration", m.ended_at_unix_ms > 0 && m.started_at_unix_ms > 0
                           ? format_duration_ms(m.ended_at_unix_ms - m.started_at_unix_ms)
                           : "did not end"},
          {"status", m.status},
          {"verdict", m.verdict},
          {"ops", m.ops},
          {"store_dir", store_dir}};
}

}  // namespace

std::string relative_href(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out.starts_with("../") ? out : "./" + out;
}

Status build_run_report_data(const std::string& store_dir, const std::string& out_html,
                             const RunReportOptions& options, json* out) {
  RunManifest manifest;
  if (Status st = read_run_manifest(store_dir, &manifest); !st.is_ok()) return st;
  History history;
  std::vector<Operation> ops;
  const std::string history_path = (fs::path(store_dir) / "history.jsonl").string();
  if (Status st = read_history(history_path, ReadOptions(), &history, &ops); !st.is_ok()) return st;
  std::string title = manifest.name.empty() ? store_dir : manifest.name;
  if (manifest.run_id > 0) title += " · run " + std::to_string(manifest.run_id);
  if (manifest.started_at_unix_ms > 0) title += " · " + format_utc(manifest.started_at_unix_ms);
  json data = build_report_data(history, ops, manifest.checkers,
                                exact_in_javascript(manifest.config), title, options.report);
  if (!manifest.verdict.empty()) data["verdict"] = manifest.verdict;
  data["run"] = run_json(manifest, store_dir);

  // Links are relative to the report's directory, so the run directory can be
  // moved or downloaded as a CI artefact and its links still work.
  std::error_code ec;
  const fs::path from = fs::absolute(out_html, ec).lexically_normal().parent_path();
  const fs::path dir = fs::absolute(store_dir, ec).lexically_normal();
  auto href = [&](const std::string& relative) {
    return relative_href(
        (dir / relative).lexically_normal().lexically_relative(from).generic_string());
  };
  json files = json::array();
  for (const char* name : kRunFiles) {
    if (fs::is_regular_file(dir / name, ec))
      files.push_back({{"name", name}, {"href", href(name)}});
  }
  data["files"] = files;

  std::vector<NodeLogs> nodes;
  if (Status st = list_node_logs(store_dir, &nodes); !st.is_ok()) return st;
  json nodes_json = json::array();
  std::vector<NodeLine> lines;
  for (size_t n = 0; n < nodes.size(); ++n) {
    json logs = json::array();
    for (size_t f = 0; f < nodes[n].files.size(); ++f) {
      const std::string& file = nodes[n].files[f];
      logs.push_back({{"name", fs::path(file).filename().string()}, {"href", href(file)}});
      std::string text;
      if (Status st = read_text_file((dir / file).string(), &text); !st.is_ok()) return st;
      for (LogLine& line : important_log_lines(text, manifest.started_at_unix_ms))
        lines.push_back({std::move(line), n, f});
    }
    nodes_json.push_back({{"name", nodes[n].node}, {"logs", logs}});
  }
  data["nodes"] = nodes_json;
  const size_t total = lines.size();
  if (lines.size() > options.max_log_lines) {
    std::nth_element(lines.begin(), lines.begin() + static_cast<ptrdiff_t>(options.max_log_lines),
                     lines.end(), more_important);
    lines.resize(options.max_log_lines);
  }
  std::stable_sort(lines.begin(), lines.end(), [](const NodeLine& a, const NodeLine& b) {
    return a.line.time_ns < b.line.time_ns;
  });
  json rows = json::array();
  for (const NodeLine& l : lines) {
    rows.push_back({l.line.time_ns, l.node, std::string(to_string(l.line.kind)), l.line.level,
                    truncate_utf8(l.line.message, options.max_log_line_chars), l.file,
                    l.line.line});
  }
  data["log_lines"] = rows;
  data["log_sampling"] = {{"total", total}, {"shown", rows.size()}};
  *out = std::move(data);
  return Status::ok();
}

Status write_run_report(const std::string& store_dir, const std::string& out_html) {
  json data;
  if (Status st = build_run_report_data(store_dir, out_html, RunReportOptions(), &data);
      !st.is_ok())
    return st;
  return write_html_report(out_html, data);
}

}  // namespace faultline
