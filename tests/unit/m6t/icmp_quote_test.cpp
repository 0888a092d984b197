#include "m6t/icmp_quote.hpp"

#include <gtest/gtest.h>

#include "m6t_test_util.hpp"

namespace dsmip::m6t {
namespace {

using namespace test;

TEST(IcmpQuoteTest, DecodesFragmentationNeededWithInnerAddresses) {
  const Bytes datagram = tunnelDatagram(ep("192.0.2.1:3544"), ep("198.51.100.7:40000"),
                                        v6("2001:db8::1"), v6("fd00:1:2:3:4::5"));
  auto m = decodeFragmentationNeeded(fragmentationNeeded(datagram, 1400));
  ASSERT_TRUE(m.has_value()) << m.error().toString();
  EXPECT_EQ(m->next_hop_mtu, 1400);
  EXPECT_EQ(m->source, ep("192.0.2.1:3544"));
  EXPECT_EQ(m->destination, ep("198.51.100.7:40000"));
  EXPECT_EQ(m->inner_source, v6("2001:db8::1"));
  EXPECT_EQ(m->inner_destination, v6("fd00:1:2:3:4::5"));
  EXPECT_EQ(m->quoted_total_length, datagram.size());
}

TEST(IcmpQuoteTest, ShortQuoteHasNoInnerAddresses) {
  const Bytes datagram = tunnelDatagram(ep("192.0.2.1:3544"), ep("198.51.100.7:40000"),
                                        v6("2001:db8::1"), v6("fd00::5"));
  auto m = decodeFragmentationNeeded(fragmentationNeeded(datagram, 1400, 28));
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->inner_destination.has_value());
  EXPECT_EQ(m->destination.port, 40000);
}

TEST(IcmpQuoteTest, RejectsOtherMessages) {
  const Bytes datagram = tunnelDatagram(ep("192.0.2.1:3544"), ep("198.51.100.7:40000"),
                                        v6("2001:db8::1"), v6("fd00::5"));
  PacketBuffer out;
  ASSERT_TRUE(wire::buildIcmpv4DestinationUnreachable(out, datagram, 3));
  auto m = decodeFragmentationNeeded(out.data());
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::Unsupported);
}

TEST(IcmpQuoteTest, RejectsQuoteOfNonUdp) {
  Bytes datagram = tunnelDatagram(ep("192.0.2.1:3544"), ep("198.51.100.7:40000"), v6("2001:db8::1"),
                                  v6("fd00::5"));
  datagram[9] = 6;  // TCP (the quoted header checksum is not verified)
  auto m = decodeFragmentationNeeded(fragmentationNeeded(datagram, 1400));
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::Unsupported);
}

TEST(IcmpQuoteTest, RejectsTruncatedQuote) {
  const Bytes datagram = tunnelDatagram(ep("192.0.2.1:3544"), ep("198.51.100.7:40000"),
                                        v6("2001:db8::1"), v6("fd00::5"));
  auto m = decodeFragmentationNeeded(fragmentationNeeded(datagram, 1400, 24));
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::Truncated);
}

TEST(IcmpQuoteTest, RejectsBadChecksum) {
  Bytes message = fragmentationNeeded(
      tunnelDatagram(ep("192.0.2.1:3544"), ep("198.51.100.7:1"), v6("2001:db8::1"), v6("fd00::5")),
      1400);
  message[2] ^= 0xFF;
  EXPECT_FALSE(decodeFragmentationNeeded(message).has_value());
}

TEST(IcmpQuoteTest, PlateauForOldRouters) {
  FragmentationNeeded m;
  m.next_hop_mtu = 0;
  m.quoted_total_length = 1500;
  EXPECT_EQ(impliedPathMtu(m), 1492);
  m.quoted_total_length = 1492;
  EXPECT_EQ(impliedPathMtu(m), 1006);
  m.quoted_total_length = 60;
  EXPECT_EQ(impliedPathMtu(m), 0);
  m.next_hop_mtu = 1300;
  EXPECT_EQ(impliedPathMtu(m), 1300);
}

TEST(IcmpQuoteTest, TunnelMtuForPath) {
  EXPECT_EQ(tunnelMtuForPath(1500, 1472), 1472u);
  EXPECT_EQ(tunnelMtuForPath(1400, 1472), 1372u);
  EXPECT_EQ(tunnelMtuForPath(1000, 1472), 1280u);  // never below the IPv6 minimum
  EXPECT_EQ(tunnelMtuForPath(9000, 1472), 1472u);  // never above the configured MTU
}

}  // namespace
}  // namespace dsmip::m6t
