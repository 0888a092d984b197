// InstalledState and sysctl access: what a daemon adds is removed in reverse order, a replaced
// route is put back, a changed sysctl is restored, things already gone are tolerated, and the
// undo is idempotent. Root tests run in a private network namespace; the key parsing is pure.
#include "platform/installed_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "platform/sysctl.hpp"
#include "platform/tun.hpp"
#include "test_support/environment.hpp"
#include "test_support/netns.hpp"
#include "test_util.hpp"

namespace dsmip::platform {
namespace {

using testing::address;
using testing::prefix;

TEST(SysctlPathTest, BothKeyFormsMapToProcSys) {
  EXPECT_EQ(sysctlPath("net.ipv4.ip_forward"), "/proc/sys/net/ipv4/ip_forward");
  EXPECT_EQ(sysctlPath("net/ipv6/conf/all/forwarding"), "/proc/sys/net/ipv6/conf/all/forwarding");
  // With a slash, dots stay: VLAN interface names contain them.
  EXPECT_EQ(sysctlPath("net/ipv4/conf/eth0.100/rp_filter"),
            "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
  EXPECT_EQ(ipv6ConfKey("eth0", "proxy_ndp"), "net/ipv6/conf/eth0/proxy_ndp");
  EXPECT_EQ(ipv4NeighKey("veth1", "proxy_delay"), "net/ipv4/neigh/veth1/proxy_delay");
}

TEST(SysctlPathTest, KeysThatCouldEscapeAreRejected) {
  EXPECT_EQ(sysctlPath(""), "");
  EXPECT_EQ(sysctlPath("/etc/passwd"), "");
  EXPECT_EQ(sysctlPath("net/../../etc/passwd"), "");
  EXPECT_EQ(sysctlPath("net..ipv4"), "");  // an empty component
  EXPECT_EQ(sysctlPath(".hidden"), "");
  auto r = readSysctl("../x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
}

class SysctlTest : public test::NetnsTest {};

TEST_F(SysctlTest, ValuesOfTheNamespaceAreReadAndWritten) {
  const std::string key = "net.ipv6.conf.all.forwarding";
  auto before = readSysctl(key);
  ASSERT_TRUE(before) << before.error().toString();
  EXPECT_EQ(*before, "0");  // a fresh namespace does not forward
  ASSERT_TRUE(writeSysctl(key, "1"));
  EXPECT_EQ(readSysctl(key).value_or(""), "1");
  auto missing = readSysctl("net/ipv4/conf/nosuchif/forwarding");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().system_errno, ENOENT);
  auto bad = writeSysctl("net/ipv4/ip_forward", "not-a-number");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().system_errno, EINVAL);
}

class InstalledStateTest : public test::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto nl = Netlink::open();
    ASSERT_TRUE(nl);
    netlink_.emplace(std::move(*nl));
    for (auto* tun : {&tun1_, &tun2_}) {
      auto t = TunDevice::open("dtun%d");
      ASSERT_TRUE(t);
      tun->emplace(std::move(*t));
      ASSERT_TRUE(netlink_->setLinkUp((*tun)->ifindex(), true));
    }
    ASSERT_TRUE(netlink_->addAddress(tun1_->ifindex(), prefix("10.9.1.1/24")));
    // The system's default route before the daemon starts.
    original_default_.destination = prefix("0.0.0.0/0");
    original_default_.gateway = address("10.9.1.2");
    ASSERT_TRUE(netlink_->addRoute(original_default_));
  }
  bool hasAddress(int ifindex, const IpPrefix& p) {
    auto all = netlink_->addresses(ifindex);
    return all && std::any_of(all->begin(), all->end(),
                              [&](const InterfaceAddress& a) { return a.address == p; });
  }
  bool hasRoute(const IpPrefix& destination, std::uint32_t table = kMainTable) {
    auto all = netlink_->routes(familyOf(destination), table);
    return all && std::any_of(all->begin(), all->end(),
                              [&](const Route& r) { return r.destination == destination; });
  }
  std::optional<Netlink> netlink_;
  std::optional<TunDevice> tun1_;
  std::optional<TunDevice> tun2_;
  Route original_default_;
};

TEST_F(InstalledStateTest, RemoveAllUndoesEverythingInReverseOrder) {
  const std::string forwarding = "net/ipv6/conf/all/forwarding";
  const int t2 = tun2_->ifindex();
  InstalledState state(*netlink_);
  ASSERT_TRUE(state.setSysctl(forwarding, "1"));
  ASSERT_TRUE(state.setSysctl(forwarding, "1"));  // unchanged: nothing recorded
  ASSERT_TRUE(state.addAddress(t2, prefix("2001:db8:2::1/64")));
  ASSERT_TRUE(state.addAddress(t2, prefix("10.9.2.1/24")));
  Route tunnel;
  tunnel.destination = prefix("2001:db8:aa::/48");
  tunnel.ifindex = t2;
  ASSERT_TRUE(state.addRoute(tunnel));
  Route via_tunnel;  // the daemon takes over the default route
  via_tunnel.destination = prefix("0.0.0.0/0");
  via_tunnel.ifindex = t2;
  ASSERT_TRUE(state.replaceRoute(via_tunnel));
  const ProxyNeighbour proxy{t2, address("2001:db8:2::99")};
  ASSERT_TRUE(state.addProxyNeighbour(proxy));
  Rule rule;
  rule.family = IpFamily::V6;
  rule.source = prefix("2001:db8:2::/64");
  rule.table = 100;
  rule.priority = 500;
  ASSERT_TRUE(state.addRule(rule));
  EXPECT_EQ(state.size(), 7u);
  const auto lines = state.describe();
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0], "sysctl net/ipv6/conf/all/forwarding (was 0)");
  EXPECT_NE(lines[4].find("replacing default via 10.9.1.2"), std::string::npos) << lines[4];

  // The state is in place.
  EXPECT_EQ(readSysctl(forwarding).value_or(""), "1");
  EXPECT_TRUE(hasAddress(t2, prefix("10.9.2.1/24")));
  EXPECT_TRUE(hasRoute(tunnel.destination));
  auto current_default = netlink_->defaultRoute(IpFamily::V4);
  ASSERT_TRUE(current_default && *current_default);
  EXPECT_EQ((*current_default)->ifindex, t2);

  ASSERT_TRUE(state.removeAll());
  EXPECT_TRUE(state.empty());
  EXPECT_EQ(readSysctl(forwarding).value_or(""), "0");
  EXPECT_FALSE(hasAddress(t2, prefix("10.9.2.1/24")));
  EXPECT_FALSE(hasAddress(t2, prefix("2001:db8:2::1/64")));
  EXPECT_FALSE(hasRoute(tunnel.destination));
  auto restored = netlink_->defaultRoute(IpFamily::V4);
  ASSERT_TRUE(restored && *restored);
  EXPECT_EQ((*restored)->gateway, original_default_.gateway) << "the replaced route is back";
  auto proxies = netlink_->proxyNeighbours();
  ASSERT_TRUE(proxies);
  EXPECT_TRUE(proxies->empty());
  auto rules = netlink_->rules(IpFamily::V6);
  ASSERT_TRUE(rules);
  EXPECT_EQ(std::find(rules->begin(), rules->end(), rule), rules->end());
  // The tunnel's address 10.9.1.1 and the original default route were not ours: still there.
  EXPECT_TRUE(hasAddress(tun1_->ifindex(), prefix("10.9.1.1/24")));

  ASSERT_TRUE(state.removeAll()) << "idempotent";
}

TEST_F(InstalledStateTest, ThingsAlreadyGoneAreTolerated) {
  InstalledState state(*netlink_);
  const int t2 = tun2_->ifindex();
  ASSERT_TRUE(state.addAddress(t2, prefix("10.9.2.1/24")));
  Route r;
  r.destination = prefix("10.50.0.0/16");
  r.ifindex = t2;
  ASSERT_TRUE(state.addRoute(r));
  ASSERT_TRUE(state.addProxyNeighbour({t2, address("10.9.2.99")}));
  // Someone removes the route; then the interface goes away with everything on it.
  ASSERT_TRUE(netlink_->deleteRoute(r));
  tun2_.reset();
  ASSERT_TRUE(state.removeAll()) << "gone is as good as removed";
  EXPECT_TRUE(state.empty());
}

TEST_F(InstalledStateTest, ExistingThingsFollowThePolicy) {
  const int t1 = tun1_->ifindex();
  InstalledState state(*netlink_);
  // 10.9.1.1/24 was there before the daemon.
  auto fail = state.addAddress(t1, prefix("10.9.1.1/24"));
  ASSERT_FALSE(fail);
  EXPECT_EQ(fail.error().system_errno, EEXIST);
  ASSERT_TRUE(state.addAddress(t1, prefix("10.9.1.1/24"), {}, IfExists::Keep));
  EXPECT_TRUE(state.empty());
  ASSERT_TRUE(state.removeAll());
  EXPECT_TRUE(hasAddress(t1, prefix("10.9.1.1/24"))) << "kept: not ours to remove";
  ASSERT_TRUE(state.addAddress(t1, prefix("10.9.1.1/24"), {}, IfExists::Adopt));
  EXPECT_EQ(state.size(), 1u);
  ASSERT_TRUE(state.removeAll());
  EXPECT_FALSE(hasAddress(t1, prefix("10.9.1.1/24"))) << "adopted: removed at stop";

  const ProxyNeighbour proxy{t1, address("10.9.1.50")};
  ASSERT_TRUE(netlink_->addProxyNeighbour(proxy));
  auto exists = state.addProxyNeighbour(proxy);
  ASSERT_FALSE(exists);
  EXPECT_EQ(exists.error().system_errno, EEXIST);
  ASSERT_TRUE(state.addProxyNeighbour(proxy, IfExists::Keep));
  ASSERT_TRUE(state.removeAll());
  auto proxies = netlink_->proxyNeighbours();
  ASSERT_TRUE(proxies);
  EXPECT_EQ(proxies->size(), 1u);
}

TEST_F(InstalledStateTest, SingleItemsCanBeRemovedEarly) {
  const int t2 = tun2_->ifindex();
  InstalledState state(*netlink_);
  Route a;
  a.destination = prefix("10.60.0.0/16");
  a.ifindex = t2;
  Route b = a;
  b.destination = prefix("10.61.0.0/16");
  ASSERT_TRUE(state.addRoute(a));
  ASSERT_TRUE(state.addRoute(b));
  ASSERT_TRUE(state.removeRoute(a));
  EXPECT_FALSE(hasRoute(a.destination));
  EXPECT_TRUE(hasRoute(b.destination));
  EXPECT_EQ(state.size(), 1u);
  auto unknown = state.removeRoute(a);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);

  const std::string key = ipv4ConfKey("all", "forwarding");
  ASSERT_TRUE(state.setSysctl(key, "1"));
  ASSERT_TRUE(state.setSysctl(key, "0"));
  ASSERT_TRUE(state.setSysctl(key, "1"));
  ASSERT_TRUE(state.restoreSysctl(key));
  EXPECT_EQ(readSysctl(key).value_or(""), "0") << "back to the value before the first change";
  EXPECT_EQ(state.size(), 1u);
}

TEST_F(InstalledStateTest, ReplacingItsOwnRouteKeepsTheOriginalForUndo) {
  InstalledState state(*netlink_);
  Route first;
  first.destination = prefix("0.0.0.0/0");
  first.ifindex = tun2_->ifindex();
  ASSERT_TRUE(state.replaceRoute(first));
  Route second = first;
  second.ifindex = tun1_->ifindex();
  ASSERT_TRUE(state.replaceRoute(second));
  EXPECT_EQ(state.size(), 1u);
  ASSERT_TRUE(state.removeAll());
  auto restored = netlink_->defaultRoute(IpFamily::V4);
  ASSERT_TRUE(restored && *restored);
  EXPECT_EQ((*restored)->gateway, original_default_.gateway);
}

TEST_F(InstalledStateTest, DestructorUndoes) {
  {
    InstalledState state(*netlink_);
    ASSERT_TRUE(state.addAddress(tun2_->ifindex(), prefix("10.9.2.1/24")));
  }
  EXPECT_FALSE(hasAddress(tun2_->ifindex(), prefix("10.9.2.1/24")));
  {
    InstalledState state(*netlink_);
    ASSERT_TRUE(state.addAddress(tun2_->ifindex(), prefix("10.9.2.1/24")));
    state.release();
  }
  EXPECT_TRUE(hasAddress(tun2_->ifindex(), prefix("10.9.2.1/24"))) << "released: left in place";
}

}  // namespace
}  // namespace dsmip::platform
