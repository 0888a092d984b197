// Home agent data plane: encapsulation towards the mobile node (IP-in-IP, IPv6 in IPv4 to the
// CoA, double encapsulation to the HoA, RFC 3519 UDP), the reverse-tunnel checks of RFC 3024,
// RFC 3519 §4.3 and RFC 5454 §3.3.2/§4, keep-alive answers, and ECN/DSCP handling.
#include <gtest/gtest.h>

#include "dsmip4_test_util.hpp"
#include "test_support/fake_clock.hpp"
#include "wire/checksum.hpp"

namespace dsmip::dsmip4::test {
namespace {

using namespace std::chrono_literals;

const Ipv4Endpoint kNatEndpoint{kNatAddress, kNatPort};
// MN1 registers A with the Tunneling Mode extension (code 1) and B under a home-address-only
// grant (code 0).
const Ipv6Prefix kPrefixA = p6("2001:db8:abcd::/48");
const Ipv6Prefix kPrefixB = p6("2001:db8:ff10::/48");
const Ipv6Address kInA = v6("2001:db8:abcd::1");
const Ipv6Address kInB = v6("2001:db8:ff10::1");
const Ipv6Address kCorrespondent6 = v6("2001:db8:99::1");

class HomeAgentDataTest : public ::testing::Test {
 protected:
  HomeAgentDataTest() : ha(config()) {}
  static HomeAgentConfig config(TrafficClassPolicy tc = {}) {
    HomeAgentConfig c = haConfig();
    c.traffic_class = tc;
    return c;
  }

  /// Registers MN1 with A (code 1) and B (code 0); with `nat`, from behind the NAT with a UDP
  /// tunnel; `tunneling_mode` false makes A code 0 too.
  void registerMn1(bool nat, bool tunneling_mode = true) {
    auto request =
        baseRequest(ntpAt(kUnixStart) + (++counter << 8), kHoa, nat ? kPrivateCoa : kCoa);
    request.extensions = {wire::Ipv6PrefixRequestExtension{48, kPrefixA.address},
                          wire::Ipv6PrefixRequestExtension{48, kPrefixB.address}};
    if (tunneling_mode) request.extensions.emplace_back(wire::Ipv6TunnelingModeExtension{});
    if (nat) request.extensions.emplace_back(wire::UdpTunnelRequestExtension{});
    const Ipv4Endpoint source = nat ? kNatEndpoint : Ipv4Endpoint{kCoa, kMnPort};
    const auto reply =
        onlyReply(ha.onRegistrationRequest(encodeRequest(request, key1()), {source, {kHa, 434}},
                                           clock.now(), kUnixStart),
                  key1());
    ASSERT_EQ(reply.code, wire::RegistrationReplyCode::Accepted);
  }
  void registerMn2() {
    auto request = baseRequest(ntpAt(kUnixStart) + (++counter << 8), kHoa2, kCoa2);
    request.extensions = {prefixRequest("2001:db8:2::/48"), wire::Ipv6TunnelingModeExtension{}};
    (void)onlyReply(
        ha.onRegistrationRequest(encodeRequest(request, key2()), {{kCoa2, kMnPort}, {kHa, 434}},
                                 clock.now(), kUnixStart),
        key2());
  }

  SendDecision forward(const Bytes& packet) {
    PacketBuffer b = bufferOf(packet);
    return ha.forwardFromHome(b, clock.now());
  }
  /// The packet as it leaves: the decision applied in full.
  Bytes applied(const Bytes& packet, const SendDecision& d) {
    PacketBuffer b = bufferOf(packet);
    EXPECT_TRUE(applyEncapsulation(b, d.encapsulation));
    return bytesOf(b);
  }
  ReceiveDecision receive(PacketBuffer& b) { return ha.onTunnelPacket(b, clock.now()); }
  ReceiveDecision receiveUdp(PacketBuffer& b, Ipv4Endpoint from = kNatEndpoint,
                             std::optional<std::uint8_t> tos = std::nullopt) {
    return ha.onUdpTunnelData(b, {from, {kHa, 434}}, tos, clock.now());
  }

  HomeAgent ha;
  dsmip::test::FakeClock clock;
  std::uint64_t counter = 0;
};

// ---------------------------------------------------------------------------------------------
// Home side → mobile node

TEST_F(HomeAgentDataTest, Ipv4ToTheHomeAddressGoesInIpInIpToTheCareOf) {
  registerMn1(false);
  const Bytes inner = ipv4Packet(kCorrespondent, kHoa, 0xBA, 32, true);  // DSCP 46, ECT(0), DF
  const SendDecision d = forward(inner);
  ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
  EXPECT_EQ(d.home_address, kHoa);
  EXPECT_FALSE(d.encapsulation.home_tunnel.has_value());
  EXPECT_FALSE(d.encapsulation.udp.has_value());
  EXPECT_EQ(d.encapsulation.overhead(), 20u);

  const Bytes out = applied(inner, d);
  auto outer = wire::decodeIpv4(out);  // also verifies the header checksum
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->header.source, kHa);
  EXPECT_EQ(outer->header.destination, kCoa);
  EXPECT_EQ(outer->header.protocol, wire::ip_protocol::kIpv4);
  EXPECT_EQ(outer->header.tos, 0xBA);        // DSCP and ECN copied (RFC 2983, RFC 6040 normal)
  EXPECT_TRUE(outer->header.dont_fragment);  // RFC 2003 §3.1
  EXPECT_EQ(outer->header.ttl, 64);
  EXPECT_EQ(Bytes(outer->payload.begin(), outer->payload.end()), inner);
  EXPECT_EQ(ha.stats().forwarded_ipv4, 1u);
  EXPECT_EQ(ha.snapshot(clock.now()).bindings.at(0).packets_to_mobile_node, 1u);
}

TEST_F(HomeAgentDataTest, CompatibilityModeClearsTheOuterEcn) {
  HomeAgent compat{config(
      TrafficClassPolicy{wire::EcnEncapsulationMode::Compatibility, wire::DscpModel::Uniform})};
  auto request = baseRequest(ntpAt(kUnixStart));
  (void)compat.onRegistrationRequest(encodeRequest(request, key1()), {{kCoa, kMnPort}, {kHa, 434}},
                                     clock.now(), kUnixStart);
  PacketBuffer b = bufferOf(ipv4Packet(kCorrespondent, kHoa, 0xBA));
  const SendDecision d = compat.forwardFromHome(b, clock.now());
  EXPECT_EQ(d.encapsulation.outer.tos, 0xB8);  // DSCP copied, Not-ECT
}

TEST_F(HomeAgentDataTest, Ipv6OfACode1PrefixGoesInIpv6InIpv4ToTheCareOf) {
  registerMn1(false);
  const Bytes inner = ipv6Packet(kCorrespondent6, kInA, 0x29);
  const SendDecision d = forward(inner);
  ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
  EXPECT_FALSE(d.encapsulation.home_tunnel.has_value());
  const Bytes out = applied(inner, d);
  auto outer = wire::decodeIpv4(out);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->header.destination, kCoa);
  EXPECT_EQ(outer->header.protocol, wire::ip_protocol::kIpv6);
  EXPECT_EQ(outer->header.tos, 0x29);
  EXPECT_FALSE(outer->header.dont_fragment);  // RFC 4213 §3.2.1 static MTU
  EXPECT_EQ(Bytes(outer->payload.begin(), outer->payload.end()), inner);
  EXPECT_EQ(ha.stats().forwarded_ipv6, 1u);
}

TEST_F(HomeAgentDataTest, Ipv6OfACode0PrefixIsDoublyEncapsulatedViaTheHomeAddress) {
  registerMn1(false);
  const Bytes inner = ipv6Packet(kCorrespondent6, kInB, 0x29);
  const SendDecision d = forward(inner);
  ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
  ASSERT_TRUE(d.encapsulation.home_tunnel.has_value());
  EXPECT_EQ(d.encapsulation.overhead(), 40u);
  const Bytes out = applied(inner, d);
  auto outer = wire::decodeIpv4(out);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->header.source, kHa);
  EXPECT_EQ(outer->header.destination, kCoa);
  EXPECT_EQ(outer->header.protocol, wire::ip_protocol::kIpv4);
  auto middle = wire::decodeIpv4(outer->payload);
  ASSERT_TRUE(middle);
  EXPECT_EQ(middle->header.source, kHa);
  EXPECT_EQ(middle->header.destination, kHoa);
  EXPECT_EQ(middle->header.protocol, wire::ip_protocol::kIpv6);
  EXPECT_EQ(middle->header.tos, 0x29);
  EXPECT_EQ(Bytes(middle->payload.begin(), middle->payload.end()), inner);
}

TEST_F(HomeAgentDataTest, UdpTunnelCarriesIpv4AndIpv6WithTheRightNextHeader) {
  registerMn1(true);
  struct Case {
    Bytes inner;
    std::uint8_t next_header;
    bool home_tunnel;
  };
  const Case cases[] = {
      {ipv4Packet(kCorrespondent, kHoa), wire::kTunnelDataNextHeaderIpv4, false},
      {ipv6Packet(kCorrespondent6, kInA), wire::kTunnelDataNextHeaderIpv6, false},
      {ipv6Packet(kCorrespondent6, kInB), wire::kTunnelDataNextHeaderIpv4, true},
  };
  for (const Case& c : cases) {
    const SendDecision d = forward(c.inner);
    ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
    EXPECT_EQ(d.encapsulation.home_tunnel.has_value(), c.home_tunnel);
    EXPECT_EQ(d.encapsulation.destination(), kNatEndpoint);
    const Bytes out = applied(c.inner, d);
    auto outer = wire::decodeIpv4(out);
    ASSERT_TRUE(outer);
    EXPECT_EQ(outer->header.destination, kNatAddress);
    EXPECT_EQ(outer->header.protocol, wire::ip_protocol::kUdp);
    auto udp = wire::decodeUdp(outer->payload);
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->header.source_port, 434);
    EXPECT_EQ(udp->header.destination_port, kNatPort);
    EXPECT_NE(udp->header.checksum, 0);
    EXPECT_TRUE(wire::verifyUdpChecksum(*udp, kHa, kNatAddress));
    auto data = wire::decodeTunnelData(udp->payload);
    ASSERT_TRUE(data);
    EXPECT_EQ(data->next_header, c.next_header);
    ByteView carried = data->packet;
    if (c.home_tunnel) {
      auto middle = wire::decodeIpv4(carried);
      ASSERT_TRUE(middle);
      EXPECT_EQ(middle->header.destination, kHoa);
      carried = middle->payload;
    }
    EXPECT_EQ(Bytes(carried.begin(), carried.end()), c.inner);
  }
}

TEST_F(HomeAgentDataTest, InnerLayersAloneAreWhatAUdpSocketSends) {
  registerMn1(true);
  const Bytes inner = ipv6Packet(kCorrespondent6, kInB);
  const SendDecision d = forward(inner);
  PacketBuffer b = bufferOf(inner);
  ASSERT_TRUE(prependInnerLayers(b, d.encapsulation));
  // Tunnel Data header, then the IPv4 header to the home address, then the IPv6 packet.
  ASSERT_EQ(b.size(), inner.size() + 4 + 20);
  EXPECT_EQ(b.data()[0], 4);
  EXPECT_EQ(b.data()[1], wire::kTunnelDataNextHeaderIpv4);
  EXPECT_EQ(b.data()[4] >> 4, 4);
}

TEST_F(HomeAgentDataTest, PacketsWithoutAValidBindingAreDropped) {
  EXPECT_EQ(forward(ipv4Packet(kCorrespondent, kHoa)).reason, DropReason::NoBinding);
  registerMn1(false);
  EXPECT_EQ(forward(ipv4Packet(kCorrespondent, kHoa2)).reason, DropReason::NoBinding);
  EXPECT_EQ(forward(ipv6Packet(kCorrespondent6, v6("2001:db8:abce::1"))).reason,
            DropReason::NoBinding);
  EXPECT_EQ(forward(Bytes{0x45, 0x00}).reason, DropReason::Malformed);
  EXPECT_EQ(forward(Bytes{0x50, 0x00, 0x00}).reason, DropReason::UnsupportedProtocol);
  // Expired but onTimer() not run yet: already unusable.
  clock.advance(600s);
  EXPECT_EQ(forward(ipv4Packet(kCorrespondent, kHoa)).reason, DropReason::NoBinding);
  EXPECT_EQ(ha.stats().forward_drops[DropReason::NoBinding], 4u);
  EXPECT_EQ(ha.stats().forward_drops.total(), 6u);
}

// ---------------------------------------------------------------------------------------------
// Mobile node → home side

TEST_F(HomeAgentDataTest, ReverseTunnelledIpv4FromTheCareOfIsDelivered) {
  registerMn1(false);
  const Bytes inner = ipv4Packet(kHoa, kCorrespondent);
  PacketBuffer b = bufferOf(wrapIpv4(inner, kCoa, kHa, wire::ip_protocol::kIpv4));
  const ReceiveDecision d = receive(b);
  ASSERT_EQ(d.verdict, ReceiveVerdict::Deliver);
  EXPECT_EQ(d.home_address, kHoa);
  EXPECT_EQ(bytesOf(b), inner);
  EXPECT_EQ(ha.stats().reverse_ipv4, 1u);
  EXPECT_EQ(ha.snapshot(clock.now()).bindings.at(0).packets_from_mobile_node, 1u);
}

TEST_F(HomeAgentDataTest, RfcFiveThousandFortyChecksAtDecapsulation) {
  registerMn1(false);
  // Outer CE over inner ECT(0): the inner packet leaves marked CE, with the outer DSCP
  // (uniform model) and a valid header checksum.
  PacketBuffer ce = bufferOf(
      wrapIpv4(ipv4Packet(kHoa, kCorrespondent, 0x02), kCoa, kHa, wire::ip_protocol::kIpv4, 0x2B));
  ASSERT_EQ(receive(ce).verdict, ReceiveVerdict::Deliver);
  auto delivered = wire::decodeIpv4(ce.data());
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->header.tos, 0x2B);
  // Outer CE over inner Not-ECT: dropped (RFC 6040 §4.2).
  PacketBuffer drop = bufferOf(
      wrapIpv4(ipv4Packet(kHoa, kCorrespondent, 0x00), kCoa, kHa, wire::ip_protocol::kIpv4, 0x03));
  const ReceiveDecision d = receive(drop);
  EXPECT_EQ(d.verdict, ReceiveVerdict::Drop);
  EXPECT_EQ(d.reason, DropReason::EcnCeOnNotEct);
}

TEST(HomeAgentPipeModelTest, PipeModelKeepsTheInnerDscp) {
  HomeAgentConfig c = haConfig();
  c.traffic_class.dscp = wire::DscpModel::Pipe;
  HomeAgent ha{c};
  (void)ha.onRegistrationRequest(encodeRequest(baseRequest(ntpAt(kUnixStart)), key1()),
                                 {{kCoa, kMnPort}, {kHa, 434}}, {}, kUnixStart);
  PacketBuffer b = bufferOf(
      wrapIpv4(ipv4Packet(kHoa, kCorrespondent, 0x02), kCoa, kHa, wire::ip_protocol::kIpv4, 0x2B));
  ASSERT_EQ(ha.onTunnelPacket(b, {}).verdict, ReceiveVerdict::Deliver);
  EXPECT_EQ(b.data()[1], 0x03);  // inner DSCP 0 kept, ECN CE
}

TEST_F(HomeAgentDataTest, ReverseTunnelFromAnotherSourceIsDropped) {
  registerMn1(false);
  PacketBuffer b =
      bufferOf(wrapIpv4(ipv4Packet(kHoa, kCorrespondent), kCoa2, kHa, wire::ip_protocol::kIpv4));
  EXPECT_EQ(receive(b).reason, DropReason::WrongOuterSource);
  PacketBuffer wrong_destination = bufferOf(wrapIpv4(ipv4Packet(kHoa, kCorrespondent), kCoa,
                                                     v4("203.0.113.2"), wire::ip_protocol::kIpv4));
  EXPECT_EQ(receive(wrong_destination).reason, DropReason::WrongOuterDestination);
  PacketBuffer gre = bufferOf(wrapIpv4(ipv4Packet(kHoa, kCorrespondent), kCoa, kHa, 47));
  EXPECT_EQ(receive(gre).reason, DropReason::UnsupportedProtocol);
}

TEST_F(HomeAgentDataTest, InnerIpv4SourceOtherThanTheHomeAddressIsASecurityEvent) {
  registerMn1(false);
  registerMn2();
  // MN1's care-of address carrying a packet from MN2's home address (RFC 3024 §4.2.1).
  PacketBuffer b =
      bufferOf(wrapIpv4(ipv4Packet(kHoa2, kCorrespondent), kCoa, kHa, wire::ip_protocol::kIpv4));
  const Bytes before = bytesOf(b);
  const ReceiveDecision d = receive(b);
  EXPECT_EQ(d.verdict, ReceiveVerdict::Drop);
  EXPECT_EQ(d.reason, DropReason::SpoofedInnerIpv4Source);
  EXPECT_EQ(d.home_address, kHoa);
  EXPECT_EQ(bytesOf(b), before);  // left for the daemon's log
  EXPECT_EQ(ha.stats().security_events, 1u);
}

TEST_F(HomeAgentDataTest, ReverseIpv6FromTheCareOfNeedsACode1Prefix) {
  registerMn1(false);
  const Bytes in_a = ipv6Packet(kInA, kCorrespondent6);
  PacketBuffer ok = bufferOf(wrapIpv4(in_a, kCoa, kHa, wire::ip_protocol::kIpv6));
  ASSERT_EQ(receive(ok).verdict, ReceiveVerdict::Deliver);
  EXPECT_EQ(bytesOf(ok), in_a);
  EXPECT_EQ(ha.stats().reverse_ipv6, 1u);
  // B was registered with code 0: from the CoA directly it does not belong.
  PacketBuffer b_direct =
      bufferOf(wrapIpv4(ipv6Packet(kInB, kCorrespondent6), kCoa, kHa, wire::ip_protocol::kIpv6));
  EXPECT_EQ(receive(b_direct).reason, DropReason::TunnelModeMismatch);
}

TEST_F(HomeAgentDataTest, SpoofedInnerIpv6SourceIsDroppedAndCounted) {
  registerMn1(false);
  registerMn2();
  for (const Ipv6Address& source : {v6("2001:db8:5555::1"), v6("2001:db8:2::1")}) {
    // Outside every prefix, and inside MN2's prefix but sent by MN1.
    PacketBuffer b = bufferOf(
        wrapIpv4(ipv6Packet(source, kCorrespondent6), kCoa, kHa, wire::ip_protocol::kIpv6));
    const ReceiveDecision d = receive(b);
    EXPECT_EQ(d.verdict, ReceiveVerdict::Drop);
    EXPECT_EQ(d.reason, DropReason::SpoofedInnerIpv6Source);
    EXPECT_EQ(d.home_address, kHoa);
  }
  EXPECT_EQ(ha.stats().security_events, 2u);
  EXPECT_EQ(ha.stats().reverse_drops[DropReason::SpoofedInnerIpv6Source], 2u);
}

TEST_F(HomeAgentDataTest, DoublyEncapsulatedIpv6FromTheHomeAddressIsDelivered) {
  registerMn1(false);
  for (const Ipv6Address& source : {kInB, kInA}) {
    // Code 0 prefixes come this way; a code 1 prefix may too (MLD, RFC 5454 §3.3.3).
    const Bytes ipv6 = ipv6Packet(source, kCorrespondent6);
    PacketBuffer b = bufferOf(wrapIpv4(wrapIpv4(ipv6, kHoa, kHa, wire::ip_protocol::kIpv6), kCoa,
                                       kHa, wire::ip_protocol::kIpv4));
    ASSERT_EQ(receive(b).verdict, ReceiveVerdict::Deliver);
    EXPECT_EQ(bytesOf(b), ipv6);
  }
  PacketBuffer spoofed =
      bufferOf(wrapIpv4(wrapIpv4(ipv6Packet(v6("2001:db8:5555::1"), kCorrespondent6), kHoa, kHa,
                                 wire::ip_protocol::kIpv6),
                        kCoa, kHa, wire::ip_protocol::kIpv4));
  EXPECT_EQ(receive(spoofed).reason, DropReason::SpoofedInnerIpv6Source);
}

TEST_F(HomeAgentDataTest, Ipv6TunnelledFromTheHomeAddressAloneIsDelivered) {
  // What reaches the raw socket after the kernel reassembled a fragmented middle packet.
  registerMn1(false);
  const Bytes ipv6 = ipv6Packet(kInB, kCorrespondent6);
  PacketBuffer b = bufferOf(wrapIpv4(ipv6, kHoa, kHa, wire::ip_protocol::kIpv6));
  ASSERT_EQ(receive(b).verdict, ReceiveVerdict::Deliver);
  EXPECT_EQ(bytesOf(b), ipv6);
}

TEST_F(HomeAgentDataTest, UdpTunnelDataMustComeFromTheBindingsEndpoint) {
  registerMn1(true);
  const Bytes inner = ipv4Packet(kHoa, kCorrespondent);
  PacketBuffer ok = bufferOf(tunnelData(inner, wire::kTunnelDataNextHeaderIpv4));
  ASSERT_EQ(receiveUdp(ok).verdict, ReceiveVerdict::Deliver);
  EXPECT_EQ(bytesOf(ok), inner);
  PacketBuffer other_port = bufferOf(tunnelData(inner, wire::kTunnelDataNextHeaderIpv4));
  EXPECT_EQ(receiveUdp(other_port, {kNatAddress, kNatPort + 1}).reason,
            DropReason::WrongUdpEndpoint);
  // The MN of a UDP binding must not fall back to IP-in-IP (RFC 3519 §4.7).
  PacketBuffer ipip = bufferOf(wrapIpv4(inner, kNatAddress, kHa, wire::ip_protocol::kIpv4));
  EXPECT_EQ(receive(ipip).reason, DropReason::TransportMismatch);
}

TEST_F(HomeAgentDataTest, TunnelDataNextHeaderMustMatchTheBindingsMode) {
  registerMn1(true, false);  // every prefix code 0: IPv6 only inside IPv4
  PacketBuffer ipv6_direct =
      bufferOf(tunnelData(ipv6Packet(kInA, kCorrespondent6), wire::kTunnelDataNextHeaderIpv6));
  EXPECT_EQ(receiveUdp(ipv6_direct).reason, DropReason::NextHeaderMismatch);
  PacketBuffer minimal =
      bufferOf(tunnelData(ipv4Packet(kHoa, kCorrespondent), wire::kTunnelDataNextHeaderMinimal));
  EXPECT_EQ(receiveUdp(minimal).reason, DropReason::NextHeaderMismatch);
  PacketBuffer mismatched =
      bufferOf(tunnelData(ipv6Packet(kInA, kCorrespondent6), wire::kTunnelDataNextHeaderIpv4));
  EXPECT_EQ(receiveUdp(mismatched).reason, DropReason::Malformed);  // not an IPv4 packet
  EXPECT_EQ(ha.stats().reverse_drops[DropReason::NextHeaderMismatch], 2u);
}

TEST_F(HomeAgentDataTest, TunnelDataWithIpv6ForACode1Prefix) {
  registerMn1(true);
  const Bytes ipv6 = ipv6Packet(kInA, kCorrespondent6);
  PacketBuffer b = bufferOf(tunnelData(ipv6, wire::kTunnelDataNextHeaderIpv6));
  ASSERT_EQ(receiveUdp(b).verdict, ReceiveVerdict::Deliver);
  EXPECT_EQ(bytesOf(b), ipv6);
}

TEST_F(HomeAgentDataTest, KeepaliveIsAnsweredThroughTheSameTunnel) {
  registerMn1(true);
  PacketBuffer echo;
  const Bytes data{1, 2, 3, 4};
  ASSERT_TRUE(echo.assign(data));
  ASSERT_TRUE(wire::prependIcmpv4EchoRequest(echo, 0x4242, 7));
  wire::Ipv4Header ip;
  ip.protocol = wire::ip_protocol::kIcmp;
  ip.source = kHoa;
  ip.destination = kHa;
  ASSERT_TRUE(wire::prependIpv4(echo, ip));
  PacketBuffer b = bufferOf(tunnelData(bytesOf(echo), wire::kTunnelDataNextHeaderIpv4));
  clock.advance(5s);
  const ReceiveDecision d = receiveUdp(b);
  ASSERT_EQ(d.verdict, ReceiveVerdict::Reply);
  ASSERT_TRUE(d.reply.udp.has_value());
  EXPECT_EQ(d.reply.destination(), kNatEndpoint);
  EXPECT_EQ(d.reply.udp->source_port, 434);
  EXPECT_EQ(d.reply.udp->next_header, wire::kTunnelDataNextHeaderIpv4);
  auto reply_ip = wire::decodeIpv4(b.data());
  ASSERT_TRUE(reply_ip);
  EXPECT_EQ(reply_ip->header.source, kHa);
  EXPECT_EQ(reply_ip->header.destination, kHoa);
  auto icmp = wire::decodeIcmpv4(reply_ip->payload);  // verifies the checksum
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp->type, wire::icmpv4_type::kEchoReply);
  const auto& reply_echo = std::get<wire::Icmpv4Echo>(icmp->body);
  EXPECT_EQ(reply_echo.identifier, 0x4242);
  EXPECT_EQ(reply_echo.sequence, 7);
  EXPECT_EQ(Bytes(reply_echo.data.begin(), reply_echo.data.end()), data);
  EXPECT_EQ(ha.stats().keepalives_received, 1u);
  clock.advance(2s);
  EXPECT_EQ(ha.snapshot(clock.now()).bindings.at(0).since_last_keepalive, Duration{2s});
}

TEST_F(HomeAgentDataTest, EchoRequestOverIpInIpIsDeliveredNotAnswered) {
  registerMn1(false);
  PacketBuffer echo;
  ASSERT_TRUE(echo.assign(Bytes{}));
  ASSERT_TRUE(wire::prependIcmpv4EchoRequest(echo, 1, 1));
  wire::Ipv4Header ip;
  ip.protocol = wire::ip_protocol::kIcmp;
  ip.source = kHoa;
  ip.destination = kHa;
  ASSERT_TRUE(wire::prependIpv4(echo, ip));
  PacketBuffer b = bufferOf(wrapIpv4(bytesOf(echo), kCoa, kHa, wire::ip_protocol::kIpv4));
  EXPECT_EQ(receive(b).verdict, ReceiveVerdict::Deliver);
}

TEST_F(HomeAgentDataTest, MalformedTunnelPacketsAreDropped) {
  registerMn1(false);
  PacketBuffer empty = bufferOf(Bytes{});
  EXPECT_EQ(receive(empty).reason, DropReason::Malformed);
  PacketBuffer truncated_inner =
      bufferOf(wrapIpv4(Bytes{0x45, 0, 0, 40}, kCoa, kHa, wire::ip_protocol::kIpv4));
  EXPECT_EQ(receive(truncated_inner).reason, DropReason::Malformed);
  PacketBuffer short_udp = bufferOf(Bytes{4, 4});
  EXPECT_EQ(receiveUdp(short_udp).reason, DropReason::Malformed);
}

}  // namespace
}  // namespace dsmip::dsmip4::test
