// The crash-recovery matrix: a small log in two segments, cut short at every
// offset and damaged at every byte, and crashes at every step of its writing.
//
// The rules under test (README.md): only the last segment may end in a torn
// record, which recovery discards, keeping exactly the complete records before
// it; a bit flip anywhere — even in the last record — is refused with an error
// naming the file and the offset of the damaged record. Every test runs with
// appended segments and with preallocated ones (zeros after the records, and a
// write cut short leaves zeros where its end should be).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/common/fault_injection_env.h"
#include "targets/raftkv/raft/memory_storage.h"
#include "targets/raftkv/storage/storage_test_util.h"
#include "targets/raftkv/storage/wal.h"
#include "targets/raftkv/storage/wal_format.h"

namespace faultline::raft::storage {
namespace {

using testing::HasSubstr;

constexpr const char* kDir = "/db";
constexpr uint64_t kNoRoll = 1 << 12;  // more than the workload writes

// One change to the log; batches of them are synced together.
struct Change {
  std::vector<Entry> entries{};
  std::optional<HardState> hard_state{};
  std::optional<SnapshotMetadata> compact{};
  std::optional<SnapshotMetadata> install{};
};

// Six batches. The second segment starts at batch 4 (segment_bytes 1 for it),
// then takes batches 5 and 6 as the limit is lifted again.
std::vector<Change> workload() {
  return {
      {.entries = make_entries(1, 3, 1), .hard_state = HardState{1, 1, 0}},
      {.entries = make_entries(4, 5, 1), .hard_state = HardState{1, 1, 3}},
      {.entries = make_entries(4, 4, 2), .hard_state = HardState{2, 2, 3}},  // replaces 4..5
      {.hard_state = HardState{2, 2, 4}, .compact = SnapshotMetadata{3, 1}},
      {.entries = make_entries(5, 6, 2)},
      {.entries = make_entries(9, 9, 3),
       .hard_state = HardState{3, 0, 8},
       .install = SnapshotMetadata{8, 3}},
  };
}

// Applies a change to the WAL (buffered) and to the reference MemoryStorage.
void apply(const Change& c, Wal& wal, MemoryStorage& reference) {
  if (c.install) {
    ASSERT_TRUE(wal.install_snapshot(*c.install).is_ok());
    ASSERT_TRUE(reference.apply_snapshot({*c.install, ""}).is_ok());
  }
  if (c.compact) {
    ASSERT_TRUE(wal.compact(*c.compact).is_ok());
    ASSERT_TRUE(reference.compact(c.compact->index, "").is_ok());
  }
  ASSERT_TRUE(wal.append(c.entries).is_ok());
  ASSERT_TRUE(reference.append(c.entries).is_ok());
  if (c.hard_state) {
    wal.set_hard_state(*c.hard_state);
    ASSERT_TRUE(reference.set_hard_state(*c.hard_state).is_ok());
  }
}

Status open_wal(common::Env& env, uint64_t segment_bytes, bool preallocate,
                std::unique_ptr<Wal>* wal, LogImage* image, std::string* torn_tail = nullptr) {
  WalState state;
  const Status s = Wal::open(
      &env, kDir, {.segment_bytes = segment_bytes, .preallocate = preallocate}, wal, &state);
  *image = image_of(state);
  if (torn_tail) *torn_tail = state.torn_tail;
  return s;
}

// The parameter: whether segments are preallocated.
class WalCrashMatrix : public testing::TestWithParam<bool> {
 protected:
  // Writes the workload, recording the state after each batch and each
  // segment's size after each batch.
  void SetUp() override {
    ASSERT_TRUE(env_.create_dir(kDir).is_ok());
    MemoryStorage reference;
    states_.push_back(image_of(reference));
    std::unique_ptr<Wal> wal;
    LogImage ignored;
    const std::vector<Change> changes = workload();
    for (size_t b = 0; b < changes.size(); ++b) {
      if (b == 0 || b == 3 || b == 4) {
        ASSERT_TRUE(open_wal(env_, b == 3 ? 1 : kNoRoll, GetParam(), &wal, &ignored).is_ok());
      }
      apply(changes[b], *wal, reference);
      ASSERT_TRUE(wal->sync().is_ok());
      states_.push_back(image_of(reference));
      ends_.push_back({wal->segment_names().size(), size_of(wal->segment_names().back())});
    }
    ASSERT_EQ(wal->segment_names().size(), 2u);
    for (const std::string& name : wal->segment_names()) {
      std::string bytes;
      ASSERT_TRUE(env_.read_file(common::join_path(kDir, name), &bytes).is_ok());
      names_.push_back(name);
      files_.push_back(bytes);
    }
  }

  // The end of a segment's records (a preallocated one has zeros after them).
  uint64_t size_of(const std::string& name) {
    std::string bytes;
    EXPECT_TRUE(env_.read_file(common::join_path(kDir, name), &bytes).is_ok());
    return common::scan_records(bytes).end_offset;
  }

  // Puts the pristine files back, with `file` replaced by `contents`.
  void restore_with(size_t file, std::string contents) {
    for (size_t f = 0; f < files_.size(); ++f) {
      env_.set_durable_contents(common::join_path(kDir, names_[f]),
                                f == file ? contents : files_[f]);
    }
  }

  // File `f` as a crash that wrote only its first `offset` bytes leaves it:
  // cut there, or, preallocated, zero from there on.
  std::string cut(size_t f, size_t offset) const {
    std::string bytes = files_[f].substr(0, offset);
    if (GetParam()) bytes.resize(files_[f].size(), '\0');
    return bytes;
  }

  common::FaultInjectionEnv env_;
  std::vector<LogImage> states_;                   // states_[b]: after b batches
  std::vector<std::pair<size_t, uint64_t>> ends_;  // after batch b+1: (segment, its size)
  std::vector<std::string> names_;
  std::vector<std::string> files_;
};

TEST_P(WalCrashMatrix, ALastSegmentCutAtAnyOffsetRecoversExactlyTheCompleteBatchesBeforeIt) {
  const size_t last = files_.size() - 1;
  std::set<uint64_t> record_ends;
  for (const common::ScannedRecord& r : common::scan_records(files_[last]).records) {
    record_ends.insert(r.offset + common::kRecordHeaderSize + r.payload.size());
  }
  std::set<uint64_t> record_starts = record_ends;
  record_starts.insert(0);
  for (size_t offset = 0; offset <= *record_ends.rbegin(); ++offset) {
    restore_with(last, cut(last, offset));
    size_t batches = 0;  // complete batches before `offset`
    for (size_t b = 0; b < ends_.size(); ++b) {
      if (ends_[b].first < last + 1 || ends_[b].second <= offset) batches = b + 1;
    }
    std::unique_ptr<Wal> wal;
    LogImage image;
    std::string torn;
    const Status s = open_wal(env_, kNoRoll, GetParam(), &wal, &image, &torn);
    ASSERT_TRUE(s.is_ok()) << "offset " << offset << ": " << s.message();
    EXPECT_EQ(image, states_[batches]) << "offset " << offset;
    // A cut inside a record is reported, unless all that is left of a record
    // after the first, preallocated, is zeros: then it looks like no write at
    // all. (A first record cut short leaves no header: the segment is removed.)
    const uint64_t record_start = *std::prev(record_starts.upper_bound(offset));
    const bool only_zeros_left = GetParam() && record_start > 0 &&
                                 cut(last, offset).find_last_not_of('\0') + 1 <= record_start;
    EXPECT_EQ(torn.empty(), record_ends.contains(offset) || only_zeros_left)
        << "offset " << offset << ": " << torn;
    // A segment whose header is torn is removed.
    std::vector<std::string> on_disk;
    ASSERT_TRUE(env_.list_dir(kDir, &on_disk).is_ok());
    EXPECT_EQ(on_disk, wal->segment_names()) << "offset " << offset;
    EXPECT_EQ(on_disk.size(), offset < *record_ends.begin() ? 1u : 2u) << "offset " << offset;

    // The repaired log takes new writes, and they survive the next restart.
    const uint64_t next = image.snapshot.index + image.entries.size() + 1;
    ASSERT_TRUE(wal->append(make_entries(next, next, 9)).is_ok());
    ASSERT_TRUE(wal->sync().is_ok()) << "offset " << offset;
    LogImage after;
    ASSERT_TRUE(open_wal(env_, kNoRoll, GetParam(), &wal, &after).is_ok()) << "offset " << offset;
    image.entries.push_back(make_entries(next, next, 9)[0]);
    EXPECT_EQ(after, image) << "offset " << offset;
  }
}

// Cut inside a record, the segment itself is refused; cut at a record
// boundary, it looks intact and the next segment's header notices.
TEST_P(WalCrashMatrix, AnEarlierSegmentCutAtAnyOffsetIsRefusedNamingIt) {
  const std::string first = common::join_path(kDir, names_[0]);
  std::set<uint64_t> boundaries = {0};
  for (const common::ScannedRecord& r : common::scan_records(files_[0]).records) {
    boundaries.insert(r.offset + common::kRecordHeaderSize + r.payload.size());
  }
  for (size_t offset = 0; offset < *boundaries.rbegin(); ++offset) {
    restore_with(0, cut(0, offset));
    std::unique_ptr<Wal> wal;
    LogImage image;
    const Status s = open_wal(env_, kNoRoll, GetParam(), &wal, &image);
    const uint64_t good = *std::prev(boundaries.upper_bound(offset));
    if (offset == 0) {
      EXPECT_EQ(s.message(),
                first + ": corrupt record at offset 0: the segment has no header record");
    } else if (offset == good) {
      EXPECT_THAT(s.message(),
                  HasSubstr(fmt::format("{}: corrupt record at offset 0: the header "
                                        "does not continue {}",
                                        common::join_path(kDir, names_[1]), names_[0])))
          << "offset " << offset;
    } else {
      EXPECT_THAT(s.message(), testing::StartsWith(
                                   fmt::format("{}: corrupt record at offset {}: ", first, good)))
          << "offset " << offset;
      // Preallocated, the cut record is there at full length, with a bad checksum.
      EXPECT_THAT(s.message(),
                  HasSubstr(GetParam() ? "checksum mismatch"
                                       : "(only the last segment may end in a torn write)"))
          << "offset " << offset;
    }
  }
}

TEST_P(WalCrashMatrix, ABitFlipAnywhereIsRefusedNamingTheFileAndTheRecordOffset) {
  for (size_t f = 0; f < files_.size(); ++f) {
    const common::ScanResult scan = common::scan_records(files_[f]);
    for (size_t pos = 0; pos < scan.end_offset; ++pos) {
      std::string damaged = files_[f];
      damaged[pos] ^= static_cast<char>(1 << (pos % 8));
      restore_with(f, damaged);
      uint64_t record = 0;
      for (const common::ScannedRecord& r : scan.records) {
        if (r.offset <= pos) record = r.offset;
      }
      std::unique_ptr<Wal> wal;
      LogImage image;
      const Status s = open_wal(env_, kNoRoll, GetParam(), &wal, &image);
      EXPECT_THAT(s.message(), HasSubstr(fmt::format("{}: corrupt record at offset {}: ",
                                                     common::join_path(kDir, names_[f]), record)))
          << names_[f] << " byte " << pos;
    }
  }
}

// Stops the disk at every mutation of the workload, crashes (keeping a random
// prefix of unsynced writes), and recovers: the log must hold exactly what the
// last successful sync() made durable, or — if the failed sync's record got
// to disk whole — that record too.
TEST_P(WalCrashMatrix, ACrashAtEveryStepRecoversTheAcknowledgedStateOrTheOneInFlight) {
  for (uint64_t steps = 0;; ++steps) {
    common::FaultInjectionEnv env;
    ASSERT_TRUE(env.create_dir(kDir).is_ok());
    env.fail_after(steps);
    MemoryStorage reference;
    size_t acknowledged = 0;
    std::unique_ptr<Wal> wal;
    LogImage ignored;
    const std::vector<Change> changes = workload();
    bool failed = false;
    for (size_t b = 0; b < changes.size() && !failed; ++b) {
      if (b == 0 || b == 3 || b == 4) {
        failed = !open_wal(env, b == 3 ? 1 : kNoRoll, GetParam(), &wal, &ignored).is_ok();
        if (failed) break;
      }
      apply(changes[b], *wal, reference);
      failed = !wal->sync().is_ok();
      if (!failed) acknowledged = b + 1;
    }
    if (!failed) break;  // the whole workload ran: every step has been tried
    wal.reset();
    env.crash_keeping_unsynced_prefix(steps);
    LogImage image;
    const Status s = open_wal(env, kNoRoll, GetParam(), &wal, &image);
    ASSERT_TRUE(s.is_ok()) << "failure after " << steps << " steps: " << s.message();
    if (image != states_[acknowledged]) {
      EXPECT_EQ(image, states_[acknowledged + 1]) << "failure after " << steps << " steps";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AppendedAndPreallocated, WalCrashMatrix, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& info) {
                           return info.param ? "Preallocated" : "Appended";
                         });

}  // namespace
}  // namespace faultline::raft::storage
