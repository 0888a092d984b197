#include "common/ip_address.hpp"

#include <gtest/gtest.h>

namespace dsmip {
namespace {

TEST(Ipv4AddressTest, ParsesAndFormatsDottedQuad) {
  auto a = Ipv4Address::parse("192.0.2.10");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->toU32(), 0xC000020Au);
  EXPECT_EQ(a->toString(), "192.0.2.10");
  EXPECT_EQ(Ipv4Address::fromU32(0x0A010005).toString(), "10.1.0.5");
}

TEST(Ipv4AddressTest, RejectsMalformedText) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "01.2.3.4", "a.b.c.d",
                          "1.2.3.4 ", "1.2.3.-4"}) {
    EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
  }
}

TEST(Ipv4AddressTest, ClassifiesPrivateAndMulticast) {
  EXPECT_TRUE(Ipv4Address::parse("10.9.9.9")->isPrivate());
  EXPECT_TRUE(Ipv4Address::parse("172.31.0.1")->isPrivate());
  EXPECT_FALSE(Ipv4Address::parse("172.32.0.1")->isPrivate());
  EXPECT_TRUE(Ipv4Address::parse("192.168.1.1")->isPrivate());
  EXPECT_TRUE(Ipv4Address::parse("224.0.0.11")->isMulticast());
  EXPECT_FALSE(Ipv4Address::parse("0.0.0.0")->isUnicast());
}

TEST(Ipv6AddressTest, ParsesTextForms) {
  auto a = Ipv6Address::parse("2001:db8:1::100");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes[0], 0x20);
  EXPECT_EQ(a->bytes[1], 0x01);
  EXPECT_EQ(a->bytes[14], 0x01);
  EXPECT_EQ(a->bytes[15], 0x00);
  EXPECT_TRUE(Ipv6Address::parse("::")->isUnspecified());
  EXPECT_TRUE(Ipv6Address::parse("::1")->isLoopback());
  EXPECT_EQ(Ipv6Address::parse("fe80::1"), kM6tKeepaliveAddress);
  auto mapped = Ipv6Address::parse("::ffff:192.0.2.1");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->isV4Mapped());
  EXPECT_EQ(mapped->bytes[12], 192);
  EXPECT_TRUE(Ipv6Address::parse("1:2:3:4:5:6:7:8"));
  EXPECT_TRUE(Ipv6Address::parse("1::"));
}

TEST(Ipv6AddressTest, RejectsMalformedText) {
  for (const char* bad : {"", ":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1",
                          ":1::", "1:", "1:2:3:4:5:6:7", "::ffff:1.2.3"}) {
    EXPECT_FALSE(Ipv6Address::parse(bad)) << bad;
  }
}

TEST(Ipv6AddressTest, FormatsCanonically) {
  EXPECT_EQ(Ipv6Address::parse("2001:0db8:0000:0000:0000:0000:0000:0001")->toString(),
            "2001:db8::1");
  EXPECT_EQ(Ipv6Address::parse("2001:db8:0:1:1:1:1:1")->toString(), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(Ipv6Address::parse("2001:0:0:1::1")->toString(), "2001:0:0:1::1");
  EXPECT_EQ(Ipv6Address::parse("::")->toString(), "::");
  EXPECT_EQ(Ipv6Address::parse("fd00:1:2:3:4::")->toString(), "fd00:1:2:3:4::");
  EXPECT_EQ(Ipv6Address::parse("::ffff:10.0.0.1")->toString(), "::ffff:10.0.0.1");
}

TEST(Ipv6AddressTest, UnicastRoutableExcludesSpecialRanges) {
  EXPECT_TRUE(Ipv6Address::parse("2001:db8::1")->isUnicastRoutable());
  EXPECT_TRUE(Ipv6Address::parse("fd12:3456::1")->isUnicastRoutable());
  EXPECT_FALSE(Ipv6Address::parse("fe80::1")->isUnicastRoutable());
  EXPECT_FALSE(Ipv6Address::parse("ff02::1")->isUnicastRoutable());
  EXPECT_FALSE(Ipv6Address::parse("::1")->isUnicastRoutable());
  EXPECT_FALSE(Ipv6Address::parse("::ffff:1.2.3.4")->isUnicastRoutable());
}

TEST(PrefixTest, ContainsAndOverlaps) {
  auto p = Ipv6Prefix::parse("2001:db8:1::/48");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->contains(*Ipv6Address::parse("2001:db8:1:ffff::1")));
  EXPECT_FALSE(p->contains(*Ipv6Address::parse("2001:db8:2::1")));
  EXPECT_TRUE(p->overlaps(*Ipv6Prefix::parse("2001:db8::/32")));
  EXPECT_FALSE(p->overlaps(*Ipv6Prefix::parse("2001:db8:2::/48")));
  auto odd = Ipv6Prefix::parse("fd00:1:2:3:4:ffff::/81");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->toString(), "fd00:1:2:3:4:8000::/81");
  auto v4 = Ipv4Prefix::parse("10.1.2.3/16");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->toString(), "10.1.0.0/16");
  EXPECT_TRUE(v4->contains(*Ipv4Address::parse("10.1.200.1")));
  EXPECT_FALSE(Ipv4Prefix::parse("10.0.0.0/33"));
  EXPECT_FALSE(Ipv6Prefix::parse("::/129"));
}

TEST(EndpointTest, ParsesAddressAndPort) {
  auto e = Ipv4Endpoint::parse("0.0.0.0:3544");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 3544);
  EXPECT_EQ(e->toString(), "0.0.0.0:3544");
  EXPECT_FALSE(Ipv4Endpoint::parse("1.2.3.4:65536"));
  EXPECT_FALSE(Ipv4Endpoint::parse("1.2.3.4"));
  EXPECT_FALSE(Ipv4Endpoint::parse("1.2.3.4:"));
  auto e6 = Ipv6Endpoint::parse("[2001:db8::1]:4191");
  ASSERT_TRUE(e6);
  EXPECT_EQ(e6->port, 4191);
  EXPECT_EQ(e6->toString(), "[2001:db8::1]:4191");
}

}  // namespace
}  // namespace dsmip
