#include "harness/nodes/subnet.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

Ipv4Subnet parsed(const std::string& text) {
  Ipv4Subnet s;
  Status st = parse_subnet(text, &s);
  EXPECT_TRUE(st.is_ok()) << text << ": " << st.message();
  return s;
}

TEST(SubnetTest, ParsesAndPrints) {
  EXPECT_EQ(parsed("10.77.3.0/24").to_string(), "10.77.3.0/24");
  EXPECT_EQ(parsed("192.0.2.7").to_string(), "192.0.2.7/32");
  EXPECT_EQ(parsed("0.0.0.0/0").mask(), 0u);
}

TEST(SubnetTest, RejectsBadSubnetsWithTheReason) {
  Ipv4Subnet s;
  Status st = parse_subnet("10.77.0.5/24", &s);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("did you mean 10.77.0.0/24"), std::string::npos) << st.message();
  EXPECT_FALSE(parse_subnet("10.77.0.0/33", &s).is_ok());
  EXPECT_FALSE(parse_subnet("10.77.0/24", &s).is_ok());
  EXPECT_FALSE(parse_subnet("10.77.0.0/", &s).is_ok());
  EXPECT_FALSE(parse_subnet("host.example/24", &s).is_ok());
}

TEST(SubnetTest, OverlapIsSymmetricAndPrefixAware) {
  EXPECT_TRUE(parsed("10.0.0.0/8").overlaps(parsed("10.77.0.0/24")));
  EXPECT_TRUE(parsed("10.77.0.0/24").overlaps(parsed("10.0.0.0/8")));
  EXPECT_TRUE(parsed("10.77.0.0/24").overlaps(parsed("10.77.0.9")));
  EXPECT_FALSE(parsed("10.77.0.0/24").overlaps(parsed("10.77.1.0/24")));
  EXPECT_FALSE(parsed("10.77.0.0/24").overlaps(parsed("192.0.2.0/24")));
}

TEST(SubnetTest, ReadsRouteDestinationsSkippingDefault) {
  const std::string routes =
      "default via 192.0.2.1 dev eth0\n"
      "10.77.0.0/24 dev fl-x-br proto kernel scope link src 10.77.0.1\n"
      "local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1\n"
      "broadcast 10.77.0.255 dev fl-x-br table local proto kernel scope link src 10.77.0.1\n"
      "unreachable 10.78.0.0/16\n";
  std::vector<Ipv4Subnet> dests = parse_route_destinations(routes);
  std::vector<std::string> text;
  for (const Ipv4Subnet& d : dests) text.push_back(d.to_string());
  EXPECT_EQ(text, (std::vector<std::string>{"10.77.0.0/24", "127.0.0.1/32", "10.77.0.255/32",
                                            "10.78.0.0/16"}));
}

TEST(SubnetTest, ChoosesTheFirstFreeSlash24AndNamesTheOverlap) {
  Ipv4Subnet chosen;
  ASSERT_TRUE(
      choose_free_subnet({parsed("10.77.0.0/24"), parsed("10.77.1.128/25")}, &chosen).is_ok());
  EXPECT_EQ(chosen.to_string(), "10.77.2.0/24");
  EXPECT_FALSE(choose_free_subnet({parsed("10.0.0.0/8")}, &chosen).is_ok());
  Status st = check_no_overlap(parsed("10.77.0.0/24"), {parsed("10.0.0.0/8")});
  EXPECT_NE(st.message().find("overlaps the host route to 10.0.0.0/8"), std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace faultline
