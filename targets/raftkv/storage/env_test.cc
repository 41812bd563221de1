// PosixEnv against the real file system, and FaultInjectionEnv's crash model.
#include "targets/common/env.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "targets/common/fault_injection_env.h"
#include "targets/raftkv/storage/storage_test_util.h"

namespace faultline::raft::storage {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

std::string read(common::Env& env, const std::string& path) {
  std::string contents;
  const Status s = env.read_file(path, &contents);
  return s.is_ok() ? contents : "<" + s.message() + ">";
}

Status write_file(common::Env& env, const std::string& path, std::string_view data, bool sync) {
  std::unique_ptr<common::WritableFile> file;
  if (Status s = env.new_writable_file(path, &file); !s.is_ok()) return s;
  if (Status s = file->append(data); !s.is_ok()) return s;
  return sync ? file->sync() : Status::ok();
}

TEST(PosixEnv, PerformsEveryOperation) {
  ScopedTempDir tmp;
  common::Env& env = *common::posix_env();
  const std::string dir = common::join_path(tmp.path(), "db");
  ASSERT_TRUE(env.create_dir(dir).is_ok());
  ASSERT_TRUE(env.create_dir(dir).is_ok());  // exists: fine
  const std::string a = common::join_path(dir, "a");
  ASSERT_TRUE(write_file(env, a, "hello", true).is_ok());
  std::unique_ptr<common::WritableFile> file;
  ASSERT_TRUE(env.reopen_for_append(a, &file).is_ok());
  ASSERT_TRUE(file->append(" world").is_ok());
  ASSERT_TRUE(file->sync().is_ok());
  EXPECT_EQ(read(env, a), "hello world");
  ASSERT_TRUE(env.truncate_file(a, 5).is_ok());
  EXPECT_EQ(read(env, a), "hello");
  ASSERT_TRUE(env.rename_file(a, common::join_path(dir, "b")).is_ok());
  ASSERT_TRUE(write_file(env, common::join_path(dir, "c"), "", false).is_ok());
  ASSERT_TRUE(env.create_dir(common::join_path(dir, "subdir")).is_ok());
  std::vector<std::string> names;
  ASSERT_TRUE(env.list_dir(dir, &names).is_ok());
  EXPECT_THAT(names, ElementsAre("b", "c"));  // regular files only
  ASSERT_TRUE(env.sync_dir(dir).is_ok());
  ASSERT_TRUE(env.remove_file(common::join_path(dir, "b")).is_ok());
  ASSERT_TRUE(env.list_dir(dir, &names).is_ok());
  EXPECT_THAT(names, ElementsAre("c"));
}

// Both Envs: a preallocated file is zeros, durably, and is written over in
// place; reopen_at() continues at any offset up to the end.
void check_preallocated_file(common::Env& env, const std::string& dir) {
  const std::string p = common::join_path(dir, "p");
  std::unique_ptr<common::WritableFile> file;
  ASSERT_TRUE(env.new_preallocated_file(p, 10, &file).is_ok());
  EXPECT_EQ(read(env, p), std::string(10, '\0'));
  ASSERT_TRUE(file->append("abc").is_ok());
  ASSERT_TRUE(file->sync().is_ok());
  EXPECT_EQ(read(env, p), "abc" + std::string(7, '\0'));
  ASSERT_TRUE(env.reopen_at(p, 2, &file).is_ok());
  ASSERT_TRUE(file->append("XYZ").is_ok());
  ASSERT_TRUE(file->append("0123456789").is_ok());  // past the end: extends the file
  ASSERT_TRUE(file->sync().is_ok());
  EXPECT_EQ(read(env, p), "abXYZ0123456789");
  EXPECT_THAT(env.reopen_at(p, 16, &file).message(), HasSubstr("past its end (15 bytes)"));
}

TEST(PosixEnv, PreallocatedFilesAreZerosWrittenOverInPlace) {
  ScopedTempDir tmp;
  check_preallocated_file(*common::posix_env(), tmp.path());
}

TEST(FaultInjectionEnv, PreallocatedFilesAreZerosWrittenOverInPlace) {
  common::FaultInjectionEnv env;
  ASSERT_TRUE(env.create_dir("/d").is_ok());
  check_preallocated_file(env, "/d");
}

TEST(FaultInjectionEnv, ACrashTurnsUnsyncedWritesInAPreallocatedFileBackIntoZeros) {
  common::FaultInjectionEnv env;
  ASSERT_TRUE(env.create_dir("/d").is_ok());
  std::unique_ptr<common::WritableFile> file;
  ASSERT_TRUE(env.new_preallocated_file("/d/p", 8, &file).is_ok());
  ASSERT_TRUE(env.sync_dir("/d").is_ok());
  ASSERT_TRUE(file->append("ab").is_ok());
  ASSERT_TRUE(file->sync().is_ok());
  ASSERT_TRUE(file->append("cdefghij").is_ok());  // over the zeros and past the end
  env.crash();
  EXPECT_EQ(read(env, "/d/p"), "ab" + std::string(6, '\0'));
  // Keeping a random prefix of the unsynced write: over the zeros, never a gap.
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    ASSERT_TRUE(env.reopen_at("/d/p", 2, &file).is_ok());
    ASSERT_TRUE(file->append("cdefghij").is_ok());
    env.crash_keeping_unsynced_prefix(seed);
    const std::string after = read(env, "/d/p");
    seen.insert(after);
    const std::string written = "abcdefghij";
    const size_t kept = after.find_last_not_of('\0') + 1;
    EXPECT_EQ(after.substr(0, kept), written.substr(0, kept)) << "seed " << seed;
    EXPECT_EQ(after.size(), std::max<size_t>(8, kept)) << "seed " << seed;
    ASSERT_TRUE(env.truncate_file("/d/p", 8).is_ok());
    ASSERT_TRUE(env.reopen_at("/d/p", 2, &file).is_ok());
    ASSERT_TRUE(file->append(std::string(6, '\0')).is_ok());
    ASSERT_TRUE(file->sync().is_ok());
  }
  EXPECT_GT(seen.size(), 4u);
}

TEST(PosixEnv, ErrorsNameThePathAndTheReason) {
  ScopedTempDir tmp;
  const std::string missing = common::join_path(tmp.path(), "missing");
  EXPECT_THAT(read(*common::posix_env(), missing), HasSubstr("open " + missing + ": No such file"));
  std::unique_ptr<common::WritableFile> file;
  EXPECT_FALSE(common::posix_env()->reopen_for_append(missing, &file).is_ok());
  EXPECT_FALSE(common::posix_env()->remove_file(missing).is_ok());
}

class FaultInjectionEnvTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.create_dir("/db").is_ok()); }
  std::vector<std::string> list() {
    std::vector<std::string> names;
    EXPECT_TRUE(env_.list_dir("/db", &names).is_ok());
    return names;
  }
  common::FaultInjectionEnv env_;
};

TEST_F(FaultInjectionEnvTest, ACrashKeepsExactlyTheSyncedData) {
  std::unique_ptr<common::WritableFile> file;
  ASSERT_TRUE(env_.new_writable_file("/db/log", &file).is_ok());
  ASSERT_TRUE(env_.sync_dir("/db").is_ok());
  ASSERT_TRUE(file->append("synced.").is_ok());
  ASSERT_TRUE(file->sync().is_ok());
  ASSERT_TRUE(file->append("lost").is_ok());
  EXPECT_EQ(read(env_, "/db/log"), "synced.lost");  // visible before the crash
  env_.crash();
  EXPECT_EQ(read(env_, "/db/log"), "synced.");
  EXPECT_THAT(file->append("x").message(), HasSubstr("file handle from before a crash"));
}

TEST_F(FaultInjectionEnvTest, ACrashUndoesDirectoryChangesNotSynced) {
  ASSERT_TRUE(write_file(env_, "/db/old", "old", true).is_ok());
  ASSERT_TRUE(write_file(env_, "/db/gone", "gone", true).is_ok());
  ASSERT_TRUE(env_.sync_dir("/db").is_ok());
  ASSERT_TRUE(write_file(env_, "/db/new", "new", true).is_ok());  // data synced, entry not
  ASSERT_TRUE(env_.rename_file("/db/old", "/db/renamed").is_ok());
  ASSERT_TRUE(env_.remove_file("/db/gone").is_ok());
  EXPECT_THAT(list(), ElementsAre("new", "renamed"));
  env_.crash();
  EXPECT_THAT(list(), ElementsAre("gone", "old"));
  EXPECT_EQ(read(env_, "/db/gone"), "gone");

  ASSERT_TRUE(env_.rename_file("/db/old", "/db/renamed").is_ok());
  ASSERT_TRUE(env_.sync_dir("/db").is_ok());
  env_.crash();
  EXPECT_THAT(list(), ElementsAre("gone", "renamed"));
}

TEST_F(FaultInjectionEnvTest, ACrashCanKeepAPrefixOfUnsyncedData) {
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    ASSERT_TRUE(write_file(env_, "/db/f", "ab", true).is_ok());
    ASSERT_TRUE(env_.sync_dir("/db").is_ok());
    std::unique_ptr<common::WritableFile> file;
    ASSERT_TRUE(env_.reopen_for_append("/db/f", &file).is_ok());
    ASSERT_TRUE(file->append("cd").is_ok());
    env_.crash_keeping_unsynced_prefix(seed);
    seen.insert(read(env_, "/db/f"));
  }
  EXPECT_THAT(seen, ElementsAre("ab", "abc", "abcd"));
}

TEST_F(FaultInjectionEnvTest, FailAfterFailsEveryLaterMutationUntilACrash) {
  const uint64_t before = env_.mutation_count();
  env_.fail_after(2);
  std::unique_ptr<common::WritableFile> file;
  ASSERT_TRUE(env_.new_writable_file("/db/f", &file).is_ok());  // 1
  ASSERT_TRUE(file->append("a").is_ok());                       // 2
  EXPECT_THAT(file->sync().message(), HasSubstr("sync /db/f: injected disk failure"));
  EXPECT_FALSE(env_.sync_dir("/db").is_ok());
  EXPECT_EQ(env_.mutation_count() - before, 4u);  // failed ones count too
  env_.crash();
  EXPECT_THAT(list(), IsEmpty());
  EXPECT_TRUE(write_file(env_, "/db/f", "a", true).is_ok());
}

}  // namespace
}  // namespace faultline::raft::storage
