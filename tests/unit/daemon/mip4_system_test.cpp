// The DSMIPv4 daemons' system planners: what each core action changes on the system, in which
// order, and that repeating or undoing an action plans exactly what is needed.
#include "daemon/mip4_system.hpp"

#include <gtest/gtest.h>

namespace dsmip::daemon {
namespace {

const Ipv4Address kHoa = *Ipv4Address::parse("10.1.0.5");
const Ipv6Prefix kPrefix = *Ipv6Prefix::parse("2001:db8:a::/48");
const Ipv6Prefix kPrefix2 = *Ipv6Prefix::parse("2001:db8:c::/48");
const Ipv6Address kAddress = *Ipv6Address::parse("2001:db8:a::1");
const Ipv6Address kAddress2 = *Ipv6Address::parse("2001:db8:c::1");
constexpr int kTun = 7;
constexpr int kHome = 2;

platform::Route route(int ifindex, platform::IpPrefix destination, std::uint32_t table) {
  platform::Route r;
  r.destination = destination;
  r.ifindex = ifindex;
  r.table = table;
  return r;
}

platform::Rule rule(platform::IpPrefix source) {
  platform::Rule r;
  r.family = platform::familyOf(source);
  r.source = source;
  r.table = 434;
  r.priority = 1000;
  return r;
}

TEST(HomeAgentSystemTest, InterceptingAHomeAddressRoutesItProxiesAndAnnounces) {
  HomeAgentSystem system(kTun, kHome);
  const platform::IpPrefix host = Ipv4Prefix{kHoa, 32};
  const platform::ProxyNeighbour proxy{kHome, kHoa};
  // The route before the proxy entry: proxy ARP answers only for addresses routed elsewhere.
  EXPECT_EQ(system.plan(dsmip4::InterceptHomeAddress{kHoa, true}),
            (SystemChanges{AddRoute{route(kTun, host, platform::kMainTable)},
                           AddProxyNeighbour{proxy}, AnnounceAddress{kHoa}}));
  EXPECT_EQ(system.interceptedHomeAddresses(), 1u);
  // A re-registration intercepts again: nothing to do.
  EXPECT_TRUE(system.plan(dsmip4::InterceptHomeAddress{kHoa, true}).empty());
  EXPECT_EQ(system.plan(dsmip4::InterceptHomeAddress{kHoa, false}),
            (SystemChanges{RemoveProxyNeighbour{proxy},
                           RemoveRoute{route(kTun, host, platform::kMainTable)}}));
  EXPECT_TRUE(system.plan(dsmip4::InterceptHomeAddress{kHoa, false}).empty());
  EXPECT_EQ(system.interceptedHomeAddresses(), 0u);
}

TEST(HomeAgentSystemTest, PrefixesAreRoutedIntoTheTunNeverOnLink) {
  HomeAgentSystem system(kTun, kHome);
  const dsmip4::InterceptIpv6Prefix on{kHoa, kPrefix, false, true};
  EXPECT_EQ(system.plan(on), (SystemChanges{AddRoute{route(kTun, kPrefix, platform::kMainTable)}}));
  EXPECT_TRUE(system.plan(on).empty());
  // A link-local registration: the /128 routed into the TUN the same way.
  const Ipv6Prefix link_local{*Ipv6Address::parse("fe80::a01:5"), 128};
  EXPECT_EQ(system.plan(dsmip4::InterceptIpv6Prefix{kHoa, link_local, true, true}),
            (SystemChanges{AddRoute{route(kTun, link_local, platform::kMainTable)}}));
  EXPECT_EQ(system.interceptedPrefixes(), 2u);
  EXPECT_EQ(system.plan(dsmip4::InterceptIpv6Prefix{kHoa, kPrefix, false, false}),
            (SystemChanges{RemoveRoute{route(kTun, kPrefix, platform::kMainTable)}}));
  EXPECT_TRUE(system.plan(dsmip4::InterceptIpv6Prefix{kHoa, kPrefix, false, false}).empty());
  EXPECT_EQ(system.interceptedPrefixes(), 1u);
}

MobileNodeSystem mobileNodeSystem() {
  MobileNodeSystemConfig c;
  c.tun_ifindex = kTun;
  c.table = 434;
  c.rule_priority = 1000;
  c.routes4 = {*Ipv4Prefix::parse("198.18.0.0/15")};
  c.routes6 = {*Ipv6Prefix::parse("2001:db8:1::/64")};
  return MobileNodeSystem(c);
}

TEST(MobileNodeSystemTest, StartPutsDefaultRoutesIntoTheTablesTun) {
  const MobileNodeSystem system = mobileNodeSystem();
  EXPECT_EQ(system.start(), (SystemChanges{AddRoute{route(kTun, Ipv4Prefix{}, 434)},
                                           AddRoute{route(kTun, Ipv6Prefix{}, 434)}}));
}

TEST(MobileNodeSystemTest, HomeAddressOnTheTunWithItsRuleAndRoutes) {
  MobileNodeSystem system = mobileNodeSystem();
  const platform::IpPrefix host = Ipv4Prefix{kHoa, 32};
  const platform::IpPrefix routed = *Ipv4Prefix::parse("198.18.0.0/15");
  EXPECT_EQ(system.plan(dsmip4::ConfigureHomeAddress{kHoa, true}),
            (SystemChanges{AddAddress{kTun, host}, AddRule{rule(host)},
                           AddRoute{route(kTun, routed, platform::kMainTable)}}));
  EXPECT_TRUE(system.homeAddressConfigured());
  EXPECT_TRUE(system.plan(dsmip4::ConfigureHomeAddress{kHoa, true}).empty());
  // Removal in the reverse order.
  EXPECT_EQ(system.plan(dsmip4::ConfigureHomeAddress{kHoa, false}),
            (SystemChanges{RemoveRoute{route(kTun, routed, platform::kMainTable)},
                           RemoveRule{rule(host)}, RemoveAddress{kTun, host}}));
  EXPECT_FALSE(system.homeAddressConfigured());
  EXPECT_TRUE(system.plan(dsmip4::ConfigureHomeAddress{kHoa, false}).empty());
}

TEST(MobileNodeSystemTest, PrefixesGetAnAddressARouteARuleAndTheConfiguredRoutesOnce) {
  MobileNodeSystem system = mobileNodeSystem();
  const platform::IpPrefix routed = *Ipv6Prefix::parse("2001:db8:1::/64");
  const dsmip4::ConfigureIpv6Prefix first{kPrefix, kAddress, false,
                                          dsmip4::Ipv6TunnelMode::ToCareOfAddress, true};
  EXPECT_EQ(
      system.plan(first),
      (SystemChanges{AddAddress{kTun, Ipv6Prefix{kAddress, 128}},
                     AddRoute{route(kTun, kPrefix, platform::kMainTable)}, AddRule{rule(kPrefix)},
                     AddRoute{route(kTun, routed, platform::kMainTable)}}));
  // A mode change of a configured prefix: the data plane's business, nothing on the system.
  dsmip4::ConfigureIpv6Prefix mode_change = first;
  mode_change.mode = dsmip4::Ipv6TunnelMode::ToHomeAddress;
  EXPECT_TRUE(system.plan(mode_change).empty());
  // A second prefix: the configured IPv6 routes are already there.
  const dsmip4::ConfigureIpv6Prefix second{kPrefix2, kAddress2, false,
                                           dsmip4::Ipv6TunnelMode::ToHomeAddress, true};
  EXPECT_EQ(system.plan(second),
            (SystemChanges{AddAddress{kTun, Ipv6Prefix{kAddress2, 128}},
                           AddRoute{route(kTun, kPrefix2, platform::kMainTable)},
                           AddRule{rule(kPrefix2)}}));
  EXPECT_EQ(system.configuredPrefixes(), 2u);
  // Removing the first keeps the routes (the second still needs them); the last removes them.
  dsmip4::ConfigureIpv6Prefix off = first;
  off.enable = false;
  EXPECT_EQ(system.plan(off),
            (SystemChanges{RemoveRule{rule(kPrefix)},
                           RemoveRoute{route(kTun, kPrefix, platform::kMainTable)},
                           RemoveAddress{kTun, Ipv6Prefix{kAddress, 128}}}));
  off = second;
  off.enable = false;
  EXPECT_EQ(system.plan(off),
            (SystemChanges{RemoveRoute{route(kTun, routed, platform::kMainTable)},
                           RemoveRule{rule(kPrefix2)},
                           RemoveRoute{route(kTun, kPrefix2, platform::kMainTable)},
                           RemoveAddress{kTun, Ipv6Prefix{kAddress2, 128}}}));
  EXPECT_EQ(system.configuredPrefixes(), 0u);
  EXPECT_TRUE(system.plan(off).empty());
}

TEST(MobileNodeSystemTest, ALinkLocalRegistrationIsTheAddressAndTheTunnelLink) {
  MobileNodeSystem system = mobileNodeSystem();
  const Ipv6Address link_local = *Ipv6Address::parse("fe80::a01:5");
  const platform::IpPrefix link = *Ipv6Prefix::parse("fe80::/64");
  const dsmip4::ConfigureIpv6Prefix on{Ipv6Prefix{link_local, 128}, link_local, true,
                                       dsmip4::Ipv6TunnelMode::ToHomeAddress, true};
  // No rule, no configured routes: DHCPv6 on the tunnel link only.
  EXPECT_EQ(system.plan(on), (SystemChanges{AddAddress{kTun, Ipv6Prefix{link_local, 128}},
                                            AddRoute{route(kTun, link, platform::kMainTable)}}));
  dsmip4::ConfigureIpv6Prefix off = on;
  off.enable = false;
  EXPECT_EQ(system.plan(off), (SystemChanges{RemoveRoute{route(kTun, link, platform::kMainTable)},
                                             RemoveAddress{kTun, Ipv6Prefix{link_local, 128}}}));
}

TEST(Mip4SystemTest, ChangesAreDescribedForLogs) {
  EXPECT_EQ(describeSystemChange(AddRoute{route(kTun, Ipv4Prefix{kHoa, 32}, platform::kMainTable)}),
            "add route 10.1.0.5/32 dev #7 table 254");
  EXPECT_EQ(describeSystemChange(AddProxyNeighbour{platform::ProxyNeighbour{kHome, kHoa}}),
            "add proxy neighbour 10.1.0.5 dev #2");
  EXPECT_EQ(describeSystemChange(AddRule{rule(kPrefix)}),
            "add rule 1000: from 2001:db8:a::/48 lookup 434");
}

}  // namespace
}  // namespace dsmip::daemon
