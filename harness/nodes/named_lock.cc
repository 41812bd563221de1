#include "harness/nodes/named_lock.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <thread>

namespace faultline {

NamedLock::NamedLock(const std::string& name, std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // Abstract namespace: a leading NUL, then the name (truncated to fit).
  const size_t len = std::min(name.size(), sizeof addr.sun_path - 1);
  memcpy(addr.sun_path + 1, name.data(), len);
  const socklen_t addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + len);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while ((fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), addr_len) == 0) return;
    close(fd_);
    fd_ = -1;
    if (errno != EADDRINUSE || std::chrono::steady_clock::now() > deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

NamedLock::~NamedLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace faultline
