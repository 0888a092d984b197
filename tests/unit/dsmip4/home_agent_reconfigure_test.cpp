// DSMIPv4 home agent: a reloaded configuration (HomeAgent::reconfigure, SIGHUP of
// `dsmip mip4-ha`). Unchanged mobile nodes keep their bindings and prefixes wherever their entry
// moved in the list; removed or changed ones lose them; tunnel settings apply at once.
#include <gtest/gtest.h>

#include "dsmip4_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::dsmip4::test {
namespace {

using wire::RegistrationReplyCode;
using namespace std::chrono_literals;

const Ipv4Address kHoa3 = v4("10.1.0.7");

class HomeAgentReconfigureTest : public ::testing::Test {
 protected:
  std::uint64_t freshId() { return ntpAt(kUnixStart) + (++counter << 8); }

  wire::RegistrationReply registerNode(Ipv4Address home_address, const wire::Mipv4AuthKey& key,
                                       std::vector<wire::Mipv4Extension> extensions = {},
                                       HomeAgentActions* actions_out = nullptr) {
    auto request = baseRequest(freshId(), home_address, home_address == kHoa ? kCoa : kCoa2);
    request.extensions = std::move(extensions);
    const auto actions = ha.onRegistrationRequest(encodeRequest(request, key),
                                                  {{request.care_of_address, kMnPort}, {kHa, 434}},
                                                  clock.now(), kUnixStart);
    if (actions_out != nullptr) *actions_out = actions;
    return onlyReply(actions, key);
  }
  SendDecision forward(const Bytes& packet) {
    PacketBuffer b = bufferOf(packet);
    return ha.forwardFromHome(b, clock.now());
  }
  bool bound(Ipv4Address home_address) {
    for (const auto& b : ha.snapshot(clock.now()).bindings) {
      if (b.home_address == home_address) return true;
    }
    return false;
  }

  HomeAgent ha{haConfig()};
  dsmip::test::FakeClock clock;
  std::uint64_t counter = 0;
};

TEST_F(HomeAgentReconfigureTest, KeptNodesKeepBindingsPrefixesAndExpiryAcrossNewPositions) {
  ASSERT_EQ(registerNode(kHoa, key1(), {prefixRequest("2001:db8:abcd::/48")}).code,
            RegistrationReplyCode::Accepted);
  ASSERT_EQ(registerNode(kHoa2, key2()).code, RegistrationReplyCode::Accepted);

  // MN2 removed, a new MN3 inserted first: MN1 moves from position 0 to 1.
  HomeAgentConfig c = haConfig();
  MobileNodePolicy mn3;
  mn3.home_address = kHoa3;
  mn3.key = wire::Mipv4AuthKey{0x3000, wire::Mipv4AuthAlgorithm::HmacMd5, Bytes(16, 0x33)};
  c.mobile_nodes = {mn3, c.mobile_nodes[0]};
  c.tunnel_ttl = 17;
  c.keepalive_interval = 30s;
  c.port = 4343;  // needs a restart
  const HomeAgentActions actions = ha.reconfigure(c, clock.now());

  // MN2's binding is withdrawn.
  const auto withdrawn = actionsOf<InterceptHomeAddress>(actions);
  ASSERT_EQ(withdrawn.size(), 1u);
  EXPECT_EQ(withdrawn[0], (InterceptHomeAddress{kHoa2, false}));
  EXPECT_FALSE(bound(kHoa2));
  EXPECT_EQ(ha.stats().bindings_revoked, 1u);
  EXPECT_EQ(forward(ipv4Packet(kCorrespondent, kHoa2)).verdict, SendVerdict::Drop);
  // MN1 keeps its binding and prefix: data to both is still tunnelled, with the new TTL.
  EXPECT_TRUE(bound(kHoa));
  const SendDecision to_home = forward(ipv4Packet(kCorrespondent, kHoa));
  ASSERT_EQ(to_home.verdict, SendVerdict::Tunnel);
  EXPECT_EQ(to_home.home_address, kHoa);
  EXPECT_EQ(to_home.encapsulation.outer.ttl, 17);
  const SendDecision to_prefix = forward(ipv6Packet(v6("2001:db8:99::1"), v6("2001:db8:abcd::5")));
  ASSERT_EQ(to_prefix.verdict, SendVerdict::Tunnel);
  EXPECT_EQ(to_prefix.home_address, kHoa);
  EXPECT_EQ(ha.config().port, haConfig().port);
  EXPECT_EQ(ha.config().keepalive_interval, 30s);
  // Reverse traffic is still matched to MN1 (index rebuilt): an IP-in-IP packet from its CoA.
  PacketBuffer reverse = bufferOf(wrapIpv4(ipv4Packet(kHoa, kCorrespondent), kCoa, kHa, 4));
  EXPECT_EQ(ha.onTunnelPacket(reverse, clock.now()).verdict, ReceiveVerdict::Deliver);

  // The new MN3 registers at once; MN2 is refused from now on.
  EXPECT_EQ(registerNode(kHoa3, mn3.key).code, RegistrationReplyCode::Accepted);
  auto request = baseRequest(freshId(), kHoa2, kCoa2);
  const auto refused = ha.onRegistrationRequest(
      encodeRequest(request, key2()), {{kCoa2, kMnPort}, {kHa, 434}}, clock.now(), kUnixStart);
  EXPECT_TRUE(actionsOf<InterceptHomeAddress>(refused).empty());
  EXPECT_FALSE(bound(kHoa2));

  // MN1's expiry is still scheduled at its new position (as is MN3's, registered just now).
  clock.advance(599s);
  (void)ha.onTimer(clock.now());
  EXPECT_TRUE(bound(kHoa));
  clock.advance(2s);
  (void)ha.onTimer(clock.now());
  EXPECT_FALSE(bound(kHoa));
  EXPECT_FALSE(bound(kHoa3));
}

TEST_F(HomeAgentReconfigureTest, ChangedKeyRevokesTheBindingAndWithdrawsItsPrefixes) {
  HomeAgentActions registered;
  ASSERT_EQ(registerNode(kHoa, key1(), {prefixRequest("2001:db8:abcd::/48")}, &registered).code,
            RegistrationReplyCode::Accepted);
  HomeAgentConfig c = haConfig();
  c.mobile_nodes[0].key.key = Bytes(16, 0x42);
  const HomeAgentActions actions = ha.reconfigure(c, clock.now());
  EXPECT_FALSE(bound(kHoa));
  const auto prefixes = actionsOf<InterceptIpv6Prefix>(actions);
  ASSERT_EQ(prefixes.size(), 1u);
  EXPECT_EQ(prefixes[0].prefix, p6("2001:db8:abcd::/48"));
  EXPECT_FALSE(prefixes[0].enable);
  EXPECT_EQ(forward(ipv6Packet(v6("2001:db8:99::1"), v6("2001:db8:abcd::5"))).verdict,
            SendVerdict::Drop);
  // The old key no longer authenticates.
  auto request = baseRequest(freshId());
  const auto reply = ha.onRegistrationRequest(
      encodeRequest(request, key1()), {{kCoa, kMnPort}, {kHa, 434}}, clock.now(), kUnixStart);
  EXPECT_FALSE(bound(kHoa));
  EXPECT_TRUE(actionsOf<InterceptHomeAddress>(reply).empty());
}

TEST_F(HomeAgentReconfigureTest, UnchangedConfigurationChangesNothing) {
  ASSERT_EQ(registerNode(kHoa, key1()).code, RegistrationReplyCode::Accepted);
  const HomeAgentActions actions = ha.reconfigure(haConfig(), clock.now());
  EXPECT_TRUE(actionsOf<InterceptHomeAddress>(actions).empty());
  EXPECT_TRUE(bound(kHoa));
  EXPECT_EQ(ha.stats().bindings_revoked, 0u);
  EXPECT_EQ(ha.nextDeadline(), clock.now() + 600s);
}

}  // namespace
}  // namespace dsmip::dsmip4::test
