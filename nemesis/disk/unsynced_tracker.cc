#include "nemesis/disk/unsynced_tracker.h"

#include <algorithm>

namespace faultline::diskfs {

std::string parent_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool parse_durability(const std::string& name, Durability* out) {
  if (name != "strict" && name != "ext4") return false;
  *out = name == "strict" ? Durability::kStrict : Durability::kExt4;
  return true;
}

UnsyncedTracker::Change& UnsyncedTracker::add() {
  Change& c = changes_.emplace_back();
  c.seq = next_seq_++;
  return c;
}

UnsyncedTracker::Change& UnsyncedTracker::add_data(FileId file, const std::string& path,
                                                   uint64_t size_before, uint64_t size_after,
                                                   std::string bytes) {
  Change& c = add();
  c.is_data = true;
  c.file = file;
  c.path = path;
  c.size_before = size_before;
  c.size_after = size_after;
  c.overwritten = std::move(bytes);
  return c;
}

void UnsyncedTracker::wrote(FileId file, const std::string& path, uint64_t offset, uint64_t length,
                            uint64_t size_before, std::string overwritten) {
  Change& c = add_data(file, path, size_before, std::max(size_before, offset + length),
                       std::move(overwritten));
  c.offset = offset;
  c.length = length;
}

void UnsyncedTracker::resized(FileId file, const std::string& path, uint64_t size_before,
                              uint64_t size_after, std::string cut) {
  add_data(file, path, size_before, size_after, std::move(cut)).is_resize = true;
}

std::vector<std::string> UnsyncedTracker::synced_file(FileId file) {
  std::erase_if(changes_, [&](const Change& c) { return c.is_data && c.file == file; });
  if (durability_ == Durability::kStrict) return {};
  return commit_entries([](const Change&) { return true; });
}

// Entry changes: each undone by `undo`, durable once `dir` is synced.
void UnsyncedTracker::created(const std::string& path, bool directory) {
  Change& c = add();
  c.undo.kind = directory ? EntryUndo::Kind::kRemoveTree : EntryUndo::Kind::kRemove;
  c.undo.path = path;
  c.undo.description = (directory ? "mkdir " : "create ") + path;
  c.dir = parent_of(path);
}

void UnsyncedTracker::unlinked(const std::string& path, const std::string& trash, FileId file) {
  Change& c = add();
  c.file = file;
  c.undo.kind = EntryUndo::Kind::kRename;
  c.undo.path = trash;
  c.undo.to = path;
  c.undo.description = "unlink " + path;
  c.dir = parent_of(path);
  c.trash = trash;
}

void UnsyncedTracker::removed_dir(const std::string& path, uint32_t mode) {
  Change& c = add();
  c.undo.kind = EntryUndo::Kind::kMkdir;
  c.undo.path = path;
  c.undo.mode = mode;
  c.undo.description = "rmdir " + path;
  c.dir = parent_of(path);
}

void UnsyncedTracker::renamed(const std::string& from, const std::string& to) {
  Change& c = add();
  c.undo.kind = EntryUndo::Kind::kRename;
  c.undo.path = to;
  c.undo.to = from;
  c.undo.description = "rename " + from + " -> " + to;
  c.dir = parent_of(to);
}

std::vector<std::string> UnsyncedTracker::synced_dir(const std::string& dir) {
  if (durability_ == Durability::kExt4) return commit_entries([](const Change&) { return true; });
  return commit_entries([&](const Change& c) { return c.dir == dir; });
}

std::vector<std::string> UnsyncedTracker::commit_entries(
    const std::function<bool(const Change&)>& durable) {
  std::vector<std::string> purge;
  std::set<FileId> gone;
  std::erase_if(changes_, [&](const Change& c) {
    if (c.is_data || !durable(c)) return false;
    if (!c.trash.empty()) {
      purge.push_back(c.trash);
      gone.insert(c.file);
    }
    return true;
  });
  // A file deleted for good has no data to restore (and its inode number
  // may be reused).
  std::erase_if(changes_, [&](const Change& c) { return c.is_data && gone.count(c.file) != 0; });
  return purge;
}

bool UnsyncedTracker::dirty(FileId file) const {
  return std::any_of(changes_.begin(), changes_.end(),
                     [&](const Change& c) { return c.is_data && c.file == file; });
}

uint64_t UnsyncedTracker::unsynced_bytes() const {
  uint64_t n = 0;
  for (const Change& c : changes_)
    if (c.is_data && !c.is_resize) n += c.length;
  return n;
}

size_t UnsyncedTracker::unsynced_entries() const {
  return std::count_if(changes_.begin(), changes_.end(),
                       [](const Change& c) { return !c.is_data; });
}

UndoPlan UnsyncedTracker::lose() { return plan_undo(0, 0); }

UndoPlan UnsyncedTracker::torn(uint64_t random) {
  const size_t keep = changes_.empty() ? 0 : random % (changes_.size() + 1);
  uint64_t keep_bytes = 0;
  if (keep < changes_.size() && changes_[keep].is_data && !changes_[keep].is_resize) {
    const Change& c = changes_[keep];
    keep_bytes = (random / (changes_.size() + 1)) % (c.length + 1);
    // Whole sectors only (or the whole write).
    const uint64_t end = (c.offset + keep_bytes) / kSectorBytes * kSectorBytes;
    if (keep_bytes < c.length) keep_bytes = end > c.offset ? end - c.offset : 0;
  }
  return plan_undo(keep, keep_bytes);
}

UndoPlan UnsyncedTracker::plan_undo(size_t keep, uint64_t keep_bytes) {
  UndoPlan plan;
  std::set<std::string> files;
  // The changes kept by a torn cut are durable now; so is every unlink they
  // hold, whose file can go.
  for (size_t i = 0; i < keep && i < changes_.size(); ++i)
    if (!changes_[i].trash.empty()) plan.purge.push_back(changes_[i].trash);
  for (size_t i = changes_.size(); i-- > keep;) {
    const Change& c = changes_[i];
    const uint64_t kept = i == keep ? keep_bytes : 0;
    if (!c.is_data) {
      plan.entries.push_back(c.undo);
      continue;
    }
    DataUndo u;
    u.file = c.file;
    u.path = c.path;
    if (c.is_resize) {
      u.truncate = true;
      u.size = c.size_before;
      u.offset = c.size_after;
      u.bytes = c.overwritten;
    } else {
      const uint64_t end = c.offset + c.length;
      u.truncate = end > c.size_before;
      u.size = std::max(c.size_before, c.offset + kept);
      u.offset = c.offset + kept;
      if (kept < c.overwritten.size()) u.bytes = c.overwritten.substr(kept);
      plan.bytes += c.length - kept;
      if (!u.truncate && u.bytes.empty()) continue;  // nothing of it is lost
    }
    files.insert(c.path);
    plan.data.push_back(std::move(u));
  }
  plan.files.assign(files.begin(), files.end());
  changes_.clear();
  return plan;
}

}  // namespace faultline::diskfs
