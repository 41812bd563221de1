// MemoryStorage and RaftLog: the durable log and the core's view over it.
#include "targets/raftkv/raft/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/raftkv/raft/memory_storage.h"

namespace faultline::raft {
namespace {

using testing::HasSubstr;

Entry entry(uint64_t index, uint64_t term, std::string data = "") {
  return Entry{index, term, EntryType::kCommand, std::move(data)};
}

std::vector<uint64_t> terms(const std::vector<Entry>& entries) {
  std::vector<uint64_t> out;
  for (const Entry& e : entries) out.push_back(e.term);
  return out;
}

TEST(MemoryStorage, AppendReplacesAConflictingSuffix) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(2, 1), entry(3, 1)}).is_ok());
  ASSERT_TRUE(s.append({entry(2, 2)}).is_ok());
  EXPECT_EQ(s.last_index(), 2u);
  EXPECT_EQ(s.term(2), 2u);
  EXPECT_EQ(s.term(3), std::nullopt);
  EXPECT_EQ(s.term(0), 0u);  // the empty snapshot
}

TEST(MemoryStorage, AppendRejectsGapsAndDisorder) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1)}).is_ok());
  EXPECT_THAT(s.append({entry(3, 1)}).message(), HasSubstr("gap"));
  EXPECT_THAT(s.append({entry(2, 1), entry(4, 1)}).message(), HasSubstr("follows"));
  EXPECT_EQ(s.last_index(), 1u);
}

TEST(MemoryStorage, CompactKeepsTheTermOfTheSnapshotIndex) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(2, 2), entry(3, 2)}).is_ok());
  ASSERT_TRUE(s.compact(2, "state@2").is_ok());
  EXPECT_EQ(s.first_index(), 3u);
  EXPECT_EQ(s.last_index(), 3u);
  EXPECT_EQ(s.term(1), std::nullopt);
  EXPECT_EQ(s.term(2), 2u);
  EXPECT_EQ(s.snapshot().data, "state@2");
  EXPECT_EQ(s.snapshot_metadata(), (SnapshotMetadata{2, 2}));
  // Entries the snapshot covers are skipped by a later append.
  ASSERT_TRUE(s.append({entry(2, 2), entry(3, 2), entry(4, 3)}).is_ok());
  EXPECT_EQ(s.last_index(), 4u);
  EXPECT_THAT(s.compact(2, "again").message(), HasSubstr("outside the log"));
  EXPECT_THAT(s.compact(5, "future").message(), HasSubstr("outside the log"));
}

TEST(MemoryStorage, EntriesStopAtTheByteLimitButReturnAtLeastOne) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1, "aaaa"), entry(2, 1, "bbbb"), entry(3, 1, "cccc")}).is_ok());
  EXPECT_EQ(s.entries(1, 4, 8).size(), 2u);
  EXPECT_EQ(s.entries(1, 4, 1).size(), 1u);
  EXPECT_EQ(s.entries(1, 4, UINT64_MAX).size(), 3u);
}

TEST(RaftLog, StitchesStorageAndUnstableEntries) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(2, 1)}).is_ok());
  RaftLog log(s, 0);
  log.append({entry(3, 2), entry(4, 2)});
  EXPECT_EQ(log.first_index(), 1u);
  EXPECT_EQ(log.last_index(), 4u);
  EXPECT_EQ(log.term(2), 1u);
  EXPECT_EQ(log.term(4), 2u);
  EXPECT_EQ(log.term(5), std::nullopt);
  EXPECT_EQ(log.durable_last_index(), 2u);
  EXPECT_EQ(terms(*log.slice(1, 5, 100, UINT64_MAX)), (std::vector<uint64_t>{1, 1, 2, 2}));
  EXPECT_EQ(terms(*log.slice(2, 5, 2, UINT64_MAX)), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(log.slice(1, 6, 100, UINT64_MAX), std::nullopt);
}

TEST(RaftLog, ReplacingDurableEntriesShadowsThemUntilPersisted) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(2, 1), entry(3, 1)}).is_ok());
  RaftLog log(s, 0);
  EXPECT_EQ(log.find_conflict({entry(2, 1), entry(3, 2)}), 3u);
  EXPECT_EQ(log.find_conflict({entry(2, 1), entry(3, 1)}), 0u);
  EXPECT_EQ(log.find_conflict({entry(3, 1), entry(4, 1)}), 4u);
  log.append({entry(2, 2)});
  EXPECT_EQ(log.last_index(), 2u);
  EXPECT_EQ(log.term(2), 2u);
  EXPECT_EQ(log.durable_last_index(), 1u);
  ASSERT_EQ(log.unstable_entries().size(), 1u);
  ASSERT_TRUE(s.append(log.unstable_entries()).is_ok());
  log.stable_to(2, 2);
  EXPECT_TRUE(log.unstable_entries().empty());
  EXPECT_EQ(log.durable_last_index(), 2u);
}

TEST(RaftLog, StableToIgnoresEntriesReplacedSinceTheReady) {
  MemoryStorage s;
  RaftLog log(s, 0);
  log.append({entry(1, 1), entry(2, 1)});
  log.append({entry(2, 2)});  // replaced before the driver acknowledged (2, 1)
  log.stable_to(2, 1);
  EXPECT_EQ(log.unstable_entries().size(), 2u);
  EXPECT_EQ(log.durable_last_index(), 0u);
}

TEST(RaftLog, UpToDateComparesLastTermThenLength) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(2, 2), entry(3, 2)}).is_ok());
  RaftLog log(s, 0);
  EXPECT_TRUE(log.is_up_to_date(1, 3));   // later last term, even if shorter
  EXPECT_TRUE(log.is_up_to_date(3, 2));   // same term, as long
  EXPECT_FALSE(log.is_up_to_date(2, 2));  // same term, shorter
  EXPECT_FALSE(log.is_up_to_date(9, 1));  // earlier last term, even if longer
}

TEST(RaftLog, RestoreReplacesTheLogWithASnapshot) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(2, 1)}).is_ok());
  RaftLog log(s, 0);
  log.restore(Snapshot{{5, 3}, "state@5"});
  EXPECT_EQ(log.first_index(), 6u);
  EXPECT_EQ(log.last_index(), 5u);
  EXPECT_EQ(log.committed(), 5u);
  EXPECT_EQ(log.term(5), 3u);
  EXPECT_EQ(log.term(2), std::nullopt);  // the stale storage entries are gone from view
  EXPECT_EQ(log.durable_last_index(), 0u);
  EXPECT_TRUE(log.next_committed_entries().empty());
  log.append({entry(6, 3)});
  ASSERT_TRUE(s.apply_snapshot(*log.unstable_snapshot()).is_ok());
  log.stable_snapshot_to(5);
  EXPECT_EQ(log.durable_last_index(), 5u);
  EXPECT_EQ(log.snapshot().data, "state@5");
}

TEST(RaftLog, NextCommittedEntriesStartAfterAppliedAndSnapshot) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)}).is_ok());
  ASSERT_TRUE(s.set_hard_state({1, 1, 3}).is_ok());
  ASSERT_TRUE(s.compact(1, "state@1").is_ok());
  RaftLog log(s, 0);  // applied starts at the snapshot index
  EXPECT_EQ(log.applied(), 1u);
  EXPECT_EQ(terms(log.next_committed_entries()).size(), 2u);
  log.applied_to(2);
  ASSERT_EQ(log.next_committed_entries().size(), 1u);
  EXPECT_EQ(log.next_committed_entries()[0].index, 3u);
}

}  // namespace
}  // namespace faultline::raft
