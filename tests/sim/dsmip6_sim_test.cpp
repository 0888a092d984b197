// DSMIPv6 simulation: the home agent and mobile node cores, a NAT and virtual links under a
// virtual clock. Handovers IPv6 → NATed IPv4 → public IPv4 → m6t (ULA) → IPv6 → home with a
// continuous ping, NAT rebinding recovered by the keep-alive, home agent restarts, lossy and
// one-way blocked links, the IPv6→IPv4 fallback, expiry and stop. Interruptions are measured
// in virtual time and asserted within bounds (printed for the record).

#include <gtest/gtest.h>

#include <iostream>

#include "support/dsmip6_world.hpp"

namespace dsmip::sim {
namespace {

using namespace std::chrono_literals;
using dsmip6::EventKind;

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void report(std::string_view what, const HandoverMeasure& m) {
  std::cout << "[sim] " << what << ": interruption " << ms(m.interruption) << " ms, lost " << m.lost
            << "\n";
}

const dsmip6::BindingCacheEntry* binding(Dsmip6World& w) {
  return w.homeAgent().binding(worldAddresses().home_address);
}

TEST(Dsmip6SimTest, HandoversWithContinuousPing) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.attach(Attachment::Ipv6);
  w.startPing(20ms);
  w.run(5s);
  ASSERT_NE(binding(w), nullptr);
  EXPECT_EQ(binding(w)->encapsulation, dsmip6::Encapsulation::Ipv6);
  ASSERT_TRUE(w.mnIpv4HomeAddress());  // the dynamic IPv4 home address, acknowledged
  EXPECT_GT(w.repliesBetween(w.now() - 2s, w.now()), 90u);
  EXPECT_GT(w.repliesBetween(w.now() - 2s, w.now(), true), 90u);

  struct Step {
    Attachment to;
    dsmip6::Encapsulation expected;
    bool nat;
  };
  const Step steps[] = {
      {Attachment::NatIpv4, dsmip6::Encapsulation::Udp, true},
      {Attachment::PublicIpv4, dsmip6::Encapsulation::Ipv4, false},
      {Attachment::M6t, dsmip6::Encapsulation::Ipv6, false},
      {Attachment::Ipv6, dsmip6::Encapsulation::Ipv6, false},
  };
  for (const Step& step : steps) {
    const TimePoint t = w.now();
    // A link-layer gap of 50 ms between the networks.
    w.attach(Attachment::None);
    w.run(50ms);
    w.attach(step.to);
    w.run(10s);
    const HandoverMeasure m6 = w.measure(t, 5s);
    const HandoverMeasure m4 = w.measure(t, 5s, true);
    report(std::string("handover to ") + std::string(attachmentName(step.to)) + " (ipv6)", m6);
    report(std::string("handover to ") + std::string(attachmentName(step.to)) + " (ipv4)", m4);
    ASSERT_NE(binding(w), nullptr);
    EXPECT_EQ(binding(w)->encapsulation, step.expected) << attachmentName(step.to);
    EXPECT_EQ(binding(w)->nat_detected, step.nat);
    // 50 ms without a link, one BU/BA round trip (30 ms), a ping period and what was in flight.
    EXPECT_LT(m6.interruption, 250ms) << attachmentName(step.to);
    EXPECT_LT(m4.interruption, 250ms) << attachmentName(step.to);
    EXPECT_LE(m6.lost, 8u);
    EXPECT_LE(m4.lost, 8u);
    EXPECT_GT(w.repliesBetween(w.now() - 2s, w.now()), 90u);
    EXPECT_GT(w.repliesBetween(w.now() - 2s, w.now(), true), 90u);
  }
  // Home: de-registration from the home link; the IPv6 ping goes on without a tunnel.
  const TimePoint home = w.now();
  w.attach(Attachment::Home);
  w.run(5s);
  report("return home (ipv6)", w.measure(home, 3s));
  EXPECT_EQ(binding(w)->state, dsmip6::BindingState::Deregistered);
  EXPECT_GT(w.repliesBetween(w.now() - 2s, w.now()), 90u);
  EXPECT_LT(w.measure(home, 3s).interruption, 250ms);
  EXPECT_EQ(w.mobileNode().stats().handovers, 4u);
  EXPECT_EQ(w.countEvents(EventKind::ReturnedHome), 1u);
  // And away again.
  const TimePoint away = w.now();
  w.attach(Attachment::NatIpv4);
  w.run(5s);
  report("leave home to nat-ipv4 (ipv6)", w.measure(away, 3s));
  EXPECT_GT(w.repliesBetween(w.now() - 2s, w.now()), 90u);
  EXPECT_TRUE(binding(w)->active());
}

TEST(Dsmip6SimTest, CorrespondentReachesBothHomeAddressesBehindNat) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.attach(Attachment::NatIpv4);
  w.run(3s);
  ASSERT_TRUE(w.mnIpv4HomeAddress());
  // Ten minutes idle: the keep-alives (110 s) keep the NAT mapping (120 s idle timeout).
  w.run(600s);
  const auto p6 = w.probeFromCorrespondent();
  const auto p4 = w.probeFromCorrespondent(true);
  w.run(1s);
  EXPECT_TRUE(w.probeAnswered(p6));
  EXPECT_TRUE(w.probeAnswered(p4));
  EXPECT_GE(w.mobileNode().stats().nat_keepalives, 5u);
  EXPECT_EQ(w.nat().mappings(), 1u);
}

TEST(Dsmip6SimTest, WithoutKeepAlivesTheNatMappingDies) {
  // The control experiment for the test above: keep-alives every 300 s (the lifetime refresh
  // only) outlast a 120 s NAT timeout, and the correspondent cannot get through.
  Dsmip6World::Options o = Dsmip6World::defaultOptions();
  o.mobile_node.nat_keepalive = 300s;
  o.home_agent.nat_refresh_time = 300s;
  o.mobile_node.binding_lifetime = 600s;
  Dsmip6World w(o);
  w.attach(Attachment::NatIpv4);
  w.run(200s);
  const auto p6 = w.probeFromCorrespondent();
  w.run(1s);
  EXPECT_FALSE(w.probeAnswered(p6));
}

TEST(Dsmip6SimTest, NatRebindingRecoveredAtTheKeepAlive) {
  Dsmip6World::Options o = Dsmip6World::defaultOptions();
  o.home_agent.nat_refresh_time = 20s;  // the suggested refresh time reaches the MN in the BA
  Dsmip6World w(o);
  w.attach(Attachment::NatIpv4);
  w.startPing(100ms);
  w.run(5s);
  const auto before = binding(w)->udp_endpoint;
  const TimePoint t = w.now();
  w.nat().rebind();  // new external port: the HA's mapping is stale
  w.run(40s);
  const HandoverMeasure m = w.measure(t, 30s);
  report("nat rebinding (keep-alive 20 s)", m);
  ASSERT_NE(binding(w), nullptr);
  EXPECT_NE(binding(w)->udp_endpoint, before);  // the keep-alive BU brought the new mapping
  EXPECT_EQ(binding(w)->udp_endpoint->address, w.nat().publicAddress());
  EXPECT_LE(m.interruption, 20s + 500ms);
  EXPECT_GT(m.interruption, 1s);  // it did break
  // Meanwhile the HA dropped the reverse tunnel from the unknown port and counted it.
  EXPECT_GT(w.homeAgent()
                .stats()
                .data_drops[static_cast<std::size_t>(dsmip6::DropReason::WrongOuterPort)],
            0u);
  EXPECT_GT(w.repliesBetween(w.now() - 5s, w.now()), 40u);
}

TEST(Dsmip6SimTest, NatFlushRecoveredWithDefaultKeepAlive) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.attach(Attachment::NatIpv4);
  w.startPing(200ms);
  w.run(3s);
  const TimePoint t = w.now();
  w.nat().flush();
  w.run(120s);
  const HandoverMeasure m = w.measure(t, 115s);
  report("nat flush (NATKATIMEOUT 110 s)", m);
  EXPECT_LE(m.interruption, 110s + 1s);
  EXPECT_GT(w.repliesBetween(w.now() - 5s, w.now()), 20u);
}

TEST(Dsmip6SimTest, HomeAgentRestartRecoveredThroughRefreshRequest) {
  for (Attachment where : {Attachment::Ipv6, Attachment::NatIpv4}) {
    Dsmip6World w(Dsmip6World::defaultOptions());
    w.attach(where);
    w.startPing(50ms);
    w.run(5s);
    const TimePoint t = w.now();
    w.restartHomeAgent();
    w.run(10s);
    const HandoverMeasure m = w.measure(t, 8s);
    report(std::string("home agent restart, ") + std::string(attachmentName(where)), m);
    // The reverse-tunnelled ping reaches a home agent without a binding, which asks for a
    // BU (BRR); the MN registers again at once.
    EXPECT_GE(w.mobileNode().stats().refresh_requests_received, 1u);
    ASSERT_NE(binding(w), nullptr);
    EXPECT_TRUE(binding(w)->active());
    EXPECT_LT(m.interruption, 500ms);
    EXPECT_GT(w.repliesBetween(w.now() - 2s, w.now()), 35u);
    EXPECT_GT(w.repliesBetween(w.now() - 2s, w.now(), true), 35u);  // IPv4 home address too
  }
}

TEST(Dsmip6SimTest, IdleMobileNodeReRegistersAfterHomeAgentRestart) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.attach(Attachment::Ipv6);
  w.run(5s);
  w.restartHomeAgent();
  w.run(10s);
  EXPECT_EQ(binding(w), nullptr);  // nothing told the MN yet
  w.run(240s);                     // the refresh at 80 % of 300 s
  ASSERT_NE(binding(w), nullptr);
  const auto p = w.probeFromCorrespondent();
  w.run(1s);
  EXPECT_TRUE(w.probeAnswered(p));
}

TEST(Dsmip6SimTest, RegistrationOverLossyLink) {
  // 40 % loss each way: a BU/BA exchange succeeds with probability 0.36, so registrations take
  // several retransmissions; every seed must still register, and ping through the loss.
  std::uint64_t total_bus = 0;
  Duration slowest{};
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    Dsmip6World::Options o = Dsmip6World::defaultOptions();
    o.seed = seed;
    Dsmip6World w(o);
    w.accessLink().up.loss = 0.4;
    w.accessLink().down.loss = 0.4;
    const TimePoint start = w.now();
    w.attach(Attachment::NatIpv4);
    while (w.mobileNode().snapshot(w.now()).entries[0].state !=
               dsmip6::RegistrationState::Registered &&
           w.now() < start + 300s) {
      w.run(100ms);
    }
    ASSERT_EQ(w.mobileNode().snapshot(w.now()).entries[0].state,
              dsmip6::RegistrationState::Registered)
        << "seed " << seed;
    slowest = std::max(slowest, w.now() - start);
    total_bus += w.mobileNode().stats().binding_updates_sent;
    w.startPing(100ms);
    w.run(20s);
    EXPECT_GT(w.repliesBetween(w.now() - 20s, w.now()), 40u) << "seed " << seed;
  }
  EXPECT_GT(total_bus, 10u);  // the loss did force retransmissions
  std::cout << "[sim] registration over a 40 % lossy link: slowest " << ms(slowest) << " ms, "
            << total_bus << " BUs for 10 registrations\n";
}

TEST(Dsmip6SimTest, BlockedUplinkBacksOffThenRegisters) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.accessLink().up.blocked = true;
  const TimePoint start = w.now();
  w.attach(Attachment::Ipv6);
  w.run(60s);
  EXPECT_EQ(binding(w), nullptr);
  // 1.5 + 3 + 6 + 12 + 24 = 46.5 s: six BUs in the first minute, not more.
  EXPECT_EQ(w.mobileNode().stats().binding_updates_sent, 6u);
  w.accessLink().up.blocked = false;
  const TimePoint unblocked = w.now();
  while (!binding(w) && w.now() < unblocked + 40s) w.run(100ms);
  ASSERT_NE(binding(w), nullptr);
  // The next retransmission (at 46.5 + 32 = 78.5 s) gets through.
  EXPECT_LE(w.now() - start, 79s);
  EXPECT_LE(w.now() - unblocked, 32s);
}

TEST(Dsmip6SimTest, BlockedDownlinkLosesAcksUntilRestored) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.accessLink().down.blocked = true;
  w.attach(Attachment::Ipv6);
  w.run(20s);
  // The HA has the binding, the MN does not know it.
  ASSERT_NE(binding(w), nullptr);
  EXPECT_EQ(w.mobileNode().snapshot(w.now()).entries[0].state,
            dsmip6::RegistrationState::Registering);
  w.accessLink().down.blocked = false;
  w.run(30s);
  EXPECT_EQ(w.mobileNode().snapshot(w.now()).entries[0].state,
            dsmip6::RegistrationState::Registered);
}

TEST(Dsmip6SimTest, FallsBackToIpv4WhenIpv6DoesNotReachTheHomeAgent) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.accessLink().ipv6_blocked = true;
  const TimePoint start = w.now();
  w.attach(Attachment::DualStack);
  while (!binding(w) && w.now() < start + 30s) w.run(100ms);
  ASSERT_NE(binding(w), nullptr);
  EXPECT_EQ(w.countEvents(EventKind::FallbackToIpv4), 1u);
  // Three BUs with IPv6 (1.5 + 3 + 6 s), then IPv4.
  EXPECT_GE(w.now() - start, 10500ms);
  EXPECT_LE(w.now() - start, 11s);
  EXPECT_EQ(binding(w)->encapsulation, dsmip6::Encapsulation::Ipv4);
  std::cout << "[sim] ipv6 → ipv4 fallback registered after " << ms(w.now() - start) << " ms\n";
}

TEST(Dsmip6SimTest, BindingExpiresWhenTheMobileNodeVanishes) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.attach(Attachment::Ipv6);
  w.run(5s);
  w.attach(Attachment::None);
  w.run(300s);
  EXPECT_EQ(binding(w), nullptr);
  EXPECT_GE(w.countEvents(EventKind::BindingExpired), 1u);
  EXPECT_EQ(w.homeAgent().snapshot(w.now()).ipv4_pool_leased, 0u);
}

TEST(Dsmip6SimTest, StopDeregisters) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.attach(Attachment::PublicIpv4);
  w.run(5s);
  w.stopMobileNode();
  w.run(1s);
  EXPECT_TRUE(w.mobileNode().finished());
  EXPECT_EQ(binding(w)->state, dsmip6::BindingState::Deregistered);
  w.run(10s);
  EXPECT_EQ(binding(w), nullptr);
}

TEST(Dsmip6SimTest, DynamicIpv4HomeAddressRequestedAgainAfterLoss) {
  Dsmip6World w(Dsmip6World::defaultOptions());
  w.attach(Attachment::NatIpv4);
  w.run(5s);
  const auto first = w.mnIpv4HomeAddress();
  ASSERT_TRUE(first);
  // Out of reach longer than the lifetime: the HA expires the binding and the lease.
  w.attach(Attachment::None);
  w.run(320s);
  EXPECT_FALSE(w.mnIpv4HomeAddress());
  w.attach(Attachment::PublicIpv4);
  w.run(5s);
  ASSERT_TRUE(w.mnIpv4HomeAddress());
  EXPECT_EQ(*w.mnIpv4HomeAddress(), *first);  // the pool remembers its last holder
}

}  // namespace
}  // namespace dsmip::sim
