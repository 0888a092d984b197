// Home agent registration processing (RFC 5944 §3.8, §5.7): acceptance, lifetimes, expiry,
// authentication, replay protection, the request checks and deregistration.
#include <gtest/gtest.h>

#include "dsmip4_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::dsmip4::test {
namespace {

using wire::RegistrationReplyCode;
using namespace std::chrono_literals;

class HomeAgentRegistrationTest : public ::testing::Test {
 protected:
  explicit HomeAgentRegistrationTest(HomeAgentConfig config = haConfig()) : ha(std::move(config)) {}

  /// A fresh, increasing Identification at the current wall-clock time.
  std::uint64_t freshId() { return ntpAt(unix_time) + (++id_counter << 8); }

  HomeAgentActions send(const Bytes& payload, Ipv4Endpoint source = {kCoa, kMnPort},
                        Ipv4Address destination = kHa) {
    return ha.onRegistrationRequest(payload, DatagramAddresses{source, {destination, 434}},
                                    clock.now(), unix_time);
  }
  HomeAgentActions send(const wire::RegistrationRequest& r, const wire::Mipv4AuthKey& key = key1(),
                        Ipv4Endpoint source = {kCoa, kMnPort}, Ipv4Address destination = kHa) {
    return send(encodeRequest(r, key), source, destination);
  }
  void advance(Duration d) {
    clock.advance(d);
    unix_time += d;
  }

  HomeAgent ha;
  dsmip::test::FakeClock clock;
  std::chrono::nanoseconds unix_time = kUnixStart;
  std::uint64_t id_counter = 0;
};

TEST_F(HomeAgentRegistrationTest, AcceptsAuthenticatedRequestAndAuthenticatesTheReply) {
  const auto request = baseRequest(freshId());
  const auto actions = send(request);
  const auto s = sends(actions);
  ASSERT_EQ(s.size(), 1u);
  // RFC 5944 §3.8.3.1: to the request's source address and port, from the HA on 434.
  EXPECT_EQ(s[0].destination, (Ipv4Endpoint{kCoa, kMnPort}));
  EXPECT_EQ(s[0].source, (Ipv4Endpoint{kHa, 434}));
  const auto reply = onlyReply(actions, key1());
  EXPECT_EQ(reply.code, RegistrationReplyCode::Accepted);
  EXPECT_EQ(reply.lifetime, 600);
  EXPECT_EQ(reply.home_address, kHoa);
  EXPECT_EQ(reply.home_agent, kHa);
  EXPECT_EQ(reply.identification, request.identification);
  // Only the MN-HA authentication: no prefix and no UDP tunnel request were asked for.
  ASSERT_EQ(reply.extensions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<wire::MobileHomeAuthExtension>(reply.extensions[0]));

  const auto intercepts = actionsOf<InterceptHomeAddress>(actions);
  ASSERT_EQ(intercepts.size(), 1u);
  EXPECT_EQ(intercepts[0], (InterceptHomeAddress{kHoa, true}));

  const auto snap = ha.snapshot(clock.now());
  ASSERT_EQ(snap.bindings.size(), 1u);
  EXPECT_EQ(snap.bindings[0].home_address, kHoa);
  EXPECT_EQ(snap.bindings[0].care_of_address, kCoa);
  EXPECT_FALSE(snap.bindings[0].nat_detected);
  EXPECT_EQ(snap.bindings[0].transport, TunnelTransport::IpInIp);
  EXPECT_TRUE(snap.bindings[0].reverse_tunnel);
  EXPECT_EQ(snap.bindings[0].remaining, Duration{600s});
  EXPECT_EQ(ha.stats().registrations_accepted, 1u);
  EXPECT_EQ(ha.stats().reply_codes[0], 1u);
}

TEST_F(HomeAgentRegistrationTest, SimultaneousBindingsAreRefusedWithCode1AndReplaced) {
  auto first = baseRequest(freshId());
  first.flags.simultaneous_bindings = true;
  EXPECT_EQ(onlyReply(send(first), key1()).code,
            RegistrationReplyCode::AcceptedNoSimultaneousBindings);
  auto second = baseRequest(freshId(), kHoa, kCoa2);
  second.flags.simultaneous_bindings = true;
  const auto actions = send(second, key1(), {kCoa2, kMnPort});
  EXPECT_EQ(onlyReply(actions, key1()).code, RegistrationReplyCode::AcceptedNoSimultaneousBindings);
  // The binding is replaced, not added: no second intercept, one binding at the new CoA.
  EXPECT_TRUE(actionsOf<InterceptHomeAddress>(actions).empty());
  const auto snap = ha.snapshot(clock.now());
  ASSERT_EQ(snap.bindings.size(), 1u);
  EXPECT_EQ(snap.bindings[0].care_of_address, kCoa2);
}

TEST_F(HomeAgentRegistrationTest, GrantsAtMostThePolicyLifetime) {
  auto request = baseRequest(freshId());
  request.lifetime = 5000;
  EXPECT_EQ(onlyReply(send(request), key1()).lifetime, 1800);
  request = baseRequest(freshId());
  request.lifetime = wire::kMipv4InfiniteLifetime;
  EXPECT_EQ(onlyReply(send(request), key1()).lifetime, 1800);
  EXPECT_EQ(ha.nextDeadline(), clock.now() + 1800s);
}

TEST(HomeAgentLifetimeTest, InfiniteLifetimeWhenThePolicyAllowsIt) {
  HomeAgentConfig config = haConfig();
  config.mobile_nodes[0].max_lifetime = std::chrono::seconds{65535};
  HomeAgent ha{config};
  auto request = baseRequest(ntpAt(kUnixStart));
  request.lifetime = wire::kMipv4InfiniteLifetime;
  const auto actions = ha.onRegistrationRequest(encodeRequest(request, key1()),
                                                {{kCoa, kMnPort}, {kHa, 434}}, {}, kUnixStart);
  EXPECT_EQ(onlyReply(actions, key1()).lifetime, wire::kMipv4InfiniteLifetime);
  EXPECT_EQ(ha.nextDeadline(), std::nullopt);
  EXPECT_EQ(ha.snapshot({}).bindings.at(0).remaining, std::nullopt);
}

TEST_F(HomeAgentRegistrationTest, ExpiresTheBindingWhenItsLifetimeEnds) {
  auto request = baseRequest(freshId());
  request.lifetime = 30;
  (void)send(request);
  const TimePoint registered = clock.now();
  EXPECT_EQ(ha.nextDeadline(), registered + 30s);
  EXPECT_TRUE(ha.onTimer(registered + 29s).empty());
  const auto actions = ha.onTimer(registered + 30s);
  const auto intercepts = actionsOf<InterceptHomeAddress>(actions);
  ASSERT_EQ(intercepts.size(), 1u);
  EXPECT_EQ(intercepts[0], (InterceptHomeAddress{kHoa, false}));
  EXPECT_TRUE(ha.snapshot(registered + 30s).bindings.empty());
  EXPECT_EQ(ha.stats().bindings_expired, 1u);
  EXPECT_EQ(ha.nextDeadline(), std::nullopt);
}

TEST_F(HomeAgentRegistrationTest, ReRegistrationExtendsTheLifetime) {
  (void)send(baseRequest(freshId()));
  advance(500s);
  (void)send(baseRequest(freshId()));
  EXPECT_EQ(ha.nextDeadline(), clock.now() + 600s);
  EXPECT_TRUE(ha.onTimer(clock.now() + 100s).empty());
}

TEST_F(HomeAgentRegistrationTest, BadAuthenticatorIsRejectedWith131) {
  wire::Mipv4AuthKey wrong = key1();
  wrong.key[0] ^= 0xFF;
  const auto actions = send(baseRequest(freshId()), wrong);
  // The reply itself carries a valid MN-HA authenticator (RFC 5944 §3.8.2.1).
  const auto reply = onlyReply(actions, key1());
  EXPECT_EQ(reply.code, RegistrationReplyCode::HaMobileNodeFailedAuthentication);
  EXPECT_EQ(reply.lifetime, 0);
  EXPECT_TRUE(actionsOf<InterceptHomeAddress>(actions).empty());
  EXPECT_EQ(actionsOf<LogEvent>(actions).size(), 1u);  // a security exception, logged
  EXPECT_TRUE(ha.snapshot(clock.now()).bindings.empty());
  EXPECT_EQ(ha.stats().authentication_failures, 1u);
}

TEST_F(HomeAgentRegistrationTest, UnknownSpiIsRejectedWith131) {
  wire::Mipv4AuthKey other = key1();
  other.spi = 0x1001;
  EXPECT_EQ(onlyReply(send(baseRequest(freshId()), other), key1()).code,
            RegistrationReplyCode::HaMobileNodeFailedAuthentication);
}

TEST_F(HomeAgentRegistrationTest, SecurityLogIsRateLimited) {
  wire::Mipv4AuthKey wrong = key1();
  wrong.key[1] ^= 0x01;
  std::size_t logs = 0;
  for (int i = 0; i < 100; ++i)
    logs += actionsOf<LogEvent>(send(baseRequest(freshId()), wrong)).size();
  EXPECT_LT(logs, 30u);
  EXPECT_EQ(ha.stats().authentication_failures, 100u);
}

TEST_F(HomeAgentRegistrationTest, RequestWithoutAuthenticationIsSilentlyDiscarded) {
  const auto request = baseRequest(freshId());
  Bytes payload(256);
  ByteWriter w{payload};
  ASSERT_TRUE(wire::encodeRegistrationRequest(request, w));
  payload.resize(w.size());
  EXPECT_TRUE(send(payload).empty());
  EXPECT_EQ(ha.stats().discarded[static_cast<std::size_t>(RequestDiscard::NoAuthentication)], 1u);
}

TEST_F(HomeAgentRegistrationTest, DuplicatedAuthenticationIsSilentlyDiscarded) {
  auto request = baseRequest(freshId());
  request.extensions.emplace_back(wire::MobileHomeAuthExtension{0x1000, Bytes(16, 0)});
  Bytes payload(256);
  ByteWriter w{payload};
  ASSERT_TRUE(wire::encodeRegistrationRequest(request, w));
  ASSERT_TRUE(wire::appendMobileHomeAuth(w, key1()));
  payload.resize(w.size());
  EXPECT_TRUE(send(payload).empty());
  EXPECT_EQ(ha.stats().discarded[static_cast<std::size_t>(RequestDiscard::BadAuthenticationLayout)],
            1u);
}

TEST_F(HomeAgentRegistrationTest, UnknownHomeAddressIsSilentlyDiscarded) {
  EXPECT_TRUE(send(baseRequest(freshId(), v4("10.1.0.77"))).empty());
  EXPECT_EQ(ha.stats().discarded[static_cast<std::size_t>(RequestDiscard::UnknownHomeAddress)], 1u);
}

TEST_F(HomeAgentRegistrationTest, UnknownNonSkippableExtensionDiscardsTheMessage) {
  auto request = baseRequest(freshId());
  request.extensions.emplace_back(
      wire::Mipv4UnknownExtension{100, Bytes{1, 2}, wire::Mipv4SkipReason::UnknownType});
  EXPECT_TRUE(send(request).empty());  // RFC 5944 §1.8: silently
  EXPECT_EQ(ha.stats().discarded[static_cast<std::size_t>(RequestDiscard::UnknownExtension)], 1u);
}

TEST_F(HomeAgentRegistrationTest, UnknownSkippableExtensionIsIgnored) {
  auto request = baseRequest(freshId());
  request.extensions.emplace_back(
      wire::Mipv4UnknownExtension{200, Bytes{1, 2, 3}, wire::Mipv4SkipReason::UnknownType});
  EXPECT_EQ(onlyReply(send(request), key1()).code, RegistrationReplyCode::Accepted);
}

TEST_F(HomeAgentRegistrationTest, OtherMessageTypesAreDiscarded) {
  wire::RegistrationReply reply;
  reply.home_address = kHoa;
  EXPECT_TRUE(send(encodeReply(reply, key1())).empty());
  EXPECT_TRUE(send(Bytes{}).empty());
  EXPECT_EQ(ha.stats().discarded[static_cast<std::size_t>(RequestDiscard::NotARequest)], 2u);
}

TEST_F(HomeAgentRegistrationTest, ReplayedRequestIsRefusedWith133AndDoesNotExtendTheBinding) {
  const auto request = baseRequest(freshId());
  const Bytes payload = encodeRequest(request, key1());
  ASSERT_EQ(onlyReply(send(payload), key1()).code, RegistrationReplyCode::Accepted);
  advance(3s);
  const auto replayed = send(payload);
  const auto reply = onlyReply(replayed, key1());
  EXPECT_EQ(reply.code, RegistrationReplyCode::HaIdentificationMismatch);
  // RFC 5944 §5.7: low 32 bits copied, high 32 bits from the HA's clock.
  EXPECT_EQ(wire::identificationLow(reply.identification),
            wire::identificationLow(request.identification));
  EXPECT_EQ(wire::identificationHigh(reply.identification),
            wire::identificationHigh(ntpAt(unix_time)));
  EXPECT_EQ(actionsOf<LogEvent>(replayed).size(), 1u);
  EXPECT_EQ(ha.stats().identification_mismatches, 1u);
  // The duplicate did not extend the lifetime (RFC 5944 §3.8.2.2).
  EXPECT_EQ(ha.snapshot(clock.now()).bindings.at(0).remaining, Duration{597s});
}

TEST_F(HomeAgentRegistrationTest, OlderIdentificationThanTheLastAcceptedIsRefused) {
  const std::uint64_t older = freshId();
  const std::uint64_t newer = freshId();
  ASSERT_EQ(onlyReply(send(baseRequest(newer)), key1()).code, RegistrationReplyCode::Accepted);
  EXPECT_EQ(onlyReply(send(baseRequest(older)), key1()).code,
            RegistrationReplyCode::HaIdentificationMismatch);
}

TEST_F(HomeAgentRegistrationTest, TimestampsOutsideTheToleranceAreRefused) {
  // Default tolerance 7 s (RFC 5944 §5.7).
  EXPECT_EQ(onlyReply(send(baseRequest(ntpAt(unix_time - 8s))), key1()).code,
            RegistrationReplyCode::HaIdentificationMismatch);
  EXPECT_EQ(onlyReply(send(baseRequest(ntpAt(unix_time + 8s))), key1()).code,
            RegistrationReplyCode::HaIdentificationMismatch);
  EXPECT_EQ(onlyReply(send(baseRequest(ntpAt(unix_time - 6s))), key1()).code,
            RegistrationReplyCode::Accepted);
}

TEST(HomeAgentToleranceTest, ToleranceIsConfigurable) {
  HomeAgentConfig config = haConfig();
  config.mobile_nodes[0].identification_tolerance = std::chrono::seconds{30};
  HomeAgent ha{config};
  const auto actions =
      ha.onRegistrationRequest(encodeRequest(baseRequest(ntpAt(kUnixStart - 20s)), key1()),
                               {{kCoa, kMnPort}, {kHa, 434}}, {}, kUnixStart);
  EXPECT_EQ(onlyReply(actions, key1()).code, RegistrationReplyCode::Accepted);
}

TEST_F(HomeAgentRegistrationTest, MobileNodeResynchronisesWithTheHighBitsOf133) {
  // A MN whose clock is an hour behind is refused; with the HA's seconds it is accepted.
  const std::uint64_t skewed = ntpAt(unix_time - 3600s);
  const auto reply = onlyReply(send(baseRequest(skewed)), key1());
  ASSERT_EQ(reply.code, RegistrationReplyCode::HaIdentificationMismatch);
  const std::uint64_t resynchronised =
      wire::makeIdentification(wire::identificationHigh(reply.identification), 0x12345678);
  EXPECT_EQ(onlyReply(send(baseRequest(resynchronised)), key1()).code,
            RegistrationReplyCode::Accepted);
}

TEST_F(HomeAgentRegistrationTest, ReservedFlagBitsAreRejectedWith134) {
  auto request = baseRequest(freshId());
  request.flags.reserved_r = true;
  EXPECT_EQ(onlyReply(send(request), key1()).code, RegistrationReplyCode::HaPoorlyFormedRequest);
  request = baseRequest(freshId());
  request.flags.reserved_x = true;
  EXPECT_EQ(onlyReply(send(request), key1()).code, RegistrationReplyCode::HaPoorlyFormedRequest);
  EXPECT_TRUE(ha.snapshot(clock.now()).bindings.empty());
}

TEST_F(HomeAgentRegistrationTest, WrongHomeAgentAddressOrBroadcastIsRejectedWith136) {
  auto request = baseRequest(freshId());
  request.home_agent = v4("203.0.113.9");
  auto reply = onlyReply(send(request), key1());
  EXPECT_EQ(reply.code, RegistrationReplyCode::HaUnknownHomeAgentAddress);
  EXPECT_EQ(reply.home_agent, kHa);  // our unicast address, for dynamic HA discovery
  // Sent to the home subnet-directed broadcast, or the limited broadcast.
  EXPECT_EQ(
      onlyReply(send(baseRequest(freshId()), key1(), {kCoa, kMnPort}, v4("10.1.0.255")), key1())
          .code,
      RegistrationReplyCode::HaUnknownHomeAgentAddress);
  EXPECT_EQ(onlyReply(send(baseRequest(freshId()), key1(), {kCoa, kMnPort}, v4("255.255.255.255")),
                      key1())
                .code,
            RegistrationReplyCode::HaUnknownHomeAgentAddress);
}

TEST_F(HomeAgentRegistrationTest, MinimalOrGreEncapsulationIsRejectedWith139) {
  auto request = baseRequest(freshId());
  request.flags.minimal_encapsulation = true;
  EXPECT_EQ(onlyReply(send(request), key1()).code,
            RegistrationReplyCode::HaEncapsulationUnavailable);
  request = baseRequest(freshId());
  request.flags.gre_encapsulation = true;
  EXPECT_EQ(onlyReply(send(request), key1()).code,
            RegistrationReplyCode::HaEncapsulationUnavailable);
}

class HomeAgentReverseTunnelPolicyTest : public HomeAgentRegistrationTest {
 protected:
  static HomeAgentConfig config() {
    HomeAgentConfig c = haConfig();
    c.mobile_nodes[0].require_reverse_tunnel = true;
    return c;
  }
  HomeAgentReverseTunnelPolicyTest() : HomeAgentRegistrationTest(config()) {}
};

TEST_F(HomeAgentReverseTunnelPolicyTest, MissingTIsRejectedWith138WhenRequired) {
  auto request = baseRequest(freshId());
  request.flags.reverse_tunneling = false;
  EXPECT_EQ(onlyReply(send(request), key1()).code, RegistrationReplyCode::HaReverseTunnelMandatory);
  EXPECT_EQ(onlyReply(send(baseRequest(freshId())), key1()).code, RegistrationReplyCode::Accepted);
}

TEST_F(HomeAgentRegistrationTest, MissingTIsAcceptedByDefault) {
  auto request = baseRequest(freshId());
  request.flags.reverse_tunneling = false;
  EXPECT_EQ(onlyReply(send(request), key1()).code, RegistrationReplyCode::Accepted);
  EXPECT_FALSE(ha.snapshot(clock.now()).bindings.at(0).reverse_tunnel);
}

TEST_F(HomeAgentRegistrationTest, DeregistrationWithCareOfEqualToHomeAddressRemovesEverything) {
  auto request = baseRequest(freshId());
  request.extensions = {prefixRequest("2001:db8:abcd::/48")};
  (void)send(request);
  auto deregistration = baseRequest(freshId(), kHoa, kHoa);
  deregistration.lifetime = 0;
  const auto actions = send(deregistration, key1(), {kHoa, kMnPort});
  const auto reply = onlyReply(actions, key1());
  EXPECT_EQ(reply.code, RegistrationReplyCode::Accepted);
  EXPECT_EQ(reply.lifetime, 0);
  EXPECT_TRUE(prefixReplies(reply).empty());
  EXPECT_EQ(actionsOf<InterceptHomeAddress>(actions),
            (std::vector<InterceptHomeAddress>{{kHoa, false}}));
  EXPECT_EQ(actionsOf<InterceptIpv6Prefix>(actions),
            (std::vector<InterceptIpv6Prefix>{{kHoa, p6("2001:db8:abcd::/48"), false, false}}));
  EXPECT_TRUE(ha.snapshot(clock.now()).bindings.empty());
  EXPECT_EQ(ha.nextDeadline(), std::nullopt);
  EXPECT_EQ(ha.stats().deregistrations, 1u);
}

TEST_F(HomeAgentRegistrationTest, DeregistrationOfTheRegisteredCareOfRemovesTheBinding) {
  (void)send(baseRequest(freshId()));
  auto deregistration = baseRequest(freshId());
  deregistration.lifetime = 0;
  EXPECT_EQ(onlyReply(send(deregistration), key1()).code, RegistrationReplyCode::Accepted);
  EXPECT_TRUE(ha.snapshot(clock.now()).bindings.empty());
}

TEST_F(HomeAgentRegistrationTest, DeregistrationOfAnotherCareOfKeepsTheBinding) {
  (void)send(baseRequest(freshId()));
  auto deregistration = baseRequest(freshId(), kHoa, kCoa2);
  deregistration.lifetime = 0;
  const auto actions = send(deregistration, key1(), {kCoa2, kMnPort});
  EXPECT_EQ(onlyReply(actions, key1()).code, RegistrationReplyCode::Accepted);
  EXPECT_TRUE(actionsOf<InterceptHomeAddress>(actions).empty());
  EXPECT_EQ(ha.snapshot(clock.now()).bindings.size(), 1u);
}

TEST_F(HomeAgentRegistrationTest, ShutdownReleasesEveryIntercept) {
  auto request = baseRequest(freshId());
  request.extensions = {prefixRequest("2001:db8:abcd::/48")};
  (void)send(request);
  const auto actions = ha.onShutdown(clock.now());
  EXPECT_EQ(actionsOf<InterceptHomeAddress>(actions).size(), 1u);
  EXPECT_EQ(actionsOf<InterceptIpv6Prefix>(actions).size(), 1u);
  EXPECT_TRUE(ha.snapshot(clock.now()).bindings.empty());
}

TEST(HomeAgentConfigTest, ValidationNamesTheKey) {
  EXPECT_TRUE(validateHomeAgentConfig(haConfig()));
  auto reserved_spi = haConfig();
  reserved_spi.mobile_nodes[1].key.spi = 200;
  const Status s = validateHomeAgentConfig(reserved_spi);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("mobile_nodes[1].key.spi"), std::string::npos);
  auto duplicate = haConfig();
  duplicate.mobile_nodes[1].home_address = kHoa;
  EXPECT_FALSE(validateHomeAgentConfig(duplicate));
  auto empty_key = haConfig();
  empty_key.mobile_nodes[0].key.key.clear();
  EXPECT_FALSE(validateHomeAgentConfig(empty_key));
  auto no_address = haConfig();
  no_address.address = Ipv4Address{};
  EXPECT_FALSE(validateHomeAgentConfig(no_address));
  auto zero_tolerance = haConfig();
  zero_tolerance.mobile_nodes[0].identification_tolerance = std::chrono::seconds{0};
  EXPECT_FALSE(validateHomeAgentConfig(zero_tolerance));
}

}  // namespace
}  // namespace dsmip::dsmip4::test
