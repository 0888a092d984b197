// NetlinkMonitor in a private network namespace: link, address and route notifications arrive
// parsed through the EventLoop, and an overrun of the socket buffer becomes ResyncNeeded.
#include <gtest/gtest.h>

#include <algorithm>

#include "platform/netlink.hpp"
#include "platform/tun.hpp"
#include "test_support/netns.hpp"
#include "test_util.hpp"

namespace dsmip::platform {
namespace {

using namespace std::chrono_literals;
using testing::address;
using testing::prefix;

class NetlinkMonitorTest : public test::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
    auto nl = Netlink::open();
    ASSERT_TRUE(nl);
    netlink_.emplace(std::move(*nl));
  }
  // Runs the loop until `done()` holds (bounded).
  template <typename F>
  bool runUntil(F done) {
    const TimePoint deadline = monotonicNow() + 5s;
    while (!done()) {
      if (monotonicNow() >= deadline) return false;
      EXPECT_TRUE(loop_->runOnce(10ms));
    }
    return true;
  }
  std::unique_ptr<EventLoop> loop_;
  std::optional<Netlink> netlink_;
  std::vector<NetlinkEvent> events_;
};

template <typename T>
std::vector<T> eventsOf(const std::vector<NetlinkEvent>& events) {
  std::vector<T> out;
  for (const auto& e : events) {
    if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
  }
  return out;
}

TEST_F(NetlinkMonitorTest, LinkAddressAndRouteChangesAreDelivered) {
  auto monitor =
      NetlinkMonitor::create(*loop_, [&](const NetlinkEvent& e) { events_.push_back(e); });
  ASSERT_TRUE(monitor) << monitor.error().toString();

  auto opened = TunDevice::open("dmon%d");
  ASSERT_TRUE(opened);
  std::optional<TunDevice> tun(std::move(*opened));
  const int index = tun->ifindex();
  ASSERT_TRUE(netlink_->setLinkUp(index, true));
  ASSERT_TRUE(runUntil([&] {
    auto links = eventsOf<LinkEvent>(events_);
    return std::any_of(links.begin(), links.end(), [&](const LinkEvent& l) {
      return !l.removed && l.link.index == index && l.link.up() && l.link.name == tun->name();
    });
  })) << "no link-up event";

  ASSERT_TRUE(netlink_->addAddress(index, prefix("2001:db8:9::1/64")));
  ASSERT_TRUE(netlink_->addAddress(index, prefix("10.8.0.1/24")));
  auto address_seen = [&](const IpPrefix& p, bool removed) {
    auto list = eventsOf<AddressEvent>(events_);
    return std::any_of(list.begin(), list.end(), [&](const AddressEvent& a) {
      return a.removed == removed && a.address.address == p && a.address.ifindex == index;
    });
  };
  ASSERT_TRUE(runUntil([&] {
    return address_seen(prefix("2001:db8:9::1/64"), false) &&
           address_seen(prefix("10.8.0.1/24"), false);
  }));
  ASSERT_TRUE(netlink_->deleteAddress(index, prefix("10.8.0.1/24")));
  ASSERT_TRUE(runUntil([&] { return address_seen(prefix("10.8.0.1/24"), true); }));

  // Default routes appear, change and disappear.
  Route v6;
  v6.destination = prefix("::/0");
  v6.ifindex = index;
  v6.metric = 7;
  ASSERT_TRUE(netlink_->addRoute(v6));
  Route v4;
  v4.destination = prefix("0.0.0.0/0");
  v4.ifindex = index;
  ASSERT_TRUE(netlink_->addRoute(v4));
  auto route_seen = [&](IpFamily family, bool removed) {
    auto list = eventsOf<RouteEvent>(events_);
    return std::any_of(list.begin(), list.end(), [&](const RouteEvent& r) {
      return r.removed == removed && r.route.isDefault() &&
             familyOf(r.route.destination) == family && r.route.ifindex == index &&
             r.route.table == kMainTable;
    });
  };
  ASSERT_TRUE(
      runUntil([&] { return route_seen(IpFamily::V6, false) && route_seen(IpFamily::V4, false); }));
  ASSERT_TRUE(netlink_->deleteRoute(v6));
  ASSERT_TRUE(runUntil([&] { return route_seen(IpFamily::V6, true); }));

  // The device goes away with its descriptor.
  tun.reset();
  ASSERT_TRUE(runUntil([&] {
    auto links = eventsOf<LinkEvent>(events_);
    return std::any_of(links.begin(), links.end(),
                       [&](const LinkEvent& l) { return l.removed && l.link.index == index; });
  }));
  EXPECT_EQ((*monitor)->malformed(), 0u);
  EXPECT_EQ((*monitor)->overruns(), 0u);
}

TEST_F(NetlinkMonitorTest, OverrunIsReportedAsResyncNeeded) {
  MonitorOptions options;
  options.receive_buffer_bytes = 1;  // the kernel rounds this up to its minimum (a few KiB)
  auto monitor = NetlinkMonitor::create(
      *loop_, [&](const NetlinkEvent& e) { events_.push_back(e); }, options);
  ASSERT_TRUE(monitor);
  auto tun = TunDevice::open("dmon%d");
  ASSERT_TRUE(tun);
  ASSERT_TRUE(netlink_->setLinkUp(tun->ifindex(), true));
  // Many notifications without reading: the monitor's small buffer overflows.
  for (int i = 0; i < 200; ++i) {
    Route r;
    r.destination = IpPrefix{
        Ipv4Prefix{Ipv4Address::fromU32(0x0A000000u + (static_cast<std::uint32_t>(i) << 8)), 24}};
    r.ifindex = tun->ifindex();
    ASSERT_TRUE(netlink_->addRoute(r));
  }
  ASSERT_TRUE(runUntil([&] { return !eventsOf<ResyncNeeded>(events_).empty(); }));
  EXPECT_GE((*monitor)->overruns(), 1u);
  // The monitor keeps working after the overrun.
  const std::size_t before = eventsOf<RouteEvent>(events_).size();
  Route extra;
  extra.destination = prefix("192.0.2.0/24");
  extra.ifindex = tun->ifindex();
  ASSERT_TRUE(netlink_->addRoute(extra));
  ASSERT_TRUE(runUntil([&] { return eventsOf<RouteEvent>(events_).size() > before; }));
}

TEST_F(NetlinkMonitorTest, GroupsCanBeLeftOut) {
  MonitorOptions options;
  options.ipv4_routes = false;
  options.ipv6_routes = false;
  options.links = false;
  auto monitor = NetlinkMonitor::create(
      *loop_, [&](const NetlinkEvent& e) { events_.push_back(e); }, options);
  ASSERT_TRUE(monitor);
  auto tun = TunDevice::open("dmon%d");
  ASSERT_TRUE(tun);
  ASSERT_TRUE(netlink_->setLinkUp(tun->ifindex(), true));
  ASSERT_TRUE(netlink_->addAddress(tun->ifindex(), prefix("10.8.0.1/24")));  // adds a route too
  ASSERT_TRUE(runUntil([&] { return !eventsOf<AddressEvent>(events_).empty(); }));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(loop_->runOnce(5ms));
  EXPECT_TRUE(eventsOf<RouteEvent>(events_).empty());
  EXPECT_TRUE(eventsOf<LinkEvent>(events_).empty());
}

}  // namespace
}  // namespace dsmip::platform
