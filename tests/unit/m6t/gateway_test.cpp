#include "m6t/gateway.hpp"

#include <gtest/gtest.h>

#include <set>

#include "m6t/addressing.hpp"
#include "m6t_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::m6t {
namespace {

using namespace std::chrono_literals;
using namespace test;

const Ipv6Address kHa = v6("2001:db8:1::1");
const Ipv6Address kHa2 = v6("2001:db8:1::2");
const Ipv6Address kMn = v6("fd00:1:2:3:4:a:b:c");
const Ipv6Address kMn2 = v6("fd00:1:2:3:4:a:b:d");
const Ipv4Endpoint kNat = ep("203.0.113.5:40000");

GatewayConfig testConfig() {
  GatewayConfig c;
  c.listen = {ep("0.0.0.0:3544"), ep("0.0.0.0:4500")};
  c.prefixes = {p6("fd00:1:2::/48")};
  c.home_agents = {kHa, kHa2};
  c.temporary_lifetime = 2s;
  c.active_lifetime = 120s;
  c.rate_limit = 10;
  c.rate_limit_burst = 5;
  c.max_states = 100;
  return c;
}

class GatewayTest : public ::testing::Test {
 protected:
  SeededRandom random_{1};
  dsmip::test::FakeClock clock_;
  Gateway gw_{testConfig(), random_};

  GatewayVerdict fromMn(const Ipv6Address& source, const Ipv4Endpoint& from = kNat,
                        SocketId socket = 0, const Ipv6Address& destination = kHa) {
    PacketBuffer p = echoRequest(source, destination);
    return gw_.onDatagram(socket, from, p, clock_.now());
  }
  GatewayVerdict fromHa(const Ipv6Address& destination, const Ipv6Address& source = kHa,
                        std::size_t size = 56) {
    PacketBuffer p = echoReply(source, destination, size);
    return gw_.onTunPacket(p, clock_.now());
  }
  /// Creates and activates the state of `mn` at `from`.
  void establish(const Ipv6Address& mn, const Ipv4Endpoint& from = kNat, SocketId socket = 0) {
    ASSERT_EQ(fromMn(mn, from, socket).disposition, Disposition::WriteTun);
    ASSERT_EQ(fromHa(mn).disposition, Disposition::SendDatagram);
  }
  GatewayVerdict keepaliveFrom(const Ipv6Address& mn, const Ipv4Endpoint& from, PacketBuffer& p,
                               SocketId socket = 0) {
    p = keepalive(mn);
    return gw_.onDatagram(socket, from, p, clock_.now());
  }
};

// --- transitions -------------------------------------------------------------------------

TEST_F(GatewayTest, FirstValidPacketCreatesTemporaryStateAndIsForwarded) {
  PacketBuffer p = echoRequest(kMn, kHa);
  const Bytes sent(p.data().begin(), p.data().end());
  GatewayVerdict v = gw_.onDatagram(0, kNat, p, clock_.now());
  EXPECT_EQ(v.disposition, Disposition::WriteTun);
  EXPECT_EQ(v.event, GatewayEvent::StateCreated);
  EXPECT_EQ(Bytes(p.data().begin(), p.data().end()), sent);  // forwarded unchanged
  const GatewayState* s = gw_.states().find(kMn);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind, StateKind::Temporary);
  EXPECT_EQ(s->endpoint, kNat);
  EXPECT_EQ(s->socket, 0);
  EXPECT_EQ(s->created, clock_.now());
  EXPECT_EQ(s->packets_from_mn, 1u);
  EXPECT_EQ(s->bytes_from_mn, sent.size());
  EXPECT_EQ(gw_.stats().states_created, 1u);
  EXPECT_EQ(gw_.stats().packets_to_home_agents, 1u);
  // First the rate-limit bucket of 203.0.113.5 is forgotten (burst 5 / 10 per second), then
  // the temporary state expires.
  const TimePoint created = clock_.now();
  EXPECT_EQ(gw_.nextDeadline(), created + 500ms);
  (void)gw_.onTimer(created + 500ms);
  EXPECT_EQ(gw_.rateLimitedSources(), 0u);
  EXPECT_EQ(gw_.nextDeadline(), created + 2s);
}

TEST_F(GatewayTest, PacketFromHomeAgentActivatesTemporaryState) {
  ASSERT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);
  clock_.advance(30ms);
  PacketBuffer p = echoReply(kHa, kMn);
  const Bytes reply(p.data().begin(), p.data().end());
  GatewayVerdict v = gw_.onTunPacket(p, clock_.now());
  EXPECT_EQ(v.disposition, Disposition::SendDatagram);
  EXPECT_EQ(v.event, GatewayEvent::StateActivated);
  EXPECT_EQ(v.socket, 0);
  EXPECT_EQ(v.to, kNat);
  EXPECT_EQ(Bytes(p.data().begin(), p.data().end()), reply);  // the IPv6 packet is the payload
  EXPECT_EQ(gw_.states().find(kMn)->kind, StateKind::Active);
  EXPECT_EQ(gw_.stats().states_activated, 1u);
  EXPECT_EQ(gw_.states().activeCount(), 1u);
  // Later packets use the active state without a new event.
  v = fromHa(kMn);
  EXPECT_EQ(v.disposition, Disposition::SendDatagram);
  EXPECT_EQ(v.event, GatewayEvent::None);
  EXPECT_EQ(gw_.states().find(kMn)->packets_to_mn, 2u);
}

TEST_F(GatewayTest, LaterPacketsFromMobileNodeUseTheState) {
  ASSERT_EQ(fromMn(kMn).event, GatewayEvent::StateCreated);
  GatewayVerdict v = fromMn(kMn);
  EXPECT_EQ(v.disposition, Disposition::WriteTun);
  EXPECT_EQ(v.event, GatewayEvent::None);
  EXPECT_EQ(gw_.stats().states_created, 1u);
  EXPECT_EQ(gw_.states().find(kMn)->packets_from_mn, 2u);
}

TEST_F(GatewayTest, TemporaryStateExpiresWithoutAnswer) {
  ASSERT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);
  clock_.advance(1s);
  ASSERT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);  // does not extend it
  clock_.advance(1s);
  (void)gw_.onTimer(clock_.now() - 1s);  // the rate-limit bucket
  ASSERT_EQ(gw_.nextDeadline(), clock_.now());
  (void)gw_.onTimer(clock_.now());
  EXPECT_EQ(gw_.states().find(kMn), nullptr);
  EXPECT_EQ(gw_.stats().temporary_states_expired, 1u);
  // A late answer finds no state.
  EXPECT_EQ(fromHa(kMn).drop, GatewayDrop::NoState);
}

TEST_F(GatewayTest, TemporaryStateLivesUntilJustBeforeItsLifetime) {
  ASSERT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);
  clock_.advance(2s - 1ms);
  (void)gw_.onTimer(clock_.now());
  EXPECT_NE(gw_.states().find(kMn), nullptr);
  EXPECT_EQ(fromHa(kMn).event, GatewayEvent::StateActivated);
}

TEST_F(GatewayTest, ActiveStateExpiresAfterIdleLifetime) {
  establish(kMn);
  const TimePoint activated = clock_.now();
  (void)gw_.onTimer(activated + 500ms);  // the rate-limit bucket
  EXPECT_EQ(gw_.nextDeadline(), activated + 120s);
  clock_.advance(120s);
  (void)gw_.onTimer(clock_.now());
  EXPECT_EQ(gw_.states().find(kMn), nullptr);
  EXPECT_EQ(gw_.stats().active_states_expired, 1u);
}

TEST_F(GatewayTest, TrafficFromEitherSideKeepsActiveStateAlive) {
  establish(kMn);
  clock_.advance(100s);
  ASSERT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);  // MN -> HA
  clock_.advance(100s);
  (void)gw_.onTimer(clock_.now());
  ASSERT_NE(gw_.states().find(kMn), nullptr);
  ASSERT_EQ(fromHa(kMn).disposition, Disposition::SendDatagram);  // HA -> MN
  clock_.advance(119s);
  (void)gw_.onTimer(clock_.now());
  ASSERT_NE(gw_.states().find(kMn), nullptr);
  PacketBuffer p;
  ASSERT_EQ(keepaliveFrom(kMn, kNat, p).disposition, Disposition::SendDatagram);  // keep-alive
  clock_.advance(119s);
  (void)gw_.onTimer(clock_.now());
  ASSERT_NE(gw_.states().find(kMn), nullptr);
  clock_.advance(1s);
  (void)gw_.onTimer(clock_.now());
  EXPECT_EQ(gw_.states().find(kMn), nullptr);
}

TEST_F(GatewayTest, ExpiryLogsAtDebugLevel) {
  ASSERT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);
  clock_.advance(2s);
  Actions a = gw_.onTimer(clock_.now());
  ASSERT_EQ(a.size(), 1u);
  const auto* line = std::get_if<LogEvent>(&a[0]);
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(line->level, LogLevel::Debug);
  EXPECT_NE(line->message.find(kMn.toString()), std::string::npos);
  EXPECT_NE(line->message.find("temporary"), std::string::npos);
}

TEST_F(GatewayTest, StateRemembersTheListeningSocket) {
  ASSERT_EQ(fromMn(kMn, kNat, 1).disposition, Disposition::WriteTun);
  GatewayVerdict v = fromHa(kMn);
  EXPECT_EQ(v.socket, 1);
  // The same MN through the other port is a different IPv4 side: dropped.
  EXPECT_EQ(fromMn(kMn, kNat, 0).drop, GatewayDrop::StateMismatch);
}

// --- drops on the MN side ------------------------------------------------------------------

TEST_F(GatewayTest, DropsMalformedDatagrams) {
  PacketBuffer p;
  ASSERT_TRUE(p.assign(Bytes{0x60, 0, 0}));
  EXPECT_EQ(gw_.onDatagram(0, kNat, p, clock_.now()).drop, GatewayDrop::Malformed);
  // An IPv4 packet is not IPv6.
  p = echoRequest(kMn, kHa);
  p.mutableData()[0] = 0x45;
  EXPECT_EQ(gw_.onDatagram(0, kNat, p, clock_.now()).drop, GatewayDrop::Malformed);
  // Trailing octets after the IPv6 packet.
  p = echoRequest(kMn, kHa);
  (void)p.append(3);
  EXPECT_EQ(gw_.onDatagram(0, kNat, p, clock_.now()).drop, GatewayDrop::Malformed);
  EXPECT_EQ(gw_.stats().dropped(GatewayDrop::Malformed), 3u);
  EXPECT_EQ(gw_.states().size(), 0u);
}

TEST_F(GatewayTest, DropsSourcesOutsideThePrefixes) {
  EXPECT_EQ(fromMn(v6("fd00:9::1")).drop, GatewayDrop::SourceNotInPrefix);
  EXPECT_EQ(fromMn(v6("2001:db8:1::99")).drop, GatewayDrop::SourceNotInPrefix);
  EXPECT_EQ(gw_.stats().dropped(GatewayDrop::SourceNotInPrefix), 2u);
  EXPECT_EQ(gw_.states().size(), 0u);
}

TEST_F(GatewayTest, DropsDestinationsOtherThanHomeAgents) {
  EXPECT_EQ(fromMn(kMn, kNat, 0, v6("2001:db8:1::3")).drop, GatewayDrop::DestinationNotHomeAgent);
  EXPECT_EQ(fromMn(kMn, kNat, 0, v6("fe80::1")).drop, GatewayDrop::DestinationNotHomeAgent);
  EXPECT_EQ(gw_.states().size(), 0u);
  // Both configured home agents are reachable.
  EXPECT_EQ(fromMn(kMn, kNat, 0, kHa2).disposition, Disposition::WriteTun);
}

TEST_F(GatewayTest, StatesAreNeverUpdated) {
  establish(kMn);
  // Another port, another address: dropped, the state untouched (m6t §2.4, §6.1.1).
  EXPECT_EQ(fromMn(kMn, ep("203.0.113.5:40001")).drop, GatewayDrop::StateMismatch);
  EXPECT_EQ(fromMn(kMn, ep("192.0.2.66:40000")).drop, GatewayDrop::StateMismatch);
  EXPECT_EQ(gw_.stats().dropped(GatewayDrop::StateMismatch), 2u);
  const GatewayState* s = gw_.states().find(kMn);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->endpoint, kNat);
  EXPECT_EQ(s->packets_from_mn, 1u);
  EXPECT_EQ(fromHa(kMn).to, kNat);
}

TEST_F(GatewayTest, MismatchDoesNotExtendTheState) {
  establish(kMn);
  clock_.advance(100s);
  EXPECT_EQ(fromMn(kMn, ep("192.0.2.66:1")).drop, GatewayDrop::StateMismatch);
  clock_.advance(20s);
  (void)gw_.onTimer(clock_.now());
  EXPECT_EQ(gw_.states().find(kMn), nullptr);
}

TEST_F(GatewayTest, RateLimitsStateCreationPerIpv4AddressWhateverThePort) {
  for (std::uint64_t i = 1; i <= 5; ++i) {
    const Ipv4Endpoint from{kNat.address, static_cast<std::uint16_t>(1000 + i)};
    EXPECT_EQ(fromMn(m6tAddress(p6("fd00:1:2:3:4::/80"), i), from).disposition,
              Disposition::WriteTun)
        << i;
  }
  EXPECT_EQ(fromMn(m6tAddress(p6("fd00:1:2:3:4::/80"), 6), ep("203.0.113.5:2000")).drop,
            GatewayDrop::RateLimited);
  EXPECT_EQ(gw_.stats().dropped(GatewayDrop::RateLimited), 1u);
  // Another IPv4 address has its own budget.
  EXPECT_EQ(fromMn(m6tAddress(p6("fd00:1:2:3:4::/80"), 7), ep("203.0.113.6:2000")).disposition,
            Disposition::WriteTun);
  // 10 per second: one more after 100 ms.
  clock_.advance(100ms);
  EXPECT_EQ(fromMn(m6tAddress(p6("fd00:1:2:3:4::/80"), 6), ep("203.0.113.5:2000")).disposition,
            Disposition::WriteTun);
  // Existing states are not rate-limited.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(fromMn(m6tAddress(p6("fd00:1:2:3:4::/80"), 1), ep("203.0.113.5:1001")).disposition,
              Disposition::WriteTun);
  }
}

TEST_F(GatewayTest, FullTableEvictsTheOldestTemporaryState) {
  GatewayConfig c = testConfig();
  c.max_states = 3;
  c.rate_limit = 0;
  Gateway gw(c, random_);
  auto send = [&](std::uint64_t n) {
    PacketBuffer p = echoRequest(m6tAddress(p6("fd00:1:2:3:4::/80"), n), kHa);
    return gw.onDatagram(0, kNat, p, clock_.now());
  };
  auto reply = [&](std::uint64_t n) {
    PacketBuffer p = echoReply(kHa, m6tAddress(p6("fd00:1:2:3:4::/80"), n));
    return gw.onTunPacket(p, clock_.now());
  };
  ASSERT_EQ(send(1).disposition, Disposition::WriteTun);
  ASSERT_EQ(reply(1).event, GatewayEvent::StateActivated);
  ASSERT_EQ(send(2).disposition, Disposition::WriteTun);
  clock_.advance(1ms);
  ASSERT_EQ(send(3).disposition, Disposition::WriteTun);
  GatewayVerdict v = send(4);
  EXPECT_EQ(v.disposition, Disposition::WriteTun);
  EXPECT_EQ(v.event, GatewayEvent::StateCreatedAfterEviction);
  EXPECT_EQ(gw.stats().temporary_states_evicted, 1u);
  EXPECT_EQ(gw.states().find(m6tAddress(p6("fd00:1:2:3:4::/80"), 2)), nullptr);  // the oldest
  EXPECT_NE(gw.states().find(m6tAddress(p6("fd00:1:2:3:4::/80"), 1)), nullptr);  // active kept
  EXPECT_EQ(gw.states().size(), 3u);
}

TEST_F(GatewayTest, FullTableOfActiveStatesRefusesNewOnes) {
  GatewayConfig c = testConfig();
  c.max_states = 2;
  Gateway gw(c, random_);
  for (std::uint64_t n = 1; n <= 2; ++n) {
    PacketBuffer p = echoRequest(m6tAddress(p6("fd00:1:2:3:4::/80"), n), kHa);
    ASSERT_EQ(gw.onDatagram(0, kNat, p, clock_.now()).disposition, Disposition::WriteTun);
    PacketBuffer r = echoReply(kHa, m6tAddress(p6("fd00:1:2:3:4::/80"), n));
    ASSERT_EQ(gw.onTunPacket(r, clock_.now()).disposition, Disposition::SendDatagram);
  }
  PacketBuffer p = echoRequest(m6tAddress(p6("fd00:1:2:3:4::/80"), 3), kHa);
  EXPECT_EQ(gw.onDatagram(0, kNat, p, clock_.now()).drop, GatewayDrop::TableFull);
  EXPECT_EQ(gw.stats().dropped(GatewayDrop::TableFull), 1u);
  EXPECT_EQ(gw.states().size(), 2u);
}

// --- keep-alives -------------------------------------------------------------------------

TEST_F(GatewayTest, KeepaliveAnsweredForMatchingActiveState) {
  establish(kMn);
  clock_.advance(10s);
  PacketBuffer p;
  GatewayVerdict v = keepaliveFrom(kMn, kNat, p);
  EXPECT_EQ(v.disposition, Disposition::SendDatagram);
  EXPECT_EQ(v.to, kNat);
  EXPECT_EQ(v.socket, 0);
  auto reply = wire::decodeIpv6(p.data());
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->header.source, kM6tKeepaliveAddress);  // addresses swapped (m6t §2.3)
  EXPECT_EQ(reply->header.destination, kMn);
  EXPECT_EQ(reply->header.next_header, 59);
  EXPECT_EQ(reply->header.payload_length, 0);
  EXPECT_EQ(reply->header.hop_limit, 255);  // D8
  EXPECT_EQ(p.size(), 40u);
  EXPECT_EQ(gw_.stats().keepalives_received, 1u);
  EXPECT_EQ(gw_.stats().keepalive_replies_sent, 1u);
  EXPECT_EQ(gw_.states().find(kMn)->last_activity, clock_.now());
}

TEST_F(GatewayTest, KeepaliveWithoutStateIsDroppedSilently) {
  PacketBuffer p;
  GatewayVerdict v = keepaliveFrom(kMn, kNat, p);
  EXPECT_EQ(v.disposition, Disposition::Drop);
  EXPECT_EQ(v.drop, GatewayDrop::KeepaliveNoState);
  EXPECT_EQ(gw_.states().size(), 0u);  // a keep-alive never creates a state
}

TEST_F(GatewayTest, KeepaliveForTemporaryStateIsDropped) {
  ASSERT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);
  PacketBuffer p;
  EXPECT_EQ(keepaliveFrom(kMn, kNat, p).drop, GatewayDrop::KeepaliveNotActive);
}

TEST_F(GatewayTest, KeepaliveFromAnotherIpv4SideIsDropped) {
  establish(kMn);
  PacketBuffer p;
  EXPECT_EQ(keepaliveFrom(kMn, ep("203.0.113.5:40001"), p).drop, GatewayDrop::KeepaliveMismatch);
  EXPECT_EQ(keepaliveFrom(kMn, ep("192.0.2.99:40000"), p).drop, GatewayDrop::KeepaliveMismatch);
  EXPECT_EQ(keepaliveFrom(kMn, kNat, p, 1).drop, GatewayDrop::KeepaliveMismatch);
  EXPECT_EQ(gw_.stats().dropped(GatewayDrop::KeepaliveMismatch), 3u);
  EXPECT_EQ(gw_.stats().keepalive_replies_sent, 0u);
  // And it does not keep the state alive.
  clock_.advance(120s);
  (void)gw_.onTimer(clock_.now());
  EXPECT_EQ(gw_.states().find(kMn), nullptr);
}

// --- the home-agent side -------------------------------------------------------------------

TEST_F(GatewayTest, DropsMalformedTunPackets) {
  PacketBuffer p;
  ASSERT_TRUE(p.assign(Bytes{0x45, 0, 0, 20}));
  EXPECT_EQ(gw_.onTunPacket(p, clock_.now()).drop, GatewayDrop::TunMalformed);
}

TEST_F(GatewayTest, DropsMulticastFromTheTun) {
  PacketBuffer p = echoRequest(Ipv6Address{}, v6("ff02::16"));
  EXPECT_EQ(gw_.onTunPacket(p, clock_.now()).drop, GatewayDrop::TunMulticast);
  EXPECT_EQ(gw_.stats().dropped(GatewayDrop::TunMulticast), 1u);
}

TEST_F(GatewayTest, DropsTrafficNotFromAHomeAgent) {
  establish(kMn);
  EXPECT_EQ(fromHa(kMn, v6("2001:db8:99::1")).drop, GatewayDrop::SourceNotHomeAgent);
  EXPECT_EQ(gw_.stats().dropped(GatewayDrop::SourceNotHomeAgent), 1u);
}

TEST_F(GatewayTest, ForwardsIcmpv6ErrorsFromRoutersWithoutActivating) {
  ASSERT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);
  PacketBuffer p = timeExceeded(v6("2001:db8:99::1"), kMn);
  GatewayVerdict v = gw_.onTunPacket(p, clock_.now());
  EXPECT_EQ(v.disposition, Disposition::SendDatagram);
  EXPECT_EQ(v.event, GatewayEvent::None);
  EXPECT_EQ(gw_.states().find(kMn)->kind, StateKind::Temporary);
}

TEST_F(GatewayTest, NoStateAnswersDestinationUnreachable) {
  PacketBuffer p = echoReply(kHa, kMn);
  const Bytes invoking(p.data().begin(), p.data().end());
  GatewayVerdict v = gw_.onTunPacket(p, clock_.now());
  EXPECT_EQ(v.disposition, Disposition::SendIcmpv6);
  EXPECT_EQ(v.drop, GatewayDrop::NoState);
  EXPECT_EQ(v.icmp_destination, kHa);
  auto icmp = wire::decodeIcmpv6(p.data(), Ipv6Address{}, kHa);
  ASSERT_TRUE(icmp.has_value());
  EXPECT_EQ(icmp->type, wire::icmpv6_type::kDestinationUnreachable);
  EXPECT_EQ(icmp->code, wire::icmpv6_unreachable::kAddressUnreachable);
  const auto& body = std::get<wire::Icmpv6DestinationUnreachable>(icmp->body);
  EXPECT_EQ(Bytes(body.invoking_packet.begin(), body.invoking_packet.end()), invoking);
  EXPECT_EQ(gw_.stats().dropped(GatewayDrop::NoState), 1u);
  EXPECT_EQ(gw_.stats().icmpv6_unreachable_sent, 1u);
}

TEST_F(GatewayTest, NoErrorAboutAnIcmpv6Error) {
  PacketBuffer p = timeExceeded(v6("2001:db8:99::1"), kMn);
  GatewayVerdict v = gw_.onTunPacket(p, clock_.now());
  EXPECT_EQ(v.disposition, Disposition::Drop);
  EXPECT_EQ(v.drop, GatewayDrop::NoState);
  EXPECT_EQ(gw_.stats().icmpv6_unreachable_sent, 0u);
}

TEST_F(GatewayTest, Icmpv6ErrorsAreRateLimited) {
  int sent = 0;
  for (int i = 0; i < 30; ++i) {
    if (fromHa(kMn).disposition == Disposition::SendIcmpv6) ++sent;
  }
  EXPECT_EQ(sent, 10);
  EXPECT_EQ(gw_.stats().icmpv6_rate_limited, 20u);
  EXPECT_EQ(gw_.stats().dropped(GatewayDrop::NoState), 30u);  // counters are never limited
  clock_.advance(100ms);
  EXPECT_EQ(fromHa(kMn).disposition, Disposition::SendIcmpv6);
}

// --- MTU ---------------------------------------------------------------------------------

TEST_F(GatewayTest, FragmentationNeededLowersTheStatePathMtu) {
  establish(kMn);
  const Bytes quoted = tunnelDatagram(ep("192.0.2.1:3544"), kNat, kHa, kMn);
  Actions a = gw_.onIcmpv4(fragmentationNeeded(quoted, 1400), clock_.now());
  EXPECT_EQ(gw_.stats().path_mtu_lowered, 1u);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<LogEvent>(a[0]));
  EXPECT_EQ(gw_.tunnelMtu(*gw_.states().find(kMn), clock_.now()), 1372u);
  // A packet that fits the old MTU but not the new one: Packet Too Big to the HA.
  PacketBuffer p = echoReply(kHa, kMn, 1400 - 48);
  ASSERT_EQ(p.size(), 1400u);
  const Bytes invoking(p.data().begin(), p.data().end());
  GatewayVerdict v = gw_.onTunPacket(p, clock_.now());
  EXPECT_EQ(v.disposition, Disposition::SendIcmpv6);
  EXPECT_EQ(v.drop, GatewayDrop::TooBig);
  EXPECT_EQ(v.icmp_destination, kHa);
  auto icmp = wire::decodeIcmpv6(p.data(), Ipv6Address{}, kHa);
  ASSERT_TRUE(icmp.has_value());
  ASSERT_EQ(icmp->type, wire::icmpv6_type::kPacketTooBig);
  EXPECT_EQ(std::get<wire::Icmpv6PacketTooBig>(icmp->body).mtu, 1372u);
  EXPECT_EQ(gw_.stats().icmpv6_packet_too_big_sent, 1u);
  // Packets within the MTU still pass.
  EXPECT_EQ(fromHa(kMn, kHa, 1372 - 48).disposition, Disposition::SendDatagram);
}

TEST_F(GatewayTest, LearntPathMtuAgesOut) {
  establish(kMn);
  const Bytes quoted = tunnelDatagram(ep("192.0.2.1:3544"), kNat, kHa, kMn);
  (void)gw_.onIcmpv4(fragmentationNeeded(quoted, 1400), clock_.now());
  clock_.advance(10min);
  ASSERT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);  // keep the state alive
  EXPECT_EQ(gw_.tunnelMtu(*gw_.states().find(kMn), clock_.now()), 1472u);
  EXPECT_EQ(fromHa(kMn, kHa, 1400 - 48).disposition, Disposition::SendDatagram);
}

TEST_F(GatewayTest, PathMtuNeverGoesBelowTheIpv6Minimum) {
  establish(kMn);
  const Bytes quoted = tunnelDatagram(ep("192.0.2.1:3544"), kNat, kHa, kMn);
  (void)gw_.onIcmpv4(fragmentationNeeded(quoted, 576), clock_.now());
  EXPECT_EQ(gw_.tunnelMtu(*gw_.states().find(kMn), clock_.now()), 1280u);
  // 1280-octet packets still go (the outer IPv4 without DF gets fragmented).
  EXPECT_EQ(fromHa(kMn, kHa, 1280 - 48).disposition, Disposition::SendDatagram);
}

TEST_F(GatewayTest, IgnoresIcmpv4NotAboutOurStates) {
  establish(kMn);
  const std::uint64_t before = gw_.stats().icmpv4_ignored;
  // Unknown inner destination, other endpoint, other source port, short quote, other type.
  (void)gw_.onIcmpv4(
      fragmentationNeeded(tunnelDatagram(ep("192.0.2.1:3544"), kNat, kHa, kMn2), 1400),
      clock_.now());
  (void)gw_.onIcmpv4(fragmentationNeeded(
                         tunnelDatagram(ep("192.0.2.1:3544"), ep("203.0.113.5:1"), kHa, kMn), 1400),
                     clock_.now());
  (void)gw_.onIcmpv4(
      fragmentationNeeded(tunnelDatagram(ep("192.0.2.1:9999"), kNat, kHa, kMn), 1400),
      clock_.now());
  (void)gw_.onIcmpv4(
      fragmentationNeeded(tunnelDatagram(ep("192.0.2.1:3544"), kNat, kHa, kMn), 1400, 28),
      clock_.now());
  (void)gw_.onIcmpv4(Bytes{8, 0, 0, 0}, clock_.now());
  // Not lower than what we have.
  (void)gw_.onIcmpv4(
      fragmentationNeeded(tunnelDatagram(ep("192.0.2.1:3544"), kNat, kHa, kMn), 1500),
      clock_.now());
  EXPECT_EQ(gw_.stats().icmpv4_ignored - before, 6u);
  EXPECT_EQ(gw_.stats().path_mtu_lowered, 0u);
  EXPECT_EQ(gw_.tunnelMtu(*gw_.states().find(kMn), clock_.now()), 1472u);
}

// --- under attack ------------------------------------------------------------------------

TEST_F(GatewayTest, LegitimateMobileNodeKeepsWorkingDuringASpoofedFlood) {
  GatewayConfig c = testConfig();
  c.max_states = 500;
  Gateway gw(c, random_);
  PacketBuffer p = echoRequest(kMn, kHa);
  ASSERT_EQ(gw.onDatagram(0, kNat, p, clock_.now()).disposition, Disposition::WriteTun);
  p = echoReply(kHa, kMn);
  ASSERT_EQ(gw.onTunPacket(p, clock_.now()).disposition, Disposition::SendDatagram);
  SeededRandom attacker(99);
  std::uint64_t forwarded = 0;
  for (int i = 0; i < 50000; ++i) {
    if (i % 100 == 0) clock_.advance(10ms);
    (void)gw.onTimer(clock_.now());
    // Spoofed IPv6 sources inside the prefix (and the victim's), spoofed IPv4 sources.
    const Ipv6Address spoofed =
        (i % 7 == 0) ? kMn : m6tAddress(p6("fd00:1:2:3:4::/80"), attacker.u64());
    const Ipv4Endpoint from{Ipv4Address::fromU32(0xC6336400u + attacker.below(4000)),
                            static_cast<std::uint16_t>(attacker.below(60000) + 1024)};
    PacketBuffer spoof = (i % 3 == 0) ? keepalive(spoofed) : echoRequest(spoofed, kHa);
    (void)gw.onDatagram(0, from, spoof, clock_.now());
    ASSERT_LE(gw.states().size(), 500u);
    if (i % 50 == 0) {
      PacketBuffer legit = echoRequest(kMn, kHa);
      ASSERT_EQ(gw.onDatagram(0, kNat, legit, clock_.now()).disposition, Disposition::WriteTun);
      PacketBuffer back = echoReply(kHa, kMn);
      GatewayVerdict v = gw.onTunPacket(back, clock_.now());
      ASSERT_EQ(v.disposition, Disposition::SendDatagram);
      ASSERT_EQ(v.to, kNat);
      ++forwarded;
    }
  }
  EXPECT_EQ(forwarded, 1000u);
  EXPECT_EQ(gw.states().find(kMn)->endpoint, kNat);
  EXPECT_GT(gw.stats().dropped(GatewayDrop::StateMismatch), 0u);
  EXPECT_GT(gw.stats().dropped(GatewayDrop::KeepaliveMismatch), 0u);
  EXPECT_GT(gw.stats().dropped(GatewayDrop::RateLimited) + gw.stats().temporary_states_evicted, 0u);
  EXPECT_LT(gw.memoryBytes(), 2u * 1024 * 1024);
}

// --- configuration -----------------------------------------------------------------------

TEST(GatewayConfigTest, AcceptsTheTestConfiguration) {
  EXPECT_TRUE(validateGatewayConfig(testConfig()).has_value());
}

TEST(GatewayConfigTest, RejectionsNameTheOption) {
  struct Case {
    const char* option;
    void (*change)(GatewayConfig&);
  };
  const Case cases[] = {
      {"listen", [](GatewayConfig& c) { c.listen.clear(); }},
      {"listen", [](GatewayConfig& c) { c.listen = {ep("0.0.0.0:0")}; }},
      {"listen",
       [](GatewayConfig& c) {
         c.listen = {ep("0.0.0.0:1"), ep("0.0.0.0:1")};
       }},
      {"prefix", [](GatewayConfig& c) { c.prefixes.clear(); }},
      {"prefix", [](GatewayConfig& c) { c.prefixes = {p6("ff00::/8")}; }},
      {"home-agent", [](GatewayConfig& c) { c.home_agents.clear(); }},
      {"home-agent", [](GatewayConfig& c) { c.home_agents = {v6("fd00:1:2::1")}; }},
      {"home-agent", [](GatewayConfig& c) { c.home_agents = {v6("ff02::1")}; }},
      {"mtu", [](GatewayConfig& c) { c.mtu = 1200; }},
      {"mtu", [](GatewayConfig& c) { c.mtu = 70000; }},
      {"temporary-lifetime", [](GatewayConfig& c) { c.temporary_lifetime = Duration{0}; }},
      {"active-lifetime", [](GatewayConfig& c) { c.active_lifetime = Duration{0}; }},
      {"rate-limit", [](GatewayConfig& c) { c.rate_limit = -1; }},
      {"rate-limit-burst", [](GatewayConfig& c) { c.rate_limit_burst = 0; }},
      {"max-states", [](GatewayConfig& c) { c.max_states = 0; }},
  };
  for (const Case& k : cases) {
    GatewayConfig c = testConfig();
    k.change(c);
    Status s = validateGatewayConfig(c);
    ASSERT_FALSE(s.has_value()) << k.option;
    EXPECT_EQ(s.error().detail.rfind(std::string(k.option) + ":", 0), 0u) << s.error().detail;
  }
}

TEST(GatewayDropTest, EveryReasonHasADistinctName) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < static_cast<std::size_t>(GatewayDrop::kCount); ++i) {
    const auto name = gatewayDropName(static_cast<GatewayDrop>(i));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

// --- reload (Gateway::reconfigure) -----------------------------------------------------------

TEST_F(GatewayTest, ReconfigureKeepsStatesAndAppliesHomeAgentsAndLifetimes) {
  establish(kMn);
  GatewayConfig c = testConfig();
  c.home_agents = {kHa};  // kHa2 removed
  c.active_lifetime = 10s;
  c.mtu = 1300;      // needs a restart
  c.max_states = 7;  // needs a restart
  c.listen = {ep("0.0.0.0:1")};
  Actions actions = gw_.reconfigure(c, clock_.now());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<LogEvent>(actions[0]));
  // The state survives, traffic to the remaining home agent flows, the removed one is refused.
  ASSERT_NE(gw_.states().find(kMn), nullptr);
  EXPECT_EQ(gw_.states().find(kMn)->kind, StateKind::Active);
  EXPECT_EQ(fromMn(kMn).disposition, Disposition::WriteTun);
  EXPECT_EQ(fromMn(kMn, kNat, 0, kHa2).drop, GatewayDrop::DestinationNotHomeAgent);
  EXPECT_EQ(gw_.config().mtu, testConfig().mtu);
  EXPECT_EQ(gw_.config().max_states, testConfig().max_states);
  EXPECT_EQ(gw_.config().listen, testConfig().listen);
  EXPECT_EQ(gw_.config().active_lifetime, 10s);
  // The shorter lifetime applies to the running state at once: idle 11 s expires it (the old
  // check was due 120 s after activation).
  ASSERT_TRUE(gw_.nextDeadline());
  EXPECT_LE(*gw_.nextDeadline(), clock_.now() + 10s);
  clock_.advance(11s);
  (void)gw_.onTimer(clock_.now());
  EXPECT_EQ(gw_.states().find(kMn), nullptr);
}

TEST_F(GatewayTest, ReconfiguredRateLimitStartsEverySourceWithTheNewBurst) {
  auto address = [](std::uint64_t i) { return m6tAddress(p6("fd00:1:2:3:4::/80"), i); };
  for (std::uint64_t i = 1; i <= 5; ++i) {
    ASSERT_EQ(fromMn(address(i)).disposition, Disposition::WriteTun) << i;
  }
  EXPECT_EQ(fromMn(address(6)).drop, GatewayDrop::RateLimited);
  GatewayConfig c = testConfig();
  c.rate_limit_burst = 8;
  (void)gw_.reconfigure(c, clock_.now());
  for (std::uint64_t i = 6; i <= 13; ++i) {
    EXPECT_EQ(fromMn(address(i)).disposition, Disposition::WriteTun) << i;
  }
  EXPECT_EQ(fromMn(address(14)).drop, GatewayDrop::RateLimited);
  // The existing states are all still there.
  EXPECT_EQ(gw_.states().size(), 13u);
}

}  // namespace
}  // namespace dsmip::m6t
