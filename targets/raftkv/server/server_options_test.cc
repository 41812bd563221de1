#include "targets/raftkv/server/server_options.h"

#include <gtest/gtest.h>

namespace faultline::raftkv {
namespace {

TEST(ServerOptionsTest, ParsesPeerLists) {
  std::map<uint64_t, common::Address> peers;
  ASSERT_TRUE(
      common::parse_address_map("1=127.0.0.1:7001,2=localhost:7002,10=::1:7003", &peers).is_ok());
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[1], (common::Address{"127.0.0.1", 7001}));
  EXPECT_EQ(peers[2], (common::Address{"localhost", 7002}));
  EXPECT_EQ(peers[10], (common::Address{"::1", 7003}));
}

TEST(ServerOptionsTest, RefusesBadPeerLists) {
  std::map<uint64_t, common::Address> peers;
  for (const char* bad : {"", "1=127.0.0.1", "0=h:1", "x=h:1", "1=h:0", "1=h:65536", "1=h:1,1=h:2",
                          "1=h:1,", "1=:5"}) {
    EXPECT_FALSE(common::parse_address_map(bad, &peers).is_ok()) << bad;
  }
  EXPECT_EQ(common::parse_address_map("1=h:1,1=h:2", &peers).message(), "peer id 1 listed twice");
}

TEST(ServerOptionsTest, FailpointsByName) {
  Failpoints f;
  EXPECT_FALSE(f.any());
  EXPECT_EQ(f.to_string(), "none");
  ASSERT_TRUE(enable_failpoint("lease-read", &f).is_ok());
  ASSERT_TRUE(enable_failpoint("stale-read", &f).is_ok());
  EXPECT_TRUE(f.lease_read && f.stale_read && !f.commit_any_term && !f.no_persist_vote);
  EXPECT_EQ(f.to_string(), "stale-read,lease-read");
  ASSERT_TRUE(enable_failpoint("follower-read", &f).is_ok());
  EXPECT_EQ(f.to_string(), "stale-read,lease-read,follower-read");
  ASSERT_TRUE(enable_failpoint("read-cache", &f).is_ok());
  EXPECT_EQ(f.to_string(), "stale-read,lease-read,follower-read,read-cache");
  ASSERT_TRUE(enable_failpoint("early-txn-reads", &f).is_ok());
  EXPECT_EQ(f.to_string(), "stale-read,lease-read,follower-read,read-cache,early-txn-reads");
  ASSERT_TRUE(enable_failpoint("no-fsync", &f).is_ok());
  EXPECT_TRUE(f.any());
  EXPECT_EQ(f.to_string(),
            "stale-read,lease-read,follower-read,read-cache,early-txn-reads,no-fsync");
  EXPECT_FALSE(enable_failpoint("stale_read", &f).is_ok());
}

TEST(ServerOptionsTest, FinishChecksCrossFieldRules) {
  ServerOptions o;
  o.id = 2;
  ASSERT_TRUE(common::parse_address_map("1=h:1,2=h:2,3=h:3", &o.peers).is_ok());
  o.client_addr = {"h", 9002};
  o.data_dir = "/tmp/x";
  ASSERT_TRUE(o.finish().is_ok());
  EXPECT_EQ(o.client_peers.at(2), (common::Address{"h", 9002}));

  ServerOptions not_a_peer = o;
  not_a_peer.id = 4;
  EXPECT_FALSE(not_a_peer.finish().is_ok());
  ServerOptions timing = o;
  timing.election_ms = 150;
  timing.heartbeat_ms = 100;
  EXPECT_FALSE(timing.finish().is_ok());
  ServerOptions stranger = o;
  stranger.client_peers[7] = {"h", 1};
  EXPECT_FALSE(stranger.finish().is_ok());
  ServerOptions no_entries = o;
  no_entries.max_append_entries = 0;
  const Status st = no_entries.finish();
  EXPECT_NE(st.message().find("--max-append-entries"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace faultline::raftkv
