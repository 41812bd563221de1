#include "harness/nodes/process.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "spawn/spawn.h"

namespace faultline {

Status run_parallel(size_t count, const std::function<Status(size_t)>& fn, size_t max_threads) {
  std::vector<Status> results(count);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < count;) results[i] = fn(i);
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < std::min(count, std::max<size_t>(max_threads, 1)); ++t)
    threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  for (Status& st : results)
    if (!st.is_ok()) return st;
  return Status::ok();
}

std::string process_cmdline(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text)
    if (c == '\0') c = ' ';
  return text;
}

std::vector<pid_t> pids_with_cmdline_containing(const std::vector<std::string>& parts) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == getpid() || !process_alive(pid)) continue;
    const std::string cmdline = process_cmdline(pid);
    bool all = true;
    for (const std::string& part : parts) all = all && cmdline.find(part) != std::string::npos;
    if (all) out.push_back(pid);
  }
  return out;
}

}  // namespace faultline
