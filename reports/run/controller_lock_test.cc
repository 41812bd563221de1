#include "reports/run/controller_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace faultline {
namespace {

namespace fs = std::filesystem;

class ControllerLockTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("faultline-lock-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ControllerLockTest, ARunIsGoneOnlyWhenItsLockExistsAndNobodyHoldsIt) {
  EXPECT_FALSE(controller_gone(dir_.string()));  // no lock file: unknown, not gone
  {
    std::unique_ptr<ControllerLock> lock;
    ASSERT_TRUE(ControllerLock::acquire(dir_.string(), &lock).is_ok());
    EXPECT_FALSE(controller_gone(dir_.string()));  // held
    std::unique_ptr<ControllerLock> second;
    const Status st = ControllerLock::acquire(dir_.string(), &second);
    EXPECT_FALSE(st.is_ok());
    EXPECT_NE(st.message().find("another controller"), std::string::npos) << st.message();
  }
  EXPECT_TRUE(controller_gone(dir_.string()));  // released
  EXPECT_FALSE(controller_gone(""));
}

// The kernel drops the lock of a process killed with SIGKILL.
TEST_F(ControllerLockTest, ALockDiesWithItsProcess) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<ControllerLock> lock;
    const bool ok = ControllerLock::acquire(dir_.string(), &lock).is_ok();
    const char c = ok ? '1' : '0';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  EXPECT_EQ(c, '1');
  EXPECT_FALSE(controller_gone(dir_.string()));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(controller_gone(dir_.string()));
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace faultline
