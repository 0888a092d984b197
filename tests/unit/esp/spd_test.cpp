#include "esp/spd.hpp"

#include <gtest/gtest.h>

#include "esp_test_support.hpp"

namespace dsmip::esp {
namespace {

using namespace test;

constexpr std::uint8_t kBu = 5;
constexpr std::uint8_t kBa = 6;

PacketSelectors mh(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t type) {
  PacketSelectors p{src, dst, kProtocolMobilityHeader, {}, {}, type, {}};
  return p;
}

PacketSelectors udp(const IpAddress& src, const IpAddress& dst, std::optional<std::uint16_t> sp,
                    std::optional<std::uint16_t> dp) {
  return PacketSelectors{src, dst, kProtocolUdp, sp, dp, {}, {}};
}

// RFC 4877 §6.1 / reference 4.3: the mobile node's entry for BU/BA.
PolicyEntry mnBuBa() {
  PolicyEntry e;
  e.name = "bu-ba";
  e.selector.local = AddressRange::single(kHoa);
  e.selector.remote = AddressRange::single(kHa);
  e.selector.protocol = kProtocolMobilityHeader;
  e.selector.local_message = MessageRange::type(kBu);
  e.selector.remote_message = MessageRange::type(kBa);
  e.action = PolicyAction::Protect;
  e.outbound_spi = 0x1001;
  e.inbound_spi = 0x1002;
  return e;
}

// RFC 5555 §5.2.2: payload from the HoA to anyone else, tunnel mode.
PolicyEntry mnPayload() {
  PolicyEntry e;
  e.name = "payload";
  e.selector.local = AddressRange::single(kHoa);
  e.action = PolicyAction::Protect;
  e.outbound_spi = 0x2001;
  e.inbound_spi = 0x2002;
  return e;
}

PolicyEntry bypassAll() {
  PolicyEntry e;
  e.name = "rest";
  e.action = PolicyAction::Bypass;
  return e;
}

TEST(AddressRangeTest, ParsesAndContains) {
  auto any = AddressRange::parse("any");
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->isAny());
  EXPECT_TRUE(any->contains(kHoa));
  EXPECT_TRUE(any->contains(v4("10.0.0.1")));

  auto single = AddressRange::parse("2001:db8:1::100");
  ASSERT_TRUE(single);
  EXPECT_TRUE(single->contains(kHoa));
  EXPECT_FALSE(single->contains(kOtherHoa));
  EXPECT_EQ(single->toString(), "2001:db8:1::100");

  auto prefix = AddressRange::parse("2001:db8:1::/64");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->contains(kHoa));
  EXPECT_TRUE(prefix->contains(v6("2001:db8:1::ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(prefix->contains(v6("2001:db8:2::1")));
  EXPECT_FALSE(prefix->contains(v4("10.0.0.1")));  // other family never matches
  EXPECT_EQ(prefix->toString(), "2001:db8:1::/64");

  auto v4prefix = AddressRange::parse("192.0.2.77/24");  // host bits are cleared
  ASSERT_TRUE(v4prefix);
  EXPECT_EQ(v4prefix->toString(), "192.0.2.0/24");
  EXPECT_TRUE(v4prefix->contains(v4("192.0.2.255")));
  EXPECT_FALSE(v4prefix->contains(v4("192.0.3.0")));

  auto range = AddressRange::parse("10.0.0.5-10.0.0.9");
  ASSERT_TRUE(range);
  EXPECT_FALSE(range->contains(v4("10.0.0.4")));
  EXPECT_TRUE(range->contains(v4("10.0.0.5")));
  EXPECT_TRUE(range->contains(v4("10.0.0.9")));
  EXPECT_FALSE(range->contains(v4("10.0.0.10")));
  EXPECT_EQ(range->toString(), "10.0.0.5-10.0.0.9");

  EXPECT_FALSE(AddressRange::parse("10.0.0.9-10.0.0.5"));     // reversed
  EXPECT_FALSE(AddressRange::parse("10.0.0.1-2001:db8::1"));  // mixed families
  EXPECT_FALSE(AddressRange::parse("nonsense"));
  EXPECT_FALSE(AddressRange::parse("2001:db8::/129"));
}

TEST(SelectorTest, MhTypesFollowTheRfc4877LocalRemoteRule) {
  const Selector s = mnBuBa().selector;
  // The MN sends BUs and receives BAs.
  EXPECT_TRUE(s.matches(mh(kHoa, kHa, kBu), Direction::Outbound));
  EXPECT_FALSE(s.matches(mh(kHoa, kHa, kBa), Direction::Outbound));
  EXPECT_TRUE(s.matches(mh(kHa, kHoa, kBa), Direction::Inbound));
  EXPECT_FALSE(s.matches(mh(kHa, kHoa, kBu), Direction::Inbound));
  // Addresses are local/remote, so the reverse direction swaps them.
  EXPECT_FALSE(s.matches(mh(kHa, kHoa, kBu), Direction::Outbound));
  EXPECT_FALSE(s.matches(mh(kOtherHoa, kHa, kBu), Direction::Outbound));
  // An MH packet whose type could not be read is OPAQUE: it does not match a type selector.
  EXPECT_FALSE(s.matches(PacketSelectors{kHoa, kHa, kProtocolMobilityHeader, {}, {}, {}, {}},
                         Direction::Outbound));
}

TEST(SelectorTest, IcmpTypeAndCode) {
  Selector s;
  s.protocol = kProtocolIcmpv6;
  s.local_message = MessageRange::type(146);             // MPS sent
  s.remote_message = MessageRange::typeAndCode(147, 0);  // MPA code 0 received
  const PacketSelectors mps{kHoa, kHa, kProtocolIcmpv6, {}, {}, 146, 0};
  const PacketSelectors mpa{kHa, kHoa, kProtocolIcmpv6, {}, {}, 147, 0};
  const PacketSelectors mpa_code1{kHa, kHoa, kProtocolIcmpv6, {}, {}, 147, 1};
  EXPECT_TRUE(s.matches(mps, Direction::Outbound));
  EXPECT_TRUE(s.matches(mpa, Direction::Inbound));
  EXPECT_FALSE(s.matches(mpa_code1, Direction::Inbound));
  EXPECT_FALSE(s.matches(mpa, Direction::Outbound));
}

TEST(SelectorTest, PortsAndOpaqueValues) {
  Selector s;
  s.protocol = kProtocolUdp;
  s.local_port = PortRange{1024, 65535};
  s.remote_port = PortRange::single(53);
  const IpAddress me = v4("10.0.0.1");
  const IpAddress dns = v4("10.0.0.53");
  EXPECT_TRUE(s.matches(udp(me, dns, 40000, 53), Direction::Outbound));
  EXPECT_TRUE(s.matches(udp(dns, me, 53, 40000), Direction::Inbound));
  EXPECT_FALSE(s.matches(udp(me, dns, 1000, 53), Direction::Outbound));
  EXPECT_FALSE(s.matches(udp(me, dns, 40000, 54), Direction::Outbound));
  // Non-first fragments have no ports: OPAQUE only matches ANY (RFC 4301 §4.4.1.1).
  EXPECT_FALSE(s.matches(udp(me, dns, std::nullopt, std::nullopt), Direction::Outbound));
  Selector any_port;
  any_port.protocol = kProtocolUdp;
  EXPECT_TRUE(any_port.matches(udp(me, dns, std::nullopt, std::nullopt), Direction::Outbound));
  // Protocol mismatch.
  Selector tcp;
  tcp.protocol = kProtocolTcp;
  EXPECT_FALSE(tcp.matches(udp(me, dns, 1, 2), Direction::Outbound));
}

TEST(SelectorTest, ToStringShowsTheSelectors) {
  EXPECT_EQ(mnBuBa().selector.toString(),
            "local 2001:db8:1::100 remote 2001:db8:1::1 proto 135 local-type 5 remote-type 6");
  EXPECT_EQ(Selector{}.toString(), "local any remote any proto any");
}

TEST(SpdTest, FirstMatchingEntryWins) {
  Spd spd;
  ASSERT_TRUE(spd.add(mnBuBa()));
  ASSERT_TRUE(spd.add(mnPayload()));
  ASSERT_TRUE(spd.add(bypassAll()));
  // The BU matches both protect entries; the earlier, more specific one decides.
  const PolicyEntry* bu = spd.lookup(mh(kHoa, kHa, kBu), Direction::Outbound);
  ASSERT_NE(bu, nullptr);
  EXPECT_EQ(bu->name, "bu-ba");
  const PolicyEntry* data = spd.lookup(udp(kHoa, kCn, 1, 2), Direction::Outbound);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->name, "payload");
  const PolicyEntry* other = spd.lookup(udp(kCoa, kCn, 1, 2), Direction::Outbound);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->name, "rest");
  // Inserting at the front changes the decision.
  PolicyEntry drop;
  drop.name = "drop-mh";
  drop.selector.protocol = kProtocolMobilityHeader;
  drop.action = PolicyAction::Discard;
  ASSERT_TRUE(spd.insert(0, drop));
  EXPECT_EQ(spd.lookup(mh(kHoa, kHa, kBu), Direction::Outbound)->name, "drop-mh");
  EXPECT_TRUE(spd.remove("drop-mh"));
  EXPECT_EQ(spd.lookup(mh(kHoa, kHa, kBu), Direction::Outbound)->name, "bu-ba");
}

TEST(SpdTest, NothingMatchesWithoutAFinalEntry) {
  Spd spd;
  ASSERT_TRUE(spd.add(mnBuBa()));
  EXPECT_EQ(spd.lookup(udp(kCoa, kCn, 1, 2), Direction::Outbound), nullptr);
}

TEST(SpdTest, DirectionalAndDisabledEntries) {
  Spd spd;
  PolicyEntry out_only = bypassAll();
  out_only.name = "out";
  out_only.inbound = false;
  ASSERT_TRUE(spd.add(out_only));
  EXPECT_NE(spd.lookup(udp(kHoa, kCn, 1, 2), Direction::Outbound), nullptr);
  EXPECT_EQ(spd.lookup(udp(kCn, kHoa, 2, 1), Direction::Inbound), nullptr);
  ASSERT_TRUE(spd.setEnabled("out", false));
  EXPECT_EQ(spd.lookup(udp(kHoa, kCn, 1, 2), Direction::Outbound), nullptr);
  EXPECT_FALSE(spd.setEnabled("absent", true));
}

TEST(SpdTest, WhichSpiProtectsBindingUpdates) {
  // Draft Req. #3: the tunnel code asks which SPI protects BUs and tells them from data
  // packets by SPI, without metadata on packets.
  Spd spd;
  ASSERT_TRUE(spd.add(mnBuBa()));
  ASSERT_TRUE(spd.add(mnPayload()));
  ASSERT_TRUE(spd.add(bypassAll()));
  EXPECT_EQ(spd.findProtectingSpi(mh(kHoa, kHa, kBu), Direction::Outbound), 0x1001u);
  EXPECT_EQ(spd.findProtectingSpi(mh(kHa, kHoa, kBa), Direction::Inbound), 0x1002u);
  EXPECT_EQ(spd.findProtectingSpi(udp(kHoa, kCn, 1, 2), Direction::Outbound), 0x2001u);
  EXPECT_FALSE(spd.findProtectingSpi(udp(kCoa, kCn, 1, 2), Direction::Outbound));  // bypass
}

TEST(SpdTest, WhatTrafficDoesAnSpiCarry) {
  // Draft Req. #4: from the SPI of an incoming ESP packet to the selectors of its SA.
  Spd spd;
  ASSERT_TRUE(spd.add(mnBuBa()));
  ASSERT_TRUE(spd.add(mnPayload()));
  const PolicyEntry* e = spd.findBySpi(0x1002, Direction::Inbound);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->name, "bu-ba");
  EXPECT_EQ(spd.findBySpi(0x2001, Direction::Outbound)->name, "payload");
  EXPECT_EQ(spd.findBySpi(0x1002, Direction::Outbound), nullptr);
  EXPECT_EQ(spd.findBySpi(0x9999, Direction::Inbound), nullptr);
}

TEST(SpdTest, RejectsInvalidEntries) {
  Spd spd;
  PolicyEntry no_spi = mnBuBa();
  no_spi.outbound_spi = 0;
  auto r = spd.add(no_spi);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("outbound_spi"), std::string::npos);

  PolicyEntry ports_without_protocol = bypassAll();
  ports_without_protocol.selector.local_port = PortRange::single(80);
  EXPECT_FALSE(spd.add(ports_without_protocol));

  PolicyEntry types_on_udp = bypassAll();
  types_on_udp.selector.protocol = kProtocolUdp;
  types_on_udp.selector.local_message = MessageRange::type(5);
  EXPECT_FALSE(spd.add(types_on_udp));

  PolicyEntry spi_on_bypass = bypassAll();
  spi_on_bypass.inbound_spi = 0x1000;
  EXPECT_FALSE(spd.add(spi_on_bypass));

  PolicyEntry nameless = bypassAll();
  nameless.name.clear();
  EXPECT_FALSE(spd.add(nameless));

  ASSERT_TRUE(spd.add(bypassAll()));
  EXPECT_EQ(spd.add(bypassAll()).error().code, ErrorCode::AlreadyExists);
  EXPECT_EQ(spd.size(), 1u);
}

}  // namespace
}  // namespace dsmip::esp
