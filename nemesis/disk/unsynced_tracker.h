// UnsyncedTracker: the sans-I/O core of faultline-diskfs. It is told every
// change the file system passes through to its backing directory, and keeps
// what a power cut would take back:
//  - file data: each write and size change since the file's last fsync
//    (fdatasync), with the bytes it overwrote (its undo record);
//  - directory entries: each create, mkdir, symlink, unlink, rmdir and rename
//    until an fsync of the directory that holds the (new) name. A rename is
//    durable once its destination directory is synced, whatever the source's.
// lose() (all of it) and torn() (everything after a random prefix, in the
// order it happened, the write at the cut kept in part) turn that into an
// UndoPlan: data restores by file, then the entry changes undone newest
// first, each from the state right after it. The I/O layer applies the plan
// and the tracker starts afresh: what survived is durable.
//
// Two models of when a name is durable (Durability):
//  - strict POSIX (as in LazyFS, and raftkv's FaultInjectionEnv): an fsync
//    of a file does not make its name durable, only an fsync of the
//    directory that holds it;
//  - ext4 (data=ordered; xfs and btrfs behave alike here): the file system
//    journals every name change in order, and any fsync, of a file or a
//    directory, commits the journal: every name change made before it is
//    durable. File data still needs the file's own fsync.
// Programs written for ext4 only (etcd 3.4 creates member/ and never syncs
// its parent) lose data under the strict model that ext4 keeps.
// syncfs/sync(2) are not seen (FUSE does not pass them on). Files the tracker
// was never told about are durable. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace faultline::diskfs {

// A file's identity that survives renames: its inode number in the backing
// directory.
using FileId = uint64_t;

// Paths are relative to the mount's root, without a leading slash ("" is
// the root; "a/b").
std::string parent_of(const std::string& path);

struct DataUndo {
  FileId file = 0;
  std::string path;  // where the file was written through (for reports)
  // First truncate to `size` (when truncate is set), then write `bytes` at
  // `offset` (none when bytes is empty).
  bool truncate = false;
  uint64_t size = 0;
  uint64_t offset = 0;
  std::string bytes;
};

struct EntryUndo {
  enum class Kind {
    kRemove,      // a created file or symlink: unlink path
    kRemoveTree,  // a created directory: remove path and what is under it
    kRename,      // rename path -> to (a rename undone, or an unlinked file back from the trash)
    kMkdir,       // a removed (empty) directory: mkdir path with mode
  };
  Kind kind = Kind::kRemove;
  std::string path;
  std::string to;
  uint32_t mode = 0755;
  std::string description;  // "create wal-2.log", for reports
};

struct UndoPlan {
  std::vector<DataUndo> data;      // apply first, in order (newest first)
  std::vector<EntryUndo> entries;  // then these, in order (newest first)
  // What is lost, for the report: the files whose data goes back, how many
  // written bytes are lost, and the entry changes undone.
  std::vector<std::string> files;
  uint64_t bytes = 0;
  // Trash names whose unlink stays (the I/O layer deletes them for good).
  std::vector<std::string> purge;
};

enum class Durability { kStrict, kExt4 };

// The unit a disk writes atomically.
inline constexpr uint64_t kSectorBytes = 512;

// "strict" or "ext4" -> *out; false for any other name.
bool parse_durability(const std::string& name, Durability* out);

class UnsyncedTracker {
 public:
  explicit UnsyncedTracker(Durability durability = Durability::kStrict) : durability_(durability) {}

  // Data changes, told after they succeeded. `overwritten` are the bytes the
  // write replaced: those of [offset, offset+length) below size_before.
  void wrote(FileId file, const std::string& path, uint64_t offset, uint64_t length,
             uint64_t size_before, std::string overwritten);
  // A size change (truncate, fallocate); `cut` are the bytes from size_after
  // to size_before when it shrank.
  void resized(FileId file, const std::string& path, uint64_t size_before, uint64_t size_after,
               std::string cut);
  // fsync/fdatasync of the file (or a write through O_SYNC/O_DSYNC). Under
  // ext4 it also commits every entry change: returns the trash names that
  // may now be deleted for good (as synced_dir does).
  std::vector<std::string> synced_file(FileId file);

  // Entry changes. An unlinked file is moved to `trash` (a name in the
  // backing directory that the mount hides) rather than deleted, so that a
  // lost unlink can bring it back; the tracker says when it may go.
  void created(const std::string& path, bool directory);
  void unlinked(const std::string& path, const std::string& trash, FileId file);
  void removed_dir(const std::string& path, uint32_t mode);
  void renamed(const std::string& from, const std::string& to);
  // fsync of directory `dir`: the entry changes in it (under ext4: all of
  // them) are durable. Returns the trash names that may now be deleted for
  // good.
  std::vector<std::string> synced_dir(const std::string& dir);

  // Whether the file has data changes not yet synced.
  bool dirty(FileId file) const;
  uint64_t unsynced_bytes() const;
  size_t unsynced_entries() const;

  // Everything not durable, undone; the tracker is then empty.
  UndoPlan lose();
  // A power cut that kept a prefix: of the `n` changes not durable (data
  // and entries, in order), the first `keep` stay (they become durable) and
  // the one after them, if it is a write, keeps a part of its bytes that
  // ends on a sector boundary of the file (kSectorBytes): a disk writes a
  // sector whole or not at all, which logs such as etcd's WAL count on to
  // tell a torn tail from corruption. `random` picks the cut; the same
  // value, the same cut.
  UndoPlan torn(uint64_t random);

 private:
  struct Change {
    uint64_t seq = 0;
    bool is_data = false;
    // data
    FileId file = 0;
    std::string path;
    bool is_resize = false;
    uint64_t offset = 0, length = 0, size_before = 0, size_after = 0;
    std::string overwritten;  // write: replaced bytes; resize: the bytes cut off
    // entry
    EntryUndo undo;
    std::string dir;  // the directory whose fsync makes it durable
    std::string trash;
  };

  // A new change, numbered; the caller fills in the rest.
  Change& add();
  Change& add_data(FileId file, const std::string& path, uint64_t size_before, uint64_t size_after,
                   std::string bytes);
  // Makes the entry changes `durable` picks durable (a journal commit or a
  // directory fsync); returns the trash names that may go.
  std::vector<std::string> commit_entries(const std::function<bool(const Change&)>& durable);
  UndoPlan plan_undo(size_t keep, uint64_t keep_bytes);

  Durability durability_;
  uint64_t next_seq_ = 0;
  std::vector<Change> changes_;  // not durable, in order
};

}  // namespace faultline::diskfs
