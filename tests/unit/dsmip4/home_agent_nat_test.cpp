// Home agent NAT traversal (RFC 3519 §3.1, §3.2, §4.6, §4.6.1): NAT detection, assent and
// decline, forced tunnelling, policies, the 134/142/129 refusals and decision D9.
#include <gtest/gtest.h>

#include "dsmip4_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::dsmip4::test {
namespace {

using wire::RegistrationReplyCode;
using namespace std::chrono_literals;

const Ipv4Endpoint kNatEndpoint{kNatAddress, kNatPort};

HomeAgentConfig withUdpPolicy(UdpTunnelPolicy policy, std::chrono::seconds keepalive = 110s) {
  HomeAgentConfig c = haConfig();
  c.mobile_nodes[0].udp_tunnel = policy;
  c.keepalive_interval = keepalive;
  return c;
}

wire::UdpTunnelRequestExtension udpRequest(
    bool force = false, std::uint8_t encapsulation = wire::kUdpTunnelEncapsulationFromFlags) {
  wire::UdpTunnelRequestExtension e;
  e.force = force;
  e.encapsulation = encapsulation;
  return e;
}

const wire::UdpTunnelReplyExtension* tunnelReply(const wire::RegistrationReply& reply) {
  return wire::findMipv4Extension<wire::UdpTunnelReplyExtension>(reply.extensions);
}

class HomeAgentNatTest : public ::testing::Test {
 protected:
  explicit HomeAgentNatTest(HomeAgentConfig config = haConfig()) : ha(std::move(config)) {}

  std::uint64_t freshId() { return ntpAt(kUnixStart) + (++counter << 8); }
  /// A request from behind the NAT: Care-of Address private, seen from the NAT's endpoint.
  wire::RegistrationReply registerFrom(wire::RegistrationRequest request, Ipv4Endpoint source,
                                       HomeAgentActions* actions_out = nullptr) {
    const auto actions = ha.onRegistrationRequest(encodeRequest(request, key1()),
                                                  {source, {kHa, 434}}, clock.now(), kUnixStart);
    if (actions_out != nullptr) *actions_out = actions;
    return onlyReply(actions, key1());
  }

  HomeAgent ha;
  dsmip::test::FakeClock clock;
  std::uint64_t counter = 0;
};

TEST_F(HomeAgentNatTest, NatDetectedAssentsAndUsesTheRequestSourceAsCareOf) {
  auto request = baseRequest(freshId(), kHoa, kPrivateCoa);
  request.extensions = {udpRequest()};
  HomeAgentActions actions;
  const auto reply = registerFrom(request, kNatEndpoint, &actions);
  ASSERT_EQ(reply.code, RegistrationReplyCode::Accepted);
  // The reply goes back to the NAT's endpoint, which is where the request came from.
  EXPECT_EQ(sends(actions).at(0).destination, kNatEndpoint);
  const auto* t = tunnelReply(reply);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->reply_code, wire::UdpTunnelReplyCode::WillTunnel);
  EXPECT_FALSE(t->force);
  EXPECT_EQ(t->keepalive_interval, 110);

  const auto b = ha.snapshot(clock.now()).bindings.at(0);
  EXPECT_TRUE(b.nat_detected);
  EXPECT_EQ(b.care_of_address, kPrivateCoa);
  EXPECT_EQ(b.transport, TunnelTransport::Udp);
  EXPECT_EQ(b.udp_endpoint, kNatEndpoint);
  EXPECT_EQ(b.keepalive_interval, 110s);
  EXPECT_EQ(ha.stats().nat_detected, 1u);
  EXPECT_EQ(ha.stats().udp_tunnels_assented, 1u);

  // Data to the home address now goes in UDP to the NAT's endpoint, from port 434.
  PacketBuffer packet = bufferOf(ipv4Packet(kCorrespondent, kHoa));
  const SendDecision d = ha.forwardFromHome(packet, clock.now());
  ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
  ASSERT_TRUE(d.encapsulation.udp.has_value());
  EXPECT_EQ(d.encapsulation.udp->source_port, 434);
  EXPECT_EQ(d.encapsulation.udp->destination_port, kNatPort);
  EXPECT_EQ(d.encapsulation.udp->next_header, wire::kTunnelDataNextHeaderIpv4);
  EXPECT_EQ(d.encapsulation.outer.destination, kNatAddress);
  EXPECT_EQ(d.encapsulation.outer.protocol, wire::ip_protocol::kUdp);
}

TEST_F(HomeAgentNatTest, ConfiguredKeepaliveIntervalIsSentInTheReply) {
  HomeAgent short_keepalive{withUdpPolicy(UdpTunnelPolicy::Allow, 25s)};
  auto request = baseRequest(freshId(), kHoa, kPrivateCoa);
  request.extensions = {udpRequest()};
  const auto actions = short_keepalive.onRegistrationRequest(
      encodeRequest(request, key1()), {kNatEndpoint, {kHa, 434}}, clock.now(), kUnixStart);
  EXPECT_EQ(tunnelReply(onlyReply(actions, key1()))->keepalive_interval, 25);
}

TEST_F(HomeAgentNatTest, NoNatAndNoForceDeclinesButRegisters) {
  auto request = baseRequest(freshId());
  request.extensions = {udpRequest()};
  const auto reply = registerFrom(request, {kCoa, kMnPort});
  EXPECT_EQ(reply.code, RegistrationReplyCode::Accepted);
  const auto* t = tunnelReply(reply);
  ASSERT_NE(t, nullptr);  // RFC 3519 §4.6: always answer the extension
  EXPECT_EQ(t->reply_code, wire::UdpTunnelReplyCode::DeclinedReasonUnspecified);
  const auto b = ha.snapshot(clock.now()).bindings.at(0);
  EXPECT_FALSE(b.nat_detected);
  EXPECT_EQ(b.transport, TunnelTransport::IpInIp);
  EXPECT_EQ(ha.stats().udp_tunnels_declined, 1u);
}

TEST_F(HomeAgentNatTest, ForcedTunnellingWithoutNatAssentsWithF) {
  auto request = baseRequest(freshId());
  request.extensions = {udpRequest(true)};
  const auto reply = registerFrom(request, {kCoa, kMnPort});
  const auto* t = tunnelReply(reply);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->reply_code, wire::UdpTunnelReplyCode::WillTunnel);
  EXPECT_TRUE(t->force);
  const auto b = ha.snapshot(clock.now()).bindings.at(0);
  EXPECT_EQ(b.transport, TunnelTransport::Udp);
  EXPECT_TRUE(b.udp_forced);
  EXPECT_EQ(b.udp_endpoint, (Ipv4Endpoint{kCoa, kMnPort}));
}

TEST_F(HomeAgentNatTest, NatBehindWithoutUdpRequestRegistersIpInIpToTheCareOfField) {
  const auto reply = registerFrom(baseRequest(freshId(), kHoa, kPrivateCoa), kNatEndpoint);
  EXPECT_EQ(reply.code, RegistrationReplyCode::Accepted);
  EXPECT_EQ(tunnelReply(reply), nullptr);
  const auto b = ha.snapshot(clock.now()).bindings.at(0);
  EXPECT_TRUE(b.nat_detected);
  EXPECT_EQ(b.transport, TunnelTransport::IpInIp);
}

TEST_F(HomeAgentNatTest, UdpTunnelRequestWithoutDIsRejectedWith134) {
  auto request = baseRequest(freshId(), kHoa, kPrivateCoa);
  request.flags.decapsulation_by_mobile_node = false;
  request.extensions = {udpRequest()};
  EXPECT_EQ(registerFrom(request, kNatEndpoint).code, RegistrationReplyCode::HaPoorlyFormedRequest);
}

TEST_F(HomeAgentNatTest, UnsupportedEncapsulationIsRejectedWith142) {
  auto request = baseRequest(freshId(), kHoa, kPrivateCoa);
  request.extensions = {udpRequest(false, wire::kUdpTunnelEncapsulationGre)};
  EXPECT_EQ(registerFrom(request, kNatEndpoint).code,
            RegistrationReplyCode::HaUdpEncapsulationUnavailable);
  // Encapsulation 0 follows the flags: G asks for GRE in UDP.
  request = baseRequest(freshId(), kHoa, kPrivateCoa);
  request.flags.gre_encapsulation = true;
  request.extensions = {udpRequest()};
  EXPECT_EQ(registerFrom(request, kNatEndpoint).code,
            RegistrationReplyCode::HaUdpEncapsulationUnavailable);
  // Explicit IP-in-UDP (4) is fine.
  request = baseRequest(freshId(), kHoa, kPrivateCoa);
  request.extensions = {udpRequest(false, wire::kUdpTunnelEncapsulationIpInIp)};
  EXPECT_EQ(registerFrom(request, kNatEndpoint).code, RegistrationReplyCode::Accepted);
}

TEST_F(HomeAgentNatTest, NonZeroReserved3IsSkippedAsNotUnderstood) {
  // Decision D9: the extension is skipped, so the HA does not answer it and uses no UDP.
  auto request = baseRequest(freshId());
  request.extensions = {wire::Mipv4UnknownExtension{144, Bytes{0x00, 0x00, 0x80, 0x00, 0x00, 0x01},
                                                    wire::Mipv4SkipReason::NonZeroReserved}};
  const auto reply = registerFrom(request, {kCoa, kMnPort});
  EXPECT_EQ(reply.code, RegistrationReplyCode::Accepted);
  EXPECT_EQ(tunnelReply(reply), nullptr);
  EXPECT_EQ(ha.snapshot(clock.now()).bindings.at(0).transport, TunnelTransport::IpInIp);
  EXPECT_EQ(ha.stats().udp_tunnel_requests_skipped, 1u);
}

TEST_F(HomeAgentNatTest, RegistrationThroughAForeignAgentIsDeclined) {
  auto request = baseRequest(freshId(), kHoa, kPrivateCoa);
  auto ext = udpRequest();
  ext.registered_through_fa = true;
  request.extensions = {ext};
  const auto reply = registerFrom(request, kNatEndpoint);
  EXPECT_EQ(reply.code, RegistrationReplyCode::Accepted);
  EXPECT_EQ(tunnelReply(reply)->reply_code, wire::UdpTunnelReplyCode::DeclinedReasonUnspecified);
}

TEST_F(HomeAgentNatTest, ReRegistrationFromANewNatPortMovesTheTunnel) {
  auto request = baseRequest(freshId(), kHoa, kPrivateCoa);
  request.extensions = {udpRequest()};
  (void)registerFrom(request, kNatEndpoint);
  const Ipv4Endpoint rebound{kNatAddress, 61555};
  request.identification = freshId();
  (void)registerFrom(request, rebound);
  EXPECT_EQ(ha.snapshot(clock.now()).bindings.at(0).udp_endpoint, rebound);
  // The old endpoint no longer matches the tunnel (RFC 3519 §4.3).
  PacketBuffer old_data = bufferOf(tunnelData(ipv4Packet(kHoa, kCorrespondent), 4));
  EXPECT_EQ(
      ha.onUdpTunnelData(old_data, {kNatEndpoint, {kHa, 434}}, std::nullopt, clock.now()).reason,
      DropReason::WrongUdpEndpoint);
  PacketBuffer new_data = bufferOf(tunnelData(ipv4Packet(kHoa, kCorrespondent), 4));
  EXPECT_EQ(ha.onUdpTunnelData(new_data, {rebound, {kHa, 434}}, std::nullopt, clock.now()).verdict,
            ReceiveVerdict::Deliver);
}

class HomeAgentDenyUdpTest : public HomeAgentNatTest {
 protected:
  HomeAgentDenyUdpTest() : HomeAgentNatTest(withUdpPolicy(UdpTunnelPolicy::Deny)) {}
};

TEST_F(HomeAgentDenyUdpTest, RefusingNatTraversalIs129) {
  auto request = baseRequest(freshId(), kHoa, kPrivateCoa);
  request.extensions = {udpRequest()};
  EXPECT_EQ(registerFrom(request, kNatEndpoint).code,
            RegistrationReplyCode::HaAdministrativelyProhibited);
  EXPECT_TRUE(ha.snapshot(clock.now()).bindings.empty());
}

TEST_F(HomeAgentDenyUdpTest, RefusingForcedTunnellingIs129) {
  auto request = baseRequest(freshId());
  request.extensions = {udpRequest(true)};
  EXPECT_EQ(registerFrom(request, {kCoa, kMnPort}).code,
            RegistrationReplyCode::HaAdministrativelyProhibited);
}

TEST_F(HomeAgentDenyUdpTest, WithoutNatOrForceItDeclines) {
  auto request = baseRequest(freshId());
  request.extensions = {udpRequest()};
  const auto reply = registerFrom(request, {kCoa, kMnPort});
  EXPECT_EQ(reply.code, RegistrationReplyCode::Accepted);
  EXPECT_EQ(tunnelReply(reply)->reply_code, wire::UdpTunnelReplyCode::DeclinedReasonUnspecified);
}

class HomeAgentAlwaysUdpTest : public HomeAgentNatTest {
 protected:
  HomeAgentAlwaysUdpTest() : HomeAgentNatTest(withUdpPolicy(UdpTunnelPolicy::Always)) {}
};

TEST_F(HomeAgentAlwaysUdpTest, AssentsEvenWithoutNatOrForce) {
  auto request = baseRequest(freshId());
  request.extensions = {udpRequest()};
  const auto reply = registerFrom(request, {kCoa, kMnPort});
  EXPECT_EQ(tunnelReply(reply)->reply_code, wire::UdpTunnelReplyCode::WillTunnel);
  EXPECT_FALSE(tunnelReply(reply)->force);
  EXPECT_EQ(ha.snapshot(clock.now()).bindings.at(0).transport, TunnelTransport::Udp);
}

TEST_F(HomeAgentAlwaysUdpTest, WithoutTheExtensionNoUdp) {
  EXPECT_EQ(tunnelReply(registerFrom(baseRequest(freshId()), {kCoa, kMnPort})), nullptr);
  EXPECT_EQ(ha.snapshot(clock.now()).bindings.at(0).transport, TunnelTransport::IpInIp);
}

}  // namespace
}  // namespace dsmip::dsmip4::test
