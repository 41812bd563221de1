#include "harness/nodes/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;

// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid` until `deadline`; false if it is still running then.
bool wait_child(pid_t pid, Clock::time_point deadline, int* status) {
  auto pause = std::chrono::microseconds(200);
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(10));
  }
}

}  // namespace

std::string join_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

Status run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                   CommandResult* result, const std::string& stdin_text) {
  *result = CommandResult{};
  if (argv.empty()) return Status::invalid_argument("run_command: empty command");
  // O_CLOEXEC: other threads spawn concurrently, and a write end leaked into
  // their children would keep our reads from ever seeing end-of-file.
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) return Status::io_error("pipe: " + std::string(strerror(errno)));
  Fd in_r{in[0]}, in_w{in[1]};
  if (pipe2(out, O_CLOEXEC) != 0) return Status::io_error("pipe: " + std::string(strerror(errno)));
  Fd out_r{out[0]}, out_w{out[1]};
  if (pipe2(err, O_CLOEXEC) != 0) return Status::io_error("pipe: " + std::string(strerror(errno)));
  Fd err_r{err[0]}, err_w{err[1]};

  std::vector<char*> args = c_argv(argv);
  const std::string not_found = "cannot run " + argv[0] + "\n";
  const pid_t parent = getpid();
  // fork rather than posix_spawn, for PR_SET_PDEATHSIG: a command must not
  // outlive a controller killed mid-way (it could create a namespace after
  // `down` has looked). Only async-signal-safe calls after fork.
  const pid_t pid = fork();
  if (pid < 0)
    return Status::io_error(fmt::format("cannot run {}: fork: {}", argv[0], strerror(errno)));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(in_r.fd, 0);
    dup2(out_w.fd, 1);
    dup2(err_w.fd, 2);
    execvp(args[0], args.data());
    (void)!write(2, not_found.data(), not_found.size());
    _exit(127);
  }
  in_r.reset();
  out_w.reset();
  err_w.reset();
  if (stdin_text.empty()) in_w.reset();
  fcntl(in_w.fd, F_SETFL, O_NONBLOCK);

  const auto deadline = Clock::now() + timeout;
  size_t written = 0;
  char buf[16384];
  while (out_r.fd >= 0 || err_r.fd >= 0) {
    pollfd fds[3] = {{out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0}, {in_w.fd, POLLOUT, 0}};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    int n = poll(fds, 3, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      Fd& fd = i == 0 ? out_r : err_r;
      ssize_t got = read(fd.fd, buf, sizeof buf);
      if (got > 0) {
        (i == 0 ? result->stdout_text : result->stderr_text).append(buf, got);
      } else if (got == 0 || errno != EINTR) {
        fd.reset();
      }
    }
    if (fds[2].revents != 0) {
      ssize_t put = write(in_w.fd, stdin_text.data() + written, stdin_text.size() - written);
      if (put > 0) written += put;
      if (put < 0 && errno != EAGAIN && errno != EINTR) in_w.reset();
      if (written == stdin_text.size()) in_w.reset();
    }
  }
  in_w.reset();
  int status = 0;
  if (!wait_child(pid, deadline, &status)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return Status::io_error(
        fmt::format("`{}` timed out after {} ms", join_argv(argv), timeout.count()));
  }
  result->exit_status = decode_wait_status(status);
  return Status::ok();
}

Status run_checked(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                   CommandResult* result, const std::string& stdin_text) {
  CommandResult local;
  CommandResult* r = result != nullptr ? result : &local;
  if (Status st = run_command(argv, timeout, r, stdin_text); !st.is_ok()) return st;
  if (r->exit_status == 0) return Status::ok();
  std::string err = r->stderr_text;
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  return Status::io_error(
      fmt::format("`{}` exited with {}: {}", join_argv(argv), r->exit_status, err));
}

Status spawn_detached(const std::vector<std::string>& argv, const std::string& log_path,
                      pid_t* pid) {
  if (argv.empty()) return Status::invalid_argument("spawn_detached: empty command");
  // Everything the children need is prepared before fork: after it, in a
  // threaded program, only async-signal-safe calls are allowed.
  std::vector<char*> args = c_argv(argv);
  int pid_pipe[2], err_pipe[2];
  if (pipe2(pid_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    return Status::io_error("pipe: " + std::string(strerror(errno)));
  Fd pid_r{pid_pipe[0]}, pid_w{pid_pipe[1]}, err_r{err_pipe[0]}, err_w{err_pipe[1]};
  pid_t middle = fork();
  if (middle < 0) return Status::io_error("fork: " + std::string(strerror(errno)));
  if (middle == 0) {
    setsid();
    pid_t child = fork();
    if (child == 0) {
      int devnull = open("/dev/null", O_RDONLY);
      int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (devnull < 0 || log < 0) {
        int e = errno;
        (void)!write(err_w.fd, &e, sizeof e);
        _exit(127);
      }
      dup2(devnull, 0);
      dup2(log, 1);
      dup2(log, 2);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execvp(args[0], args.data());
      int e = errno;
      (void)!write(err_w.fd, &e, sizeof e);
      _exit(127);
    }
    (void)!write(pid_w.fd, &child, sizeof child);
    _exit(child < 0 ? 1 : 0);
  }
  pid_w.reset();
  err_w.reset();
  int status = 0;
  waitpid(middle, &status, 0);
  pid_t child = -1;
  if (read(pid_r.fd, &child, sizeof child) != sizeof child || child < 0)
    return Status::io_error(fmt::format("cannot start {}: fork failed", argv[0]));
  // The error pipe closes on a successful exec; otherwise it carries errno.
  int child_errno = 0;
  if (read(err_r.fd, &child_errno, sizeof child_errno) == sizeof child_errno)
    return Status::io_error(
        fmt::format("cannot start {}: {}", join_argv(argv), strerror(child_errno)));
  *pid = child;
  return Status::ok();
}

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

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return false;
  // The state follows the command name, which is in parentheses and may hold spaces.
  size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return false;
  char state = line[close + 2];
  return state != 'Z' && state != 'X';
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

Status terminate_processes(const std::vector<pid_t>& pids, std::chrono::milliseconds grace) {
  auto all_gone = [&](Clock::time_point deadline) {
    for (;;) {
      bool any = false;
      for (pid_t p : pids) any = any || process_alive(p);
      if (!any) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  for (pid_t p : pids)
    if (process_alive(p)) {
      kill(p, SIGTERM);
      kill(p, SIGCONT);  // a paused process acts on SIGTERM only once resumed
    }
  if (all_gone(Clock::now() + grace)) return Status::ok();
  for (pid_t p : pids)
    if (process_alive(p)) {
      kill(p, SIGKILL);
    }
  if (all_gone(Clock::now() + std::chrono::seconds(1))) return Status::ok();
  std::string left;
  for (pid_t p : pids)
    if (process_alive(p)) left += (left.empty() ? "" : ", ") + std::to_string(p);
  return Status::io_error("processes still alive after SIGKILL: " + left);
}

}  // namespace faultline
