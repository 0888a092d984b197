// Mobile node data plane: encapsulation of TUN packets by registration (IPv4 from the HoA,
// IPv6 by prefix tunnel mode, RFC 3519 UDP) and the checks on packets from the home agent.
#include <gtest/gtest.h>

#include "common/random.hpp"
#include "dsmip4_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::dsmip4::test {
namespace {

using wire::Ipv6PrefixReplyCode;
using namespace std::chrono_literals;

const Ipv6Address kInA = v6("2001:db8:abcd::1");  // code 1
const Ipv6Address kInB = v6("2001:db8:ff10::1");  // code 0
const Ipv6Address kCorrespondent6 = v6("2001:db8:99::1");

MobileNodeConfig twoPrefixConfig() {
  MobileNodeConfig c = mnConfig();
  c.prefixes.push_back(PrefixRequest{p6("2001:db8:ff10::/48"), false, std::nullopt});
  c.prefixes.push_back(
      PrefixRequest{Ipv6Prefix{tunnelLinkLocalAddress(kHoa), 64}, true, std::nullopt});
  return c;
}

class MobileNodeDataTest : public ::testing::Test {
 protected:
  MobileNodeDataTest() : mn(twoPrefixConfig(), random) {}

  /// Registers from `coa`: prefix A with code 1, B and the link-local with code 0; UDP when
  /// `udp`.
  void registerMn(bool udp) {
    const auto actions = mn.onCareOfChange(coa, clock.now(), kUnixStart);
    const auto s = sends(actions);
    ASSERT_EQ(s.size(), 1u);
    auto request = *wire::decodeRegistrationRequest(s[0].payload);
    wire::RegistrationReply reply;
    reply.lifetime = 600;
    reply.home_address = kHoa;
    reply.home_agent = kHa;
    reply.identification = request.identification;
    reply.extensions = {
        wire::Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress, 48,
                                       v6("2001:db8:abcd::")},
        wire::Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress, 48,
                                       v6("2001:db8:ff10::")},
        wire::Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress, 255,
                                       tunnelLinkLocalAddress(kHoa)}};
    if (udp) {
      reply.extensions.emplace_back(
          wire::UdpTunnelReplyExtension{wire::UdpTunnelReplyCode::WillTunnel, false, 110});
    }
    (void)mn.onRegistrationReply(encodeReply(reply, key1()), {kHa, 434}, clock.now(), kUnixStart);
    ASSERT_EQ(mn.state(), MobileNodeState::Registered);
  }

  SendDecision send(const Bytes& packet) {
    PacketBuffer b = bufferOf(packet);
    return mn.encapsulate(b, clock.now());
  }
  Bytes applied(const Bytes& packet, const SendDecision& d) {
    PacketBuffer b = bufferOf(packet);
    EXPECT_TRUE(applyEncapsulation(b, d.encapsulation));
    return bytesOf(b);
  }

  SeededRandom random{3};
  MobileNode mn;
  dsmip::test::FakeClock clock;
  const CareOfAddress coa{kCoa, kMnPort, "eth0"};
};

TEST_F(MobileNodeDataTest, NothingIsTunnelledBeforeRegistration) {
  EXPECT_EQ(send(ipv4Packet(kHoa, kCorrespondent)).reason, DropReason::NoBinding);
  (void)mn.onCareOfChange(coa, clock.now(), kUnixStart);
  EXPECT_EQ(send(ipv4Packet(kHoa, kCorrespondent)).reason, DropReason::NoBinding);
}

TEST_F(MobileNodeDataTest, Ipv4FromTheHomeAddressGoesInIpInIpToTheHomeAgent) {
  registerMn(false);
  const Bytes inner = ipv4Packet(kHoa, kCorrespondent, 0x2A, 40, true);
  const SendDecision d = send(inner);
  ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
  const Bytes out = applied(inner, d);
  auto outer = wire::decodeIpv4(out);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->header.source, kCoa);
  EXPECT_EQ(outer->header.destination, kHa);
  EXPECT_EQ(outer->header.protocol, wire::ip_protocol::kIpv4);
  EXPECT_EQ(outer->header.tos, 0x2A);
  EXPECT_TRUE(outer->header.dont_fragment);
  EXPECT_EQ(Bytes(outer->payload.begin(), outer->payload.end()), inner);
  EXPECT_EQ(mn.stats().sent_ipv4, 1u);
}

TEST_F(MobileNodeDataTest, OnlyTheHomeAddressAndAcceptedPrefixesAreTunnelled) {
  registerMn(false);
  EXPECT_EQ(send(ipv4Packet(kCoa, kCorrespondent)).reason, DropReason::NotRegisteredSource);
  EXPECT_EQ(send(ipv6Packet(v6("2001:db8:abce::1"), kCorrespondent6)).reason,
            DropReason::NotRegisteredSource);
  EXPECT_EQ(send(Bytes{0x60, 0}).reason, DropReason::Malformed);
  EXPECT_EQ(mn.stats().send_drops.total(), 3u);
}

TEST_F(MobileNodeDataTest, Ipv6OfACode1PrefixGoesStraightToTheHomeAgent) {
  registerMn(false);
  const Bytes inner = ipv6Packet(kInA, kCorrespondent6, 0x11);
  const SendDecision d = send(inner);
  ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
  EXPECT_FALSE(d.encapsulation.home_tunnel.has_value());
  const Bytes out = applied(inner, d);
  auto outer = wire::decodeIpv4(out);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->header.source, kCoa);
  EXPECT_EQ(outer->header.protocol, wire::ip_protocol::kIpv6);
  EXPECT_EQ(outer->header.tos, 0x11);
  EXPECT_FALSE(outer->header.dont_fragment);
  EXPECT_EQ(Bytes(outer->payload.begin(), outer->payload.end()), inner);
}

TEST_F(MobileNodeDataTest, Ipv6OfACode0PrefixGoesThroughTheHomeAddressTunnel) {
  registerMn(false);
  // B (code 0); and A's traffic to a multicast group (MLD, RFC 5454 §3.3.3) and from the
  // link-local address (RFC 5454 §3.7.1) take the HoA tunnel whatever the prefix's mode.
  const Bytes cases[] = {ipv6Packet(kInB, kCorrespondent6), ipv6Packet(kInA, v6("ff02::16")),
                         ipv6Packet(tunnelLinkLocalAddress(kHoa), v6("ff02::1:2"))};
  for (const Bytes& inner : cases) {
    const SendDecision d = send(inner);
    ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
    const Bytes out = applied(inner, d);
    auto outer = wire::decodeIpv4(out);
    ASSERT_TRUE(outer);
    EXPECT_EQ(outer->header.source, kCoa);
    EXPECT_EQ(outer->header.destination, kHa);
    EXPECT_EQ(outer->header.protocol, wire::ip_protocol::kIpv4);
    auto middle = wire::decodeIpv4(outer->payload);
    ASSERT_TRUE(middle);
    EXPECT_EQ(middle->header.source, kHoa);
    EXPECT_EQ(middle->header.destination, kHa);
    EXPECT_EQ(middle->header.protocol, wire::ip_protocol::kIpv6);
    EXPECT_EQ(Bytes(middle->payload.begin(), middle->payload.end()), inner);
  }
}

TEST_F(MobileNodeDataTest, UdpTunnelUsesTheRegistrationPortAndTheRightNextHeader) {
  registerMn(true);
  struct Case {
    Bytes inner;
    std::uint8_t next_header;
  };
  const Case cases[] = {{ipv4Packet(kHoa, kCorrespondent), wire::kTunnelDataNextHeaderIpv4},
                        {ipv6Packet(kInA, kCorrespondent6), wire::kTunnelDataNextHeaderIpv6},
                        {ipv6Packet(kInB, kCorrespondent6), wire::kTunnelDataNextHeaderIpv4}};
  for (const Case& c : cases) {
    const SendDecision d = send(c.inner);
    ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
    ASSERT_TRUE(d.encapsulation.udp.has_value());
    EXPECT_EQ(d.encapsulation.udp->source_port, kMnPort);
    EXPECT_EQ(d.encapsulation.udp->destination_port, 434);
    EXPECT_EQ(d.encapsulation.udp->next_header, c.next_header);
    EXPECT_EQ(d.encapsulation.outer.source, kCoa);
    EXPECT_EQ(d.encapsulation.outer.destination, kHa);
    EXPECT_EQ(d.encapsulation.outer.protocol, wire::ip_protocol::kUdp);
  }
}

// ---------------------------------------------------------------------------------------------
// From the home agent

TEST_F(MobileNodeDataTest, IpInIpFromTheHomeAgentIsDelivered) {
  registerMn(false);
  const Bytes inner = ipv4Packet(kCorrespondent, kHoa, 0x02);
  PacketBuffer b = bufferOf(wrapIpv4(inner, kHa, kCoa, wire::ip_protocol::kIpv4, 0x03));
  const ReceiveDecision d = mn.onTunnelPacket(b, clock.now());
  ASSERT_EQ(d.verdict, ReceiveVerdict::Deliver);
  auto delivered = wire::decodeIpv4(b.data());
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->header.tos, 0x03);  // CE carried in (RFC 6040 §4.2)
  EXPECT_EQ(delivered->header.destination, kHoa);
  EXPECT_EQ(mn.stats().received_ipv4, 1u);
}

TEST_F(MobileNodeDataTest, PacketsNotFromTheHomeAgentOrNotForUsAreDropped) {
  registerMn(false);
  PacketBuffer other_source =
      bufferOf(wrapIpv4(ipv4Packet(kCorrespondent, kHoa), kCoa2, kCoa, wire::ip_protocol::kIpv4));
  EXPECT_EQ(mn.onTunnelPacket(other_source, clock.now()).reason, DropReason::WrongOuterSource);
  PacketBuffer other_inner =
      bufferOf(wrapIpv4(ipv4Packet(kCorrespondent, kHoa2), kHa, kCoa, wire::ip_protocol::kIpv4));
  EXPECT_EQ(mn.onTunnelPacket(other_inner, clock.now()).reason, DropReason::WrongInnerDestination);
  PacketBuffer other_outer =
      bufferOf(wrapIpv4(ipv4Packet(kCorrespondent, kHoa), kHa, kCoa2, wire::ip_protocol::kIpv4));
  EXPECT_EQ(mn.onTunnelPacket(other_outer, clock.now()).reason, DropReason::WrongOuterDestination);
  PacketBuffer not_ours6 = bufferOf(wrapIpv4(ipv6Packet(kCorrespondent6, v6("2001:db8:77::1")), kHa,
                                             kCoa, wire::ip_protocol::kIpv6));
  EXPECT_EQ(mn.onTunnelPacket(not_ours6, clock.now()).reason, DropReason::WrongInnerDestination);
}

TEST_F(MobileNodeDataTest, Ipv6ArrivesByTheTunnelOfItsPrefixMode) {
  registerMn(false);
  const Bytes to_a = ipv6Packet(kCorrespondent6, kInA);
  PacketBuffer direct_a = bufferOf(wrapIpv4(to_a, kHa, kCoa, wire::ip_protocol::kIpv6));
  ASSERT_EQ(mn.onTunnelPacket(direct_a, clock.now()).verdict, ReceiveVerdict::Deliver);
  EXPECT_EQ(bytesOf(direct_a), to_a);
  PacketBuffer direct_b =
      bufferOf(wrapIpv4(ipv6Packet(kCorrespondent6, kInB), kHa, kCoa, wire::ip_protocol::kIpv6));
  EXPECT_EQ(mn.onTunnelPacket(direct_b, clock.now()).reason, DropReason::TunnelModeMismatch);
  const Bytes to_b = ipv6Packet(kCorrespondent6, kInB);
  PacketBuffer double_b = bufferOf(wrapIpv4(wrapIpv4(to_b, kHa, kHoa, wire::ip_protocol::kIpv6),
                                            kHa, kCoa, wire::ip_protocol::kIpv4));
  ASSERT_EQ(mn.onTunnelPacket(double_b, clock.now()).verdict, ReceiveVerdict::Deliver);
  EXPECT_EQ(bytesOf(double_b), to_b);
  // The HoA tunnel alone (after the kernel reassembled the middle packet).
  PacketBuffer home_only = bufferOf(wrapIpv4(to_b, kHa, kHoa, wire::ip_protocol::kIpv6));
  ASSERT_EQ(mn.onTunnelPacket(home_only, clock.now()).verdict, ReceiveVerdict::Deliver);
  EXPECT_EQ(mn.stats().received_ipv6, 3u);
}

TEST_F(MobileNodeDataTest, UdpTunnelDataMustComeFromTheHomeAgentsPort) {
  registerMn(true);
  const Bytes inner = ipv4Packet(kCorrespondent, kHoa);
  PacketBuffer ok = bufferOf(tunnelData(inner, wire::kTunnelDataNextHeaderIpv4));
  ASSERT_EQ(mn.onUdpTunnelData(ok, {kHa, 434}, std::nullopt, clock.now()).verdict,
            ReceiveVerdict::Deliver);
  EXPECT_EQ(bytesOf(ok), inner);
  PacketBuffer other_port = bufferOf(tunnelData(inner, wire::kTunnelDataNextHeaderIpv4));
  EXPECT_EQ(mn.onUdpTunnelData(other_port, {kHa, 435}, std::nullopt, clock.now()).reason,
            DropReason::WrongUdpEndpoint);
  PacketBuffer ipip = bufferOf(wrapIpv4(inner, kHa, kCoa, wire::ip_protocol::kIpv4));
  EXPECT_EQ(mn.onTunnelPacket(ipip, clock.now()).reason, DropReason::TransportMismatch);
  const Bytes to_a = ipv6Packet(kCorrespondent6, kInA);
  PacketBuffer ipv6 = bufferOf(tunnelData(to_a, wire::kTunnelDataNextHeaderIpv6));
  ASSERT_EQ(mn.onUdpTunnelData(ipv6, {kHa, 434}, std::nullopt, clock.now()).verdict,
            ReceiveVerdict::Deliver);
  EXPECT_EQ(bytesOf(ipv6), to_a);
  PacketBuffer gre = bufferOf(tunnelData(inner, wire::kTunnelDataNextHeaderGre));
  EXPECT_EQ(mn.onUdpTunnelData(gre, {kHa, 434}, std::nullopt, clock.now()).reason,
            DropReason::NextHeaderMismatch);
}

TEST(MobileNodeDataModeTest, TunnelDataIpv6NeedsACode1Prefix) {
  SeededRandom random{5};
  MobileNode mn{mnConfig(), random};
  const auto s = sends(mn.onCareOfChange(CareOfAddress{kCoa, kMnPort, "eth0"}, {}, kUnixStart));
  auto request = *wire::decodeRegistrationRequest(s.at(0).payload);
  wire::RegistrationReply reply;
  reply.lifetime = 600;
  reply.home_address = kHoa;
  reply.home_agent = kHa;
  reply.identification = request.identification;
  reply.extensions = {
      wire::Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress, 48,
                                     v6("2001:db8:abcd::")},
      wire::UdpTunnelReplyExtension{wire::UdpTunnelReplyCode::WillTunnel, false, 110}};
  (void)mn.onRegistrationReply(encodeReply(reply, key1()), {kHa, 434}, {}, kUnixStart);
  PacketBuffer b =
      bufferOf(tunnelData(ipv6Packet(kCorrespondent6, kInA), wire::kTunnelDataNextHeaderIpv6));
  const ReceiveDecision d = mn.onUdpTunnelData(b, {kHa, 434}, std::nullopt, {});
  EXPECT_EQ(d.verdict, ReceiveVerdict::Drop);
  EXPECT_EQ(d.reason, DropReason::NextHeaderMismatch);
  EXPECT_EQ(mn.stats().receive_drops[DropReason::NextHeaderMismatch], 1u);
}

}  // namespace
}  // namespace dsmip::dsmip4::test
