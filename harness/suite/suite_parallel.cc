// SuiteRunner::run_parallel (`faultline suite --parallel N`): up to N cases
// at once, each a child process running that case alone on a local cluster
// of its own (one per slot, so each on its own subnet: cluster up takes the
// subnet lock), its result read back from a JSON file. A child that ends
// without writing one (crashed, killed) is an infrastructure error naming
// its log; a case that ends in error shows its log's last lines.
#include <fmt/format.h>
#include <signal.h>

#include <cctype>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/exit_codes.h"
#include "harness/suite/suite_runner.h"
#include "spawn/spawn.h"

namespace faultline {
namespace {

// A case id as a file name: characters other than letters, digits, '-', '.'
// and '=' become '_'.
std::string file_name_of(const std::string& id) {
  std::string out = id;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '=') c = '_';
  return out;
}

// The last `count` lines of the file at `path`, each indented ("" when it
// cannot be read): in parallel, why a case ended in error is in its log.
std::string last_lines(const std::string& path, size_t count) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(std::move(line));
    if (last.size() > count) last.pop_front();
  }
  std::string out;
  for (const std::string& line : last) out += "    " + line + "\n";
  return out;
}

struct Child {
  size_t index = 0;
  int slot = 0;
  pid_t pid = 0;
  std::chrono::steady_clock::time_point start;
};

}  // namespace

std::string SuiteRunner::child_result_file(size_t index) const {
  return options_.log_dir + "/" + file_name_of(cases_[index].id) + ".result.json";
}

std::string SuiteRunner::child_log(size_t index) const {
  return options_.log_dir + "/" + file_name_of(cases_[index].id) + ".log";
}

void SuiteRunner::run_parallel() {
  std::error_code ec;
  std::filesystem::create_directories(options_.log_dir, ec);
  std::cerr << fmt::format("{} case(s) at once; each case's output: {}/<case>.log\n",
                           options_.parallel, options_.log_dir);
  std::vector<bool> slot_busy(options_.parallel, false);
  std::vector<Child> running;
  size_t next = 0;
  auto launch = [&](size_t index) {
    Child child{index, 0, 0, std::chrono::steady_clock::now()};
    while (slot_busy[child.slot]) ++child.slot;
    const std::string cluster = slot_cluster_name(cases_[index].config.cluster, child.slot);
    const std::string result_file = child_result_file(index);
    std::filesystem::remove(result_file, ec);
    std::vector<std::string> argv = options_.child_command;
    argv.insert(argv.end(), {"--case", cases_[index].id, "--suite-id", options_.suite_id, "--quiet",
                             "--result-file", result_file, "--cluster", cluster});
    announce(index, " on cluster " + cluster);
    std::lock_guard<std::mutex> lock(mutex_);
    if (Status st = spawn_child(argv, {child_log(index), child_log(index)}, &child.pid);
        !st.is_ok()) {
      CaseResult r;
      r.id = cases_[index].id;
      r.expect = cases_[index].expect;
      r.verdict = "error";
      r.exit_code = exit_code::kInfrastructure;
      std::cerr << fmt::format("faultline suite: {}\n", st.message());
      finish(index, std::move(r));
      return;
    }
    slot_busy[child.slot] = true;
    children_.push_back(child.pid);
    if (interrupted_) ::kill(child.pid, SIGINT);  // interrupt() ran before it was listed
    running.push_back(child);
  };
  auto collect = [&](const Child& child, int status) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      std::erase(children_, child.pid);
    }
    slot_busy[child.slot] = false;
    CaseResult r;
    if (Status st = read_case_result(child_result_file(child.index), &r); !st.is_ok()) {
      r = CaseResult{};
      r.id = cases_[child.index].id;
      r.expect = cases_[child.index].expect;
      r.verdict = "error";
      r.exit_code = status;
      r.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - child.start).count();
      std::cerr << fmt::format("faultline suite: case {} ended with status {} and no result\n",
                               r.id, status);  // the error's message below names its log
    }
    if (r.verdict == "error") {
      std::cerr << fmt::format("faultline suite: case {} ended in error; the end of {}:\n{}", r.id,
                               child_log(child.index), last_lines(child_log(child.index), 10));
    }
    finish(child.index, std::move(r));
  };
  while (!running.empty() || (next < cases_.size() && !interrupted_)) {
    while (!interrupted_ && next < cases_.size() &&
           running.size() < static_cast<size_t>(options_.parallel))
      launch(next++);
    for (size_t i = 0; i < running.size();) {
      int status = 0;
      if (wait_child(running[i].pid, std::chrono::milliseconds(100), &status).is_ok()) {
        collect(running[i], status);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }
}

}  // namespace faultline
