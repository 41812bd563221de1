#include "reports/browser/run_browser.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "reports/browser/browser_pages.h"
#include "reports/run/run_dir.h"
#include "reports/run/run_listing.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDefaultLimit = 200;
constexpr size_t kTrendRuns = 30;     // squares per test in the trend
constexpr size_t kMaxListed = 10000;  // files listed on a run's page

HttpResponse error_response(int status, const std::string& message) {
  return {status, "text/html; charset=utf-8", render_error_page(status, message)};
}

std::string content_type_of(const fs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".xml") return "application/xml";
  if (ext == ".png") return "image/png";
  if (ext == ".log" || ext == ".jsonl" || ext == ".txt" || ext == ".edn" || ext == ".toml" ||
      ext == ".out" || ext == ".err")
    return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// The query's parameters; false if one does not decode.
bool parse_query(std::string_view query, std::map<std::string, std::string>* out) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key, value;
    if (!percent_decode(pair.substr(0, eq), true, &key) ||
        !percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true, &value))
      return false;
    (*out)[key] = value;
  }
  return true;
}

// The filter the query asks for; an error message if it asks for nonsense.
std::string filter_of(const std::map<std::string, std::string>& query, RunFilter* filter) {
  auto get = [&](const char* name) {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  };
  filter->name = get("name");
  filter->target = get("target");
  filter->workload = get("workload");
  const std::string verdict = get("verdict");
  filter->verdict = verdict_from_string(verdict);
  if (!verdict.empty() && !filter->verdict)
    return "verdict must be valid, invalid or unknown, got \"" + verdict + "\"";
  const std::string limit = get("limit");
  filter->limit = kDefaultLimit;
  if (!limit.empty()) {
    auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), filter->limit);
    if (ec != std::errc() || end != limit.data() + limit.size() || filter->limit < 1)
      return "limit must be a positive integer, got \"" + limit + "\"";
  }
  return "";
}

bool has_report(const std::string& store_dir) {
  std::error_code ec;
  return !store_dir.empty() && fs::is_regular_file(fs::path(store_dir) / "report.html", ec);
}

}  // namespace

bool percent_decode(std::string_view text, bool form, std::string* out) {
  out->clear();
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && form) {
      *out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return false;
      const int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return false;
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      *out += text[i];
    }
  }
  return true;
}

Status resolve_inside(const fs::path& root, const std::string& relative, fs::path* out) {
  if (relative.find('\0') != std::string::npos)
    return Status::invalid_argument("a path with a NUL byte");
  const fs::path rel(relative);
  if (rel.is_absolute() || rel.has_root_name()) return Status::invalid_argument("an absolute path");
  for (const fs::path& part : rel) {
    if (part == "..") return Status::invalid_argument("a path with a \"..\" segment");
  }
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return Status::io_error(root.string() + ": " + ec.message());
  const fs::path target = fs::canonical(base / rel, ec);
  if (ec) return Status::io_error(relative + ": " + ec.message());
  // Symlinks inside the directory may point anywhere: judge where they lead.
  auto [b, t] = std::mismatch(base.begin(), base.end(), target.begin(), target.end());
  if (b != base.end()) return Status::invalid_argument(relative + " leads outside the run");
  if (!fs::is_regular_file(target, ec) && !fs::is_directory(target, ec))
    return Status::io_error(relative + ": not a file");
  *out = target;
  return Status::ok();
}

HttpResponse RunBrowser::handle(std::string_view method, std::string_view target) {
  if (method != "GET" && method != "HEAD")
    return error_response(405, "The run browser is read-only: GET and HEAD only.");
  const size_t q = target.find('?');
  std::string path;
  std::map<std::string, std::string> query;
  if (!percent_decode(target.substr(0, q), false, &path) ||
      (q != std::string_view::npos && !parse_query(target.substr(q + 1), &query)))
    return error_response(400, "A malformed %-escape in the URL.");
  if (path == "/" || path == "/index.html") return index(query);
  if (path == "/runs.json") return runs_json(query);
  constexpr std::string_view kSuites = "/suites/";
  if (path.starts_with(kSuites) && path.size() > kSuites.size()) {
    const std::string suite = path.substr(kSuites.size());
    std::vector<CaseHistory> cases;
    if (Status st = suite_history(store_, suite, &cases); !st.is_ok())
      return error_response(500, st.message());
    if (cases.empty()) return error_response(404, "No runs of suite " + suite + " here.");
    return {200, "text/html; charset=utf-8", render_suite_page(suite, cases)};
  }
  constexpr std::string_view kRuns = "/runs/";
  if (path.starts_with(kRuns)) {
    const std::string rest = path.substr(kRuns.size());
    const size_t slash = rest.find('/');
    const std::string id_text = rest.substr(0, slash);
    int64_t id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec == std::errc() && end == id_text.data() + id_text.size() && !id_text.empty())
      return run_file(id, slash == std::string::npos ? "" : rest.substr(slash + 1));
  }
  return error_response(404, "No page " + path + " here.");
}

HttpResponse RunBrowser::index(const std::map<std::string, std::string>& query) {
  IndexPage page;
  page.store_path = store_.path();
  page.filters = query;
  RunFilter filter;
  if (std::string error = filter_of(query, &filter); !error.empty())
    return error_response(400, error);
  page.limit = filter.limit;
  RunFilter all;
  all.limit = -1;
  std::vector<RunRecord> runs;
  if (Status st = store_.list_runs(all, &runs); !st.is_ok())
    return error_response(500, st.message());
  for (const RunRecord& r : runs) {  // newest first
    page.names.insert(r.info.name);
    if (!r.info.suite.empty()) page.suites.insert(r.info.suite);
    if (!r.info.target.empty()) page.targets.insert(r.info.target);
    if (!r.info.workload.empty()) page.workloads.insert(r.info.workload);
    if (r.info.kind != RunKind::kTest) continue;
    std::vector<TrendPoint>& trend = page.trends[r.info.name];
    if (trend.size() >= kTrendRuns) continue;
    std::string verdict = r.verdict ? std::string(to_string(*r.verdict)) : "none";
    if (r.status != RunStatus::kDone) verdict = std::string(to_string(r.status));
    trend.push_back({r.id, r.info.started_at_ms, verdict, has_report(r.info.store_dir)});
  }
  for (auto& [name, trend] : page.trends) std::reverse(trend.begin(), trend.end());
  std::vector<RunListing> listings;
  if (Status st = list_runs_with_ops(store_, filter, &listings, &op_counts_); !st.is_ok())
    return error_response(500, st.message());
  for (RunListing& l : listings) {
    const bool report = has_report(l.run.info.store_dir);
    page.runs.push_back({std::move(l), report});
  }
  return {200, "text/html; charset=utf-8", render_index_page(page)};
}

HttpResponse RunBrowser::runs_json(const std::map<std::string, std::string>& query) {
  RunFilter filter;
  if (std::string error = filter_of(query, &filter); !error.empty())
    return error_response(400, error);
  std::vector<RunListing> listings;
  if (Status st = list_runs_with_ops(store_, filter, &listings, &op_counts_); !st.is_ok())
    return error_response(500, st.message());
  nlohmann::json out = nlohmann::json::array();
  for (const RunListing& l : listings) out.push_back(run_listing_json(l));
  return {200, "application/json",
          out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

HttpResponse RunBrowser::run_file(int64_t run_id, const std::string& path) {
  RunFilter filter;
  filter.id = run_id;
  std::vector<RunListing> runs;
  if (Status st = list_runs_with_ops(store_, filter, &runs, &op_counts_); !st.is_ok())
    return error_response(500, st.message());
  if (runs.empty()) return error_response(404, fmt::format("No run {} in the store.", run_id));
  const std::string& dir = runs[0].run.info.store_dir;
  if (dir.empty())
    return error_response(404, fmt::format("Run {} has no store directory.", run_id));
  fs::path file;
  Status st = resolve_inside(dir, path, &file);
  if (st.code() == Status::Code::kInvalidArgument)
    return error_response(403, "Only files inside the run's directory are served.");
  if (!st.is_ok()) return error_response(404, fmt::format("Run {} has no file {}.", run_id, path));
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    if (!path.empty() && path != "/") return error_response(404, path + " is a directory.");
    std::vector<std::string> files;
    for (fs::recursive_directory_iterator it(file, ec), end;
         !ec && it != end && files.size() < kMaxListed; it.increment(ec)) {
      if (it->is_regular_file(ec))
        files.push_back(fs::relative(it->path(), file, ec).generic_string());
    }
    std::sort(files.begin(), files.end());
    return {200, "text/html; charset=utf-8", render_files_page(runs[0], files)};
  }
  std::string body;
  if (st = read_text_file(file.string(), &body); !st.is_ok())
    return error_response(404, fmt::format("Run {}: {} cannot be read.", run_id, path));
  return {200, content_type_of(file), std::move(body)};
}

}  // namespace faultline
