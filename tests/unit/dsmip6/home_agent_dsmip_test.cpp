// Home agent core: the dual-stack rules of RFC 5555 §4.5 — NAT detection and the NAT Detection
// option, the F flag policy (decision D2), the TLV format (D3), BAs over UDP (D5, D6), and the
// IPv4 home address option (static check, dynamic pool, prefixes, removal).

#include <gtest/gtest.h>

#include "dsmip6/home_agent.hpp"
#include "dsmip6_test_util.hpp"

namespace dsmip::dsmip6::test {
namespace {

using wire::BindingAckStatus;
using wire::Ipv4AckStatus;

const Ipv4Endpoint kNatEndpoint{kNat4, 40001};
const Ipv4Endpoint kPublicEndpoint{kCoa4, 5000};

class HomeAgentDsmipTest : public ::testing::Test {
 protected:
  HomeAgentDsmipTest() : ha_(testHomeAgentConfig(), random_) {}

  DecodedAck udpBu(HomeAgent& ha, wire::BindingUpdate bu, const Ipv4Address& coa4,
                   const Ipv4Endpoint& from, const Ipv6Address& hoa = kHoa) {
    auto ack =
        onlyAck(ha.onSignalling(buFromIpv4(std::move(bu), coa4, hoa), udpInbound(from), kT0));
    EXPECT_TRUE(ack);
    return ack ? *ack : DecodedAck{};
  }
  DecodedAck udpBu(wire::BindingUpdate bu, const Ipv4Address& coa4, const Ipv4Endpoint& from,
                   const Ipv6Address& hoa = kHoa) {
    return udpBu(ha_, std::move(bu), coa4, from, hoa);
  }
  static wire::BindingUpdate withIpv4Hoa(wire::BindingUpdate bu, Ipv4Address address,
                                         std::uint8_t length = 32, bool prefix = false) {
    bu.options.push_back(wire::Ipv4HomeAddressOption{length, prefix, address});
    return bu;
  }
  static std::vector<wire::Ipv4AddressAckOption> acksOf(const wire::BindingAck& ack) {
    std::vector<wire::Ipv4AddressAckOption> out;
    for (const auto* a : wire::findAllOptions<wire::Ipv4AddressAckOption>(ack.options)) {
      out.push_back(*a);
    }
    return out;
  }

  SeededRandom random_{2};
  HomeAgent ha_;
};

TEST_F(HomeAgentDsmipTest, NatDetectedWhenOuterSourceDiffersFromIpv4CareOf) {
  DecodedAck a = udpBu(homeRegistration(1), kPrivateCoa4, kNatEndpoint);
  EXPECT_EQ(a.ack.status, BindingAckStatus::Accepted);
  const auto* nat = wire::findOption<wire::NatDetectionOption>(a.ack.options);
  ASSERT_NE(nat, nullptr);
  EXPECT_EQ(nat->refresh_time, 110u);  // NATKATIMEOUT
  EXPECT_FALSE(nat->force_udp);
  // BA over UDP to the NAT's address and port, inner destination the HoA, no routing header
  // (RFC 5555 §4.2, decision D5).
  EXPECT_EQ(a.packet.transport, Transport::udp({kHa4, 4191}, kNatEndpoint));
  EXPECT_EQ(a.packet.ip.header.source, kHa);
  EXPECT_EQ(a.packet.ip.header.destination, kHoa);
  EXPECT_FALSE(a.packet.ip.routing_home_address);
  const BindingCacheEntry* e = ha_.binding(kHoa);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->nat_detected);
  EXPECT_EQ(e->care_of, CareOfAddress{kPrivateCoa4});
  EXPECT_EQ(e->udp_endpoint, kNatEndpoint);
  EXPECT_EQ(e->encapsulation, Encapsulation::Udp);
  EXPECT_EQ(ha_.stats().nat_detected, 1u);
}

TEST_F(HomeAgentDsmipTest, NoNatWhenOuterSourceEqualsIpv4CareOf) {
  DecodedAck a = udpBu(homeRegistration(1), kCoa4, kPublicEndpoint);
  const auto* nat = wire::findOption<wire::NatDetectionOption>(a.ack.options);
  ASSERT_NE(nat, nullptr);  // in every BA to a UDP BU
  EXPECT_EQ(nat->refresh_time, wire::kNatRefreshNoNat);
  EXPECT_EQ(a.packet.transport, Transport::udp({kHa4, 4191}, kPublicEndpoint));
  EXPECT_EQ(ha_.binding(kHoa)->encapsulation, Encapsulation::Ipv4);  // IP-in-IPv4
  EXPECT_FALSE(ha_.binding(kHoa)->nat_detected);
}

TEST_F(HomeAgentDsmipTest, SuggestsConfiguredRefreshTime) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.nat_refresh_time = std::chrono::seconds(25);
  HomeAgent ha(c, random_);
  DecodedAck a = udpBu(ha, homeRegistration(1), kPrivateCoa4, kNatEndpoint);
  EXPECT_EQ(wire::findOption<wire::NatDetectionOption>(a.ack.options)->refresh_time, 25u);
}

TEST_F(HomeAgentDsmipTest, RejectionsOverUdpStillCarryNatDetection) {
  DecodedAck a = udpBu(homeRegistration(1), kPrivateCoa4, kNatEndpoint, v6("2001:db8:1::999"));
  EXPECT_EQ(a.ack.status, BindingAckStatus::AdministrativelyProhibited);
  EXPECT_NE(wire::findOption<wire::NatDetectionOption>(a.ack.options), nullptr);
  EXPECT_EQ(a.packet.transport.ipv4_destination, kNatEndpoint);
}

TEST_F(HomeAgentDsmipTest, NatRebindingMovesTheBindingToTheNewMapping) {
  udpBu(homeRegistration(1), kPrivateCoa4, kNatEndpoint);
  const Ipv4Endpoint rebound{kNat4, 40999};
  DecodedAck a = udpBu(homeRegistration(2), kPrivateCoa4, rebound);
  EXPECT_EQ(a.packet.transport.ipv4_destination, rebound);
  EXPECT_EQ(ha_.binding(kHoa)->udp_endpoint, rebound);
}

TEST_F(HomeAgentDsmipTest, ForceUdpAcceptedMakesUdpWithoutNat) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagForceUdp);
  DecodedAck a = udpBu(bu, kCoa4, kPublicEndpoint);
  EXPECT_EQ(a.ack.status, BindingAckStatus::Accepted);
  EXPECT_EQ(wire::findOption<wire::NatDetectionOption>(a.ack.options)->refresh_time,
            wire::kNatRefreshNoNat);
  EXPECT_EQ(ha_.binding(kHoa)->encapsulation, Encapsulation::Udp);
}

TEST_F(HomeAgentDsmipTest, ForceUdpRefusedWithStatus144) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.force_udp = ForceUdpPolicy::Refuse;
  HomeAgent ha(c, random_);
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagForceUdp);
  DecodedAck a = udpBu(ha, bu, kCoa4, kPublicEndpoint);
  EXPECT_EQ(a.ack.status, wire::kBaStatusCannotForceUdp);
  EXPECT_EQ(static_cast<int>(a.ack.status), 144);  // decision D2
  EXPECT_EQ(ha.binding(kHoa), nullptr);
  // Without F the same mobile node is accepted.
  EXPECT_EQ(udpBu(ha, homeRegistration(2), kCoa4, kPublicEndpoint).ack.status,
            BindingAckStatus::Accepted);
}

TEST_F(HomeAgentDsmipTest, ForceUdpWithIpv6CareOfIsRefused) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagForceUdp);
  auto ack = onlyAck(ha_.onSignalling(buFromIpv6(bu, kCoa), {}, kT0));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack.status, wire::kBaStatusCannotForceUdp);
}

TEST_F(HomeAgentDsmipTest, HomeAgentRequiringUdpSetsNatDetectionF) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.require_udp = true;
  HomeAgent ha(c, random_);
  DecodedAck a = udpBu(ha, homeRegistration(1), kCoa4, kPublicEndpoint);
  const auto* nat = wire::findOption<wire::NatDetectionOption>(a.ack.options);
  EXPECT_TRUE(nat->force_udp);
  EXPECT_EQ(nat->refresh_time, wire::kNatRefreshNoNat);
  EXPECT_EQ(ha.binding(kHoa)->encapsulation, Encapsulation::Udp);
}

TEST_F(HomeAgentDsmipTest, TlvAcceptedOnlyWhenOfferedAndEnabled) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagTlvHeader);
  // Off by default (D3): no T, plain UDP.
  DecodedAck off = udpBu(bu, kPrivateCoa4, kNatEndpoint);
  EXPECT_FALSE(off.ack.has(wire::kBaFlagTlvHeader));
  EXPECT_EQ(ha_.binding(kHoa)->encapsulation, Encapsulation::Udp);
  HomeAgentConfig c = testHomeAgentConfig();
  c.tlv_header = true;
  HomeAgent ha(c, random_);
  DecodedAck on = udpBu(ha, bu, kPrivateCoa4, kNatEndpoint);
  EXPECT_TRUE(on.ack.has(wire::kBaFlagTlvHeader));
  EXPECT_EQ(ha.binding(kHoa)->encapsulation, Encapsulation::UdpTlv);
  // Never unasked.
  DecodedAck unasked = udpBu(ha, homeRegistration(2), kPrivateCoa4, kNatEndpoint);
  EXPECT_FALSE(unasked.ack.has(wire::kBaFlagTlvHeader));
  EXPECT_EQ(ha.binding(kHoa)->encapsulation, Encapsulation::Udp);
  // Not with an IPv6 care-of address, where UDP is not used.
  auto v6ack = onlyAck(ha.onSignalling(buFromIpv6(
                                           [&] {
                                             wire::BindingUpdate b = homeRegistration(3);
                                             b.set(wire::kBuFlagTlvHeader);
                                             return b;
                                           }(),
                                           kCoa),
                                       {}, kT0));
  ASSERT_TRUE(v6ack);
  EXPECT_FALSE(v6ack->ack.has(wire::kBaFlagTlvHeader));
}

TEST_F(HomeAgentDsmipTest, UdpBindingUpdateWithoutIpv4CareOfIsDiscarded) {
  auto actions = ha_.onSignalling(buildMobilityPacket(homeRegistration(1), kHoa, kHa).value(),
                                  udpInbound(kNatEndpoint), kT0);
  EXPECT_TRUE(actions.empty());
  EXPECT_EQ(
      ha_.stats().signalling_drops[static_cast<std::size_t>(SignallingDrop::UdpWithoutIpv4CareOf)],
      1u);
}

TEST_F(HomeAgentDsmipTest, Ipv4CareOfOptionOutsideUdpIsDiscarded) {
  EXPECT_TRUE(ha_.onSignalling(buFromIpv4(homeRegistration(1), kCoa4), {}, kT0).empty());
  Inbound proto41{Transport::protocol41(kCoa4, kHa4), false, std::nullopt};
  EXPECT_TRUE(ha_.onSignalling(buFromIpv4(homeRegistration(1), kCoa4), proto41, kT0).empty());
  EXPECT_EQ(ha_.stats().signalling_drops[static_cast<std::size_t>(SignallingDrop::Ipv4NotOverUdp)],
            2u);
}

TEST_F(HomeAgentDsmipTest, UdpBindingUpdateMayStillCarryHomeAddressOption) {
  // D6 makes the HAO optional over UDP; with one, the BA still has no routing header (D5).
  wire::BindingUpdate bu = homeRegistration(1);
  bu.options.push_back(wire::Ipv4CareOfAddressOption{kPrivateCoa4});
  wire::Ipv6Extensions ext;
  ext.home_address = kHoa;
  auto ack =
      onlyAck(ha_.onSignalling(buildMobilityPacket(bu, v6("2001:db8:2::5"), kHa, ext).value(),
                               udpInbound(kNatEndpoint), kT0));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack.status, BindingAckStatus::Accepted);
  EXPECT_EQ(ack->packet.ip.header.destination, kHoa);
  EXPECT_FALSE(ack->packet.ip.routing_home_address);
}

// --- IPv4 home address option -----------------------------------------------------------------

TEST_F(HomeAgentDsmipTest, StaticIpv4HomeAddressAccepted) {
  DecodedAck a = udpBu(withIpv4Hoa(homeRegistration(1), kStaticHoa4), kPrivateCoa4, kNatEndpoint);
  auto acks = acksOf(a.ack);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].status, Ipv4AckStatus::Success);
  EXPECT_EQ(acks[0].prefix_length, 32);
  EXPECT_EQ(acks[0].home_address, kStaticHoa4);
  EXPECT_EQ(ha_.binding(kHoa)->ipv4HomeAddress(), kStaticHoa4);
  EXPECT_EQ(ha_.stats().ipv4_ack_status[0], 1u);
}

TEST_F(HomeAgentDsmipTest, StaticIpv4HomeAddressInterceptedByProxyArp) {
  auto actions =
      ha_.onSignalling(buFromIpv4(withIpv4Hoa(homeRegistration(1), kStaticHoa4), kPrivateCoa4),
                       udpInbound(kNatEndpoint), kT0);
  EXPECT_EQ(actionsOf<InterceptIpv4Address>(actions),
            (std::vector<InterceptIpv4Address>{{kStaticHoa4, true}}));
}

TEST_F(HomeAgentDsmipTest, WrongStaticIpv4HomeAddressGets130) {
  DecodedAck a =
      udpBu(withIpv4Hoa(homeRegistration(1), v4("10.1.0.6")), kPrivateCoa4, kNatEndpoint);
  EXPECT_EQ(a.ack.status, BindingAckStatus::Accepted);  // the IPv6 binding is fine
  auto acks = acksOf(a.ack);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].status, Ipv4AckStatus::IncorrectIpv4HomeAddress);
  EXPECT_EQ(acks[0].prefix_length, 0);  // MUST be 0 on failure
  EXPECT_EQ(ha_.binding(kHoa)->ipv4HomeAddress(), std::nullopt);
  // Another MN's static address is just as incorrect.
  DecodedAck b =
      udpBu(withIpv4Hoa(homeRegistration(1), kStaticHoa4), kPrivateCoa4, kNatEndpoint, kHoa2);
  EXPECT_EQ(acksOf(b.ack)[0].status, Ipv4AckStatus::IncorrectIpv4HomeAddress);
}

TEST_F(HomeAgentDsmipTest, DynamicRequestGetsStaticAddressWhenConfigured) {
  DecodedAck a = udpBu(withIpv4Hoa(homeRegistration(1), Ipv4Address{}), kPrivateCoa4, kNatEndpoint);
  EXPECT_EQ(acksOf(a.ack)[0].home_address, kStaticHoa4);
}

TEST_F(HomeAgentDsmipTest, DynamicIpv4HomeAddressFromPoolAndExhaustion) {
  DecodedAck a =
      udpBu(withIpv4Hoa(homeRegistration(1), Ipv4Address{}), kPrivateCoa4, kNatEndpoint, kHoa2);
  auto acks = acksOf(a.ack);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].status, Ipv4AckStatus::Success);
  EXPECT_EQ(acks[0].home_address, v4("10.2.0.1"));
  EXPECT_TRUE(ha_.binding(kHoa2)->ipv4[0].dynamic);
  // A refresh with the leased address keeps it.
  DecodedAck refresh =
      udpBu(withIpv4Hoa(homeRegistration(2), v4("10.2.0.1")), kPrivateCoa4, kNatEndpoint, kHoa2);
  EXPECT_EQ(acksOf(refresh.ack)[0].status, Ipv4AckStatus::Success);
  // Exhaust the two-address pool with `accept_any` mobile nodes.
  HomeAgentConfig c = testHomeAgentConfig();
  c.accept_any_home_address = true;
  c.any_home_address_dynamic_ipv4 = true;
  HomeAgent ha(c, random_);
  for (int i = 1; i <= 2; ++i) {
    const Ipv6Address hoa = v6("2001:db8:1::a" + std::to_string(i));
    EXPECT_EQ(acksOf(udpBu(ha, withIpv4Hoa(homeRegistration(1), Ipv4Address{}), kPrivateCoa4,
                           kNatEndpoint, hoa)
                         .ack)[0]
                  .status,
              Ipv4AckStatus::Success);
  }
  DecodedAck full = udpBu(ha, withIpv4Hoa(homeRegistration(1), Ipv4Address{}), kPrivateCoa4,
                          kNatEndpoint, v6("2001:db8:1::a3"));
  EXPECT_EQ(full.ack.status, BindingAckStatus::Accepted);
  EXPECT_EQ(acksOf(full.ack)[0].status, Ipv4AckStatus::DynamicIpv4HomeAddressNotAvailable);
  EXPECT_EQ(acksOf(full.ack)[0].home_address, Ipv4Address{});
  EXPECT_EQ(ha.stats().ipv4_ack_status[132], 1u);
}

TEST_F(HomeAgentDsmipTest, DynamicLeaseReleasedWithBindingAndReusedForSameNode) {
  udpBu(withIpv4Hoa(homeRegistration(1), Ipv4Address{}), kPrivateCoa4, kNatEndpoint, kHoa2);
  // A BU without the option removes only the IPv4 binding (RFC 5555 §4.4.2.1).
  auto actions = ha_.onSignalling(buFromIpv4(homeRegistration(2), kPrivateCoa4, kHoa2),
                                  udpInbound(kNatEndpoint), kT0);
  EXPECT_EQ(actionsOf<InterceptIpv4Address>(actions),
            (std::vector<InterceptIpv4Address>{{v4("10.2.0.1"), false}}));
  EXPECT_TRUE(hasEvent(actions, EventKind::Ipv4HomeAddressReleased));
  EXPECT_TRUE(ha_.binding(kHoa2)->active());
  EXPECT_EQ(ha_.binding(kHoa2)->ipv4HomeAddress(), std::nullopt);
  // Asking again returns the address it held.
  DecodedAck again =
      udpBu(withIpv4Hoa(homeRegistration(3), Ipv4Address{}), kPrivateCoa4, kNatEndpoint, kHoa2);
  EXPECT_EQ(acksOf(again.ack)[0].home_address, v4("10.2.0.1"));
}

TEST_F(HomeAgentDsmipTest, PreviouslyLeasedAddressGrantedAfterHomeAgentRestart) {
  // A fresh home agent (no lease state) gets a refresh with the pool address the MN holds.
  DecodedAck a =
      udpBu(withIpv4Hoa(homeRegistration(9), v4("10.2.0.2")), kPrivateCoa4, kNatEndpoint, kHoa2);
  EXPECT_EQ(acksOf(a.ack)[0].status, Ipv4AckStatus::Success);
  EXPECT_EQ(acksOf(a.ack)[0].home_address, v4("10.2.0.2"));
}

TEST_F(HomeAgentDsmipTest, Ipv4HomeAddressWithoutRightGets129) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.mobile_nodes[0].ipv4_home_address.reset();
  HomeAgent ha(c, random_);
  DecodedAck a =
      udpBu(ha, withIpv4Hoa(homeRegistration(1), Ipv4Address{}), kPrivateCoa4, kNatEndpoint);
  EXPECT_EQ(acksOf(a.ack)[0].status, Ipv4AckStatus::AdministrativelyProhibited);
}

TEST_F(HomeAgentDsmipTest, InvalidIpv4AddressGets131AndBadPrefixLength128) {
  DecodedAck a =
      udpBu(withIpv4Hoa(homeRegistration(1), v4("224.0.0.1")), kPrivateCoa4, kNatEndpoint);
  EXPECT_EQ(acksOf(a.ack)[0].status, Ipv4AckStatus::InvalidIpv4Address);
  DecodedAck b =
      udpBu(withIpv4Hoa(homeRegistration(2), kStaticHoa4, 0), kPrivateCoa4, kNatEndpoint);
  EXPECT_EQ(acksOf(b.ack)[0].status, Ipv4AckStatus::FailureReasonUnspecified);
}

TEST_F(HomeAgentDsmipTest, Ipv4PrefixRequestWithPFlag) {
  DecodedAck a = udpBu(withIpv4Hoa(homeRegistration(1), Ipv4Address{}, 24, true), kPrivateCoa4,
                       kNatEndpoint, kMrHoa);
  auto acks = acksOf(a.ack);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].status, Ipv4AckStatus::Success);
  EXPECT_EQ(acks[0].prefix_length, 24);
  EXPECT_EQ(acks[0].home_address, kIpv4Mnp.address);
  auto actions =
      ha_.onSignalling(buFromIpv4(withIpv4Hoa(homeRegistration(2), kIpv4Mnp.address, 24, false),
                                  kPrivateCoa4, kMrHoa),
                       udpInbound(kNatEndpoint), kT0);
  EXPECT_EQ(acksOf(onlyAck(actions)->ack)[0].status, Ipv4AckStatus::Success);  // a refresh
  EXPECT_TRUE(actionsOf<RouteIpv4Prefix>(actions).empty());                    // already routed
  EXPECT_EQ(ha_.binding(kMrHoa)->ipv4, (std::vector<Ipv4Binding>{{kIpv4Mnp, false}}));
}

TEST_F(HomeAgentDsmipTest, Ipv4PrefixRequestUnauthorisedGets133) {
  DecodedAck a = udpBu(withIpv4Hoa(homeRegistration(1), Ipv4Address{}, 24, true), kPrivateCoa4,
                       kNatEndpoint, kHoa);
  EXPECT_EQ(acksOf(a.ack)[0].status, Ipv4AckStatus::PrefixAllocationUnauthorized);
  DecodedAck b = udpBu(withIpv4Hoa(homeRegistration(1), v4("10.8.0.0"), 24, true), kPrivateCoa4,
                       kNatEndpoint, kMrHoa);
  EXPECT_EQ(acksOf(b.ack)[0].status, Ipv4AckStatus::PrefixAllocationUnauthorized);
}

TEST_F(HomeAgentDsmipTest, AddressAndPrefixInOneBindingUpdate) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.mobile_nodes[2].dynamic_ipv4 = true;
  HomeAgent ha(c, random_);
  wire::BindingUpdate bu = withIpv4Hoa(homeRegistration(1), Ipv4Address{});
  bu = withIpv4Hoa(bu, Ipv4Address{}, 24, true);
  auto actions =
      ha.onSignalling(buFromIpv4(bu, kPrivateCoa4, kMrHoa), udpInbound(kNatEndpoint), kT0);
  auto acks = acksOf(onlyAck(actions)->ack);
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].home_address, v4("10.2.0.1"));
  EXPECT_EQ(acks[1].home_address, kIpv4Mnp.address);
  EXPECT_EQ(actionsOf<InterceptIpv4Address>(actions).size(), 1u);
  EXPECT_EQ(actionsOf<RouteIpv4Prefix>(actions), (std::vector<RouteIpv4Prefix>{{kIpv4Mnp, true}}));
}

TEST_F(HomeAgentDsmipTest, Ipv4HomeAddressOverIpv6CareOf) {
  // From an IPv6 network the option is allowed too (RFC 5555 §4.4.2); no NAT option then.
  wire::BindingUpdate bu = withIpv4Hoa(homeRegistration(1), kStaticHoa4);
  auto ack = onlyAck(ha_.onSignalling(buFromIpv6(bu, kCoa), {}, kT0));
  ASSERT_TRUE(ack);
  EXPECT_EQ(acksOf(ack->ack)[0].status, Ipv4AckStatus::Success);
  EXPECT_EQ(wire::findOption<wire::NatDetectionOption>(ack->ack.options), nullptr);
  EXPECT_EQ(ha_.binding(kHoa)->encapsulation, Encapsulation::Ipv6);
}

TEST_F(HomeAgentDsmipTest, DeregistrationReleasesIpv4HomeAddress) {
  udpBu(withIpv4Hoa(homeRegistration(1), Ipv4Address{}), kPrivateCoa4, kNatEndpoint, kHoa2);
  auto actions = ha_.onSignalling(buFromIpv4(homeRegistration(2, 0), kPrivateCoa4, kHoa2),
                                  udpInbound(kNatEndpoint), kT0);
  EXPECT_EQ(onlyAck(actions)->ack.status, BindingAckStatus::Accepted);
  EXPECT_EQ(actionsOf<InterceptIpv4Address>(actions),
            (std::vector<InterceptIpv4Address>{{v4("10.2.0.1"), false}}));
  EXPECT_EQ(ha_.snapshot(kT0).ipv4_pool_leased, 0u);
}

TEST_F(HomeAgentDsmipTest, ExpiryReleasesIpv4HomeAddress) {
  udpBu(withIpv4Hoa(homeRegistration(1, 10), Ipv4Address{}), kPrivateCoa4, kNatEndpoint, kHoa2);
  auto actions = ha_.onTimer(kT0 + std::chrono::seconds(40));
  EXPECT_TRUE(hasEvent(actions, EventKind::BindingExpired));
  EXPECT_TRUE(hasEvent(actions, EventKind::Ipv4HomeAddressReleased));
  EXPECT_EQ(ha_.snapshot(kT0).ipv4_pool_leased, 0u);
}

TEST_F(HomeAgentDsmipTest, SnapshotShowsNatEndpointAndIpv4HomeAddress) {
  udpBu(withIpv4Hoa(homeRegistration(1), Ipv4Address{}), kPrivateCoa4, kNatEndpoint, kHoa2);
  HomeAgentSnapshot s = ha_.snapshot(kT0);
  ASSERT_EQ(s.bindings.size(), 1u);
  EXPECT_EQ(s.bindings[0].udp_endpoint, kNatEndpoint);
  EXPECT_TRUE(s.bindings[0].nat_detected);
  EXPECT_EQ(s.bindings[0].ipv4_home_address, v4("10.2.0.1"));
  EXPECT_TRUE(s.bindings[0].ipv4_dynamic);
  EXPECT_EQ(s.bindings[0].encapsulation, Encapsulation::Udp);
  EXPECT_EQ(s.ipv4_pool_leased, 1u);
}

}  // namespace
}  // namespace dsmip::dsmip6::test
