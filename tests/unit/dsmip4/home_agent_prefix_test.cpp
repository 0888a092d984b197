// Home agent IPv6 prefix registration (RFC 5454 §3.3, §3.7.1, §3.8): reply codes 0, 1, 8, 9
// by policy, one reply per prefix, the prefix field echoed, link-local registration, overlap
// refusal, removal by omission, lifetime and deregistration.
#include <gtest/gtest.h>

#include "dsmip4_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::dsmip4::test {
namespace {

using wire::Ipv6PrefixReplyCode;
using wire::RegistrationReplyCode;
using namespace std::chrono_literals;

class HomeAgentPrefixTest : public ::testing::Test {
 protected:
  explicit HomeAgentPrefixTest(HomeAgentConfig config = haConfig()) : ha(std::move(config)) {}

  std::uint64_t freshId() { return ntpAt(kUnixStart) + (++counter << 8); }

  wire::RegistrationReply registerPrefixes(std::vector<wire::Mipv4Extension> extensions,
                                           Ipv4Address home_address = kHoa,
                                           HomeAgentActions* actions_out = nullptr,
                                           std::uint16_t lifetime = 600) {
    auto request = baseRequest(freshId(), home_address, home_address == kHoa ? kCoa : kCoa2);
    request.lifetime = lifetime;
    request.extensions = std::move(extensions);
    const auto& key = home_address == kHoa ? key1() : key2();
    const auto actions = ha.onRegistrationRequest(encodeRequest(request, key),
                                                  {{request.care_of_address, kMnPort}, {kHa, 434}},
                                                  clock.now(), kUnixStart);
    if (actions_out != nullptr) *actions_out = actions;
    return onlyReply(actions, key);
  }

  std::vector<HomeAgentPrefixInfo> registered(Ipv4Address home_address = kHoa) {
    for (const auto& b : ha.snapshot(clock.now()).bindings) {
      if (b.home_address == home_address) return b.prefixes;
    }
    return {};
  }

  SendVerdict forwardTo(const Ipv6Address& destination) {
    PacketBuffer packet = bufferOf(ipv6Packet(v6("2001:db8:99::1"), destination));
    return ha.forwardFromHome(packet, clock.now()).verdict;
  }

  HomeAgent ha;
  dsmip::test::FakeClock clock;
  std::uint64_t counter = 0;
};

TEST_F(HomeAgentPrefixTest, WithoutTunnelingModeThePrefixIsTunnelledToTheHomeAddress) {
  HomeAgentActions actions;
  const auto reply = registerPrefixes({prefixRequest("2001:db8:abcd::/48")}, kHoa, &actions);
  ASSERT_EQ(reply.code, RegistrationReplyCode::Accepted);
  const auto replies = prefixReplies(reply);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].code, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
  EXPECT_EQ(replies[0].prefix_length, 48);
  EXPECT_EQ(replies[0].prefix, v6("2001:db8:abcd::"));
  EXPECT_EQ(actionsOf<InterceptIpv6Prefix>(actions),
            (std::vector<InterceptIpv6Prefix>{{kHoa, p6("2001:db8:abcd::/48"), false, true}}));
  EXPECT_EQ(registered(), (std::vector<HomeAgentPrefixInfo>{
                              {p6("2001:db8:abcd::/48"), false, Ipv6TunnelMode::ToHomeAddress}}));
  EXPECT_EQ(ha.stats().prefixes_accepted_to_home_address, 1u);
}

TEST_F(HomeAgentPrefixTest, TunnelingModeExtensionGivesCode1) {
  const auto reply =
      registerPrefixes({prefixRequest("2001:db8:abcd::/48"), wire::Ipv6TunnelingModeExtension{}});
  EXPECT_EQ(prefixReplies(reply).at(0).code, Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress);
  EXPECT_EQ(registered().at(0).mode, Ipv6TunnelMode::ToCareOfAddress);
  EXPECT_EQ(ha.stats().prefixes_accepted_to_care_of, 1u);
}

TEST_F(HomeAgentPrefixTest, HomeAddressOnlyPolicyIgnoresTheTunnelingMode) {
  const auto reply =
      registerPrefixes({prefixRequest("2001:db8:ff10::/48"), prefixRequest("2001:db8:abcd:1::/64"),
                        wire::Ipv6TunnelingModeExtension{}});
  const auto replies = prefixReplies(reply);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].code, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
  EXPECT_EQ(replies[1].code, Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress);
}

TEST_F(HomeAgentPrefixTest, TunnelingModeIsIgnoredWithoutACoLocatedCareOf) {
  // RFC 5454 §3.5: the extension MUST NOT be used in FA care-of mode (D clear).
  auto request = baseRequest(freshId());
  request.flags.decapsulation_by_mobile_node = false;
  request.extensions = {prefixRequest("2001:db8:abcd::/48"), wire::Ipv6TunnelingModeExtension{}};
  const auto reply =
      onlyReply(ha.onRegistrationRequest(encodeRequest(request, key1()),
                                         {{kCoa, kMnPort}, {kHa, 434}}, clock.now(), kUnixStart),
                key1());
  EXPECT_EQ(prefixReplies(reply).at(0).code, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
}

TEST_F(HomeAgentPrefixTest, PrefixOutsideTheGrantsIsProhibitedWith9) {
  const auto reply = registerPrefixes({prefixRequest("2001:db8:1234::/48"),
                                       prefixRequest("2001:db8:abcd::/47")});  // wider than /48
  const auto replies = prefixReplies(reply);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].code, Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited);
  EXPECT_EQ(replies[1].code, Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited);
  EXPECT_EQ(reply.code, RegistrationReplyCode::Accepted);  // IPv4 registration unaffected
  EXPECT_TRUE(registered().empty());
  EXPECT_EQ(ha.stats().prefixes_rejected_prohibited, 2u);
}

TEST_F(HomeAgentPrefixTest, OverlappingPrefixOfAnotherMobileNodeIsRefusedWith8) {
  ASSERT_EQ(prefixReplies(registerPrefixes({prefixRequest("2001:db8:abcd::/48")})).at(0).code,
            Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
  // MN2 may register inside 2001:db8::/32, but not over MN1's registered prefix.
  const auto replies = prefixReplies(
      registerPrefixes({prefixRequest("2001:db8::/32"), prefixRequest("2001:db8:abcd:7::/64"),
                        prefixRequest("2001:db8:1::/48")},
                       kHoa2));
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].code, Ipv6PrefixReplyCode::RejectedReasonUnspecified);  // contains it
  EXPECT_EQ(replies[1].code, Ipv6PrefixReplyCode::RejectedReasonUnspecified);  // inside it
  EXPECT_EQ(replies[2].code, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
  EXPECT_EQ(ha.stats().prefix_overlaps_refused, 2u);
  // Traffic for MN1's prefix still goes to MN1.
  PacketBuffer packet = bufferOf(ipv6Packet(v6("2001:db8:99::1"), v6("2001:db8:abcd:7::1")));
  EXPECT_EQ(ha.forwardFromHome(packet, clock.now()).home_address, kHoa);

  // Once MN1 deregisters, the prefix is free.
  auto deregistration = baseRequest(freshId(), kHoa, kHoa);
  deregistration.lifetime = 0;
  (void)ha.onRegistrationRequest(encodeRequest(deregistration, key1()),
                                 {{kHoa, kMnPort}, {kHa, 434}}, clock.now(), kUnixStart);
  EXPECT_EQ(prefixReplies(registerPrefixes({prefixRequest("2001:db8::/32")}, kHoa2)).at(0).code,
            Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
}

TEST_F(HomeAgentPrefixTest, NeverTwoRepliesForOnePrefix) {
  const auto replies = prefixReplies(
      registerPrefixes({prefixRequest("2001:db8:abcd::/48"), prefixRequest("2001:db8:abcd::/48"),
                        prefixRequest("2001:db8:abcd:1::/64")}));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].prefix_length, 48);
  EXPECT_EQ(replies[1].prefix_length, 64);
}

TEST_F(HomeAgentPrefixTest, ReplyPrefixFieldIsTheRequestsEvenWithInsignificantBits) {
  // Bits beyond the length are ignored on receipt but echoed as received (RFC 5454 §3.3).
  const wire::Ipv6PrefixRequestExtension request{48, v6("2001:db8:abcd:ffff::1")};
  const auto replies = prefixReplies(registerPrefixes({request}));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].prefix, v6("2001:db8:abcd:ffff::1"));
  EXPECT_EQ(replies[0].code, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
  EXPECT_EQ(registered().at(0).prefix, p6("2001:db8:abcd::/48"));
}

TEST_F(HomeAgentPrefixTest, LinkLocalRegistrationUsesTheHomeAddressTunnel) {
  const Ipv6Address link_local = v6("fe80::a01:5");
  HomeAgentActions actions;
  const auto replies = prefixReplies(registerPrefixes(
      {wire::Ipv6PrefixRequestExtension{255, link_local}, wire::Ipv6TunnelingModeExtension{}}, kHoa,
      &actions));
  ASSERT_EQ(replies.size(), 1u);
  // RFC 5454 §3.7.1: DHCPv6 runs over the IPv4 HoA tunnel whatever the Tunneling Mode says.
  EXPECT_EQ(replies[0].code, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
  EXPECT_EQ(replies[0].prefix_length, 255);
  EXPECT_EQ(replies[0].prefix, link_local);
  EXPECT_EQ(actionsOf<InterceptIpv6Prefix>(actions),
            (std::vector<InterceptIpv6Prefix>{{kHoa, Ipv6Prefix{link_local, 128}, true, true}}));
  EXPECT_TRUE(registered().at(0).link_local);
  EXPECT_EQ(forwardTo(link_local), SendVerdict::Tunnel);
}

TEST_F(HomeAgentPrefixTest, LinkLocalLengthWithAGlobalAddressIsRefusedWith8) {
  EXPECT_EQ(prefixReplies(
                registerPrefixes({wire::Ipv6PrefixRequestExtension{255, v6("2001:db8:abcd::1")}}))
                .at(0)
                .code,
            Ipv6PrefixReplyCode::RejectedReasonUnspecified);
}

TEST_F(HomeAgentPrefixTest, MeaninglessPrefixLengthIsRefusedWith8) {
  EXPECT_EQ(prefixReplies(
                registerPrefixes({wire::Ipv6PrefixRequestExtension{200, v6("2001:db8:abcd::")}}))
                .at(0)
                .code,
            Ipv6PrefixReplyCode::RejectedReasonUnspecified);
}

class HomeAgentStrictPrefixTest : public HomeAgentPrefixTest {
 protected:
  static HomeAgentConfig config() {
    HomeAgentConfig c = haConfig();
    c.mobile_nodes[0].allow_link_local = false;
    c.mobile_nodes[0].max_prefixes = 1;
    return c;
  }
  HomeAgentStrictPrefixTest() : HomeAgentPrefixTest(config()) {}
};

TEST_F(HomeAgentStrictPrefixTest, LinkLocalNotAllowedIsProhibitedWith9) {
  EXPECT_EQ(
      prefixReplies(registerPrefixes({wire::Ipv6PrefixRequestExtension{255, v6("fe80::a01:5")}}))
          .at(0)
          .code,
      Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited);
}

TEST_F(HomeAgentStrictPrefixTest, PrefixesBeyondTheLimitAreRefusedWith8) {
  const auto replies = prefixReplies(registerPrefixes(
      {prefixRequest("2001:db8:abcd:1::/64"), prefixRequest("2001:db8:abcd:2::/64")}));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].code, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
  EXPECT_EQ(replies[1].code, Ipv6PrefixReplyCode::RejectedReasonUnspecified);
}

TEST_F(HomeAgentPrefixTest, PrefixLeftOutOfAReRegistrationIsRemoved) {
  (void)registerPrefixes(
      {prefixRequest("2001:db8:abcd:1::/64"), prefixRequest("2001:db8:abcd:2::/64")});
  ASSERT_EQ(forwardTo(v6("2001:db8:abcd:2::9")), SendVerdict::Tunnel);
  HomeAgentActions actions;
  (void)registerPrefixes({prefixRequest("2001:db8:abcd:1::/64")}, kHoa, &actions);
  // RFC 5454 §3.8: only the omitted prefix goes; the kept one is not touched.
  EXPECT_EQ(actionsOf<InterceptIpv6Prefix>(actions),
            (std::vector<InterceptIpv6Prefix>{{kHoa, p6("2001:db8:abcd:2::/64"), false, false}}));
  EXPECT_EQ(forwardTo(v6("2001:db8:abcd:2::9")), SendVerdict::Drop);
  EXPECT_EQ(forwardTo(v6("2001:db8:abcd:1::9")), SendVerdict::Tunnel);
  EXPECT_EQ(ha.stats().prefixes_removed, 1u);
  // A re-registration with no prefix request at all removes the rest.
  (void)registerPrefixes({});
  EXPECT_TRUE(registered().empty());
  EXPECT_EQ(forwardTo(v6("2001:db8:abcd:1::9")), SendVerdict::Drop);
}

TEST_F(HomeAgentPrefixTest, TunnelModeCanChangeOnReRegistration) {
  (void)registerPrefixes({prefixRequest("2001:db8:abcd::/48"), wire::Ipv6TunnelingModeExtension{}});
  HomeAgentActions actions;
  const auto reply = registerPrefixes({prefixRequest("2001:db8:abcd::/48")}, kHoa, &actions);
  EXPECT_EQ(prefixReplies(reply).at(0).code, Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress);
  EXPECT_TRUE(actionsOf<InterceptIpv6Prefix>(actions).empty());
  EXPECT_EQ(registered().at(0).mode, Ipv6TunnelMode::ToHomeAddress);
}

TEST_F(HomeAgentPrefixTest, TheLifetimeCoversThePrefixes) {
  (void)registerPrefixes({prefixRequest("2001:db8:abcd::/48")}, kHoa, nullptr, 40);
  EXPECT_EQ(forwardTo(v6("2001:db8:abcd::1")), SendVerdict::Tunnel);
  const auto actions = ha.onTimer(clock.now() + 40s);
  EXPECT_EQ(actionsOf<InterceptIpv6Prefix>(actions),
            (std::vector<InterceptIpv6Prefix>{{kHoa, p6("2001:db8:abcd::/48"), false, false}}));
  EXPECT_EQ(forwardTo(v6("2001:db8:abcd::1")), SendVerdict::Drop);
}

TEST_F(HomeAgentPrefixTest, RejectedRegistrationAnswersNoPrefix) {
  auto request = baseRequest(freshId());
  request.flags.reserved_x = true;
  request.extensions = {prefixRequest("2001:db8:abcd::/48")};
  const auto reply =
      onlyReply(ha.onRegistrationRequest(encodeRequest(request, key1()),
                                         {{kCoa, kMnPort}, {kHa, 434}}, clock.now(), kUnixStart),
                key1());
  EXPECT_EQ(reply.code, RegistrationReplyCode::HaPoorlyFormedRequest);
  EXPECT_TRUE(prefixReplies(reply).empty());
  EXPECT_TRUE(registered().empty());
}

TEST_F(HomeAgentPrefixTest, PrefixRepliesPrecedeTheAuthenticationExtension) {
  // RFC 5944 §3.8.3.3, RFC 5454 §3.1: extensions for the MN come before the MN-HA auth, so the
  // authenticator covers them.
  auto request = baseRequest(freshId());
  request.extensions = {prefixRequest("2001:db8:abcd::/48")};
  const auto s = sends(ha.onRegistrationRequest(
      encodeRequest(request, key1()), {{kCoa, kMnPort}, {kHa, 434}}, clock.now(), kUnixStart));
  ASSERT_EQ(s.size(), 1u);
  wire::Mipv4AuthLocation auth;
  auto reply = wire::decodeRegistrationReply(s[0].payload, &auth);
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->extensions.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<wire::Ipv6PrefixReplyExtension>(reply->extensions[0]));
  EXPECT_TRUE(std::holds_alternative<wire::MobileHomeAuthExtension>(reply->extensions[1]));
  EXPECT_EQ(auth.authenticated_length, s[0].payload.size() - 16);
}

}  // namespace
}  // namespace dsmip::dsmip4::test
