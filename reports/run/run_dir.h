// A test run's store directory, as `faultline run` writes it (docs/reports.md):
//   <store>/<test-name>/<YYYYmmddTHHMMSSZ>/
//     run.json          what ran and what the checkers said (RunManifest)
//     history.jsonl     the history (docs/history.md)
//     faultline.log     the controller's log
//     nodes/<node>/*.log  each node's logs
//     report.html, junit.xml
//     controller.lock   held while the controller runs (controller_lock.h)
// This reads the parts reports need; nothing here writes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "checkers/checker.h"

namespace faultline {

// run.json. Fields a run that was aborted early may lack are left empty.
struct RunManifest {
  int64_t run_id = 0;  // the run's id in the store; 0 if not recorded
  std::string name, target, workload, nemesis;
  nlohmann::json seed;  // a number, or null
  nlohmann::json config = nlohmann::json::object();
  int64_t started_at_unix_ms = 0;
  int64_t ended_at_unix_ms = 0;  // 0 if the run never ended
  std::string status;            // "running" (while it runs), "done" or "aborted"
  std::string verdict;           // "valid", "invalid" or "unknown"; "" if none
  std::vector<CheckResult> checkers;
  nlohmann::json ops = nlohmann::json::object();  // {"ok": n, "fail": n, "info": n}
};

// Parses run.json's text; `source` names it in errors ("run.json: expected ...").
Status parse_run_manifest(const std::string& text, const std::string& source, RunManifest* out);
// Reads <dir>/run.json.
Status read_run_manifest(const std::string& dir, RunManifest* out);

// "valid", "invalid" or "unknown" as a Verdict; nullopt for anything else.
std::optional<Verdict> verdict_from_string(std::string_view text);

// The inverse of CheckResult::to_json; `source` names the input in errors.
Status check_result_from_json(const nlohmann::json& j, const std::string& source, CheckResult* out);

struct NodeLogs {
  std::string node;                // the directory name under nodes/
  std::vector<std::string> files;  // paths relative to the run directory, sorted
};

// Every regular file under <dir>/nodes/<node>/ (recursively), per node, nodes
// sorted by name. A run without a nodes/ directory has none.
Status list_node_logs(const std::string& dir, std::vector<NodeLogs>* out);

// Reads a whole file; an io_error names it.
Status read_text_file(const std::string& path, std::string* out);

}  // namespace faultline
