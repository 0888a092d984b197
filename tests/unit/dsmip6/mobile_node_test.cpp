// Mobile node core: BU contents (reference 2.10, 3.6), retransmission and back-off, BA
// handling with every status the mobile node acts on, lifetime bookkeeping, refresh, NAT
// keep-alive, the care-of address choice and IPv4 fallback, returning home, stopping, BE and
// BRR, the IPv4 home address, and NEMO.

#include "dsmip6/mobile_node.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <variant>

#include "mn_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::dsmip6::test {
namespace {

using namespace std::chrono_literals;
using wire::BindingAckStatus;

class MobileNodeTest : public ::testing::Test {
 protected:
  MobileNodeTest() { reset(testMobileNodeConfig()); }
  void reset(MobileNodeConfig c) {
    ASSERT_TRUE(validateMobileNodeConfig(c)) << validateMobileNodeConfig(c).error().detail;
    mn_ = std::make_unique<MobileNode>(std::move(c), random_);
  }
  MobileNodeActions move(std::vector<CareOfCandidate> cs) {
    return mn_->onCareOfAddresses(cs, clock_.now());
  }
  MobileNodeActions deliver(const Reply& r) {
    return mn_->onSignalling(r.packet, r.inbound, clock_.now());
  }
  MobileNodeActions ack(const SentBu& bu, const wire::BindingAck& a) {
    return deliver(replyTo(bu, a));
  }
  MobileNodeActions tick(Duration d) {
    clock_.advance(d);
    return mn_->onTimer(clock_.now());
  }
  // Moves to `c`, answers the BU with status 0 (plus `options`) and returns the BU.
  SentBu registerAt(const CareOfCandidate& c, wire::MobilityOptions options = {}) {
    auto bu = onlyBu(move({c}));
    EXPECT_TRUE(bu);
    wire::BindingAck a = ackFor(*bu);
    a.options = std::move(options);
    last_actions_ = ack(*bu, a);
    return *bu;
  }
  std::uint64_t drops(SignallingDrop d) const {
    return mn_->stats().signalling_drops[static_cast<std::size_t>(d)];
  }
  const BindingUpdateListSnapshot& entry() {
    snapshot_ = mn_->snapshot(clock_.now());
    return snapshot_.entries.front();
  }

  SeededRandom random_{4};
  dsmip::test::FakeClock clock_{kT0};
  std::unique_ptr<MobileNode> mn_;
  MobileNodeActions last_actions_;
  MobileNodeSnapshot snapshot_;
};

TEST_F(MobileNodeTest, FirstBindingUpdateFromIpv6CareOfAddress) {
  auto actions = move({candidate(kCoa)});
  // The home address goes on the TUN while away.
  EXPECT_EQ(actionsOf<ConfigureHomeAddress>(actions),
            (std::vector<ConfigureHomeAddress>{{kHoa, 128, AddressPlace::Tun, "", true}}));
  EXPECT_TRUE(hasEvent(actions, EventKind::CareOfAddressSelected));
  auto bu = onlyBu(actions);
  ASSERT_TRUE(bu);
  // Reference 2.10: A and H, HAO with the home address, source = CoA, Alternate CoA option.
  EXPECT_EQ(wire::buFlagsText(bu->bu.flags), "A|H");
  EXPECT_EQ(bu->bu.sequence, 100);
  EXPECT_EQ(bu->bu.lifetime_units, 100);
  EXPECT_EQ(bu->packet.ip.header.source, kCoa);
  EXPECT_EQ(bu->packet.ip.header.destination, kHa);
  EXPECT_EQ(bu->packet.ip.home_address, kHoa);
  EXPECT_FALSE(bu->packet.ip.routing_home_address);
  const auto* alt = wire::findOption<wire::AlternateCareOfAddressOption>(bu->bu.options);
  ASSERT_NE(alt, nullptr);
  EXPECT_EQ(alt->care_of_address, kCoa);
  EXPECT_EQ(wire::findOption<wire::Ipv4HomeAddressOption>(bu->bu.options), nullptr);
  EXPECT_EQ(bu->transport().kind, TransportKind::Ipv6);
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 1500ms);  // InitialBindackTimeoutFirstReg
  EXPECT_EQ(entry().state, RegistrationState::Registering);
  EXPECT_EQ(entry().pending_care_of, CareOfAddress{kCoa});
}

TEST_F(MobileNodeTest, UlaCareOfAddressIsUsable) {
  // The m6t tunnel address is an ordinary IPv6 care-of address.
  EXPECT_TRUE(onlyBu(move({candidate(v6("fd12:3456:789a::2"), "m6t0")})));
}

TEST_F(MobileNodeTest, UnusableAddressesAreNotCareOfAddresses) {
  auto actions = move({candidate(v6("fe80::1")), candidate(v4("127.0.0.1"))});
  EXPECT_TRUE(sentBus(actions).empty());
  EXPECT_TRUE(hasEvent(actions, EventKind::NoCareOfAddress));
}

TEST_F(MobileNodeTest, RetransmissionScheduleDoublesToMaxAndStays) {
  auto first = onlyBu(move({candidate(kCoa)}));
  std::uint16_t last = first->bu.sequence;
  // 1.5, 3, 6, 12, 24, 32, 32 s between transmissions (RFC 6275 §11.8).
  const Duration gaps[] = {1500ms, 3s, 6s, 12s, 24s, 32s, 32s, 32s};
  for (Duration gap : gaps) {
    ASSERT_EQ(mn_->nextDeadline(), clock_.now() + gap);
    EXPECT_TRUE(sentBus(tick(gap - 1ms)).empty());
    auto bu = onlyBu(tick(1ms));
    ASSERT_TRUE(bu);
    EXPECT_TRUE(isNewerSequence(bu->bu.sequence, last));  // greater on every retransmission
    last = bu->bu.sequence;
  }
  EXPECT_EQ(mn_->stats().retransmissions, 8u);
}

TEST_F(MobileNodeTest, AcceptedBindingSetsDataPathAndLifetimeFromSendTime) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  clock_.advance(700ms);  // the BA arrives later than the BU left
  auto actions = ack(*bu, ackFor(*bu));
  auto paths = actionsOf<SetDataPath>(actions);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].home_address, kHoa);
  EXPECT_EQ(paths[0].path.encapsulation, Encapsulation::Ipv6);
  EXPECT_EQ(paths[0].path.care_of, CareOfAddress{kCoa});
  EXPECT_EQ(paths[0].path.home_agent, kHa);
  EXPECT_TRUE(hasEvent(actions, EventKind::Registered));
  EXPECT_EQ(entry().state, RegistrationState::Registered);
  // RFC 6275 §11.7.3: the 400 s count from when the BU was sent.
  EXPECT_EQ(entry().lifetime_left, 400s - 700ms);
  EXPECT_EQ(entry().next_refresh, 320s - 700ms);  // 80 %
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 320s);
  EXPECT_EQ(mn_->stats().registrations, 1u);
}

TEST_F(MobileNodeTest, RefreshBeforeLifetimeEndsAndNonFirstTimeout) {
  SentBu first = registerAt(candidate(kCoa));
  auto refresh = onlyBu(tick(320s));
  ASSERT_TRUE(refresh);
  EXPECT_EQ(refresh->bu.sequence, first.bu.sequence + 1);
  EXPECT_EQ(entry().state, RegistrationState::Refreshing);
  EXPECT_EQ(mn_->nextDeadline(), clock_.now() + 1s);  // INITIAL_BINDACK_TIMEOUT now
  auto actions = ack(*refresh, ackFor(*refresh));
  EXPECT_TRUE(actionsOf<SetDataPath>(actions).empty());  // nothing changed
  EXPECT_EQ(mn_->stats().refreshes, 1u);
  EXPECT_EQ(entry().state, RegistrationState::Registered);
}

TEST_F(MobileNodeTest, BindingRefreshAdviceShortensRefresh) {
  registerAt(candidate(kCoa), {wire::BindingRefreshAdviceOption{25}});  // 100 s
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 100s);
}

TEST_F(MobileNodeTest, LifetimeExpiresWhenRefreshesGoUnanswered) {
  registerAt(candidate(kCoa));
  (void)tick(320s);  // refresh BU, no answer
  MobileNodeActions all;
  while (clock_.now() < kT0 + 400s) {
    auto next = mn_->nextDeadline();
    ASSERT_TRUE(next);
    auto actions = tick(*next - clock_.now());
    all.insert(all.end(), actions.begin(), actions.end());
  }
  EXPECT_TRUE(hasEvent(all, EventKind::BindingLost));
  auto paths = actionsOf<SetDataPath>(all);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].path.encapsulation, Encapsulation::None);
  EXPECT_EQ(mn_->stats().bindings_lost, 1u);
  EXPECT_EQ(entry().state, RegistrationState::Refreshing);  // still trying
}

TEST_F(MobileNodeTest, Status135AdoptsHomeAgentSequence) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  wire::BindingAck a = ackFor(*bu, BindingAckStatus::SequenceNumberOutOfWindow, 0);
  a.sequence = 5000;
  auto again = onlyBu(ack(*bu, a));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->bu.sequence, 5001);
  EXPECT_EQ(mn_->stats().binding_ack_status[135], 1u);
  ack(*again, ackFor(*again));
  EXPECT_EQ(entry().state, RegistrationState::Registered);
}

TEST_F(MobileNodeTest, StaleOrForeignAcksAreIgnored) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  wire::BindingAck stale = ackFor(*bu);
  stale.sequence = static_cast<std::uint16_t>(bu->bu.sequence - 1);
  EXPECT_TRUE(ack(*bu, stale).empty());
  EXPECT_EQ(drops(SignallingDrop::NoOutstandingUpdate), 1u);
  EXPECT_TRUE(deliver(replyTo(*bu, ackFor(*bu), v6("2001:db8:1::2"))).empty());
  EXPECT_EQ(drops(SignallingDrop::NotFromHomeAgent), 1u);
  EXPECT_EQ(entry().state, RegistrationState::Registering);
}

TEST_F(MobileNodeTest, UnprotectedAckIgnoredWhenEspRequired) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.require_esp = true;
  reset(c);
  auto bu = onlyBu(move({candidate(kCoa)}));
  Reply r = replyTo(*bu, ackFor(*bu));
  EXPECT_TRUE(deliver(r).empty());
  EXPECT_EQ(drops(SignallingDrop::Unprotected), 1u);
  r.inbound.esp_protected = true;
  EXPECT_TRUE(hasEvent(deliver(r), EventKind::Registered));
}

// --- IPv4 care-of addresses (RFC 5555 §4.4) ---------------------------------------------------

TEST_F(MobileNodeTest, BindingUpdateFromIpv4NetworkGoesInUdp) {
  auto bu = onlyBu(move({candidate(kPrivateCoa4, "wlan0")}));
  ASSERT_TRUE(bu);
  // Inner source = home address, no HAO (D6), IPv4 CoA option, UDP to the HA's port 4191.
  EXPECT_EQ(bu->packet.ip.header.source, kHoa);
  EXPECT_EQ(bu->packet.ip.header.destination, kHa);
  EXPECT_FALSE(bu->packet.ip.home_address);
  const auto* coa = wire::findOption<wire::Ipv4CareOfAddressOption>(bu->bu.options);
  ASSERT_NE(coa, nullptr);
  EXPECT_EQ(coa->care_of_address, kPrivateCoa4);
  EXPECT_EQ(wire::findOption<wire::AlternateCareOfAddressOption>(bu->bu.options), nullptr);
  EXPECT_EQ(bu->transport(), Transport::udp({kPrivateCoa4, kLocalPort}, {kHa4, 4191}));
  EXPECT_FALSE(bu->bu.has(wire::kBuFlagForceUdp));
}

TEST_F(MobileNodeTest, Ipv4CareOfNeedsHomeAgentIpv4AndUdpPort) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.home_agent_ipv4.reset();
  reset(c);
  EXPECT_TRUE(sentBus(move({candidate(kCoa4)})).empty());
  EXPECT_TRUE(onlyBu(mn_->onHomeAgentAddresses(kHa, kHa4, clock_.now())));
}

TEST_F(MobileNodeTest, NatDetectedMeansUdpAndKeepAlive) {
  SentBu bu = registerAt(candidate(kPrivateCoa4), {natOption(110)});
  auto paths = actionsOf<SetDataPath>(last_actions_);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].path.encapsulation, Encapsulation::Udp);
  EXPECT_TRUE(paths[0].path.nat_detected);
  EXPECT_EQ(paths[0].path.local, (Ipv4Endpoint{kPrivateCoa4, kLocalPort}));
  EXPECT_EQ(paths[0].path.home_agent_ipv4, (Ipv4Endpoint{kHa4, 4191}));
  EXPECT_TRUE(hasEvent(last_actions_, EventKind::NatDetected));
  // NAT keep-alive by BU refresh at the suggested time.
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 110s);
  auto keepalive = onlyBu(tick(110s));
  ASSERT_TRUE(keepalive);
  EXPECT_EQ(mn_->stats().nat_keepalives, 1u);
  ack(*keepalive, [&] {
    wire::BindingAck a = ackFor(*keepalive);
    a.options.push_back(natOption(110));
    return a;
  }());
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 220s);
}

TEST_F(MobileNodeTest, SuggestedRefreshTimeAndZeroMeansDefault) {
  registerAt(candidate(kPrivateCoa4), {natOption(25)});
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 25s);
  EXPECT_EQ(mn_->snapshot(clock_.now()).nat_keepalive, 25s);
  reset(testMobileNodeConfig());
  registerAt(candidate(kPrivateCoa4), {natOption(0)});
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 110s);  // NATKATIMEOUT
}

TEST_F(MobileNodeTest, NoNatMeansIpInIpv4WithoutKeepAlive) {
  registerAt(candidate(kCoa4), {natOption(wire::kNatRefreshNoNat)});
  auto paths = actionsOf<SetDataPath>(last_actions_);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].path.encapsulation, Encapsulation::Ipv4);
  EXPECT_FALSE(paths[0].path.nat_detected);
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 320s);  // just the lifetime refresh
}

TEST_F(MobileNodeTest, HomeAgentForcingUdpWithoutNat) {
  registerAt(candidate(kCoa4), {natOption(wire::kNatRefreshNoNat, true)});
  EXPECT_EQ(actionsOf<SetDataPath>(last_actions_)[0].path.encapsulation, Encapsulation::Udp);
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 320s);  // no keep-alives needed
}

TEST_F(MobileNodeTest, MissingNatDetectionOptionStaysOnUdp) {
  registerAt(candidate(kCoa4));
  EXPECT_EQ(actionsOf<SetDataPath>(last_actions_)[0].path.encapsulation, Encapsulation::Udp);
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 110s);
}

TEST_F(MobileNodeTest, ForcedUdpSetsFAndUsesUdp) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.force_udp = true;
  reset(c);
  auto bu = onlyBu(move({candidate(kCoa4)}));
  EXPECT_TRUE(bu->bu.has(wire::kBuFlagForceUdp));
  wire::BindingAck a = ackFor(*bu);
  a.options.push_back(natOption(wire::kNatRefreshNoNat));
  EXPECT_EQ(actionsOf<SetDataPath>(ack(*bu, a))[0].path.encapsulation, Encapsulation::Udp);
  // F is never set from an IPv6 care-of address.
  reset(c);
  EXPECT_FALSE(onlyBu(move({candidate(kCoa)}))->bu.has(wire::kBuFlagForceUdp));
}

TEST_F(MobileNodeTest, TlvFormatWhenTheHomeAgentAgrees) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.tlv_header = true;
  reset(c);
  auto bu = onlyBu(move({candidate(kPrivateCoa4)}));
  EXPECT_TRUE(bu->bu.has(wire::kBuFlagTlvHeader));
  wire::BindingAck a = ackFor(*bu);
  a.options.push_back(natOption(110));
  a.set(wire::kBaFlagTlvHeader);
  EXPECT_EQ(actionsOf<SetDataPath>(ack(*bu, a))[0].path.encapsulation, Encapsulation::UdpTlv);
  // Without the BA's T: plain UDP.
  reset(c);
  auto bu2 = onlyBu(move({candidate(kPrivateCoa4)}));
  wire::BindingAck b = ackFor(*bu2);
  b.options.push_back(natOption(110));
  EXPECT_EQ(actionsOf<SetDataPath>(ack(*bu2, b))[0].path.encapsulation, Encapsulation::Udp);
}

TEST_F(MobileNodeTest, ForceUdpRefusedRetriesOnceWithoutF) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.force_udp = true;
  reset(c);
  auto bu = onlyBu(move({candidate(kCoa4)}));
  auto retry = onlyBu(ack(*bu, ackFor(*bu, wire::kBaStatusCannotForceUdp, 0)));
  ASSERT_TRUE(retry);
  EXPECT_FALSE(retry->bu.has(wire::kBuFlagForceUdp));
  EXPECT_TRUE(
      hasEvent(last_actions_ = ack(*retry, ackFor(*retry, wire::kBaStatusCannotForceUdp, 0)),
               EventKind::RegistrationRejected));
  EXPECT_EQ(entry().state, RegistrationState::Rejected);
}

TEST_F(MobileNodeTest, Status129AfterForceUdpAlsoRetriesWithoutF) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.force_udp = true;
  reset(c);
  auto bu = onlyBu(move({candidate(kCoa4)}));
  auto actions = ack(*bu, ackFor(*bu, BindingAckStatus::AdministrativelyProhibited, 0));
  EXPECT_TRUE(hasEvent(actions, EventKind::RetryWithoutForceUdp));
  EXPECT_FALSE(onlyBu(actions)->bu.has(wire::kBuFlagForceUdp));
}

// --- Care-of address choice -------------------------------------------------------------------

TEST_F(MobileNodeTest, PrefersIpv6AndFallsBackToIpv4AfterThreeAttempts) {
  auto bu = onlyBu(move({candidate(kCoa4, "eth1"), candidate(kCoa, "eth0")}));
  EXPECT_EQ(bu->packet.ip.header.source, kCoa);
  (void)tick(1500ms);       // 2nd BU
  (void)tick(3s);           // 3rd BU
  auto actions = tick(6s);  // the 3rd times out: RFC 5555 §4.4.1
  EXPECT_TRUE(hasEvent(actions, EventKind::FallbackToIpv4));
  auto v4bu = onlyBu(actions);
  ASSERT_TRUE(v4bu);
  EXPECT_EQ(v4bu->transport().kind, TransportKind::UdpIpv4);
  EXPECT_EQ(mn_->nextDeadline(), clock_.now() + 1500ms);  // normal back-off again
  EXPECT_EQ(mn_->stats().fallbacks_to_ipv4, 1u);
}

TEST_F(MobileNodeTest, NoFallbackWithoutIpv4CareOf) {
  (void)move({candidate(kCoa)});
  (void)tick(1500ms);
  (void)tick(3s);
  auto actions = tick(6s);
  EXPECT_FALSE(hasEvent(actions, EventKind::FallbackToIpv4));
  EXPECT_EQ(onlyBu(actions)->packet.ip.header.source, kCoa);
}

TEST_F(MobileNodeTest, KeepsFamilyAfterMove) {
  registerAt(candidate(kPrivateCoa4), {natOption(110)});
  // A new network offering both families: stay with IPv4.
  auto bu = onlyBu(move({candidate(kCoa2), candidate(kCoa4, "eth1")}));
  EXPECT_EQ(bu->transport().kind, TransportKind::UdpIpv4);
  EXPECT_EQ(wire::findOption<wire::Ipv4CareOfAddressOption>(bu->bu.options)->care_of_address,
            kCoa4);
}

TEST_F(MobileNodeTest, InterfacePreferenceChoosesAmongSameFamily) {
  auto bu = onlyBu(move({candidate(kCoa, "wlan0", 20), candidate(kCoa2, "eth0", 10)}));
  EXPECT_EQ(bu->packet.ip.header.source, kCoa2);
}

TEST_F(MobileNodeTest, OnlyOneCareOfAddressRegistered) {
  registerAt(candidate(kCoa));
  // Another address shows up while the registered one stays: nothing to do.
  EXPECT_TRUE(sentBus(move({candidate(kCoa), candidate(kCoa2, "eth1")})).empty());
  // The registered one goes away: move to the other.
  EXPECT_EQ(onlyBu(move({candidate(kCoa2, "eth1")}))->packet.ip.header.source, kCoa2);
}

TEST_F(MobileNodeTest, HandoverKeepsOldPathUntilTheNewAck) {
  registerAt(candidate(kCoa));
  auto bu = onlyBu(last_actions_ = move({candidate(kCoa2, "eth1")}));
  ASSERT_TRUE(bu);
  EXPECT_TRUE(actionsOf<SetDataPath>(last_actions_).empty());
  EXPECT_EQ(mn_->nextDeadline(), clock_.now() + 1s);  // the HA has a binding: 1 s
  // Traffic still leaves through the old care-of address.
  Bytes packet(48, 0);
  packet[0] = 0x60;
  packet[5] = 8;
  std::copy(kHoa.bytes.begin(), kHoa.bytes.end(), packet.begin() + 8);
  std::copy(kCn.bytes.begin(), kCn.bytes.end(), packet.begin() + 24);
  EXPECT_EQ(mn_->onTunPacket(packet).tunnel.ipv6_source, kCoa);
  auto paths = actionsOf<SetDataPath>(ack(*bu, ackFor(*bu)));
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].path.care_of, CareOfAddress{kCoa2});
  EXPECT_EQ(mn_->onTunPacket(packet).tunnel.ipv6_source, kCoa2);
  EXPECT_EQ(mn_->stats().handovers, 1u);
}

TEST_F(MobileNodeTest, Status174TriesAnotherCareOfAddress) {
  auto bu = onlyBu(move({candidate(kCoa, "eth0", 1), candidate(kCoa2, "eth1", 2)}));
  EXPECT_EQ(bu->packet.ip.header.source, kCoa);
  auto next = onlyBu(ack(*bu, ackFor(*bu, BindingAckStatus::InvalidCareOfAddress, 0)));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->packet.ip.header.source, kCoa2);
}

// --- Rejections ------------------------------------------------------------------------------

TEST_F(MobileNodeTest, RejectionRetriedLaterOrAfterMove) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  auto actions = ack(*bu, ackFor(*bu, BindingAckStatus::NotHomeSubnet, 0));
  EXPECT_TRUE(hasEvent(actions, EventKind::RegistrationRejected));
  EXPECT_EQ(entry().state, RegistrationState::Rejected);
  EXPECT_EQ(mn_->nextDeadline(), clock_.now() + 300s);
  auto retry = onlyBu(tick(300s));
  ASSERT_TRUE(retry);
  // Rejected again; this time a move retries at once.
  (void)ack(*retry, ackFor(*retry, BindingAckStatus::NotHomeSubnet, 0));
  EXPECT_EQ(entry().state, RegistrationState::Rejected);
  auto moved = onlyBu(move({candidate(kCoa2)}));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->packet.ip.header.source, kCoa2);
}

TEST_F(MobileNodeTest, Status134IsPermanent) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  (void)ack(*bu, ackFor(*bu, BindingAckStatus::DuplicateAddressDetectionFailed, 0));
  EXPECT_EQ(entry().state, RegistrationState::Rejected);
  EXPECT_EQ(mn_->nextDeadline(), std::nullopt);
  EXPECT_TRUE(sentBus(move({candidate(kCoa2)})).empty());  // never again
}

TEST_F(MobileNodeTest, TransientStatusKeepsRetransmitting) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  (void)ack(*bu, ackFor(*bu, BindingAckStatus::InsufficientResources, 0));
  EXPECT_EQ(entry().state, RegistrationState::Registering);
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 1500ms);
  EXPECT_TRUE(onlyBu(tick(1500ms)));
}

TEST_F(MobileNodeTest, Status139DeregistersThenRegistersAgain) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  auto dereg = onlyBu(ack(*bu, ackFor(*bu, BindingAckStatus::RegistrationTypeChangeDisallowed, 0)));
  ASSERT_TRUE(dereg);
  EXPECT_EQ(dereg->bu.lifetime_units, 0);
  auto again = onlyBu(ack(*dereg, ackFor(*dereg)));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->bu.lifetime_units, 100);
}

TEST_F(MobileNodeTest, BindingErrorStatus1ReRegisters) {
  registerAt(candidate(kCoa));
  wire::BindingError be;
  be.status = wire::BindingErrorStatus::UnknownBindingForHomeAddress;
  be.home_address = kHoa;
  wire::Ipv6Extensions ext;
  ext.routing_home_address = kHoa;
  Reply r{buildMobilityPacket(be, kHa, kCoa).value(), {}};
  auto actions = deliver(r);
  EXPECT_TRUE(hasEvent(actions, EventKind::BindingLost));
  EXPECT_TRUE(onlyBu(actions));
  EXPECT_EQ(mn_->nextDeadline(), clock_.now() + 1500ms);  // the HA has no binding: first reg
}

TEST_F(MobileNodeTest, BindingErrorStatus2StopsRegistering) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  wire::BindingError be;
  be.status = wire::BindingErrorStatus::UnrecognizedMhType;
  Reply r{buildMobilityPacket(be, kHa, kCoa).value(), {}};
  EXPECT_TRUE(hasEvent(deliver(r), EventKind::RegistrationRejected));
  EXPECT_EQ(entry().state, RegistrationState::Rejected);
}

TEST_F(MobileNodeTest, BindingRefreshRequestTriggersBindingUpdate) {
  SentBu first = registerAt(candidate(kCoa));
  clock_.advance(100s);
  wire::Ipv6Extensions ext;
  ext.routing_home_address = kHoa;
  Reply r{buildMobilityPacket(wire::BindingRefreshRequest{}, kHa, kCoa, ext).value(), {}};
  auto bu = onlyBu(deliver(r));
  ASSERT_TRUE(bu);
  EXPECT_EQ(bu->bu.sequence, first.bu.sequence + 1);
  EXPECT_EQ(mn_->stats().refresh_requests_received, 1u);
  // While a BU is outstanding another BRR changes nothing.
  EXPECT_TRUE(sentBus(deliver(r)).empty());
}

TEST_F(MobileNodeTest, MaxUpdateRateDelaysTheFourthBindingUpdate) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  // Three 135s in a row: the third resend within the same second must wait.
  wire::BindingAck a = ackFor(*bu, BindingAckStatus::SequenceNumberOutOfWindow, 0);
  a.sequence = 1;
  auto second = onlyBu(ack(*bu, a));
  a.sequence = 2;
  auto third = onlyBu(ack(*second, a));
  ASSERT_TRUE(third);
  a.sequence = 3;
  EXPECT_TRUE(sentBus(ack(*third, a)).empty());
  EXPECT_EQ(mn_->stats().rate_limited, 1u);
  EXPECT_EQ(mn_->nextDeadline(), kT0 + 1s);
  auto fourth = onlyBu(tick(1s));
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->bu.sequence, 4);
}

// --- Home, stop, home agent change ------------------------------------------------------------

TEST_F(MobileNodeTest, ReturningHomeDeregistersFromHome) {
  registerAt(candidate(kCoa));
  auto actions = move({candidate(v6("2001:db8:1::abcd"), "eth0")});
  EXPECT_TRUE(hasEvent(actions, EventKind::ReturnedHome));
  // The care-of address is gone: the home address moves to the home link and the data path is
  // cleared at once, before the de-registration BU (sent from the home address).
  EXPECT_EQ(actionsOf<ConfigureHomeAddress>(actions),
            (std::vector<ConfigureHomeAddress>{{kHoa, 128, AddressPlace::Tun, "", false},
                                               {kHoa, 64, AddressPlace::HomeLink, "eth0", true}}));
  ASSERT_EQ(actionsOf<SetDataPath>(actions).size(), 1u);
  EXPECT_EQ(actionsOf<SetDataPath>(actions)[0].path.encapsulation, Encapsulation::None);
  const auto first_send = std::find_if(actions.begin(), actions.end(), [](const auto& a) {
    return std::holds_alternative<SendSignalling>(a);
  });
  const auto placed = std::find_if(actions.begin(), actions.end(), [](const auto& a) {
    return std::holds_alternative<ConfigureHomeAddress>(a);
  });
  EXPECT_LT(placed, first_send);
  auto bu = onlyBu(actions);
  ASSERT_TRUE(bu);
  // RFC 6275 §11.5.5: lifetime 0, source = home address, no HAO, no Alternate CoA.
  EXPECT_EQ(bu->bu.lifetime_units, 0);
  EXPECT_EQ(bu->packet.ip.header.source, kHoa);
  EXPECT_FALSE(bu->packet.ip.home_address);
  EXPECT_TRUE(bu->bu.options.empty());
  auto done = ack(*bu, ackFor(*bu));
  EXPECT_TRUE(hasEvent(done, EventKind::Deregistered));
  EXPECT_TRUE(actionsOf<ConfigureHomeAddress>(done).empty());  // already on the home link
  EXPECT_TRUE(actionsOf<SetDataPath>(done).empty());
  EXPECT_EQ(entry().state, RegistrationState::AtHome);
  EXPECT_EQ(mn_->nextDeadline(), std::nullopt);
  Bytes packet(48, 0);
  packet[0] = 0x60;
  packet[5] = 8;
  EXPECT_EQ(mn_->onTunPacket(packet).drop_reason, DropReason::AtHome);
  // Leaving again: back on the TUN and a first registration.
  auto away = move({candidate(kCoa2)});
  EXPECT_TRUE(hasEvent(away, EventKind::LeftHome));
  EXPECT_TRUE(onlyBu(away));
  EXPECT_EQ(actionsOf<ConfigureHomeAddress>(away).back(),
            (ConfigureHomeAddress{kHoa, 128, AddressPlace::Tun, "", true}));
}

TEST_F(MobileNodeTest, StartingAtHomeDeregistersInCaseOfAStaleBinding) {
  auto arrived = move({candidate(v6("2001:db8:1::abcd"), "eth0")});
  EXPECT_EQ(actionsOf<ConfigureHomeAddress>(arrived),
            (std::vector<ConfigureHomeAddress>{{kHoa, 64, AddressPlace::HomeLink, "eth0", true}}));
  auto bu = onlyBu(arrived);
  ASSERT_TRUE(bu);
  EXPECT_EQ(bu->bu.lifetime_units, 0);
  // No answer: four attempts (1.5, 3, 6, 12 s), then settle at home.
  (void)tick(1500ms);
  (void)tick(3s);
  (void)tick(6s);
  auto last = tick(12s);
  EXPECT_TRUE(sentBus(last).empty());
  EXPECT_EQ(entry().state, RegistrationState::AtHome);
  EXPECT_TRUE(actionsOf<ConfigureHomeAddress>(last).empty());
}

TEST_F(MobileNodeTest, AnotherHomeInterfaceMovesTheHomeAddress) {
  (void)move({candidate(v6("2001:db8:1::abcd"), "eth0")});
  auto actions = move({candidate(v6("2001:db8:1::abce"), "eth1")});
  EXPECT_EQ(actionsOf<ConfigureHomeAddress>(actions),
            (std::vector<ConfigureHomeAddress>{{kHoa, 64, AddressPlace::HomeLink, "eth0", false},
                                               {kHoa, 64, AddressPlace::HomeLink, "eth1", true}}));
}

TEST_F(MobileNodeTest, Status133ToDeregistrationMeansDone) {
  auto bu = onlyBu(move({candidate(v6("2001:db8:1::abcd"), "eth0")}));
  auto actions = ack(*bu, ackFor(*bu, BindingAckStatus::NotHomeAgentForThisMobileNode, 0));
  EXPECT_EQ(entry().state, RegistrationState::AtHome);
}

TEST_F(MobileNodeTest, StopDeregistersAndFinishes) {
  registerAt(candidate(kCoa));
  auto actions = mn_->onStop(clock_.now());
  auto bu = onlyBu(actions);
  ASSERT_TRUE(bu);
  EXPECT_EQ(bu->bu.lifetime_units, 0);
  EXPECT_EQ(wire::findOption<wire::AlternateCareOfAddressOption>(bu->bu.options)->care_of_address,
            kCoa);
  EXPECT_FALSE(mn_->finished());
  auto done = ack(*bu, ackFor(*bu));
  EXPECT_TRUE(mn_->finished());
  EXPECT_TRUE(hasEvent(done, EventKind::Stopped));
}

TEST_F(MobileNodeTest, StopGivesUpAfterDeregistrationAttempts) {
  registerAt(candidate(kCoa));
  (void)mn_->onStop(clock_.now());
  (void)tick(1s);
  (void)tick(2s);
  auto last = tick(4s);
  EXPECT_TRUE(mn_->finished());
  EXPECT_EQ(mn_->stats().binding_updates_sent, 4u);  // registration + 3 de-registrations
}

TEST_F(MobileNodeTest, StopWithoutBindingFinishesAtOnce) {
  (void)mn_->onStop(clock_.now());
  EXPECT_TRUE(mn_->finished());
}

TEST_F(MobileNodeTest, HomeAgentChangeStartsNewRegistration) {
  registerAt(candidate(kCoa));
  const Ipv6Address other = v6("2001:db8:1::2");
  auto actions = mn_->onHomeAgentAddresses(other, kHa4, clock_.now());
  EXPECT_TRUE(hasEvent(actions, EventKind::HomeAgentChanged));
  auto bu = onlyBu(actions);
  ASSERT_TRUE(bu);
  EXPECT_EQ(bu->packet.ip.header.destination, other);
  EXPECT_EQ(mn_->nextDeadline(), clock_.now() + 1500ms);
}

// --- IPv4 home address (RFC 5555 §3.1.1, §4.4.2) ----------------------------------------------

class MobileNodeIpv4Test : public MobileNodeTest {
 protected:
  void dynamic() {
    MobileNodeConfig c = testMobileNodeConfig();
    c.ipv4_home_address_mode = Ipv4HomeAddressMode::Dynamic;
    reset(c);
  }
  static wire::Ipv4AddressAckOption ipv4Ack(Ipv4Address a, std::uint8_t len = 32,
                                            wire::Ipv4AckStatus s = wire::Ipv4AckStatus::Success) {
    return wire::Ipv4AddressAckOption{s, len, a};
  }
};

TEST_F(MobileNodeIpv4Test, DynamicAddressRequestedAcquiredAndRefreshed) {
  dynamic();
  auto bu = onlyBu(move({candidate(kPrivateCoa4)}));
  const auto* opt = wire::findOption<wire::Ipv4HomeAddressOption>(bu->bu.options);
  ASSERT_NE(opt, nullptr);
  EXPECT_EQ(opt->home_address, Ipv4Address{});
  EXPECT_EQ(opt->prefix_length, 32);
  wire::BindingAck a = ackFor(*bu);
  a.options = {ipv4Ack(v4("10.2.0.1")), natOption(110)};
  auto actions = ack(*bu, a);
  EXPECT_EQ(
      actionsOf<ConfigureIpv4HomeAddress>(actions),
      (std::vector<ConfigureIpv4HomeAddress>{{v4("10.2.0.1"), 32, AddressPlace::Tun, "", true}}));
  EXPECT_TRUE(hasEvent(actions, EventKind::Ipv4HomeAddressAcquired));
  EXPECT_EQ(mn_->snapshot(clock_.now()).ipv4_home_address, p4("10.2.0.1/32"));
  auto refresh = onlyBu(tick(110s));
  EXPECT_EQ(wire::findOption<wire::Ipv4HomeAddressOption>(refresh->bu.options)->home_address,
            v4("10.2.0.1"));
}

TEST_F(MobileNodeIpv4Test, DynamicAddressRequestedAgainAfterBindingLost) {
  dynamic();
  auto bu = onlyBu(move({candidate(kPrivateCoa4)}));
  wire::BindingAck a = ackFor(*bu);
  a.options = {ipv4Ack(v4("10.2.0.1")), natOption(wire::kNatRefreshNoNat, true)};
  (void)ack(*bu, a);
  (void)tick(320s);  // refresh, unanswered, until the lifetime ends
  MobileNodeActions all;
  while (clock_.now() < kT0 + 400s) {
    auto actions = tick(*mn_->nextDeadline() - clock_.now());
    all.insert(all.end(), actions.begin(), actions.end());
  }
  EXPECT_TRUE(hasEvent(all, EventKind::Ipv4HomeAddressLost));
  EXPECT_EQ(actionsOf<ConfigureIpv4HomeAddress>(all).back().enable, false);
  // After moving, 0.0.0.0 again.
  auto next = onlyBu(move({candidate(kCoa4, "eth1")}));
  EXPECT_EQ(wire::findOption<wire::Ipv4HomeAddressOption>(next->bu.options)->home_address,
            Ipv4Address{});
}

TEST_F(MobileNodeIpv4Test, StaticAddressSentAndFailureReported) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.ipv4_home_address_mode = Ipv4HomeAddressMode::Static;
  c.ipv4_home_address = kStaticHoa4;
  reset(c);
  auto bu = onlyBu(move({candidate(kCoa)}));  // also from IPv6 networks
  EXPECT_EQ(wire::findOption<wire::Ipv4HomeAddressOption>(bu->bu.options)->home_address,
            kStaticHoa4);
  wire::BindingAck a = ackFor(*bu);
  a.options = {ipv4Ack(kStaticHoa4, 0, wire::Ipv4AckStatus::IncorrectIpv4HomeAddress)};
  auto actions = ack(*bu, a);
  EXPECT_TRUE(hasEvent(actions, EventKind::Ipv4HomeAddressRefused));
  EXPECT_TRUE(actionsOf<ConfigureIpv4HomeAddress>(actions).empty());
  // MAY include it later: the refresh still carries it.
  EXPECT_NE(wire::findOption<wire::Ipv4HomeAddressOption>(onlyBu(tick(320s))->bu.options), nullptr);
}

TEST_F(MobileNodeIpv4Test, MissingAckKeepsTheOptionOut) {
  dynamic();
  auto bu = onlyBu(move({candidate(kCoa)}));
  auto actions = ack(*bu, ackFor(*bu));
  EXPECT_TRUE(hasEvent(actions, EventKind::Ipv4HomeAddressUnsupported));
  EXPECT_TRUE(mn_->snapshot(clock_.now()).ipv4_home_address_unsupported);
  EXPECT_EQ(wire::findOption<wire::Ipv4HomeAddressOption>(onlyBu(tick(320s))->bu.options), nullptr);
}

TEST_F(MobileNodeIpv4Test, PrefixRequestedWithPThenRefreshedWithGrant) {
  MobileNodeConfig c = testMobileNodeConfig();
  c.ipv4_mobile_network_prefixes = {p4("0.0.0.0/24")};
  reset(c);
  auto bu = onlyBu(move({candidate(kCoa)}));
  const auto* opt = wire::findOption<wire::Ipv4HomeAddressOption>(bu->bu.options);
  ASSERT_NE(opt, nullptr);
  EXPECT_TRUE(opt->prefix_requested);
  EXPECT_EQ(opt->prefix_length, 24);
  wire::BindingAck a = ackFor(*bu);
  a.options = {ipv4Ack(kIpv4Mnp.address, 24)};
  EXPECT_EQ(actionsOf<ConfigureIpv4Prefix>(ack(*bu, a)),
            (std::vector<ConfigureIpv4Prefix>{{kIpv4Mnp, true}}));
  const auto refresh_bu = onlyBu(tick(320s));
  ASSERT_TRUE(refresh_bu);
  const auto* refresh = wire::findOption<wire::Ipv4HomeAddressOption>(refresh_bu->bu.options);
  ASSERT_NE(refresh, nullptr);
  EXPECT_FALSE(refresh->prefix_requested);
  EXPECT_EQ(refresh->home_address, kIpv4Mnp.address);
  EXPECT_EQ(refresh->prefix_length, 24);
}

// --- NEMO (RFC 3963 §5) ------------------------------------------------------------------------

class MobileRouterTest : public MobileNodeTest {
 protected:
  void router(NemoMode mode) {
    MobileNodeConfig c = testMobileNodeConfig();
    c.home_addresses = {kMrHoa};
    c.mobile_router = true;
    c.nemo_mode = mode;
    c.mobile_network_prefixes = {kMnp};
    reset(c);
  }
};

TEST_F(MobileRouterTest, ExplicitModeListsPrefixesInEveryUpdate) {
  router(NemoMode::Explicit);
  auto bu = onlyBu(move({candidate(kCoa)}));
  EXPECT_TRUE(bu->bu.has(wire::kBuFlagMobileRouter));
  auto prefixes = wire::findAllOptions<wire::MobileNetworkPrefixOption>(bu->bu.options);
  ASSERT_EQ(prefixes.size(), 1u);
  EXPECT_EQ(prefixes[0]->toPrefix(), kMnp);
  (void)ack(*bu, ackFor(*bu));
  auto refresh = onlyBu(tick(320s));
  EXPECT_EQ(wire::findAllOptions<wire::MobileNetworkPrefixOption>(refresh->bu.options).size(), 1u);
}

TEST_F(MobileRouterTest, ImplicitModeSendsNoPrefixes) {
  router(NemoMode::Implicit);
  auto bu = onlyBu(move({candidate(kCoa)}));
  EXPECT_TRUE(bu->bu.has(wire::kBuFlagMobileRouter));
  EXPECT_TRUE(wire::findAllOptions<wire::MobileNetworkPrefixOption>(bu->bu.options).empty());
}

TEST_F(MobileRouterTest, AckWithoutRMeansNoMobileRouterSupport) {
  router(NemoMode::Explicit);
  auto bu = onlyBu(move({candidate(kCoa)}));
  wire::BindingAck a = ackFor(*bu);
  a.set(wire::kBaFlagMobileRouter, false);
  auto dereg = onlyBu(ack(*bu, a));
  ASSERT_TRUE(dereg);
  EXPECT_EQ(dereg->bu.lifetime_units, 0);
  (void)ack(*dereg, ackFor(*dereg));
  EXPECT_EQ(entry().state, RegistrationState::Rejected);
}

TEST_F(MobileRouterTest, Status140RegistersAsHost) {
  router(NemoMode::Explicit);
  auto bu = onlyBu(move({candidate(kCoa)}));
  auto again =
      onlyBu(ack(*bu, ackFor(*bu, BindingAckStatus::MobileRouterOperationNotPermitted, 0)));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->bu.has(wire::kBuFlagMobileRouter));
  EXPECT_TRUE(wire::findAllOptions<wire::MobileNetworkPrefixOption>(again->bu.options).empty());
}

// --- Mobile prefix discovery ------------------------------------------------------------------

TEST_F(MobileNodeTest, Status1SendsMobilePrefixSolicitation) {
  auto bu = onlyBu(move({candidate(kCoa)}));
  auto actions = ack(*bu, ackFor(*bu, BindingAckStatus::AcceptedPrefixDiscoveryNecessary));
  EXPECT_EQ(entry().state, RegistrationState::Registered);
  EXPECT_TRUE(hasEvent(actions, EventKind::PrefixDiscovery));
  auto sends = actionsOf<SendSignalling>(actions);
  ASSERT_EQ(sends.size(), 1u);
  Decoded mps = decode(sends[0]);
  ASSERT_TRUE(mps.icmpv6);
  EXPECT_EQ(mps.icmpv6->type, wire::icmpv6_type::kMobilePrefixSolicitation);
  EXPECT_EQ(mps.ip.header.source, kCoa);
  EXPECT_EQ(mps.ip.home_address, kHoa);
  // Unanswered: again after 3 s.
  EXPECT_EQ(mn_->nextDeadline(), clock_.now() + 3s);
  auto retry = actionsOf<SendSignalling>(tick(3s));
  ASSERT_EQ(retry.size(), 1u);
  Decoded mps2 = decode(retry[0]);
  const auto id = std::get<wire::MobilePrefixSolicitation>(mps2.icmpv6->body).identifier;
  // The advertisement, as the home agent core would send it.
  PacketBuffer icmp(512);
  wire::PrefixInformation info;
  info.prefix_length = 64;
  info.on_link = info.autonomous = true;
  info.valid_lifetime = 3600;
  info.preferred_lifetime = 0;
  info.prefix = kHomePrefix.address;
  ASSERT_TRUE(
      wire::buildMobilePrefixAdvertisement(icmp, id, false, false, std::span(&info, 1), kHa, kHoa));
  wire::Ipv6Extensions ext;
  ext.routing_home_address = kHoa;
  auto learned =
      mn_->onSignalling(finishIcmpv6Packet(icmp, kHa, kCoa, ext).value(), {}, clock_.now());
  EXPECT_TRUE(hasEvent(learned, EventKind::HomePrefixesLearned));
  EXPECT_EQ(mn_->snapshot(clock_.now()).home_prefixes.size(), 1u);
  EXPECT_EQ(mn_->stats().mobile_prefix_advertisements_received, 1u);
}

// --- Snapshot and configuration ---------------------------------------------------------------

TEST_F(MobileNodeTest, SnapshotShowsTheBindingUpdateList) {
  SentBu bu = registerAt(candidate(kPrivateCoa4, "wlan0"), {natOption(110)});
  clock_.advance(10s);
  MobileNodeSnapshot s = mn_->snapshot(clock_.now());
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].state, RegistrationState::Registered);
  EXPECT_EQ(s.entries[0].registered_care_of, CareOfAddress{kPrivateCoa4});
  EXPECT_EQ(s.entries[0].sequence, bu.bu.sequence);
  EXPECT_EQ(s.entries[0].lifetime, 400s);
  EXPECT_EQ(s.entries[0].lifetime_left, 390s);
  EXPECT_EQ(s.entries[0].next_refresh, 100s);
  EXPECT_EQ(s.care_of->interface, "wlan0");
  EXPECT_EQ(s.encapsulation, Encapsulation::Udp);
  EXPECT_TRUE(s.nat_detected);
  EXPECT_EQ(s.stats.binding_updates_sent, 1u);
  EXPECT_EQ(s.stats.binding_ack_status[0], 1u);
}

TEST(MobileNodeConfigTest, RejectionsNameTheKey) {
  const auto expectKey = [](MobileNodeConfig c, std::string_view key) {
    auto s = validateMobileNodeConfig(c);
    ASSERT_FALSE(s) << key;
    EXPECT_EQ(s.error().detail.rfind(std::string(key), 0), 0u) << s.error().detail;
  };
  MobileNodeConfig c = testMobileNodeConfig();
  c.home_addresses.clear();
  expectKey(c, "home_addresses");
  c = testMobileNodeConfig();
  c.home_addresses = {v6("2001:db8:9::1")};
  expectKey(c, "home_addresses");
  c = testMobileNodeConfig();
  c.binding_lifetime = 1s;
  expectKey(c, "binding_lifetime");
  c = testMobileNodeConfig();
  c.mobile_network_prefixes = {kMnp};
  expectKey(c, "mobile_network_prefixes");
  c = testMobileNodeConfig();
  c.mobile_router = true;
  expectKey(c, "mobile_network_prefixes");  // explicit mode without prefixes
  c = testMobileNodeConfig();
  c.ipv4_home_address_mode = Ipv4HomeAddressMode::Static;
  expectKey(c, "ipv4_home_address");
  c = testMobileNodeConfig();
  c.max_bindack_timeout = 1s;
  expectKey(c, "initial_bindack_timeout_first_reg");
}

// --- reload (MobileNode::reconfigure) ----------------------------------------------------------

TEST_F(MobileNodeTest, ReconfiguredBackOffCapAppliesFromTheNextRetransmission) {
  auto first = onlyBu(move({candidate(kCoa)}));
  ASSERT_TRUE(first);
  MobileNodeConfig c = testMobileNodeConfig();
  c.max_bindack_timeout = 5s;
  c.binding_lifetime = 60s;  // sent in BUs: needs a restart
  auto actions = mn_->reconfigure(c, clock_.now());
  EXPECT_TRUE(sentBus(actions).empty());
  EXPECT_TRUE(hasEvent(actions, EventKind::Reconfigured));
  // The armed 1.5 s runs out, then 3 s and the new cap of 5 s (32 s before the reload).
  const Duration gaps[] = {1500ms, 3s, 5s, 5s};
  for (Duration gap : gaps) {
    ASSERT_EQ(mn_->nextDeadline(), clock_.now() + gap);
    auto bu = onlyBu(tick(gap));
    ASSERT_TRUE(bu);
    EXPECT_EQ(bu->bu.lifetime_units, first->bu.lifetime_units);  // the running lifetime
  }
  EXPECT_EQ(mn_->config().max_bindack_timeout, 5s);
  EXPECT_EQ(mn_->config().binding_lifetime, testMobileNodeConfig().binding_lifetime);
}

TEST_F(MobileNodeTest, ReconfigureKeepsTheBinding) {
  (void)registerAt(candidate(kCoa));
  ASSERT_EQ(entry().state, RegistrationState::Registered);
  MobileNodeConfig c = testMobileNodeConfig();
  c.tunnel.hop_limit = 9;
  c.retry_after_rejection = 10s;
  auto actions = mn_->reconfigure(c, clock_.now());
  EXPECT_TRUE(sentBus(actions).empty());
  EXPECT_TRUE(actionsOf<SetDataPath>(actions).empty());  // the data path stays as it is
  EXPECT_EQ(entry().state, RegistrationState::Registered);
  EXPECT_EQ(mn_->config().tunnel.hop_limit, 9);
  EXPECT_EQ(mn_->config().retry_after_rejection, 10s);
}

}  // namespace
}  // namespace dsmip::dsmip6::test
