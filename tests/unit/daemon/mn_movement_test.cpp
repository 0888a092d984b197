// Movement detection: which local addresses are care-of address candidates.
#include "daemon/mn_movement.hpp"

#include <gtest/gtest.h>

namespace dsmip::daemon {
namespace {

constexpr std::uint32_t kUpRunning = 0x1 | 0x40;

Ipv6Address v6(std::string_view s) { return *Ipv6Address::parse(s); }
Ipv4Address v4(std::string_view s) { return *Ipv4Address::parse(s); }

platform::Route route(std::string_view prefix, int ifindex) {
  platform::Route r;
  r.destination = *platform::parseIpPrefix(prefix);
  r.ifindex = ifindex;
  return r;
}

platform::InterfaceAddress address(int ifindex, std::string_view prefix, std::uint32_t flags = 0,
                                   std::uint8_t scope = 0) {
  return platform::InterfaceAddress{ifindex, *platform::parseIpPrefix(prefix), flags, scope};
}

class MovementTest : public ::testing::Test {
 protected:
  MovementTest() {
    state_.links = {{2, "eth0", kUpRunning, 1500, "veth"},
                    {3, "wlan0", kUpRunning, 1500, "veth"},
                    {4, "m6t0", kUpRunning, 1472, "tun"},
                    {5, "other0", kUpRunning, 1500, "veth"}};
    query_.interfaces = {"eth0", "wlan0", "m6t0"};
    query_.home_prefix = *Ipv6Prefix::parse("2001:db8:10::/64");
    query_.home_agent = v6("2001:db8:10::100");
    query_.home_agent_ipv4 = v4("192.0.2.2");
  }
  std::vector<std::string> addresses() {
    std::vector<std::string> out;
    for (const auto& c : careOfCandidates(state_, query_)) {
      out.push_back(dsmip6::careOfToString(c.address) + "@" + c.interface + "#" +
                    std::to_string(c.preference));
    }
    return out;
  }
  LinkState state_;
  CandidateQuery query_;
};

TEST_F(MovementTest, AddressesWithARouteToTheHomeAgent) {
  state_.addresses = {address(2, "2001:db8:a::2/64"), address(3, "10.0.3.2/24"),
                      address(5, "2001:db8:5::2/64")};
  state_.routes = {route("::/0", 2), route("0.0.0.0/0", 3), route("::/0", 5)};
  EXPECT_EQ(addresses(), (std::vector<std::string>{"2001:db8:a::2@eth0#0", "10.0.3.2@wlan0#1"}));
}

TEST_F(MovementTest, NoRouteNoCandidate) {
  state_.addresses = {address(2, "2001:db8:a::2/64"), address(3, "10.0.3.2/24")};
  state_.routes = {route("2001:db8:a::/64", 2), route("10.0.3.0/24", 3)};
  EXPECT_TRUE(addresses().empty());
  // A specific route to the home agent counts (the m6t client routes only the home prefix).
  state_.routes.push_back(route("2001:db8:10::/64", 2));
  state_.routes.push_back(route("192.0.2.0/24", 3));
  EXPECT_EQ(addresses().size(), 2u);
}

TEST_F(MovementTest, LinkMustBeUpAndRunning) {
  state_.addresses = {address(2, "2001:db8:a::2/64")};
  state_.routes = {route("::/0", 2)};
  state_.links[0].flags = 0x1;  // up, no carrier
  EXPECT_TRUE(addresses().empty());
  state_.links[0].flags = kUpRunning;
  EXPECT_EQ(addresses().size(), 1u);
}

TEST_F(MovementTest, UnusableAddressesAreSkipped) {
  state_.addresses = {address(2, "2001:db8:a::2/64", 0x40),  // tentative
                      address(2, "2001:db8:a::3/64", 0x20),  // deprecated
                      address(2, "fe80::1/64", 0, 253),      // link scope
                      address(3, "127.0.0.2/8", 0, 254),     // host scope
                      address(2, "2001:db8:a::4/64", 0x80 /* permanent */)};
  state_.routes = {route("::/0", 2), route("0.0.0.0/0", 3)};
  EXPECT_EQ(addresses(), std::vector<std::string>{"2001:db8:a::4@eth0#0"});
}

TEST_F(MovementTest, HomePrefixMeansAtHomeWithoutARoute) {
  state_.addresses = {address(2, "2001:db8:10::77/64")};
  state_.routes = {};
  EXPECT_EQ(addresses(), std::vector<std::string>{"2001:db8:10::77@eth0#0"});
}

TEST_F(MovementTest, Ipv4NeedsTheHomeAgentsAddressOrADefaultRoute) {
  state_.addresses = {address(3, "10.0.3.2/24")};
  state_.routes = {route("0.0.0.0/0", 3)};
  query_.ipv4 = false;
  EXPECT_TRUE(addresses().empty());
  query_.ipv4 = true;
  query_.home_agent_ipv4.reset();
  EXPECT_EQ(addresses().size(), 1u);
  state_.routes = {route("10.0.0.0/8", 3)};
  EXPECT_TRUE(addresses().empty());
}

TEST_F(MovementTest, OrderIsPreferenceThenIpv6First) {
  state_.addresses = {address(4, "fd00:6d36:0:1:7:1:2:3/128"), address(3, "10.0.3.2/24"),
                      address(3, "2001:db8:3::2/64")};
  state_.routes = {route("2001:db8:10::/64", 4), route("0.0.0.0/0", 3), route("::/0", 3)};
  EXPECT_EQ(addresses(), (std::vector<std::string>{"2001:db8:3::2@wlan0#1", "10.0.3.2@wlan0#1",
                                                   "fd00:6d36:0:1:7:1:2:3@m6t0#2"}));
  EXPECT_EQ(interfaceMtu(state_, "m6t0"), 1472u);
  EXPECT_EQ(interfaceMtu(state_, "nope"), 0u);
}

}  // namespace
}  // namespace dsmip::daemon
