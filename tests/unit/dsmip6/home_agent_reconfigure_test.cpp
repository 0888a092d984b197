// Home agent core: a reloaded configuration (HomeAgent::reconfigure, SIGHUP of `dsmip ha`).
// Policies change at once, bindings survive unless their mobile node's allowance was removed or
// changed, and what needs a restart keeps its running value.

#include <gtest/gtest.h>

#include "dsmip6/home_agent.hpp"
#include "dsmip6_test_util.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::dsmip6::test {
namespace {

using wire::BindingAckStatus;

class HomeAgentReconfigureTest : public ::testing::Test {
 protected:
  HomeAgentReconfigureTest() : ha_(testHomeAgentConfig(), random_) {}

  std::optional<DecodedAck> registerHome(const Ipv6Address& hoa, std::uint16_t sequence,
                                         std::uint16_t lifetime_units = 100) {
    return onlyAck(
        ha_.onSignalling(buFromIpv6(homeRegistration(sequence, lifetime_units), kCoa, hoa),
                         ipv6Inbound(), clock_.now()));
  }

  SeededRandom random_{3};
  dsmip::test::FakeClock clock_{kT0};
  HomeAgent ha_;
};

TEST_F(HomeAgentReconfigureTest, PolicyKeysApplyToTheNextBindingUpdate) {
  auto first = registerHome(kHoa, 1, 1000);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->ack.lifetime_units, 150);  // max_binding_lifetime 600 s
  HomeAgentConfig c = testHomeAgentConfig();
  c.max_binding_lifetime = std::chrono::seconds(200);
  c.home_registration = true;
  HomeAgentActions actions = ha_.reconfigure(c, clock_.now());
  EXPECT_TRUE(hasEvent(actions, EventKind::Reconfigured));
  EXPECT_TRUE(actionsOf<InterceptIpv6Address>(actions).empty());  // nothing withdrawn
  // The binding survives with the lifetime it was granted; a refresh gets the new cap.
  const BindingCacheEntry* entry = ha_.binding(kHoa);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->lifetime, std::chrono::seconds(600));
  clock_.advance(std::chrono::seconds(10));
  auto refresh = registerHome(kHoa, 2, 1000);
  ASSERT_TRUE(refresh);
  EXPECT_EQ(refresh->ack.status, BindingAckStatus::Accepted);
  EXPECT_EQ(refresh->ack.lifetime_units, 50);  // 200 s
  EXPECT_EQ(ha_.config().max_binding_lifetime, std::chrono::seconds(200));

  // home_registration = false is honoured at once (status 131), the binding stays until then.
  c.home_registration = false;
  (void)ha_.reconfigure(c, clock_.now());
  auto refused = onlyAck(
      ha_.onSignalling(buFromIpv6(homeRegistration(3), kCoa, kHoa2), ipv6Inbound(), clock_.now()));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->ack.status, BindingAckStatus::HomeRegistrationNotSupported);
  EXPECT_NE(ha_.binding(kHoa), nullptr);
}

TEST_F(HomeAgentReconfigureTest, RemovedMobileNodeLosesItsBindingOthersKeepTheirs) {
  ASSERT_TRUE(registerHome(kHoa, 1));
  ASSERT_TRUE(registerHome(kHoa2, 1));
  const Ipv6Address added = v6("2001:db8:1::400");
  // Not allowed before the reload.
  auto before = registerHome(added, 1);
  ASSERT_TRUE(before);
  EXPECT_NE(before->ack.status, BindingAckStatus::Accepted);

  HomeAgentConfig c = testHomeAgentConfig();
  c.mobile_nodes.erase(c.mobile_nodes.begin());  // kHoa removed
  MobileNodePolicy fresh;
  fresh.home_address = added;
  c.mobile_nodes.push_back(fresh);
  HomeAgentActions actions = ha_.reconfigure(c, clock_.now());

  // kHoa: binding deleted, its interception (proxy ND + route) and IPv4 home address withdrawn.
  EXPECT_EQ(ha_.binding(kHoa), nullptr);
  const auto intercepts = actionsOf<InterceptIpv6Address>(actions);
  ASSERT_EQ(intercepts.size(), 1u);
  EXPECT_EQ(intercepts[0], (InterceptIpv6Address{kHoa, false, false}));
  EXPECT_TRUE(hasEvent(actions, EventKind::BindingRevoked));
  EXPECT_EQ(ha_.stats().bindings_revoked, 1u);
  // kHoa2 untouched.
  ASSERT_NE(ha_.binding(kHoa2), nullptr);
  EXPECT_EQ(ha_.binding(kHoa2)->sequence, 1);
  // The new mobile node is accepted at once; the removed one is refused from now on.
  auto now_added = registerHome(added, 2);
  ASSERT_TRUE(now_added);
  EXPECT_EQ(now_added->ack.status, BindingAckStatus::Accepted);
  auto removed = registerHome(kHoa, 2);
  ASSERT_TRUE(removed);
  EXPECT_NE(removed->ack.status, BindingAckStatus::Accepted);
}

TEST_F(HomeAgentReconfigureTest, ChangedEntryRevokesAndWithdrawsItsIpv4HomeAddress) {
  // kHoa has the static IPv4 home address kStaticHoa4.
  wire::BindingUpdate bu = homeRegistration(1);
  bu.options.push_back(wire::Ipv4HomeAddressOption{32, false, kStaticHoa4});
  auto ack = onlyAck(ha_.onSignalling(buFromIpv4(bu, kPrivateCoa4, kHoa),
                                      udpInbound(Ipv4Endpoint{kNat4, 40000}), clock_.now()));
  ASSERT_TRUE(ack);
  ASSERT_EQ(ha_.binding(kHoa)->ipv4HomeAddress(), kStaticHoa4);
  HomeAgentConfig c = testHomeAgentConfig();
  c.mobile_nodes[0].ipv4_home_address = v4("10.1.0.6");
  HomeAgentActions actions = ha_.reconfigure(c, clock_.now());
  EXPECT_EQ(ha_.binding(kHoa), nullptr);
  const auto withdrawn4 = actionsOf<InterceptIpv4Address>(actions);
  ASSERT_EQ(withdrawn4.size(), 1u);
  EXPECT_EQ(withdrawn4[0].address, kStaticHoa4);
  EXPECT_FALSE(withdrawn4[0].enable);
}

TEST_F(HomeAgentReconfigureTest, UnchangedConfigurationKeepsEveryBinding) {
  ASSERT_TRUE(registerHome(kHoa, 1));
  ASSERT_TRUE(registerHome(kMrHoa, 1));
  HomeAgentActions actions = ha_.reconfigure(testHomeAgentConfig(), clock_.now());
  EXPECT_EQ(ha_.bindingCount(), 2u);
  EXPECT_FALSE(hasEvent(actions, EventKind::BindingRevoked));
  EXPECT_EQ(ha_.stats().bindings_revoked, 0u);
}

TEST_F(HomeAgentReconfigureTest, RestartKeysKeepTheirRunningValue) {
  HomeAgentConfig c = testHomeAgentConfig();
  c.address = v6("2001:db8:1::2");
  c.home_prefixes = {p6("2001:db8:9::/64")};
  c.udp_port = 5000;
  c.ipv4_address = v4("198.51.100.2");
  c.ipv4_pool.reset();
  c.require_esp = true;
  c.tlv_header = true;  // live
  (void)ha_.reconfigure(c, clock_.now());
  EXPECT_EQ(ha_.config().address, kHa);
  EXPECT_EQ(ha_.config().home_prefixes, std::vector<Ipv6Prefix>{kHomePrefix});
  EXPECT_EQ(ha_.config().udp_port, kDsmipv6UdpPort);
  EXPECT_EQ(ha_.config().ipv4_address, kHa4);
  EXPECT_TRUE(ha_.config().ipv4_pool);
  EXPECT_FALSE(ha_.config().require_esp);
  EXPECT_TRUE(ha_.config().tlv_header);
  // A home address in the running home prefix is still accepted.
  auto ack = registerHome(kHoa, 1);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack.status, BindingAckStatus::Accepted);
}

TEST_F(HomeAgentReconfigureTest, RefreshRequestLeadReschedulesExistingBindings) {
  ASSERT_TRUE(registerHome(kHoa, 1));  // 400 s
  const TimePoint expiry = ha_.binding(kHoa)->expires_at;
  EXPECT_EQ(ha_.nextDeadline(), expiry);
  HomeAgentConfig c = testHomeAgentConfig();
  c.refresh_request_lead = std::chrono::seconds(30);
  (void)ha_.reconfigure(c, clock_.now());
  EXPECT_EQ(ha_.nextDeadline(), expiry - std::chrono::seconds(30));
}

TEST_F(HomeAgentReconfigureTest, AcceptAnyTurnedOffRevokesUnlistedBindings) {
  HomeAgentConfig any = testHomeAgentConfig();
  any.accept_any_home_address = true;
  (void)ha_.reconfigure(any, clock_.now());
  const Ipv6Address unlisted = v6("2001:db8:1::999");
  auto ack = registerHome(unlisted, 1);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack.status, BindingAckStatus::Accepted);
  ASSERT_TRUE(registerHome(kHoa, 1));
  (void)ha_.reconfigure(testHomeAgentConfig(), clock_.now());
  EXPECT_EQ(ha_.binding(unlisted), nullptr);
  EXPECT_NE(ha_.binding(kHoa), nullptr);
  EXPECT_EQ(ha_.stats().bindings_revoked, 1u);
}

}  // namespace
}  // namespace dsmip::dsmip6::test
