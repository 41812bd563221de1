#include "harness/ssh/ssh_session.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>

#include "harness/ssh/known_hosts.h"
#include "harness/ssh/ssh_impl.h"

namespace faultline {
namespace {

int remaining_ms(SshClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SshClock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Opens a non-blocking TCP connection to host:port before `deadline`.
Status tcp_connect(const std::string& host, int port, SshClock::time_point deadline, int* out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addrs = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &addrs); rc != 0)
    return Status::io_error(fmt::format("cannot resolve {}: {}", host, gai_strerror(rc)));
  std::string error = "no address";
  for (addrinfo* a = addrs; a != nullptr; a = a->ai_next) {
    int sock = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (sock < 0) continue;
    int rc = connect(sock, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd pfd{sock, POLLOUT, 0};
      int n;
      do n = poll(&pfd, 1, remaining_ms(deadline));
      while (n < 0 && errno == EINTR);
      int err = 0;
      socklen_t len = sizeof err;
      if (n == 0) {
        err = ETIMEDOUT;
      } else if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = errno;
      }
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      int one = 1;
      // Commands are small request/reply exchanges: Nagle would add delays.
      setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
      freeaddrinfo(addrs);
      *out = sock;
      return Status::ok();
    }
    error = errno == ETIMEDOUT ? "connect timed out" : strerror(errno);
    close(sock);
  }
  freeaddrinfo(addrs);
  return Status::io_error(fmt::format("cannot connect to port {}: {}", port, error));
}

void init_libssh2_once() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

}  // namespace

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

SshSession::Impl::~Impl() {
  // Best effort and bounded: a dead peer must not hang the destructor.
  const auto deadline = SshClock::now() + std::chrono::milliseconds(500);
  if (sftp != nullptr) ssh_retry(*this, deadline, [&] { return libssh2_sftp_shutdown(sftp); });
  if (session != nullptr) {
    ssh_retry(*this, deadline,
              [&] { return libssh2_session_disconnect(session, "faultline: closing"); });
    libssh2_session_free(session);
  }
  if (sock >= 0) close(sock);
}

bool SshSession::Impl::wait_socket(SshClock::time_point deadline) {
  const int dirs = libssh2_session_block_directions(session);
  short events = 0;
  if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND) events |= POLLIN;
  if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND) events |= POLLOUT;
  if (events == 0) events = POLLIN;
  pollfd pfd{sock, events, 0};
  for (;;) {
    const int left = remaining_ms(deadline);
    if (left == 0) return false;
    int n = poll(&pfd, 1, left);
    if (n > 0) return true;  // readable, writable, or closed: libssh2 finds out which
    if (n < 0 && errno != EINTR) return true;
  }
}

void SshSession::Impl::keepalive() {
  int next = 0;
  libssh2_keepalive_send(session, &next);
}

std::string SshSession::Impl::last_error() const {
  char* msg = nullptr;
  libssh2_session_last_error(session, &msg, nullptr, 0);
  return msg != nullptr ? msg : "unknown error";
}

SshSession::SshSession(SshTarget target, SshOptions options)
    : target_(std::move(target)), options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

SshSession::~SshSession() = default;

std::string SshSession::where() const {
  return fmt::format("node {} ({}@{}:{})", target_.node, target_.user, target_.host, target_.port);
}

Status SshSession::connect(const SshTarget& target, const SshOptions& options,
                           std::unique_ptr<SshSession>* out) {
  init_libssh2_once();
  std::unique_ptr<SshSession> s(new SshSession(target, options));
  const auto deadline = SshClock::now() + options.connect_timeout;
  auto fail = [&](const std::string& what) {
    return Status::io_error(fmt::format("{}: {}", s->where(), what));
  };
  spdlog::debug("ssh {}: connecting to {}@{}:{}", target.node, target.user, target.host,
                target.port);
  Impl& impl = *s->impl_;
  if (Status st = tcp_connect(target.host, target.port, deadline, &impl.sock); !st.is_ok())
    return fail(st.message());
  impl.session = libssh2_session_init();
  if (impl.session == nullptr) return fail("libssh2_session_init failed");
  libssh2_session_set_blocking(impl.session, 0);
  // Prefer the host key types OpenSSH prefers, so the key recorded in
  // known_hosts by `ssh` is usually the one the server offers us.
  libssh2_session_method_pref(impl.session, LIBSSH2_METHOD_HOSTKEY,
                              "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
                              "ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256,ssh-rsa");
  int rc =
      ssh_retry(impl, deadline, [&] { return libssh2_session_handshake(impl.session, impl.sock); });
  if (rc == LIBSSH2_ERROR_TIMEOUT) return fail("SSH handshake timed out");
  if (rc != 0) return fail("SSH handshake failed: " + impl.last_error());
  if (Status st = check_host_key(impl.session, target, options); !st.is_ok())
    return fail(st.message());
  rc = ssh_retry(impl, deadline, [&] {
    return libssh2_userauth_publickey_fromfile_ex(impl.session, target.user.c_str(),
                                                  static_cast<unsigned>(target.user.size()),
                                                  nullptr, target.key_file.c_str(), "");
  });
  if (rc == LIBSSH2_ERROR_TIMEOUT) return fail("authentication timed out");
  if (rc == LIBSSH2_ERROR_FILE)
    return fail(fmt::format("cannot use key file {}: {}", target.key_file, impl.last_error()));
  if (rc != 0)
    return fail(fmt::format("authentication as {} with key {} failed: {}", target.user,
                            target.key_file, impl.last_error()));
  if (options.keepalive_interval_s > 0)
    libssh2_keepalive_config(impl.session, 1, options.keepalive_interval_s);
  spdlog::debug("ssh {}: connected", target.node);
  *out = std::move(s);
  return Status::ok();
}

namespace {

// How reading a command's output ended.
enum class OutputEnd { kEof, kLost, kTimedOut };

// Reads the command's stdout and stderr into *result until end of file, a
// lost connection or `deadline`. The first line of stdout, the remote shell's
// pid, goes to *remote_pid instead.
OutputEnd read_output(SshSession::Impl& impl, LIBSSH2_CHANNEL* channel,
                      SshClock::time_point deadline, ExecResult* result,
                      std::optional<std::string>* remote_pid) {
  char buf[32768];
  for (;;) {
    ssize_t out_n = 0, err_n = 0;
    while ((out_n = libssh2_channel_read(channel, buf, sizeof buf)) > 0) {
      result->stdout_text.append(buf, out_n);
      if (const size_t nl = result->stdout_text.find('\n');
          !*remote_pid && nl != std::string::npos) {
        *remote_pid = result->stdout_text.substr(0, nl);
        result->stdout_text.erase(0, nl + 1);
      }
    }
    while ((err_n = libssh2_channel_read_stderr(channel, buf, sizeof buf)) > 0)
      result->stderr_text.append(buf, err_n);
    if (libssh2_channel_eof(channel)) return OutputEnd::kEof;
    if ((out_n < 0 && out_n != LIBSSH2_ERROR_EAGAIN) ||
        (err_n < 0 && err_n != LIBSSH2_ERROR_EAGAIN)) {
      return OutputEnd::kLost;
    }
    if (!impl.wait_socket(deadline)) return OutputEnd::kTimedOut;
  }
}

// The exit status of a command killed by `signal` ("KILL"): 128 + its number,
// 128 for a signal not in the list.
int exit_status_of_signal(const std::string& signal) {
  static const std::pair<const char*, int> kSignals[] = {{"HUP", 1},   {"INT", 2},   {"QUIT", 3},
                                                         {"ABRT", 6},  {"KILL", 9},  {"SEGV", 11},
                                                         {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15}};
  for (const auto& [name, number] : kSignals)
    if (signal == name) return 128 + number;
  return 128;
}

// After the end of output: closes the channel and reads the exit status (or
// signal) into *result. Returns 0 or the libssh2 error.
int read_exit_status(SshSession::Impl& impl, LIBSSH2_CHANNEL* channel,
                     SshClock::time_point deadline, ExecResult* result) {
  // The exit status arrives between the end of output and the channel close.
  int rc = ssh_retry(impl, deadline, [&] { return libssh2_channel_close(channel); });
  if (rc == 0) rc = ssh_retry(impl, deadline, [&] { return libssh2_channel_wait_closed(channel); });
  if (rc != 0) return rc;
  result->exit_status = libssh2_channel_get_exit_status(channel);
  char* signal = nullptr;
  size_t signal_len = 0;
  libssh2_channel_get_exit_signal(channel, &signal, &signal_len, nullptr, nullptr, nullptr,
                                  nullptr);
  if (signal != nullptr) {
    result->exit_signal.assign(signal, signal_len);
    libssh2_free(impl.session, signal);
    result->exit_status = exit_status_of_signal(result->exit_signal);
  }
  return 0;
}

}  // namespace

Status SshSession::exec(const std::string& command, std::chrono::milliseconds timeout,
                        ExecResult* result) {
  *result = ExecResult{};
  const auto start = SshClock::now();
  const auto deadline = start + timeout;
  // The login shell prints its pid, then becomes `sh -c command`. sshd made
  // it a process group leader, so on a timeout the whole command can be killed
  // (libssh2 1.10 cannot send signals); sshd only closes the channel after
  // the command has exited.
  const std::string full = std::string("echo $$ && exec ") + (target_.sudo ? "sudo -n -- " : "") +
                           "sh -c " + shell_quote(command);
  spdlog::debug("ssh {}: exec {}{}", target_.node, target_.sudo ? "(sudo) " : "", command);
  auto fail = [&](const std::string& what) {
    return Status::io_error(fmt::format("{}: `{}`: {}", where(), command, what));
  };
  if (broken_) return fail("the connection failed earlier; reconnect");
  Impl& impl = *impl_;
  impl.keepalive();
  int rc = 0;
  LIBSSH2_CHANNEL* channel = ssh_retry_ptr(
      impl, deadline, &rc, [&] { return libssh2_channel_open_session(impl.session); });
  if (channel == nullptr) {
    broken_ = true;
    return fail(rc == LIBSSH2_ERROR_TIMEOUT ? "timed out opening a channel"
                                            : "cannot open a channel: " + impl.last_error());
  }
  // Frees the channel on every path; after a timeout the close gets a short
  // grace period of its own, and a connection that cannot even close a
  // channel is marked broken.
  struct ChannelGuard {
    SshSession* self;
    LIBSSH2_CHANNEL* channel;
    ~ChannelGuard() {
      const auto d = SshClock::now() + std::chrono::seconds(2);
      Impl& i = *self->impl_;
      if (ssh_retry(i, d, [&] { return libssh2_channel_close(channel); }) == LIBSSH2_ERROR_TIMEOUT)
        self->broken_ = true;
      ssh_retry(i, d, [&] { return libssh2_channel_free(channel); });
    }
  } guard{this, channel};
  // From here on the server may have the command, even if we see no reply.
  result->started = true;
  rc = ssh_retry(impl, deadline, [&] {
    return libssh2_channel_process_startup(channel, "exec", 4, full.c_str(),
                                           static_cast<unsigned>(full.size()));
  });
  if (rc != 0) {
    if (rc != LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED) broken_ = true;
    return fail(rc == LIBSSH2_ERROR_TIMEOUT ? "timed out starting the command"
                                            : "cannot start the command: " + impl.last_error());
  }
  // No input: a command reading stdin sees end-of-file instead of waiting.
  ssh_retry(impl, deadline, [&] { return libssh2_channel_send_eof(channel); });
  std::optional<std::string> remote_pid;
  switch (read_output(impl, channel, deadline, result, &remote_pid)) {
    case OutputEnd::kEof: break;
    case OutputEnd::kLost:
      broken_ = true;
      return fail("connection lost while reading output: " + impl.last_error());
    case OutputEnd::kTimedOut:
      if (remote_pid && remote_pid->find_first_not_of("0123456789") == std::string::npos) {
        ExecResult ignored;
        exec(fmt::format("kill -9 -{0} {0} 2>/dev/null; true", *remote_pid),
             std::chrono::seconds(2), &ignored);
      }
      return fail(fmt::format("timed out after {} ms (the command was killed)", timeout.count()));
  }
  if (rc = read_exit_status(impl, channel, deadline, result); rc != 0) {
    broken_ = rc != LIBSSH2_ERROR_TIMEOUT;
    return fail(rc == LIBSSH2_ERROR_TIMEOUT ? "timed out waiting for the exit status"
                                            : "connection lost: " + impl.last_error());
  }
  spdlog::debug("ssh {}: exit {} after {:.1f} ms", target_.node, result->exit_status,
                std::chrono::duration<double, std::milli>(SshClock::now() - start).count());
  return Status::ok();
}

}  // namespace faultline
