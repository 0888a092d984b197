#include "esp/ipsec.hpp"

#include <gtest/gtest.h>

#include "esp/packet_view.hpp"
#include "esp_test_support.hpp"
#include "test_support/fake_clock.hpp"
#include "wire/checksum.hpp"

namespace dsmip::esp {
namespace {

using namespace test;

constexpr std::uint32_t kBuSpi = 0x1001;    // MN → HA, BU
constexpr std::uint32_t kBaSpi = 0x1002;    // HA → MN, BA
constexpr std::uint32_t kMpsSpi = 0x1003;   // MN → HA, MPS
constexpr std::uint32_t kMpaSpi = 0x1004;   // HA → MN, MPA
constexpr std::uint32_t kUpSpi = 0x2001;    // MN → HA, payload tunnel
constexpr std::uint32_t kDownSpi = 0x2002;  // HA → MN, payload tunnel
constexpr std::uint8_t kBu = 5;
constexpr std::uint8_t kBa = 6;
const Ipv4Address kHoa4 = v4("10.1.0.5");

SaParameters transport(Suite suite, std::uint32_t spi, Direction d) {
  return paramsFor(suite, spi, d);
}

SaParameters tunnel(Suite suite, std::uint32_t spi, Direction d, IpAddress local,
                    IpAddress remote) {
  SaParameters p = paramsFor(suite, spi, d);
  p.mode = Mode::Tunnel;
  p.tunnel = TunnelEndpoints{local, remote};
  return p;
}

PolicyEntry protect(std::string name, AddressRange local, AddressRange remote,
                    std::optional<std::uint8_t> protocol, std::uint32_t out, std::uint32_t in) {
  PolicyEntry e;
  e.name = std::move(name);
  e.selector.local = std::move(local);
  e.selector.remote = std::move(remote);
  e.selector.protocol = protocol;
  e.action = PolicyAction::Protect;
  e.outbound_spi = out;
  e.inbound_spi = in;
  return e;
}

PolicyEntry simple(std::string name, PolicyAction action) {
  PolicyEntry e;
  e.name = std::move(name);
  e.action = action;
  return e;
}

/// A mobile node and its home agent with the RFC 3776 / RFC 4877 / RFC 5555 policies: BU/BA and
/// MPS/MPA in transport mode, payload (IPv6 HoA and IPv4 HoA) in tunnel mode between CoA and HA.
struct Peers {
  explicit Peers(Suite suite = Suite::AesCbcHmacSha256) : mn(mn_random), ha(ha_random) {
    const TimePoint now{};
    // Mobile node.
    EXPECT_TRUE(mn.sad().add(transport(suite, kBuSpi, Direction::Outbound), now));
    EXPECT_TRUE(mn.sad().add(transport(suite, kBaSpi, Direction::Inbound), now));
    EXPECT_TRUE(mn.sad().add(transport(suite, kMpsSpi, Direction::Outbound), now));
    EXPECT_TRUE(mn.sad().add(transport(suite, kMpaSpi, Direction::Inbound), now));
    EXPECT_TRUE(mn.sad().add(tunnel(suite, kUpSpi, Direction::Outbound, kCoa, kHa), now));
    EXPECT_TRUE(mn.sad().add(tunnel(suite, kDownSpi, Direction::Inbound, kCoa, kHa), now));
    PolicyEntry bu = protect("bu-ba", AddressRange::single(kHoa), AddressRange::single(kHa),
                             kProtocolMobilityHeader, kBuSpi, kBaSpi);
    bu.selector.local_message = MessageRange::type(kBu);
    bu.selector.remote_message = MessageRange::type(kBa);
    EXPECT_TRUE(mn.spd().add(bu));
    PolicyEntry mp = protect("mps-mpa", AddressRange::single(kHoa), AddressRange::single(kHa),
                             kProtocolIcmpv6, kMpsSpi, kMpaSpi);
    mp.selector.local_message = MessageRange::type(146);
    mp.selector.remote_message = MessageRange::type(147);
    EXPECT_TRUE(mn.spd().add(mp));
    EXPECT_TRUE(mn.spd().add(protect("payload6", AddressRange::single(kHoa), AddressRange::any(),
                                     std::nullopt, kUpSpi, kDownSpi)));
    EXPECT_TRUE(mn.spd().add(protect("payload4", AddressRange::single(kHoa4), AddressRange::any(),
                                     std::nullopt, kUpSpi, kDownSpi)));
    EXPECT_TRUE(mn.spd().add(simple("rest", PolicyAction::Bypass)));

    // Home agent: the mirror image.
    EXPECT_TRUE(ha.sad().add(transport(suite, kBuSpi, Direction::Inbound), now));
    EXPECT_TRUE(ha.sad().add(transport(suite, kBaSpi, Direction::Outbound), now));
    EXPECT_TRUE(ha.sad().add(transport(suite, kMpsSpi, Direction::Inbound), now));
    EXPECT_TRUE(ha.sad().add(transport(suite, kMpaSpi, Direction::Outbound), now));
    EXPECT_TRUE(ha.sad().add(tunnel(suite, kUpSpi, Direction::Inbound, kHa, kCoa), now));
    EXPECT_TRUE(ha.sad().add(tunnel(suite, kDownSpi, Direction::Outbound, kHa, kCoa), now));
    PolicyEntry ba = protect("bu-ba", AddressRange::single(kHa), AddressRange::single(kHoa),
                             kProtocolMobilityHeader, kBaSpi, kBuSpi);
    ba.selector.local_message = MessageRange::type(kBa);
    ba.selector.remote_message = MessageRange::type(kBu);
    EXPECT_TRUE(ha.spd().add(ba));
    PolicyEntry pm = protect("mps-mpa", AddressRange::single(kHa), AddressRange::single(kHoa),
                             kProtocolIcmpv6, kMpaSpi, kMpsSpi);
    pm.selector.local_message = MessageRange::type(147);
    pm.selector.remote_message = MessageRange::type(146);
    EXPECT_TRUE(ha.spd().add(pm));
    // BUs not covered above (another home address) are never accepted in the clear.
    PolicyEntry other_bu = simple("other-bu", PolicyAction::Discard);
    other_bu.selector.protocol = kProtocolMobilityHeader;
    other_bu.selector.remote_message = MessageRange::type(kBu);
    other_bu.outbound = false;
    EXPECT_TRUE(ha.spd().add(other_bu));
    EXPECT_TRUE(ha.spd().add(protect("payload6", AddressRange::any(), AddressRange::single(kHoa),
                                     std::nullopt, kDownSpi, kUpSpi)));
    EXPECT_TRUE(ha.spd().add(protect("payload4", AddressRange::any(), AddressRange::single(kHoa4),
                                     std::nullopt, kDownSpi, kUpSpi)));
    EXPECT_TRUE(ha.spd().add(simple("rest", PolicyAction::Bypass)));
  }

  SeededRandom mn_random{100};
  SeededRandom ha_random{200};
  Ipsec mn;
  Ipsec ha;
};

std::uint16_t u16At(ByteView v, std::size_t at) {
  return static_cast<std::uint16_t>((v[at] << 8) | v[at + 1]);
}

class IpsecSuiteTest : public ::testing::TestWithParam<Suite> {};

TEST_P(IpsecSuiteTest, BindingUpdateKeepsTheHomeAddressOptionBeforeEsp) {
  Peers peers{GetParam()};
  const Bytes bu = buPacketWithHao(7, kCoa, kHoa, kHa);
  PacketBuffer p = buffer(bu);
  const OutboundResult out = peers.mn.outbound(p, TimePoint{});
  ASSERT_EQ(out.verdict, OutboundVerdict::Protected) << dropReasonName(out.reason);
  EXPECT_EQ(out.spi, kBuSpi);
  EXPECT_EQ(out.mode, Mode::Transport);
  EXPECT_EQ(out.sequence, 1u);
  EXPECT_EQ(out.esp_offset, 64u);  // IPv6 (40) + Destination Options with the HAO (24)

  // RFC 3776 §3.1: IPv6 / Dest Opts [HAO] / ESP / MH.
  const ByteView w = p.data();
  EXPECT_EQ(w[6], kProtocolDestinationOptions);
  EXPECT_EQ(w[40], kProtocolEsp);  // the Destination Options header now announces ESP
  EXPECT_EQ(toHex(w.subspan(41, 23)), toHex(ByteView(bu).subspan(41, 23)));  // HAO unchanged
  EXPECT_EQ(u16At(w, 4), w.size() - 40);
  EXPECT_EQ(readSpi(w.subspan(64)), kBuSpi);
  EXPECT_EQ(toHex(w.subspan(8, 32)), toHex(ByteView(bu).subspan(8, 32)));  // addresses untouched
  EXPECT_EQ(peekEspSpi(w), kBuSpi);

  const InboundResult in = peers.ha.inbound(p, TimePoint{});
  ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
  EXPECT_EQ(in.spi, kBuSpi);
  EXPECT_EQ(in.sequence, 1u);
  EXPECT_EQ(in.mode, Mode::Transport);
  EXPECT_EQ(toBytes(p.data()), bu);  // byte for byte the packet the MN's protocol module made
  EXPECT_EQ(peers.mn.stats().outbound_protected, 1u);
  EXPECT_EQ(peers.ha.stats().inbound_accepted, 1u);
}

TEST_P(IpsecSuiteTest, BindingAckKeepsTheType2RoutingHeaderBeforeEsp) {
  Peers peers{GetParam()};
  const Bytes ba = baPacketWithRh2(7, kHa, kCoa, kHoa);
  PacketBuffer p = buffer(ba);
  const OutboundResult out = peers.ha.outbound(p, TimePoint{});
  ASSERT_EQ(out.verdict, OutboundVerdict::Protected) << dropReasonName(out.reason);
  EXPECT_EQ(out.spi, kBaSpi);
  EXPECT_EQ(out.esp_offset, 64u);
  EXPECT_EQ(p.data()[6], kProtocolRouting);
  EXPECT_EQ(p.data()[40], kProtocolEsp);
  const InboundResult in = peers.mn.inbound(p, TimePoint{});
  ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
  EXPECT_EQ(in.spi, kBaSpi);
  EXPECT_EQ(toBytes(p.data()), ba);
}

TEST_P(IpsecSuiteTest, MobilePrefixSolicitationAndAdvertisementInTransportMode) {
  Peers peers{GetParam()};
  // MPS: IPv6(CoA → HA) / Dest Opts [HAO] / ESP / ICMPv6 146 (RFC 3776 §3.3).
  Bytes dest{kProtocolIcmpv6, 2, 1, 2, 0, 0, 201, 16};
  append(dest, kHoa.bytes);
  Bytes mps = ipv6Header(kCoa, kHa, kProtocolDestinationOptions, dest.size() + 8);
  append(mps, dest);
  append(mps, icmpv6(146, 0));
  PacketBuffer p = buffer(mps);
  auto out = peers.mn.outbound(p, TimePoint{});
  ASSERT_EQ(out.verdict, OutboundVerdict::Protected);
  EXPECT_EQ(out.spi, kMpsSpi);
  auto in = peers.ha.inbound(p, TimePoint{});
  ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
  EXPECT_EQ(toBytes(p.data()), mps);
  // MPA: IPv6(HA → CoA) / Routing type 2 [HoA] / ESP / ICMPv6 147.
  Bytes rh{kProtocolIcmpv6, 2, 2, 1, 0, 0, 0, 0};
  append(rh, kHoa.bytes);
  Bytes mpa = ipv6Header(kHa, kCoa, kProtocolRouting, rh.size() + 8);
  append(mpa, rh);
  append(mpa, icmpv6(147, 0));
  PacketBuffer q = buffer(mpa);
  auto out2 = peers.ha.outbound(q, TimePoint{});
  ASSERT_EQ(out2.verdict, OutboundVerdict::Protected);
  EXPECT_EQ(out2.spi, kMpaSpi);
  auto in2 = peers.mn.inbound(q, TimePoint{});
  ASSERT_EQ(in2.verdict, InboundVerdict::Accepted) << dropReasonName(in2.reason);
  EXPECT_EQ(toBytes(q.data()), mpa);
}

TEST_P(IpsecSuiteTest, PayloadTunnelModeIpv6InIpv6BothWays) {
  Peers peers{GetParam()};
  const Bytes up = ipv6Packet(kHoa, kCn, kProtocolUdp, udpDatagram(5000, 53, 30), 0xB8);
  PacketBuffer p = buffer(up);
  auto out = peers.mn.outbound(p, TimePoint{});
  ASSERT_EQ(out.verdict, OutboundVerdict::Protected);
  EXPECT_EQ(out.spi, kUpSpi);
  EXPECT_EQ(out.mode, Mode::Tunnel);
  EXPECT_EQ(out.esp_offset, 40u);
  // Outer header: CoA → HA, next header ESP, hop limit 64, traffic class copied (EF + ECN 0).
  const ByteView w = p.data();
  EXPECT_EQ(w[0], 0x6B);
  EXPECT_EQ(w[1] & 0xF0, 0x80);
  EXPECT_EQ(w[6], kProtocolEsp);
  EXPECT_EQ(w[7], 64);
  EXPECT_EQ(Ipv6Address::fromBytes(w.subspan(8, 16)), kCoa);
  EXPECT_EQ(Ipv6Address::fromBytes(w.subspan(24, 16)), kHa);
  EXPECT_EQ(u16At(w, 4), w.size() - 40);
  auto in = peers.ha.inbound(p, TimePoint{});
  ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
  EXPECT_EQ(in.mode, Mode::Tunnel);
  EXPECT_EQ(in.spi, kUpSpi);
  EXPECT_EQ(toBytes(p.data()), up);

  const Bytes down = ipv6Packet(kCn, kHoa, kProtocolUdp, udpDatagram(53, 5000, 200));
  PacketBuffer q = buffer(down);
  auto out2 = peers.ha.outbound(q, TimePoint{});
  ASSERT_EQ(out2.verdict, OutboundVerdict::Protected);
  EXPECT_EQ(out2.spi, kDownSpi);
  auto in2 = peers.mn.inbound(q, TimePoint{});
  ASSERT_EQ(in2.verdict, InboundVerdict::Accepted) << dropReasonName(in2.reason);
  EXPECT_EQ(toBytes(q.data()), down);
}

TEST_P(IpsecSuiteTest, PayloadTunnelModeIpv4InIpv6) {
  Peers peers{GetParam()};
  const Bytes up = ipv4Packet(kHoa4, v4("198.51.100.7"), kProtocolUdp, udpDatagram(1, 2, 17));
  PacketBuffer p = buffer(up);
  auto out = peers.mn.outbound(p, TimePoint{});
  ASSERT_EQ(out.verdict, OutboundVerdict::Protected);
  EXPECT_EQ(out.spi, kUpSpi);
  auto in = peers.ha.inbound(p, TimePoint{});
  ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
  EXPECT_EQ(toBytes(p.data()), up);
}

INSTANTIATE_TEST_SUITE_P(Suites, IpsecSuiteTest, ::testing::ValuesIn(kAllSuites), suiteTestName);

TEST(IpsecTest, TunnelModeOverIpv4Outer) {
  // DSMIPv6 payload from an IPv4-only network (RFC 5555 §5.2.2): IPv4 outer header.
  SeededRandom ra{1};
  SeededRandom rb{2};
  Ipsec mn{ra};
  Ipsec ha{rb};
  const Ipv4Address coa4 = v4("192.0.2.10");
  const Ipv4Address ha4 = v4("198.51.100.1");
  ASSERT_TRUE(mn.sad().add(tunnel(Suite::AesCbcHmacSha256, kUpSpi, Direction::Outbound, coa4, ha4),
                           TimePoint{}));
  ASSERT_TRUE(ha.sad().add(tunnel(Suite::AesCbcHmacSha256, kUpSpi, Direction::Inbound, ha4, coa4),
                           TimePoint{}));
  ASSERT_TRUE(mn.spd().add(protect("payload", AddressRange::any(), AddressRange::any(),
                                   std::nullopt, kUpSpi, kDownSpi)));
  PolicyEntry in_only =
      protect("payload", AddressRange::any(), AddressRange::any(), std::nullopt, 0, kUpSpi);
  in_only.outbound = false;
  ASSERT_TRUE(ha.spd().add(in_only));
  for (const Bytes& inner :
       {ipv6Packet(kHoa, kCn, kProtocolUdp, udpDatagram(1, 2, 40)),
        ipv4Packet(kHoa4, v4("203.0.113.9"), kProtocolUdp, udpDatagram(3, 4, 33), 0x4000)}) {
    PacketBuffer p = buffer(inner);
    auto out = mn.outbound(p, TimePoint{});
    ASSERT_EQ(out.verdict, OutboundVerdict::Protected) << dropReasonName(out.reason);
    EXPECT_EQ(out.esp_offset, 20u);
    const ByteView w = p.data();
    EXPECT_EQ(w[0], 0x45);
    EXPECT_EQ(w[9], kProtocolEsp);
    EXPECT_EQ(u16At(w, 2), w.size());
    EXPECT_EQ(wire::internetChecksum(w.first(20)), 0);          // valid header checksum
    EXPECT_EQ(u16At(w, 6), (inner[0] >> 4) == 4 ? 0x4000 : 0);  // DF copied from inner IPv4
    auto in = ha.inbound(p, TimePoint{});
    ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
    EXPECT_EQ(toBytes(p.data()), inner);
  }
}

TEST(IpsecTest, Ipv4TransportMode) {
  SeededRandom ra{3};
  SeededRandom rb{4};
  Ipsec a{ra};
  Ipsec b{rb};
  const Ipv4Address x = v4("192.0.2.1");
  const Ipv4Address y = v4("192.0.2.2");
  ASSERT_TRUE(a.sad().add(transport(Suite::AesGcm16, 0x5000, Direction::Outbound), TimePoint{}));
  ASSERT_TRUE(b.sad().add(transport(Suite::AesGcm16, 0x5000, Direction::Inbound), TimePoint{}));
  PolicyEntry e =
      protect("udp", AddressRange::single(x), AddressRange::single(y), kProtocolUdp, 0x5000, 0);
  e.inbound = false;
  ASSERT_TRUE(a.spd().add(e));
  PolicyEntry f =
      protect("udp", AddressRange::single(y), AddressRange::single(x), kProtocolUdp, 0, 0x5000);
  f.outbound = false;
  ASSERT_TRUE(b.spd().add(f));
  const Bytes packet = ipv4Packet(x, y, kProtocolUdp, udpDatagram(1000, 2000, 21));
  PacketBuffer p = buffer(packet);
  auto out = a.outbound(p, TimePoint{});
  ASSERT_EQ(out.verdict, OutboundVerdict::Protected);
  EXPECT_EQ(out.esp_offset, 20u);
  EXPECT_EQ(p.data()[9], kProtocolEsp);
  EXPECT_EQ(u16At(p.data(), 2), p.size());
  EXPECT_EQ(wire::internetChecksum(p.data().first(20)), 0);
  auto in = b.inbound(p, TimePoint{});
  ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
  EXPECT_EQ(toBytes(p.data()), packet);
}

TEST(IpsecTest, BindingUpdateForAnotherHomeAddressIsASelectorMismatch) {
  // A (misconfigured or malicious) MN that holds the SA for kHoa sends a BU for kOtherHoa
  // through it. RFC 4877 §4.2 / RFC 4301 §5.2 step 4: the HA must refuse it.
  Peers peers;
  SeededRandom random{5};
  Ipsec rogue{random};
  ASSERT_TRUE(rogue.sad().add(transport(Suite::AesCbcHmacSha256, kBuSpi, Direction::Outbound),
                              TimePoint{}));
  PolicyEntry any_mh =
      protect("mh", AddressRange::any(), AddressRange::any(), kProtocolMobilityHeader, kBuSpi, 0);
  any_mh.inbound = false;
  ASSERT_TRUE(rogue.spd().add(any_mh));
  PacketBuffer p = buffer(buPacketWithHao(9, kCoa, kOtherHoa, kHa));
  ASSERT_EQ(rogue.outbound(p, TimePoint{}).verdict, OutboundVerdict::Protected);
  const InboundResult in = peers.ha.inbound(p, TimePoint{});
  EXPECT_EQ(in.verdict, InboundVerdict::Discard);
  EXPECT_EQ(in.reason, DropReason::SelectorMismatch);
  EXPECT_EQ(in.spi, kBuSpi);
  EXPECT_EQ(at(peers.ha.stats().inbound_drops, DropReason::SelectorMismatch), 1u);
  EXPECT_EQ(peers.ha.stats().inbound_accepted, 0u);

  // Through the same SA, a packet of a kind the SA is not for (a BA type) is refused too.
  Bytes wrong_type = buPacketWithHao(9, kCoa, kHoa, kHa);
  wrong_type[64 + 2] = kBa;
  PacketBuffer q = buffer(wrong_type);
  ASSERT_EQ(rogue.outbound(q, TimePoint{}).verdict, OutboundVerdict::Protected);
  EXPECT_EQ(peers.ha.inbound(q, TimePoint{}).reason, DropReason::SelectorMismatch);
}

TEST(IpsecTest, UnprotectedBindingUpdatesAreDiscarded) {
  Peers peers;
  PacketBuffer p = buffer(buPacketWithHao(7, kCoa, kHoa, kHa));
  const InboundResult in = peers.ha.inbound(p, TimePoint{});
  EXPECT_EQ(in.verdict, InboundVerdict::Discard);
  EXPECT_EQ(in.reason, DropReason::Unprotected);
  EXPECT_EQ(at(peers.ha.stats().inbound_drops, DropReason::Unprotected), 1u);
  // A cleartext BU for a home address with no SA falls to the discard entry.
  PacketBuffer q = buffer(buPacketWithHao(7, kCoa, kOtherHoa, kHa));
  EXPECT_EQ(peers.ha.inbound(q, TimePoint{}).reason, DropReason::PolicyDiscard);
  // A cleartext BA to the MN is refused as well.
  PacketBuffer r = buffer(baPacketWithRh2(7, kHa, kCoa, kHoa));
  EXPECT_EQ(peers.mn.inbound(r, TimePoint{}).reason, DropReason::Unprotected);
}

TEST(IpsecTest, BypassNoPolicyAndDiscard) {
  Peers peers;
  const Bytes ping = ipv6Packet(kCoa, kHa, kProtocolIcmpv6, icmpv6(128, 0));
  PacketBuffer p = buffer(ping);
  EXPECT_EQ(peers.mn.outbound(p, TimePoint{}).verdict, OutboundVerdict::Bypass);
  EXPECT_EQ(toBytes(p.data()), ping);
  EXPECT_EQ(peers.ha.inbound(p, TimePoint{}).verdict, InboundVerdict::Bypass);
  EXPECT_EQ(peers.mn.stats().outbound_bypassed, 1u);
  EXPECT_EQ(peers.ha.stats().inbound_bypassed, 1u);

  ASSERT_TRUE(peers.mn.spd().remove("rest"));
  EXPECT_EQ(peers.mn.outbound(p, TimePoint{}).reason, DropReason::NoPolicy);
  EXPECT_EQ(peers.mn.inbound(p, TimePoint{}).reason, DropReason::NoPolicy);
  PolicyEntry drop = simple("drop", PolicyAction::Discard);
  ASSERT_TRUE(peers.mn.spd().add(drop));
  EXPECT_EQ(peers.mn.outbound(p, TimePoint{}).reason, DropReason::PolicyDiscard);
  EXPECT_EQ(at(peers.mn.stats().outbound_drops, DropReason::NoPolicy), 1u);
  EXPECT_EQ(at(peers.mn.stats().outbound_drops, DropReason::PolicyDiscard), 1u);
}

TEST(IpsecTest, MissingSaUnknownSpiAndDummy) {
  Peers peers;
  ASSERT_TRUE(peers.mn.sad().remove(kBuSpi, Direction::Outbound));
  PacketBuffer p = buffer(buPacketWithHao(7, kCoa, kHoa, kHa));
  EXPECT_EQ(peers.mn.outbound(p, TimePoint{}).reason, DropReason::NoSa);

  // ESP with an SPI the HA does not know.
  Bytes esp = ipv6Header(kCoa, kHa, kProtocolEsp, 48);
  Bytes body = hex("0000beef 00000001");
  body.resize(48, 0);
  append(esp, body);
  PacketBuffer q = buffer(esp);
  const InboundResult in = peers.ha.inbound(q, TimePoint{});
  EXPECT_EQ(in.reason, DropReason::UnknownSpi);
  EXPECT_EQ(in.spi, 0xbeefu);

  // A dummy packet (Next Header 59) on the BU SA, made by an independent crafter.
  const Bytes dummy_esp = craftEsp(Suite::AesCbcHmacSha256, kAes128Key, kBuSpi, 1, false,
                                   ivFor(Suite::AesCbcHmacSha256, 1),
                                   espPlaintext(defaultPadding(0), defaultPadding(14), 14, 59));
  Bytes dummy = ipv6Header(kCoa, kHa, kProtocolEsp, dummy_esp.size());
  append(dummy, dummy_esp);
  PacketBuffer r = buffer(dummy);
  EXPECT_EQ(peers.ha.inbound(r, TimePoint{}).reason, DropReason::DummyPacket);
  EXPECT_EQ(peers.ha.sad().find(kBuSpi, Direction::Inbound)->counters().dummy_packets, 1u);
}

TEST(IpsecTest, FragmentsAndMalformedHeaders) {
  Peers peers;
  // Outbound transport mode refuses a fragment (ESP before fragmentation, RFC 4303 §3.3.4).
  Bytes frag_bu = ipv6Header(kHoa, kHa, kProtocolFragment, 8 + 32);
  append(frag_bu, Bytes{kProtocolMobilityHeader, 0, 0, 1, 0, 0, 0, 1});  // offset 0, M = 1
  append(frag_bu, bindingUpdate(1, kHoa, kHa, kCoa));
  PacketBuffer p = buffer(frag_bu);
  EXPECT_EQ(peers.mn.outbound(p, TimePoint{}).reason, DropReason::Fragment);
  // Inbound ESP in a fragment must be reassembled first (RFC 4303 §3.4.1).
  Bytes frag_esp = ipv6Header(kCoa, kHa, kProtocolFragment, 8 + 48);
  append(frag_esp, Bytes{kProtocolEsp, 0, 0, 1, 0, 0, 0, 2});
  Bytes body = hex("00001001 00000001");
  body.resize(48, 0);
  append(frag_esp, body);
  PacketBuffer q = buffer(frag_esp);
  EXPECT_EQ(peers.ha.inbound(q, TimePoint{}).reason, DropReason::Fragment);

  // Malformed headers never crash and are counted.
  const std::vector<Bytes> bad = {
      {},
      hex("60"),
      hex("45000014"),
      [] {  // payload length disagrees with the buffer
        Bytes b = ipv6Packet(kCoa, kHa, kProtocolUdp, udpDatagram(1, 2, 4));
        b[5] = static_cast<std::uint8_t>(b[5] + 1);
        return b;
      }(),
      [] {  // two Home Address options
        Bytes dest{kProtocolMobilityHeader, 5, 1, 2, 0, 0, 201, 16};
        append(dest, kHoa.bytes);
        dest.insert(dest.end(), {1, 4, 0, 0, 0, 0, 201, 16});
        append(dest, kHoa.bytes);
        Bytes b = ipv6Header(kCoa, kHa, kProtocolDestinationOptions, dest.size());
        append(b, dest);
        return b;
      }(),
      [] {  // IPv4 header checksum wrong
        Bytes b = ipv4Packet(v4("192.0.2.1"), v4("192.0.2.2"), kProtocolUdp, udpDatagram(1, 2, 0));
        b[10] ^= 0xFF;
        return b;
      }(),
      [] {  // extension header runs past the end
        Bytes b = ipv6Header(kCoa, kHa, kProtocolDestinationOptions, 8);
        append(b, Bytes{kProtocolUdp, 4, 1, 4, 0, 0, 0, 0});
        return b;
      }(),
      [] {  // Hop-by-Hop not first
        Bytes b = ipv6Header(kCoa, kHa, kProtocolDestinationOptions, 16);
        append(b, Bytes{kProtocolHopByHop, 0, 1, 4, 0, 0, 0, 0});
        append(b, Bytes{kProtocolUdp, 0, 1, 4, 0, 0, 0, 0});
        return b;
      }(),
  };
  for (const auto& b : bad) {
    PacketBuffer x = buffer(b);
    EXPECT_EQ(peers.ha.inbound(x, TimePoint{}).reason, DropReason::BadIpHeader) << toHex(b);
    PacketBuffer y = buffer(b);
    EXPECT_EQ(peers.mn.outbound(y, TimePoint{}).reason, DropReason::BadIpHeader) << toHex(b);
  }
  EXPECT_EQ(at(peers.ha.stats().inbound_drops, DropReason::BadIpHeader), bad.size());
}

TEST(IpsecTest, TruncatedEspAfterTheIpHeader) {
  Peers peers;
  Bytes b = ipv6Header(kCoa, kHa, kProtocolEsp, 3);
  b.insert(b.end(), {0, 0, 0x10});
  PacketBuffer p = buffer(b);
  EXPECT_EQ(peers.ha.inbound(p, TimePoint{}).reason, DropReason::Truncated);
  Bytes c = ipv6Header(kCoa, kHa, kProtocolEsp, 20);
  append(c, hex("00001001 00000001 0000000000000000 00000000"));
  PacketBuffer q = buffer(c);
  const InboundResult r = peers.ha.inbound(q, TimePoint{});
  EXPECT_EQ(r.reason, DropReason::Truncated);
  EXPECT_EQ(r.spi, kBuSpi);
}

TEST(IpsecTest, Req1OuterAddressesCanChangeAfterEspProcessing) {
  // Draft Req. #1: after a handover the SAs keep working with the new CoA without rekeying.
  // The HA's tunnel code rewrites the outer destination after ESP processing; the MN sends from
  // its new CoA. Neither end's ESP processing looks at the outer addresses.
  Peers peers;
  const Ipv6Address new_coa = v6("2001:db8:88::7");
  const Bytes down = ipv6Packet(kCn, kHoa, kProtocolUdp, udpDatagram(53, 5000, 20));
  PacketBuffer p = buffer(down);
  auto out = peers.ha.outbound(p, TimePoint{});
  ASSERT_EQ(out.verdict, OutboundVerdict::Protected);
  ASSERT_EQ(out.mode, Mode::Tunnel);
  // What the tunnel code does: the outer header is [0, esp_offset); its destination at 24.
  std::copy(new_coa.bytes.begin(), new_coa.bytes.end(), p.mutableData().begin() + 24);
  auto in = peers.mn.inbound(p, TimePoint{});
  ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
  EXPECT_EQ(toBytes(p.data()), down);

  const Bytes up = ipv6Packet(kHoa, kCn, kProtocolUdp, udpDatagram(5000, 53, 20));
  PacketBuffer q = buffer(up);
  ASSERT_EQ(peers.mn.outbound(q, TimePoint{}).verdict, OutboundVerdict::Protected);
  std::copy(new_coa.bytes.begin(), new_coa.bytes.end(), q.mutableData().begin() + 8);
  auto in2 = peers.ha.inbound(q, TimePoint{});
  ASSERT_EQ(in2.verdict, InboundVerdict::Accepted) << dropReasonName(in2.reason);
  EXPECT_EQ(toBytes(q.data()), up);
}

TEST(IpsecTest, Req3TunnelCodeTellsBindingUpdatesBySpi) {
  // Draft Req. #3: the MN's tunnel code asks the SPD which SPI protects BUs, then classifies
  // ESP packets by SPI alone (no metadata travels with packets).
  Peers peers;
  PacketSelectors bu_traffic{kHoa, kHa, kProtocolMobilityHeader, {}, {}, kBu, {}};
  const auto bu_spi = peers.mn.spd().findProtectingSpi(bu_traffic, Direction::Outbound);
  ASSERT_TRUE(bu_spi);
  PacketBuffer bu = buffer(buPacketWithHao(7, kCoa, kHoa, kHa));
  PacketBuffer data = buffer(ipv6Packet(kHoa, kCn, kProtocolUdp, udpDatagram(1, 2, 3)));
  ASSERT_EQ(peers.mn.outbound(bu, TimePoint{}).verdict, OutboundVerdict::Protected);
  ASSERT_EQ(peers.mn.outbound(data, TimePoint{}).verdict, OutboundVerdict::Protected);
  EXPECT_EQ(peekEspSpi(bu.data()), bu_spi);
  EXPECT_NE(peekEspSpi(data.data()), bu_spi);
  EXPECT_EQ(peekEspSpi(data.data()), kUpSpi);
  EXPECT_FALSE(peekEspSpi(buPacketWithHao(7, kCoa, kHoa, kHa)));  // not ESP
}

TEST(IpsecTest, Req4HomeAgentLearnsWhatAnSpiCarriesBeforeEspProcessing) {
  // Draft Req. #4: the HA's tunnel code, holding the outer IPv4 address and port of a
  // UDP-encapsulated packet, asks which traffic the SPI carries; if BUs, it records the outer
  // address with the home address, then hands the inner IPv6 packet to ESP processing.
  Peers peers;
  PacketBuffer p = buffer(buPacketWithHao(7, kCoa, kHoa, kHa));
  ASSERT_EQ(peers.mn.outbound(p, TimePoint{}).verdict, OutboundVerdict::Protected);
  const auto spi = peekEspSpi(p.data());
  ASSERT_TRUE(spi);
  const PolicyEntry* entry = peers.ha.spd().findBySpi(*spi, Direction::Inbound);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->selector.protocol, kProtocolMobilityHeader);
  EXPECT_TRUE(entry->selector.remote_message.type_first <= kBu &&
              kBu <= entry->selector.remote_message.type_last);
  EXPECT_TRUE(entry->selector.remote.contains(kHoa));
  EXPECT_EQ(peers.ha.inbound(p, TimePoint{}).verdict, InboundVerdict::Accepted);
}

TEST(IpsecTest, EspInUdpTunnelModeThroughInboundEsp) {
  Peers peers;
  const Bytes up = ipv6Packet(kHoa, kCn, kProtocolUdp, udpDatagram(5000, 53, 50));
  PacketBuffer p = buffer(up);
  auto out = peers.mn.outbound(p, TimePoint{});
  ASSERT_EQ(out.verdict, OutboundVerdict::Protected);
  // RFC 3948: the tunnel code drops the outer IP header and sends the ESP in UDP/4500; the
  // receiving socket delivers the UDP payload, i.e. the ESP packet.
  ASSERT_TRUE(p.trimFront(out.esp_offset));
  auto in = peers.ha.inboundEsp(p, TimePoint{});
  ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
  EXPECT_EQ(toBytes(p.data()), up);

  PacketBuffer bu = buffer(buPacketWithHao(7, kCoa, kHoa, kHa));
  auto out2 = peers.mn.outbound(bu, TimePoint{});
  ASSERT_TRUE(bu.trimFront(out2.esp_offset));
  EXPECT_EQ(peers.ha.inboundEsp(bu, TimePoint{}).reason, DropReason::ModeMismatch);
  PacketBuffer tiny = buffer(hex("00"));
  EXPECT_EQ(peers.ha.inboundEsp(tiny, TimePoint{}).reason, DropReason::Truncated);
}

TEST(IpsecTest, TunnelInnerMustBeAnIpPacket) {
  // A tunnel SA whose decrypted next header is not 4 or 41 (crafted with valid ICV).
  Peers peers;
  const Bytes esp = craftEsp(Suite::AesCbcHmacSha256, kAes128Key, kUpSpi, 1, false,
                             ivFor(Suite::AesCbcHmacSha256, 1),
                             espPlaintext(udpDatagram(1, 2, 4), defaultPadding(2), 2, 17));
  Bytes packet = ipv6Header(kCoa, kHa, kProtocolEsp, esp.size());
  append(packet, esp);
  PacketBuffer p = buffer(packet);
  const InboundResult r = peers.ha.inbound(p, TimePoint{});
  EXPECT_EQ(r.reason, DropReason::BadInnerPacket);
  EXPECT_EQ(r.spi, kUpSpi);
}

TEST(IpsecTest, TooBigAndNoSpace) {
  Peers peers;
  const Bytes huge = ipv6Packet(kHoa, kCn, kProtocolUdp, udpDatagram(1, 2, 65500 - 8));
  PacketBuffer p = buffer(huge);
  EXPECT_EQ(peers.mn.outbound(p, TimePoint{}).reason, DropReason::TooBig);
  EXPECT_EQ(toBytes(p.data()), huge);
  PacketBuffer small(256, 16);  // headroom 16: no room for outer IPv6 + ESP header + IV
  ASSERT_TRUE(small.assign(ipv6Packet(kHoa, kCn, kProtocolUdp, udpDatagram(1, 2, 8)), 16));
  EXPECT_EQ(peers.mn.outbound(small, TimePoint{}).reason, DropReason::NoSpace);
}

TEST(IpsecTest, LifetimeEventsReachTheDaemon) {
  dsmip::test::FakeClock clock;
  SeededRandom random{7};
  Ipsec mn{random};
  auto p = transport(Suite::AesCbcHmacSha256, kBuSpi, Direction::Outbound);
  p.lifetime.soft.packets = 1;
  p.lifetime.hard.time = std::chrono::seconds(100);
  ASSERT_TRUE(mn.sad().add(p, clock.now()));
  PolicyEntry e = protect("all", AddressRange::any(), AddressRange::any(), std::nullopt, kBuSpi, 0);
  e.inbound = false;
  ASSERT_TRUE(mn.spd().add(e));
  EXPECT_EQ(mn.nextDeadline(), clock.now() + std::chrono::seconds(100));
  PacketBuffer b = buffer(buPacketWithHao(1, kCoa, kHoa, kHa));
  ASSERT_EQ(mn.outbound(b, clock.now()).verdict, OutboundVerdict::Protected);
  auto events = mn.takeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, LifetimeState::SoftExpired);
  EXPECT_EQ(events[0].cause, ExpiryCause::Packets);
  EXPECT_TRUE(mn.takeEvents().empty());
  mn.onTimer(clock.advance(std::chrono::seconds(100)));
  events = mn.takeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, LifetimeState::HardExpired);
  PacketBuffer c = buffer(buPacketWithHao(2, kCoa, kHoa, kHa));
  EXPECT_EQ(mn.outbound(c, clock.now()).reason, DropReason::LifetimeExpired);
  EXPECT_EQ(at(mn.stats().outbound_drops, DropReason::LifetimeExpired), 1u);
}

TEST(PacketViewTest, SelectorsUseTheHomeAddressOptionAndType2RoutingHeader) {
  const Bytes bu = buPacketWithHao(7, kCoa, kHoa, kHa);
  auto info = detail::parseIpHeader(bu);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->payload_offset, 64u);
  EXPECT_EQ(info->next_header_offset, 40u);
  EXPECT_EQ(info->protocol, kProtocolMobilityHeader);
  const PacketSelectors s = detail::packetSelectors(*info, bu);
  EXPECT_EQ(s.source, IpAddress{kHoa});  // not the CoA in the IPv6 header
  EXPECT_EQ(s.destination, IpAddress{kHa});
  EXPECT_EQ(s.message_type, kBu);

  const Bytes ba = baPacketWithRh2(7, kHa, kCoa, kHoa);
  auto info2 = detail::parseIpHeader(ba);
  ASSERT_TRUE(info2);
  const PacketSelectors s2 = detail::packetSelectors(*info2, ba);
  EXPECT_EQ(s2.source, IpAddress{kHa});
  EXPECT_EQ(s2.destination, IpAddress{kHoa});  // not the CoA
  EXPECT_EQ(s2.message_type, kBa);
}

TEST(PacketViewTest, WorkedExampleChecksum) {
  // The reference's worked example (2.6): the BU from an IPv4-only network has checksum 0xbf9c
  // over HoA 2001:db8:1::100 → HA 2001:db8:1::1; our pseudo-header helper agrees.
  const Bytes mh = hex("3b020500 00000007 c0000032 20060000 c000020a 01020000");
  EXPECT_EQ(wire::ipv6PseudoChecksum(kHoa, kHa, 135, mh), 0xbf9c);
}

TEST(PacketViewTest, NonFirstFragmentsHaveOpaquePorts) {
  Bytes b = ipv6Header(kCoa, kHa, kProtocolFragment, 8 + 8);
  append(b, Bytes{kProtocolUdp, 0, 0, 0x10, 0, 0, 0, 1});  // offset 2 (×8)
  append(b, udpDatagram(1, 2, 0));
  auto info = detail::parseIpHeader(b);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->fragment);
  EXPECT_FALSE(info->first_fragment);
  const PacketSelectors s = detail::packetSelectors(*info, b);
  EXPECT_EQ(s.protocol, kProtocolUdp);
  EXPECT_FALSE(s.source_port);
  EXPECT_FALSE(s.destination_port);
}

}  // namespace
}  // namespace dsmip::esp
