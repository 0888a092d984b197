// Netlink requests against the kernel, in a private network namespace: links, addresses,
// routes (add, replace, delete, dump, default route, lookup), proxy neighbour entries and
// policy rules, with the errno each refusal maps to.
#include "platform/netlink.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "platform/tun.hpp"
#include "test_support/netns.hpp"
#include "test_util.hpp"

namespace dsmip::platform {
namespace {

using testing::address;
using testing::prefix;

class NetlinkTest : public test::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto nl = Netlink::open();
    ASSERT_TRUE(nl) << nl.error().toString();
    netlink_.emplace(std::move(*nl));
    for (auto* tun : {&tun1_, &tun2_}) {
      auto t = TunDevice::open("dtun%d");
      ASSERT_TRUE(t) << t.error().toString();
      tun->emplace(std::move(*t));
      ASSERT_TRUE(netlink_->setLinkUp((*tun)->ifindex(), true));
    }
    ASSERT_TRUE(netlink_->addAddress(tun1_->ifindex(), prefix("10.9.1.1/24")));
    ASSERT_TRUE(netlink_->addAddress(tun2_->ifindex(), prefix("10.9.2.1/24")));
    ASSERT_TRUE(netlink_->addAddress(tun1_->ifindex(), prefix("2001:db8:1::1/64")));
    ASSERT_TRUE(netlink_->addAddress(tun2_->ifindex(), prefix("2001:db8:2::1/64")));
    ASSERT_TRUE(netlink_->waitForLocalAddress(address("2001:db8:1::1")));
    ASSERT_TRUE(netlink_->waitForLocalAddress(address("2001:db8:2::1")));
  }
  std::vector<Route> routesTo(IpFamily family, const IpPrefix& destination,
                              std::optional<std::uint32_t> table = kMainTable) {
    auto all = netlink_->routes(family, table);
    EXPECT_TRUE(all) << all.error().toString();
    std::vector<Route> out;
    if (!all) return out;
    for (const Route& r : *all) {
      if (r.destination == destination) out.push_back(r);
    }
    return out;
  }
  std::optional<Netlink> netlink_;
  std::optional<TunDevice> tun1_;
  std::optional<TunDevice> tun2_;
};

TEST_F(NetlinkTest, LinksAreListedAndChanged) {
  auto links = netlink_->links();
  ASSERT_TRUE(links);
  auto has = [&](const std::string& name) {
    return std::any_of(links->begin(), links->end(),
                       [&](const LinkInfo& l) { return l.name == name; });
  };
  EXPECT_TRUE(has("lo"));
  EXPECT_TRUE(has(tun1_->name()));
  EXPECT_TRUE(has(tun2_->name()));

  ASSERT_TRUE(netlink_->setLinkUp(tun2_->ifindex(), false));
  auto down = netlink_->link(tun2_->ifindex());
  ASSERT_TRUE(down);
  EXPECT_FALSE(down->up());
  auto by_name = netlink_->link(tun1_->name());
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->index, tun1_->ifindex());

  auto missing = netlink_->linkIndex("nosuchif0");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().system_errno, ENODEV);
  auto bad_mtu = netlink_->setLinkMtu(tun1_->ifindex(), 20);  // below the IPv4 minimum
  ASSERT_FALSE(bad_mtu);
  EXPECT_EQ(bad_mtu.error().system_errno, EINVAL);
  EXPECT_FALSE(bad_mtu.error().detail.empty());
}

TEST_F(NetlinkTest, AddressesAreAddedDumpedAndDeleted) {
  const int index = tun1_->ifindex();
  AddressOptions no_route;
  no_route.no_prefix_route = true;
  ASSERT_TRUE(netlink_->addAddress(index, prefix("2001:db8:77::5/64"), no_route));
  ASSERT_TRUE(netlink_->addAddress(index, prefix("192.0.2.5/28")));

  auto duplicate = netlink_->addAddress(index, prefix("192.0.2.5/28"));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().system_errno, EEXIST);

  auto v6 = netlink_->addresses(index, IpFamily::V6);
  ASSERT_TRUE(v6);
  auto found = std::find_if(v6->begin(), v6->end(), [](const InterfaceAddress& a) {
    return a.address == prefix("2001:db8:77::5/64");
  });
  ASSERT_NE(found, v6->end());
  EXPECT_NE(found->flags & 0x200u, 0u) << "IFA_F_NOPREFIXROUTE";
  for (const auto& a : *v6) EXPECT_EQ(familyOf(a.address), IpFamily::V6);
  // No prefix route for the NOPREFIXROUTE address; the IPv4 one got its prefix route.
  EXPECT_TRUE(routesTo(IpFamily::V6, prefix("2001:db8:77::/64")).empty());
  EXPECT_EQ(routesTo(IpFamily::V4, prefix("192.0.2.0/28")).size(), 1u);

  auto all = netlink_->addresses();
  ASSERT_TRUE(all);
  EXPECT_TRUE(std::any_of(all->begin(), all->end(), [&](const InterfaceAddress& a) {
    return a.ifindex == tun2_->ifindex() && a.address == prefix("10.9.2.1/24");
  }));

  ASSERT_TRUE(netlink_->deleteAddress(index, prefix("192.0.2.5/28")));
  auto again = netlink_->deleteAddress(index, prefix("192.0.2.5/28"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().system_errno, EADDRNOTAVAIL);
}

TEST_F(NetlinkTest, RoutesAreAddedReplacedAndDeleted) {
  Route r;
  r.destination = prefix("10.20.0.0/16");
  r.gateway = address("10.9.1.2");
  r.metric = 10;
  ASSERT_TRUE(netlink_->addRoute(r));
  auto duplicate = netlink_->addRoute(r);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().system_errno, EEXIST);

  Route moved = r;
  moved.gateway = address("10.9.2.2");
  ASSERT_TRUE(netlink_->addRoute(moved, WriteMode::Replace));
  auto now = routesTo(IpFamily::V4, r.destination);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].gateway, moved.gateway);
  EXPECT_EQ(now[0].ifindex, tun2_->ifindex());
  EXPECT_EQ(now[0].metric, 10u);
  EXPECT_EQ(now[0].protocol, kRouteProtocolStatic);

  ASSERT_TRUE(netlink_->deleteRoute(moved));
  auto gone = netlink_->deleteRoute(moved);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().system_errno, ESRCH);
}

TEST_F(NetlinkTest, Ipv6RouteWithSourceMtuAndTable) {
  Route r;
  r.destination = prefix("2001:db8:aa::/48");
  r.ifindex = tun1_->ifindex();
  r.preferred_source = address("2001:db8:1::1");
  r.mtu = 1300;
  r.table = 100;
  r.metric = 5;
  ASSERT_TRUE(netlink_->addRoute(r));
  EXPECT_TRUE(routesTo(IpFamily::V6, r.destination).empty()) << "not in the main table";
  auto in_table = routesTo(IpFamily::V6, r.destination, 100);
  ASSERT_EQ(in_table.size(), 1u);
  EXPECT_EQ(in_table[0].preferred_source, r.preferred_source);
  EXPECT_EQ(in_table[0].mtu, r.mtu);
  EXPECT_EQ(in_table[0].ifindex, tun1_->ifindex());
  ASSERT_TRUE(netlink_->deleteRoute(r));
}

TEST_F(NetlinkTest, DefaultRouteIsTheLowestMetric) {
  for (IpFamily family : {IpFamily::V4, IpFamily::V6}) {
    auto none = netlink_->defaultRoute(family);
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
  }
  Route via1;
  via1.destination = prefix("0.0.0.0/0");
  via1.ifindex = tun1_->ifindex();
  via1.metric = 100;
  Route via2;
  via2.destination = prefix("0.0.0.0/0");
  via2.gateway = address("10.9.2.2");
  via2.metric = 50;
  ASSERT_TRUE(netlink_->addRoute(via1));
  ASSERT_TRUE(netlink_->addRoute(via2));
  auto best = netlink_->defaultRoute(IpFamily::V4);
  ASSERT_TRUE(best);
  ASSERT_TRUE(*best);
  EXPECT_EQ((*best)->ifindex, tun2_->ifindex());
  EXPECT_EQ((*best)->gateway, address("10.9.2.2"));

  Route v6;
  v6.destination = prefix("::/0");
  v6.ifindex = tun1_->ifindex();
  ASSERT_TRUE(netlink_->addRoute(v6));
  auto best6 = netlink_->defaultRoute(IpFamily::V6);
  ASSERT_TRUE(best6);
  ASSERT_TRUE(*best6);
  EXPECT_EQ((*best6)->ifindex, tun1_->ifindex());
  EXPECT_EQ((*best6)->metric, 1024u) << "the kernel's default IPv6 metric";

  auto lookup = netlink_->lookupRoute(address("198.51.100.1"));
  ASSERT_TRUE(lookup);
  EXPECT_EQ(lookup->ifindex, tun2_->ifindex());
  EXPECT_EQ(lookup->preferred_source, address("10.9.2.1"));
  auto local = netlink_->lookupRoute(address("2001:db8:1::1"));
  ASSERT_TRUE(local);
  EXPECT_EQ(local->type, RouteType::Local);
}

TEST_F(NetlinkTest, LookupWithoutRouteFails) {
  auto r = netlink_->lookupRoute(address("198.51.100.1"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().system_errno, ENETUNREACH);
}

TEST_F(NetlinkTest, ProxyNeighbourEntriesAreAddedDumpedAndDeleted) {
  const ProxyNeighbour v4{tun1_->ifindex(), address("10.9.1.99")};
  const ProxyNeighbour v6{tun1_->ifindex(), address("2001:db8:1::99")};
  ASSERT_TRUE(netlink_->addProxyNeighbour(v4));
  ASSERT_TRUE(netlink_->addProxyNeighbour(v6));
  auto all = netlink_->proxyNeighbours();
  ASSERT_TRUE(all);
  EXPECT_NE(std::find(all->begin(), all->end(), v4), all->end());
  EXPECT_NE(std::find(all->begin(), all->end(), v6), all->end());
  auto only6 = netlink_->proxyNeighbours(IpFamily::V6);
  ASSERT_TRUE(only6);
  EXPECT_EQ(std::find(only6->begin(), only6->end(), v4), only6->end());

  ASSERT_TRUE(netlink_->deleteProxyNeighbour(v4));
  ASSERT_TRUE(netlink_->deleteProxyNeighbour(v6));
  auto none = netlink_->proxyNeighbours();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto again = netlink_->deleteProxyNeighbour(v6);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().system_errno, ENOENT);
}

TEST_F(NetlinkTest, SourceRuleSelectsItsTable) {
  // Main table: default via tun1. Table 100: default via tun2. Rule: from 2001:db8:5::/64 and
  // from 10.5.0.0/16 use table 100.
  for (const char* dst : {"0.0.0.0/0", "::/0"}) {
    Route main;
    main.destination = prefix(dst);
    main.ifindex = tun1_->ifindex();
    ASSERT_TRUE(netlink_->addRoute(main));
    Route other = main;
    other.ifindex = tun2_->ifindex();
    other.table = 100;
    ASSERT_TRUE(netlink_->addRoute(other));
  }
  ASSERT_TRUE(netlink_->addAddress(tun1_->ifindex(), prefix("2001:db8:5::1/128")));
  ASSERT_TRUE(netlink_->addAddress(tun1_->ifindex(), prefix("10.5.0.1/32")));
  ASSERT_TRUE(netlink_->waitForLocalAddress(address("2001:db8:5::1")));

  Rule r6;
  r6.family = IpFamily::V6;
  r6.source = prefix("2001:db8:5::/64");
  r6.table = 100;
  r6.priority = 1000;
  Rule r4;
  r4.family = IpFamily::V4;
  r4.source = prefix("10.5.0.0/16");
  r4.table = 100;
  r4.priority = 1001;
  ASSERT_TRUE(netlink_->addRule(r6));
  ASSERT_TRUE(netlink_->addRule(r4));
  auto duplicate = netlink_->addRule(r6);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().system_errno, EEXIST);

  auto rules6 = netlink_->rules(IpFamily::V6);
  ASSERT_TRUE(rules6);
  EXPECT_NE(std::find(rules6->begin(), rules6->end(), r6), rules6->end());
  auto rules4 = netlink_->rules(IpFamily::V4);
  ASSERT_TRUE(rules4);
  EXPECT_NE(std::find(rules4->begin(), rules4->end(), r4), rules4->end());

  auto with_source = netlink_->lookupRoute(address("2001:db8:99::1"), address("2001:db8:5::1"));
  ASSERT_TRUE(with_source) << with_source.error().toString();
  EXPECT_EQ(with_source->ifindex, tun2_->ifindex());
  auto without = netlink_->lookupRoute(address("2001:db8:99::1"));
  ASSERT_TRUE(without);
  EXPECT_EQ(without->ifindex, tun1_->ifindex());
  auto v4_source = netlink_->lookupRoute(address("198.51.100.1"), address("10.5.0.1"));
  ASSERT_TRUE(v4_source) << v4_source.error().toString();
  EXPECT_EQ(v4_source->ifindex, tun2_->ifindex());

  ASSERT_TRUE(netlink_->deleteRule(r6));
  ASSERT_TRUE(netlink_->deleteRule(r4));
  auto again = netlink_->deleteRule(r4);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().system_errno, ENOENT);
  auto after = netlink_->lookupRoute(address("2001:db8:99::1"), address("2001:db8:5::1"));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->ifindex, tun1_->ifindex());
}

}  // namespace
}  // namespace dsmip::platform
