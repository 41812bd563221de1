// Snapshot files: naming, the checked format, and the atomic save.
#include "targets/raftkv/storage/snapshot_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/common/fault_injection_env.h"
#include "targets/raftkv/storage/storage_test_util.h"

namespace faultline::raft::storage {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using testing::MatchesRegex;

const Snapshot kSnapshot{{120, 3}, "state machine image"};
constexpr const char* kPath = "/db/snapshot-0000000000000003-0000000000000120.snap";

TEST(SnapshotFile, NamesEncodeTermThenIndex) {
  EXPECT_EQ(snapshot_file_name({120, 3}), "snapshot-0000000000000003-0000000000000120.snap");
  EXPECT_EQ(parse_snapshot_file_name("snapshot-0000000000000003-0000000000000120.snap"),
            (SnapshotMetadata{120, 3}));
  for (const char* bad : {"snapshot-3-120.snap", "snapshot-0000000000000003-0000000000000120.tmp",
                          "snapshot-000000000000000x-0000000000000120.snap",
                          "snapshot-0000000000000003_0000000000000120.snap", "wal-1.log"}) {
    EXPECT_EQ(parse_snapshot_file_name(bad), std::nullopt) << bad;
  }
}

TEST(SnapshotFile, SavedFilesLoadBackOnTheRealFileSystem) {
  ScopedTempDir tmp;
  ASSERT_TRUE(save_snapshot_file(common::posix_env(), tmp.path(), kSnapshot).is_ok());
  std::vector<std::string> names;
  ASSERT_TRUE(common::posix_env()->list_dir(tmp.path(), &names).is_ok());
  EXPECT_THAT(names, ElementsAre(snapshot_file_name(kSnapshot.metadata)));
  Snapshot loaded;
  const Status s = load_snapshot_file(
      common::posix_env(), common::join_path(tmp.path(), snapshot_file_name(kSnapshot.metadata)),
      &loaded);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(loaded, kSnapshot);
}

TEST(SnapshotFile, EveryDamagedByteAndEveryTruncationIsAnErrorNamingFileAndOffset) {
  const std::string bytes = encode_snapshot_file(kSnapshot);
  Snapshot out;
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    std::string damaged = bytes;
    damaged[pos] ^= static_cast<char>(1 << (pos % 8));
    EXPECT_THAT(decode_snapshot_file(kPath, damaged, &out).message(),
                MatchesRegex(std::string(kPath) + ": corrupt snapshot at offset [0-9]+: .*"))
        << "byte " << pos;
    EXPECT_THAT(decode_snapshot_file(kPath, bytes.substr(0, pos), &out).message(),
                MatchesRegex(std::string(kPath) + ": corrupt snapshot at offset [0-9]+: .*"))
        << "size " << pos;
  }
  std::string flipped = bytes;
  flipped[40] ^= 1;  // in the data
  EXPECT_EQ(decode_snapshot_file(kPath, flipped, &out).message(),
            std::string(kPath) +
                ": corrupt snapshot at offset 51: checksum mismatch over bytes "
                "[0, 51)");
  ASSERT_TRUE(decode_snapshot_file(kPath, bytes, &out).is_ok());
  EXPECT_EQ(out, kSnapshot);
}

TEST(SnapshotFile, AFileWhoseContentsDisagreeWithItsNameIsRefused) {
  Snapshot out;
  const Status s = decode_snapshot_file("/db/snapshot-0000000000000003-0000000000000121.snap",
                                        encode_snapshot_file(kSnapshot), &out);
  EXPECT_THAT(s.message(), HasSubstr("at offset 8: the file holds the snapshot at index 120 term "
                                     "3, which is not what its name says"));
}

// Stops the disk at every step of a save, crashes, and looks: the final name
// holds either nothing or the complete snapshot.
TEST(SnapshotFile, ACrashDuringASaveLeavesNoFileOrTheWholeOne) {
  std::set<std::string> outcomes;
  for (uint64_t steps = 0;; ++steps) {
    common::FaultInjectionEnv env;
    ASSERT_TRUE(env.create_dir("/db").is_ok());
    env.fail_after(steps);
    const bool saved = save_snapshot_file(&env, "/db", kSnapshot).is_ok();
    env.crash_keeping_unsynced_prefix(steps);
    std::vector<std::string> names;
    ASSERT_TRUE(env.list_dir("/db", &names).is_ok());
    if (std::find(names.begin(), names.end(), snapshot_file_name(kSnapshot.metadata)) !=
        names.end()) {
      Snapshot loaded;
      ASSERT_TRUE(load_snapshot_file(&env, kPath, &loaded).is_ok()) << steps;
      EXPECT_EQ(loaded, kSnapshot);
      outcomes.insert("saved");
    } else {
      EXPECT_FALSE(saved) << "acknowledged but lost after " << steps << " steps";
      outcomes.insert("absent");
    }
    if (saved) break;
  }
  EXPECT_THAT(outcomes, ElementsAre("absent", "saved"));
}

}  // namespace
}  // namespace faultline::raft::storage
