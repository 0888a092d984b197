#include "wire/ip_protocol.hpp"

#include <gtest/gtest.h>

namespace dsmip::wire {
namespace {

TEST(IpProtocolTest, NumbersMatchIana) {
  EXPECT_EQ(ip_protocol::kHopByHop, 0);
  EXPECT_EQ(ip_protocol::kIcmp, 1);
  EXPECT_EQ(ip_protocol::kIpv4, 4);
  EXPECT_EQ(ip_protocol::kTcp, 6);
  EXPECT_EQ(ip_protocol::kUdp, 17);
  EXPECT_EQ(ip_protocol::kIpv6, 41);
  EXPECT_EQ(ip_protocol::kRouting, 43);
  EXPECT_EQ(ip_protocol::kFragment, 44);
  EXPECT_EQ(ip_protocol::kGre, 47);
  EXPECT_EQ(ip_protocol::kEsp, 50);
  EXPECT_EQ(ip_protocol::kAh, 51);
  EXPECT_EQ(ip_protocol::kMinimalEncapsulation, 55);
  EXPECT_EQ(ip_protocol::kIcmpv6, 58);
  EXPECT_EQ(ip_protocol::kNoNextHeader, 59);
  EXPECT_EQ(ip_protocol::kDestinationOptions, 60);
  EXPECT_EQ(ip_protocol::kMobility, 135);
  EXPECT_EQ(udp_port::kDsmipv6, 4191);
  EXPECT_EQ(udp_port::kMobileIpv4, 434);
  EXPECT_EQ(udp_port::kTeredo, 3544);
  EXPECT_EQ(udp_port::kM6tDefault, 3544);
  EXPECT_EQ(udp_port::kIke, 500);
  EXPECT_EQ(udp_port::kIkeNatTraversal, 4500);
}

TEST(IpProtocolTest, NamesEveryNamedNumberAndOnlyThose) {
  EXPECT_EQ(ipProtocolName(ip_protocol::kMobility), "mobility");
  EXPECT_EQ(ipProtocolName(ip_protocol::kDestinationOptions), "destination-options");
  EXPECT_EQ(ipProtocolName(ip_protocol::kNoNextHeader), "no-next-header");
  EXPECT_EQ(ipProtocolName(ip_protocol::kIpv6), "ipv6");
  EXPECT_EQ(ipProtocolName(ip_protocol::kEsp), "esp");
  EXPECT_EQ(ipProtocolName(200), "unknown");
  int named = 0;
  for (int p = 0; p < 256; ++p) {
    if (ipProtocolName(static_cast<std::uint8_t>(p)) != "unknown") ++named;
  }
  EXPECT_EQ(named, 16);
  EXPECT_EQ(udpPortName(4191), "dsmipv6");
  EXPECT_EQ(udpPortName(434), "mobile-ipv4");
  EXPECT_EQ(udpPortName(4500), "ike-nat-t");
  EXPECT_EQ(udpPortName(500), "ike");
  EXPECT_EQ(udpPortName(3544), "teredo");
  EXPECT_TRUE(udpPortName(53).empty());
}

}  // namespace
}  // namespace dsmip::wire
