// Proxy neighbour entries answering on the wire, as a home agent needs for the home addresses
// of mobile nodes away from home: another host on the link (namespace B) sends to a proxied
// address, which only works if the kernel of A answered B's Neighbor Solicitation (IPv6) or ARP
// request (IPv4) for it. A packet socket on A's interface sees the resulting datagrams.
//
// Conditions this verifies (Linux): IPv6 proxy ND needs forwarding and proxy_ndp on the
// interface; IPv4 proxy ARP needs forwarding and a route for the address through another
// interface (not the proxy_arp sysctl). proxy_delay is set to 0 so that answers to multicast
// solicitations are not delayed by up to 0.8 s.
#include <gtest/gtest.h>

#include <algorithm>

#include "platform/netlink.hpp"
#include "platform/packet_socket.hpp"
#include "platform/sysctl.hpp"
#include "platform/tun.hpp"
#include "platform/udp_socket.hpp"
#include "test_support/netns.hpp"
#include "test_util.hpp"

namespace dsmip::platform {
namespace {

using namespace std::chrono_literals;
using testing::address;
using testing::prefix;
using testing::v4;
using testing::v6;

class ProxyNeighbourTest : public test::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    host_.emplace(test::NetworkNamespace::create());
    test::createVethPair(testNamespace(), "a0", *host_, "b0");
    auto nl = Netlink::open();
    ASSERT_TRUE(nl);
    netlink_.emplace(std::move(*nl));
    a_index_ = test::interfaceIndex("a0");
    ASSERT_TRUE(netlink_->addAddress(a_index_, prefix("2001:db8:1::1/64")));
    ASSERT_TRUE(netlink_->addAddress(a_index_, prefix("10.1.0.1/24")));
    host_->run([&] {
      auto b = Netlink::open();
      ASSERT_TRUE(b);
      const int index = test::interfaceIndex("b0");
      ASSERT_TRUE(b->addAddress(index, prefix("2001:db8:1::2/64")));
      ASSERT_TRUE(b->addAddress(index, prefix("10.1.0.2/24")));
      ASSERT_TRUE(b->waitForLocalAddress(address("2001:db8:1::2")));
    });
  }
  // Sends a datagram from B to `destination` every 200 ms until A's packet socket sees one
  // (true), or `timeout` passes (false).
  bool reachesA(PacketSocket& capture, const IpEndpoint& destination,
                std::chrono::milliseconds timeout) {
    std::optional<UdpSocket> sender;
    host_->run([&] {
      auto s = familyOf(destination) == IpFamily::V4 ? UdpSocket::open(Ipv4Endpoint{})
                                                     : UdpSocket::open(Ipv6Endpoint{});
      EXPECT_TRUE(s);
      if (s) sender.emplace(std::move(*s));
    });
    if (!sender) return false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<PacketBuffer> buffers(4);
    std::vector<CapturedPacketInfo> meta(4);
    while (std::chrono::steady_clock::now() < deadline) {
      // Unresolved neighbours make the send fail later (EHOSTUNREACH via the error queue);
      // that is expected for the negative case.
      [[maybe_unused]] auto s = sender->sendTo(destination, Bytes(4, 9));
      if (!testing::waitFor(capture.fd(), POLLIN, 200ms)) continue;
      auto n = capture.receiveBatch(buffers, meta);
      if (n && *n > 0) return true;
    }
    return false;
  }
  std::optional<test::NetworkNamespace> host_;
  std::optional<Netlink> netlink_;
  int a_index_ = 0;
};

TEST_F(ProxyNeighbourTest, ProxyNdAnswersForTheProxiedAddressOnly) {
  ASSERT_TRUE(writeSysctl("net/ipv6/conf/all/forwarding", "1"));
  ASSERT_TRUE(writeSysctl(ipv6ConfKey("a0", "proxy_ndp"), "1"));
  ASSERT_TRUE(writeSysctl(ipv6NeighKey("a0", "proxy_delay"), "0"));
  ASSERT_TRUE(netlink_->addProxyNeighbour({a_index_, address("2001:db8:1::99")}));

  auto proxied_filter =
      BpfFilterBuilder{}.ipv6Destination(v6("2001:db8:1::99")).ipv6NextHeader(17).build();
  auto other_filter =
      BpfFilterBuilder{}.ipv6Destination(v6("2001:db8:1::98")).ipv6NextHeader(17).build();
  ASSERT_TRUE(proxied_filter && other_filter);
  auto proxied = PacketSocket::open(a_index_, PacketProtocol::Ipv6, *proxied_filter);
  auto other = PacketSocket::open(a_index_, PacketProtocol::Ipv6, *other_filter);
  ASSERT_TRUE(proxied && other);

  EXPECT_TRUE(reachesA(*proxied, Ipv6Endpoint{v6("2001:db8:1::99"), 9}, 5000ms))
      << "B could not resolve the proxied address to A";
  EXPECT_FALSE(reachesA(*other, Ipv6Endpoint{v6("2001:db8:1::98"), 9}, 600ms))
      << "an address without a proxy entry must stay unresolved";
}

TEST_F(ProxyNeighbourTest, RouterFlagIsKeptByTheKernel) {
  // A home agent proxies a mobile router's home address with the Router flag (RFC 3963 §6.2);
  // the kernel keeps NTF_ROUTER on the entry and answers solicitations with R set.
  const ProxyNeighbour router{a_index_, address("2001:db8:1::97"), true};
  const ProxyNeighbour host{a_index_, address("2001:db8:1::96"), false};
  ASSERT_TRUE(netlink_->addProxyNeighbour(router));
  ASSERT_TRUE(netlink_->addProxyNeighbour(host));
  auto entries = netlink_->proxyNeighbours(IpFamily::V6);
  ASSERT_TRUE(entries);
  EXPECT_NE(std::find(entries->begin(), entries->end(), router), entries->end());
  EXPECT_NE(std::find(entries->begin(), entries->end(), host), entries->end());
  ASSERT_TRUE(netlink_->deleteProxyNeighbour(router));
  ASSERT_TRUE(netlink_->deleteProxyNeighbour(host));
}

TEST_F(ProxyNeighbourTest, ProxyArpAnswersWhenTheAddressIsRoutedElsewhere) {
  ASSERT_TRUE(writeSysctl("net/ipv4/conf/all/forwarding", "1"));
  ASSERT_TRUE(writeSysctl(ipv4NeighKey("a0", "proxy_delay"), "0"));
  EXPECT_EQ(readSysctl(ipv4ConfKey("a0", "proxy_arp")).value_or(""), "0")
      << "the entry alone must do, without the proxy_arp sysctl";
  // The home address is reached through a tunnel, not through a0.
  auto tun = TunDevice::open("dtun%d");
  ASSERT_TRUE(tun);
  ASSERT_TRUE(netlink_->setLinkUp(tun->ifindex(), true));
  Route to_mobile;
  to_mobile.destination = prefix("10.1.0.99/32");
  to_mobile.ifindex = tun->ifindex();
  ASSERT_TRUE(netlink_->addRoute(to_mobile));
  ASSERT_TRUE(netlink_->addProxyNeighbour({a_index_, address("10.1.0.99")}));

  auto filter = BpfFilterBuilder{}.ipv4Destination(v4("10.1.0.99")).ipv4Protocol(17).build();
  ASSERT_TRUE(filter);
  auto capture = PacketSocket::open(a_index_, PacketProtocol::Ipv4, *filter);
  ASSERT_TRUE(capture);
  EXPECT_TRUE(reachesA(*capture, Ipv4Endpoint{v4("10.1.0.99"), 9}, 5000ms))
      << "B could not resolve the proxied address to A";

  // And the packet went on into the tunnel, as forwarding should do.
  PacketBuffer buffer;
  ASSERT_TRUE(testing::eventually([&] {
    auto r = tun->readPacket(buffer);
    return r && *r && buffer.size() >= 20 && buffer.data()[9] == 17;
  }));
}

}  // namespace
}  // namespace dsmip::platform
