// DSMIPv4 in simulation: the home agent and mobile node cores over virtual links and a NAT,
// under a virtual clock. Registration of the IPv4 home address and an IPv6 prefix from a public
// network and from behind a NAT, keep-alives holding the NAT mapping, movement between the two
// networks with the interruption measured, and recovery from a NAT rebinding.
#include <gtest/gtest.h>

#include <iostream>

#include "dsmip4_sim_network.hpp"

namespace dsmip::dsmip4::sim {
namespace {

using namespace std::chrono_literals;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(Dsmip4SimTest, RegistersHomeAddressAndPrefixFromAPublicNetwork) {
  Dsmip4Sim sim;
  sim.attach(Network::Public);
  sim.runFor(1s);
  ASSERT_EQ(sim.mobileNode().state(), MobileNodeState::Registered) << joined(sim.log());
  const auto binding = sim.homeAgent().snapshot(sim.now()).bindings.at(0);
  EXPECT_EQ(binding.care_of_address, kPublicCoa);
  EXPECT_FALSE(binding.nat_detected);
  EXPECT_EQ(binding.transport, TunnelTransport::IpInIp);
  ASSERT_EQ(binding.prefixes.size(), 1u);
  EXPECT_EQ(binding.prefixes[0].mode, Ipv6TunnelMode::ToCareOfAddress);

  sim.startEchoes(false, sim.now(), sim.now() + 1s, 100ms);
  sim.startEchoes(true, sim.now(), sim.now() + 1s, 100ms);
  sim.runFor(2s);
  EXPECT_EQ(sim.echoes(false).sent, 10u);
  EXPECT_EQ(sim.echoes(false).lost(), 0u);
  EXPECT_EQ(sim.echoes(true).sent, 10u);
  EXPECT_EQ(sim.echoes(true).lost(), 0u);
  // Round trip: home link, core and access twice.
  const auto& v4 = sim.echoes(false);
  EXPECT_EQ(v4.answered_at.at(0) - v4.sent_at.at(0), 42ms);
  EXPECT_EQ(sim.homeAgent().stats().reverse_ipv6, 10u);
  EXPECT_EQ(sim.homeAgent().stats().forwarded_ipv6, 10u);
}

TEST(Dsmip4SimTest, ClockSkewIsResolvedByResynchronisation) {
  SimOptions options;
  options.mn_clock_offset = -100s;  // beyond the 7 s tolerance
  Dsmip4Sim sim{options};
  sim.attach(Network::Public);
  sim.runFor(1s);
  ASSERT_EQ(sim.mobileNode().state(), MobileNodeState::Registered) << joined(sim.log());
  EXPECT_EQ(sim.homeAgent().stats().identification_mismatches, 1u);
  EXPECT_EQ(sim.mobileNode().stats().resynchronisations, 1u);
  // The re-registrations that follow are accepted without another resynchronisation.
  sim.runFor(600s);
  EXPECT_EQ(sim.homeAgent().stats().identification_mismatches, 1u);
  EXPECT_GE(sim.mobileNode().stats().registrations, 3u);
}

TEST(Dsmip4SimTest, RegistersBehindANatWithUdpTunnelling) {
  Dsmip4Sim sim;
  sim.attach(Network::Private);
  sim.runFor(1s);
  ASSERT_EQ(sim.mobileNode().state(), MobileNodeState::Registered) << joined(sim.log());
  const auto binding = sim.homeAgent().snapshot(sim.now()).bindings.at(0);
  EXPECT_TRUE(binding.nat_detected);
  EXPECT_EQ(binding.care_of_address, kPrivateCoa);
  EXPECT_EQ(binding.transport, TunnelTransport::Udp);
  ASSERT_TRUE(binding.udp_endpoint.has_value());
  EXPECT_EQ(binding.udp_endpoint->address, kNatAddress);
  EXPECT_EQ(sim.mobileNode().dataPath().transport, TunnelTransport::Udp);

  sim.startEchoes(false, sim.now(), sim.now() + 1s, 100ms);
  sim.startEchoes(true, sim.now(), sim.now() + 1s, 100ms);
  sim.runFor(2s);
  EXPECT_EQ(sim.echoes(false).lost(), 0u);
  EXPECT_EQ(sim.echoes(true).lost(), 0u);
}

TEST(Dsmip4SimTest, KeepalivesHoldTheNatMappingOpen) {
  SimOptions options;
  options.nat_timeout = 30s;  // longer than K = 20 s, so keep-alives keep it
  Dsmip4Sim sim{options};
  sim.attach(Network::Private);
  sim.runFor(205s);  // idle apart from keep-alives (re-registration is due at 240 s)
  const auto& mn = sim.mobileNode().stats();
  EXPECT_GE(mn.keepalives_sent, 8u);
  EXPECT_EQ(mn.keepalive_replies, mn.keepalives_sent);
  EXPECT_EQ(sim.homeAgent().stats().keepalives_received, mn.keepalives_sent);
  EXPECT_EQ(mn.keepalive_failures, 0u);
  EXPECT_EQ(sim.nat().mappingsCreated(), 1u);  // the same mapping all along
  sim.startEchoes(false, sim.now(), sim.now() + 500ms, 100ms);
  sim.runFor(1s);
  EXPECT_EQ(sim.echoes(false).lost(), 0u);
}

struct MoveCase {
  Network from;
  Network to;
};

class Dsmip4MovementTest : public ::testing::TestWithParam<MoveCase> {};

TEST_P(Dsmip4MovementTest, InterruptionDuringAContinuousPingIsBounded) {
  constexpr Duration kLinkDelay = 50ms;  // address on the new link
  constexpr Duration kInterval = 10ms;
  Dsmip4Sim sim;
  sim.attach(GetParam().from);
  sim.runFor(1s);
  ASSERT_EQ(sim.mobileNode().state(), MobileNodeState::Registered) << joined(sim.log());
  const TimePoint start = sim.now();
  sim.startEchoes(false, start, start + 10s, kInterval);
  sim.startEchoes(true, start, start + 10s, kInterval);
  sim.runFor(5s);
  sim.move(GetParam().to, kLinkDelay);
  sim.runFor(6s);
  ASSERT_EQ(sim.mobileNode().state(), MobileNodeState::Registered) << joined(sim.log());
  EXPECT_EQ(sim.mobileNode().stats().movements, 1u);
  EXPECT_EQ(sim.homeAgent().snapshot(sim.now()).bindings.at(0).care_of_address,
            GetParam().to == Network::Public ? kPublicCoa : kPrivateCoa);
  // The outage: the link change, one registration round trip (40 ms) and the echoes already in
  // flight towards the old address (one core + access delay, 20 ms).
  for (const bool ipv6 : {false, true}) {
    const auto& echoes = sim.echoes(ipv6);
    EXPECT_EQ(echoes.sent, 1000u);
    const Duration gap = echoes.longestGap();
    std::cout << "[ measured ] " << (ipv6 ? "ipv6" : "ipv4") << " interruption "
              << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count() << " ms, "
              << echoes.lost() << " of " << echoes.sent << " echoes lost\n";
    EXPECT_GE(gap, kLinkDelay) << (ipv6 ? "ipv6" : "ipv4");
    EXPECT_LE(gap, kLinkDelay + 40ms + 20ms + 2 * kInterval) << (ipv6 ? "ipv6" : "ipv4");
    EXPECT_LE(echoes.lost(), 13u) << (ipv6 ? "ipv6" : "ipv4");
    EXPECT_GE(echoes.lost(), 5u) << (ipv6 ? "ipv6" : "ipv4");
  }
}

INSTANTIATE_TEST_SUITE_P(Dsmip4Sim, Dsmip4MovementTest,
                         ::testing::Values(MoveCase{Network::Public, Network::Private},
                                           MoveCase{Network::Private, Network::Public}),
                         [](const auto& test_info) {
                           return test_info.param.from == Network::Public ? "PublicToNat"
                                                                          : "NatToPublic";
                         });

TEST(Dsmip4SimTest, NatRebindingIsRecoveredThroughKeepaliveFailure) {
  Dsmip4Sim sim;  // K = 20 s, answer timeout 5 s, 3 misses
  sim.attach(Network::Private);
  sim.runFor(1s);
  ASSERT_EQ(sim.mobileNode().state(), MobileNodeState::Registered) << joined(sim.log());
  const auto before = *sim.homeAgent().snapshot(sim.now()).bindings.at(0).udp_endpoint;
  sim.runFor(10s);
  sim.nat().reboot();
  const TimePoint rebooted = sim.now();
  // The HA's downlink now dies at the NAT; the MN's next keep-alive gets a new mapping whose
  // port the HA does not accept, so it goes unanswered.
  sim.runFor(60s);
  const auto& mn = sim.mobileNode().stats();
  EXPECT_EQ(mn.keepalive_failures, 1u) << joined(sim.log());
  EXPECT_GE(sim.homeAgent().stats().reverse_drops[DropReason::WrongUdpEndpoint], 3u);
  const auto after = *sim.homeAgent().snapshot(sim.now()).bindings.at(0).udp_endpoint;
  EXPECT_EQ(after.address, kNatAddress);
  EXPECT_NE(after.port, before.port);
  EXPECT_EQ(sim.mobileNode().state(), MobileNodeState::Registered);
  // Recovered within K + 3 answer timeouts + a round trip of the reboot.
  const TimePoint check = rebooted + 20s + 15s + 1s;
  ASSERT_LE(check, sim.now());
  sim.startEchoes(false, sim.now(), sim.now() + 1s, 100ms);
  sim.startEchoes(true, sim.now(), sim.now() + 1s, 100ms);
  sim.runFor(2s);
  EXPECT_EQ(sim.echoes(false).lost(), 0u);
  EXPECT_EQ(sim.echoes(true).lost(), 0u);
}

TEST(Dsmip4SimTest, RebindingRecoveryTimeIsBounded) {
  Dsmip4Sim sim;
  sim.attach(Network::Private);
  sim.runFor(1s);
  sim.nat().reboot();
  const TimePoint rebooted = sim.now();
  // Echoes every 100 ms from the reboot on: the first answered one after it tells when the
  // path came back.
  sim.startEchoes(false, rebooted, rebooted + 60s, 100ms);
  sim.runFor(61s);
  const auto& echoes = sim.echoes(false);
  ASSERT_FALSE(echoes.answered_at.empty()) << joined(sim.log());
  const TimePoint recovered = echoes.answered_at.begin()->second;
  // Traffic from the MN (the echo answers) also goes out through the new mapping but is
  // refused by the HA; the keep-alive is due 20 s after the last send, then 3 × 5 s of misses.
  std::cout << "[ measured ] recovery after the NAT reboot "
            << std::chrono::duration_cast<std::chrono::milliseconds>(recovered - rebooted).count()
            << " ms\n";
  EXPECT_LE(recovered - rebooted, 20s + 15s + 1s);
  EXPECT_GE(echoes.answered_at.size(), 200u);
}

}  // namespace
}  // namespace dsmip::dsmip4::sim
