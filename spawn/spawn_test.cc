// The spawner on real processes: exit statuses, captured output, timeouts,
// programs that do not exist, children and detached daemons, and the signal
// state every child starts with.
#include "spawn/spawn.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace faultline {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A scratch directory, removed when the test ends.
struct TempDir {
  std::string path;
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "faultline-spawn-XXXXXX");
    path = mkdtemp(templ.data()) != nullptr ? templ : "";
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// The lines of /proc/self/status saying which signals are blocked and ignored:
// what a child reports with this command.
const std::vector<std::string> kSignalState = {"grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"};
const std::string kClean = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n";

// While alive, this thread blocks SIGINT and SIGTERM (as `faultline run`'s
// threads do) and the process ignores SIGQUIT and SIGPIPE.
class SignalsBlockedAndIgnored {
 public:
  SignalsBlockedAndIgnored() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGQUIT, &ignore, &old_quit_);
    sigaction(SIGPIPE, &ignore, &old_pipe_);
  }
  ~SignalsBlockedAndIgnored() {
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
    sigaction(SIGQUIT, &old_quit_, nullptr);
    sigaction(SIGPIPE, &old_pipe_, nullptr);
  }

 private:
  sigset_t old_mask_;
  struct sigaction old_quit_ {
  }, old_pipe_{};
};

TEST(Spawn, EveryChildStartsWithNoSignalBlockedOrIgnored) {
  SignalsBlockedAndIgnored parent_state;
  CommandResult r;
  ASSERT_TRUE(run_command({"grep", "SigBlk", "/proc/self/status"}, 10s, &r).is_ok());
  EXPECT_EQ(r.stdout_text, "SigBlk:\t0000000000000000\n");
  ASSERT_TRUE(run_command(kSignalState, 10s, &r).is_ok());
  EXPECT_EQ(r.stdout_text, kClean);
  // The blocked SIGINT does not stop a command from being interrupted.
  ASSERT_TRUE(run_command({"sh", "-c", "kill -INT $$; sleep 5"}, 10s, &r).is_ok());
  EXPECT_EQ(r.exit_status, 128 + SIGINT);

  TempDir dir;
  pid_t pid = -1;
  const std::string child_out = dir.path + "/child.out";
  ASSERT_TRUE(spawn_child(kSignalState, {child_out, child_out}, &pid).is_ok());
  int exit_status = -1;
  ASSERT_TRUE(wait_child(pid, 10s, &exit_status).is_ok());
  EXPECT_EQ(read_file(child_out), kClean);

  const std::string daemon_log = dir.path + "/daemon.log";
  ASSERT_TRUE(spawn_detached(kSignalState, daemon_log, &pid).is_ok());
  for (auto deadline = Clock::now() + 10s; process_alive(pid) && Clock::now() < deadline;)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(read_file(daemon_log), kClean);
}

TEST(Spawn, ExitStatusIsTheCodeOr128PlusTheSignal) {
  CommandResult r;
  ASSERT_TRUE(run_command({"sh", "-c", "exit 3"}, 10s, &r).is_ok());
  EXPECT_EQ(r.exit_status, 3);
  ASSERT_TRUE(run_command({"sh", "-c", "kill -KILL $$"}, 10s, &r).is_ok());
  EXPECT_EQ(r.exit_status, 128 + SIGKILL);
  ASSERT_TRUE(run_command({"true"}, 10s, &r).is_ok());
  EXPECT_EQ(r.exit_status, 0);
}

TEST(Spawn, CapturesStdoutAndStderrAndFeedsStdin) {
  CommandResult r;
  ASSERT_TRUE(run_command({"sh", "-c", "echo out; echo err >&2; cat"}, 10s, &r, "in\n").is_ok());
  EXPECT_EQ(r.stdout_text, "out\nin\n");
  EXPECT_EQ(r.stderr_text, "err\n");
  // More than a pipe holds, both ways at once: no deadlock.
  const std::string big(1 << 20, 'x');
  ASSERT_TRUE(run_command({"cat"}, 30s, &r, big).is_ok());
  EXPECT_EQ(r.stdout_text.size(), big.size());
  EXPECT_EQ(r.exit_status, 0);
}

TEST(Spawn, RunCheckedTurnsANonZeroExitIntoAnErrorWithStderr) {
  Status st = run_checked({"sh", "-c", "echo broken >&2; exit 2"}, 10s);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "`sh -c echo broken >&2; exit 2` exited with 2: broken");
  EXPECT_TRUE(run_checked({"true"}, 10s).is_ok());
}

TEST(Spawn, TimeoutKillsTheCommandAndSaysSo) {
  CommandResult r;
  const auto start = Clock::now();
  Status st = run_command({"sh", "-c", "echo $$; exec sleep 30"}, 300ms, &r);
  ASSERT_FALSE(st.is_ok());
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(st.message(), "`sh -c echo $$; exec sleep 30` timed out after 300 ms");
  const pid_t pid = std::atoi(r.stdout_text.c_str());
  ASSERT_GT(pid, 0) << r.stdout_text;
  EXPECT_FALSE(process_alive(pid));
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);  // reaped: no zombie left behind
}

TEST(Spawn, AProgramThatDoesNotExistIsAClearError) {
  CommandResult r;
  Status st = run_command({"faultline-no-such-program", "x"}, 10s, &r);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "cannot run faultline-no-such-program: not found in PATH");
  st = run_command({"/nonexistent/program"}, 10s, &r);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.message(), "cannot run /nonexistent/program: No such file or directory");
  EXPECT_FALSE(run_command({}, 10s, &r).is_ok());

  TempDir dir;
  pid_t pid = -1;
  st = spawn_child({"/nonexistent/program"}, {dir.path + "/o", dir.path + "/e"}, &pid);
  EXPECT_EQ(st.message(), "cannot run /nonexistent/program: No such file or directory");
  st = spawn_detached({"/nonexistent/program"}, dir.path + "/log", &pid);
  EXPECT_EQ(st.message(), "cannot run /nonexistent/program: No such file or directory");
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);  // every forked child reaped
  EXPECT_EQ(find_program("faultline-no-such-program"), "");
  EXPECT_NE(find_program("sh"), "");
}

TEST(Spawn, ChildWritesItsFilesAndIsWaitedForOrKilledByPid) {
  TempDir dir;
  const std::string out = dir.path + "/out", err = dir.path + "/err";
  pid_t pid = -1;
  ASSERT_TRUE(spawn_child({"sh", "-c", "echo o; echo e >&2; exit 4"}, {out, err}, &pid).is_ok());
  int exit_status = -1;
  ASSERT_TRUE(wait_child(pid, 10s, &exit_status).is_ok());
  EXPECT_EQ(exit_status, 4);
  EXPECT_EQ(read_file(out), "o\n");
  EXPECT_EQ(read_file(err), "e\n");

  // One file for both, appended to.
  ASSERT_TRUE(spawn_child({"sh", "-c", "echo a; echo b >&2"}, {out, out, true}, &pid).is_ok());
  ASSERT_TRUE(wait_child(pid, 10s, &exit_status).is_ok());
  EXPECT_EQ(read_file(out), "o\na\nb\n");

  ASSERT_TRUE(spawn_child({"sleep", "30"}, {out, err}, &pid).is_ok());
  Status st = wait_child(pid, 100ms, &exit_status);
  EXPECT_EQ(st.message(), "pid " + std::to_string(pid) + " still runs after 100 ms");
  EXPECT_TRUE(process_alive(pid));
  EXPECT_EQ(kill_child(pid, SIGTERM), 128 + SIGTERM);
  EXPECT_FALSE(process_alive(pid));
  EXPECT_EQ(kill_child(pid), -1);  // not ours any more
}

TEST(Spawn, DetachedDaemonIsNotOurChildAndLogsToItsFile) {
  TempDir dir;
  const std::string log = dir.path + "/daemon.log";
  pid_t pid = -1;
  ASSERT_TRUE(spawn_detached({"sh", "-c", "echo started; exec sleep 30"}, log, &pid).is_ok());
  EXPECT_TRUE(process_alive(pid));
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);  // not our child
  EXPECT_NE(getsid(pid), getsid(0));              // in a session of its own
  for (auto deadline = Clock::now() + 10s; read_file(log).empty() && Clock::now() < deadline;)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(read_file(log), "started\n");
  EXPECT_TRUE(terminate_processes({pid}, 5s).is_ok());
  EXPECT_FALSE(process_alive(pid));
}

}  // namespace
}  // namespace faultline
