#include "targets/dht/server/dht_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace faultline::dht {
namespace {

using testing::HasSubstr;

DhtServerOptions three_nodes() {
  DhtServerOptions o;
  o.id = 2;
  EXPECT_TRUE(common::parse_address_map("1=a:1,2=b:2,3=c:3", &o.nodes).is_ok());
  o.data_dir = "/tmp/x";
  return o;
}

TEST(DhtServerOptions, DefaultsToAbdWithMajorityQuorums) {
  DhtServerOptions o = three_nodes();
  ASSERT_TRUE(o.finish().is_ok());
  EXPECT_EQ(o.mode, Mode::kAbd);
  EXPECT_EQ(o.r, 2);
  EXPECT_EQ(o.w, 2);
  auto ring = std::make_shared<Ring>();
  ASSERT_TRUE(Ring::create({1, 2, 3}, o.vnodes, o.replicas, ring.get()).is_ok());
  const Config c = o.core_config(ring, 1);
  EXPECT_TRUE(c.validate().is_ok());
  EXPECT_EQ(c.timeout_ticks, 100);  // 1000 ms of 10 ms ticks
  EXPECT_EQ(c.retry_ticks, 10);
}

TEST(DhtServerOptions, RejectsInconsistentFlags) {
  auto error = [](auto change) {
    DhtServerOptions o = three_nodes();
    change(o);
    return o.finish().message();
  };
  EXPECT_THAT(error([](auto& o) { o.id = 4; }), HasSubstr("--id 4 is not one of --nodes"));
  EXPECT_THAT(error([](auto& o) { o.replicas = 4; }), HasSubstr("--replicas: expected 1..3"));
  EXPECT_THAT(error([](auto& o) { o.vnodes = 0; }), HasSubstr("--vnodes"));
  EXPECT_THAT(error([](auto& o) { o.r = 1; }), HasSubstr("abd mode always uses a majority"));
  EXPECT_THAT(error([](auto& o) {
                o.mode = Mode::kEventual;
                o.w = 4;
              }),
              HasSubstr("--w: expected 1..3"));
  EXPECT_THAT(error([](auto& o) { o.retry_ms = 5000; }), HasSubstr("timing"));
  EXPECT_THAT(error([](auto& o) { o.data_dir = ""; }), HasSubstr("--data-dir"));
  DhtServerOptions eventual = three_nodes();
  eventual.mode = Mode::kEventual;
  eventual.r = 1;
  ASSERT_TRUE(eventual.finish().is_ok());
  EXPECT_EQ(eventual.r, 1);
  EXPECT_EQ(eventual.w, 2);
}

TEST(DhtServerOptions, ParsesModes) {
  Mode m;
  ASSERT_TRUE(parse_mode("eventual", &m).is_ok());
  EXPECT_EQ(m, Mode::kEventual);
  EXPECT_EQ(mode_name(m), "eventual");
  EXPECT_THAT(parse_mode("raft", &m).message(),
              HasSubstr("expected 'abd' or 'eventual', got 'raft'"));
}

}  // namespace
}  // namespace faultline::dht
