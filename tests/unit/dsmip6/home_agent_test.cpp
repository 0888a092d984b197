// Home agent core: Binding Update processing of RFC 6275 §9.5.1 / §10.3.1 / §10.3.2 and NEMO
// (RFC 3963 §6.2), one test per rule and status code, with golden checks of every BA.

#include "dsmip6/home_agent.hpp"

#include <gtest/gtest.h>

#include "dsmip6_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::dsmip6::test {
namespace {

using wire::BindingAckStatus;

class HomeAgentTest : public ::testing::Test {
 protected:
  explicit HomeAgentTest(HomeAgentConfig config = testHomeAgentConfig())
      : config_(std::move(config)), ha_(config_, random_) {
    EXPECT_TRUE(validateHomeAgentConfig(config_));
  }

  HomeAgentActions send(const Bytes& packet, const Inbound& inbound = ipv6Inbound()) {
    return ha_.onSignalling(packet, inbound, clock_.now());
  }
  // Registers kHoa from kCoa with `sequence` and returns the BA.
  DecodedAck registerFromIpv6(std::uint16_t sequence, const Ipv6Address& hoa = kHoa,
                              const Ipv6Address& coa = kCoa) {
    auto ack = onlyAck(send(buFromIpv6(homeRegistration(sequence), coa, hoa)));
    EXPECT_TRUE(ack);
    return ack ? *ack : DecodedAck{};
  }
  std::uint64_t statusCount(BindingAckStatus s) const {
    return ha_.stats().binding_ack_status[static_cast<std::size_t>(s)];
  }
  std::uint64_t dropCount(SignallingDrop d) const {
    return ha_.stats().signalling_drops[static_cast<std::size_t>(d)];
  }
  // Expects exactly one BA with `status` and returns it.
  DecodedAck expectStatus(const HomeAgentActions& actions, BindingAckStatus status) {
    auto ack = onlyAck(actions);
    EXPECT_TRUE(ack);
    if (!ack) return {};
    EXPECT_EQ(ack->ack.status, status) << wire::baStatusName(ack->ack.status);
    return *ack;
  }

  SeededRandom random_{1};
  dsmip::test::FakeClock clock_{kT0};
  HomeAgentConfig config_;
  HomeAgent ha_;
};

TEST_F(HomeAgentTest, StartInterceptsTheHomeAgentAddress) {
  auto actions = ha_.onStart(clock_.now());
  auto intercepts = actionsOf<InterceptIpv6Address>(actions);
  ASSERT_EQ(intercepts.size(), 1u);
  EXPECT_EQ(intercepts[0], (InterceptIpv6Address{kHa, true, true}));
  EXPECT_TRUE(hasEvent(actions, EventKind::Started));
}

TEST_F(HomeAgentTest, AcceptsHomeRegistrationFromIpv6CareOfAddress) {
  auto actions = send(buFromIpv6(homeRegistration(7), kCoa));
  DecodedAck a = expectStatus(actions, BindingAckStatus::Accepted);
  EXPECT_EQ(a.ack.sequence, 7);
  EXPECT_EQ(a.ack.lifetime_units, 100);
  EXPECT_EQ(a.ack.flags, 0);
  // RFC 6275 §9.5.4: to the BU's source (the CoA) with a type 2 routing header holding the HoA.
  EXPECT_EQ(a.packet.ip.header.source, kHa);
  EXPECT_EQ(a.packet.ip.header.destination, kCoa);
  ASSERT_TRUE(a.packet.ip.routing_home_address);
  EXPECT_EQ(*a.packet.ip.routing_home_address, kHoa);
  EXPECT_FALSE(a.packet.ip.home_address);
  EXPECT_EQ(a.packet.transport.kind, TransportKind::Ipv6);
  EXPECT_TRUE(a.ack.options.empty());  // no NAT Detection over IPv6, no BRA by default
  // Proxy ND + route for the home address.
  auto intercepts = actionsOf<InterceptIpv6Address>(actions);
  ASSERT_EQ(intercepts.size(), 1u);
  EXPECT_EQ(intercepts[0], (InterceptIpv6Address{kHoa, true, false}));
  EXPECT_TRUE(hasEvent(actions, EventKind::BindingCreated));
  const BindingCacheEntry* entry = ha_.binding(kHoa);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->care_of, CareOfAddress{kCoa});
  EXPECT_EQ(entry->encapsulation, Encapsulation::Ipv6);
  EXPECT_EQ(entry->sequence, 7);
  EXPECT_EQ(entry->expires_at, clock_.now() + std::chrono::seconds(400));
  EXPECT_EQ(ha_.stats().bindings_created, 1u);
}

TEST_F(HomeAgentTest, CareOfAddressFromSourceWithoutAlternateCareOfOption) {
  auto ack = onlyAck(send(buFromIpv6(homeRegistration(1), kCoa, kHoa, false)));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack.status, BindingAckStatus::Accepted);
  EXPECT_EQ(ha_.binding(kHoa)->care_of, CareOfAddress{kCoa});
}

TEST_F(HomeAgentTest, AlternateCareOfAddressWinsOverSource) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.options.push_back(wire::AlternateCareOfAddressOption{kCoa2});
  wire::Ipv6Extensions ext;
  ext.home_address = kHoa;
  auto ack = onlyAck(send(buildMobilityPacket(bu, kCoa, kHa, ext).value()));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ha_.binding(kHoa)->care_of, CareOfAddress{kCoa2});
}

TEST_F(HomeAgentTest, AlwaysAcknowledgesHomeRegistrationEvenWithoutAckFlag) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagAcknowledge, false);
  expectStatus(send(buFromIpv6(bu, kCoa)), BindingAckStatus::Accepted);
}

TEST_F(HomeAgentTest, GrantedLifetimeCappedByMaxBindingLifetime) {
  auto ack = onlyAck(send(buFromIpv6(homeRegistration(1, 1000), kCoa)));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack.lifetime_units, 150);  // 600 s
}

TEST_F(HomeAgentTest, RefreshKeepsEntryAndMovesCareOf) {
  registerFromIpv6(1);
  auto actions = send(buFromIpv6(homeRegistration(2), kCoa2));
  expectStatus(actions, BindingAckStatus::Accepted);
  EXPECT_TRUE(actionsOf<InterceptIpv6Address>(actions).empty());  // already intercepted
  EXPECT_TRUE(hasEvent(actions, EventKind::BindingUpdated));
  EXPECT_EQ(ha_.binding(kHoa)->care_of, CareOfAddress{kCoa2});
  EXPECT_EQ(ha_.binding(kHoa)->sequence, 2);
}

TEST_F(HomeAgentTest, Status131WhenHomeRegistrationDisabled) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.home_registration = false;
  HomeAgent ha(c, random_);
  auto actions = ha.onSignalling(buFromIpv6(homeRegistration(1), kCoa), {}, kT0);
  expectStatus(actions, BindingAckStatus::HomeRegistrationNotSupported);
  EXPECT_EQ(ha.binding(kHoa), nullptr);
}

TEST_F(HomeAgentTest, Status132ForHomeAddressOutsideHomePrefix) {
  const Ipv6Address foreign = v6("2001:db8:77::5");
  DecodedAck a = expectStatus(send(buFromIpv6(homeRegistration(1), kCoa, foreign)),
                              BindingAckStatus::NotHomeSubnet);
  EXPECT_EQ(a.ack.lifetime_units, 0);
  EXPECT_EQ(*a.packet.ip.routing_home_address, foreign);
  EXPECT_EQ(statusCount(BindingAckStatus::NotHomeSubnet), 1u);
}

TEST_F(HomeAgentTest, Status129ForMobileNodeNotConfigured) {
  auto actions = send(buFromIpv6(homeRegistration(1), kCoa, v6("2001:db8:1::999")));
  expectStatus(actions, BindingAckStatus::AdministrativelyProhibited);
  EXPECT_TRUE(hasEvent(actions, EventKind::BindingRejected));
}

TEST_F(HomeAgentTest, AcceptAnyHomeAddressInHomePrefix) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.accept_any_home_address = true;
  HomeAgent ha(c, random_);
  auto ack = onlyAck(
      ha.onSignalling(buFromIpv6(homeRegistration(1), kCoa, v6("2001:db8:1::999")), {}, kT0));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack.status, BindingAckStatus::Accepted);
}

TEST_F(HomeAgentTest, Status133ForDeregistrationWithoutBinding) {
  expectStatus(send(buFromIpv6(homeRegistration(1, 0), kCoa)),
               BindingAckStatus::NotHomeAgentForThisMobileNode);
}

TEST_F(HomeAgentTest, Status134ForReservedHomeAddress) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.reserved_addresses = {kHoa};
  HomeAgent ha(c, random_);
  expectStatus(ha.onSignalling(buFromIpv6(homeRegistration(1), kCoa), {}, kT0),
               BindingAckStatus::DuplicateAddressDetectionFailed);
  EXPECT_EQ(ha.binding(kHoa), nullptr);
}

TEST_F(HomeAgentTest, Status134ForConflictingLinkLocalWithLFlag) {
  // Two home prefixes: 2001:db8:1::100 and 2001:db8:5::100 share the interface identifier.
  HomeAgentConfig c = testHomeAgentConfig();
  c.home_prefixes.push_back(p6("2001:db8:5::/64"));
  c.accept_any_home_address = true;
  HomeAgent ha(c, random_);
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagLinkLocal);
  auto first = ha.onSignalling(buFromIpv6(bu, kCoa), {}, kT0);
  expectStatus(first, BindingAckStatus::Accepted);
  // L: the derived link-local address is defended too (RFC 6275 §10.3.1).
  auto intercepts = actionsOf<InterceptIpv6Address>(first);
  ASSERT_EQ(intercepts.size(), 2u);
  EXPECT_EQ(intercepts[1], (InterceptIpv6Address{v6("fe80::100"), true, false}));
  expectStatus(ha.onSignalling(buFromIpv6(bu, kCoa2, v6("2001:db8:5::100")), {}, kT0),
               BindingAckStatus::DuplicateAddressDetectionFailed);
  // Without L there is no link-local to collide.
  expectStatus(
      ha.onSignalling(buFromIpv6(homeRegistration(1), kCoa2, v6("2001:db8:5::100")), {}, kT0),
      BindingAckStatus::Accepted);
  // A reserved link-local address collides as well.
  HomeAgentConfig c2 = testHomeAgentConfig();
  c2.reserved_addresses = {v6("fe80::100")};
  HomeAgent ha2(c2, random_);
  expectStatus(ha2.onSignalling(buFromIpv6(bu, kCoa), {}, kT0),
               BindingAckStatus::DuplicateAddressDetectionFailed);
}

TEST_F(HomeAgentTest, Status135ForReplayedSequenceCarriesLastAccepted) {
  registerFromIpv6(15);
  for (std::uint16_t s : {std::uint16_t{15}, std::uint16_t{0}, std::uint16_t{14},
                          std::uint16_t{32783}, std::uint16_t{65535}}) {
    DecodedAck a = expectStatus(send(buFromIpv6(homeRegistration(s), kCoa2)),
                                BindingAckStatus::SequenceNumberOutOfWindow);
    EXPECT_EQ(a.ack.sequence, 15) << s;
  }
  EXPECT_EQ(ha_.binding(kHoa)->care_of, CareOfAddress{kCoa});  // unchanged
  EXPECT_EQ(statusCount(BindingAckStatus::SequenceNumberOutOfWindow), 5u);
  // 32782 is 32767 ahead of 15: newer.
  expectStatus(send(buFromIpv6(homeRegistration(32782), kCoa2)), BindingAckStatus::Accepted);
}

TEST_F(HomeAgentTest, Status135SentEvenWithoutAckFlag) {
  registerFromIpv6(10);
  wire::BindingUpdate bu = homeRegistration(10);
  bu.set(wire::kBuFlagAcknowledge, false);
  expectStatus(send(buFromIpv6(bu, kCoa)), BindingAckStatus::SequenceNumberOutOfWindow);
}

TEST_F(HomeAgentTest, SequenceWrapsFrom65535ToZero) {
  registerFromIpv6(65535);
  expectStatus(send(buFromIpv6(homeRegistration(0), kCoa)), BindingAckStatus::Accepted);
  EXPECT_EQ(ha_.binding(kHoa)->sequence, 0);
}

TEST_F(HomeAgentTest, AnySequenceAcceptedWithoutBinding) {
  expectStatus(send(buFromIpv6(homeRegistration(40000), kCoa)), BindingAckStatus::Accepted);
}

TEST_F(HomeAgentTest, Status139ForCorrespondentRegistrationOverHomeRegistration) {
  registerFromIpv6(1);
  wire::BindingUpdate bu = homeRegistration(2);
  bu.set(wire::kBuFlagHomeRegistration, false);
  expectStatus(send(buFromIpv6(bu, kCoa)), BindingAckStatus::RegistrationTypeChangeDisallowed);
  EXPECT_TRUE(ha_.binding(kHoa)->flags & wire::kBuFlagHomeRegistration);  // H kept
}

TEST_F(HomeAgentTest, CorrespondentRegistrationWithoutBindingIsDiscarded) {
  wire::BindingUpdate bu = homeRegistration(2);
  bu.set(wire::kBuFlagHomeRegistration, false);
  EXPECT_TRUE(actionsOf<SendSignalling>(send(buFromIpv6(bu, kCoa))).empty());
  EXPECT_EQ(dropCount(SignallingDrop::NotHomeRegistration), 1u);
}

TEST_F(HomeAgentTest, Status139WhenMobileRouterFlagChanges) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagMobileRouter);
  expectStatus(send(buFromIpv6(bu, kCoa, kMrHoa)), BindingAckStatus::Accepted);
  expectStatus(send(buFromIpv6(homeRegistration(2), kCoa, kMrHoa)),
               BindingAckStatus::RegistrationTypeChangeDisallowed);
  // A de-registration ignores R (RFC 3963 §6.2).
  expectStatus(send(buFromIpv6(homeRegistration(3, 0), kCoa, kMrHoa)), BindingAckStatus::Accepted);
}

TEST_F(HomeAgentTest, Status140ForMobileRouterNotPermitted) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagMobileRouter);
  expectStatus(send(buFromIpv6(bu, kCoa, kHoa)),
               BindingAckStatus::MobileRouterOperationNotPermitted);
}

TEST_F(HomeAgentTest, Status140ForMobileRouterFlagWithoutHomeRegistration) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagMobileRouter);
  bu.set(wire::kBuFlagHomeRegistration, false);
  expectStatus(send(buFromIpv6(bu, kCoa, kMrHoa)),
               BindingAckStatus::MobileRouterOperationNotPermitted);
}

TEST_F(HomeAgentTest, ExplicitModeForwardsListedPrefixes) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagMobileRouter);
  bu.options.push_back(wire::MobileNetworkPrefixOption{48, kMnp.address});
  auto actions = send(buFromIpv6(bu, kCoa, kMrHoa));
  DecodedAck a = expectStatus(actions, BindingAckStatus::Accepted);
  EXPECT_TRUE(a.ack.has(wire::kBaFlagMobileRouter));
  auto routes = actionsOf<RouteIpv6Prefix>(actions);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0], (RouteIpv6Prefix{kMnp, true}));
  // The proxy NA for a mobile router's home address carries the Router flag (RFC 3963 §6.2).
  EXPECT_EQ(actionsOf<InterceptIpv6Address>(actions)[0],
            (InterceptIpv6Address{kMrHoa, true, true}));
  // A narrower prefix inside the authorised one is fine; the old one stops being forwarded.
  wire::BindingUpdate refresh = homeRegistration(2);
  refresh.set(wire::kBuFlagMobileRouter);
  refresh.options.push_back(wire::MobileNetworkPrefixOption{64, v6("2001:db8:100:5::")});
  auto later = send(buFromIpv6(refresh, kCoa, kMrHoa));
  expectStatus(later, BindingAckStatus::Accepted);
  auto changes = actionsOf<RouteIpv6Prefix>(later);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0], (RouteIpv6Prefix{kMnp, false}));
  EXPECT_EQ(changes[1], (RouteIpv6Prefix{p6("2001:db8:100:5::/64"), true}));
}

TEST_F(HomeAgentTest, ImplicitModeUsesConfiguredPrefixes) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagMobileRouter);
  auto actions = send(buFromIpv6(bu, kCoa, kMrHoa));
  expectStatus(actions, BindingAckStatus::Accepted);
  EXPECT_EQ(actionsOf<RouteIpv6Prefix>(actions), (std::vector<RouteIpv6Prefix>{{kMnp, true}}));
  EXPECT_EQ(ha_.binding(kMrHoa)->mobile_network_prefixes, std::vector<Ipv6Prefix>{kMnp});
}

TEST_F(HomeAgentTest, Status141ForInvalidPrefix) {
  for (const auto& option : {wire::MobileNetworkPrefixOption{0, kMnp.address},
                             wire::MobileNetworkPrefixOption{129, kMnp.address},
                             wire::MobileNetworkPrefixOption{64, kHomePrefix.address}}) {
    wire::BindingUpdate bu = homeRegistration(1);
    bu.set(wire::kBuFlagMobileRouter);
    bu.options.push_back(option);
    HomeAgent ha(config_, random_);
    auto actions = ha.onSignalling(buFromIpv6(bu, kCoa, kMrHoa), {}, kT0);
    expectStatus(actions, BindingAckStatus::InvalidPrefix);
    EXPECT_TRUE(actionsOf<RouteIpv6Prefix>(actions).empty());  // forward none
  }
}

TEST_F(HomeAgentTest, Status142ForPrefixNotAuthorised) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagMobileRouter);
  bu.options.push_back(wire::MobileNetworkPrefixOption{48, kMnp.address});
  bu.options.push_back(wire::MobileNetworkPrefixOption{48, v6("2001:db8:200::")});
  auto actions = send(buFromIpv6(bu, kCoa, kMrHoa));
  expectStatus(actions, BindingAckStatus::NotAuthorizedForPrefix);
  EXPECT_TRUE(actionsOf<RouteIpv6Prefix>(actions).empty());
  EXPECT_EQ(ha_.binding(kMrHoa), nullptr);
}

TEST_F(HomeAgentTest, Status143ForImplicitModeWithoutConfiguredPrefixes) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.mobile_nodes[2].mobile_network_prefixes.clear();
  HomeAgent ha(c, random_);
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagMobileRouter);
  expectStatus(ha.onSignalling(buFromIpv6(bu, kCoa, kMrHoa), {}, kT0),
               BindingAckStatus::ForwardingSetupFailed);
}

TEST_F(HomeAgentTest, Status130WhenBindingCacheIsFull) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.max_bindings = 1;
  HomeAgent ha(c, random_);
  expectStatus(ha.onSignalling(buFromIpv6(homeRegistration(1), kCoa), {}, kT0),
               BindingAckStatus::Accepted);
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagAcknowledge, false);
  expectStatus(ha.onSignalling(buFromIpv6(bu, kCoa2, kHoa2), {}, kT0),
               BindingAckStatus::InsufficientResources);
  // The existing binding can still be refreshed.
  expectStatus(ha.onSignalling(buFromIpv6(homeRegistration(2), kCoa), {}, kT0),
               BindingAckStatus::Accepted);
}

TEST_F(HomeAgentTest, Status174ForCareOfAddressInHomePrefix) {
  expectStatus(send(buFromIpv6(homeRegistration(1), v6("2001:db8:1::55"))),
               BindingAckStatus::InvalidCareOfAddress);
}

TEST_F(HomeAgentTest, Status174ForHomeAgentsOwnIpv4AddressAsCareOf) {
  expectStatus(send(buFromIpv4(homeRegistration(1), kHa4), udpInbound({kHa4, 5000})),
               BindingAckStatus::InvalidCareOfAddress);
}

TEST_F(HomeAgentTest, Status1WhenHomePrefixDeprecatedDuringBinding) {
  (void)ha_.onHomePrefixLifetime(kHomePrefix, std::chrono::seconds(1000), std::chrono::seconds(100),
                                 clock_.now());
  DecodedAck a = expectStatus(send(buFromIpv6(homeRegistration(1, 100), kCoa)),
                              BindingAckStatus::AcceptedPrefixDiscoveryNecessary);
  EXPECT_EQ(a.ack.lifetime_units, 100);
  // The lifetime never exceeds the prefix's valid lifetime (RFC 6275 §10.3.1); the binding now
  // ends before the prefix is deprecated, so status 0.
  (void)ha_.onHomePrefixLifetime(kHomePrefix, std::chrono::seconds(42), std::chrono::seconds(42),
                                 clock_.now());
  DecodedAck b =
      expectStatus(send(buFromIpv6(homeRegistration(2, 100), kCoa)), BindingAckStatus::Accepted);
  EXPECT_EQ(b.ack.lifetime_units, 10);  // 42 s rounded down to 40 s
  // An expired home prefix is no home prefix any more.
  (void)ha_.onHomePrefixLifetime(kHomePrefix, Duration::zero(), Duration::zero(), clock_.now());
  expectStatus(send(buFromIpv6(homeRegistration(3, 100), kCoa)), BindingAckStatus::NotHomeSubnet);
}

TEST_F(HomeAgentTest, BindingRefreshAdviceSmallerThanLifetime) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.refresh_advice = std::chrono::seconds(300);
  HomeAgent ha(c, random_);
  auto ack = onlyAck(ha.onSignalling(buFromIpv6(homeRegistration(1, 100), kCoa), {}, kT0));
  ASSERT_TRUE(ack);
  const auto* bra = wire::findOption<wire::BindingRefreshAdviceOption>(ack->ack.options);
  ASSERT_NE(bra, nullptr);
  EXPECT_EQ(bra->refresh_interval_units, 75);
  auto short_ack = onlyAck(ha.onSignalling(buFromIpv6(homeRegistration(2, 10), kCoa), {}, kT0));
  ASSERT_TRUE(short_ack);
  EXPECT_EQ(wire::findOption<wire::BindingRefreshAdviceOption>(short_ack->ack.options)
                ->refresh_interval_units,
            9);
}

TEST_F(HomeAgentTest, KeyManagementFlagOnlyWhenSupported) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.set(wire::kBuFlagKeyManagement);
  EXPECT_FALSE(onlyAck(send(buFromIpv6(bu, kCoa)))->ack.has(wire::kBaFlagKeyManagement));
  HomeAgentConfig c = testHomeAgentConfig();
  c.key_management_mobility = true;
  HomeAgent ha(c, random_);
  EXPECT_TRUE(
      onlyAck(ha.onSignalling(buFromIpv6(bu, kCoa), {}, kT0))->ack.has(wire::kBaFlagKeyManagement));
}

// --- Silently discarded BUs (RFC 6275 §9.5.1, §10.3.1) ----------------------------------------

TEST_F(HomeAgentTest, BadChecksumIsSilentlyDiscarded) {
  Bytes packet = buFromIpv6(homeRegistration(1), kCoa);
  packet.back() ^= 0x01;
  EXPECT_TRUE(send(packet).empty());
  EXPECT_EQ(dropCount(SignallingDrop::BadChecksum), 1u);
}

TEST_F(HomeAgentTest, NonRoutableHomeAddressIsDiscarded) {
  EXPECT_TRUE(send(buFromIpv6(homeRegistration(1), kCoa, v6("fe80::1"))).empty());
  EXPECT_EQ(dropCount(SignallingDrop::InvalidHomeAddress), 1u);
}

TEST_F(HomeAgentTest, NonRoutableCareOfAddressIsDiscarded) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.options.push_back(wire::AlternateCareOfAddressOption{v6("ff02::1")});
  wire::Ipv6Extensions ext;
  ext.home_address = kHoa;
  EXPECT_TRUE(send(buildMobilityPacket(bu, kCoa, kHa, ext).value()).empty());
  EXPECT_EQ(dropCount(SignallingDrop::InvalidCareOfAddress), 1u);
}

TEST_F(HomeAgentTest, NonceIndicesInHomeRegistrationAreDiscarded) {
  wire::BindingUpdate bu = homeRegistration(1);
  bu.options.push_back(wire::NonceIndicesOption{1, 2});
  EXPECT_TRUE(send(buFromIpv6(bu, kCoa)).empty());
  EXPECT_EQ(dropCount(SignallingDrop::NonceIndicesInHomeRegistration), 1u);
}

TEST_F(HomeAgentTest, HomeRegistrationFromAwayWithoutHomeAddressOptionIsDiscarded) {
  // Sourced from the home address (as from home) but asking for a foreign care-of address.
  wire::BindingUpdate bu = homeRegistration(1);
  bu.options.push_back(wire::AlternateCareOfAddressOption{kCoa});
  EXPECT_TRUE(send(buildMobilityPacket(bu, kHoa, kHa).value()).empty());
  EXPECT_EQ(dropCount(SignallingDrop::MissingHomeAddressOption), 1u);
}

TEST_F(HomeAgentTest, UnprotectedSignallingDiscardedWhenEspRequired) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.require_esp = true;
  HomeAgent ha(c, random_);
  const Bytes bu = buFromIpv6(homeRegistration(1), kCoa);
  EXPECT_TRUE(ha.onSignalling(bu, {}, kT0).empty());
  EXPECT_EQ(ha.stats().signalling_drops[static_cast<std::size_t>(SignallingDrop::Unprotected)], 1u);
  Inbound protected_inbound;
  protected_inbound.esp_protected = true;
  EXPECT_TRUE(onlyAck(ha.onSignalling(bu, protected_inbound, kT0)));
}

TEST_F(HomeAgentTest, BindingUpdateForAnotherHomeAddressThanTheSaIsDiscarded) {
  Inbound inbound;
  inbound.esp_protected = true;
  inbound.esp_home_address = kHoa2;  // the SA speaks for kHoa2 only (RFC 4877 §4.2)
  EXPECT_TRUE(send(buFromIpv6(homeRegistration(1), kCoa, kHoa), inbound).empty());
  EXPECT_EQ(dropCount(SignallingDrop::SecurityAssociationMismatch), 1u);
  EXPECT_EQ(ha_.binding(kHoa), nullptr);
}

TEST_F(HomeAgentTest, SignallingForAnotherAddressIsNotForUs) {
  EXPECT_TRUE(send(buFromIpv6(homeRegistration(1), kCoa, kHoa, true, v6("2001:db8:1::2"))).empty());
  EXPECT_EQ(dropCount(SignallingDrop::NotForUs), 1u);
}

TEST_F(HomeAgentTest, BadPayloadProtoEarnsParameterProblemPointer0) {
  Bytes packet = buFromIpv6(homeRegistration(1), kCoa);
  auto ip = wire::decodeIpv6(packet).value();
  const std::size_t mh = ip.upper_layer_offset;
  packet[mh] = 6;  // Payload Proto must be 59; fix the checksum so only that is wrong
  packet[mh + 4] = packet[mh + 5] = 0;
  const std::uint16_t sum = wire::computeMobilityChecksum(kHoa, kHa, ByteView(packet).subspan(mh));
  packet[mh + 4] = static_cast<std::uint8_t>(sum >> 8);
  packet[mh + 5] = static_cast<std::uint8_t>(sum);
  auto actions = send(packet);
  EXPECT_EQ(dropCount(SignallingDrop::BadPayloadProto), 1u);
  auto sends = actionsOf<SendSignalling>(actions);
  ASSERT_EQ(sends.size(), 1u);
  Decoded d = decode(sends[0]);
  ASSERT_TRUE(d.icmpv6);
  EXPECT_EQ(d.icmpv6->type, wire::icmpv6_type::kParameterProblem);
  EXPECT_EQ(d.icmpv6->code, 0);
  EXPECT_EQ(std::get<wire::Icmpv6ParameterProblem>(d.icmpv6->body).pointer, mh);
  EXPECT_EQ(d.ip.header.destination, kCoa);  // straight to the source
  EXPECT_EQ(ha_.stats().parameter_problems_sent, 1u);
}

TEST_F(HomeAgentTest, ShortHeaderLengthEarnsParameterProblemPointer1) {
  // A BU whose Header Len says 8 octets (below the BU minimum of 16).
  Bytes mh = {59, 0, 5, 0, 0, 0, 0, 1};
  const std::uint16_t sum = wire::computeMobilityChecksum(kHoa, kHa, mh);
  mh[4] = static_cast<std::uint8_t>(sum >> 8);
  mh[5] = static_cast<std::uint8_t>(sum);
  PacketBuffer buffer(512);
  ASSERT_TRUE(buffer.assign(mh));
  wire::Ipv6Header h;
  h.next_header = wire::kMhProtocol;
  h.source = kCoa;
  h.destination = kHa;
  wire::Ipv6Extensions ext;
  ext.home_address = kHoa;
  ASSERT_TRUE(wire::prependIpv6(buffer, h, ext));
  const Bytes packet(buffer.data().begin(), buffer.data().end());
  auto sends = actionsOf<SendSignalling>(send(packet));
  ASSERT_EQ(sends.size(), 1u);
  Decoded d = decode(sends[0]);
  ASSERT_TRUE(d.icmpv6);
  EXPECT_EQ(std::get<wire::Icmpv6ParameterProblem>(d.icmpv6->body).pointer, 40 + 24 + 1);
  EXPECT_EQ(dropCount(SignallingDrop::BadHeaderLength), 1u);
}

TEST_F(HomeAgentTest, UnknownMobilityHeaderTypeEarnsBindingErrorStatus2) {
  wire::UnknownMobilityMessage unknown{17, Bytes(10, 0)};
  wire::Ipv6Extensions ext;
  ext.home_address = kHoa;
  auto sends =
      actionsOf<SendSignalling>(send(buildMobilityPacket(unknown, kCoa, kHa, ext).value()));
  ASSERT_EQ(sends.size(), 1u);
  Decoded d = decode(sends[0]);
  ASSERT_TRUE(d.mobility);
  const auto& be = std::get<wire::BindingError>(*d.mobility);
  EXPECT_EQ(be.status, wire::BindingErrorStatus::UnrecognizedMhType);
  EXPECT_EQ(be.home_address, kHoa);  // from the Home Address option
  EXPECT_EQ(d.ip.header.destination, kCoa);
  EXPECT_FALSE(d.ip.routing_home_address);
}

TEST_F(HomeAgentTest, HomeAddressOptionWithoutBindingEarnsBindingErrorStatus1) {
  PacketBuffer icmp(512);
  ASSERT_TRUE(wire::buildMobilePrefixSolicitation(icmp, 9, kHoa, kHa));
  wire::Ipv6Extensions ext;
  ext.home_address = kHoa;
  auto packet = finishIcmpv6Packet(icmp, kCoa, kHa, ext).value();
  auto sends = actionsOf<SendSignalling>(send(packet));
  ASSERT_EQ(sends.size(), 1u);
  Decoded d = decode(sends[0]);
  const auto& be = std::get<wire::BindingError>(*d.mobility);
  EXPECT_EQ(be.status, wire::BindingErrorStatus::UnknownBindingForHomeAddress);
  EXPECT_EQ(be.home_address, kHoa);
  EXPECT_EQ(dropCount(SignallingDrop::UnknownBinding), 1u);
}

TEST_F(HomeAgentTest, BindingErrorsAreRateLimited) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.error_rate = 1;  // burst 2
  HomeAgent ha(c, random_);
  wire::UnknownMobilityMessage unknown{17, Bytes(10, 0)};
  auto packet = buildMobilityPacket(unknown, kCoa, kHa).value();
  std::size_t sent = 0;
  for (int i = 0; i < 5; ++i)
    sent += actionsOf<SendSignalling>(ha.onSignalling(packet, {}, kT0)).size();
  EXPECT_EQ(sent, 2u);
  EXPECT_EQ(ha.stats().rate_limited, 3u);
}

TEST_F(HomeAgentTest, MobilePrefixSolicitationAnsweredWithHomePrefixes) {
  registerFromIpv6(1);
  PacketBuffer icmp(512);
  ASSERT_TRUE(wire::buildMobilePrefixSolicitation(icmp, 77, kHoa, kHa));
  wire::Ipv6Extensions ext;
  ext.home_address = kHoa;
  auto sends = actionsOf<SendSignalling>(send(finishIcmpv6Packet(icmp, kCoa, kHa, ext).value()));
  ASSERT_EQ(sends.size(), 1u);
  Decoded d = decode(sends[0]);
  ASSERT_TRUE(d.icmpv6);
  EXPECT_EQ(d.icmpv6->type, wire::icmpv6_type::kMobilePrefixAdvertisement);
  const auto& mpa = std::get<wire::MobilePrefixAdvertisement>(d.icmpv6->body);
  EXPECT_EQ(mpa.identifier, 77);
  ASSERT_EQ(mpa.prefixes.size(), 1u);
  const wire::PrefixInformation info = *mpa.prefixes.begin();
  EXPECT_EQ(info.prefix, kHomePrefix.address);
  EXPECT_EQ(info.prefix_length, 64);
  EXPECT_EQ(info.valid_lifetime, 0xFFFFFFFFu);
  EXPECT_EQ(d.ip.header.destination, kCoa);
  EXPECT_EQ(*d.ip.routing_home_address, kHoa);
}

TEST_F(HomeAgentTest, EchoRequestToHomeAgentIsAnswered) {
  PacketBuffer echo(512);
  const Bytes data = {1, 2, 3, 4};
  ASSERT_TRUE(echo.assign(data));
  ASSERT_TRUE(wire::prependIcmpv6EchoRequest(echo, 5, 6, kHoa, kHa));
  auto packet = finishIcmpv6Packet(echo, kHoa, kHa).value();
  auto sends = actionsOf<SendSignalling>(send(packet, udpInbound({kNat4, 40000})));
  ASSERT_EQ(sends.size(), 1u);
  Decoded d = decode(sends[0]);
  EXPECT_EQ(d.icmpv6->type, wire::icmpv6_type::kEchoReply);
  EXPECT_EQ(d.ip.header.destination, kHoa);
  // Back the way it came: UDP to the NAT's mapping.
  EXPECT_EQ(d.transport, Transport::udp({kHa4, 4191}, {kNat4, 40000}));
}

// --- De-registration and expiry --------------------------------------------------------------

TEST_F(HomeAgentTest, DeregistrationStopsInterceptionBeforeTheAck) {
  registerFromIpv6(1);
  auto actions = send(buFromIpv6(homeRegistration(2, 0), kCoa));
  ASSERT_GE(actions.size(), 2u);
  // The first action stops the proxy; the BA comes after it.
  ASSERT_TRUE(std::holds_alternative<InterceptIpv6Address>(actions.front()));
  EXPECT_EQ(std::get<InterceptIpv6Address>(actions.front()),
            (InterceptIpv6Address{kHoa, false, false}));
  DecodedAck a = expectStatus(actions, BindingAckStatus::Accepted);
  EXPECT_EQ(a.ack.lifetime_units, 0);
  EXPECT_TRUE(a.ack.options.empty());  // no BRA
  EXPECT_TRUE(hasEvent(actions, EventKind::BindingDeregistered));
  EXPECT_EQ(ha_.binding(kHoa)->state, BindingState::Deregistered);
}

TEST_F(HomeAgentTest, DeregistrationFromHomeIsAnsweredWithoutRoutingHeader) {
  registerFromIpv6(1);
  // From home: source = home address, no Home Address option, lifetime 0 (RFC 6275 §11.5.5).
  auto actions = send(buildMobilityPacket(homeRegistration(2, 0), kHoa, kHa).value());
  DecodedAck a = expectStatus(actions, BindingAckStatus::Accepted);
  EXPECT_EQ(a.packet.ip.header.destination, kHoa);
  EXPECT_FALSE(a.packet.ip.routing_home_address);
}

TEST_F(HomeAgentTest, CareOfEqualToHomeAddressIsDeregistration) {
  registerFromIpv6(1);
  wire::BindingUpdate bu = homeRegistration(2, 100);
  bu.options.push_back(wire::AlternateCareOfAddressOption{kHoa});
  expectStatus(send(buildMobilityPacket(bu, kHoa, kHa).value()), BindingAckStatus::Accepted);
  EXPECT_EQ(ha_.binding(kHoa)->state, BindingState::Deregistered);
}

TEST_F(HomeAgentTest, DeregisteredEntryAnswersLateUpdatesWith135ForTenSeconds) {
  registerFromIpv6(5);
  (void)send(buFromIpv6(homeRegistration(6, 0), kCoa));
  clock_.advance(std::chrono::seconds(9));
  EXPECT_EQ(ha_.nextDeadline(), kT0 + kMaxDeleteBceTimeout);
  EXPECT_TRUE(ha_.onTimer(clock_.now()).empty());
  // A late (delayed) BU with the older sequence number.
  DecodedAck late = expectStatus(send(buFromIpv6(homeRegistration(5), kCoa)),
                                 BindingAckStatus::SequenceNumberOutOfWindow);
  EXPECT_EQ(late.ack.sequence, 6);
  clock_.advance(std::chrono::seconds(1));
  auto removed = ha_.onTimer(clock_.now());
  EXPECT_TRUE(hasEvent(removed, EventKind::BindingRemoved));
  EXPECT_EQ(ha_.binding(kHoa), nullptr);
  // Afterwards any sequence number starts a new binding.
  expectStatus(send(buFromIpv6(homeRegistration(5), kCoa)), BindingAckStatus::Accepted);
}

TEST_F(HomeAgentTest, NewRegistrationRevivesDeregisteredEntry) {
  registerFromIpv6(5);
  (void)send(buFromIpv6(homeRegistration(6, 0), kCoa));
  auto actions = send(buFromIpv6(homeRegistration(7), kCoa2));
  expectStatus(actions, BindingAckStatus::Accepted);
  EXPECT_EQ(actionsOf<InterceptIpv6Address>(actions).size(), 1u);  // intercepted again
  EXPECT_TRUE(ha_.binding(kHoa)->active());
}

TEST_F(HomeAgentTest, BindingExpiresAtItsLifetime) {
  registerFromIpv6(1);  // 400 s
  EXPECT_EQ(ha_.nextDeadline(), kT0 + std::chrono::seconds(400));
  clock_.advance(std::chrono::seconds(399));
  EXPECT_TRUE(ha_.onTimer(clock_.now()).empty());
  clock_.advance(std::chrono::seconds(1));
  auto actions = ha_.onTimer(clock_.now());
  EXPECT_TRUE(hasEvent(actions, EventKind::BindingExpired));
  EXPECT_EQ(actionsOf<InterceptIpv6Address>(actions),
            (std::vector<InterceptIpv6Address>{{kHoa, false, false}}));
  EXPECT_EQ(ha_.binding(kHoa), nullptr);
  EXPECT_EQ(ha_.stats().bindings_expired, 1u);
  EXPECT_EQ(ha_.nextDeadline(), std::nullopt);
}

TEST_F(HomeAgentTest, RefreshPostponesExpiry) {
  registerFromIpv6(1);
  clock_.advance(std::chrono::seconds(300));
  registerFromIpv6(2);
  clock_.advance(std::chrono::seconds(200));  // 500 s after the first BU
  EXPECT_TRUE(ha_.onTimer(clock_.now()).empty());
  EXPECT_NE(ha_.binding(kHoa), nullptr);
  EXPECT_EQ(ha_.nextDeadline(), kT0 + std::chrono::seconds(700));
}

TEST_F(HomeAgentTest, BindingRefreshRequestBeforeExpiry) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.refresh_request_lead = std::chrono::seconds(30);
  HomeAgent ha(c, random_);
  (void)ha.onSignalling(buFromIpv6(homeRegistration(1), kCoa), {}, kT0);
  EXPECT_EQ(ha.nextDeadline(), kT0 + std::chrono::seconds(370));
  auto actions = ha.onTimer(kT0 + std::chrono::seconds(370));
  auto sends = actionsOf<SendSignalling>(actions);
  ASSERT_EQ(sends.size(), 1u);
  Decoded d = decode(sends[0]);
  EXPECT_TRUE(std::holds_alternative<wire::BindingRefreshRequest>(*d.mobility));
  EXPECT_EQ(d.ip.header.destination, kCoa);
  EXPECT_EQ(*d.ip.routing_home_address, kHoa);
  EXPECT_EQ(ha.nextDeadline(), kT0 + std::chrono::seconds(400));
  EXPECT_TRUE(hasEvent(ha.onTimer(kT0 + std::chrono::seconds(400)), EventKind::BindingExpired));
}

TEST_F(HomeAgentTest, SnapshotListsBindingsAndCounters) {
  registerFromIpv6(3);
  (void)send(buFromIpv6(homeRegistration(3), kCoa));  // 135
  clock_.advance(std::chrono::seconds(100));
  HomeAgentSnapshot s = ha_.snapshot(clock_.now());
  EXPECT_EQ(s.address, kHa);
  EXPECT_EQ(s.binding_count, 1u);
  ASSERT_EQ(s.bindings.size(), 1u);
  const BindingSnapshot& b = s.bindings[0];
  EXPECT_EQ(b.home_address, kHoa);
  EXPECT_EQ(b.care_of, CareOfAddress{kCoa});
  EXPECT_EQ(b.encapsulation, Encapsulation::Ipv6);
  EXPECT_EQ(b.lifetime_left, std::chrono::seconds(300));
  EXPECT_EQ(b.sequence, 3);
  EXPECT_EQ(wire::buFlagsText(b.flags), "A|H");
  EXPECT_EQ(s.stats.binding_ack_status[135], 1u);
  EXPECT_EQ(s.stats.binding_ack_status[0], 1u);
  EXPECT_EQ(s.ipv4_pool_size, 2u);
}

}  // namespace
}  // namespace dsmip::dsmip6::test
