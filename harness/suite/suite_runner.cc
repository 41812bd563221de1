#include "harness/suite/suite_runner.h"

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "base/exit_codes.h"
#include "harness/run/run_files.h"
#include "harness/run/runner.h"
#include "reports/junit.h"
#include "reports/run/run_dir.h"
#include "reports/run/suite_history.h"

namespace faultline {
namespace {

std::string make_suite_id(const std::string& name) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  std::random_device rd;
  return fmt::format("{}-{}-{:04x}", name, stamp, rd() & 0xffff);
}

std::string verdict_of(int exit_code) {
  switch (exit_code) {
    case exit_code::kValid: return "valid";
    case exit_code::kInvalid: return "invalid";
    case exit_code::kUnknown: return "unknown";
    case exit_code::kInterrupted: return "interrupted";
    default: return "error";
  }
}

}  // namespace

bool meets(const std::string& expect, int exit_code) {
  return verdict_meets(expect, verdict_of(exit_code));
}

SuiteRunner::SuiteRunner(std::string suite_name, std::vector<SuiteCase> cases, SuiteOptions options)
    : suite_name_(std::move(suite_name)), cases_(std::move(cases)), options_(std::move(options)) {
  if (options_.suite_id.empty()) options_.suite_id = make_suite_id(suite_name_);
  if (options_.log_dir.empty())
    options_.log_dir =
        (std::filesystem::temp_directory_path() / ("faultline-suite-" + options_.suite_id))
            .string();
}

std::string slot_cluster_name(const std::string& base, int slot) {
  const std::string number = std::to_string(slot + 1);
  return base.substr(0, std::min(base.size(), 8 - number.size())) + number;
}

Status write_case_result(const std::string& path, const CaseResult& r) {
  nlohmann::json j = {{"id", r.id},
                      {"expect", r.expect},
                      {"verdict", r.verdict},
                      {"exit_code", r.exit_code},
                      {"met", r.met},
                      {"seconds", r.seconds},
                      {"ops_per_s", r.ops_per_s},
                      {"store_dir", r.store_dir}};
  if (r.detection_s) j["detection_s"] = *r.detection_s;
  return write_text_file(path, j.dump() + "\n");
}

Status read_case_result(const std::string& path, CaseResult* out) {
  std::ifstream in(path);
  CaseResult result;  // nothing of what *out held survives
  CaseResult* r = &result;
  if (!in) return Status::io_error(fmt::format("{}: cannot read", path));
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    r->id = j.at("id").get<std::string>();
    r->expect = j.at("expect").get<std::string>();
    r->verdict = j.at("verdict").get<std::string>();
    r->exit_code = j.at("exit_code").get<int>();
    r->met = j.at("met").get<bool>();
    r->seconds = j.at("seconds").get<double>();
    r->ops_per_s = j.at("ops_per_s").get<double>();
    r->store_dir = j.at("store_dir").get<std::string>();
    if (j.contains("detection_s")) r->detection_s = j["detection_s"].get<double>();
  } catch (const nlohmann::json::exception& e) {
    return Status::malformed(fmt::format("{}: not a case result: {}", path, e.what()));
  }
  *out = std::move(result);
  return Status::ok();
}

void SuiteRunner::interrupt() {
  interrupted_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  if (current_) current_->interrupt();
  // A child stops as `faultline suite` does on SIGINT: its run heals, tears
  // down and records what it has.
  for (pid_t pid : children_) ::kill(pid, SIGINT);
}

CaseResult SuiteRunner::run_case(size_t index) {
  const SuiteCase& c = cases_[index];
  TestConfig config = c.config;
  config.suite = suite_name_;
  config.suite_run = options_.suite_id;
  config.suite_case = c.id;
  config.expect = c.expect;
  config.junit.clear();  // the suite writes one document for every case
  CaseResult r;
  r.id = c.id;
  r.expect = c.expect;
  const auto start = std::chrono::steady_clock::now();
  {
    Runner runner(
        config, options_.verbosity == Verbosity::kVerbose ? Verbosity::kNormal : Verbosity::kQuiet);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      current_ = &runner;
      if (interrupted_) runner.interrupt();
    }
    r.exit_code = runner.run();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      current_ = nullptr;
    }
    r.store_dir = runner.store_dir();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.verdict = verdict_of(r.exit_code);
  r.met = meets(c.expect, r.exit_code);
  RunManifest m;
  if (!r.store_dir.empty() && read_run_manifest(r.store_dir, &m).is_ok()) {
    if (r.exit_code == exit_code::kInvalid) r.detection_s = detection_seconds(m.checkers);
    if (m.ops.is_object() && config.time_limit_s > 0) {
      int64_t ops = 0;
      for (const auto& [kind, n] : m.ops.items())
        if (n.is_number_integer()) ops += n.get<int64_t>();
      r.ops_per_s = static_cast<double>(ops) / config.time_limit_s;
    }
  }
  return r;
}

void SuiteRunner::announce(size_t index, const std::string& where) const {
  if (options_.verbosity == Verbosity::kQuiet) return;
  std::cerr << fmt::format("[{}/{}] {}: running (expect {}){}\n", index + 1, cases_.size(),
                           cases_[index].id, cases_[index].expect, where);
}

void SuiteRunner::finish(size_t index, CaseResult r) {
  if (r.exit_code == exit_code::kInterrupted) interrupted_ = true;
  std::cerr << fmt::format(
      "[{}/{}] {}: {} (expected {}) in {:.1f} s{}{}\n", index + 1, cases_.size(), r.id, r.verdict,
      r.expect, r.seconds,
      r.detection_s ? fmt::format(", detected at {:.1f} s", *r.detection_s) : "",
      r.met ? "" : "  << NOT MET");
  results_.push_back(std::move(r));
}

void SuiteRunner::run_sequential() {
  for (size_t i = 0; i < cases_.size() && !interrupted_; ++i) {
    announce(i, "");
    finish(i, run_case(i));
  }
}

int SuiteRunner::run() {
  const auto start = std::chrono::steady_clock::now();
  std::cerr << fmt::format("faultline suite {}: {} case(s), suite id {}\n", suite_name_,
                           cases_.size(), options_.suite_id);
  if (options_.parallel > 1)
    run_parallel();
  else
    run_sequential();
  // The summary and JUnit list the cases in the file's order.
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < cases_.size(); ++i) order[cases_[i].id] = i;
  std::stable_sort(results_.begin(), results_.end(), [&](const CaseResult& a, const CaseResult& b) {
    return order[a.id] < order[b.id];
  });
  bool infrastructure = false;
  for (const CaseResult& r : results_) infrastructure |= r.verdict == "error";
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << summary(results_);
  if (!options_.junit.empty()) {
    std::vector<JUnitCase> cases;
    for (const CaseResult& r : results_) {
      JUnitCase jc;
      jc.name = r.id;
      jc.seconds = r.seconds;
      if (!r.met) {
        const bool ran = r.verdict == "valid" || r.verdict == "invalid";
        jc.outcome = ran ? JUnitCase::kFailure : JUnitCase::kError;
        jc.type = r.verdict;
        jc.message = fmt::format("{}, expected {} (exit {})", r.verdict, r.expect, r.exit_code);
        jc.text = r.store_dir.empty() ? "" : "run directory: " + r.store_dir;
      }
      cases.push_back(std::move(jc));
    }
    if (Status st = write_text_file(options_.junit, junit_document(suite_name_, cases, seconds));
        !st.is_ok()) {
      std::cerr << "faultline suite: " << st.message() << "\n";
      infrastructure = true;
    }
  }
  if (interrupted_) return exit_code::kInterrupted;
  if (infrastructure) return exit_code::kInfrastructure;
  for (const CaseResult& r : results_)
    if (!r.met) return exit_code::kInvalid;
  return exit_code::kValid;
}

std::string SuiteRunner::summary(const std::vector<CaseResult>& results) {
  std::string out =
      "| case | verdict | expected | met | time to detection (s) | ops/s | duration (s) |\n"
      "|---|---|---|---|---:|---:|---:|\n";
  size_t met = 0;
  for (const CaseResult& r : results) {
    met += r.met;
    out += fmt::format("| {} | {} | {} | {} | {} | {:.0f} | {:.1f} |\n", r.id, r.verdict, r.expect,
                       r.met ? "yes" : "**no**",
                       r.detection_s ? fmt::format("{:.1f}", *r.detection_s) : "—", r.ops_per_s,
                       r.seconds);
  }
  out += fmt::format("\n{} of {} case(s) met their expectation\n", met, results.size());
  return out;
}

}  // namespace faultline
