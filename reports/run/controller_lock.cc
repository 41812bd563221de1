#include "reports/run/controller_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace faultline {
namespace {

std::string lock_path(const std::string& dir) { return dir + "/controller.lock"; }

}  // namespace

Status ControllerLock::acquire(const std::string& dir, std::unique_ptr<ControllerLock>* out) {
  const std::string path = lock_path(dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::io_error(path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::io_error(
        path + ": " +
        (err == EWOULDBLOCK ? "another controller runs this test run" : std::strerror(err)));
  }
  out->reset(new ControllerLock(fd));
  return Status::ok();
}

ControllerLock::~ControllerLock() { ::close(fd_); }

bool controller_gone(const std::string& dir) {
  if (dir.empty()) return false;
  const int fd = ::open(lock_path(dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;  // released by close
  ::close(fd);
  return free;
}

}  // namespace faultline
