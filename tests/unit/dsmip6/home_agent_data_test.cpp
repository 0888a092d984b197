// Home agent data plane: encapsulation selection and outer header fields for every binding
// kind, the ingress checks on reverse-tunnelled traffic (outer source, port, inner source,
// RFC 4213 §3.6), the ECN decapsulation table, signalling arriving in tunnels, and Binding
// Refresh Requests for traffic from mobile nodes without a binding.

#include <gtest/gtest.h>

#include "dsmip6/home_agent.hpp"
#include "dsmip6_test_util.hpp"
#include "wire/ipv4.hpp"
#include "wire/tlv.hpp"
#include "wire/udp.hpp"

namespace dsmip::dsmip6::test {
namespace {

using wire::Ecn;

const Ipv4Endpoint kNatEndpoint{kNat4, 40001};

// An IPv6 packet src → dst with `tc` and an 8-octet UDP-ish payload.
Bytes ipv6Packet(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t tc = 0,
                 std::size_t payload = 8) {
  PacketBuffer b(512);
  EXPECT_TRUE(b.assign(Bytes(payload, 0xAB)));
  wire::Ipv6Header h;
  h.traffic_class = tc;
  h.next_header = 17;
  h.hop_limit = 63;
  h.source = src;
  h.destination = dst;
  EXPECT_TRUE(wire::prependIpv6(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

Bytes ipv4Packet(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t tos = 0,
                 bool df = false) {
  PacketBuffer b(512);
  EXPECT_TRUE(b.assign(Bytes(8, 0xCD)));
  wire::Ipv4Header h;
  h.tos = tos;
  h.dont_fragment = df;
  h.ttl = 63;
  h.protocol = 17;
  h.source = src;
  h.destination = dst;
  EXPECT_TRUE(wire::prependIpv4(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

class HomeAgentDataTest : public ::testing::Test {
 protected:
  HomeAgentDataTest() : ha_(testHomeAgentConfig(), random_) {}

  void registerIpv6(const Ipv6Address& hoa = kHoa, wire::BindingUpdate bu = homeRegistration(1)) {
    ASSERT_TRUE(onlyAck(ha_.onSignalling(buFromIpv6(bu, kCoa, hoa), {}, kT0)));
  }
  void registerUdp(const Ipv4Address& coa4, const Ipv4Endpoint& from,
                   wire::BindingUpdate bu = homeRegistration(1), HomeAgent* ha = nullptr) {
    bu.options.push_back(wire::Ipv4HomeAddressOption{32, false, kStaticHoa4});
    HomeAgent& h = ha ? *ha : ha_;
    ASSERT_TRUE(onlyAck(h.onSignalling(buFromIpv4(bu, coa4), udpInbound(from), kT0)));
  }
  std::uint64_t drops(DropReason r) const {
    return ha_.stats().data_drops[static_cast<std::size_t>(r)];
  }
  TunnelledPacket fromUdp(const Ipv4Endpoint& from, ByteView payload, std::uint8_t tos = 0) {
    TunnelledPacket t;
    t.outer = Encapsulation::Udp;
    t.ipv4_source = from;
    t.ipv4_destination = Ipv4Endpoint{kHa4, 4191};
    t.traffic_class = tos;
    t.payload = payload;
    return t;
  }

  SeededRandom random_{3};
  HomeAgent ha_;
};

TEST_F(HomeAgentDataTest, NoBindingNoTunnel) {
  const Bytes packet = ipv6Packet(kCn, kHoa);
  PacketDecision d = ha_.onTunPacket(packet);
  EXPECT_EQ(d.verdict, Verdict::Drop);
  EXPECT_EQ(d.drop_reason, DropReason::NoBinding);
  EXPECT_EQ(drops(DropReason::NoBinding), 1u);
}

TEST_F(HomeAgentDataTest, Ipv6InIpv6ToIpv6CareOf) {
  registerIpv6();
  // DSCP 10, ECT(0): DSCP copied, ECN copied (RFC 6040 normal mode).
  const std::uint8_t tc = wire::makeTrafficClass(10, Ecn::Ect0);
  const Bytes packet = ipv6Packet(kCn, kHoa, tc);
  PacketDecision d = ha_.onTunPacket(packet);
  ASSERT_EQ(d.verdict, Verdict::Encapsulate);
  EXPECT_EQ(d.tunnel.encapsulation, Encapsulation::Ipv6);
  EXPECT_EQ(d.tunnel.inner_protocol, 41);
  EXPECT_EQ(d.tunnel.ipv6_source, kHa);
  EXPECT_EQ(d.tunnel.ipv6_destination, kCoa);
  EXPECT_EQ(d.tunnel.traffic_class, tc);
  EXPECT_EQ(d.tunnel.hop_limit, 64);  // RFC 2473 §6.3 router default
  EXPECT_EQ(d.inner_length, packet.size());
  // The headers build a packet the IPv6 codec reads back.
  PacketBuffer b(2048);
  ASSERT_TRUE(b.assign(packet));
  ASSERT_TRUE(prependTunnelHeaders(b, d.tunnel));
  auto outer = wire::decodeIpv6(b.data()).value();
  EXPECT_EQ(outer.header.next_header, 41);
  EXPECT_EQ(outer.header.source, kHa);
  EXPECT_EQ(outer.header.destination, kCoa);
  EXPECT_EQ(outer.header.traffic_class, tc);
  EXPECT_TRUE(std::equal(packet.begin(), packet.end(), outer.upper_layer.begin()));
  EXPECT_EQ(ha_.binding(kHoa)->packets_to_mobile_node, 1u);
  EXPECT_EQ(ha_.binding(kHoa)->bytes_to_mobile_node, packet.size());
}

TEST_F(HomeAgentDataTest, Ipv4InIpv6ForIpv4HomeAddressOverIpv6CareOf) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.options.push_back(wire::Ipv4HomeAddressOption{32, false, kStaticHoa4});
  registerIpv6(kHoa, bu);
  const Bytes packet = ipv4Packet(kCn4, kStaticHoa4);
  PacketDecision d = ha_.onTunPacket(packet);
  ASSERT_EQ(d.verdict, Verdict::Encapsulate);
  EXPECT_EQ(d.tunnel.encapsulation, Encapsulation::Ipv6);
  EXPECT_EQ(d.tunnel.inner_protocol, 4);
  EXPECT_EQ(d.tunnel.ipv6_destination, kCoa);
}

TEST_F(HomeAgentDataTest, EcnCompatibilityModeSendsNotEct) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.tunnel.ecn = wire::EcnEncapsulationMode::Compatibility;
  HomeAgent ha(c, random_);
  ASSERT_TRUE(onlyAck(ha.onSignalling(buFromIpv6(homeRegistration(1), kCoa), {}, kT0)));
  PacketDecision d = ha.onTunPacket(ipv6Packet(kCn, kHoa, wire::makeTrafficClass(46, Ecn::Ce)));
  EXPECT_EQ(d.tunnel.traffic_class, wire::makeTrafficClass(46, Ecn::NotEct));
}

TEST_F(HomeAgentDataTest, IpInIpv4WithoutNat) {
  registerUdp(kCoa4, Ipv4Endpoint{kCoa4, 5000});
  const Bytes v6packet = ipv6Packet(kCn, kHoa, wire::makeTrafficClass(8, Ecn::Ect1));
  PacketDecision d6 = ha_.onTunPacket(v6packet);
  ASSERT_EQ(d6.verdict, Verdict::Encapsulate);
  EXPECT_EQ(d6.tunnel.encapsulation, Encapsulation::Ipv4);
  EXPECT_EQ(d6.tunnel.inner_protocol, 41);
  EXPECT_EQ(d6.tunnel.ipv4_source, kHa4);
  EXPECT_EQ(d6.tunnel.ipv4_destination, kCoa4);
  EXPECT_FALSE(d6.tunnel.dont_fragment);  // RFC 4213 §3.2.1
  EXPECT_EQ(d6.tunnel.traffic_class, wire::makeTrafficClass(8, Ecn::Ect1));
  // IPv4 in IPv4: DF copied (RFC 2003 §3.1).
  PacketDecision d4 = ha_.onTunPacket(ipv4Packet(kCn4, kStaticHoa4, 0, true));
  ASSERT_EQ(d4.verdict, Verdict::Encapsulate);
  EXPECT_EQ(d4.tunnel.inner_protocol, 4);
  EXPECT_TRUE(d4.tunnel.dont_fragment);
  EXPECT_NE(d4.tunnel.identification, d6.tunnel.identification);  // fresh Identification
  PacketBuffer b(2048);
  ASSERT_TRUE(b.assign(v6packet));
  ASSERT_TRUE(prependTunnelHeaders(b, d6.tunnel));
  auto outer = wire::decodeIpv4(b.data()).value();  // header checksum verified
  EXPECT_EQ(outer.header.protocol, 41);
  EXPECT_EQ(outer.header.ttl, 64);
  EXPECT_EQ(outer.payload.size(), v6packet.size());
}

TEST_F(HomeAgentDataTest, UdpToNatMapping) {
  registerUdp(kPrivateCoa4, kNatEndpoint);
  const Bytes packet = ipv6Packet(kCn, kHoa);
  PacketDecision d = ha_.onTunPacket(packet);
  ASSERT_EQ(d.verdict, Verdict::Encapsulate);
  EXPECT_EQ(d.tunnel.encapsulation, Encapsulation::Udp);
  EXPECT_EQ(d.tunnel.ipv4_destination, kNat4);
  EXPECT_EQ(d.tunnel.udp_source_port, 4191);
  EXPECT_EQ(d.tunnel.udp_destination_port, 40001);
  EXPECT_EQ(d.tunnel.length(), 28u);
  PacketBuffer b(2048);
  ASSERT_TRUE(b.assign(packet));
  ASSERT_TRUE(prependTunnelHeaders(b, d.tunnel));
  auto ip4 = wire::decodeIpv4(b.data()).value();
  EXPECT_EQ(ip4.header.protocol, 17);
  auto udp = wire::decodeUdp(ip4.payload).value();
  EXPECT_TRUE(wire::verifyUdpChecksum(udp, kHa4, kNat4));
  EXPECT_NE(udp.header.checksum, 0);
  EXPECT_EQ(udp.payload[0] >> 4, 6);  // the IPv6 packet right after UDP
  // The IPv4 home address goes the same way.
  PacketDecision d4 = ha_.onTunPacket(ipv4Packet(kCn4, kStaticHoa4));
  EXPECT_EQ(d4.tunnel.encapsulation, Encapsulation::Udp);
  EXPECT_EQ(d4.tunnel.inner_protocol, 4);
}

TEST_F(HomeAgentDataTest, UdpTlvWhenNegotiated) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.tlv_header = true;
  HomeAgent ha(c, random_);
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagTlvHeader);
  registerUdp(kPrivateCoa4, kNatEndpoint, bu, &ha);
  const Bytes packet = ipv4Packet(kCn4, kStaticHoa4);
  PacketDecision d = ha.onTunPacket(packet);
  ASSERT_EQ(d.tunnel.encapsulation, Encapsulation::UdpTlv);
  PacketBuffer b(2048);
  ASSERT_TRUE(b.assign(packet));
  ASSERT_TRUE(prependTunnelHeaders(b, d.tunnel));
  auto ip4 = wire::decodeIpv4(b.data()).value();
  auto udp = wire::decodeUdp(ip4.payload).value();
  auto tlv = wire::decodeTlv(udp.payload).value();
  EXPECT_EQ(tlv.header.next_header, 4);
  EXPECT_EQ(tlv.payload.size(), packet.size());
}

TEST_F(HomeAgentDataTest, UdpChecksumCanBeDisabled) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.tunnel.udp_checksum = false;
  HomeAgent ha(c, random_);
  registerUdp(kPrivateCoa4, kNatEndpoint, homeRegistration(1), &ha);
  const Bytes packet = ipv6Packet(kCn, kHoa);
  PacketDecision d = ha.onTunPacket(packet);
  PacketBuffer b(2048);
  ASSERT_TRUE(b.assign(packet));
  ASSERT_TRUE(prependTunnelHeaders(b, d.tunnel));
  auto udp = wire::decodeUdp(wire::decodeIpv4(b.data()).value().payload).value();
  EXPECT_EQ(udp.header.checksum, 0);
}

TEST_F(HomeAgentDataTest, MobileNetworkPrefixTraffic) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagMobileRouter);
  registerIpv6(kMrHoa, bu);
  PacketDecision d = ha_.onTunPacket(ipv6Packet(kCn, v6("2001:db8:100:7::9")));
  ASSERT_EQ(d.verdict, Verdict::Encapsulate);
  EXPECT_EQ(d.tunnel.ipv6_destination, kCoa);
  EXPECT_EQ(ha_.onTunPacket(ipv6Packet(kCn, v6("2001:db8:101::9"))).drop_reason,
            DropReason::NoBinding);
}

TEST_F(HomeAgentDataTest, MalformedTunPacketDropped) {
  const Bytes junk = {0x60, 0, 0};
  EXPECT_EQ(ha_.onTunPacket(junk).drop_reason, DropReason::Malformed);
}

TEST_F(HomeAgentDataTest, PacketForHomeAgentIsSignalling) {
  const Bytes bu = buFromIpv6(homeRegistration(1), kCoa);
  PacketDecision d = ha_.onTunPacket(bu);
  EXPECT_EQ(d.verdict, Verdict::Signalling);
  EXPECT_EQ(d.inner_offset, 0u);
  EXPECT_EQ(d.inner_length, bu.size());
  EXPECT_EQ(d.transport.kind, TransportKind::Ipv6);
}

// --- Reverse tunnel ---------------------------------------------------------------------------

TEST_F(HomeAgentDataTest, ReverseTunnelOverIpv6Accepted) {
  registerIpv6();
  const Bytes inner = ipv6Packet(kHoa, kCn, wire::makeTrafficClass(10, Ecn::Ect0));
  PacketBuffer b(2048);
  ASSERT_TRUE(b.assign(inner));
  wire::Ipv6Header h;
  h.next_header = 41;
  h.source = kCoa;
  h.destination = kHa;
  h.traffic_class = wire::makeTrafficClass(12, Ecn::Ce);  // congestion experienced on the way
  ASSERT_TRUE(wire::prependIpv6(b, h));
  const Bytes packet(b.data().begin(), b.data().end());
  PacketDecision d = ha_.onTunPacket(packet);
  ASSERT_EQ(d.verdict, Verdict::Deliver);
  EXPECT_EQ(d.inner_offset, 40u);
  EXPECT_EQ(d.inner_length, inner.size());
  // ECN: ECT(0) inner with CE outer → CE; DSCP uniform model → the outer DSCP 12.
  EXPECT_TRUE(d.rewrite_traffic_class);
  EXPECT_EQ(d.traffic_class, wire::makeTrafficClass(12, Ecn::Ce));
  Bytes copy = packet;
  ASSERT_TRUE(applyInnerTrafficClass(MutableByteView(copy).subspan(d.inner_offset, d.inner_length),
                                     d.traffic_class));
  auto rewritten = wire::decodeIpv6(ByteView(copy).subspan(40)).value();
  EXPECT_EQ(rewritten.header.traffic_class, d.traffic_class);
  EXPECT_EQ(rewritten.header.flow_label, 0u);
  EXPECT_EQ(ha_.binding(kHoa)->packets_from_mobile_node, 1u);
}

TEST_F(HomeAgentDataTest, PipeModelKeepsInnerDscp) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.tunnel.dscp = wire::DscpModel::Pipe;
  HomeAgent ha(c, random_);
  ASSERT_TRUE(onlyAck(ha.onSignalling(buFromIpv6(homeRegistration(1), kCoa), {}, kT0)));
  const Bytes inner = ipv6Packet(kHoa, kCn, wire::makeTrafficClass(10, Ecn::Ect0));
  TunnelledPacket t;
  t.outer = Encapsulation::Ipv6;
  t.ipv6_source = kCoa;
  t.protocol = 41;
  t.traffic_class = wire::makeTrafficClass(0, Ecn::Ect0);
  t.payload = inner;
  PacketDecision d = ha.onTunnelledPacket(t);
  ASSERT_EQ(d.verdict, Verdict::Deliver);
  EXPECT_FALSE(d.rewrite_traffic_class);
}

TEST_F(HomeAgentDataTest, ReverseTunnelWrongOuterSourceDropped) {
  registerIpv6();
  const Bytes inner = ipv6Packet(kHoa, kCn);
  TunnelledPacket t;
  t.outer = Encapsulation::Ipv6;
  t.ipv6_source = kCoa2;  // not the registered care-of address
  t.protocol = 41;
  t.payload = inner;
  EXPECT_EQ(ha_.onTunnelledPacket(t).drop_reason, DropReason::WrongOuterSource);
  EXPECT_EQ(drops(DropReason::WrongOuterSource), 1u);
}

TEST_F(HomeAgentDataTest, ReverseTunnelWrongInnerSourceDropped) {
  registerIpv6();
  const Bytes inner = ipv6Packet(v6("2001:db8:1::666"), kCn);
  TunnelledPacket t;
  t.outer = Encapsulation::Ipv6;
  t.ipv6_source = kCoa;
  t.protocol = 41;
  t.payload = inner;
  EXPECT_EQ(ha_.onTunnelledPacket(t).drop_reason, DropReason::WrongInnerSource);
  // Another mobile node's home address from this care-of address: the outer source is wrong
  // for that binding.
  ASSERT_TRUE(onlyAck(ha_.onSignalling(buFromIpv6(homeRegistration(1), kCoa2, kHoa2), {}, kT0)));
  const Bytes spoofed = ipv6Packet(kHoa2, kCn);
  t.payload = spoofed;
  EXPECT_EQ(ha_.onTunnelledPacket(t).drop_reason, DropReason::WrongOuterSource);
}

TEST_F(HomeAgentDataTest, ReverseTunnelInvalidInnerSourcesDropped) {
  registerIpv6();
  for (const char* src : {"::ffff:192.0.2.1", "::192.0.2.1", "::1", "ff02::1"}) {
    const Bytes inner = ipv6Packet(v6(src), kCn);
    TunnelledPacket t;
    t.outer = Encapsulation::Ipv6;
    t.ipv6_source = kCoa;
    t.protocol = 41;
    t.payload = inner;
    EXPECT_EQ(ha_.onTunnelledPacket(t).drop_reason, DropReason::InvalidInnerSource) << src;
  }
  EXPECT_EQ(drops(DropReason::InvalidInnerSource), 4u);
}

TEST_F(HomeAgentDataTest, ReverseTunnelEcnNotEctWithCeDropped) {
  registerIpv6();
  const Bytes inner = ipv6Packet(kHoa, kCn, wire::makeTrafficClass(0, Ecn::NotEct));
  TunnelledPacket t;
  t.outer = Encapsulation::Ipv6;
  t.ipv6_source = kCoa;
  t.protocol = 41;
  t.traffic_class = wire::makeTrafficClass(0, Ecn::Ce);
  t.payload = inner;
  EXPECT_EQ(ha_.onTunnelledPacket(t).drop_reason, DropReason::EcnNotEctWithCe);
  // Not-ECT inner with ECT(0) outer is delivered but counted as an anomaly.
  t.traffic_class = wire::makeTrafficClass(0, Ecn::Ect0);
  PacketDecision d = ha_.onTunnelledPacket(t);
  EXPECT_EQ(d.verdict, Verdict::Deliver);
  EXPECT_EQ(d.ecn_anomaly, wire::EcnAnomaly::Unexpected);
  EXPECT_EQ(ha_.stats().ecn_anomalies, 1u);
}

TEST_F(HomeAgentDataTest, ReverseTunnelOverUdpChecksAddressAndPort) {
  registerUdp(kPrivateCoa4, kNatEndpoint);
  const Bytes inner = ipv6Packet(kHoa, kCn);
  EXPECT_EQ(ha_.onTunnelledPacket(fromUdp(kNatEndpoint, inner)).verdict, Verdict::Deliver);
  EXPECT_EQ(ha_.onTunnelledPacket(fromUdp({kNat4, 40002}, inner)).drop_reason,
            DropReason::WrongOuterPort);
  EXPECT_EQ(ha_.onTunnelledPacket(fromUdp({v4("203.0.113.6"), 40001}, inner)).drop_reason,
            DropReason::WrongOuterSource);
  // The IPv4 home address too.
  const Bytes inner4 = ipv4Packet(kStaticHoa4, kCn4);
  EXPECT_EQ(ha_.onTunnelledPacket(fromUdp(kNatEndpoint, inner4)).verdict, Verdict::Deliver);
  const Bytes spoofed4 = ipv4Packet(v4("10.1.0.77"), kCn4);
  EXPECT_EQ(ha_.onTunnelledPacket(fromUdp(kNatEndpoint, spoofed4)).drop_reason,
            DropReason::WrongInnerSource);
  // IP-in-IPv4 from a NATed binding is the wrong encapsulation.
  EXPECT_EQ(ha_.onIpv4Packet([&] {
                 PacketBuffer b(1024);
                 EXPECT_TRUE(b.assign(inner));
                 wire::Ipv4Header h;
                 h.protocol = 41;
                 h.source = kNat4;
                 h.destination = kHa4;
                 EXPECT_TRUE(wire::prependIpv4(b, h));
                 return Bytes(b.data().begin(), b.data().end());
               }())
                .drop_reason,
            DropReason::WrongEncapsulation);
}

TEST_F(HomeAgentDataTest, ReverseTunnelOverUdpWithTlvHeader) {
  registerUdp(kPrivateCoa4, kNatEndpoint);
  const Bytes inner = ipv6Packet(kHoa, kCn);
  PacketBuffer b(1024);
  ASSERT_TRUE(b.assign(inner));
  ASSERT_TRUE(wire::prependTlv(b, 41));
  const Bytes payload(b.data().begin(), b.data().end());
  PacketDecision d = ha_.onTunnelledPacket(fromUdp(kNatEndpoint, payload));
  ASSERT_EQ(d.verdict, Verdict::Deliver);
  EXPECT_EQ(d.inner_offset, 4u);
  EXPECT_EQ(d.inner_length, inner.size());
  // A TLV header announcing IPv4 in front of an IPv6 packet is malformed; ESP is unsupported.
  Bytes wrong = payload;
  wrong[1] = 4;
  EXPECT_EQ(ha_.onTunnelledPacket(fromUdp(kNatEndpoint, wrong)).drop_reason, DropReason::Malformed);
  wrong[1] = 50;
  EXPECT_EQ(ha_.onTunnelledPacket(fromUdp(kNatEndpoint, wrong)).drop_reason,
            DropReason::UnsupportedPayload);
}

TEST_F(HomeAgentDataTest, IpInIpv4ReverseTunnelFromRegisteredCareOf) {
  registerUdp(kCoa4, Ipv4Endpoint{kCoa4, 5000});
  const Bytes inner = ipv6Packet(kHoa, kCn);
  PacketBuffer b(1024);
  ASSERT_TRUE(b.assign(inner));
  wire::Ipv4Header h;
  h.protocol = 41;
  h.source = kCoa4;
  h.destination = kHa4;
  ASSERT_TRUE(wire::prependIpv4(b, h));
  const Bytes packet(b.data().begin(), b.data().end());
  PacketDecision d = ha_.onIpv4Packet(packet);
  ASSERT_EQ(d.verdict, Verdict::Deliver);
  EXPECT_EQ(d.inner_offset, 20u);
  EXPECT_EQ(d.inner_length, inner.size());
  // Protocol 41 carrying an IPv4 packet is malformed.
  Bytes wrong = packet;
  wrong[9] = 4;
  wrong[10] = wrong[11] = 0;
  EXPECT_EQ(ha_.onIpv4Packet(wrong).verdict, Verdict::Drop);
}

TEST_F(HomeAgentDataTest, BindingUpdateInsideUdpIsSignallingWithTransport) {
  const Bytes bu = buFromIpv4(homeRegistration(1), kPrivateCoa4);
  PacketDecision d = ha_.onTunnelledPacket(fromUdp(kNatEndpoint, bu));
  ASSERT_EQ(d.verdict, Verdict::Signalling);
  EXPECT_EQ(d.inner_length, bu.size());
  EXPECT_EQ(d.transport, Transport::udp(kNatEndpoint, {kHa4, 4191}));
  // Handing it on gives the BA back to the NAT mapping.
  auto ack = onlyAck(ha_.onSignalling(d.inner(bu), Inbound{d.transport, false, {}}, kT0));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->packet.transport.ipv4_destination, kNatEndpoint);
}

TEST_F(HomeAgentDataTest, RefreshRequestForTrafficFromMobileNodeWithoutBinding) {
  // The home agent restarted: kHoa's traffic keeps arriving from its NAT mapping.
  const Bytes inner = ipv6Packet(kHoa, kCn);
  EXPECT_EQ(ha_.onTunnelledPacket(fromUdp(kNatEndpoint, inner)).drop_reason,
            DropReason::WrongInnerSource);
  EXPECT_EQ(ha_.nextDeadline(), TimePoint{});  // due now
  auto actions = ha_.onTimer(kT0);
  auto sends = actionsOf<SendSignalling>(actions);
  ASSERT_EQ(sends.size(), 1u);
  Decoded d = decode(sends[0]);
  EXPECT_TRUE(std::holds_alternative<wire::BindingRefreshRequest>(*d.mobility));
  EXPECT_EQ(d.ip.header.destination, kHoa);
  EXPECT_EQ(d.transport, Transport::udp({kHa4, 4191}, kNatEndpoint));
  // Held off for a second: more traffic does not trigger another one.
  (void)ha_.onTunnelledPacket(fromUdp(kNatEndpoint, inner));
  EXPECT_EQ(ha_.nextDeadline(), kT0 + std::chrono::seconds(1));
  EXPECT_TRUE(actionsOf<SendSignalling>(ha_.onTimer(kT0 + std::chrono::milliseconds(500))).empty());
  (void)ha_.onTimer(kT0 + std::chrono::seconds(1));
  (void)ha_.onTunnelledPacket(fromUdp(kNatEndpoint, inner));
  EXPECT_EQ(actionsOf<SendSignalling>(ha_.onTimer(kT0 + std::chrono::seconds(1))).size(), 1u);
  EXPECT_EQ(ha_.stats().refresh_requests_sent, 2u);
}

TEST_F(HomeAgentDataTest, RefreshRequestOverIpv6UsesRoutingHeader) {
  const Bytes inner = ipv6Packet(kHoa, kCn);
  TunnelledPacket t;
  t.outer = Encapsulation::Ipv6;
  t.ipv6_source = kCoa;
  t.protocol = 41;
  t.payload = inner;
  (void)ha_.onTunnelledPacket(t);
  auto sends = actionsOf<SendSignalling>(ha_.onTimer(kT0));
  ASSERT_EQ(sends.size(), 1u);
  Decoded d = decode(sends[0]);
  EXPECT_EQ(d.ip.header.destination, kCoa);
  EXPECT_EQ(*d.ip.routing_home_address, kHoa);
}

TEST_F(HomeAgentDataTest, NoRefreshRequestForStrangers) {
  const Bytes inner = ipv6Packet(v6("2001:db8:1::666"), kCn);
  (void)ha_.onTunnelledPacket(fromUdp(kNatEndpoint, inner));
  EXPECT_EQ(ha_.nextDeadline(), std::nullopt);
  EXPECT_TRUE(ha_.onTimer(kT0).empty());
}

}  // namespace
}  // namespace dsmip::dsmip6::test
