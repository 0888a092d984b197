#include "m6t/client.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <set>

#include "m6t/addressing.hpp"
#include "m6t_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::m6t {
namespace {

using namespace std::chrono_literals;
using namespace test;

const Ipv4Endpoint kGateway = ep("192.0.2.1:3544");
const Ipv6Prefix kPrefix = p6("fd00:1:2:3:4::/80");
const Ipv6Address kHa = v6("2001:db8:1::1");
const Ipv4Attachment kHome{v4("10.0.0.2"), v4("10.0.0.1"), 2};
const Ipv4Attachment kCafe{v4("10.9.0.7"), v4("10.9.0.1"), 2};

/// The host-wide reservations, shared by the clients of a test.
class FakeRegistry : public AddressRegistry {
 public:
  bool reserve(const Ipv6Address& a) override { return held.insert(a).second; }
  void release(const Ipv6Address& a) override { held.erase(a); }
  std::set<Ipv6Address> held;
};

/// Returns scripted 64-bit values, then zeros... then counts up.
class ScriptedRandom : public RandomSource {
 public:
  explicit ScriptedRandom(std::deque<std::uint64_t> values) : values_(std::move(values)) {}
  void fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) {
      if (byte_ == 0) {
        if (!values_.empty()) {
          current_ = values_.front();
          values_.pop_front();
        } else {
          current_ = ++counter_;
        }
      }
      b = static_cast<std::uint8_t>(current_ >> (8 * (3 - byte_)));
      byte_ = (byte_ + 1) % 4;
    }
  }

 private:
  // RandomSource::u64() reads two u32s: each scripted value feeds one u32 (its low 32 bits).
  std::deque<std::uint64_t> values_;
  std::uint64_t current_ = 0;
  std::uint64_t counter_ = 1000;
  int byte_ = 0;
};

ClientConfig testConfig() {
  ClientConfig c;
  c.gateway = kGateway;
  c.prefix = kPrefix;
  c.keepalive_interval = 1s;
  c.dead_after = 3;
  c.routes = {p6("::/0"), p6("2001:db8:1::/48")};
  return c;
}

template <typename T>
std::vector<T> all(const Actions& actions) {
  std::vector<T> out;
  for (const Action& a : actions) {
    if (const T* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

class ClientTest : public ::testing::Test {
 protected:
  SeededRandom random_{7};
  FakeRegistry registry_;
  dsmip::test::FakeClock clock_;
  Client client_{testConfig(), random_, registry_};

  Actions attach(const Ipv4Attachment& a = kHome) {
    Actions actions = client_.onAttachment(a, clock_.now());
    client_.onSocketOpened(client_.socketGeneration(), Ipv4Endpoint{a.local, 50000});
    return actions;
  }
  ClientVerdict send(std::size_t size = 56) {
    PacketBuffer p = echoRequest(*client_.address(), kHa, size);
    return client_.onTunPacket(p, clock_.now());
  }
  ClientVerdict receive(const Ipv4Endpoint& from = kGateway) {
    PacketBuffer p = echoReply(kHa, *client_.address());
    return client_.onDatagram(client_.socketGeneration(), from, p, clock_.now());
  }
  ClientVerdict receiveKeepaliveReply() {
    PacketBuffer p = keepaliveReply(*client_.address());
    return client_.onDatagram(client_.socketGeneration(), kGateway, p, clock_.now());
  }
  /// Runs the timer at every deadline up to `until`; returns all actions.
  Actions runUntil(TimePoint until) {
    Actions out;
    while (auto d = client_.nextDeadline()) {
      if (*d > until) break;
      clock_.set(std::max(clock_.now(), *d));
      for (Action& a : client_.onTimer(clock_.now())) out.push_back(std::move(a));
    }
    clock_.set(until);
    return out;
  }
};

// --- attachments ---------------------------------------------------------------------------

TEST_F(ClientTest, WithoutIpv4ThereIsNoTunnel) {
  EXPECT_FALSE(client_.address().has_value());
  EXPECT_FALSE(client_.nextDeadline().has_value());
  PacketBuffer p = echoRequest(m6tAddress(kPrefix, 1), kHa);
  EXPECT_EQ(client_.onTunPacket(p, clock_.now()).drop, ClientDrop::NoTunnel);
  EXPECT_TRUE(client_.onAttachment(std::nullopt, clock_.now()).empty());
}

TEST_F(ClientTest, AttachmentTakesARandomAddressRoutesAndASocket) {
  Actions a = attach();
  ASSERT_TRUE(client_.address().has_value());
  const Ipv6Address address = *client_.address();
  EXPECT_TRUE(kPrefix.contains(address));
  EXPECT_NE(m6tRandomPart(address), 0u);
  EXPECT_EQ(all<AddAddress>(a), std::vector<AddAddress>{AddAddress{address}});
  EXPECT_TRUE(all<RemoveAddress>(a).empty());
  EXPECT_EQ(all<InstallRoute>(a), (std::vector<InstallRoute>{InstallRoute{p6("::/0")},
                                                             InstallRoute{p6("2001:db8:1::/48")}}));
  EXPECT_EQ(all<OpenSocket>(a), (std::vector<OpenSocket>{OpenSocket{1, kHome.local, kGateway}}));
  ASSERT_EQ(all<LogEvent>(a).size(), 1u);
  EXPECT_NE(all<LogEvent>(a)[0].message.find(address.toString()), std::string::npos);
  EXPECT_EQ(registry_.held, std::set<Ipv6Address>{address});
  EXPECT_EQ(client_.stats().addresses_taken, 1u);
}

TEST_F(ClientTest, UnchangedAttachmentDoesNothing) {
  (void)attach();
  const Ipv6Address address = *client_.address();
  EXPECT_TRUE(client_.onAttachment(kHome, clock_.now()).empty());
  EXPECT_EQ(*client_.address(), address);
}

TEST_F(ClientTest, NewIpv4AddressMeansNewTunnelAddress) {
  (void)attach();
  const Ipv6Address old = *client_.address();
  clock_.advance(5s);
  Actions a = attach(kCafe);
  const Ipv6Address fresh = *client_.address();
  EXPECT_NE(fresh, old);
  EXPECT_TRUE(kPrefix.contains(fresh));
  // New address first, then the old one removed, routes, a fresh socket.
  ASSERT_GE(a.size(), 5u);
  EXPECT_EQ(std::get<AddAddress>(a[0]).address, fresh);
  EXPECT_EQ(std::get<RemoveAddress>(a[1]).address, old);
  EXPECT_EQ(all<InstallRoute>(a).size(), 2u);
  EXPECT_EQ(all<OpenSocket>(a), (std::vector<OpenSocket>{OpenSocket{2, kCafe.local, kGateway}}));
  EXPECT_EQ(registry_.held, std::set<Ipv6Address>{fresh});
}

TEST_F(ClientTest, NewDefaultRouterMeansNewTunnelAddress) {
  (void)attach();
  const Ipv6Address old = *client_.address();
  Ipv4Attachment moved = kHome;
  moved.next_hop = v4("10.0.0.254");
  (void)attach(moved);
  EXPECT_NE(*client_.address(), old);
  EXPECT_EQ(client_.socketGeneration(), 2u);
}

TEST_F(ClientTest, LosingIpv4RemovesAddressRoutesAndSocket) {
  (void)attach();
  const Ipv6Address old = *client_.address();
  Actions a = client_.onAttachment(std::nullopt, clock_.now());
  EXPECT_EQ(all<RemoveAddress>(a), std::vector<RemoveAddress>{RemoveAddress{old}});
  EXPECT_EQ(all<RemoveRoute>(a).size(), 2u);
  EXPECT_EQ(all<CloseSocket>(a), std::vector<CloseSocket>{CloseSocket{1}});
  ASSERT_EQ(all<LogEvent>(a).size(), 1u);
  EXPECT_EQ(all<LogEvent>(a)[0].level, LogLevel::Warn);
  EXPECT_FALSE(client_.address().has_value());
  EXPECT_TRUE(registry_.held.empty());
  EXPECT_FALSE(client_.nextDeadline().has_value());
  EXPECT_EQ(client_.stats().attachments_lost, 1u);
  // Coming back: a new address.
  (void)attach();
  ASSERT_TRUE(client_.address().has_value());
  EXPECT_NE(*client_.address(), old);
}

TEST_F(ClientTest, StopUndoesEverything) {
  (void)attach();
  const Ipv6Address address = *client_.address();
  Actions a = client_.stop();
  EXPECT_EQ(all<RemoveAddress>(a), std::vector<RemoveAddress>{RemoveAddress{address}});
  EXPECT_EQ(all<RemoveRoute>(a).size(), 2u);
  EXPECT_EQ(all<CloseSocket>(a).size(), 1u);
  EXPECT_TRUE(registry_.held.empty());
}

// --- m6t §2.5: two clients sharing a /80 ----------------------------------------------------

TEST(ClientSharingTest, TwoClientsOnOneHostNeverPickTheSameValue) {
  FakeRegistry registry;
  // Both generators produce the same values: the second client must skip the first's.
  SeededRandom r1(5);
  SeededRandom r2(5);
  Client a(testConfig(), r1, registry);
  Client b(testConfig(), r2, registry);
  const TimePoint t{};
  (void)a.onAttachment(kHome, t);
  (void)b.onAttachment(kHome, t);
  ASSERT_TRUE(a.address() && b.address());
  EXPECT_NE(*a.address(), *b.address());
  EXPECT_EQ(b.stats().address_collisions_avoided, 1u);
  EXPECT_EQ(registry.held.size(), 2u);
  // Re-addressing keeps them apart too.
  for (int i = 0; i < 50; ++i) {
    (void)a.onAttachment(i % 2 ? kHome : kCafe, t);
    (void)b.onAttachment(i % 2 ? kHome : kCafe, t);
    ASSERT_NE(*a.address(), *b.address());
  }
}

TEST(ClientSharingTest, NoFreeValueLeavesTheClientWithoutAddress) {
  class FullRegistry : public AddressRegistry {
   public:
    bool reserve(const Ipv6Address&) override { return false; }
    void release(const Ipv6Address&) override {}
  } registry;
  SeededRandom r(1);
  Client c(testConfig(), r, registry);
  Actions a = c.onAttachment(kHome, TimePoint{});
  EXPECT_FALSE(c.address().has_value());
  ASSERT_EQ(all<LogEvent>(a).size(), 1u);
  EXPECT_EQ(all<LogEvent>(a)[0].level, LogLevel::Error);
  EXPECT_TRUE(all<OpenSocket>(a).empty());
}

TEST(ClientSharingTest, NeverZeroNorTheCurrentValue) {
  FakeRegistry registry;
  // u64() = (u32 << 32) | u32: values 0,0 -> 0 (refused); then 0,7 -> 7; then 0,7 again ->
  // the current value (refused); then 0,8.
  ScriptedRandom r({0, 0, 0, 7, 0, 7, 0, 8});
  Client c(testConfig(), r, registry);
  (void)c.onAttachment(kHome, TimePoint{});
  EXPECT_EQ(m6tRandomPart(*c.address()), 7u);
  (void)c.onAttachment(kCafe, TimePoint{});
  EXPECT_EQ(m6tRandomPart(*c.address()), 8u);
}

// --- data path -----------------------------------------------------------------------------

TEST_F(ClientTest, TunPacketsFromTheTunnelAddressGoToTheGateway) {
  (void)attach();
  ClientVerdict v = send();
  EXPECT_EQ(v.disposition, Disposition::SendDatagram);
  EXPECT_EQ(v.socket, 1u);
  EXPECT_EQ(client_.stats().datagrams_sent, 1u);
  EXPECT_EQ(client_.lastSent(), clock_.now());
}

TEST_F(ClientTest, TunPacketsFromOtherSourcesAreDropped) {
  (void)attach();
  PacketBuffer p = echoRequest(v6("fe80::1234"), v6("ff02::16"));
  EXPECT_EQ(client_.onTunPacket(p, clock_.now()).drop, ClientDrop::WrongSource);
  PacketBuffer q;
  ASSERT_TRUE(q.assign(Bytes{0x60, 0, 0}));
  EXPECT_EQ(client_.onTunPacket(q, clock_.now()).drop, ClientDrop::TunMalformed);
}

TEST_F(ClientTest, DatagramsFromTheGatewayGoToTheTun) {
  (void)attach();
  EXPECT_EQ(receive().disposition, Disposition::WriteTun);
  EXPECT_TRUE(client_.pathEstablished());
  EXPECT_EQ(client_.stats().packets_to_tun, 1u);
}

TEST_F(ClientTest, DropsDatagramsThatAreNotForUs) {
  (void)attach();
  EXPECT_EQ(receive(ep("192.0.2.99:3544")).drop, ClientDrop::NotFromGateway);
  PacketBuffer p = echoReply(kHa, *client_.address());
  EXPECT_EQ(client_.onDatagram(0, kGateway, p, clock_.now()).drop, ClientDrop::StaleSocket);
  p = echoReply(kHa, m6tAddress(kPrefix, 12345));
  EXPECT_EQ(client_.onDatagram(1, kGateway, p, clock_.now()).drop, ClientDrop::WrongDestination);
  p = echoReply(v6("::1"), *client_.address());
  EXPECT_EQ(client_.onDatagram(1, kGateway, p, clock_.now()).drop, ClientDrop::BadInnerSource);
  ASSERT_TRUE(p.assign(Bytes{1, 2, 3}));
  EXPECT_EQ(client_.onDatagram(1, kGateway, p, clock_.now()).drop, ClientDrop::Malformed);
  // A keep-alive request sent to a client is not for it.
  p = keepalive(*client_.address());
  EXPECT_EQ(client_.onDatagram(1, kGateway, p, clock_.now()).drop, ClientDrop::WrongDestination);
  EXPECT_FALSE(client_.pathEstablished());
}

TEST_F(ClientTest, DatagramsOnAnOldSocketAreDropped) {
  (void)attach();
  const Ipv6Address old = *client_.address();
  (void)attach(kCafe);
  PacketBuffer p = echoReply(kHa, old);
  EXPECT_EQ(client_.onDatagram(1, kGateway, p, clock_.now()).drop, ClientDrop::StaleSocket);
}

// --- keep-alives (decision D8) -------------------------------------------------------------

TEST_F(ClientTest, IdleTunnelSendsKeepaliveAfterTheInterval) {
  (void)attach();
  const TimePoint t0 = clock_.now();
  EXPECT_EQ(client_.nextDeadline(), t0 + 1s);
  Actions a = runUntil(t0 + 1s);
  auto sends = all<SendDatagram>(a);
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].socket, 1u);
  EXPECT_EQ(sends[0].to, kGateway);
  auto k = wire::decodeIpv6(sends[0].payload);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->header.source, *client_.address());
  EXPECT_EQ(k->header.destination, v6("fe80::1"));
  EXPECT_EQ(k->header.next_header, 59);
  EXPECT_EQ(k->header.payload_length, 0);
  EXPECT_EQ(k->header.hop_limit, 255);
  EXPECT_EQ(sends[0].payload.size(), 40u);
  EXPECT_EQ(client_.lastKeepaliveSent(), t0 + 1s);
  EXPECT_EQ(client_.stats().keepalives_sent, 1u);
}

TEST_F(ClientTest, TrafficBothWaysSuppressesKeepalives) {
  (void)attach();
  const TimePoint t0 = clock_.now();
  for (int i = 0; i < 50; ++i) {
    clock_.advance(200ms);
    ASSERT_EQ(send().disposition, Disposition::SendDatagram);
    ASSERT_EQ(receive().disposition, Disposition::WriteTun);
    ASSERT_TRUE(all<SendDatagram>(client_.onTimer(clock_.now())).empty());
  }
  EXPECT_EQ(client_.stats().keepalives_sent, 0u);
  EXPECT_EQ(client_.nextDeadline(), t0 + 10s + 1s);
}

TEST_F(ClientTest, SendingWithoutReceivingStillSendsKeepalives) {
  (void)attach();
  ASSERT_EQ(receive().disposition, Disposition::WriteTun);
  const TimePoint last_received = clock_.now();
  Actions a;
  for (int i = 0; i < 5; ++i) {
    clock_.advance(200ms);
    ASSERT_EQ(send().disposition, Disposition::SendDatagram);
    for (Action& x : client_.onTimer(clock_.now())) a.push_back(std::move(x));
  }
  // D8: a one-way flow does not prove the path: a keep-alive 1 s after the last reception.
  ASSERT_EQ(all<SendDatagram>(a).size(), 1u);
  EXPECT_EQ(client_.lastKeepaliveSent(), last_received + 1s);
}

TEST_F(ClientTest, ReceivingWithoutSendingStillSendsKeepalives) {
  (void)attach();
  ASSERT_EQ(send().disposition, Disposition::SendDatagram);
  const TimePoint last_sent = clock_.now();
  Actions a;
  for (int i = 0; i < 5; ++i) {
    clock_.advance(200ms);
    ASSERT_EQ(receive().disposition, Disposition::WriteTun);
    for (Action& x : client_.onTimer(clock_.now())) a.push_back(std::move(x));
  }
  ASSERT_EQ(all<SendDatagram>(a).size(), 1u);
  EXPECT_EQ(client_.lastKeepaliveSent(), last_sent + 1s);
}

TEST_F(ClientTest, KeepaliveReplyIsConsumedAndRecorded) {
  (void)attach();
  (void)runUntil(clock_.now() + 1s);
  clock_.advance(20ms);
  ClientVerdict v = receiveKeepaliveReply();
  EXPECT_EQ(v.disposition, Disposition::Consumed);
  EXPECT_EQ(client_.lastKeepaliveAnswered(), clock_.now());
  EXPECT_EQ(client_.stats().keepalive_replies_received, 1u);
  EXPECT_EQ(client_.unansweredKeepalives(), 0u);
  EXPECT_TRUE(client_.pathEstablished());
  // Answered keep-alives on an idle tunnel: one per interval, never declared dead.
  Actions a;
  for (int i = 0; i < 10; ++i) {
    for (Action& x : runUntil(clock_.now() + 1s)) a.push_back(std::move(x));
    ASSERT_EQ(receiveKeepaliveReply().disposition, Disposition::Consumed);
  }
  EXPECT_EQ(all<SendDatagram>(a).size(), 10u);
  EXPECT_TRUE(all<OpenSocket>(a).empty());
}

TEST_F(ClientTest, UnansweredKeepalivesDeclareThePathDeadAndReaddress) {
  (void)attach();
  ASSERT_EQ(send().disposition, Disposition::SendDatagram);
  ASSERT_EQ(receive().disposition, Disposition::WriteTun);  // the path works
  const TimePoint last_received = clock_.now();
  const Ipv6Address old = *client_.address();
  // The NAT loses its mapping: the MN keeps sending, nothing comes back.
  Actions a;
  TimePoint dead_at{};
  while (clock_.now() < last_received + 10s) {
    clock_.advance(100ms);
    ASSERT_EQ(send().disposition, Disposition::SendDatagram);
    Actions step = runUntil(clock_.now());
    if (!all<OpenSocket>(step).empty() && dead_at == TimePoint{}) dead_at = clock_.now();
    for (Action& x : step) a.push_back(std::move(x));
    if (dead_at != TimePoint{}) break;
  }
  // Keep-alives at +1 s, +2 s, +3 s, each unanswered half an interval later: dead at +3.5 s,
  // so traffic can resume within keepalive x (dead-after + 1).
  EXPECT_EQ(dead_at, last_received + 3500ms);
  EXPECT_EQ(all<SendDatagram>(a).size(), 3u);
  EXPECT_EQ(client_.stats().keepalives_unanswered, 3u);
  EXPECT_EQ(client_.stats().paths_declared_dead, 1u);
  ASSERT_TRUE(client_.address().has_value());
  EXPECT_NE(*client_.address(), old);
  EXPECT_EQ(all<AddAddress>(a).back().address, *client_.address());
  EXPECT_EQ(all<RemoveAddress>(a).back().address, old);
  EXPECT_EQ(all<OpenSocket>(a).back().generation, 2u);
  bool logged = false;
  for (const LogEvent& line : all<LogEvent>(a)) {
    if (line.message.find("dead") != std::string::npos) {
      logged = true;
      EXPECT_EQ(line.level, LogLevel::Warn);
      EXPECT_NE(line.message.find("3 keep-alives"), std::string::npos);
    }
  }
  EXPECT_TRUE(logged);
  EXPECT_FALSE(client_.pathEstablished());
  EXPECT_EQ(client_.unansweredKeepalives(), 0u);
}

TEST_F(ClientTest, AnyReceivedPacketResetsTheUnansweredCount) {
  (void)attach();
  ASSERT_EQ(receive().disposition, Disposition::WriteTun);
  (void)runUntil(clock_.now() + 1600ms);  // one keep-alive, unanswered
  EXPECT_EQ(client_.unansweredKeepalives(), 1u);
  ASSERT_EQ(receive().disposition, Disposition::WriteTun);
  EXPECT_EQ(client_.unansweredKeepalives(), 0u);
}

TEST_F(ClientTest, NotEstablishedPathIsNeverDeclaredDead) {
  // Without a reply ever, the gateway may have no state for this address (no traffic to the
  // HA yet): re-addressing would not help, so the client keeps its address.
  (void)attach();
  const Ipv6Address address = *client_.address();
  Actions a = runUntil(clock_.now() + 20s);
  EXPECT_EQ(all<SendDatagram>(a).size(), 20u);
  EXPECT_TRUE(all<OpenSocket>(a).empty());
  EXPECT_EQ(*client_.address(), address);
  EXPECT_EQ(client_.stats().paths_declared_dead, 0u);
}

TEST_F(ClientTest, DeadAfterOneWithLongInterval) {
  ClientConfig c = testConfig();
  c.keepalive_interval = 30s;
  c.dead_after = 1;
  Client client(c, random_, registry_);
  (void)client.onAttachment(kHome, clock_.now());
  PacketBuffer p = echoReply(kHa, *client.address());
  ASSERT_EQ(client.onDatagram(1, kGateway, p, clock_.now()).disposition, Disposition::WriteTun);
  const TimePoint t0 = clock_.now();
  EXPECT_EQ(client.nextDeadline(), t0 + 30s);
  (void)client.onTimer(t0 + 30s);
  EXPECT_EQ(client.replyTimeout(), 15s);
  EXPECT_EQ(client.nextDeadline(), t0 + 45s);
  Actions a = client.onTimer(t0 + 45s);
  EXPECT_EQ(all<OpenSocket>(a).size(), 1u);
  EXPECT_EQ(client.stats().paths_declared_dead, 1u);
}

// --- MTU -----------------------------------------------------------------------------------

TEST_F(ClientTest, FragmentationNeededLowersTheTunnelMtu) {
  (void)attach();
  const Bytes quoted =
      tunnelDatagram(Ipv4Endpoint{kHome.local, 50000}, kGateway, *client_.address(), kHa);
  Actions a = client_.onIcmpv4(fragmentationNeeded(quoted, 1400), clock_.now());
  EXPECT_EQ(all<SetTunMtu>(a), std::vector<SetTunMtu>{SetTunMtu{1372}});
  EXPECT_EQ(client_.tunnelMtu(), 1372u);
  EXPECT_EQ(client_.stats().tunnel_mtu_lowered, 1u);
  // A packet already in the TUN queue that no longer fits: Packet Too Big to its sender.
  PacketBuffer p = echoRequest(*client_.address(), kHa, 1400 - 48);
  ClientVerdict v = client_.onTunPacket(p, clock_.now());
  EXPECT_EQ(v.disposition, Disposition::SendIcmpv6);
  EXPECT_EQ(v.drop, ClientDrop::TooBig);
  EXPECT_EQ(v.icmp_destination, *client_.address());
  auto icmp = wire::decodeIcmpv6(p.data(), Ipv6Address{}, *client_.address());
  ASSERT_TRUE(icmp.has_value());
  ASSERT_EQ(icmp->type, wire::icmpv6_type::kPacketTooBig);
  EXPECT_EQ(std::get<wire::Icmpv6PacketTooBig>(icmp->body).mtu, 1372u);
  // The learnt MTU ages out (RFC 1191 §6.3).
  Actions later = runUntil(clock_.now() + 10min);
  EXPECT_EQ(all<SetTunMtu>(later), std::vector<SetTunMtu>{SetTunMtu{1472}});
  EXPECT_EQ(client_.tunnelMtu(), 1472u);
}

TEST_F(ClientTest, IgnoresFragmentationNeededAboutOtherFlows) {
  (void)attach();
  const Ipv6Address me = *client_.address();
  (void)client_.onIcmpv4(
      fragmentationNeeded(tunnelDatagram(Ipv4Endpoint{kHome.local, 1}, kGateway, me, kHa), 1400),
      clock_.now());
  (void)client_.onIcmpv4(
      fragmentationNeeded(
          tunnelDatagram(Ipv4Endpoint{kHome.local, 50000}, ep("192.0.2.2:3544"), me, kHa), 1400),
      clock_.now());
  (void)client_.onIcmpv4(
      fragmentationNeeded(tunnelDatagram(Ipv4Endpoint{kHome.local, 50000}, kGateway, me, kHa),
                          1500),
      clock_.now());
  EXPECT_EQ(client_.stats().icmpv4_ignored, 3u);
  EXPECT_EQ(client_.tunnelMtu(), 1472u);
}

TEST_F(ClientTest, NewAttachmentRestoresTheConfiguredMtu) {
  (void)attach();
  (void)client_.onIcmpv4(fragmentationNeeded(tunnelDatagram(Ipv4Endpoint{kHome.local, 50000},
                                                            kGateway, *client_.address(), kHa),
                                             1400),
                         clock_.now());
  Actions a = attach(kCafe);
  EXPECT_EQ(all<SetTunMtu>(a), std::vector<SetTunMtu>{SetTunMtu{1472}});
  EXPECT_EQ(client_.tunnelMtu(), 1472u);
}

// --- configuration -------------------------------------------------------------------------

TEST(ClientConfigTest, RejectionsNameTheOption) {
  struct Case {
    const char* option;
    void (*change)(ClientConfig&);
  };
  const Case cases[] = {
      {"gateway", [](ClientConfig& c) { c.gateway = ep("192.0.2.1:0"); }},
      {"gateway", [](ClientConfig& c) { c.gateway = ep("0.0.0.0:3544"); }},
      {"prefix", [](ClientConfig& c) { c.prefix = p6("fd00:1:2:3::/64"); }},
      {"prefix", [](ClientConfig& c) { c.prefix = p6("ff02::/80"); }},
      {"mtu", [](ClientConfig& c) { c.mtu = 1000; }},
      {"keepalive", [](ClientConfig& c) { c.keepalive_interval = 10ms; }},
      {"dead-after", [](ClientConfig& c) { c.dead_after = 0; }},
      {"route", [](ClientConfig& c) { c.routes = {p6("ff00::/8")}; }},
  };
  EXPECT_TRUE(validateClientConfig(testConfig()).has_value());
  for (const Case& k : cases) {
    ClientConfig c = testConfig();
    k.change(c);
    Status s = validateClientConfig(c);
    ASSERT_FALSE(s.has_value()) << k.option;
    EXPECT_EQ(s.error().detail.rfind(std::string(k.option) + ":", 0), 0u) << s.error().detail;
  }
}

TEST(ClientDropTest, EveryReasonHasADistinctName) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < static_cast<std::size_t>(ClientDrop::kCount); ++i) {
    const auto name = clientDropName(static_cast<ClientDrop>(i));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

// --- reload (Client::reconfigure) ------------------------------------------------------------

TEST_F(ClientTest, ReconfiguredKeepaliveIntervalAppliesToTheRunningTunnel) {
  (void)attach();
  const std::optional<Ipv6Address> address = client_.address();
  const TimePoint t0 = clock_.now();
  EXPECT_EQ(client_.nextDeadline(), t0 + 1s);
  ClientConfig c = testConfig();
  c.keepalive_interval = 5s;
  c.dead_after = 7;
  c.mtu = 1300;             // needs a restart
  c.routes = {p6("::/0")};  // needs a restart
  Actions actions = client_.reconfigure(c, clock_.now());
  ASSERT_EQ(all<LogEvent>(actions).size(), 1u);
  EXPECT_TRUE(all<SendDatagram>(actions).empty());
  EXPECT_EQ(client_.address(), address);  // the tunnel is kept
  EXPECT_EQ(client_.nextDeadline(), t0 + 5s);
  EXPECT_TRUE(all<SendDatagram>(runUntil(t0 + 4s)).empty());
  EXPECT_EQ(all<SendDatagram>(runUntil(t0 + 5s)).size(), 1u);
  EXPECT_EQ(client_.config().keepalive_interval, 5s);
  EXPECT_EQ(client_.config().dead_after, 7u);
  EXPECT_EQ(client_.config().mtu, testConfig().mtu);
  EXPECT_EQ(client_.config().routes, testConfig().routes);
}

}  // namespace
}  // namespace dsmip::m6t
