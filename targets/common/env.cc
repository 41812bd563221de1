#include "targets/common/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace faultline::common {
namespace {

Status posix_error(std::string_view what, const std::string& path, int err) {
  return Status::io_error(fmt::format("{} {}: {}", what, path, std::strerror(err)));
}

std::string parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t offset)
      : path_(std::move(path)), fd_(fd), offset_(offset) {}
  ~PosixWritableFile() override { ::close(fd_); }

  Status append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return posix_error("write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      offset_ += static_cast<uint64_t>(n);
    }
    return Status::ok();
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return posix_error("fdatasync", path_, errno);
    return Status::ok();
  }

 private:
  std::string path_;
  int fd_;
  uint64_t offset_;  // the write position
};

Status fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return posix_error("open", path, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return posix_error("fsync", path, err);
  return Status::ok();
}

class PosixEnv : public Env {
 public:
  Status new_writable_file(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return open_for_write(path, O_CREAT | O_TRUNC, std::nullopt, out);
  }

  Status reopen_for_append(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return open_for_write(path, 0, std::nullopt, out);
  }

  Status new_preallocated_file(const std::string& path, uint64_t size,
                               std::unique_ptr<WritableFile>* out) override {
    std::unique_ptr<WritableFile> file;
    if (Status s = open_for_write(path, O_CREAT | O_TRUNC, 0, &file); !s.is_ok()) return s;
    // Zeros written, not fallocate(): ext4 allocates fallocated blocks as
    // unwritten extents, and the first write to one changes the extent tree,
    // which fdatasync must then write back.
    const std::string zeros(std::min<uint64_t>(size, 1 << 16), '\0');
    for (uint64_t done = 0; done < size; done += zeros.size()) {
      const std::string_view chunk(zeros.data(), std::min<uint64_t>(zeros.size(), size - done));
      if (Status s = file->append(chunk); !s.is_ok()) return s;
    }
    if (Status s = fsync_path(path, O_WRONLY); !s.is_ok()) return s;  // the size too
    return open_for_write(path, 0, 0, out);
  }

  Status reopen_at(const std::string& path, uint64_t offset,
                   std::unique_ptr<WritableFile>* out) override {
    return open_for_write(path, 0, offset, out);
  }

  Status read_file(const std::string& path, std::string* contents) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return posix_error("open", path, errno);
    contents->clear();
    char buf[1 << 16];
    while (true) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        return posix_error("read", path, err);
      }
      if (n == 0) break;
      contents->append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return Status::ok();
  }

  Status rename_file(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return posix_error("rename", from, errno);
    return Status::ok();
  }

  Status remove_file(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return posix_error("unlink", path, errno);
    return Status::ok();
  }

  Status truncate_file(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return posix_error("truncate", path, errno);
    }
    return fsync_path(path, O_WRONLY);
  }

  Status list_dir(const std::string& dir, std::vector<std::string>* names) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return posix_error("opendir", dir, errno);
    names->clear();
    while (const dirent* e = ::readdir(d)) {
      struct stat st;
      const std::string name = e->d_name;
      if (::stat(join_path(dir, name).c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        names->push_back(name);
      }
    }
    ::closedir(d);
    std::sort(names->begin(), names->end());
    return Status::ok();
  }

  Status sync_dir(const std::string& dir) override { return fsync_path(dir, O_RDONLY); }

  Status create_dir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) != 0) {
      if (errno == EEXIST) return Status::ok();
      return posix_error("mkdir", dir, errno);
    }
    return sync_dir(parent_dir(dir));
  }

 private:
  // Opens `path` for writing at `offset`, or at its end when none is given.
  static Status open_for_write(const std::string& path, int extra_flags,
                               std::optional<uint64_t> offset, std::unique_ptr<WritableFile>* out) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | extra_flags, 0644);
    if (fd < 0) return posix_error("open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return posix_error("stat", path, err);
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (offset && *offset > size) {
      ::close(fd);
      return Status::invalid_argument(
          fmt::format("open {} at offset {}: past its end ({} bytes)", path, *offset, size));
    }
    *out = std::make_unique<PosixWritableFile>(path, fd, offset.value_or(size));
    return Status::ok();
  }
};

class NoSyncFile : public WritableFile {
 public:
  explicit NoSyncFile(std::unique_ptr<WritableFile> base) : base_(std::move(base)) {}
  Status append(std::string_view data) override { return base_->append(data); }
  Status sync() override { return Status::ok(); }

 private:
  std::unique_ptr<WritableFile> base_;
};

class NoSyncEnv : public Env {
 public:
  explicit NoSyncEnv(Env* base) : base_(base) {}
  Status new_writable_file(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return wrap(base_->new_writable_file(path, out), out);
  }
  Status reopen_for_append(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return wrap(base_->reopen_for_append(path, out), out);
  }
  Status new_preallocated_file(const std::string& path, uint64_t size,
                               std::unique_ptr<WritableFile>* out) override {
    return wrap(base_->new_preallocated_file(path, size, out), out);
  }
  Status reopen_at(const std::string& path, uint64_t offset,
                   std::unique_ptr<WritableFile>* out) override {
    return wrap(base_->reopen_at(path, offset, out), out);
  }
  Status read_file(const std::string& path, std::string* contents) override {
    return base_->read_file(path, contents);
  }
  Status rename_file(const std::string& from, const std::string& to) override {
    return base_->rename_file(from, to);
  }
  Status remove_file(const std::string& path) override { return base_->remove_file(path); }
  Status truncate_file(const std::string& path, uint64_t size) override {
    return base_->truncate_file(path, size);
  }
  Status list_dir(const std::string& dir, std::vector<std::string>* names) override {
    return base_->list_dir(dir, names);
  }
  Status sync_dir(const std::string& dir) override { return base_->sync_dir(dir); }
  Status create_dir(const std::string& dir) override { return base_->create_dir(dir); }

 private:
  static Status wrap(Status st, std::unique_ptr<WritableFile>* out) {
    if (st.is_ok()) *out = std::make_unique<NoSyncFile>(std::move(*out));
    return st;
  }
  Env* base_;
};

}  // namespace

std::unique_ptr<Env> no_sync_env(Env* base) { return std::make_unique<NoSyncEnv>(base); }

Env* posix_env() {
  static PosixEnv env;
  return &env;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace faultline::common
