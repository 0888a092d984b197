// Mobile node data plane: encapsulation for every data path, the source checks on what leaves
// the TUN, and the checks on what the home agent sends (outer source and port, inner
// destination, RFC 4213 §3.6, ECN), with signalling recognised inside UDP and IP-in-IPv4.

#include <gtest/gtest.h>

#include <memory>

#include "dsmip6/mobile_node.hpp"
#include "mn_test_util.hpp"
#include "wire/ipv4.hpp"
#include "wire/tlv.hpp"
#include "wire/udp.hpp"

namespace dsmip::dsmip6::test {
namespace {

using namespace std::chrono_literals;
using wire::Ecn;

Bytes ip6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t tc = 0,
          std::uint8_t next_header = 17) {
  PacketBuffer b(512);
  EXPECT_TRUE(b.assign(Bytes(8, 0x11)));
  wire::Ipv6Header h;
  h.traffic_class = tc;
  h.next_header = next_header;
  h.source = src;
  h.destination = dst;
  EXPECT_TRUE(wire::prependIpv6(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

Bytes ip4(const Ipv4Address& src, const Ipv4Address& dst, bool df = false) {
  PacketBuffer b(512);
  EXPECT_TRUE(b.assign(Bytes(8, 0x22)));
  wire::Ipv4Header h;
  h.protocol = 17;
  h.dont_fragment = df;
  h.source = src;
  h.destination = dst;
  EXPECT_TRUE(wire::prependIpv4(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

class MobileNodeDataTest : public ::testing::Test {
 protected:
  MobileNodeDataTest() { reset(testMobileNodeConfig()); }
  void reset(MobileNodeConfig c) { mn_ = std::make_unique<MobileNode>(std::move(c), random_); }
  // Registers at `c`, the BA carrying `options` and flags.
  void registerAt(const CareOfCandidate& c, wire::MobilityOptions options = {},
                  std::uint8_t ba_flags = 0) {
    auto bu = onlyBu(mn_->onCareOfAddresses({c}, kT0));
    ASSERT_TRUE(bu);
    wire::BindingAck a = ackFor(*bu);
    a.options = std::move(options);
    a.flags = static_cast<std::uint8_t>(a.flags | ba_flags);
    const Reply r = replyTo(*bu, a);
    (void)mn_->onSignalling(r.packet, r.inbound, kT0);
  }
  TunnelledPacket fromHa(ByteView payload, Encapsulation outer = Encapsulation::Udp,
                         std::uint8_t tos = 0) {
    TunnelledPacket t;
    t.outer = outer;
    t.ipv6_source = kHa;
    t.ipv4_source = Ipv4Endpoint{kHa4, 4191};
    t.ipv4_destination = Ipv4Endpoint{kPrivateCoa4, kLocalPort};
    t.traffic_class = tos;
    t.protocol = 41;
    t.payload = payload;
    return t;
  }
  std::uint64_t drops(DropReason r) const {
    return mn_->stats().data_drops[static_cast<std::size_t>(r)];
  }

  SeededRandom random_{5};
  std::unique_ptr<MobileNode> mn_;
};

TEST_F(MobileNodeDataTest, NothingLeavesBeforeTheBindingAck) {
  (void)mn_->onCareOfAddresses({candidate(kCoa)}, kT0);
  EXPECT_EQ(mn_->onTunPacket(ip6(kHoa, kCn)).drop_reason, DropReason::NoBinding);
}

TEST_F(MobileNodeDataTest, Ipv6CareOfEncapsulatesIpv6AndIpv4) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.ipv4_home_address_mode = Ipv4HomeAddressMode::Static;
  c.ipv4_home_address = kStaticHoa4;
  reset(c);
  registerAt(candidate(kCoa),
             {wire::Ipv4AddressAckOption{wire::Ipv4AckStatus::Success, 32, kStaticHoa4}});
  const std::uint8_t tc = wire::makeTrafficClass(46, Ecn::Ect0);
  PacketDecision d = mn_->onTunPacket(ip6(kHoa, kCn, tc));
  ASSERT_EQ(d.verdict, Verdict::Encapsulate);
  EXPECT_EQ(d.tunnel.encapsulation, Encapsulation::Ipv6);
  EXPECT_EQ(d.tunnel.inner_protocol, 41);
  EXPECT_EQ(d.tunnel.ipv6_source, kCoa);
  EXPECT_EQ(d.tunnel.ipv6_destination, kHa);
  EXPECT_EQ(d.tunnel.traffic_class, tc);
  PacketDecision d4 = mn_->onTunPacket(ip4(kStaticHoa4, kCn4));
  ASSERT_EQ(d4.verdict, Verdict::Encapsulate);
  EXPECT_EQ(d4.tunnel.encapsulation, Encapsulation::Ipv6);  // IPv4-in-IPv6
  EXPECT_EQ(d4.tunnel.inner_protocol, 4);
  EXPECT_EQ(mn_->stats().packets_encapsulated, 2u);
}

TEST_F(MobileNodeDataTest, UdpPathToTheHomeAgentPort) {
  registerAt(candidate(kPrivateCoa4), {wire::NatDetectionOption{false, 110}});
  const Bytes packet = ip6(kHoa, kCn);
  PacketDecision d = mn_->onTunPacket(packet);
  ASSERT_EQ(d.verdict, Verdict::Encapsulate);
  EXPECT_EQ(d.tunnel.encapsulation, Encapsulation::Udp);
  EXPECT_EQ(d.tunnel.ipv4_source, kPrivateCoa4);
  EXPECT_EQ(d.tunnel.ipv4_destination, kHa4);
  EXPECT_EQ(d.tunnel.udp_source_port, kLocalPort);
  EXPECT_EQ(d.tunnel.udp_destination_port, 4191);
  PacketBuffer b(2048);
  ASSERT_TRUE(b.assign(packet));
  ASSERT_TRUE(prependTunnelHeaders(b, d.tunnel));
  auto outer = wire::decodeIpv4(b.data()).value();
  auto udp = wire::decodeUdp(outer.payload).value();
  EXPECT_EQ(udp.header.source_port, kLocalPort);
  EXPECT_TRUE(wire::verifyUdpChecksum(udp, kPrivateCoa4, kHa4));
}

TEST_F(MobileNodeDataTest, UdpTlvPath) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.tlv_header = true;
  reset(c);
  registerAt(candidate(kPrivateCoa4), {wire::NatDetectionOption{false, 110}},
             wire::kBaFlagTlvHeader);
  const Bytes packet = ip6(kHoa, kCn);
  PacketDecision d = mn_->onTunPacket(packet);
  ASSERT_EQ(d.tunnel.encapsulation, Encapsulation::UdpTlv);
  PacketBuffer b(2048);
  ASSERT_TRUE(b.assign(packet));
  ASSERT_TRUE(prependTunnelHeaders(b, d.tunnel));
  auto udp = wire::decodeUdp(wire::decodeIpv4(b.data()).value().payload).value();
  EXPECT_EQ(wire::decodeTlv(udp.payload).value().header.next_header, 41);
}

TEST_F(MobileNodeDataTest, IpInIpv4PathCopiesDfForIpv4Only) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.ipv4_home_address_mode = Ipv4HomeAddressMode::Static;
  c.ipv4_home_address = kStaticHoa4;
  reset(c);
  registerAt(candidate(kCoa4),
             {wire::Ipv4AddressAckOption{wire::Ipv4AckStatus::Success, 32, kStaticHoa4},
              wire::NatDetectionOption{false, wire::kNatRefreshNoNat}});
  PacketDecision d6 = mn_->onTunPacket(ip6(kHoa, kCn));
  EXPECT_EQ(d6.tunnel.encapsulation, Encapsulation::Ipv4);
  EXPECT_EQ(d6.tunnel.inner_protocol, 41);
  EXPECT_FALSE(d6.tunnel.dont_fragment);
  PacketDecision d4 = mn_->onTunPacket(ip4(kStaticHoa4, kCn4, true));
  EXPECT_EQ(d4.tunnel.inner_protocol, 4);
  EXPECT_TRUE(d4.tunnel.dont_fragment);
  EXPECT_EQ(d4.tunnel.ipv4_source, kCoa4);
}

TEST_F(MobileNodeDataTest, SourceChecksOnTheWayOut) {
  registerAt(candidate(kCoa));
  EXPECT_EQ(mn_->onTunPacket(ip6(kHoa2, kCn)).drop_reason, DropReason::WrongInnerSource);
  EXPECT_EQ(mn_->onTunPacket(ip4(kStaticHoa4, kCn4)).drop_reason, DropReason::NoIpv4HomeAddress);
  const Bytes junk = {0x45, 0};
  EXPECT_EQ(mn_->onTunPacket(junk).drop_reason, DropReason::Malformed);
  EXPECT_EQ(drops(DropReason::WrongInnerSource), 1u);
}

TEST_F(MobileNodeDataTest, MobileRouterTunnelsItsNetwork) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.home_addresses = {kMrHoa};
  c.mobile_router = true;
  c.mobile_network_prefixes = {kMnp};
  reset(c);
  registerAt(candidate(kCoa));
  EXPECT_EQ(mn_->onTunPacket(ip6(v6("2001:db8:100:1::5"), kCn)).verdict, Verdict::Encapsulate);
  const Bytes in = ip6(kCn, v6("2001:db8:100:1::5"));
  EXPECT_EQ(mn_->onTunnelledPacket(fromHa(in, Encapsulation::Ipv6)).verdict, Verdict::Deliver);
}

TEST_F(MobileNodeDataTest, AcceptsOnlyTheHomeAgentAsOuterSource) {
  registerAt(candidate(kPrivateCoa4), {wire::NatDetectionOption{false, 110}});
  const Bytes inner = ip6(kCn, kHoa, wire::makeTrafficClass(0, Ecn::Ect1));
  TunnelledPacket t = fromHa(inner, Encapsulation::Udp, wire::makeTrafficClass(0, Ecn::Ce));
  PacketDecision d = mn_->onTunnelledPacket(t);
  ASSERT_EQ(d.verdict, Verdict::Deliver);
  EXPECT_EQ(d.inner_length, inner.size());
  EXPECT_TRUE(d.rewrite_traffic_class);
  EXPECT_EQ(wire::ecnOf(d.traffic_class), Ecn::Ce);
  t.ipv4_source.port = 4192;
  EXPECT_EQ(mn_->onTunnelledPacket(t).drop_reason, DropReason::WrongOuterPort);
  t.ipv4_source = Ipv4Endpoint{kNat4, 4191};
  EXPECT_EQ(mn_->onTunnelledPacket(t).drop_reason, DropReason::WrongOuterSource);
  TunnelledPacket v6 = fromHa(inner, Encapsulation::Ipv6);
  v6.ipv6_source = kCn;
  EXPECT_EQ(mn_->onTunnelledPacket(v6).drop_reason, DropReason::WrongOuterSource);
}

TEST_F(MobileNodeDataTest, InnerChecksOnTheWayIn) {
  registerAt(candidate(kCoa));
  const Bytes not_ours = ip6(kCn, kHoa2);
  EXPECT_EQ(mn_->onTunnelledPacket(fromHa(not_ours, Encapsulation::Ipv6)).drop_reason,
            DropReason::WrongInnerDestination);
  const Bytes mapped = ip6(v6("::ffff:198.51.100.99"), kHoa);
  EXPECT_EQ(mn_->onTunnelledPacket(fromHa(mapped, Encapsulation::Ipv6)).drop_reason,
            DropReason::InvalidInnerSource);
  const Bytes not_ect = ip6(kCn, kHoa, wire::makeTrafficClass(0, Ecn::NotEct));
  EXPECT_EQ(mn_->onTunnelledPacket(
                   fromHa(not_ect, Encapsulation::Ipv6, wire::makeTrafficClass(0, Ecn::Ce)))
                .drop_reason,
            DropReason::EcnNotEctWithCe);
  const Bytes v4 = ip4(kCn4, kStaticHoa4);
  TunnelledPacket t = fromHa(v4, Encapsulation::Ipv6);
  t.protocol = 4;
  EXPECT_EQ(mn_->onTunnelledPacket(t).drop_reason, DropReason::WrongInnerDestination);
}

TEST_F(MobileNodeDataTest, SignallingInsideUdpIsRecognised) {
  registerAt(candidate(kPrivateCoa4), {wire::NatDetectionOption{false, 110}});
  const Bytes brr = buildMobilityPacket(wire::BindingRefreshRequest{}, kHa, kHoa).value();
  PacketDecision d = mn_->onTunnelledPacket(fromHa(brr));
  ASSERT_EQ(d.verdict, Verdict::Signalling);
  EXPECT_EQ(d.transport, Transport::udp({kHa4, 4191}, {kPrivateCoa4, kLocalPort}));
  // An echo reply from the home agent's address is data for the TUN.
  PacketBuffer echo(512);
  ASSERT_TRUE(echo.assign(Bytes(4, 7)));
  ASSERT_TRUE(wire::prependIcmpv6EchoReply(echo, 1, 1, kHa, kHoa));
  const Bytes reply = finishIcmpv6Packet(echo, kHa, kHoa).value();
  EXPECT_EQ(mn_->onTunnelledPacket(fromHa(reply)).verdict, Verdict::Deliver);
}

TEST_F(MobileNodeDataTest, Ipv6InIpv4FromTheHomeAgent) {
  registerAt(candidate(kCoa4), {wire::NatDetectionOption{false, wire::kNatRefreshNoNat}});
  const Bytes inner = ip6(kCn, kHoa);
  PacketBuffer b(1024);
  ASSERT_TRUE(b.assign(inner));
  wire::Ipv4Header h;
  h.protocol = 41;
  h.source = kHa4;
  h.destination = kCoa4;
  ASSERT_TRUE(wire::prependIpv4(b, h));
  PacketDecision d = mn_->onIpv4Packet(b.data());
  ASSERT_EQ(d.verdict, Verdict::Deliver);
  EXPECT_EQ(d.inner_offset, 20u);
  EXPECT_EQ(mn_->stats().packets_decapsulated, 1u);
}

}  // namespace
}  // namespace dsmip::dsmip6::test
