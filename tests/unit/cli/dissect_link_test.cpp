// Link-layer header types: Ethernet (with VLAN tags), raw IP under each of its numbers, Linux
// cooked SLL and SLL2, BSD loopback; unsupported and truncated link headers.
#include <gtest/gtest.h>

#include "decode_test_util.hpp"

namespace dsmip::cli::test {
namespace {

namespace link_type = wire::link_type;
using wire::Dissection;

Dissection frame(std::uint32_t type, ByteView bytes) {
  return wire::dissectFrame(type, bytes, wire::DissectOptions{});
}

Bytes withPrefix(Bytes prefix, ByteView rest) {
  prefix.insert(prefix.end(), rest.begin(), rest.end());
  return prefix;
}

TEST(DissectLinkTest, RawIpUnderEveryNumberLibpcapUses) {
  const Bytes v4 = suitePacket("dsmip6-bu-udp").ip;
  const Bytes v6 = suitePacket("dsmip6-bu-ipv6").ip;
  for (const std::uint32_t type : {link_type::kRaw, link_type::kRawDlt12, link_type::kRawDlt14}) {
    SCOPED_TRACE(type);
    EXPECT_EQ(layerNames(frame(type, v4)), "ipv4,udp,ipv6,mh");
    EXPECT_EQ(layerNames(frame(type, v6)), "ipv6,home-address-option,mh");
    EXPECT_EQ(wire::linkTypeName(type), "raw");
  }
  EXPECT_EQ(layerNames(frame(link_type::kIpv4, v4)), "ipv4,udp,ipv6,mh");
  EXPECT_EQ(layerNames(frame(link_type::kIpv6, v6)), "ipv6,home-address-option,mh");
  // LINKTYPE_IPV4 promises IPv4: an IPv6 packet there is an error, not a guess.
  const Dissection wrong = frame(link_type::kIpv4, v6);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error->layer, "ipv4");
  EXPECT_EQ(wrong.error->code, ErrorCode::BadVersion);
}

TEST(DissectLinkTest, EthernetWithAndWithoutVlanTags) {
  const Bytes ip = suitePacket("dsmip6-bu-udp").ip;
  const Bytes ethernet = interop::ethernetFrame(ip);
  const Dissection d = frame(link_type::kEthernet, ethernet);
  EXPECT_TRUE(d.ok()) << d.summary();
  EXPECT_EQ(layerNames(d), "ethernet,ipv4,udp,ipv6,mh");
  EXPECT_EQ(interop::dissectedValue(d, "ethernet.source"), "02:00:5e:00:00:0b");
  EXPECT_EQ(interop::dissectedValue(d, "ethernet.ethertype"), "0x0800");
  EXPECT_EQ(d.findLayer("ipv4")->offset, 14u);
  EXPECT_EQ(d.findLayer("mh")->offset, 14u + 68);
  // The summary leaves the link layer out.
  EXPECT_EQ(d.summary(), frame(link_type::kRaw, ip).summary());

  // 802.1ad outer tag (id 20), 802.1Q inner tag (id 100, priority 3).
  Bytes tagged(ethernet.begin(), ethernet.begin() + 12);
  const Bytes tags = {0x88, 0xA8, 0x00, 0x14, 0x81, 0x00, 0x60, 0x64, 0x08, 0x00};
  tagged.insert(tagged.end(), tags.begin(), tags.end());
  tagged.insert(tagged.end(), ip.begin(), ip.end());
  const Dissection t = frame(link_type::kEthernet, tagged);
  EXPECT_TRUE(t.ok()) << t.summary();
  EXPECT_EQ(layerNames(t), "ethernet,ipv4,udp,ipv6,mh");
  EXPECT_EQ(interop::dissectedValue(t, "ethernet.vlan_tags[*].id"), "20,100");
  EXPECT_EQ(interop::dissectedValue(t, "ethernet.vlan_tags[1].priority"), "3");
  EXPECT_EQ(t.findLayer("ipv4")->offset, 22u);

  // Not IP: shown, not an error.
  Bytes arp(ethernet.begin(), ethernet.begin() + 12);
  arp.push_back(0x08);
  arp.push_back(0x06);
  arp.resize(60, 0);
  const Dissection a = frame(link_type::kEthernet, arp);
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(layerNames(a), "ethernet,data");
  EXPECT_EQ(a.summary(), "ethernet ethertype 0x0806 (arp)");
}

TEST(DissectLinkTest, LinuxCookedHeaders) {
  const Bytes ip = suitePacket("m6t-keepalive").ip;
  const Dissection sll = frame(link_type::kLinuxSll, interop::linuxSllFrame(ip));
  EXPECT_TRUE(sll.ok()) << sll.summary();
  EXPECT_EQ(layerNames(sll), "linux-sll,ipv4,udp,ipv6,m6t-keepalive");
  EXPECT_EQ(interop::dissectedValue(sll, "linux-sll.packet_type_name"), "outgoing");
  EXPECT_EQ(interop::dissectedValue(sll, "linux-sll.address"), "02:00:5e:00:00:0a");
  EXPECT_EQ(sll.findLayer("ipv4")->offset, 16u);

  const Dissection sll2 = frame(link_type::kLinuxSll2, interop::linuxSll2Frame(ip));
  EXPECT_TRUE(sll2.ok()) << sll2.summary();
  EXPECT_EQ(layerNames(sll2), "linux-sll2,ipv4,udp,ipv6,m6t-keepalive");
  EXPECT_EQ(interop::dissectedValue(sll2, "linux-sll2.interface_index"), "3");
  EXPECT_EQ(interop::dissectedValue(sll2, "linux-sll2.arphrd_type"), "65534");
  EXPECT_EQ(interop::dissectedValue(sll2, "linux-sll2.packet_type_name"), "host");
  EXPECT_EQ(sll2.findLayer("ipv4")->offset, 20u);
}

TEST(DissectLinkTest, LoopbackHeadersInEitherByteOrder) {
  const Bytes v4 = suitePacket("ipv4-in-ipv4").ip;
  const Bytes v6 = suitePacket("ipv6-in-ipv6").ip;
  // LINKTYPE_NULL: host byte order, here little-endian AF_INET (2) and AF_INET6 (30, macOS).
  EXPECT_EQ(layerNames(frame(link_type::kNull, withPrefix({2, 0, 0, 0}, v4))),
            "loopback,ipv4,ipv4,icmpv4");
  EXPECT_EQ(layerNames(frame(link_type::kNull, withPrefix({30, 0, 0, 0}, v6))),
            "loopback,ipv6,ipv6,icmpv6");
  EXPECT_EQ(layerNames(frame(link_type::kNull, withPrefix({0, 0, 0, 10}, v6))),
            "loopback,ipv6,ipv6,icmpv6");
  // LINKTYPE_LOOP: network byte order (OpenBSD AF_INET6 = 24).
  const Dissection loop = frame(link_type::kLoop, withPrefix({0, 0, 0, 24}, v6));
  EXPECT_EQ(layerNames(loop), "loopback,ipv6,ipv6,icmpv6");
  EXPECT_EQ(interop::dissectedValue(loop, "loopback.family"), "24");
  const Dissection other = frame(link_type::kLoop, withPrefix({0, 0, 0, 7}, v6));
  EXPECT_TRUE(other.ok());
  EXPECT_EQ(layerNames(other), "loopback,data");
}

TEST(DissectLinkTest, UnsupportedLinkTypeIsAPerPacketError) {
  const Dissection d = frame(147, suitePacket("ipv4-in-ipv4").ip);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error->layer, "link");
  EXPECT_EQ(d.error->code, ErrorCode::Unsupported);
  EXPECT_EQ(d.error->offset, 0u);
  EXPECT_EQ(d.error->reason, "unsupported link-layer type 147");
  EXPECT_FALSE(wire::isSupportedLinkType(147));
  EXPECT_TRUE(wire::isSupportedLinkType(link_type::kLinuxSll2));
}

TEST(DissectLinkTest, TruncatedLinkHeaders) {
  struct Case {
    std::uint32_t type;
    std::size_t length;
    const char* layer;
    std::size_t offset;
  };
  const Bytes ethernet = interop::ethernetFrame(suitePacket("ipv4-in-ipv4").ip);
  for (const Case& c :
       {Case{link_type::kEthernet, 13, "ethernet", 0},
        Case{link_type::kLinuxSll, 15, "linux-sll", 0},
        Case{link_type::kLinuxSll2, 19, "linux-sll2", 0}, Case{link_type::kNull, 3, "loopback", 0},
        Case{link_type::kRaw, 0, "ip", 0}}) {
    SCOPED_TRACE(c.layer);
    const Dissection d = frame(c.type, ByteView(ethernet).first(c.length));
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error->layer, c.layer);
    EXPECT_EQ(d.error->code, ErrorCode::Truncated);
    EXPECT_EQ(d.error->offset, c.offset);
  }
  // A VLAN tag cut short.
  Bytes tagged(ethernet.begin(), ethernet.begin() + 12);
  const Bytes half_tag = {0x81, 0x00, 0x00};
  tagged.insert(tagged.end(), half_tag.begin(), half_tag.end());
  const Dissection t = frame(link_type::kEthernet, tagged);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error->layer, "ethernet");
  EXPECT_EQ(t.error->offset, 14u);
  // Raw IP with a version that is neither 4 nor 6.
  const Dissection v5 = frame(link_type::kRaw, Bytes{0x50, 0, 0, 0});
  ASSERT_FALSE(v5.ok());
  EXPECT_EQ(v5.error->layer, "ip");
  EXPECT_EQ(v5.error->code, ErrorCode::BadVersion);
  EXPECT_EQ(v5.error->reason, "ip version 5 is neither 4 nor 6");
}

TEST(DissectLinkTest, ErrorOffsetsCountFromTheStartOfTheFrame) {
  const Bytes ip = suitePacket("mh-bad-option-length").ip;
  const Dissection raw = frame(link_type::kRaw, ip);
  const Dissection ethernet = frame(link_type::kEthernet, interop::ethernetFrame(ip));
  const Dissection sll2 = frame(link_type::kLinuxSll2, interop::linuxSll2Frame(ip));
  ASSERT_FALSE(raw.ok());
  ASSERT_FALSE(ethernet.ok());
  ASSERT_FALSE(sll2.ok());
  EXPECT_EQ(ethernet.error->offset, raw.error->offset + 14);
  EXPECT_EQ(sll2.error->offset, raw.error->offset + 20);
}

}  // namespace
}  // namespace dsmip::cli::test
