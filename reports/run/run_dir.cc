#include "reports/run/run_dir.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace faultline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Status expected(const std::string& source, const std::string& what) {
  return Status::malformed(source + ": expected " + what);
}

// Reads optional field `name` of `j` into `*out` when it has type T; an error
// when it is present with another type. `what` describes T for the message.
template <typename T>
Status optional_field(const json& j, const char* name, const std::string& source, const char* what,
                      T* out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return Status::ok();
  const bool fits = std::is_same_v<T, std::string> ? it->is_string() : it->is_number_integer();
  if (!fits) return expected(source, std::string("\"") + name + "\" to be " + what);
  *out = it->get<T>();
  return Status::ok();
}

}  // namespace

Status read_text_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::io_error(path + ": read error: " + std::strerror(errno));
  *out = std::move(text).str();
  return Status::ok();
}

std::optional<Verdict> verdict_from_string(std::string_view text) {
  for (Verdict v : {Verdict::kValid, Verdict::kInvalid, Verdict::kUnknown})
    if (text == to_string(v)) return v;
  return std::nullopt;
}

Status check_result_from_json(const json& j, const std::string& source, CheckResult* out) {
  *out = CheckResult();
  if (!j.is_object()) return expected(source, "a checker result (an object)");
  if (Status st = optional_field(j, "checker", source, "a string", &out->checker); !st.is_ok())
    return st;
  if (Status st = optional_field(j, "summary", source, "a string", &out->summary); !st.is_ok())
    return st;
  if (Status st = optional_field(j, "input_error", source, "a string", &out->input_error);
      !st.is_ok())
    return st;
  const json verdict = j.value("verdict", json());
  std::optional<Verdict> v =
      verdict.is_string() ? verdict_from_string(verdict.get<std::string>()) : std::nullopt;
  if (!v) return expected(source, "\"verdict\" to be \"valid\", \"invalid\" or \"unknown\"");
  out->verdict = *v;
  if (j.contains("details") && j["details"].is_object()) out->details = j["details"];
  const json anomalies = j.value("anomalies", json::array());
  if (!anomalies.is_array()) return expected(source, "\"anomalies\" to be an array");
  for (const json& a : anomalies) {
    if (!a.is_object()) return expected(source, "each anomaly to be an object");
    Anomaly anomaly;
    for (auto [field, target] : {std::pair{"kind", &anomaly.kind}, std::pair{"key", &anomaly.key},
                                 std::pair{"description", &anomaly.description}}) {
      if (Status st = optional_field(a, field, source, "a string", target); !st.is_ok()) return st;
    }
    anomaly.evidence = a.value("evidence", json());
    out->anomalies.push_back(std::move(anomaly));
  }
  return Status::ok();
}

Status parse_run_manifest(const std::string& text, const std::string& source, RunManifest* out) {
  *out = RunManifest();
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return expected(source, "a JSON object");
  Status st = optional_field(j, "run_id", source, "an integer", &out->run_id);
  for (auto [field, target] :
       {std::pair{"name", &out->name}, std::pair{"target", &out->target},
        std::pair{"workload", &out->workload}, std::pair{"nemesis", &out->nemesis},
        std::pair{"status", &out->status}, std::pair{"verdict", &out->verdict}}) {
    if (st.is_ok()) st = optional_field(j, field, source, "a string", target);
  }
  if (st.is_ok())
    st = optional_field(j, "started_at_unix_ms", source, "an integer", &out->started_at_unix_ms);
  if (st.is_ok())
    st = optional_field(j, "ended_at_unix_ms", source, "an integer", &out->ended_at_unix_ms);
  if (!st.is_ok()) return st;
  out->seed = j.value("seed", json());
  if (j.contains("config") && !j["config"].is_null()) {
    if (!j["config"].is_object()) return expected(source, "\"config\" to be an object");
    out->config = j["config"];
  }
  if (j.contains("ops") && !j["ops"].is_null()) {
    if (!j["ops"].is_object()) return expected(source, "\"ops\" to be an object");
    out->ops = j["ops"];
  }
  const json checkers = j.value("checkers", json::array());
  if (!checkers.is_array()) return expected(source, "\"checkers\" to be an array");
  for (size_t i = 0; i < checkers.size(); ++i) {
    CheckResult result;
    st = check_result_from_json(checkers[i], source + ": checkers[" + std::to_string(i) + "]",
                                &result);
    if (!st.is_ok()) return st;
    out->checkers.push_back(std::move(result));
  }
  return Status::ok();
}

Status read_run_manifest(const std::string& dir, RunManifest* out) {
  const std::string path = (fs::path(dir) / "run.json").string();
  std::string text;
  if (Status st = read_text_file(path, &text); !st.is_ok()) return st;
  return parse_run_manifest(text, path, out);
}

Status list_node_logs(const std::string& dir, std::vector<NodeLogs>* out) {
  out->clear();
  const fs::path nodes = fs::path(dir) / "nodes";
  std::error_code ec;
  if (!fs::is_directory(nodes, ec)) return Status::ok();
  for (fs::directory_iterator it(nodes, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    NodeLogs node{it->path().filename().string(), {}};
    for (fs::recursive_directory_iterator f(it->path(), ec), fend; !ec && f != fend;
         f.increment(ec)) {
      if (f->is_regular_file(ec))
        node.files.push_back(fs::relative(f->path(), dir, ec).generic_string());
    }
    std::sort(node.files.begin(), node.files.end());
    out->push_back(std::move(node));
  }
  if (ec) return Status::io_error(nodes.string() + ": cannot list: " + ec.message());
  std::sort(out->begin(), out->end(),
            [](const NodeLogs& a, const NodeLogs& b) { return a.node < b.node; });
  return Status::ok();
}

}  // namespace faultline
