// FaultInjectionEnv: what survives a crash and what the crash says it lost
// (the words of faultline-diskfs's reports, which faultline sim's disk
// faults record), torn writes, and the corrupt fault's tools (files_under,
// remove_files_under).
#include "targets/common/fault_injection_env.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace faultline::common {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.create_dir("/d").is_ok());
    ASSERT_TRUE(env_.sync_dir("/d").is_ok());
  }
  // Creates `path` with `synced` (synced, its name durable), then appends
  // `unsynced` and returns the open file.
  std::unique_ptr<WritableFile> write(const std::string& path, const std::string& synced,
                                      const std::string& unsynced) {
    std::unique_ptr<WritableFile> f;
    EXPECT_TRUE(env_.new_writable_file(path, &f).is_ok());
    EXPECT_TRUE(f->append(synced).is_ok());
    EXPECT_TRUE(f->sync().is_ok());
    EXPECT_TRUE(env_.sync_dir("/d").is_ok());
    EXPECT_TRUE(f->append(unsynced).is_ok());
    return f;
  }
  std::string read(const std::string& path) {
    std::string s;
    EXPECT_TRUE(env_.read_file(path, &s).is_ok()) << path;
    return s;
  }
  FaultInjectionEnv env_;
};

TEST_F(FaultInjectionEnvTest, ACrashLosesWhatWasNotSyncedAndSaysWhat) {
  auto a = write("/d/a", "hello", " world");
  auto c = write("/d/c", "kept", "");
  std::unique_ptr<WritableFile> b;  // its name never synced: it goes, data and all
  ASSERT_TRUE(env_.new_writable_file("/d/b", &b).is_ok());
  ASSERT_TRUE(b->append("xyz").is_ok());
  ASSERT_TRUE(b->sync().is_ok());
  const FaultInjectionEnv::Loss loss = env_.crash();
  EXPECT_THAT(loss.files, ElementsAre("/d/a"));  // b's synced data goes with its name
  EXPECT_EQ(loss.bytes, 6u);
  EXPECT_THAT(loss.entries, ElementsAre("create /d/b"));
  EXPECT_EQ(read("/d/a"), "hello");
  EXPECT_EQ(read("/d/c"), "kept");
  std::string gone;
  EXPECT_FALSE(env_.read_file("/d/b", &gone).is_ok());
  EXPECT_FALSE(a->append("!").is_ok());  // a handle from before the crash
}

TEST_F(FaultInjectionEnvTest, UnsyncedRenamesAndRemovesAreUndoneAndNamed) {
  write("/d/a", "a", "");
  write("/d/c", "c", "");
  ASSERT_TRUE(env_.rename_file("/d/a", "/d/a2").is_ok());
  ASSERT_TRUE(env_.remove_file("/d/c").is_ok());
  const FaultInjectionEnv::Loss loss = env_.crash();
  EXPECT_THAT(loss.entries, ElementsAre("rename /d/a -> /d/a2", "remove /d/c"));
  EXPECT_THAT(loss.files, IsEmpty());
  EXPECT_EQ(read("/d/a"), "a");
  EXPECT_EQ(read("/d/c"), "c");
  // Synced entry changes survive, and a crash with nothing unsynced loses nothing.
  ASSERT_TRUE(env_.rename_file("/d/a", "/d/a2").is_ok());
  ASSERT_TRUE(env_.sync_dir("/d").is_ok());
  const FaultInjectionEnv::Loss none = env_.crash();
  EXPECT_THAT(none.entries, IsEmpty());
  EXPECT_EQ(none.bytes, 0u);
  EXPECT_EQ(read("/d/a2"), "a");
}

TEST_F(FaultInjectionEnvTest, ATornCrashKeepsAPrefixOfTheUnsyncedWritesAndCountsTheRest) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    FaultInjectionEnv env;
    ASSERT_TRUE(env.create_dir("/d").is_ok());
    ASSERT_TRUE(env.sync_dir("/d").is_ok());
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(env.new_writable_file("/d/a", &f).is_ok());
    ASSERT_TRUE(f->append("base").is_ok());
    ASSERT_TRUE(f->sync().is_ok());
    ASSERT_TRUE(env.sync_dir("/d").is_ok());
    ASSERT_TRUE(f->append("0123456789").is_ok());
    const FaultInjectionEnv::Loss loss = env.crash_keeping_unsynced_prefix(seed);
    std::string after;
    ASSERT_TRUE(env.read_file("/d/a", &after).is_ok());
    const std::string full = "base0123456789";
    EXPECT_EQ(after, full.substr(0, after.size())) << "seed " << seed;
    EXPECT_GE(after.size(), 4u) << "seed " << seed;
    EXPECT_EQ(loss.bytes, full.size() - after.size()) << "seed " << seed;
    EXPECT_EQ(loss.files.empty(), loss.bytes == 0) << "seed " << seed;
  }
}

TEST_F(FaultInjectionEnvTest, FilesUnderADirectoryCanBeListedAndRemovedDurably) {
  ASSERT_TRUE(env_.create_dir("/d/sub").is_ok());
  ASSERT_TRUE(env_.create_dir("/e").is_ok());
  write("/d/a", "a", "");
  env_.set_durable_contents("/d/sub/b", "b");
  env_.set_durable_contents("/e/c", "c");
  EXPECT_THAT(env_.files_under("/d"), ElementsAre("/d/a", "/d/sub/b"));
  env_.remove_files_under("/d");
  env_.crash();  // the removal is durable: nothing comes back
  EXPECT_THAT(env_.files_under("/d"), IsEmpty());
  EXPECT_EQ(read("/e/c"), "c");
  std::vector<std::string> names;
  EXPECT_TRUE(env_.list_dir("/d", &names).is_ok());  // the directory stays
}

}  // namespace
}  // namespace faultline::common
