// The WAL: round trips, group commit, log truncation, segments and compaction,
// and the damage it refuses to start from.
#include "targets/raftkv/storage/wal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/common/fault_injection_env.h"
#include "targets/raftkv/storage/storage_test_util.h"
#include "targets/raftkv/storage/wal_format.h"

namespace faultline::raft::storage {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

constexpr const char* kDir = "/db";

class WalTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.create_dir(kDir).is_ok()); }

  // (Re)opens the WAL, as after a restart.
  LogImage reopen(uint64_t segment_bytes = 1 << 20, bool preallocate = false) {
    wal_.reset();
    WalState state;
    const Status s = Wal::open(
        &env_, kDir, {.segment_bytes = segment_bytes, .preallocate = preallocate}, &wal_, &state);
    EXPECT_TRUE(s.is_ok()) << s.message();
    torn_tail_ = state.torn_tail;
    return image_of(state);
  }
  Status reopen_status() {
    wal_.reset();
    WalState state;
    return Wal::open(&env_, kDir, {}, &wal_, &state);
  }
  void append(const std::vector<Entry>& entries) {
    const Status s = wal_->append(entries);
    ASSERT_TRUE(s.is_ok()) << s.message();
  }
  void sync() {
    const Status s = wal_->sync();
    ASSERT_TRUE(s.is_ok()) << s.message();
  }
  std::string segment_path(uint64_t seq) { return common::join_path(kDir, wal_segment_name(seq)); }
  // The next index the header of segment file `name` records.
  uint64_t header_next_index(const std::string& name) {
    std::string bytes;
    EXPECT_TRUE(env_.read_file(common::join_path(kDir, name), &bytes).is_ok());
    std::vector<WalItem> items;
    EXPECT_TRUE(decode_items(common::scan_records(bytes).records.at(0).payload, &items).is_ok());
    return std::get<SegmentHeader>(items.at(0)).next_index;
  }
  std::string contents(uint64_t seq) {
    std::string bytes;
    EXPECT_TRUE(env_.read_file(segment_path(seq), &bytes).is_ok());
    return bytes;
  }

  common::FaultInjectionEnv env_;
  std::unique_ptr<Wal> wal_;
  std::string torn_tail_;
};

TEST_F(WalTest, AnEmptyDirectoryIsAnEmptyLogAndNoFileIsWrittenBeforeTheFirstSync) {
  EXPECT_EQ(reopen(), LogImage{});
  EXPECT_TRUE(wal_->sync().is_ok());  // nothing buffered: nothing to do
  EXPECT_THAT(wal_->segment_names(), IsEmpty());
  EXPECT_EQ(env_.mutation_count(), 1u);  // create_dir in SetUp
}

TEST_F(WalTest, EntriesAndHardStateSurviveARestart) {
  reopen();
  append(make_entries(1, 3, 1));
  wal_->set_hard_state({1, 2, 2});
  sync();
  append(make_entries(4, 4, 1));
  sync();
  EXPECT_EQ(reopen(), (LogImage{{1, 2, 2}, {}, make_entries(1, 4, 1)}));
  EXPECT_EQ(torn_tail_, "");
  EXPECT_THAT(wal_->segment_names(), ElementsAre("wal-0000000000000001.log"));
}

TEST_F(WalTest, NothingIsDurableBeforeSyncReturns) {
  reopen();
  append(make_entries(1, 2, 1));
  wal_->set_hard_state({1, 1, 0});
  sync();
  append(make_entries(3, 5, 1));
  wal_->set_hard_state({1, 1, 2});
  wal_.reset();
  env_.crash();
  EXPECT_EQ(reopen(), (LogImage{{1, 1, 0}, {}, make_entries(1, 2, 1)}));
}

TEST_F(WalTest, OneSyncIsOneWriteAndOneFdatasyncHoweverMuchIsBuffered) {
  reopen();
  append(make_entries(1, 1, 1));
  sync();  // the first sync also creates the segment and syncs the directory
  uint64_t next = 2;
  for (uint64_t proposals : {1, 100}) {
    const uint64_t before = env_.mutation_count();
    for (uint64_t i = 0; i < proposals; ++i, ++next) {
      append(make_entries(next, next, 1));
      wal_->set_hard_state({1, 1, next - 1});
    }
    sync();
    EXPECT_EQ(env_.mutation_count() - before, 2u) << proposals << " proposals: append + fdatasync";
  }
  EXPECT_EQ(reopen(), (LogImage{{1, 1, 101}, {}, make_entries(1, 102, 1)}));
}

TEST_F(WalTest, ALaterEntryReplacesTheSuffixFromItsIndex) {
  reopen();
  append(make_entries(1, 5, 1));
  sync();
  append(make_entries(3, 4, 2));  // a new leader overwrote 3..5
  sync();
  std::vector<Entry> expected = make_entries(1, 2, 1);
  for (const Entry& e : make_entries(3, 4, 2)) expected.push_back(e);
  EXPECT_EQ(reopen().entries, expected);

  append(make_entries(2, 2, 3));  // within one batch: replaced, then appended to
  append(make_entries(3, 3, 3));
  sync();
  EXPECT_EQ(reopen().entries,
            (std::vector<Entry>{make_entries(1, 1, 1)[0], make_entries(2, 2, 3)[0],
                                make_entries(3, 3, 3)[0]}));
}

TEST_F(WalTest, AppendFollowsMemoryStorageRules) {
  reopen();
  append(make_entries(1, 3, 1));
  EXPECT_EQ(wal_->append(make_entries(5, 5, 1)).message(), "entry 5 leaves a gap after index 3");
  std::vector<Entry> holes = make_entries(4, 4, 1);
  holes.push_back(make_entries(6, 6, 1)[0]);
  EXPECT_EQ(wal_->append(holes).message(), "entry 6 follows entry 4");
  ASSERT_TRUE(wal_->compact({2, 1}).is_ok());
  append(make_entries(1, 4, 1));  // 1..2 are covered by the snapshot: skipped
  EXPECT_EQ(wal_->compact({5, 1}).message(), "compaction at 5 is outside the log (3..4)");
  EXPECT_EQ(wal_->install_snapshot({1, 1}).message(),
            "snapshot at 1 is older than the snapshot at 2");
  sync();
  EXPECT_EQ(reopen(), (LogImage{{}, {2, 1}, make_entries(3, 4, 1)}));
}

TEST_F(WalTest, AnInstalledSnapshotReplacesTheLog) {
  reopen();
  append(make_entries(1, 5, 1));
  sync();
  ASSERT_TRUE(wal_->install_snapshot({8, 3}).is_ok());
  wal_->set_hard_state({3, 0, 8});
  append(make_entries(9, 9, 3));
  sync();
  EXPECT_EQ(reopen(), (LogImage{{3, 0, 8}, {8, 3}, make_entries(9, 9, 3)}));
}

TEST_F(WalTest, SegmentsRollAtTheSizeLimitAndCompactionDeletesThoseCovered) {
  reopen(/*segment_bytes=*/200);
  for (uint64_t i = 1; i <= 30; ++i) {
    append(make_entries(i, i, 1));
    wal_->set_hard_state({1, 1, i - 1});
    sync();
  }
  const size_t segments = wal_->segment_names().size();
  ASSERT_GE(segments, 5u);
  const LogImage all = reopen(200);
  EXPECT_EQ(all, (LogImage{{1, 1, 29}, {}, make_entries(1, 30, 1)}));
  EXPECT_EQ(wal_->segment_names().size(), segments);

  ASSERT_TRUE(wal_->compact({20, 1}).is_ok());
  sync();
  ASSERT_TRUE(wal_->remove_obsolete_segments(20).is_ok());
  const std::vector<std::string> kept = wal_->segment_names();
  ASSERT_GE(kept.size(), 2u);  // exactly those needed for entries 21.. remain:
  EXPECT_LE(header_next_index(kept[0]), 21u);
  EXPECT_GT(header_next_index(kept[1]), 21u);
  std::vector<std::string> files;
  ASSERT_TRUE(env_.list_dir(kDir, &files).is_ok());
  EXPECT_EQ(files, kept);
  // The hard state and the snapshot marker outlive the segments that held them.
  EXPECT_EQ(reopen(200), (LogImage{{1, 1, 29}, {20, 1}, make_entries(21, 30, 1)}));
  // The segment being written is never deleted.
  ASSERT_TRUE(wal_->compact({30, 1}).is_ok());
  sync();
  ASSERT_TRUE(wal_->remove_obsolete_segments(30).is_ok());
  EXPECT_EQ(wal_->segment_names().size(), 1u);
  EXPECT_EQ(reopen(200), (LogImage{{1, 1, 29}, {30, 1}, {}}));
}

TEST_F(WalTest, ASegmentThatDisappearedIsDetected) {
  reopen(/*segment_bytes=*/1);  // every sync starts a segment
  for (uint64_t i = 1; i <= 3; ++i) {
    append(make_entries(i, i, 1));
    sync();
  }
  wal_.reset();
  ASSERT_TRUE(env_.remove_file(segment_path(2)).is_ok());
  EXPECT_EQ(reopen_status().message(),
            "/db/wal-0000000000000003.log: segment wal-0000000000000002.log is missing (the "
            "previous one is wal-0000000000000001.log)");
  ASSERT_TRUE(env_.remove_file(segment_path(1)).is_ok());  // no snapshot covers entry 1
  EXPECT_EQ(reopen_status().message(),
            "/db/wal-0000000000000003.log: the log starts at index 3 but the snapshot only covers "
            "up to index 0: older segments are missing");
}

// The lost record replaced entry 2 without moving the end of the log: only
// the size the next header records betrays it.
TEST_F(WalTest, ASegmentShortenedAtARecordBoundaryIsDetectedByTheNextHeader) {
  reopen();
  append(make_entries(1, 2, 1));
  sync();
  const size_t one_record = contents(1).size();
  append(make_entries(2, 2, 2));
  sync();
  reopen(/*segment_bytes=*/1);
  append(make_entries(3, 3, 1));
  sync();
  env_.set_durable_contents(segment_path(1), contents(1).substr(0, one_record));
  const Status s = reopen_status();
  EXPECT_THAT(s.message(), HasSubstr("/db/wal-0000000000000002.log: corrupt record at offset 0: "
                                     "the header does not continue wal-0000000000000001.log"));
}

TEST_F(WalTest, AfterAFailedSyncTheWalRefusesEverything) {
  reopen();
  append(make_entries(1, 1, 1));
  env_.fail_after(1);  // the segment is created, the write fails
  EXPECT_THAT(wal_->sync().message(), HasSubstr("injected disk failure"));
  append(make_entries(2, 2, 1));
  EXPECT_THAT(wal_->sync().message(), HasSubstr("the WAL failed earlier: append"));
}

TEST_F(WalTest, RecoveryCutsATornTailDurablyAndAppendsAfterIt) {
  reopen();
  append(make_entries(1, 2, 1));
  sync();
  const std::string good = contents(1);
  append(make_entries(3, 3, 1));
  sync();
  env_.set_durable_contents(segment_path(1), contents(1).substr(0, good.size() + 5));
  EXPECT_EQ(reopen(), (LogImage{{}, {}, make_entries(1, 2, 1)}));
  EXPECT_EQ(torn_tail_, "/db/wal-0000000000000001.log: discarded a torn record at offset " +
                            std::to_string(good.size()) + " (incomplete header (5 of 12 bytes))");
  env_.crash();  // the truncation itself was durable
  EXPECT_EQ(contents(1), good);
  reopen();
  append(make_entries(3, 3, 2));
  sync();
  EXPECT_EQ(reopen().entries.back(), make_entries(3, 3, 2)[0]);
}

TEST_F(WalTest, PreallocatedSegmentsAreWrittenInPlaceAndEndWhereTheirRecordsEnd) {
  reopen(/*segment_bytes=*/1000, /*preallocate=*/true);
  append(make_entries(1, 2, 1));
  sync();
  EXPECT_EQ(contents(1).size(), 1000u);  // the zeros were written when it was created
  const uint64_t end = common::scan_records(contents(1)).end_offset;
  EXPECT_EQ(contents(1).find_last_not_of('\0') + 1, end);  // a record ends in a non-zero byte
  // The zeros after the records are the end, not a torn tail; writing goes on there.
  EXPECT_EQ(reopen(1000, true), (LogImage{{}, {}, make_entries(1, 2, 1)}));
  EXPECT_EQ(torn_tail_, "");
  for (uint64_t i = 3; i <= 40; ++i) {  // rolls: earlier segments end in zeros too
    append(make_entries(i, i, 1));
    sync();
  }
  ASSERT_GE(wal_->segment_names().size(), 2u);
  EXPECT_GE(contents(1).size(), 1000u);  // the record that crossed the end extended it
  EXPECT_GT(common::scan_records(contents(1)).end_offset, end);
  EXPECT_EQ(reopen(1000, true), (LogImage{{}, {}, make_entries(1, 40, 1)}));
  EXPECT_EQ(torn_tail_, "");
  // Without preallocation the same directory reads the same, and appends.
  EXPECT_EQ(reopen(1000, false), (LogImage{{}, {}, make_entries(1, 40, 1)}));
}

TEST_F(WalTest, ARecordCutShortInPreallocatedSpaceIsATornTail) {
  reopen(/*segment_bytes=*/1000, /*preallocate=*/true);
  append(make_entries(1, 2, 1));
  sync();
  const uint64_t good = common::scan_records(contents(1)).end_offset;
  append(make_entries(3, 3, 1));
  sync();
  // The last record lost its last 5 bytes: zeros, as preallocated.
  const std::string whole = contents(1);
  std::string bytes = whole;
  const uint64_t end = common::scan_records(bytes).end_offset;
  std::fill(bytes.begin() + static_cast<ptrdiff_t>(end - 5), bytes.end(), '\0');
  const uint64_t zeros = bytes.find_last_not_of('\0') + 1;
  env_.set_durable_contents(segment_path(1), bytes);
  EXPECT_EQ(reopen(1000, true), (LogImage{{}, {}, make_entries(1, 2, 1)}));
  EXPECT_EQ(torn_tail_, fmt::format("/db/wal-0000000000000001.log: discarded a torn record at "
                                    "offset {} (cut short at offset {}, zeros after it (payload "
                                    "checksum mismatch))",
                                    good, zeros));
  env_.crash();  // the truncation was durable
  EXPECT_EQ(contents(1).size(), good);
  // Damage to a complete last record (it ends in a non-zero byte) is refused.
  std::string damaged = whole;
  damaged[good + common::kRecordHeaderSize] ^= 1;
  env_.set_durable_contents(segment_path(1), damaged);
  EXPECT_THAT(reopen_status().message(),
              HasSubstr(fmt::format("wal-0000000000000001.log: corrupt record at offset {}: "
                                    "payload checksum mismatch",
                                    good)));
}

}  // namespace
}  // namespace faultline::raft::storage
