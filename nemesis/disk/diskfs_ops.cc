#include "nemesis/disk/diskfs_ops.h"

#define FUSE_USE_VERSION 35
#include <dirent.h>
#include <fcntl.h>
#include <fuse3/fuse.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "nemesis/disk/diskfs.h"

namespace faultline::diskfs {
namespace {

DiskFs& fs() { return *static_cast<DiskFs*>(fuse_get_context()->private_data); }

// "/a/b" -> "a/b" for the *at() calls on the backing root ("." for "/").
std::string at(const char* path) { return path[1] == '\0' ? "." : path + 1; }
// "/a/b" -> "a/b" as the tracker names it ("" for the root).
std::string tracked(const char* path) { return path + 1; }

// The trash is not part of the file system the mount shows.
bool hidden(const char* path) {
  const size_t n = std::strlen(kTrashDir);
  return std::strncmp(path + 1, kTrashDir, n) == 0 && (path[n + 1] == '\0' || path[n + 1] == '/');
}

// The slow and fail faults, before an operation that writes: waits without
// holding the lock, so that control commands are not held up.
int gate() {
  const std::chrono::milliseconds delay = fs().faults().delay();
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  return fs().faults().failing(FaultState::Clock::now()) ? -EIO : 0;
}

int fail() { return -errno; }

// The bytes of [offset, offset+length) that exist in the file (what a write
// there replaces).
std::string read_range(int fd, uint64_t offset, uint64_t length, uint64_t size) {
  if (offset >= size) return "";
  std::string bytes(std::min(length, size - offset), '\0');
  const ssize_t n = pread(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
  bytes.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return bytes;
}

// Resizes the open file `fd` to `size`, telling the tracker.
int tracked_truncate(DiskFs& d, const char* path, int fd, off_t size) {
  struct stat st;
  if (fstat(fd, &st) != 0) return fail();
  const uint64_t old = static_cast<uint64_t>(st.st_size);
  std::string cut = read_range(fd, static_cast<uint64_t>(size), old, old);
  if (ftruncate(fd, size) != 0) return fail();
  d.tracker().resized(st.st_ino, tracked(path), old, static_cast<uint64_t>(size), std::move(cut));
  d.keep_fd(st.st_ino, fd);
  return 0;
}

// An operation that changes the data of the open file `fi`: the slow and
// fail faults first, then, under the lock, `change(fs, fd, st)` with the
// file's stat from before it.
template <typename Change>
int change_open_file(fuse_file_info* fi, Change change) {
  if (const int rc = gate(); rc != 0) return rc;
  DiskFs& d = fs();
  std::lock_guard<std::mutex> lock(d.mutex());
  const int fd = static_cast<int>(fi->fh);
  struct stat st;
  if (fstat(fd, &st) != 0) return fail();
  return change(d, fd, st);
}

// Backing open flags: read access too (a write must read what it replaces),
// and no O_APPEND (write() places appends itself), O_TRUNC or O_CREAT (done
// and tracked here).
int backing_flags(int flags) {
  int f = flags & ~(O_APPEND | O_TRUNC | O_CREAT | O_EXCL | O_ACCMODE);
  return f | O_RDWR | O_CLOEXEC;
}

void* op_init(fuse_conn_info*, fuse_config* cfg) {
  // A lose-unsynced changes files behind the kernel's back: no attributes or
  // names are cached, and a file's cached pages are dropped at every open
  // (no keep_cache), which is all a restarted server needs. Writes are not
  // cached either (no writeback cache): each reaches op_write before write(2)
  // returns. Not direct_io, so that shared mmap works (etcd's bbolt).
  cfg->use_ino = 1;
  cfg->attr_timeout = 0;
  cfg->entry_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->hard_remove = 1;  // unlink() keeps open files itself (in the trash)
  return fuse_get_context()->private_data;
}

int op_getattr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (hidden(path)) return -ENOENT;
  std::lock_guard<std::mutex> lock(fs().mutex());
  const int rc = fi != nullptr ? fstat(static_cast<int>(fi->fh), st)
                               : fstatat(fs().root(), at(path).c_str(), st, AT_SYMLINK_NOFOLLOW);
  return rc == 0 ? 0 : fail();
}

int op_readlink(const char* path, char* buf, size_t size) {
  const ssize_t n = readlinkat(fs().root(), at(path).c_str(), buf, size - 1);
  if (n < 0) return fail();
  buf[n] = '\0';
  return 0;
}

int op_mkdir(const char* path, mode_t mode) {
  std::lock_guard<std::mutex> lock(fs().mutex());
  if (mkdirat(fs().root(), at(path).c_str(), mode) != 0) return fail();
  fs().tracker().created(tracked(path), true);
  return 0;
}

// Moves `path` (a file) to the trash, as its unlink.
int trash_file(const char* path) {
  DiskFs& d = fs();
  struct stat st;
  if (fstatat(d.root(), at(path).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail();
  if (S_ISDIR(st.st_mode)) return -EISDIR;
  const std::string trash = d.next_trash_name();
  if (renameat(d.root(), at(path).c_str(), d.root(), trash.c_str()) != 0) return fail();
  d.tracker().unlinked(tracked(path), trash, st.st_ino);
  return 0;
}

int op_unlink(const char* path) {
  if (hidden(path)) return -ENOENT;
  std::lock_guard<std::mutex> lock(fs().mutex());
  return trash_file(path);
}

int remove_dir(const char* path) {
  struct stat st;
  if (fstatat(fs().root(), at(path).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail();
  if (unlinkat(fs().root(), at(path).c_str(), AT_REMOVEDIR) != 0) return fail();
  fs().tracker().removed_dir(tracked(path), st.st_mode & 07777);
  return 0;
}

int op_rmdir(const char* path) {
  if (hidden(path)) return -ENOENT;
  std::lock_guard<std::mutex> lock(fs().mutex());
  return remove_dir(path);
}

int op_symlink(const char* target, const char* path) {
  std::lock_guard<std::mutex> lock(fs().mutex());
  if (symlinkat(target, fs().root(), at(path).c_str()) != 0) return fail();
  fs().tracker().created(tracked(path), false);
  return 0;
}

int op_rename(const char* from, const char* to, unsigned int flags) {
  if (hidden(from) || hidden(to)) return -ENOENT;
  if ((flags & ~RENAME_NOREPLACE) != 0) return -EINVAL;  // RENAME_EXCHANGE is not tracked
  DiskFs& d = fs();
  std::lock_guard<std::mutex> lock(d.mutex());
  struct stat src, dst;
  if (fstatat(d.root(), at(from).c_str(), &src, AT_SYMLINK_NOFOLLOW) != 0) return fail();
  if (fstatat(d.root(), at(to).c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0) {
    if (flags & RENAME_NOREPLACE) return -EEXIST;
    if (src.st_ino == dst.st_ino) return 0;
    if (S_ISDIR(dst.st_mode) != S_ISDIR(src.st_mode))
      return S_ISDIR(dst.st_mode) ? -EISDIR : -ENOTDIR;
    // The replaced name goes first, tracked as its own unlink (or rmdir).
    if (const int rc = S_ISDIR(dst.st_mode) ? remove_dir(to) : trash_file(to); rc != 0) return rc;
  }
  if (renameat(d.root(), at(from).c_str(), d.root(), at(to).c_str()) != 0) return fail();
  d.tracker().renamed(tracked(from), tracked(to));
  return 0;
}

int op_link(const char*, const char*) { return -ENOTSUP; }  // hard links are not tracked

int op_chmod(const char* path, mode_t mode, fuse_file_info*) {
  return fchmodat(fs().root(), at(path).c_str(), mode, 0) == 0 ? 0 : fail();
}

int op_chown(const char* path, uid_t uid, gid_t gid, fuse_file_info*) {
  return fchownat(fs().root(), at(path).c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : fail();
}

int op_truncate(const char* path, off_t size, fuse_file_info* fi) {
  if (const int rc = gate(); rc != 0) return rc;
  DiskFs& d = fs();
  std::lock_guard<std::mutex> lock(d.mutex());
  if (fi != nullptr) return tracked_truncate(d, path, static_cast<int>(fi->fh), size);
  const int fd = openat(d.root(), at(path).c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return fail();
  const int rc = tracked_truncate(d, path, fd, size);
  close(fd);
  return rc;
}

int op_open(const char* path, fuse_file_info* fi) {
  if (hidden(path)) return -ENOENT;
  DiskFs& d = fs();
  std::lock_guard<std::mutex> lock(d.mutex());
  int fd = openat(d.root(), at(path).c_str(), backing_flags(fi->flags));
  if (fd < 0 && errno == EISDIR) fd = openat(d.root(), at(path).c_str(), fi->flags | O_CLOEXEC);
  if (fd < 0) return fail();
  if (fi->flags & O_TRUNC) {
    if (const int rc = tracked_truncate(d, path, fd, 0); rc != 0) {
      close(fd);
      return rc;
    }
  }
  fi->fh = static_cast<uint64_t>(fd);
  return 0;
}

int op_create(const char* path, mode_t mode, fuse_file_info* fi) {
  if (hidden(path)) return -EACCES;
  DiskFs& d = fs();
  std::lock_guard<std::mutex> lock(d.mutex());
  struct stat st;
  const bool existed = fstatat(d.root(), at(path).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (existed && (fi->flags & O_EXCL)) return -EEXIST;
  const int fd = openat(d.root(), at(path).c_str(), backing_flags(fi->flags) | O_CREAT, mode);
  if (fd < 0) return fail();
  if (!existed) {
    d.tracker().created(tracked(path), false);
  } else if (fi->flags & O_TRUNC) {
    if (const int rc = tracked_truncate(d, path, fd, 0); rc != 0) {
      close(fd);
      return rc;
    }
  }
  fi->fh = static_cast<uint64_t>(fd);
  return 0;
}

int op_read(const char*, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  const ssize_t n = pread(static_cast<int>(fi->fh), buf, size, offset);
  return n < 0 ? fail() : static_cast<int>(n);
}

int op_write(const char* path, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  return change_open_file(fi, [&](DiskFs& d, int fd, const struct stat& st) {
    const uint64_t old = static_cast<uint64_t>(st.st_size);
    const uint64_t at_offset = (fi->flags & O_APPEND) ? old : static_cast<uint64_t>(offset);
    std::string replaced = read_range(fd, at_offset, size, old);
    const ssize_t n = pwrite(fd, buf, size, static_cast<off_t>(at_offset));
    if (n < 0) return fail();
    replaced.resize(std::min<size_t>(replaced.size(), static_cast<size_t>(n)));
    d.tracker().wrote(st.st_ino, tracked(path), at_offset, static_cast<uint64_t>(n), old,
                      std::move(replaced));
    if (fi->flags & (O_SYNC | O_DSYNC)) {
      if (fdatasync(fd) != 0) return fail();
      d.purge(d.tracker().synced_file(st.st_ino));
    } else {
      d.keep_fd(st.st_ino, fd);
    }
    return static_cast<int>(n);
  });
}

int op_statfs(const char*, struct statvfs* out) {
  return fstatvfs(fs().root(), out) == 0 ? 0 : fail();
}

int op_release(const char*, fuse_file_info* fi) {
  close(static_cast<int>(fi->fh));
  return 0;
}

int op_fsync(const char*, int datasync, fuse_file_info* fi) {
  return change_open_file(fi, [&](DiskFs& d, int fd, const struct stat& st) {
    if ((datasync ? fdatasync(fd) : fsync(fd)) != 0) return fail();
    d.purge(d.tracker().synced_file(st.st_ino));
    d.drop_clean_fds();
    return 0;
  });
}

int op_opendir(const char* path, fuse_file_info* fi) {
  if (hidden(path)) return -ENOENT;
  const int fd = openat(fs().root(), at(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail();
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return fail();
  }
  fi->fh = reinterpret_cast<uint64_t>(dir);
  return 0;
}

int op_readdir(const char* path, void* buf, fuse_fill_dir_t filler, off_t, fuse_file_info* fi,
               fuse_readdir_flags) {
  DIR* dir = reinterpret_cast<DIR*>(fi->fh);
  rewinddir(dir);
  const bool root = path[1] == '\0';
  while (const dirent* e = readdir(dir)) {
    if (root && std::strcmp(e->d_name, kTrashDir) == 0) continue;
    if (filler(buf, e->d_name, nullptr, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  return 0;
}

int op_releasedir(const char*, fuse_file_info* fi) {
  closedir(reinterpret_cast<DIR*>(fi->fh));
  return 0;
}

int op_fsyncdir(const char* path, int, fuse_file_info* fi) {
  if (const int rc = gate(); rc != 0) return rc;
  DiskFs& d = fs();
  std::lock_guard<std::mutex> lock(d.mutex());
  if (fsync(dirfd(reinterpret_cast<DIR*>(fi->fh))) != 0) return fail();
  d.purge(d.tracker().synced_dir(tracked(path)));
  d.drop_clean_fds();
  return 0;
}

int op_access(const char* path, int mask) {
  if (hidden(path)) return -ENOENT;
  return faccessat(fs().root(), at(path).c_str(), mask, 0) == 0 ? 0 : fail();
}

int op_utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
  const int rc = fi != nullptr ? futimens(static_cast<int>(fi->fh), tv)
                               : utimensat(fs().root(), at(path).c_str(), tv, AT_SYMLINK_NOFOLLOW);
  return rc == 0 ? 0 : fail();
}

int op_fallocate(const char* path, int mode, off_t offset, off_t length, fuse_file_info* fi) {
  if (mode != 0) return -EOPNOTSUPP;  // only plain allocation is tracked
  return change_open_file(fi, [&](DiskFs& d, int fd, const struct stat& st) {
    if (const int rc = posix_fallocate(fd, offset, length); rc != 0) return -rc;
    const uint64_t old = static_cast<uint64_t>(st.st_size);
    const uint64_t end = static_cast<uint64_t>(offset + length);
    if (end > old) {
      d.tracker().resized(st.st_ino, tracked(path), old, end, "");
      d.keep_fd(st.st_ino, fd);
    }
    return 0;
  });
}

fuse_operations make_operations() {
  fuse_operations o{};
  o.init = op_init;
  o.getattr = op_getattr;
  o.readlink = op_readlink;
  o.mkdir = op_mkdir;
  o.unlink = op_unlink;
  o.rmdir = op_rmdir;
  o.symlink = op_symlink;
  o.rename = op_rename;
  o.link = op_link;
  o.chmod = op_chmod;
  o.chown = op_chown;
  o.truncate = op_truncate;
  o.open = op_open;
  o.create = op_create;
  o.read = op_read;
  o.write = op_write;
  o.statfs = op_statfs;
  o.release = op_release;
  o.fsync = op_fsync;
  o.opendir = op_opendir;
  o.readdir = op_readdir;
  o.releasedir = op_releasedir;
  o.fsyncdir = op_fsyncdir;
  o.access = op_access;
  o.utimens = op_utimens;
  o.fallocate = op_fallocate;
  return o;
}

}  // namespace

const fuse_operations& diskfs_operations() {
  static const fuse_operations ops = make_operations();
  return ops;
}

}  // namespace faultline::diskfs
