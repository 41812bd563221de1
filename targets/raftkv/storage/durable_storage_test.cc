// DurableStorage: recovery of the whole Storage (log, hard state, snapshot),
// snapshot crash safety, refusal of damaged files, and a Raft node restarted
// from it.
#include "targets/raftkv/storage/durable_storage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/common/fault_injection_env.h"
#include "targets/raftkv/raft/raft.h"
#include "targets/raftkv/storage/snapshot_file.h"
#include "targets/raftkv/storage/storage_test_util.h"

namespace faultline::raft::storage {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

constexpr const char* kDir = "/db";

class DurableStorageTest : public testing::Test {
 protected:
  DurableStorage& open(uint64_t segment_bytes = 1 << 20) {
    storage_.reset();
    const Status s =
        DurableStorage::open(env_, kDir, {.wal = {.segment_bytes = segment_bytes}}, &storage_);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return *storage_;
  }
  Status open_status() {
    storage_.reset();
    return DurableStorage::open(env_, kDir, {}, &storage_);
  }
  void crash_and_reopen(uint64_t segment_bytes = 1 << 20) {
    storage_.reset();
    fault_env_.crash();
    open(segment_bytes);
  }
  std::vector<std::string> files() {
    std::vector<std::string> names;
    EXPECT_TRUE(env_->list_dir(kDir, &names).is_ok());
    return names;
  }
  void ok(const Status& s) { ASSERT_TRUE(s.is_ok()) << s.message(); }

  common::FaultInjectionEnv fault_env_;
  common::Env* env_ = &fault_env_;
  std::unique_ptr<DurableStorage> storage_;
};

TEST_F(DurableStorageTest, RestartRecoversEntriesHardStateAndSnapshot) {
  DurableStorage& s = open();
  ok(s.append(make_entries(1, 5, 1)));
  ok(s.set_hard_state({1, 1, 4}));
  ok(s.compact(3, "state@3"));
  ok(s.sync());
  const Image before = full_image(s);
  EXPECT_EQ(before.log, (LogImage{{1, 1, 4}, {3, 1}, make_entries(4, 5, 1)}));
  crash_and_reopen();
  EXPECT_EQ(full_image(*storage_), before);
  EXPECT_EQ(storage_->first_index(), 4u);
  EXPECT_EQ(storage_->term(3), 1u);
  EXPECT_THAT(files(), ElementsAre("snapshot-0000000000000001-0000000000000003.snap",
                                   "wal-0000000000000001.log"));
}

TEST_F(DurableStorageTest, WorksOnTheRealFileSystem) {
  ScopedTempDir tmp;
  env_ = common::posix_env();
  const std::string dir = common::join_path(tmp.path(), "node1");
  ASSERT_TRUE(DurableStorage::open(env_, dir, {}, &storage_).is_ok());
  ok(storage_->append(make_entries(1, 3, 1)));
  ok(storage_->set_hard_state({1, 1, 2}));
  ok(storage_->compact(2, "image"));
  ok(storage_->sync());
  const Image before = full_image(*storage_);
  storage_.reset();
  const Status s = DurableStorage::open(env_, dir, {}, &storage_);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(full_image(*storage_), before);
}

TEST_F(DurableStorageTest, AReadyIsDurableOnlyOnceSyncReturns) {
  DurableStorage& s = open();
  Ready rd;
  rd.entries = make_entries(1, 2, 1);
  rd.hard_state = HardState{1, 1, 0};
  ok(persist_ready(rd, s));
  EXPECT_EQ(s.last_index(), 2u);  // readable at once...
  crash_and_reopen();
  EXPECT_EQ(full_image(*storage_), Image{});  // ...but not durable
  ok(persist_ready(rd, *storage_));
  ok(storage_->sync());
  crash_and_reopen();
  EXPECT_EQ(image_of(*storage_), (LogImage{{1, 1, 0}, {}, make_entries(1, 2, 1)}));
}

TEST_F(DurableStorageTest, AnInstalledSnapshotReplacesTheLogAcrossARestart) {
  DurableStorage& s = open();
  ok(s.append(make_entries(1, 5, 1)));
  ok(s.sync());
  Ready rd;
  rd.snapshot = Snapshot{{10, 2}, "leader's image"};
  rd.entries = make_entries(11, 12, 2);
  rd.hard_state = HardState{2, 0, 10};
  ok(persist_ready(rd, s));
  ok(s.sync());
  crash_and_reopen();
  EXPECT_EQ(full_image(*storage_),
            (Image{{{2, 0, 10}, {10, 2}, make_entries(11, 12, 2)}, "leader's image"}));
}

TEST_F(DurableStorageTest, ASnapshotDeletesTheSegmentsAndSnapshotsItMadeObsolete) {
  DurableStorage& s = open(/*segment_bytes=*/150);
  for (uint64_t i = 1; i <= 20; ++i) {
    ok(s.append(make_entries(i, i, 1)));
    ok(s.sync());
  }
  ok(s.compact(5, "five"));
  ok(s.sync());
  const size_t segments = s.segment_names().size();
  ok(s.compact(18, "eighteen"));
  ok(s.sync());
  EXPECT_LT(s.segment_names().size(), segments);
  std::vector<std::string> expected = s.segment_names();
  expected.insert(expected.begin(), "snapshot-0000000000000001-0000000000000018.snap");
  EXPECT_EQ(files(), expected);
  const Image before = full_image(s);
  crash_and_reopen(150);
  EXPECT_EQ(full_image(*storage_), before);
}

TEST_F(DurableStorageTest, ADamagedOrMissingSnapshotIsRefused) {
  DurableStorage& s = open();
  ok(s.append(make_entries(1, 3, 1)));
  ok(s.compact(2, "image"));
  ok(s.sync());
  storage_.reset();
  const std::string path =
      common::join_path(kDir, "snapshot-0000000000000001-0000000000000002.snap");
  std::string bytes;
  ok(env_->read_file(path, &bytes));
  bytes[33] ^= 4;
  fault_env_.set_durable_contents(path, bytes);
  EXPECT_EQ(open_status().message(),
            path + ": corrupt snapshot at offset 37: checksum mismatch over bytes [0, 37)");
  ok(env_->remove_file(path));
  EXPECT_EQ(open_status().message(),
            path + ": missing, but the WAL records the snapshot at index 2 term 1 as current");
}

// A process that dies in the middle of sync() with a snapshot leaves a .tmp
// file, or a snapshot file newer than the WAL's last record; recovery removes
// them and comes back with the acknowledged state.
class InterruptedSnapshotTest : public DurableStorageTest {
 protected:
  void run(uint64_t successful_steps) {
    DurableStorage& s = open();
    ok(s.append(make_entries(1, 3, 1)));
    ok(s.sync());
    const Image acknowledged = full_image(s);
    ok(s.compact(2, "image"));
    fault_env_.fail_after(successful_steps);
    EXPECT_FALSE(s.sync().is_ok());
    EXPECT_THAT(s.append(make_entries(4, 4, 1)).message(), HasSubstr("storage failed earlier"));
    EXPECT_EQ(files().size(), 2u);  // the WAL and the snapshot or its temporary file
    fault_env_.stop_failing();      // the process restarts; the machine did not crash
    open();
    EXPECT_EQ(full_image(*storage_), acknowledged);
    EXPECT_THAT(files(), ElementsAre("wal-0000000000000001.log"));
  }
};

// The save is create, append, sync, rename, sync_dir; then the WAL is written.
TEST_F(InterruptedSnapshotTest, ATemporaryFileLeftBehindIsRemoved) { run(3); }
TEST_F(InterruptedSnapshotTest, ASnapshotFileTheWalNeverRecordedIsRemoved) { run(5); }

// A single-node Raft cluster persisting through DurableStorage, crashed and
// restarted from the directory.
TEST_F(DurableStorageTest, ARaftNodeRestartsFromWhatItPersisted) {
  auto config = [] {
    Config c;
    c.id = 1;
    c.peers = {1};
    c.random = SplitMix64(7);
    return c;
  };
  auto drive = [&](Raft& node) {
    while (node.has_ready()) {
      Ready rd = node.ready();
      ok(persist_ready(rd, *storage_));
      ok(storage_->sync());
      node.advance(rd);
    }
  };
  open();
  std::unique_ptr<Raft> node;
  ok(Raft::create(config(), *storage_, &node));
  for (int t = 0; t < 30 && node->role() != Role::kLeader; ++t) {
    node->tick();
    drive(*node);
  }
  ASSERT_EQ(node->role(), Role::kLeader);
  for (const char* command : {"a", "b", "c"}) {
    ASSERT_EQ(node->propose(command).status, ProposeStatus::kOk);
    drive(*node);
  }
  ok(node->compact(3, "applied through 3"));
  ok(storage_->sync());
  const HardState hard_state = node->hard_state();
  const uint64_t last = node->log().last_index();
  EXPECT_EQ(hard_state.commit, last);

  node.reset();
  crash_and_reopen();
  ok(Raft::create(config(), *storage_, &node));
  EXPECT_EQ(node->hard_state(), hard_state);
  EXPECT_EQ(node->log().last_index(), last);
  EXPECT_EQ(storage_->snapshot(), (Snapshot{{3, hard_state.term}, "applied through 3"}));
  std::vector<Entry> tail = storage_->entries(4, last + 1, UINT64_MAX);
  ASSERT_EQ(tail.size(), last - 3);
  EXPECT_EQ(tail.back().data, "c");
}

}  // namespace
}  // namespace faultline::raft::storage
