// Env: every file-system operation the durable storage performs, behind an
// interface (LevelDB's Env is the model) so that tests can substitute a file
// system that loses unsynced data in a simulated crash (FaultInjectionEnv).
//
// Durability contract, as on POSIX: data appended to a file survives a crash
// only once WritableFile::sync() returned; a created, renamed or removed
// directory entry only once sync_dir() on its directory returned.
// truncate_file() and create_dir() are durable when they return.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace faultline::common {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes at the file's write position and moves it past `data` (the page
  // cache: not durable yet). The position starts at the end of the file, but
  // for new_preallocated_file() and reopen_at(): there it overwrites bytes in
  // place until it passes the end, and from then on extends the file.
  virtual Status append(std::string_view data) = 0;
  // fdatasync: everything appended so far is durable when this returns.
  virtual Status sync() = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // Creates `path`, or truncates it if it exists, for appending.
  virtual Status new_writable_file(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  // Opens an existing `path` for appending after its current contents.
  virtual Status reopen_for_append(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  // Creates `path`, or truncates it if it exists, holding `size` zero bytes
  // that are durable when this returns (the directory entry needs
  // sync_dir()), with the write position at 0. Writes then overwrite
  // allocated, initialised blocks: their sync() changes neither the size nor
  // the allocation, so the file system (ext4) has no metadata to write back
  // (no inode write, no journal commit): fdatasync is a data write and a
  // cache flush.
  virtual Status new_preallocated_file(const std::string& path, uint64_t size,
                                       std::unique_ptr<WritableFile>* out) = 0;
  // Opens an existing `path` with the write position at `offset` (at most
  // its size): writes overwrite the bytes from there on.
  virtual Status reopen_at(const std::string& path, uint64_t offset,
                           std::unique_ptr<WritableFile>* out) = 0;
  virtual Status read_file(const std::string& path, std::string* contents) = 0;
  // Same-directory rename; replaces `to` if it exists.
  virtual Status rename_file(const std::string& from, const std::string& to) = 0;
  virtual Status remove_file(const std::string& path) = 0;
  // Shortens `path` to `size` bytes and syncs it.
  virtual Status truncate_file(const std::string& path, uint64_t size) = 0;
  // The names (not paths) of the regular files in `dir`, sorted.
  virtual Status list_dir(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual Status sync_dir(const std::string& dir) = 0;
  // Creates `dir` (its parent must exist) unless it exists, and syncs the parent.
  virtual Status create_dir(const std::string& dir) = 0;
};

// The real file system. The returned object lives forever.
Env* posix_env();

// `base` (which must outlive it), except that WritableFile::sync() returns at
// once without syncing: an unsafe Env that acknowledges writes it never
// made durable (raftkv's no-fsync failpoint). Directory syncs, and the syncs
// inside new_preallocated_file and truncate_file, still happen.
std::unique_ptr<Env> no_sync_env(Env* base);

// `dir` + "/" + `name`.
std::string join_path(const std::string& dir, const std::string& name);

}  // namespace faultline::common
