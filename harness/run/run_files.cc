#include "harness/run/run_files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "base/exit_codes.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A test name as a directory name: anything but [A-Za-z0-9._+-] becomes '_'.
std::string dir_name(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!isalnum(static_cast<unsigned char>(c)) && std::strchr("._+-", c) == nullptr) c = '_';
  return out.empty() || out[0] == '.' ? "_" + out : out;
}

nlohmann::json manifest_json(const RunManifest& m) {
  nlohmann::json checkers = nlohmann::json::array();
  for (const CheckResult& r : m.checkers) checkers.push_back(r.to_json());
  nlohmann::json j = {{"run_id", m.run_id},   {"name", m.name},
                      {"target", m.target},   {"workload", m.workload},
                      {"nemesis", m.nemesis}, {"seed", m.seed},
                      {"config", m.config},   {"started_at_unix_ms", m.started_at_unix_ms},
                      {"status", m.status},   {"checkers", checkers},
                      {"ops", m.ops}};
  if (m.ended_at_unix_ms != 0) j["ended_at_unix_ms"] = m.ended_at_unix_ms;
  if (!m.verdict.empty()) j["verdict"] = m.verdict;
  return j;
}

}  // namespace

Status make_run_dir(const TestConfig& config, std::string* dir) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  const fs::path parent = fs::path(config.store) / dir_name(config.test_name());
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec)
    return Status::io_error(fmt::format("{}: cannot create: {}", parent.string(), ec.message()));
  for (int n = 1; n < 1000; ++n) {
    const fs::path p = parent / (n == 1 ? std::string(stamp) : fmt::format("{}-{}", stamp, n));
    if (fs::create_directory(p, ec)) {
      *dir = fs::absolute(p).lexically_normal().string();
      return Status::ok();
    }
    if (ec) return Status::io_error(fmt::format("{}: cannot create: {}", p.string(), ec.message()));
  }
  return Status::io_error(fmt::format("{}: too many runs in one second", parent.string()));
}

RunLogger::RunLogger(const std::string& path, Verbosity verbosity)
    : previous_(spdlog::default_logger()) {
  std::vector<spdlog::sink_ptr> sinks;
  try {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, true);
    file->set_level(spdlog::level::debug);
    sinks.push_back(file);
  } catch (const spdlog::spdlog_ex& e) {
    fmt::print(stderr, "faultline run: {}: {}\n", path, e.what());
  }
  auto console = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  console->set_level(verbosity == Verbosity::kVerbose ? spdlog::level::info
                     : verbosity == Verbosity::kQuiet ? spdlog::level::err
                                                      : spdlog::level::warn);
  sinks.push_back(console);
  auto logger = std::make_shared<spdlog::logger>("faultline", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::debug);
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v", spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

RunLogger::~RunLogger() {
  spdlog::default_logger()->flush();
  spdlog::set_default_logger(previous_);
}

Status begin_run(const TestConfig& config, const std::string& dir, Store& store, RunManifest* m) {
  RunInfo info;
  info.kind = RunKind::kTest;
  info.name = config.test_name();
  info.target = config.target;
  info.workload = config.workload;
  info.nemesis = config.nemesis;
  info.seed = static_cast<int64_t>(config.seed);
  info.started_at_ms = now_unix_ms();
  info.config = config.to_json();
  info.store_dir = dir;
  info.suite = config.suite;
  info.suite_run = config.suite_run;
  info.suite_case = config.suite_case;
  info.revision = config.revision;
  if (Status st = store.begin_run(info, &m->run_id); !st.is_ok()) return st;
  m->name = info.name;
  m->target = info.target;
  m->workload = info.workload;
  m->nemesis = info.nemesis;
  m->seed = config.seed;
  m->config = info.config;
  m->started_at_unix_ms = info.started_at_ms;
  m->status = "running";
  return write_run_manifest(dir, *m);
}

Status finish_run(const History& history, int exit_code, Store& store, RunManifest* m) {
  int64_t ok = 0, fail = 0, info = 0;
  for (const Event& e : history.events) {
    if (e.is_nemesis()) continue;
    ok += e.type == EventType::kOk;
    fail += e.type == EventType::kFail;
    info += e.type == EventType::kInfo;
  }
  m->ops = {{"ok", ok}, {"fail", fail}, {"info", info}};
  m->ended_at_unix_ms = now_unix_ms();
  Status first;
  for (const CheckResult& r : m->checkers) {
    Status st = store.record_result(m->run_id, r);
    if (first.is_ok()) first = st;
  }
  std::optional<Verdict> verdict = verdict_from_string(m->verdict);
  Status st =
      store.finish_run(m->run_id, m->status == "done" ? RunStatus::kDone : RunStatus::kAborted,
                       exit_code == exit_code::kInterrupted ? std::nullopt : verdict);
  return first.is_ok() ? st : first;
}

Status write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::io_error(fmt::format("{}: cannot create: {}", tmp, strerror(errno)));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    done += static_cast<size_t>(n);
  }
  const bool ok = done == text.size() && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::io_error(fmt::format("{}: cannot write: {}", path, strerror(ok ? errno : err)));
  return Status::ok();
}

Status write_run_manifest(const std::string& dir, const RunManifest& manifest) {
  return write_text_file(dir + "/run.json", manifest_json(manifest).dump(2) + "\n");
}

void print_summary(const TestConfig& config, const RunManifest& m, int code,
                   const std::string& report, std::ostream& out) {
  const std::string verdict = code == exit_code::kInterrupted ? "interrupted"
                              : m.verdict.empty()             ? "not checked"
                                                              : m.verdict;
  out << fmt::format("{}: {} (exit {}); ops ok {} fail {} info {}\n", config.test_name(), verdict,
                     code, m.ops.value("ok", 0), m.ops.value("fail", 0), m.ops.value("info", 0));
  for (const CheckResult& r : m.checkers) out << fmt::format("  {}\n", r.summary);
  out << fmt::format("  report: {}\n", report);
}

}  // namespace faultline
