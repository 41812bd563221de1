// CrashPoints: DEBUG CRASHPOINT arms, lists and disarms only with
// --allow-crashpoints; a point crashes at its percent (0 never, 100 always,
// about half at 50); SIGUSR1 disarms; the real crash is a SIGKILL.
#include "targets/common/crash_points.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

namespace faultline::common {
namespace {

using testing::HasSubstr;
using testing::StartsWith;

struct Recorder {
  std::vector<std::string> crashes;
  CrashPoints::Crash crash() {
    return [this](std::string_view point) { crashes.emplace_back(point); };
  }
};

TEST(CrashPoints, RefusedWithoutAllowFlag) {
  Recorder r;
  CrashPoints points({"vote"}, /*allowed=*/false, 1, r.crash());
  EXPECT_THAT(points.debug_command({"DEBUG", "CRASHPOINT", "vote", "100"}),
              StartsWith("-ERR crash points are disabled: start the server with "
                         "--allow-crashpoints"));
  EXPECT_THAT(points.debug_command({"debug", "crashpoint"}), HasSubstr("disabled"));
  EXPECT_EQ(points.percent("vote"), 0);
  EXPECT_FALSE(points.after("vote"));
}

TEST(CrashPoints, ArmsListsAndDisarms) {
  Recorder r;
  CrashPoints points({"vote", "promise"}, true, 1, r.crash());
  EXPECT_EQ(points.debug_command({"DEBUG", "CRASHPOINT", "vote", "30"}), "+OK\r\n");
  EXPECT_EQ(points.percent("vote"), 30);
  EXPECT_EQ(points.debug_command({"debug", "crashpoint"}), "$20\r\nvote:30\r\npromise:0\r\n\r\n");
  EXPECT_EQ(points.debug_command({"DEBUG", "CRASHPOINT", "vote", "off"}), "+OK\r\n");
  EXPECT_EQ(points.percent("vote"), 0);
  EXPECT_EQ(points.debug_command({"DEBUG", "CRASHPOINT", "promise", "100"}), "+OK\r\n");
  EXPECT_EQ(points.debug_command({"DEBUG", "CRASHPOINT", "promise", "0"}), "+OK\r\n");
  EXPECT_EQ(points.percent("promise"), 0);
  points.debug_command({"DEBUG", "CRASHPOINT", "promise", "100"});
  points.disarm_all();
  EXPECT_EQ(points.percent("promise"), 0);
}

TEST(CrashPoints, BadCommandsAreErrors) {
  Recorder r;
  CrashPoints points({"vote"}, true, 1, r.crash());
  EXPECT_EQ(points.debug_command({"DEBUG", "CRASHPOINT", "promise", "5"}),
            "-ERR unknown crash point 'promise' (known: vote)\r\n");
  for (const std::string bad : {"101", "-1", "5x", "", "half"})
    EXPECT_THAT(points.debug_command({"DEBUG", "CRASHPOINT", "vote", bad}),
                StartsWith("-ERR crash point vote: expected a percent 0-100 or OFF"))
        << bad;
  EXPECT_THAT(points.debug_command({"DEBUG", "CRASHPOINT", "vote"}),
              StartsWith("-ERR expected DEBUG CRASHPOINT [NAME PERCENT|OFF]"));
  EXPECT_THAT(points.debug_command({"DEBUG", "SLEEP", "1"}),
              StartsWith("-ERR unknown DEBUG subcommand 'SLEEP' (known: CRASHPOINT)"));
  EXPECT_THAT(points.debug_command({"DEBUG"}), StartsWith("-ERR unknown DEBUG subcommand"));
  EXPECT_EQ(points.percent("vote"), 0);
}

TEST(CrashPoints, CrashesAtTheArmedPercent) {
  Recorder r;
  CrashPoints points({"vote", "promise"}, true, 42, r.crash());
  EXPECT_FALSE(points.after("vote"));  // disarmed: nothing to run
  points.debug_command({"DEBUG", "CRASHPOINT", "vote", "100"});
  for (int i = 0; i < 10; ++i) {
    const std::function<void()> then = points.after("vote");
    ASSERT_TRUE(then);
    then();
  }
  EXPECT_EQ(r.crashes, std::vector<std::string>(10, "vote"));
  EXPECT_FALSE(points.after("promise"));  // another point stays disarmed
  points.debug_command({"DEBUG", "CRASHPOINT", "vote", "50"});
  int crashes = 0;
  for (int i = 0; i < 1000; ++i) crashes += points.after("vote") ? 1 : 0;
  EXPECT_GT(crashes, 400) << "seed 42";
  EXPECT_LT(crashes, 600) << "seed 42";
}

TEST(CrashPoints, SigusrOneDisarms) {
  Recorder r;
  boost::asio::io_context io;
  CrashPoints points({"vote"}, true, 1, r.crash());
  points.disarm_on_sigusr1(io);
  for (int round = 0; round < 2; ++round) {  // the handler stays installed
    points.debug_command({"DEBUG", "CRASHPOINT", "vote", "100"});
    ASSERT_EQ(std::raise(SIGUSR1), 0);
    for (int i = 0; i < 100 && points.percent("vote") != 0; ++i)
      io.run_one_for(std::chrono::milliseconds(50));
    EXPECT_EQ(points.percent("vote"), 0) << "round " << round;
  }
}

TEST(CrashPointsDeathTest, TheRealCrashIsSigkill) {
  EXPECT_EXIT(CrashPoints::crash_process("vote"), testing::KilledBySignal(SIGKILL), "");
}

}  // namespace
}  // namespace faultline::common
