// Shared pieces: the modulo-2^16 sequence comparison, the tunnel header rules (ECN table of
// RFC 6040 §4.2, DSCP models, inner source checks), the fast header peek, the IPv4 pool and
// the home agent configuration validation.

#include <gtest/gtest.h>

#include "dsmip6/home_agent_config.hpp"
#include "dsmip6/ipv4_pool.hpp"
#include "dsmip6/signalling.hpp"
#include "dsmip6/tunnel.hpp"
#include "dsmip6/types.hpp"
#include "dsmip6_test_util.hpp"
#include "wire/ipv4.hpp"

namespace dsmip::dsmip6::test {
namespace {

using wire::Ecn;

TEST(SequenceTest, Rfc6275Example) {
  // RFC 6275 §9.5.1: last = 15 → 0…15 and 32783…65535 are not newer.
  for (unsigned s = 0; s <= 15; ++s) EXPECT_FALSE(isNewerSequence(std::uint16_t(s), 15)) << s;
  for (unsigned s = 32783; s <= 65535; ++s) {
    EXPECT_FALSE(isNewerSequence(std::uint16_t(s), 15)) << s;
  }
  for (unsigned s = 16; s <= 32782; ++s) EXPECT_TRUE(isNewerSequence(std::uint16_t(s), 15)) << s;
}

TEST(SequenceTest, WrapAround) {
  EXPECT_TRUE(isNewerSequence(0, 65535));
  EXPECT_TRUE(isNewerSequence(32766, 65535));
  EXPECT_FALSE(isNewerSequence(32767, 65535));
  EXPECT_FALSE(isNewerSequence(65535, 0));
}

TEST(TunnelTest, EcnDecapsulationTable) {
  // RFC 6040 §4.2 Figure 4, [inner][outer] in the order Not-ECT, ECT(0), ECT(1), CE.
  const Ecn order[] = {Ecn::NotEct, Ecn::Ect0, Ecn::Ect1, Ecn::Ce};
  const Ecn expected[4][4] = {{Ecn::NotEct, Ecn::NotEct, Ecn::NotEct, Ecn::NotEct},
                              {Ecn::Ect0, Ecn::Ect0, Ecn::Ect1, Ecn::Ce},
                              {Ecn::Ect1, Ecn::Ect1, Ecn::Ect1, Ecn::Ce},
                              {Ecn::Ce, Ecn::Ce, Ecn::Ce, Ecn::Ce}};
  for (int i = 0; i < 4; ++i) {
    for (int o = 0; o < 4; ++o) {
      const Decapsulated d =
          decapsulateTrafficClass(wire::makeTrafficClass(20, order[i]),
                                  wire::makeTrafficClass(20, order[o]), wire::DscpModel::Uniform);
      const bool drop = i == 0 && o == 3;
      EXPECT_EQ(d.drop, drop) << i << o;
      if (!drop) {
        EXPECT_EQ(wire::ecnOf(d.traffic_class), expected[i][o]) << i << o;
      }
    }
  }
}

TEST(TunnelTest, DscpModels) {
  const std::uint8_t inner = wire::makeTrafficClass(10, Ecn::NotEct);
  const std::uint8_t outer = wire::makeTrafficClass(46, Ecn::NotEct);
  EXPECT_EQ(
      wire::dscpOf(decapsulateTrafficClass(inner, outer, wire::DscpModel::Uniform).traffic_class),
      46);
  const Decapsulated pipe = decapsulateTrafficClass(inner, outer, wire::DscpModel::Pipe);
  EXPECT_EQ(wire::dscpOf(pipe.traffic_class), 10);
  EXPECT_FALSE(pipe.changed);
}

TEST(TunnelTest, OuterTrafficClassCopiesDscpAndEcn) {
  TunnelPolicy normal;
  EXPECT_EQ(outerTrafficClass(wire::makeTrafficClass(34, Ecn::Ect1), normal),
            wire::makeTrafficClass(34, Ecn::Ect1));
  TunnelPolicy compat;
  compat.ecn = wire::EcnEncapsulationMode::Compatibility;
  EXPECT_EQ(outerTrafficClass(wire::makeTrafficClass(34, Ecn::Ect1), compat),
            wire::makeTrafficClass(34, Ecn::NotEct));
}

TEST(TunnelTest, PeekRejectsIncompletePackets) {
  EXPECT_FALSE(peekIpHeader({}));
  const Bytes short6(39, 0x60);
  EXPECT_FALSE(peekIpHeader(short6));
  Bytes v6(48, 0);
  v6[0] = 0x60;
  v6[5] = 9;  // payload length 9 > 8 available
  EXPECT_FALSE(peekIpHeader(v6));
  v6[5] = 8;
  ASSERT_TRUE(peekIpHeader(v6));
  EXPECT_EQ(peekIpHeader(v6)->length, 48u);
  Bytes v4(20, 0);
  v4[0] = 0x44;  // IHL 4 < 5
  EXPECT_FALSE(peekIpHeader(v4));
  v4[0] = 0x45;
  v4[3] = 21;  // total length beyond the buffer
  EXPECT_FALSE(peekIpHeader(v4));
  v4[3] = 20;
  EXPECT_TRUE(peekIpHeader(v4));
  const Bytes v5 = {0x50, 0, 0, 0};
  EXPECT_FALSE(peekIpHeader(v5));
}

TEST(TunnelTest, ApplyInnerTrafficClassKeepsIpv4ChecksumValid) {
  PacketBuffer b(256);
  ASSERT_TRUE(b.assign(Bytes(4, 1)));
  wire::Ipv4Header h;
  h.tos = 0;
  h.protocol = 17;
  h.source = kCn4;
  h.destination = kStaticHoa4;
  ASSERT_TRUE(wire::prependIpv4(b, h));
  ASSERT_TRUE(applyInnerTrafficClass(b.mutableData(), wire::makeTrafficClass(46, Ecn::Ce)));
  auto decoded = wire::decodeIpv4(b.data());
  ASSERT_TRUE(decoded);  // the header checksum verifies
  EXPECT_EQ(decoded->header.tos, wire::makeTrafficClass(46, Ecn::Ce));
  Bytes junk = {1, 2, 3};
  EXPECT_FALSE(applyInnerTrafficClass(junk, 0));
}

TEST(TunnelTest, InnerSourceChecks) {
  IpHeaderView h;
  h.version = 6;
  for (const char* bad : {"::", "::1", "ff02::1", "::ffff:10.0.0.1", "::10.0.0.1"}) {
    h.source6 = v6(bad);
    EXPECT_FALSE(isAcceptableInnerSource(h)) << bad;
  }
  h.source6 = kHoa;
  EXPECT_TRUE(isAcceptableInnerSource(h));
  h.version = 4;
  for (const char* bad : {"0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1"}) {
    h.source4 = v4(bad);
    EXPECT_FALSE(isAcceptableInnerSource(h)) << bad;
  }
  h.source4 = kStaticHoa4;
  EXPECT_TRUE(isAcceptableInnerSource(h));
}

TEST(TunnelTest, HeaderLengths) {
  TunnelHeaders t;
  t.encapsulation = Encapsulation::Ipv6;
  EXPECT_EQ(t.length(), 40u);
  t.encapsulation = Encapsulation::Ipv4;
  EXPECT_EQ(t.length(), 20u);
  t.encapsulation = Encapsulation::Udp;
  EXPECT_EQ(t.length(), 28u);
  t.encapsulation = Encapsulation::UdpTlv;
  EXPECT_EQ(t.length(), 32u);
  t.encapsulation = Encapsulation::None;
  PacketBuffer b(512);
  EXPECT_FALSE(prependTunnelHeaders(b, t));
  t.encapsulation = Encapsulation::Udp;
  PacketBuffer tight(64, 10);  // too little headroom
  EXPECT_FALSE(prependTunnelHeaders(tight, t));
}

TEST(TunnelTest, NamesAreStable) {
  EXPECT_EQ(encapsulationName(Encapsulation::UdpTlv), "udp-tlv");
  EXPECT_EQ(dropReasonName(DropReason::WrongOuterPort), "wrong-outer-port");
  EXPECT_EQ(dropReasonName(DropReason::NoIpv4HomeAddress), "no-ipv4-home-address");
  EXPECT_EQ(signallingDropName(SignallingDrop::NoOutstandingUpdate), "no-outstanding-update");
  EXPECT_EQ(eventKindName(EventKind::Stopped), "stopped");
  EXPECT_EQ(eventKindName(EventKind::Started), "started");
  EXPECT_EQ(verdictName(Verdict::Signalling), "signalling");
  EXPECT_EQ(Transport::udp({kNat4, 1}, {kHa4, 4191}).toString(),
            "udp 203.0.113.5:1 -> 198.51.100.1:4191");
  for (std::size_t i = 0; i < kDropReasonCount; ++i) {
    EXPECT_NE(dropReasonName(static_cast<DropReason>(i)), "unknown") << i;
  }
  for (std::size_t i = 0; i < kSignallingDropCount; ++i) {
    EXPECT_NE(signallingDropName(static_cast<SignallingDrop>(i)), "unknown") << i;
  }
}

TEST(Ipv4PoolTest, AllocatesReleasesAndRemembers) {
  Ipv4AddressPool pool(Ipv4Range{v4("10.2.0.1"), v4("10.2.0.3")});
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_EQ(pool.allocate(kHoa), v4("10.2.0.1"));
  EXPECT_EQ(pool.allocate(kHoa), v4("10.2.0.1"));  // same lease
  EXPECT_EQ(pool.allocate(kHoa2), v4("10.2.0.2"));
  EXPECT_TRUE(pool.isLeasedTo(v4("10.2.0.2"), kHoa2));
  EXPECT_FALSE(pool.isLeasedTo(v4("10.2.0.2"), kHoa));
  pool.release(kHoa);
  EXPECT_EQ(pool.leased(), 1u);
  EXPECT_EQ(pool.leaseOf(kHoa), std::nullopt);
  EXPECT_EQ(pool.allocate(kMrHoa), v4("10.2.0.3"));             // round robin, not the released one
  EXPECT_EQ(pool.allocate(kHoa), v4("10.2.0.1"));               // its previous address
  EXPECT_EQ(pool.allocate(v6("2001:db8:1::4")), std::nullopt);  // exhausted
  EXPECT_FALSE(pool.allocateSpecific(v4("10.2.0.2"), kCn));     // someone else's
  EXPECT_FALSE(pool.allocateSpecific(v4("10.3.0.2"), kCn));     // outside
  pool.release(kHoa2);
  EXPECT_TRUE(pool.allocateSpecific(v4("10.2.0.2"), kCn));
  EXPECT_TRUE(pool.allocateSpecific(v4("10.2.0.2"), kCn));   // idempotent
  EXPECT_FALSE(pool.allocateSpecific(v4("10.2.0.1"), kCn));  // one lease per home address
}

TEST(HomeAgentConfigTest, TestConfigIsValid) {
  EXPECT_TRUE(validateHomeAgentConfig(testHomeAgentConfig()));
}

TEST(HomeAgentConfigTest, RejectionsNameTheKey) {
  const auto expectKey = [](HomeAgentConfig c, std::string_view key) {
    auto s = validateHomeAgentConfig(c);
    ASSERT_FALSE(s) << key;
    EXPECT_EQ(s.error().detail.rfind(std::string(key), 0), 0u) << s.error().detail;
  };
  HomeAgentConfig c = testHomeAgentConfig();
  c.home_prefixes.clear();
  expectKey(c, "home_prefixes");
  c = testHomeAgentConfig();
  c.address = v6("2001:db8:9::1");
  expectKey(c, "address");
  c = testHomeAgentConfig();
  c.ipv4_pool = Ipv4Range{v4("10.2.0.9"), v4("10.2.0.1")};
  expectKey(c, "ipv4_pool");
  c = testHomeAgentConfig();
  c.max_binding_lifetime = std::chrono::seconds(1);
  expectKey(c, "max_binding_lifetime");
  c = testHomeAgentConfig();
  c.nat_refresh_time = Duration::zero();
  expectKey(c, "nat_refresh_time");
  c = testHomeAgentConfig();
  c.mobile_nodes[1].home_address = kHoa;
  expectKey(c, "mobile_node[1].home_address");
  c = testHomeAgentConfig();
  c.mobile_nodes[0].ipv4_home_address = v4("10.2.0.1");
  expectKey(c, "mobile_node[0].ipv4_home_address");
  c = testHomeAgentConfig();
  c.mobile_nodes[2].mobile_network_prefixes.push_back(p6("2001:db8:1::/48"));
  expectKey(c, "mobile_node[2].mobile_network_prefixes");
  c = testHomeAgentConfig();
  c.mobile_nodes[0].mobile_network_prefixes.push_back(p6("2001:db8:400::/48"));
  expectKey(c, "mobile_node[0].mobile_network_prefixes");
  c = testHomeAgentConfig();
  c.ipv4_pool.reset();
  expectKey(c, "mobile_node[1].dynamic_ipv4");
  c = testHomeAgentConfig();
  c.any_home_address_dynamic_ipv4 = true;
  expectKey(c, "any_home_address_dynamic_ipv4");
}

}  // namespace
}  // namespace dsmip::dsmip6::test
