#include "nemesis/disk/diskfs.h"

#define FUSE_USE_VERSION 35
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fuse3/fuse.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "nemesis/disk/diskfs_ops.h"

namespace faultline::diskfs {
namespace {

DiskFs* g_healed_by_signal = nullptr;  // set while serve() runs

void on_sigusr1(int) {
  if (g_healed_by_signal != nullptr) g_healed_by_signal->faults().heal();
}

// Removes `name` under `dirfd` and, for a directory, everything in it.
int remove_tree(int dirfd, const std::string& name) {
  if (unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) return 0;
  if (errno != EISDIR && errno != EPERM) return -errno;
  const int fd = openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    close(fd);
    return -errno;
  }
  int rc = 0;
  while (const dirent* e = readdir(d)) {
    const std::string child = e->d_name;
    if (child != "." && child != ".." && rc == 0) rc = remove_tree(fd, child);
  }
  closedir(d);
  if (rc == 0 && unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) rc = -errno;
  return rc;
}

std::string errno_text(const char* what, const std::string& path, int err) {
  return fmt::format("{} {}: {}", what, path, std::strerror(err));
}

}  // namespace

Status DiskFs::open(const std::string& backing, Durability durability,
                    std::unique_ptr<DiskFs>* out) {
  const int root = ::open(backing.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return Status::io_error(errno_text("open", backing, errno));
  if (mkdirat(root, kTrashDir, 0700) != 0 && errno != EEXIST) {
    const int err = errno;
    close(root);
    return Status::io_error(errno_text("mkdir", backing + "/" + kTrashDir, err));
  }
  out->reset(new DiskFs(root, durability));
  return Status::ok();
}

DiskFs::~DiskFs() {
  for (const auto& [file, fd] : fds_) close(fd);
  // An unmount is no power cut: unlinks still awaiting a directory sync stay.
  remove_tree(root_, kTrashDir);
  close(root_);
}

void DiskFs::keep_fd(FileId file, int fd) {
  if (fds_.count(file) != 0) return;
  const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy >= 0) fds_[file] = copy;
}

void DiskFs::drop_clean_fds() {
  for (auto it = fds_.begin(); it != fds_.end();) {
    if (tracker_.dirty(it->first)) {
      ++it;
    } else {
      close(it->second);
      it = fds_.erase(it);
    }
  }
}

std::string DiskFs::next_trash_name() {
  return fmt::format("{}/{}-{}", kTrashDir, getpid(), trash_seq_++);
}

void DiskFs::purge(const std::vector<std::string>& trash) {
  for (const std::string& name : trash) remove_tree(root_, name);
}

nlohmann::json DiskFs::apply(UndoPlan plan) {
  nlohmann::json errors = nlohmann::json::array();
  for (const DataUndo& u : plan.data) {
    const auto fd = fds_.find(u.file);
    if (fd == fds_.end()) {
      errors.push_back("no descriptor kept for " + u.path);
      continue;
    }
    if (u.truncate && ftruncate(fd->second, static_cast<off_t>(u.size)) != 0)
      errors.push_back(errno_text("truncate", u.path, errno));
    if (!u.bytes.empty() &&
        pwrite(fd->second, u.bytes.data(), u.bytes.size(), static_cast<off_t>(u.offset)) !=
            static_cast<ssize_t>(u.bytes.size()))
      errors.push_back(errno_text("restore", u.path, errno));
  }
  nlohmann::json entries = nlohmann::json::array();
  for (const EntryUndo& e : plan.entries) {
    entries.push_back(e.description);
    int rc = 0;
    switch (e.kind) {
      case EntryUndo::Kind::kRemove:
        rc = unlinkat(root_, e.path.c_str(), 0) == 0 || errno == ENOENT ? 0 : -errno;
        break;
      case EntryUndo::Kind::kRemoveTree: rc = remove_tree(root_, e.path); break;
      case EntryUndo::Kind::kRename:
        rc = renameat(root_, e.path.c_str(), root_, e.to.c_str()) == 0 ? 0 : -errno;
        break;
      case EntryUndo::Kind::kMkdir:
        rc = mkdirat(root_, e.path.c_str(), e.mode) == 0 || errno == EEXIST ? 0 : -errno;
        break;
    }
    // A change later ones already moved past (e.g. across directories) is
    // skipped: reported, not fatal.
    if (rc != 0) errors.push_back(fmt::format("undo '{}': {}", e.description, std::strerror(-rc)));
  }
  purge(plan.purge);
  for (const auto& [file, fd] : fds_) close(fd);
  fds_.clear();
  // What is left in the trash belongs to no undone unlink: gone for good.
  remove_tree(root_, kTrashDir);
  mkdirat(root_, kTrashDir, 0700);
  syncfs(root_);
  nlohmann::json out = {{"files", plan.files}, {"bytes", plan.bytes}, {"entries", entries}};
  if (!errors.empty()) out["errors"] = errors;
  return out;
}

nlohmann::json DiskFs::control(const ControlCommand& command) {
  nlohmann::json out = {{"ok", true}};
  switch (command.kind) {
    case ControlCommand::Kind::kLoseUnsynced: {
      std::lock_guard<std::mutex> lock(mutex_);
      out["lost"] = apply(tracker_.lose());
      break;
    }
    case ControlCommand::Kind::kTorn: {
      std::lock_guard<std::mutex> lock(mutex_);
      out["lost"] = apply(tracker_.torn(command.arg * 0x9e3779b97f4a7c15ULL + 1));
      break;
    }
    case ControlCommand::Kind::kSlow:
      faults_.set_slow(std::chrono::milliseconds(command.arg));
      break;
    case ControlCommand::Kind::kFail:
      faults_.set_fail_until(FaultState::Clock::now() + std::chrono::seconds(command.arg));
      break;
    case ControlCommand::Kind::kHeal: faults_.heal(); break;
    case ControlCommand::Kind::kStatus: {
      std::lock_guard<std::mutex> lock(mutex_);
      out["unsynced_bytes"] = tracker_.unsynced_bytes();
      out["unsynced_entries"] = tracker_.unsynced_entries();
      out["slow_ms"] = faults_.delay().count();
      out["failing"] = faults_.failing(FaultState::Clock::now());
      break;
    }
  }
  return out;
}

Status DiskFs::serve(const std::string& mountpoint, const std::string& control_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (control_path.size() >= sizeof addr.sun_path)
    return Status::invalid_argument("control socket path too long: " + control_path);
  std::memcpy(addr.sun_path, control_path.c_str(), control_path.size() + 1);
  const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(control_path.c_str());
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener, 8) != 0) {
    const int err = errno;
    if (listener >= 0) close(listener);
    return Status::io_error(errno_text("control socket", control_path, err));
  }
  // The control thread takes none of the signals that end or heal the fs:
  // fuse_loop only notices them when they interrupt its own read.
  sigset_t blocked, old;
  sigemptyset(&blocked);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&blocked, sig);
  pthread_sigmask(SIG_BLOCK, &blocked, &old);
  std::thread server([&] {
    for (int conn; (conn = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC)) >= 0 ||
                   errno == EINTR || errno == ECONNABORTED;) {
      if (conn < 0) continue;
      std::string line;
      char c;
      while (read(conn, &c, 1) == 1 && c != '\n') line += c;
      ControlCommand command;
      Status st = parse_control(line, &command);
      const nlohmann::json reply =
          st.is_ok() ? control(command) : nlohmann::json{{"ok", false}, {"error", st.message()}};
      const std::string text = reply.dump() + "\n";
      if (write(conn, text.data(), text.size()) < 0) {
        // The client went away: nothing to tell it.
      }
      close(conn);
    }
  });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  Status result;
  fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  for (const char* a : {"faultline-diskfs", "-o", "fsname=faultline-diskfs,subtype=diskfs"})
    fuse_opt_add_arg(&args, a);
  fuse* fs = fuse_new(&args, &diskfs_operations(), sizeof(fuse_operations), this);
  if (fs == nullptr) {
    result = Status::io_error("fuse_new failed");
  } else if (fuse_mount(fs, mountpoint.c_str()) != 0) {
    result = Status::io_error("cannot mount on " + mountpoint + " (is /dev/fuse there?)");
  } else {
    fuse_session* session = fuse_get_session(fs);
    fuse_set_signal_handlers(session);
    g_healed_by_signal = this;
    signal(SIGUSR1, on_sigusr1);
    const int rc = fuse_loop(fs);
    signal(SIGUSR1, SIG_DFL);
    g_healed_by_signal = nullptr;
    fuse_remove_signal_handlers(session);
    fuse_unmount(fs);
    if (rc < 0) result = Status::io_error(fmt::format("fuse loop: {}", std::strerror(-rc)));
  }
  if (fs != nullptr) fuse_destroy(fs);
  fuse_opt_free_args(&args);
  shutdown(listener, SHUT_RDWR);
  server.join();
  close(listener);
  unlink(control_path.c_str());
  return result;
}

}  // namespace faultline::diskfs
