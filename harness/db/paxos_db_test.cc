// PaxosDb's options (pure): what each key sets, the server's arguments, and
// the timing a server would refuse, refused before anything is deployed.
#include "harness/db/paxos_db.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

std::vector<std::string> args_of(const PaxosOptions& o) {
  SshPool pool{SshOptions{}};  // never connects: server_args needs no node
  std::vector<SshTarget> targets(1);
  targets[0].node = "n1";
  targets[0].host = "10.0.0.1";
  return PaxosDb(pool, targets, o).server_args("n1");
}

bool has_pair(const std::vector<std::string>& args, const std::string& flag,
              const std::string& value) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == flag && args[i + 1] == value) return true;
  return false;
}

TEST(PaxosOptionsTest, TimingAndFailpointsReachTheServer) {
  PaxosOptions o;
  Status st = parse_paxos_options({{"timeout-ms", "3000"},
                                   {"retry-ms", "500"},
                                   {"crashpoints", "true"},
                                   {"unsafe-failpoint", "no-persist-promise"}},
                                  &o);
  ASSERT_TRUE(st.is_ok()) << st.message();
  const std::vector<std::string> args = args_of(o);
  EXPECT_TRUE(has_pair(args, "--timeout-ms", "3000"));
  EXPECT_TRUE(has_pair(args, "--retry-ms", "500"));
  EXPECT_TRUE(has_pair(args, "--unsafe-failpoint", "no-persist-promise"));
  EXPECT_EQ(args.back(), "--allow-crashpoints");
}

TEST(PaxosOptionsTest, DefaultsAreTheServersOwn) {
  PaxosOptions o;
  ASSERT_TRUE(parse_paxos_options({}, &o).is_ok());
  const std::vector<std::string> args = args_of(o);
  EXPECT_TRUE(has_pair(args, "--timeout-ms", "1000"));
  EXPECT_TRUE(has_pair(args, "--retry-ms", "20"));
}

TEST(PaxosOptionsTest, BadTimingAndUnknownKeysAreRefused) {
  PaxosOptions o;
  Status st = parse_paxos_options({{"timeout-ms", "300"}, {"retry-ms", "500"}}, &o);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("retry-ms=500 is above timeout-ms=300"), std::string::npos)
      << st.message();
  EXPECT_FALSE(parse_paxos_options({{"retry-ms", "1"}}, &o).is_ok());  // below a tick
  EXPECT_FALSE(parse_paxos_options({{"unsafe-failpoint", "no-such"}}, &o).is_ok());
  EXPECT_FALSE(parse_paxos_options({{"retries", "5"}}, &o).is_ok());
}

}  // namespace
}  // namespace faultline
