// faultline-diskfs on a real mount (root, /dev/fuse; label fuse): what
// survives lose-unsynced is what a power cut leaves on a strict POSIX file
// system (and, with --durability ext4, on ext4); torn keeps a prefix; slow delays and fail fails
// writes and fsyncs until heal (or SIGUSR1); unmounting leaves the data in place.
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "nemesis/disk/control.h"
#include "spawn/spawn.h"
#include "tests/support/require.h"

namespace faultline::diskfs {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class DiskfsMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FAULTLINE_REQUIRE(geteuid() == 0 && access("/dev/fuse", R_OK | W_OK) == 0,
                      "needs root and /dev/fuse");
    char tmpl[] = "/tmp/faultline-diskfs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/data";
    control_ = root_ + "/diskfs.sock";
    fs::create_directory(dir_);
    write_file(dir_ + "/old", "old-data", true);  // before the mount: durable
    ASSERT_TRUE(spawn_child({FAULTLINE_DISKFS_BINARY, "mount", "--durability", durability(),
                             "--control", control_, dir_},
                            {root_ + "/diskfs.log", root_ + "/diskfs.log"}, &pid_)
                    .is_ok());
    for (int i = 0; i < 500 && !(mounted(dir_) && fs::exists(control_)); ++i)
      std::this_thread::sleep_for(milliseconds(10));
    ASSERT_TRUE(mounted(dir_)) << "not mounted; log: " << log();
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill_child(pid_, SIGTERM);
      EXPECT_FALSE(mounted(dir_)) << "still mounted after SIGTERM";
    }
    if (!root_.empty()) fs::remove_all(root_);
  }

  virtual std::string durability() const { return "strict"; }

  // What etcd 3.4 does when it starts: directories made, a file in them
  // written and fsynced, no directory ever synced.
  void write_like_etcd() {
    ASSERT_EQ(mkdir((dir_ + "/member").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((dir_ + "/member/wal").c_str(), 0755), 0);
    write_file(dir_ + "/member/wal/0.tmp", "unsynced", false);
    write_file(dir_ + "/member/wal/0.wal", "record", true);
  }

  std::string log() {
    std::ifstream in(root_ + "/diskfs.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  nlohmann::json ctl(const std::string& line) {
    std::string reply;
    Status st = send_control(control_, line, &reply);
    EXPECT_TRUE(st.is_ok()) << st.message();
    return nlohmann::json::parse(reply, nullptr, false);
  }

  // Writes (appends or replaces) and optionally fsyncs the file.
  static void write_file(const std::string& path, const std::string& text, bool sync,
                         bool append = false) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
    ASSERT_GE(fd, 0) << path << ": " << strerror(errno);
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size())) << path;
    if (sync) {
      ASSERT_EQ(fsync(fd), 0) << path;
    }
    close(fd);
  }
  static void sync_dir(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(fsync(fd), 0) << path;
    close(fd);
  }
  static std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::vector<std::string> listing(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      names.push_back(fs::relative(e.path(), dir).string());
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string root_, dir_, control_;
  pid_t pid_ = 0;
};

TEST_F(DiskfsMountTest, LoseUnsyncedLeavesWhatAPowerCutLeaves) {
  const std::string d = dir_;
  // Durable: data and names synced.
  write_file(d + "/a", "A1", true);
  ASSERT_EQ(mkdir((d + "/sub").c_str(), 0755), 0);
  write_file(d + "/e", "E", true);
  sync_dir(d);
  write_file(d + "/sub/s", "S", true);
  sync_dir(d + "/sub");
  // Not durable: no directory sync of d from here on.
  write_file(d + "/a", "A2", false, true);  // appended, not synced: lost
  write_file(d + "/b", "B", false);         // nothing synced: gone
  write_file(d + "/c", "C", true);          // data synced, name not: gone
  write_file(d + "/old.tmp", "new", true);  // an atomic replace missing its directory sync
  ASSERT_EQ(rename((d + "/old.tmp").c_str(), (d + "/old").c_str()), 0);
  ASSERT_EQ(unlink((d + "/e").c_str()), 0);  // comes back
  EXPECT_FALSE(fs::exists(d + "/e"));
  const nlohmann::json status = ctl("status");
  EXPECT_EQ(status["unsynced_bytes"], 3) << status;    // A2, B
  EXPECT_EQ(status["unsynced_entries"], 6) << status;  // b, c, old.tmp, old replaced, rename, e

  const nlohmann::json r = ctl("lose-unsynced");
  ASSERT_TRUE(r.value("ok", false)) << r;
  EXPECT_EQ(r["lost"]["bytes"], 3) << r;
  EXPECT_EQ(r["lost"]["files"], nlohmann::json({"a", "b"})) << r;
  EXPECT_EQ(r["lost"]["entries"], nlohmann::json({"unlink e", "rename old.tmp -> old", "unlink old",
                                                  "create old.tmp", "create c", "create b"}))
      << r;
  EXPECT_FALSE(r["lost"].contains("errors")) << r;
  const std::vector<std::string> survivors = {"a", "e", "old", "sub", "sub/s"};
  EXPECT_EQ(listing(d), survivors);
  EXPECT_EQ(read_file(d + "/a"), "A1");
  EXPECT_EQ(read_file(d + "/e"), "E");
  EXPECT_EQ(read_file(d + "/old"), "old-data");
  EXPECT_EQ(read_file(d + "/sub/s"), "S");
  EXPECT_EQ(ctl("status")["unsynced_entries"], 0);
  // Unmounted, the backing directory (the same one) holds exactly that.
  kill_child(pid_, SIGTERM);
  pid_ = 0;
  EXPECT_FALSE(mounted(dir_));
  EXPECT_EQ(listing(d), survivors);
  EXPECT_EQ(read_file(d + "/a"), "A1");
}

TEST_F(DiskfsMountTest, DirectorySyncMakesNamesAndRenamesDurable) {
  const std::string d = dir_;
  write_file(d + "/old.tmp", "new", true);
  ASSERT_EQ(rename((d + "/old.tmp").c_str(), (d + "/old").c_str()), 0);
  write_file(d + "/c", "C", true);
  sync_dir(d);
  write_file(d + "/c", "more", false, true);
  const nlohmann::json r = ctl("lose-unsynced");
  ASSERT_TRUE(r.value("ok", false)) << r;
  EXPECT_EQ(r["lost"]["entries"], nlohmann::json::array()) << r;
  EXPECT_EQ(listing(d), (std::vector<std::string>{"c", "old"}));
  EXPECT_EQ(read_file(d + "/old"), "new");
  EXPECT_EQ(read_file(d + "/c"), "C");
}

TEST_F(DiskfsMountTest, TornKeepsAPrefixOfTheWrites) {
  const std::string d = dir_;
  write_file(d + "/w", "", true);
  sync_dir(d);
  for (const char* part : {"1111", "2222", "3333", "4444"}) write_file(d + "/w", part, false, true);
  const nlohmann::json r = ctl("torn 7");
  ASSERT_TRUE(r.value("ok", false)) << r;
  const std::string w = read_file(d + "/w");
  EXPECT_EQ(w, std::string("1111222233334444").substr(0, w.size()));
  EXPECT_EQ(r["lost"]["bytes"], 16 - w.size()) << r;
}

TEST_F(DiskfsMountTest, SlowAndFailUntilHealed) {
  const std::string f = dir_ + "/x";
  ASSERT_TRUE(ctl("slow 200").value("ok", false));
  auto start = std::chrono::steady_clock::now();
  write_file(f, "x", true);  // a write and an fsync
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(400));
  ASSERT_TRUE(ctl("fail 30").value("ok", false));
  ASSERT_TRUE(ctl("slow 0").value("ok", false));
  const int fd = open(f.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(write(fd, "y", 1), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(fsync(fd), -1);
  kill(pid_, SIGUSR1);  // heals, as `faultline cluster heal` does
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(write(fd, "y", 1), 1);
  EXPECT_EQ(fsync(fd), 0);
  close(fd);
  EXPECT_EQ(read_file(f), "xy");
  EXPECT_FALSE(ctl("status")["failing"].get<bool>());
}

TEST_F(DiskfsMountTest, StrictLosesNamesWhoseDirectoryWasNeverSynced) {
  write_like_etcd();
  const nlohmann::json r = ctl("lose-unsynced");
  ASSERT_TRUE(r.value("ok", false)) << r;
  EXPECT_EQ(listing(dir_), std::vector<std::string>{"old"});  // member/ is gone
}

class DiskfsExt4MountTest : public DiskfsMountTest {
 protected:
  std::string durability() const override { return "ext4"; }
};

TEST_F(DiskfsExt4MountTest, AnyFsyncCommitsEveryNameChangeBeforeIt) {
  write_like_etcd();
  ASSERT_EQ(unlink((dir_ + "/old").c_str()), 0);  // after the last fsync
  const nlohmann::json r = ctl("lose-unsynced");
  ASSERT_TRUE(r.value("ok", false)) << r;
  // The fsync of 0.wal committed member/, member/wal/, 0.wal and 0.tmp's
  // name; 0.tmp's data and the later unlink were never committed.
  EXPECT_EQ(listing(dir_), (std::vector<std::string>{"member", "member/wal", "member/wal/0.tmp",
                                                     "member/wal/0.wal", "old"}));
  EXPECT_EQ(read_file(dir_ + "/member/wal/0.wal"), "record");
  EXPECT_EQ(read_file(dir_ + "/member/wal/0.tmp"), "");
  EXPECT_EQ(r["lost"]["entries"], nlohmann::json({"unlink old"})) << r;
}

TEST_F(DiskfsMountTest, BadControlCommandIsAnError) {
  const nlohmann::json r = ctl("explode");
  EXPECT_FALSE(r.value("ok", true));
  EXPECT_THAT(r.value("error", ""), ::testing::HasSubstr("unknown command"));
}

}  // namespace
}  // namespace faultline::diskfs
