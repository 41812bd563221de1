#include "spawn/spawn.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
// clang-format off: Boost.Process 1.81 uses these without including them.
#include <boost/io/quoted.hpp>
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
// clang-format on
#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

namespace faultline {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using Clock = std::chrono::steady_clock;
using Process = bp::basic_process<asio::io_context::executor_type>;

// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  int release() { return std::exchange(fd, -1); }
};

// Every descriptor is close-on-exec: other threads spawn concurrently, and a
// pipe's write end leaked into their children would keep our reads from ever
// seeing end-of-file. The child's ends reach it through dup2, which clears the flag.
Status make_pipe(Fd* read_end, Fd* write_end) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return Status::io_error("pipe: " + std::string(strerror(errno)));
  read_end->fd = p[0];
  write_end->fd = p[1];
  return Status::ok();
}

Status open_file(const std::string& path, int flags, Fd* fd) {
  fd->fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd->fd < 0) return Status::io_error(fmt::format("cannot open {}: {}", path, strerror(errno)));
  return Status::ok();
}

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// The initializer every launch gets. Boost.Process calls on_exec_setup in the
// child between fork and exec, so it makes only async-signal-safe calls.
struct ChildSetup {
  pid_t die_with = 0;      // the parent whose (thread's) end kills the child; 0: none
  int detach_pid_fd = -1;  // >= 0: new session, fork again, the grandchild's pid goes here

  template <typename Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) const {
    // Ignored signals stay ignored across exec, blocked ones stay blocked: a
    // command started from a thread that blocks SIGINT could not be interrupted.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &default_action, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (die_with != 0) {
      // A command must not outlive a controller killed mid-way (it could
      // create a namespace after `down` has looked).
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != die_with) _exit(127);
    }
    if (detach_pid_fd >= 0) {
      setsid();
      const pid_t child = fork();
      if (child != 0) {
        (void)!write(detach_pid_fd, &child, sizeof child);
        _exit(child < 0 ? 1 : 0);
      }
    }
    return {};
  }

  // A failed exec has reported errno to the parent already; _exit, because
  // Boost's own exit() would run the parent's atexit handlers and destructors
  // in the child. (Boost 1.81 looks for on_exec_error with one argument more
  // than it passes: the variadic signature answers both.)
  template <typename... Args>
  void on_exec_error(Args&&...) const {
    _exit(127);
  }
};

// Starts argv with stdin, stdout and stderr on the given descriptors; on
// success *process owns the child, on failure a forked child is reaped.
Status launch(asio::io_context& ctx, const std::vector<std::string>& argv, std::array<int, 3> stdio,
              const ChildSetup& setup, Process* process) {
  if (argv.empty()) return Status::invalid_argument("cannot run an empty command");
  const std::string exe = argv[0].find('/') == std::string::npos ? find_program(argv[0]) : argv[0];
  if (exe.empty())
    return Status::io_error(fmt::format("cannot run {}: not found in PATH", argv[0]));
  // Passed as char pointers, argv goes to execve as it is (argv[0] unresolved).
  std::vector<const char*> args;
  for (const std::string& a : argv) args.push_back(a.c_str());
  args.push_back(nullptr);
  // One launch at a time: Boost 1.81 makes its exec-error pipe close-on-exec
  // only after pipe() returns, and a fork in another thread in between would
  // leak that pipe into a child that may hold it for its life (a daemon), so
  // that this launch would wait for exec forever.
  static std::mutex one_launch_at_a_time;
  std::lock_guard lock(one_launch_at_a_time);
  bp::default_process_launcher launcher;
  bp::error_code ec;
  *process = launcher(ctx.get_executor(), ec, exe, args.data(),
                      bp::process_stdio{stdio[0], stdio[1], stdio[2]}, setup);
  if (ec) {
    if (launcher.pid > 0) waitpid(launcher.pid, nullptr, 0);
    return Status::io_error(fmt::format("cannot run {}: {}", argv[0], ec.message()));
  }
  return Status::ok();
}

// Reads `pipe` to its end into *text, then calls `done`.
class Drain {
 public:
  Drain(asio::readable_pipe& pipe, std::string* text, std::function<void()> done)
      : pipe_(pipe), text_(text), done_(std::move(done)) {}
  void start() {
    pipe_.async_read_some(asio::buffer(buffer_), [this](bp::error_code ec, size_t n) {
      text_->append(buffer_.data(), n);
      if (ec) return done_();
      start();
    });
  }

 private:
  asio::readable_pipe& pipe_;
  std::string* text_;
  std::function<void()> done_;
  std::array<char, 16384> buffer_;
};

}  // namespace

std::string join_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

std::string find_program(const std::string& program) {
  return bp::environment::find_executable(program).string();
}

Status run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                   CommandResult* result, const std::string& stdin_text) {
  *result = CommandResult{};
  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  for (auto [r, w] : {std::pair<Fd*, Fd*>{&in_r, &in_w}, {&out_r, &out_w}, {&err_r, &err_w}})
    if (Status st = make_pipe(r, w); !st.is_ok()) return st;
  asio::io_context ctx;
  Process process(ctx.get_executor());
  if (Status st = launch(ctx, argv, {in_r.fd, out_w.fd, err_w.fd}, {getpid()}, &process);
      !st.is_ok())
    return st;
  in_r.reset();
  out_w.reset();
  err_w.reset();

  asio::writable_pipe to_child(ctx, in_w.release());
  asio::readable_pipe from_out(ctx, out_r.release()), from_err(ctx, err_r.release());
  asio::steady_timer deadline(ctx, timeout);
  int pending = 3;  // stdout and stderr read to their end, the exit seen
  bool exited = false, timed_out = false;
  auto one_done = [&] {
    if (--pending == 0) deadline.cancel();
  };
  Drain out(from_out, &result->stdout_text, one_done),
      err(from_err, &result->stderr_text, one_done);
  out.start();
  err.start();
  if (stdin_text.empty()) {
    to_child.close();
  } else {
    asio::async_write(to_child, asio::buffer(stdin_text),
                      [&](bp::error_code, size_t) { to_child.close(); });
  }
  process.async_wait([&](bp::error_code, int) {
    exited = true;
    one_done();
  });
  deadline.async_wait([&](bp::error_code ec) {
    if (ec) return;
    timed_out = true;
    ctx.stop();
  });
  ctx.run();
  if (timed_out) {
    bp::error_code ignored;
    if (!exited) {
      process.terminate(ignored);
      process.wait(ignored);
    }
    return Status::io_error(
        fmt::format("`{}` timed out after {} ms", join_argv(argv), timeout.count()));
  }
  result->exit_status = decode_wait_status(process.native_exit_code());
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

Status spawn_child(const std::vector<std::string>& argv, const OutputFiles& files, pid_t* pid) {
  const int mode = O_WRONLY | O_CREAT | (files.append ? O_APPEND : O_TRUNC);
  Fd in, out, err;
  if (Status st = open_file("/dev/null", O_RDONLY, &in); !st.is_ok()) return st;
  if (Status st = open_file(files.stdout_path, mode, &out); !st.is_ok()) return st;
  const bool one_file = files.stderr_path == files.stdout_path;
  if (!one_file)
    if (Status st = open_file(files.stderr_path, mode, &err); !st.is_ok()) return st;
  asio::io_context ctx;
  Process process(ctx.get_executor());
  if (Status st = launch(ctx, argv, {in.fd, out.fd, one_file ? out.fd : err.fd}, {}, &process);
      !st.is_ok())
    return st;
  *pid = process.id();
  process.detach();  // else its destructor would kill it, or reap it
  return Status::ok();
}

Status wait_child(pid_t pid, std::chrono::milliseconds timeout, int* exit_status) {
  const auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::microseconds(200);
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      *exit_status = decode_wait_status(status);
      return Status::ok();
    }
    if (r < 0 && errno != EINTR)
      return Status::io_error(fmt::format("cannot wait for pid {}: {}", pid, strerror(errno)));
    if (Clock::now() >= deadline)
      return Status::io_error(fmt::format("pid {} still runs after {} ms", pid, timeout.count()));
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(10));
  }
}

int kill_child(pid_t pid, int signal) {
  if (pid <= 0) return -1;
  kill(pid, signal);
  int status = 0;
  pid_t r;
  while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  return r == pid ? decode_wait_status(status) : -1;
}

Status spawn_detached(const std::vector<std::string>& argv, const std::string& log_path,
                      pid_t* pid) {
  Fd in, log, pid_r, pid_w;
  if (Status st = open_file("/dev/null", O_RDONLY, &in); !st.is_ok()) return st;
  if (Status st = open_file(log_path, O_WRONLY | O_CREAT | O_APPEND, &log); !st.is_ok()) return st;
  if (Status st = make_pipe(&pid_r, &pid_w); !st.is_ok()) return st;
  asio::io_context ctx;
  Process middle(ctx.get_executor());
  // The launcher sees the grandchild's exec fail: its error pipe closes only
  // when both the middle process and the grandchild are gone or exec'd.
  if (Status st = launch(ctx, argv, {in.fd, log.fd, log.fd}, {0, pid_w.fd}, &middle); !st.is_ok())
    return st;
  bp::error_code ignored;
  middle.wait(ignored);
  pid_w.reset();
  pid_t child = -1;
  if (read(pid_r.fd, &child, sizeof child) != sizeof child || child < 0)
    return Status::io_error(fmt::format("cannot start {}: fork failed", argv[0]));
  *pid = child;
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
