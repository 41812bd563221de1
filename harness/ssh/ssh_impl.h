// Private to harness/ssh: the libssh2 handles behind an SshSession and the
// non-blocking retry loop every libssh2 call goes through.
#pragma once

#include <libssh2.h>
#include <libssh2_sftp.h>

#include <chrono>
#include <string>

#include "base/status.h"
#include "harness/ssh/ssh_session.h"

namespace faultline {

using SshClock = std::chrono::steady_clock;

struct SshSession::Impl {
  int sock = -1;
  LIBSSH2_SESSION* session = nullptr;
  LIBSSH2_SFTP* sftp = nullptr;  // opened on first transfer

  ~Impl();
  // Waits until the socket is ready in the direction libssh2 is blocked on, or
  // `deadline`. False on timeout.
  bool wait_socket(SshClock::time_point deadline);
  // Sends a keepalive if one is due (non-blocking, never waits).
  void keepalive();
  // libssh2's last error message, for error reports.
  std::string last_error() const;
};

// Calls `call` (a libssh2 function returning an int) until it stops returning
// LIBSSH2_ERROR_EAGAIN or the deadline passes (then returns LIBSSH2_ERROR_TIMEOUT).
template <typename Call>
int ssh_retry(SshSession::Impl& impl, SshClock::time_point deadline, Call call) {
  for (;;) {
    int rc = call();
    if (rc != LIBSSH2_ERROR_EAGAIN) return rc;
    if (!impl.wait_socket(deadline)) return LIBSSH2_ERROR_TIMEOUT;
  }
}

// The same for libssh2 functions returning a pointer (NULL with EAGAIN as the
// session's last error means "try again"). Sets *rc to the failure code.
template <typename Call>
auto ssh_retry_ptr(SshSession::Impl& impl, SshClock::time_point deadline, int* rc, Call call)
    -> decltype(call()) {
  for (;;) {
    auto* p = call();
    if (p != nullptr) return p;
    *rc = libssh2_session_last_errno(impl.session);
    if (*rc != LIBSSH2_ERROR_EAGAIN) return nullptr;
    if (!impl.wait_socket(deadline)) {
      *rc = LIBSSH2_ERROR_TIMEOUT;
      return nullptr;
    }
  }
}

// A random suffix for temporary file names.
std::string random_suffix();

}  // namespace faultline
