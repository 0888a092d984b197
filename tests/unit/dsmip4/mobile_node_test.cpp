// Mobile node registration (RFC 5944 §3.6, §5.7; RFC 5454 §3.1, §3.5; RFC 3519 §3.1, §4.9):
// request contents, identification, retransmission, reply handling (codes, partial rejection,
// no prefix replies, 133 resynchronisation), lifetimes, re-registration, movement, keep-alives,
// deregistration.
#include <gtest/gtest.h>

#include "common/random.hpp"
#include "dsmip4_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::dsmip4::test {
namespace {

using wire::Ipv6PrefixReplyCode;
using wire::RegistrationReplyCode;
using namespace std::chrono_literals;

class MobileNodeTest : public ::testing::Test {
 protected:
  explicit MobileNodeTest(MobileNodeConfig config = mnConfig()) : mn(std::move(config), random) {}

  void advance(Duration d) {
    clock.advance(d);
    unix_time += d;
  }
  MobileNodeActions timer() { return mn.onTimer(clock.now(), unix_time); }
  MobileNodeActions attach(const CareOfAddress& c) {
    return mn.onCareOfChange(c, clock.now(), unix_time);
  }

  /// The single registration request among `actions`, authenticated with key1.
  static wire::RegistrationRequest requestIn(const MobileNodeActions& actions) {
    const auto s = sends(actions);
    EXPECT_EQ(s.size(), 1u);
    if (s.size() != 1) return {};
    EXPECT_EQ(s[0].kind, DatagramKind::RegistrationRequest);
    EXPECT_TRUE(wire::verifyMobileHomeAuth(s[0].payload, key1()));
    auto r = wire::decodeRegistrationRequest(s[0].payload);
    EXPECT_TRUE(r.has_value());
    return r ? *r : wire::RegistrationRequest{};
  }

  /// An authenticated reply to `request`.
  MobileNodeActions answer(const wire::RegistrationRequest& request,
                           RegistrationReplyCode code = RegistrationReplyCode::Accepted,
                           std::optional<std::uint16_t> lifetime = std::nullopt,
                           std::vector<wire::Mipv4Extension> extensions = {},
                           std::optional<std::uint64_t> identification = std::nullopt) {
    wire::RegistrationReply reply;
    reply.code = code;
    reply.lifetime = lifetime.value_or(request.lifetime);
    reply.home_address = request.home_address;
    reply.home_agent = kHa;
    reply.identification = identification.value_or(request.identification);
    reply.extensions = std::move(extensions);
    return mn.onRegistrationReply(encodeReply(reply, key1()), {kHa, 434}, clock.now(), unix_time);
  }

  /// Prefix Replies echoing every prefix request of `request` with `code`.
  static std::vector<wire::Mipv4Extension> echoPrefixes(const wire::RegistrationRequest& request,
                                                        Ipv6PrefixReplyCode code) {
    std::vector<wire::Mipv4Extension> out;
    for (const auto& e : request.extensions) {
      if (const auto* p = std::get_if<wire::Ipv6PrefixRequestExtension>(&e)) {
        out.emplace_back(wire::Ipv6PrefixReplyExtension{code, p->prefix_length, p->prefix});
      }
    }
    return out;
  }

  /// Attaches at `coa` and has the registration accepted (code 1 for every prefix).
  MobileNodeActions registerAt(const CareOfAddress& c,
                               std::vector<wire::Mipv4Extension> extra = {}) {
    const auto request = requestIn(attach(c));
    auto extensions = echoPrefixes(request, Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress);
    for (auto& e : extra) extensions.push_back(std::move(e));
    return answer(request, RegistrationReplyCode::Accepted, std::nullopt, extensions);
  }

  SeededRandom random{7};
  MobileNode mn;
  dsmip::test::FakeClock clock;
  std::chrono::nanoseconds unix_time = kUnixStart;
  const CareOfAddress coa{kCoa, kMnPort, "eth0"};
  const CareOfAddress coa2{kCoa2, 45001, "wlan0"};
};

TEST_F(MobileNodeTest, FirstRequestCarriesEveryExtensionInOrder) {
  const auto actions = attach(coa);
  const auto s = sends(actions);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].source, (Ipv4Endpoint{kCoa, kMnPort}));
  EXPECT_EQ(s[0].destination, (Ipv4Endpoint{kHa, 434}));
  const auto request = requestIn(actions);
  // Co-located CoA: D and T (RFC 5944 §3.6.1.2, RFC 3024; RFC 3519 §3.1.5).
  EXPECT_TRUE(request.flags.decapsulation_by_mobile_node);
  EXPECT_TRUE(request.flags.reverse_tunneling);
  EXPECT_FALSE(request.flags.simultaneous_bindings);
  EXPECT_FALSE(request.flags.minimal_encapsulation);
  EXPECT_FALSE(request.flags.gre_encapsulation);
  EXPECT_EQ(request.lifetime, 600);
  EXPECT_EQ(request.home_address, kHoa);
  EXPECT_EQ(request.home_agent, kHa);
  EXPECT_EQ(request.care_of_address, kCoa);
  // RFC 5454 §3.1: prefix requests and the tunnelling mode before the MN-HA authentication.
  ASSERT_EQ(request.extensions.size(), 4u);
  EXPECT_EQ(std::get<wire::Ipv6PrefixRequestExtension>(request.extensions[0]),
            (wire::Ipv6PrefixRequestExtension{48, v6("2001:db8:abcd::")}));
  EXPECT_TRUE(std::holds_alternative<wire::Ipv6TunnelingModeExtension>(request.extensions[1]));
  const auto& udp = std::get<wire::UdpTunnelRequestExtension>(request.extensions[2]);
  EXPECT_EQ(udp.encapsulation, 0);  // RFC 5454 §3.9
  EXPECT_FALSE(udp.force);
  EXPECT_EQ(std::get<wire::MobileHomeAuthExtension>(request.extensions[3]).spi, 0x1000u);
  EXPECT_EQ(mn.state(), MobileNodeState::Registering);
  EXPECT_EQ(mn.stats().requests_sent, 1u);
}

TEST_F(MobileNodeTest, IdentificationIsAnNtpTimestampThatAlwaysIncreases) {
  const auto first = requestIn(attach(coa));
  EXPECT_EQ(wire::identificationHigh(first.identification),
            wire::identificationHigh(ntpAt(kUnixStart)));
  // Even if the wall clock steps back, the next one is greater (RFC 5944 §5.7).
  unix_time -= 10s;
  clock.advance(1s);
  const auto second = requestIn(timer());
  EXPECT_TRUE(wire::timestampIsNewer(second.identification, first.identification));
  EXPECT_NE(wire::identificationLow(second.identification),
            wire::identificationLow(first.identification));
}

TEST_F(MobileNodeTest, RetransmitsWithDoublingIntervalsUpToTheCap) {
  (void)attach(coa);
  const TimePoint t0 = clock.now();
  // 1, 2, 4, 8, 16, 32, then 32 (max_retransmission) — each a new request (new Identification).
  const Duration expected[] = {1s, 2s, 4s, 8s, 16s, 32s, 32s};
  TimePoint t = t0;
  std::uint64_t previous = 0;
  for (const Duration gap : expected) {
    t += gap;
    ASSERT_EQ(mn.nextDeadline(), t);
    clock.set(t);
    unix_time = kUnixStart + (t - t0);
    const auto request = requestIn(timer());
    EXPECT_NE(request.identification, previous);
    previous = request.identification;
  }
  EXPECT_EQ(mn.stats().retransmissions, 7u);
}

TEST(MobileNodeShortLifetimeTest, RetransmissionNeverExceedsTheLifetime) {
  MobileNodeConfig config = mnConfig();
  config.lifetime = 5s;
  SeededRandom random{1};
  MobileNode mn{config, random};
  TimePoint t{};
  (void)mn.onCareOfChange(CareOfAddress{kCoa, kMnPort, "eth0"}, t, kUnixStart);
  const Duration expected[] = {1s, 2s, 4s, 5s, 5s};
  for (const Duration gap : expected) {
    t += gap;
    ASSERT_EQ(mn.nextDeadline(), t);
    (void)mn.onTimer(t, kUnixStart + (t - TimePoint{}));
  }
}

TEST_F(MobileNodeTest, AcceptedReplyRegistersAndConfiguresTheTun) {
  const auto request = requestIn(attach(coa));
  advance(200ms);
  const auto actions =
      answer(request, RegistrationReplyCode::Accepted, std::nullopt,
             echoPrefixes(request, Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress));
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);
  EXPECT_EQ(actionsOf<ConfigureHomeAddress>(actions),
            (std::vector<ConfigureHomeAddress>{{kHoa, true}}));
  EXPECT_EQ(actionsOf<ConfigureIpv6Prefix>(actions),
            (std::vector<ConfigureIpv6Prefix>{{p6("2001:db8:abcd::/48"), v6("2001:db8:abcd::1"),
                                               false, Ipv6TunnelMode::ToCareOfAddress, true}}));
  const auto paths = actionsOf<DataPathChanged>(actions);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(paths[0].path.active);
  EXPECT_EQ(paths[0].path.transport, TunnelTransport::IpInIp);  // no UDP Tunnel Reply
  EXPECT_EQ(paths[0].path.care_of, coa);
  EXPECT_EQ(paths[0].path.prefixes,
            (std::vector<PrefixPath>{{p6("2001:db8:abcd::/48"), Ipv6TunnelMode::ToCareOfAddress}}));
  const auto snap = mn.snapshot(clock.now());
  EXPECT_TRUE(snap.binding_valid);
  EXPECT_EQ(snap.home_agent_supports_dsmipv4, true);
  EXPECT_EQ(snap.prefixes.at(0).status, PrefixStatus::Accepted);
  EXPECT_EQ(snap.prefixes.at(0).mode, Ipv6TunnelMode::ToCareOfAddress);
  EXPECT_EQ(snap.prefixes.at(0).reply_code, 1);
  // Re-registration at 80 % of the lifetime, counted from when the request was sent.
  EXPECT_EQ(snap.next_registration, Duration{480s} - 200ms);
  EXPECT_EQ(mn.stats().registrations, 1u);
}

TEST_F(MobileNodeTest, ShortenedLifetimeCountsFromWhenTheRequestWasSent) {
  const TimePoint sent = clock.now();
  const auto request = requestIn(attach(coa));
  advance(3s);
  (void)answer(request, RegistrationReplyCode::Accepted, 100);
  EXPECT_EQ(mn.snapshot(clock.now()).granted_lifetime, 100);
  EXPECT_EQ(mn.snapshot(clock.now()).remaining, Duration{97s});
  EXPECT_EQ(mn.nextDeadline(), sent + 80s);
}

TEST_F(MobileNodeTest, MoreLifetimeThanRequestedIsCutToTheRequest) {
  const auto request = requestIn(attach(coa));
  (void)answer(request, RegistrationReplyCode::Accepted, 5000);
  EXPECT_EQ(mn.snapshot(clock.now()).granted_lifetime, 600);
}

TEST_F(MobileNodeTest, ReRegistersBeforeTheLifetimeEndsAndKeepsTrafficFlowing) {
  (void)registerAt(coa);
  clock.set(*mn.nextDeadline());
  unix_time = kUnixStart + 480s;
  const auto actions = timer();
  const auto request = requestIn(actions);
  EXPECT_EQ(request.care_of_address, kCoa);
  EXPECT_EQ(std::get<wire::Ipv6PrefixRequestExtension>(request.extensions.at(0)).prefix_length, 48);
  EXPECT_EQ(mn.state(), MobileNodeState::Registering);
  EXPECT_TRUE(mn.dataPath().active);  // the binding is still valid
  (void)answer(request);
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);
  EXPECT_EQ(mn.snapshot(clock.now()).remaining, Duration{600s});
}

TEST_F(MobileNodeTest, UnansweredRefreshLetsTheBindingExpire) {
  (void)registerAt(coa);
  const TimePoint expiry = clock.now() + 600s;
  bool saw_inactive = false;
  while (mn.nextDeadline() && *mn.nextDeadline() <= expiry) {
    clock.set(*mn.nextDeadline());
    unix_time = kUnixStart + (clock.now() - dsmip::test::FakeClock{}.now());
    for (const auto& p : actionsOf<DataPathChanged>(timer())) saw_inactive |= !p.path.active;
  }
  EXPECT_TRUE(saw_inactive);
  EXPECT_EQ(mn.stats().bindings_expired, 1u);
  EXPECT_FALSE(mn.snapshot(clock.now()).binding_valid);
  EXPECT_EQ(mn.state(), MobileNodeState::Registering);
  PacketBuffer packet = bufferOf(ipv4Packet(kHoa, kCorrespondent));
  EXPECT_EQ(mn.encapsulate(packet, clock.now()).reason, DropReason::NoBinding);
}

TEST_F(MobileNodeTest, Code0MeansTheHomeAddressTunnel) {
  const auto request = requestIn(attach(coa));
  const auto actions =
      answer(request, RegistrationReplyCode::Accepted, std::nullopt,
             echoPrefixes(request, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress));
  EXPECT_EQ(actionsOf<ConfigureIpv6Prefix>(actions).at(0).mode, Ipv6TunnelMode::ToHomeAddress);
}

class MobileNodeTwoPrefixTest : public MobileNodeTest {
 protected:
  static MobileNodeConfig config() {
    MobileNodeConfig c = mnConfig();
    c.prefixes.push_back(PrefixRequest{p6("2001:db8:ff10::/48"), false, v6("2001:db8:ff10::99")});
    return c;
  }
  MobileNodeTwoPrefixTest() : MobileNodeTest(config()) {}
};

TEST_F(MobileNodeTwoPrefixTest, PartialRejectionConfiguresOnlyTheAcceptedPrefix) {
  const auto request = requestIn(attach(coa));
  const auto actions = answer(
      request, RegistrationReplyCode::Accepted, std::nullopt,
      {wire::Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress, 48,
                                      v6("2001:db8:abcd::")},
       wire::Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited, 48,
                                      v6("2001:db8:ff10::")}});
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);  // the IPv4 registration stands
  const auto configured = actionsOf<ConfigureIpv6Prefix>(actions);
  ASSERT_EQ(configured.size(), 1u);
  EXPECT_EQ(configured[0].prefix, p6("2001:db8:abcd::/48"));
  const auto snap = mn.snapshot(clock.now());
  EXPECT_EQ(snap.prefixes.at(1).status, PrefixStatus::Rejected);
  EXPECT_EQ(snap.prefixes.at(1).reply_code, 9);
  EXPECT_EQ(snap.prefixes.at(1).address, v6("2001:db8:ff10::99"));
  EXPECT_FALSE(actionsOf<LogEvent>(actions).empty());
}

TEST_F(MobileNodeTwoPrefixTest, PrefixWithoutAMatchingReplyIsRejected) {
  const auto request = requestIn(attach(coa));
  (void)answer(request, RegistrationReplyCode::Accepted, std::nullopt,
               {wire::Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress, 48,
                                               v6("2001:db8:abcd::")}});
  const auto snap = mn.snapshot(clock.now());
  EXPECT_EQ(snap.prefixes.at(0).status, PrefixStatus::Accepted);
  EXPECT_EQ(snap.prefixes.at(1).status, PrefixStatus::NoReply);
  EXPECT_EQ(snap.home_agent_supports_dsmipv4, true);
}

TEST_F(MobileNodeTwoPrefixTest, ReplyWithoutPrefixExtensionsMeansIpv4Only) {
  const auto request = requestIn(attach(coa));
  const auto actions = answer(request);
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);
  EXPECT_TRUE(actionsOf<ConfigureIpv6Prefix>(actions).empty());
  EXPECT_EQ(actionsOf<ConfigureHomeAddress>(actions).size(), 1u);
  const auto snap = mn.snapshot(clock.now());
  EXPECT_EQ(snap.home_agent_supports_dsmipv4, false);
  EXPECT_EQ(snap.prefixes.at(0).status, PrefixStatus::Unsupported);
  EXPECT_EQ(snap.prefixes.at(1).status, PrefixStatus::Unsupported);
  // IPv4 flows, IPv6 from the prefix does not.
  PacketBuffer v4packet = bufferOf(ipv4Packet(kHoa, kCorrespondent));
  EXPECT_EQ(mn.encapsulate(v4packet, clock.now()).verdict, SendVerdict::Tunnel);
  PacketBuffer v6packet = bufferOf(ipv6Packet(v6("2001:db8:abcd::1"), v6("2001:db8:99::1")));
  EXPECT_EQ(mn.encapsulate(v6packet, clock.now()).reason, DropReason::NotRegisteredSource);
}

TEST_F(MobileNodeTwoPrefixTest, PrefixRejectedOnReRegistrationIsRemovedFromTheTun) {
  (void)registerAt(coa);
  clock.set(*mn.nextDeadline());
  unix_time = kUnixStart + 480s;
  const auto request = requestIn(timer());
  const auto actions =
      answer(request, RegistrationReplyCode::Accepted, std::nullopt,
             {wire::Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress, 48,
                                             v6("2001:db8:abcd::")},
              wire::Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::RejectedReasonUnspecified, 48,
                                             v6("2001:db8:ff10::")}});
  EXPECT_EQ(actionsOf<ConfigureIpv6Prefix>(actions),
            (std::vector<ConfigureIpv6Prefix>{{p6("2001:db8:ff10::/48"), v6("2001:db8:ff10::99"),
                                               false, Ipv6TunnelMode::ToCareOfAddress, false}}));
}

TEST_F(MobileNodeTest, IdentificationMismatchResynchronisesToTheHomeAgentsClock) {
  const auto request = requestIn(attach(coa));
  // The HA's clock is 1000 s ahead of ours.
  const std::uint32_t ha_seconds = wire::identificationHigh(ntpAt(unix_time + 1000s));
  const auto actions = answer(request, RegistrationReplyCode::HaIdentificationMismatch, 0, {},
                              wire::replyIdentification(ha_seconds, request.identification));
  const auto again = requestIn(actions);  // at once, with the HA's time
  EXPECT_EQ(wire::identificationHigh(again.identification), ha_seconds);
  EXPECT_EQ(mn.stats().resynchronisations, 1u);
  // A second 133 in a row waits for the retransmission timer instead of sending at once.
  const auto second = answer(again, RegistrationReplyCode::HaIdentificationMismatch, 0, {},
                             wire::replyIdentification(ha_seconds, again.identification));
  EXPECT_TRUE(sends(second).empty());
  EXPECT_TRUE(mn.nextDeadline().has_value());
  // The later requests stay on the HA's clock.
  clock.set(*mn.nextDeadline());
  const auto later = requestIn(timer());
  EXPECT_GE(wire::identificationHigh(later.identification), ha_seconds);
  (void)answer(later);
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);
}

TEST_F(MobileNodeTest, RejectionIsRetriedLater) {
  const auto request = requestIn(attach(coa));
  const auto actions = answer(request, RegistrationReplyCode::HaInsufficientResources);
  EXPECT_EQ(mn.state(), MobileNodeState::Rejected);
  EXPECT_EQ(mn.snapshot(clock.now()).last_reply_code, 130);
  EXPECT_EQ(mn.nextDeadline(), clock.now() + 60s);
  EXPECT_FALSE(actionsOf<LogEvent>(actions).empty());
  advance(60s);
  (void)requestIn(timer());
  EXPECT_EQ(mn.state(), MobileNodeState::Registering);
}

class MobileNodeForcedUdpTest : public MobileNodeTest {
 protected:
  static MobileNodeConfig config() {
    MobileNodeConfig c = mnConfig();
    c.force_udp_tunnel = true;
    return c;
  }
  MobileNodeForcedUdpTest() : MobileNodeTest(config()) {}
};

TEST_F(MobileNodeForcedUdpTest, RefusedForceIsRetriedOnceWithoutF) {
  const auto request = requestIn(attach(coa));
  EXPECT_TRUE(std::get<wire::UdpTunnelRequestExtension>(request.extensions.at(2)).force);
  const auto retry =
      requestIn(answer(request, RegistrationReplyCode::HaAdministrativelyProhibited));
  const auto* udp = wire::findMipv4Extension<wire::UdpTunnelRequestExtension>(retry.extensions);
  ASSERT_NE(udp, nullptr);
  EXPECT_FALSE(udp->force);
  // A second 129 is a plain rejection.
  (void)answer(retry, RegistrationReplyCode::HaAdministrativelyProhibited);
  EXPECT_EQ(mn.state(), MobileNodeState::Rejected);
}

TEST_F(MobileNodeTest, UdpEncapsulationUnavailableIsRetriedWithoutTheRequest) {
  const auto request = requestIn(attach(coa));
  const auto retry =
      requestIn(answer(request, RegistrationReplyCode::HaUdpEncapsulationUnavailable));
  EXPECT_EQ(wire::findMipv4Extension<wire::UdpTunnelRequestExtension>(retry.extensions), nullptr);
}

TEST_F(MobileNodeTest, InvalidRepliesAreSilentlyDiscarded) {
  const auto request = requestIn(attach(coa));
  wire::RegistrationReply reply;
  reply.code = RegistrationReplyCode::Accepted;
  reply.lifetime = 600;
  reply.home_address = kHoa;
  reply.home_agent = kHa;
  reply.identification = request.identification;
  const Bytes good = encodeReply(reply, key1());
  // Not from the HA.
  EXPECT_TRUE(mn.onRegistrationReply(good, {kCoa2, 434}, clock.now(), unix_time).empty());
  // Wrong key.
  wire::Mipv4AuthKey wrong = key1();
  wrong.key[3] ^= 1;
  EXPECT_TRUE(mn.onRegistrationReply(encodeReply(reply, wrong), {kHa, 434}, clock.now(), unix_time)
                  .empty());
  // Low-order Identification bits of no request.
  auto mismatched = reply;
  mismatched.identification ^= 1;
  EXPECT_TRUE(
      mn.onRegistrationReply(encodeReply(mismatched, key1()), {kHa, 434}, clock.now(), unix_time)
          .empty());
  // Another home address.
  auto other = reply;
  other.home_address = kHoa2;
  EXPECT_TRUE(mn.onRegistrationReply(encodeReply(other, key1()), {kHa, 434}, clock.now(), unix_time)
                  .empty());
  // No authentication at all.
  Bytes bare(64);
  ByteWriter w{bare};
  ASSERT_TRUE(wire::encodeRegistrationReply(reply, w));
  bare.resize(w.size());
  EXPECT_TRUE(mn.onRegistrationReply(bare, {kHa, 434}, clock.now(), unix_time).empty());
  EXPECT_TRUE(mn.onRegistrationReply(Bytes{3, 0}, {kHa, 434}, clock.now(), unix_time).empty());
  EXPECT_EQ(mn.state(), MobileNodeState::Registering);
  const auto& discarded = mn.stats().replies_discarded;
  EXPECT_EQ(discarded[static_cast<std::size_t>(ReplyDiscard::NotFromHomeAgent)], 1u);
  EXPECT_EQ(discarded[static_cast<std::size_t>(ReplyDiscard::Authentication)], 2u);
  EXPECT_EQ(discarded[static_cast<std::size_t>(ReplyDiscard::IdentificationMismatch)], 1u);
  EXPECT_EQ(discarded[static_cast<std::size_t>(ReplyDiscard::Unexpected)], 1u);
  EXPECT_EQ(discarded[static_cast<std::size_t>(ReplyDiscard::Malformed)], 1u);
  // The genuine reply still works.
  (void)mn.onRegistrationReply(good, {kHa, 434}, clock.now(), unix_time);
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);
}

TEST_F(MobileNodeTest, ReplyToAnEarlierRetransmissionIsAccepted) {
  const auto first = requestIn(attach(coa));
  advance(1s);
  (void)requestIn(timer());
  (void)answer(first);
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);
}

TEST_F(MobileNodeTest, MovementRegistersTheNewCareOfAtOnce) {
  (void)registerAt(coa);
  advance(30s);
  const auto actions = attach(coa2);
  const auto request = requestIn(actions);
  EXPECT_EQ(request.care_of_address, kCoa2);
  EXPECT_EQ(sends(actions).at(0).source, (Ipv4Endpoint{kCoa2, 45001}));
  const auto paths = actionsOf<DataPathChanged>(actions);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].path.care_of, coa2);
  EXPECT_TRUE(paths[0].path.active);
  EXPECT_EQ(mn.stats().movements, 1u);
  (void)answer(request);
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);
}

TEST_F(MobileNodeTest, LosingConnectivityStopsRetransmissionsUntilAnAddressReturns) {
  (void)attach(coa);
  const auto actions = mn.onCareOfChange(std::nullopt, clock.now(), unix_time);
  EXPECT_TRUE(sends(actions).empty());
  EXPECT_EQ(mn.state(), MobileNodeState::Idle);
  EXPECT_EQ(mn.nextDeadline(), std::nullopt);
  (void)requestIn(attach(coa2));
  EXPECT_EQ(mn.state(), MobileNodeState::Registering);
}

TEST_F(MobileNodeTest, UdpTunnelAfterAnAssentingReplyWithKeepalives) {
  const auto actions = registerAt(
      coa, {wire::UdpTunnelReplyExtension{wire::UdpTunnelReplyCode::WillTunnel, false, 20}});
  EXPECT_EQ(actionsOf<DataPathChanged>(actions).at(0).path.transport, TunnelTransport::Udp);
  EXPECT_EQ(mn.snapshot(clock.now()).keepalive_interval, 20s);
  const TimePoint registered = clock.now();
  // Nothing sent for K = 20 s after the request → a keep-alive.
  EXPECT_EQ(mn.nextDeadline(), registered + 20s);
  clock.set(registered + 20s);
  const auto keepalive = sends(timer());
  ASSERT_EQ(keepalive.size(), 1u);
  EXPECT_EQ(keepalive[0].kind, DatagramKind::Keepalive);
  EXPECT_EQ(keepalive[0].source, (Ipv4Endpoint{kCoa, kMnPort}));
  EXPECT_EQ(keepalive[0].destination, (Ipv4Endpoint{kHa, 434}));
  auto data = wire::decodeTunnelData(keepalive[0].payload);
  ASSERT_TRUE(data);
  EXPECT_EQ(data->next_header, wire::kTunnelDataNextHeaderIpv4);
  auto ip = wire::decodeIpv4(data->packet);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->header.source, kHoa);
  EXPECT_EQ(ip->header.destination, kHa);
  auto icmp = wire::decodeIcmpv4(ip->payload);
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp->type, wire::icmpv4_type::kEchoRequest);
  EXPECT_EQ(mn.stats().keepalives_sent, 1u);
}

TEST_F(MobileNodeTest, TrafficToTheHomeAgentPostponesTheKeepalive) {
  (void)registerAt(
      coa, {wire::UdpTunnelReplyExtension{wire::UdpTunnelReplyCode::WillTunnel, false, 20}});
  const TimePoint registered = clock.now();
  clock.set(registered + 15s);
  PacketBuffer packet = bufferOf(ipv4Packet(kHoa, kCorrespondent));
  ASSERT_EQ(mn.encapsulate(packet, clock.now()).verdict, SendVerdict::Tunnel);
  EXPECT_EQ(mn.nextDeadline(), registered + 35s);
  clock.set(registered + 20s);
  EXPECT_TRUE(sends(timer()).empty());
  clock.set(registered + 35s);
  EXPECT_EQ(sends(timer()).size(), 1u);
}

TEST_F(MobileNodeTest, KeepaliveIntervalZeroMeansTheConfiguredDefault) {
  (void)registerAt(coa,
                   {wire::UdpTunnelReplyExtension{wire::UdpTunnelReplyCode::WillTunnel, false, 0}});
  EXPECT_EQ(mn.snapshot(clock.now()).keepalive_interval, 110s);
  EXPECT_EQ(mn.nextDeadline(), clock.now() + 110s);
}

TEST_F(MobileNodeTest, AnsweredKeepaliveIsConsumed) {
  (void)registerAt(
      coa, {wire::UdpTunnelReplyExtension{wire::UdpTunnelReplyCode::WillTunnel, false, 20}});
  clock.advance(20s);
  const auto keepalive = sends(timer()).at(0);
  // The HA's answer: the echo turned around.
  auto data = *wire::decodeTunnelData(keepalive.payload);
  auto ip = *wire::decodeIpv4(data.packet);
  auto echo = std::get<wire::Icmpv4Echo>(wire::decodeIcmpv4(ip.payload)->body);
  PacketBuffer answer_packet;
  ASSERT_TRUE(answer_packet.assign(Bytes(echo.data.begin(), echo.data.end())));
  ASSERT_TRUE(wire::prependIcmpv4EchoReply(answer_packet, echo.identifier, echo.sequence));
  wire::Ipv4Header h;
  h.protocol = wire::ip_protocol::kIcmp;
  h.source = kHa;
  h.destination = kHoa;
  ASSERT_TRUE(wire::prependIpv4(answer_packet, h));
  PacketBuffer b = bufferOf(tunnelData(bytesOf(answer_packet), wire::kTunnelDataNextHeaderIpv4));
  clock.advance(1s);
  EXPECT_EQ(mn.onUdpTunnelData(b, {kHa, 434}, std::nullopt, clock.now()).verdict,
            ReceiveVerdict::Consumed);
  EXPECT_EQ(mn.stats().keepalive_replies, 1u);
  // Next keep-alive K after the last one sent, no answer deadline pending.
  EXPECT_EQ(mn.nextDeadline(), clock.now() - 1s + 20s);
}

TEST_F(MobileNodeTest, UnansweredKeepalivesTriggerAReRegistration) {
  (void)registerAt(
      coa, {wire::UdpTunnelReplyExtension{wire::UdpTunnelReplyCode::WillTunnel, false, 20}});
  clock.advance(20s);
  ASSERT_EQ(sends(timer()).at(0).kind, DatagramKind::Keepalive);
  // Answer timeout 5 s: two more keep-alives, then the third miss re-registers.
  clock.advance(5s);
  ASSERT_EQ(sends(timer()).at(0).kind, DatagramKind::Keepalive);
  clock.advance(5s);
  ASSERT_EQ(sends(timer()).at(0).kind, DatagramKind::Keepalive);
  clock.advance(5s);
  unix_time = kUnixStart + 35s;
  const auto actions = timer();
  const auto request = requestIn(actions);
  EXPECT_EQ(request.care_of_address, kCoa);
  EXPECT_EQ(mn.stats().keepalive_failures, 1u);
  EXPECT_EQ(mn.stats().keepalives_sent, 3u);
  EXPECT_EQ(mn.state(), MobileNodeState::Registering);
}

TEST_F(MobileNodeTest, DeclinedOrMissingUdpTunnelReplyMeansIpInIp) {
  (void)registerAt(coa, {wire::UdpTunnelReplyExtension{
                            wire::UdpTunnelReplyCode::DeclinedReasonUnspecified, false, 0}});
  EXPECT_EQ(mn.dataPath().transport, TunnelTransport::IpInIp);
  EXPECT_EQ(mn.snapshot(clock.now()).next_keepalive, std::nullopt);
}

TEST_F(MobileNodeTest, StopDeregistersAndUnconfigures) {
  (void)registerAt(coa);
  const auto actions = mn.onStop(clock.now(), unix_time);
  const auto request = requestIn(actions);
  EXPECT_EQ(request.lifetime, 0);
  EXPECT_EQ(request.care_of_address, kHoa);  // every binding (RFC 5944 §3.6.1.2)
  EXPECT_EQ(wire::findMipv4Extension<wire::Ipv6PrefixRequestExtension>(request.extensions),
            nullptr);
  EXPECT_EQ(mn.state(), MobileNodeState::Deregistering);
  const auto done = answer(request, RegistrationReplyCode::Accepted, 0);
  EXPECT_TRUE(mn.stopped());
  EXPECT_EQ(actionsOf<ConfigureHomeAddress>(done),
            (std::vector<ConfigureHomeAddress>{{kHoa, false}}));
  EXPECT_EQ(actionsOf<ConfigureIpv6Prefix>(done).size(), 1u);
  EXPECT_FALSE(actionsOf<ConfigureIpv6Prefix>(done).at(0).enable);
  EXPECT_FALSE(mn.dataPath().active);
  EXPECT_EQ(mn.nextDeadline(), std::nullopt);
  EXPECT_EQ(mn.stats().deregistrations, 1u);
}

TEST_F(MobileNodeTest, StopGivesUpAfterTheConfiguredAttempts) {
  (void)registerAt(coa);
  (void)requestIn(mn.onStop(clock.now(), unix_time));
  clock.advance(1s);
  (void)requestIn(timer());
  clock.advance(2s);
  (void)requestIn(timer());
  clock.advance(4s);
  const auto last = timer();
  EXPECT_TRUE(sends(last).empty());
  EXPECT_TRUE(mn.stopped());
}

TEST_F(MobileNodeTest, StopWithoutRegistrationStopsAtOnce) {
  EXPECT_TRUE(sends(mn.onStop(clock.now(), unix_time)).empty());
  EXPECT_TRUE(mn.stopped());
}

TEST_F(MobileNodeTest, BackOnTheHomeLinkDeregisters) {
  (void)registerAt(coa);
  const auto actions = attach(CareOfAddress{kHoa, kMnPort, "eth0"});
  const auto request = requestIn(actions);
  EXPECT_EQ(request.lifetime, 0);
  EXPECT_EQ(request.care_of_address, kHoa);
  EXPECT_EQ(sends(actions).at(0).source.address, kHoa);
  EXPECT_FALSE(mn.dataPath().active);
  (void)answer(request, RegistrationReplyCode::Accepted, 0);
  EXPECT_EQ(mn.state(), MobileNodeState::AtHome);
  // Leaving home again registers.
  (void)requestIn(attach(coa2));
  EXPECT_EQ(mn.state(), MobileNodeState::Registering);
}

TEST_F(MobileNodeTest, LinkLocalRegistrationThenDelegatedPrefixes) {
  // RFC 5454 §3.7.1: register the HoA and a link-local address first, then, once DHCPv6-PD
  // has delegated a prefix, re-register with it.
  const Ipv6Address link_local = tunnelLinkLocalAddress(kHoa);
  EXPECT_EQ(link_local, v6("fe80::a01:5"));
  (void)mn.setPrefixRequests({PrefixRequest{Ipv6Prefix{link_local, 64}, true, std::nullopt}},
                             clock.now(), unix_time);
  const auto request = requestIn(attach(coa));
  EXPECT_EQ(std::get<wire::Ipv6PrefixRequestExtension>(request.extensions.at(0)),
            (wire::Ipv6PrefixRequestExtension{255, link_local}));
  const auto accepted =
      answer(request, RegistrationReplyCode::Accepted, std::nullopt,
             echoPrefixes(request, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress));
  EXPECT_EQ(actionsOf<ConfigureIpv6Prefix>(accepted),
            (std::vector<ConfigureIpv6Prefix>{{Ipv6Prefix{link_local, 128}, link_local, true,
                                               Ipv6TunnelMode::ToHomeAddress, true}}));
  // Delegated prefix: the link-local stays, the new prefix is added, re-registration at once.
  const auto update =
      mn.setPrefixRequests({PrefixRequest{Ipv6Prefix{link_local, 64}, true, std::nullopt},
                            PrefixRequest{p6("2001:db8:abcd:10::/60"), false, std::nullopt}},
                           clock.now(), unix_time);
  const auto again = requestIn(update);
  EXPECT_EQ(wire::countMipv4Extensions<wire::Ipv6PrefixRequestExtension>(again.extensions), 2u);
  EXPECT_TRUE(actionsOf<ConfigureIpv6Prefix>(update).empty());  // nothing removed
}

TEST(MobileNodeConfigTest, ValidationNamesTheKey) {
  EXPECT_TRUE(validateMobileNodeConfig(mnConfig()));
  auto c = mnConfig();
  c.key.spi = 255;
  Status s = validateMobileNodeConfig(c);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("key.spi"), std::string::npos);
  c = mnConfig();
  c.prefixes.push_back(PrefixRequest{p6("2001:db8::/64"), true, std::nullopt});
  s = validateMobileNodeConfig(c);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("prefixes[1]"), std::string::npos);
  c = mnConfig();
  c.initial_retransmission = 500ms;
  EXPECT_FALSE(validateMobileNodeConfig(c));
  c = mnConfig();
  c.home_agent = kHoa;
  EXPECT_FALSE(validateMobileNodeConfig(c));
  c = mnConfig();
  c.reregistration_percent = 100;
  EXPECT_FALSE(validateMobileNodeConfig(c));
  c = mnConfig();
  c.prefixes[0].address = v6("2001:db8:1::1");
  EXPECT_FALSE(validateMobileNodeConfig(c));
}

// --- reload (MobileNode::reconfigure) ----------------------------------------------------------

TEST_F(MobileNodeTest, ReconfiguredRetransmissionCapAppliesFromTheNextTransmission) {
  (void)attach(coa);
  const TimePoint t0 = clock.now();
  MobileNodeConfig c = mnConfig();
  c.max_retransmission = 6s;
  c.lifetime = 60s;  // sent in requests: needs a restart
  const auto actions = mn.reconfigure(c, clock.now());
  EXPECT_TRUE(sends(actions).empty());
  EXPECT_EQ(actionsOf<LogEvent>(actions).size(), 1u);
  EXPECT_EQ(mn.state(), MobileNodeState::Registering);
  // The armed 1 s runs out, then 2, 4 and the new cap of 6 s (32 s before the reload).
  const Duration expected[] = {1s, 2s, 4s, 6s, 6s};
  TimePoint t = t0;
  for (const Duration gap : expected) {
    t += gap;
    ASSERT_EQ(mn.nextDeadline(), t);
    clock.set(t);
    unix_time = kUnixStart + (t - t0);
    const auto request = requestIn(timer());
    EXPECT_EQ(request.lifetime, 600);  // the running lifetime
  }
}

TEST_F(MobileNodeTest, ReconfiguredTunnelTtlAppliesToTheRegisteredPath) {
  (void)registerAt(coa);
  MobileNodeConfig c = mnConfig();
  c.tunnel_ttl = 9;
  (void)mn.reconfigure(c, clock.now());
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);  // the registration is kept
  PacketBuffer b = bufferOf(ipv4Packet(kHoa, kCorrespondent));
  const SendDecision d = mn.encapsulate(b, clock.now());
  ASSERT_EQ(d.verdict, SendVerdict::Tunnel);
  EXPECT_EQ(d.encapsulation.outer.ttl, 9);
}

}  // namespace
}  // namespace dsmip::dsmip4::test
