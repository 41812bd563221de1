// The tracker against a small in-memory file system: changes go to both,
// the undo plan is applied to the model, and what is left must be what a
// power cut leaves (strict POSIX: data needs an fsync of the file, a name
// an fsync of its directory).
#include "nemesis/disk/unsynced_tracker.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace faultline::diskfs {
namespace {

class Model {
 public:
  explicit Model(Durability durability = Durability::kStrict) : tracker(durability) {}

  FileId create(const std::string& path) {
    const FileId id = next_++;
    names_[path] = id;
    data_[id] = "";
    tracker.created(path, false);
    return id;
  }
  // A file that existed before the mount: durable.
  FileId existing(const std::string& path, const std::string& content) {
    const FileId id = next_++;
    names_[path] = id;
    data_[id] = content;
    return id;
  }
  void write(const std::string& path, uint64_t offset, const std::string& bytes) {
    std::string& d = data_.at(names_.at(path));
    const uint64_t old = d.size();
    const std::string replaced = offset < old ? d.substr(offset, bytes.size()) : "";
    if (d.size() < offset + bytes.size()) d.resize(offset + bytes.size(), '\0');
    d.replace(offset, bytes.size(), bytes);
    tracker.wrote(names_.at(path), path, offset, bytes.size(), old, replaced);
  }
  void truncate(const std::string& path, uint64_t size) {
    std::string& d = data_.at(names_.at(path));
    const uint64_t old = d.size();
    const std::string cut = size < old ? d.substr(size) : "";
    d.resize(size, '\0');
    tracker.resized(names_.at(path), path, old, size, cut);
  }
  void fsync(const std::string& path) {
    for (const std::string& t : tracker.synced_file(names_.at(path))) names_.erase(t);
  }
  void fsync_dir(const std::string& dir) {
    for (const std::string& t : tracker.synced_dir(dir)) names_.erase(t);
  }
  void unlink(const std::string& path) {
    const std::string trash = "trash/" + std::to_string(trash_++);
    names_[trash] = names_.at(path);
    names_.erase(path);
    tracker.unlinked(path, trash, names_.at(trash));
  }
  void rename(const std::string& from, const std::string& to) {
    if (names_.count(to) != 0) unlink(to);
    names_[to] = names_.at(from);
    names_.erase(from);
    tracker.renamed(from, to);
  }
  void apply(const UndoPlan& plan) {
    for (const DataUndo& u : plan.data) {
      std::string& d = data_.at(u.file);
      if (u.truncate) d.resize(u.size, '\0');
      if (!u.bytes.empty()) {
        if (d.size() < u.offset + u.bytes.size()) d.resize(u.offset + u.bytes.size(), '\0');
        d.replace(u.offset, u.bytes.size(), u.bytes);
      }
    }
    for (const EntryUndo& e : plan.entries) {
      if (e.kind == EntryUndo::Kind::kRemove) names_.erase(e.path);
      if (e.kind == EntryUndo::Kind::kRename) {
        names_[e.to] = names_.at(e.path);
        names_.erase(e.path);
      }
    }
    for (const std::string& t : plan.purge) names_.erase(t);
    std::erase_if(names_, [](const auto& n) { return n.first.rfind("trash/", 0) == 0; });
  }
  // path -> content of every visible file.
  std::map<std::string, std::string> files() const {
    std::map<std::string, std::string> out;
    for (const auto& [path, id] : names_) out[path] = data_.at(id);
    return out;
  }
  UnsyncedTracker tracker;

 private:
  std::map<std::string, FileId> names_;
  std::map<FileId, std::string> data_;
  FileId next_ = 1;
  int trash_ = 0;
};

using Files = std::map<std::string, std::string>;

TEST(UnsyncedTrackerTest, UnsyncedAppendIsLostSyncedStays) {
  Model m;
  m.existing("log", "abc");
  m.write("log", 3, "def");
  m.fsync("log");
  m.write("log", 6, "ghi");
  EXPECT_EQ(m.tracker.unsynced_bytes(), 3u);
  const UndoPlan plan = m.tracker.lose();
  EXPECT_EQ(plan.bytes, 3u);
  EXPECT_EQ(plan.files, std::vector<std::string>{"log"});
  m.apply(plan);
  EXPECT_EQ(m.files(), (Files{{"log", "abcdef"}}));
  EXPECT_EQ(m.tracker.unsynced_bytes(), 0u);
}

TEST(UnsyncedTrackerTest, OverwritesGetTheirOldBytesBackNewestFirst) {
  Model m;
  m.existing("f", std::string(8, '0'));  // a preallocated segment
  m.write("f", 0, "aaaa");
  m.write("f", 2, "bbbb");  // overlaps the first
  m.apply(m.tracker.lose());
  EXPECT_EQ(m.files(), (Files{{"f", std::string(8, '0')}}));
}

TEST(UnsyncedTrackerTest, TruncateIsUndone) {
  Model m;
  m.existing("f", "0123456789");
  m.truncate("f", 4);
  m.write("f", 4, "xy");
  m.apply(m.tracker.lose());
  EXPECT_EQ(m.files(), (Files{{"f", "0123456789"}}));
}

TEST(UnsyncedTrackerTest, NewFileNeedsItsDirectorySynced) {
  Model m;
  m.create("a");
  m.write("a", 0, "data");
  m.fsync("a");  // data durable, name not
  m.create("b");
  m.write("b", 0, "more");
  m.fsync("b");
  m.fsync_dir("");  // now both names are
  m.create("c");
  m.write("c", 0, "lost");
  m.fsync("c");
  const UndoPlan plan = m.tracker.lose();
  ASSERT_EQ(plan.entries.size(), 1u);
  EXPECT_EQ(plan.entries[0].description, "create c");
  m.apply(plan);
  EXPECT_EQ(m.files(), (Files{{"a", "data"}, {"b", "more"}}));
}

TEST(UnsyncedTrackerTest, SyncingAnotherDirectoryDoesNotHelp) {
  Model m;
  m.create("d/x");
  m.fsync_dir("e");
  m.fsync_dir("");
  m.apply(m.tracker.lose());
  EXPECT_EQ(m.files(), Files{});
}

TEST(UnsyncedTrackerTest, AtomicReplaceByRename) {
  Model m;
  m.existing("snap", "old");
  m.create("snap.tmp");
  m.write("snap.tmp", 0, "new");
  m.fsync("snap.tmp");
  m.rename("snap.tmp", "snap");
  Model synced = m;  // the same, with the directory synced
  synced.fsync_dir("");
  synced.apply(synced.tracker.lose());
  EXPECT_EQ(synced.files(), (Files{{"snap", "new"}}));
  // Without the directory sync: the old file is back, the temp file gone.
  m.apply(m.tracker.lose());
  EXPECT_EQ(m.files(), (Files{{"snap", "old"}}));
}

TEST(UnsyncedTrackerTest, UnlinkComesBackWithItsSyncedContents) {
  Model m;
  m.existing("f", "keep");
  m.write("f", 4, "-lost");
  m.unlink("f");
  const UndoPlan plan = m.tracker.lose();
  ASSERT_EQ(plan.entries.size(), 1u);
  EXPECT_EQ(plan.entries[0].description, "unlink f");
  m.apply(plan);
  EXPECT_EQ(m.files(), (Files{{"f", "keep"}}));
  // With the directory synced the unlink stays and the trash is purged.
  Model gone;
  gone.existing("f", "x");
  gone.unlink("f");
  gone.fsync_dir("");
  gone.apply(gone.tracker.lose());
  EXPECT_EQ(gone.files(), Files{});
}

TEST(UnsyncedTrackerTest, TornKeepsAPrefixInOrder) {
  // Over many cuts: the result is always the state after some prefix of the
  // writes, the write at the cut kept in part.
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Model m;
    m.existing("w", std::string(12, '.'));
    m.write("w", 0, "AAAA");
    m.write("w", 4, "BBBB");
    m.write("w", 8, "CCCC");
    const UndoPlan plan = m.tracker.torn(seed * 0x9e3779b97f4a7c15ULL + 7);
    m.apply(plan);
    const std::string w = m.files().at("w");
    const std::string full = "AAAABBBBCCCC";
    size_t kept = 0;
    while (kept < w.size() && w[kept] == full[kept]) ++kept;
    EXPECT_EQ(w.substr(kept), std::string(12 - kept, '.')) << "seed " << seed << ": " << w;
    EXPECT_EQ(plan.bytes, 12 - kept) << "seed " << seed;
  }
}

TEST(UnsyncedTrackerTest, TornWritesKeepWholeSectors) {
  // A 3000-byte append at 700 into a zero-filled (preallocated) file: what
  // is kept of it ends on a 512-byte boundary of the file, or is all of it.
  const uint64_t seed = 20261206;
  std::mt19937_64 rng(seed);
  std::set<uint64_t> kept_sizes;
  for (int cut = 0; cut < 500; ++cut) {
    Model m;
    m.existing("wal", std::string(4096, '\0'));
    m.write("wal", 700, std::string(3000, 'r'));
    m.apply(m.tracker.torn(rng()));
    const std::string wal = m.files().at("wal");
    const size_t kept = wal.find_first_not_of('r', 700) - 700;
    EXPECT_TRUE(kept == 0 || kept == 3000 || (700 + kept) % kSectorBytes == 0)
        << "seed " << seed << ", cut " << cut << ": " << kept;
    EXPECT_EQ(wal.find_first_not_of('\0', 700 + kept), std::string::npos) << "cut " << cut;
    kept_sizes.insert(kept);
  }
  // Cuts land on every sector boundary inside the write, and at its ends.
  EXPECT_EQ(kept_sizes, (std::set<uint64_t>{0, 324, 836, 1348, 1860, 2372, 2884, 3000}))
      << "seed " << seed;
}

TEST(UnsyncedTrackerTest, SyncDropsOnlyThatFile) {
  Model m;
  m.existing("a", "");
  m.existing("b", "");
  m.write("a", 0, "1");
  m.write("b", 0, "2");
  m.fsync("a");
  EXPECT_FALSE(m.tracker.dirty(1));
  EXPECT_TRUE(m.tracker.dirty(2));
  m.apply(m.tracker.lose());
  EXPECT_EQ(m.files(), (Files{{"a", "1"}, {"b", ""}}));
}

TEST(UnsyncedTrackerTest, Ext4CommitsEveryEarlierNameChangeOnAnyFsync) {
  Model m(Durability::kExt4);
  m.existing("gone", "g");
  m.create("d/new");  // its directory never synced
  m.write("d/new", 0, "unsynced");
  m.create("wal");
  m.write("wal", 0, "rec");
  m.unlink("gone");
  m.fsync("wal");          // a journal commit: every name change above
  m.create("late");        // after the commit: lost
  m.write("wal", 3, "x");  // likewise
  const UndoPlan plan = m.tracker.lose();
  ASSERT_EQ(plan.entries.size(), 1u);
  EXPECT_EQ(plan.entries[0].description, "create late");
  m.apply(plan);
  // d/new's name survived, its data (never synced) did not.
  EXPECT_EQ(m.files(), (Files{{"d/new", ""}, {"wal", "rec"}}));
}

TEST(UnsyncedTrackerTest, Ext4DirectorySyncCommitsOtherDirectoriesToo) {
  Model m(Durability::kExt4);
  m.create("a/x");
  m.fsync_dir("b");
  m.apply(m.tracker.lose());
  EXPECT_EQ(m.files(), (Files{{"a/x", ""}}));
  Model strict;
  strict.create("a/x");
  strict.fsync_dir("b");
  strict.apply(strict.tracker.lose());
  EXPECT_EQ(strict.files(), Files{});
}

TEST(UnsyncedTrackerTest, ParseDurability) {
  Durability d = Durability::kStrict;
  EXPECT_TRUE(parse_durability("ext4", &d));
  EXPECT_EQ(d, Durability::kExt4);
  EXPECT_TRUE(parse_durability("strict", &d));
  EXPECT_EQ(d, Durability::kStrict);
  EXPECT_FALSE(parse_durability("xfs", &d));
}

TEST(UnsyncedTrackerTest, ParentOf) {
  EXPECT_EQ(parent_of("a"), "");
  EXPECT_EQ(parent_of("a/b/c"), "a/b");
}

}  // namespace
}  // namespace faultline::diskfs
