#include "nemesis/disk/control.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace faultline::diskfs {
namespace {

using ::testing::HasSubstr;

TEST(DiskfsControlTest, ParsesEveryCommand) {
  ControlCommand c;
  ASSERT_TRUE(parse_control("lose-unsynced", &c).is_ok());
  EXPECT_EQ(c.kind, ControlCommand::Kind::kLoseUnsynced);
  ASSERT_TRUE(parse_control("torn 42", &c).is_ok());
  EXPECT_EQ(c.kind, ControlCommand::Kind::kTorn);
  EXPECT_EQ(c.arg, 42u);
  ASSERT_TRUE(parse_control(" slow 250 ", &c).is_ok());
  EXPECT_EQ(c.arg, 250u);
  ASSERT_TRUE(parse_control("fail 5", &c).is_ok());
  EXPECT_EQ(c.kind, ControlCommand::Kind::kFail);
  ASSERT_TRUE(parse_control("heal", &c).is_ok());
  EXPECT_EQ(c.kind, ControlCommand::Kind::kHeal);
  ASSERT_TRUE(parse_control("status", &c).is_ok());
  EXPECT_EQ(c.kind, ControlCommand::Kind::kStatus);
}

TEST(DiskfsControlTest, RejectsBadCommands) {
  ControlCommand c;
  EXPECT_THAT(parse_control("", &c).message(), HasSubstr("empty command"));
  EXPECT_THAT(parse_control("explode", &c).message(), HasSubstr("unknown command 'explode'"));
  EXPECT_THAT(parse_control("slow", &c).message(), HasSubstr("expected 'slow MS'"));
  EXPECT_THAT(parse_control("slow -3", &c).message(), HasSubstr("non-negative integer"));
  EXPECT_THAT(parse_control("fail 2s", &c).message(), HasSubstr("non-negative integer"));
  EXPECT_THAT(parse_control("heal now", &c).message(), HasSubstr("takes no argument"));
}

TEST(DiskfsControlTest, FaultStateSlowFailHeal) {
  using Clock = FaultState::Clock;
  FaultState f;
  const Clock::time_point now = Clock::now();
  EXPECT_FALSE(f.failing(now));
  f.set_fail_until(now + std::chrono::seconds(5));
  f.set_slow(std::chrono::milliseconds(30));
  EXPECT_TRUE(f.failing(now));
  EXPECT_FALSE(f.failing(now + std::chrono::seconds(6)));
  EXPECT_EQ(f.delay().count(), 30);
  f.heal();
  EXPECT_FALSE(f.failing(now));
  EXPECT_EQ(f.delay().count(), 0);
}

}  // namespace
}  // namespace faultline::diskfs
