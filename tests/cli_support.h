// Helpers for the end-to-end tests of the `faultline` executable (cli_test.cc,
// cli_reports_test.cc): scratch directories and running the binary with its
// exit code, stdout and stderr captured.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

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

// Starts `program args...` with stdout and stderr going to files under `dir`;
// returns its pid, or -1 (with a test failure) if it cannot run.
inline pid_t start(const fs::path& dir, const std::string& program,
                   const std::vector<std::string>& args) {
  const std::string out_path = (dir / "stdout").string(), err_path = (dir / "stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (const auto& [fd, path] : {std::pair{1, &out_path}, std::pair{2, &err_path}})
    posix_spawn_file_actions_addopen(&actions, fd, path->c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    ADD_FAILURE() << "cannot run " << program << ": " << std::strerror(spawn_error);
    return -1;
  }
  return pid;
}

// Waits for a process from start() and collects what it said.
inline Result finish(const fs::path& dir, pid_t pid) {
  Result result;
  if (pid < 0) return result;
  int status = 0;
  waitpid(pid, &status, 0);
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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

}  // namespace cli_support
