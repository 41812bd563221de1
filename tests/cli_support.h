// Helpers for the end-to-end tests of the `faultline` executable (cli_test.cc,
// cli_reports_test.cc): scratch directories and running the binary with its
// exit code, stdout and stderr captured.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "spawn/spawn.h"

namespace cli_support {

namespace fs = std::filesystem;

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A scratch directory, removed when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::path(testing::TempDir()) / "faultline-cli-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Result {
  int code = -1;  // the exit code, or 128 + the signal that killed it
  std::string out;
  std::string err;
};

// Starts `program args...` (spawn/spawn.h) with stdout and stderr going to
// files under `dir`; returns its pid, or -1 (with a test failure) if it cannot run.
inline pid_t start(const fs::path& dir, const std::string& program,
                   const std::vector<std::string>& args) {
  std::vector<std::string> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = -1;
  const faultline::Status st =
      faultline::spawn_child(argv, {(dir / "stdout").string(), (dir / "stderr").string()}, &pid);
  if (!st.is_ok()) ADD_FAILURE() << st.message();
  return st.is_ok() ? pid : -1;
}

// Waits (up to 10 minutes) for a process from start() and collects what it said.
inline Result finish(const fs::path& dir, pid_t pid) {
  Result result;
  if (pid < 0) return result;
  if (faultline::Status st = faultline::wait_child(pid, std::chrono::minutes(10), &result.code);
      !st.is_ok()) {
    ADD_FAILURE() << st.message();
    result.code = faultline::kill_child(pid);
  }
  result.out = read_file(dir / "stdout");
  result.err = read_file(dir / "stderr");
  return result;
}

// Runs `program args...` with stdout and stderr captured in files under `dir`.
inline Result spawn(const fs::path& dir, const std::string& program,
                    const std::vector<std::string>& args) {
  return finish(dir, start(dir, program, args));
}

// Prints what the binary said when an assertion about it fails.
inline std::string said(const Result& r) {
  return "exit " + std::to_string(r.code) + "\n--- stdout:\n" + r.out + "--- stderr:\n" + r.err;
}

// The small test of `faultline sim`'s end-to-end tests: 3 nodes, 6 clients
// at 100 ops/s, 10 virtual seconds, a fault every second on average.
inline std::vector<std::string> small_sim_test() {
  return {"--nodes",      "3",  "--concurrency",      "6", "--rate",       "100",
          "--time-limit", "10", "--nemesis-interval", "1", "--op-timeout", "1"};
}

}  // namespace cli_support
