// FaultInjectionEnv: an in-memory file system that can crash, for tests
// (after LevelDB's fault_injection_test). It keeps two views: the live one
// that reads see (the page cache), and the durable one a crash falls back to:
//  - file data: a file's durable contents are what it held at its last
//    WritableFile::sync() (or truncate_file(), or new_preallocated_file());
//  - directory entries: creates, renames and removes are durable only once
//    sync_dir() ran on their directory; a crash undoes the others (a new file
//    vanishes, a renamed file gets its old name back, a removed file returns
//    with its durable contents).
// It can also make the disk fail: after fail_after(n), the n+1-th mutating
// operation and all later ones return an injected I/O error until the next
// crash, so a test can stop a multi-step write at every step.
// Not thread-safe. Paths are plain strings; directories must be created first.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "targets/common/env.h"

namespace faultline::common {

class FaultInjectionEnv : public Env {
 public:
  Status new_writable_file(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status reopen_for_append(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status new_preallocated_file(const std::string& path, uint64_t size,
                               std::unique_ptr<WritableFile>* out) override;
  Status reopen_at(const std::string& path, uint64_t offset,
                   std::unique_ptr<WritableFile>* out) override;
  Status read_file(const std::string& path, std::string* contents) override;
  Status rename_file(const std::string& from, const std::string& to) override;
  Status remove_file(const std::string& path) override;
  Status truncate_file(const std::string& path, uint64_t size) override;
  Status list_dir(const std::string& dir, std::vector<std::string>* names) override;
  Status sync_dir(const std::string& dir) override;
  Status create_dir(const std::string& dir) override;

  // What a crash took back, in the words of faultline-diskfs's reports
  // (nemesis/disk/): the files whose unsynced data went (`bytes` written
  // bytes in all), and the directory entry changes undone ("create P",
  // "remove P", "rename A -> B"; full paths).
  struct Loss {
    std::vector<std::string> files;
    uint64_t bytes = 0;
    std::vector<std::string> entries;
  };

  // Loses everything not durable (see above). File handles opened before the
  // crash fail from then on. Re-enables the disk after fail_after().
  Loss crash();
  // Like crash(), but each file keeps a prefix of its unsynced writes of a
  // random length (drawn from `seed`): the kernel may have written back part
  // of a write before the power went. (Writes since a sync are contiguous
  // here, as the storage writes sequentially: the prefix is of that range,
  // over the durable contents — zeros, in a preallocated file.)
  Loss crash_keeping_unsynced_prefix(uint64_t seed);
  // The next `n` mutating operations (append, sync, create, rename, remove,
  // truncate, sync_dir) succeed, all later ones fail.
  void fail_after(uint64_t n) { mutations_left_ = n; }
  // Ends fail_after() without a crash: the process died, the machine did not.
  void stop_failing() { mutations_left_.reset(); }
  // How many mutating operations have been attempted so far.
  uint64_t mutation_count() const { return mutation_count_; }

  // Test setup: replaces `path`'s contents, durably, as if a tool had
  // rewritten it while the storage was down (to truncate or corrupt a file).
  void set_durable_contents(const std::string& path, std::string contents);
  // Test setup: removes every file under `dir` (at any depth), durably, as
  // `rm -rf` while the storage was down; the directories stay.
  void remove_files_under(const std::string& dir);
  // The files under `dir` (at any depth), sorted.
  std::vector<std::string> files_under(const std::string& dir) const;

 private:
  struct Inode {
    std::string data;     // live
    std::string durable;  // as of the last sync
    // data[dirty_begin, dirty_end) was written since the last sync (empty: nothing).
    size_t dirty_begin = 0;
    size_t dirty_end = 0;
    void mark_synced() {
      durable = data;
      dirty_begin = dirty_end = 0;
    }
    // WritableFile::sync(): the same as mark_synced(), in the time of the
    // bytes written since the last sync rather than of the file (a simulated
    // node syncs its WAL thousands of times). Writes only ever change
    // data[dirty_begin, dirty_end), growing the file up to dirty_end.
    void sync_dirty() {
      durable.resize(data.size());
      durable.replace(dirty_begin, dirty_end - dirty_begin, data, dirty_begin,
                      dirty_end - dirty_begin);
      dirty_begin = dirty_end = 0;
    }
  };
  using Namespace = std::map<std::string, std::shared_ptr<Inode>>;  // path -> file
  class File;

  Status mutate(std::string_view op, const std::string& path);
  Status lookup(const std::string& path, std::shared_ptr<Inode>* inode) const;
  Status check_parent(const std::string& path) const;
  // `kept` says how many bytes of a file's unsynced range survive.
  Loss crash_with(const std::function<size_t(const Inode&)>& kept);
  // The entry changes a crash would undo.
  std::vector<std::string> unsynced_entries() const;

  Namespace live_;
  Namespace durable_;
  std::set<std::string> dirs_;
  uint64_t epoch_ = 0;  // bumped by a crash: older file handles are dead
  uint64_t mutation_count_ = 0;
  std::optional<uint64_t> mutations_left_;
};

}  // namespace faultline::common
