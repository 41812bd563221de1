// SshSession's file transfers: SFTP for the bytes, a remote `sha256sum` (run
// through exec, so with sudo when the target needs it) to prove they arrived.
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "harness/ssh/sha256.h"
#include "harness/ssh/ssh_impl.h"
#include "harness/ssh/ssh_session.h"

namespace faultline {
namespace {

// The first line of a command's stderr, for error messages.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::chrono::milliseconds left_until(SshClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SshClock::now());
  return left.count() < 1 ? std::chrono::milliseconds(1) : left;
}

// Closes an SFTP handle within a short grace period of its own.
void close_handle(SshSession::Impl& impl, LIBSSH2_SFTP_HANDLE* handle) {
  const auto deadline = SshClock::now() + std::chrono::milliseconds(500);
  ssh_retry(impl, deadline, [&] { return libssh2_sftp_close_handle(handle); });
}

Status open_sftp(SshSession::Impl& impl, SshClock::time_point deadline) {
  if (impl.sftp != nullptr) return Status::ok();
  int rc = 0;
  impl.sftp = ssh_retry_ptr(impl, deadline, &rc, [&] { return libssh2_sftp_init(impl.session); });
  if (impl.sftp != nullptr) return Status::ok();
  return Status::io_error(rc == LIBSSH2_ERROR_TIMEOUT ? "timed out starting SFTP"
                                                      : "cannot start SFTP: " + impl.last_error());
}

std::string sftp_error(SshSession::Impl& impl, int rc) {
  if (rc == LIBSSH2_ERROR_TIMEOUT) return "timed out";
  if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL) {
    switch (libssh2_sftp_last_error(impl.sftp)) {
      case LIBSSH2_FX_NO_SUCH_FILE:
      case LIBSSH2_FX_NO_SUCH_PATH: return "no such file or directory";
      case LIBSSH2_FX_PERMISSION_DENIED: return "permission denied";
      case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: return "no space left on the device";
      case LIBSSH2_FX_QUOTA_EXCEEDED: return "quota exceeded";
      default: return fmt::format("SFTP error {}", libssh2_sftp_last_error(impl.sftp));
    }
  }
  return impl.last_error();
}

}  // namespace

Status SshSession::remote_sha256(const std::string& path, SshClock::time_point deadline,
                                 std::string* sha256) {
  ExecResult r;
  const std::string cmd = "sha256sum -- " + shell_quote(path);
  if (Status st = exec(cmd, left_until(deadline), &r); !st.is_ok()) return st;
  const size_t space = r.stdout_text.find(' ');
  if (r.exit_status != 0 || space != 64)
    return Status::io_error(fmt::format("{}: `{}` failed (exit {}): {}", where(), cmd,
                                        r.exit_status, first_line(r.stderr_text)));
  *sha256 = r.stdout_text.substr(0, 64);
  return Status::ok();
}

Status SshSession::sftp_write(const std::string& local, const std::string& remote,
                              SshClock::time_point deadline, std::string* sha256) {
  std::ifstream in(local, std::ios::binary);
  if (!in) return Status::io_error(fmt::format("cannot read local file {}", local));
  Impl& impl = *impl_;
  if (Status st = open_sftp(impl, deadline); !st.is_ok()) return st;
  int rc = 0;
  LIBSSH2_SFTP_HANDLE* handle = ssh_retry_ptr(impl, deadline, &rc, [&] {
    return libssh2_sftp_open_ex(impl.sftp, remote.c_str(), static_cast<unsigned>(remote.size()),
                                LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0600,
                                LIBSSH2_SFTP_OPENFILE);
  });
  if (handle == nullptr)
    return Status::io_error(fmt::format("cannot create {}: {}", remote, sftp_error(impl, rc)));
  Sha256 sha;
  std::vector<char> buf(256 * 1024);
  Status result = Status::ok();
  while (result.is_ok() && (in.read(buf.data(), buf.size()) || in.gcount() > 0)) {
    const size_t n = static_cast<size_t>(in.gcount());
    sha.update(buf.data(), n);
    for (size_t done = 0; done < n;) {
      ssize_t w = libssh2_sftp_write(handle, buf.data() + done, n - done);
      if (w > 0) {
        done += static_cast<size_t>(w);
      } else if (w != LIBSSH2_ERROR_EAGAIN) {
        result = Status::io_error("write failed: " + sftp_error(impl, static_cast<int>(w)));
        break;
      } else if (!impl.wait_socket(deadline)) {
        result = Status::io_error("write timed out");
        break;
      }
    }
  }
  if (result.is_ok() && in.bad()) result = Status::io_error("cannot read local file " + local);
  close_handle(impl, handle);
  if (result.is_ok()) *sha256 = sha.hex_digest();
  return result;
}

Status SshSession::sftp_read(const std::string& remote, const std::string& local,
                             SshClock::time_point deadline, std::string* sha256) {
  Impl& impl = *impl_;
  if (Status st = open_sftp(impl, deadline); !st.is_ok()) return st;
  int rc = 0;
  LIBSSH2_SFTP_HANDLE* handle = ssh_retry_ptr(impl, deadline, &rc, [&] {
    return libssh2_sftp_open_ex(impl.sftp, remote.c_str(), static_cast<unsigned>(remote.size()),
                                LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE);
  });
  if (handle == nullptr)
    return Status::io_error(fmt::format("cannot open {}: {}", remote, sftp_error(impl, rc)));
  std::ofstream out(local, std::ios::binary | std::ios::trunc);
  Status result = out ? Status::ok() : Status::io_error("cannot write local file " + local);
  Sha256 sha;
  std::vector<char> buf(256 * 1024);
  while (result.is_ok()) {
    ssize_t n = libssh2_sftp_read(handle, buf.data(), buf.size());
    if (n == 0) break;
    if (n > 0) {
      sha.update(buf.data(), static_cast<size_t>(n));
      out.write(buf.data(), n);
    } else if (n != LIBSSH2_ERROR_EAGAIN) {
      result = Status::io_error("read failed: " + sftp_error(impl, static_cast<int>(n)));
    } else if (!impl.wait_socket(deadline)) {
      result = Status::io_error("read timed out");
    }
  }
  close_handle(impl, handle);
  if (result.is_ok() && !out.flush()) result = Status::io_error("cannot write " + local);
  if (result.is_ok()) *sha256 = sha.hex_digest();
  return result;
}

Status SshSession::upload(const std::string& local, const std::string& remote, int mode,
                          std::chrono::milliseconds timeout) {
  const auto deadline = SshClock::now() + timeout;
  spdlog::debug("ssh {}: upload {} -> {} (mode {:o})", target_.node, local, remote, mode);
  const std::string what = fmt::format("{}: upload {} -> {}", where(), local, remote);
  if (broken_) return Status::io_error(what + ": the connection failed earlier; reconnect");
  // A sudo user cannot write where the file goes: stage it in /tmp, move it as root.
  const std::string tmp = target_.sudo ? "/tmp/.faultline-upload-" + random_suffix()
                                       : remote + ".faultline-tmp-" + random_suffix();
  auto remove_tmp = [&] {
    ExecResult ignored;
    exec("rm -f -- " + shell_quote(tmp), std::chrono::seconds(5), &ignored);
  };
  std::string local_sha, remote_sha;
  if (Status st = sftp_write(local, tmp, deadline, &local_sha); !st.is_ok()) {
    remove_tmp();
    return Status::io_error(fmt::format("{}: {}", what, st.message()));
  }
  if (Status st = remote_sha256(tmp, deadline, &remote_sha); !st.is_ok()) {
    remove_tmp();
    return st;
  }
  if (remote_sha != local_sha) {
    remove_tmp();
    return Status::io_error(fmt::format("{}: checksum mismatch (local sha256 {}, remote {})", what,
                                        local_sha, remote_sha));
  }
  ExecResult r;
  // Staged by the sudo user, the file is still theirs: give it to root, who
  // runs every command on the node, as if root had uploaded it.
  const std::string install =
      fmt::format("{}chmod {:o} -- {} && mv -f -- {} {}",
                  target_.sudo ? "chown 0:0 -- " + shell_quote(tmp) + " && " : "", mode,
                  shell_quote(tmp), shell_quote(tmp), shell_quote(remote));
  if (Status st = exec(install, left_until(deadline), &r); !st.is_ok()) {
    remove_tmp();
    return st;
  }
  if (r.exit_status != 0) {
    remove_tmp();
    return Status::io_error(fmt::format("{}: `{}` failed (exit {}): {}", what, install,
                                        r.exit_status, first_line(r.stderr_text)));
  }
  return Status::ok();
}

Status SshSession::download(const std::string& remote, const std::string& local,
                            std::chrono::milliseconds timeout) {
  const auto deadline = SshClock::now() + timeout;
  spdlog::debug("ssh {}: download {} -> {}", target_.node, remote, local);
  const std::string what = fmt::format("{}: download {} -> {}", where(), remote, local);
  if (broken_) return Status::io_error(what + ": the connection failed earlier; reconnect");
  // A sudo user may not be able to read the file: copy it to a readable one as root.
  std::string source = remote;
  ExecResult r;
  if (target_.sudo) {
    source = "/tmp/.faultline-download-" + random_suffix();
    const std::string copy = fmt::format("cp -- {} {} && chmod 644 -- {}", shell_quote(remote),
                                         shell_quote(source), shell_quote(source));
    if (Status st = exec(copy, left_until(deadline), &r); !st.is_ok()) return st;
    if (r.exit_status != 0)
      return Status::io_error(fmt::format("{}: `{}` failed (exit {}): {}", what, copy,
                                          r.exit_status, first_line(r.stderr_text)));
  }
  const std::string tmp = local + ".faultline-tmp-" + random_suffix();
  std::string local_sha, remote_sha;
  Status st = remote_sha256(source, deadline, &remote_sha);
  if (st.is_ok()) {
    st = sftp_read(source, tmp, deadline, &local_sha);
    if (!st.is_ok()) st = Status::io_error(fmt::format("{}: {}", what, st.message()));
  }
  if (st.is_ok() && local_sha != remote_sha)
    st = Status::io_error(fmt::format("{}: checksum mismatch (remote sha256 {}, received {})", what,
                                      remote_sha, local_sha));
  if (st.is_ok() && std::rename(tmp.c_str(), local.c_str()) != 0)
    st = Status::io_error(fmt::format("{}: cannot rename into place: {}", what, strerror(errno)));
  if (!st.is_ok()) std::remove(tmp.c_str());
  if (source != remote) exec("rm -f -- " + shell_quote(source), std::chrono::seconds(5), &r);
  return st;
}

}  // namespace faultline
