#include "nemesis/disk/control.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace faultline::diskfs {

Status parse_control(const std::string& line, ControlCommand* out) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  static const char* kExpected =
      "expected lose-unsynced, torn SEED, slow MS, fail SECS, heal or status";
  if (words.empty()) return Status::invalid_argument(std::string("empty command: ") + kExpected);
  struct Known {
    const char* name;
    ControlCommand::Kind kind;
    const char* arg;  // nullptr: takes none
  };
  static const Known kKnown[] = {{"lose-unsynced", ControlCommand::Kind::kLoseUnsynced, nullptr},
                                 {"torn", ControlCommand::Kind::kTorn, "SEED"},
                                 {"slow", ControlCommand::Kind::kSlow, "MS"},
                                 {"fail", ControlCommand::Kind::kFail, "SECS"},
                                 {"heal", ControlCommand::Kind::kHeal, nullptr},
                                 {"status", ControlCommand::Kind::kStatus, nullptr}};
  for (const Known& k : kKnown) {
    if (words[0] != k.name) continue;
    const size_t want = k.arg == nullptr ? 1 : 2;
    if (words.size() != want)
      return Status::invalid_argument(
          k.arg == nullptr
              ? fmt::format("'{}' takes no argument", k.name)
              : fmt::format("expected '{} {}' (a non-negative integer)", k.name, k.arg));
    out->kind = k.kind;
    out->arg = 0;
    if (k.arg != nullptr) {
      const std::string& a = words[1];
      size_t used = 0;
      try {
        out->arg = std::stoull(a, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != a.size() || a[0] == '-')
        return Status::invalid_argument(
            fmt::format("'{} {}': {} must be a non-negative integer", k.name, a, k.arg));
    }
    return Status::ok();
  }
  return Status::invalid_argument(fmt::format("unknown command '{}': {}", words[0], kExpected));
}

Status send_control(const std::string& path, const std::string& line, std::string* reply) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return Status::invalid_argument(fmt::format("control socket path too long: {}", path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::io_error(fmt::format("socket: {}", std::strerror(errno)));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    close(fd);
    return Status::io_error(fmt::format("cannot connect to {}: {}", path, std::strerror(err)));
  }
  const std::string text = line + "\n";
  Status st;
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    st = Status::io_error(fmt::format("write to {}: {}", path, std::strerror(errno)));
  reply->clear();
  char buf[4096];
  for (ssize_t n; st.is_ok() && (n = read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      st = Status::io_error(fmt::format("read from {}: {}", path, std::strerror(errno)));
    else
      reply->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  while (!reply->empty() && reply->back() == '\n') reply->pop_back();
  return st;
}

bool mounted(const std::string& dir) {
  std::ifstream in("/proc/self/mounts");
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string source, point;
    words >> source >> point;
    if (point == dir) return true;
  }
  return false;
}

}  // namespace faultline::diskfs
