#include "reports/run/suite_history.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace faultline {
namespace {

double rate(const SuitePoint& p) { return p.runs ? static_cast<double>(p.invalid) / p.runs : 0; }

std::optional<double> median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

std::optional<double> detection_seconds(const std::vector<CheckResult>& results) {
  std::optional<int64_t> first;
  auto consider = [&](const nlohmann::json& op) {
    if (!op.is_object() || !op.contains("time") || !op["time"].is_number_integer()) return;
    const int64_t t = op["time"].get<int64_t>();
    if (!first || t < *first) first = t;
  };
  for (const CheckResult& r : results)
    for (const Anomaly& a : r.anomalies) {
      if (!a.evidence.is_object()) continue;
      if (a.evidence.contains("core") && a.evidence["core"].is_array())
        for (const nlohmann::json& op : a.evidence["core"]) consider(op);
      if (a.evidence.contains("read")) consider(a.evidence["read"]);
    }
  if (!first) return std::nullopt;
  return static_cast<double>(*first) / 1e9;
}

bool verdict_meets(const std::string& expect, const std::string& verdict) {
  if (verdict != "valid" && verdict != "invalid") return false;
  return expect == "any" || expect == verdict;
}

Status suite_history(Store& store, const std::string& suite, std::vector<CaseHistory>* out) {
  out->clear();
  RunFilter filter;
  filter.suite = suite;
  filter.kind = RunKind::kTest;
  filter.limit = -1;
  std::vector<RunRecord> runs;
  if (Status st = store.list_runs(filter, &runs); !st.is_ok()) return st;
  std::reverse(runs.begin(), runs.end());  // oldest first
  std::map<std::string, CaseHistory> cases;
  std::map<std::string, std::map<std::string, std::set<bool>>> outcomes;  // case -> revision -> met
  for (const RunRecord& r : runs) {
    if (r.status == RunStatus::kRunning) continue;
    CaseHistory& c = cases[r.info.suite_case];
    c.suite_case = r.info.suite_case;
    c.expect = r.info.config.value("expect", std::string("valid"));
    if (c.expect.empty()) c.expect = "valid";
    // Points in the order of their suite runs' first runs (shards interleave).
    auto it = std::find_if(c.points.begin(), c.points.end(),
                           [&](const SuitePoint& p) { return p.suite_run == r.info.suite_run; });
    if (it == c.points.end()) {
      SuitePoint point;
      point.suite_run = r.info.suite_run;
      point.revision = r.info.revision;
      point.started_at_ms = r.info.started_at_ms;
      it = c.points.insert(c.points.end(), std::move(point));
    }
    SuitePoint& p = *it;
    const std::string verdict = r.verdict ? std::string(to_string(*r.verdict)) : "aborted";
    const bool met = verdict_meets(c.expect, verdict);
    ++p.runs;
    p.met += met;
    if (verdict == "invalid") {
      ++p.invalid;
      std::vector<CheckResult> results;
      if (store.read_results(r.id, &results).is_ok())
        if (auto d = detection_seconds(results)) p.detection_s.push_back(*d);
    }
    outcomes[c.suite_case][r.info.revision].insert(met);
  }
  for (auto& [id, c] : cases) {
    const size_t n = c.points.size();
    if (n >= 2) {
      const SuitePoint &latest = c.points[n - 1], &before = c.points[n - 2];
      c.newly_failing = latest.met < latest.runs && before.met == before.runs;
      c.detection_dropped = c.expect == "invalid" && rate(latest) < rate(before);
    }
    for (const auto& [revision, mets] : outcomes[id]) c.flaky |= mets.size() == 2;
    out->push_back(std::move(c));
  }
  return Status::ok();
}

std::string suite_history_table(const std::vector<CaseHistory>& cases, size_t last) {
  std::string out =
      "| case | expect | history (oldest first) | latest | detection rate | median detection (s) | "
      "flags |\n|---|---|---|---|---|---:|---|\n";
  for (const CaseHistory& c : cases) {
    std::string strip;
    const size_t from = c.points.size() > last ? c.points.size() - last : 0;
    for (size_t i = from; i < c.points.size(); ++i) {
      const SuitePoint& p = c.points[i];
      strip += p.met == p.runs ? '+' : p.met == 0 ? 'x' : '~';
    }
    const SuitePoint& latest = c.points.back();
    std::string detection = "—";
    if (c.expect == "invalid" || latest.invalid > 0) {
      detection = fmt::format("{}/{}", latest.invalid, latest.runs);
      if (c.points.size() >= 2) {
        const SuitePoint& before = c.points[c.points.size() - 2];
        detection += fmt::format(" (was {}/{})", before.invalid, before.runs);
      }
    }
    const std::optional<double> ttd = median(latest.detection_s);
    std::vector<std::string> flags;
    if (c.newly_failing) flags.push_back("NEWLY FAILING");
    if (c.detection_dropped) flags.push_back("DETECTION DROPPED");
    if (c.flaky) flags.push_back("flaky");
    out += fmt::format("| {} | {} | `{}` | {}/{} met ({}) | {} | {} | {} |\n", c.suite_case,
                       c.expect, strip, latest.met, latest.runs,
                       latest.revision.empty() ? latest.suite_run : latest.revision, detection,
                       ttd ? fmt::format("{:.1f}", *ttd) : "—", fmt::join(flags, ", "));
  }
  return out;
}

}  // namespace faultline
