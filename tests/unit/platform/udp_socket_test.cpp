// UdpSocket in private network namespaces: batched send and receive on loopback with
// per-datagram TOS, source address and local address; truncation; ICMP errors through the
// error queue (port unreachable on loopback; "fragmentation needed" and "packet too big" from a
// router namespace in front of a 1280-byte link) and the never-set-DF default.
#include "platform/udp_socket.hpp"

#include <gtest/gtest.h>

#include "platform/netlink.hpp"
#include "platform/sysctl.hpp"
#include "test_support/netns.hpp"
#include "test_util.hpp"

namespace dsmip::platform {
namespace {

using namespace std::chrono_literals;
using testing::address;
using testing::prefix;
using testing::v4;
using testing::v6;

class UdpSocketTest : public test::NetnsTest {};

TEST_F(UdpSocketTest, BatchOnIpv4LoopbackCarriesTosAndAddresses) {
  auto rx = UdpSocket::open(Ipv4Endpoint{v4("127.0.0.1"), 0});
  ASSERT_TRUE(rx) << rx.error().toString();
  auto tx = UdpSocket::open(Ipv4Endpoint{});
  ASSERT_TRUE(tx);
  EXPECT_NE(portOf(rx->localEndpoint()), 0) << "bound port is reported";
  EXPECT_EQ(rx->family(), IpFamily::V4);

  std::vector<Bytes> payloads;
  std::vector<OutgoingDatagram> out;
  for (std::uint8_t i = 0; i < 100; ++i) payloads.push_back(Bytes(10 + i, i));
  for (std::uint8_t i = 0; i < 100; ++i) {
    OutgoingDatagram d;
    d.destination = rx->localEndpoint();
    d.payload = payloads[i];
    d.tos = static_cast<std::uint8_t>((i % 64) << 2 | (i % 2 == 0 ? 0x02 : 0x00));  // DSCP | ECT(0)
    if (i == 7) d.source = address("127.0.0.2");
    out.push_back(d);
  }
  Error error;
  const SendBatchResult sent = tx->sendBatch(out, &error);
  EXPECT_EQ(error.code, ErrorCode::Ok) << error.toString();
  EXPECT_EQ(sent.consumed, 100u);
  EXPECT_EQ(sent.failed, 0u);

  std::vector<PacketBuffer> buffers(64);
  std::vector<ReceivedDatagram> meta(64);
  std::size_t total = 0;
  ASSERT_TRUE(testing::waitFor(rx->fd(), POLLIN, 5000ms));
  while (total < 100) {
    auto n = rx->receiveBatch(buffers, meta);
    ASSERT_TRUE(n) << n.error().toString();
    if (*n == 0) break;
    EXPECT_LE(*n, 64u);
    for (std::size_t k = 0; k < *n; ++k, ++total) {
      const auto i = static_cast<std::uint8_t>(total);
      EXPECT_EQ(buffers[k].size(), 10u + i);
      EXPECT_EQ(buffers[k].headroom(), PacketBuffer::kDefaultHeadroom);
      EXPECT_EQ(buffers[k].data()[0], i);
      EXPECT_EQ(meta[k].tos, out[i].tos) << "datagram " << int(i);
      EXPECT_EQ(meta[k].destination, address("127.0.0.1"));
      EXPECT_EQ(meta[k].ifindex, 1);  // lo
      EXPECT_FALSE(meta[k].truncated);
      const IpAddress expected_source = i == 7 ? address("127.0.0.2") : address("127.0.0.1");
      EXPECT_EQ(addressOf(meta[k].source), expected_source) << "datagram " << int(i);
      EXPECT_EQ(portOf(meta[k].source), portOf(tx->localEndpoint()));
    }
  }
  EXPECT_EQ(total, 100u);
  auto none = rx->receiveBatch(buffers, meta);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0u);
}

TEST_F(UdpSocketTest, BatchOnIpv6LoopbackCarriesTrafficClass) {
  auto rx = UdpSocket::open(Ipv6Endpoint{v6("::1"), 0});
  ASSERT_TRUE(rx) << rx.error().toString();
  auto tx = UdpSocket::open(Ipv6Endpoint{v6("::1"), 0});
  ASSERT_TRUE(tx);
  const std::uint8_t payload[] = {1, 2, 3};
  std::vector<OutgoingDatagram> out(3);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].destination = rx->localEndpoint();
    out[i].payload = payload;
    out[i].tos = static_cast<std::uint8_t>(0xB8 + i);  // EF with ECN variations
  }
  EXPECT_EQ(tx->sendBatch(out).consumed, 3u);
  ASSERT_TRUE(testing::waitFor(rx->fd(), POLLIN, 5000ms));
  std::vector<PacketBuffer> buffers(4);
  std::vector<ReceivedDatagram> meta(4);
  auto n = rx->receiveBatch(buffers, meta);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(meta[i].tos, out[i].tos);
    EXPECT_EQ(meta[i].source, tx->localEndpoint());
    EXPECT_EQ(meta[i].destination, address("::1"));
  }
}

TEST_F(UdpSocketTest, LongDatagramIsTruncatedToTheBuffer) {
  auto rx = UdpSocket::open(Ipv4Endpoint{v4("127.0.0.1"), 0});
  ASSERT_TRUE(rx);
  auto tx = UdpSocket::open(Ipv4Endpoint{v4("127.0.0.1"), 0});
  ASSERT_TRUE(tx);
  ASSERT_TRUE(tx->sendTo(rx->localEndpoint(), Bytes(500, 0xAB)));
  ASSERT_TRUE(testing::waitFor(rx->fd(), POLLIN, 5000ms));
  std::vector<PacketBuffer> buffers;
  buffers.emplace_back(300, 100);  // 200 bytes of tailroom
  std::vector<ReceivedDatagram> meta(1);
  auto n = rx->receiveBatch(buffers, meta, 100);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 1u);
  EXPECT_TRUE(meta[0].truncated);
  EXPECT_EQ(buffers[0].size(), 200u);
}

TEST_F(UdpSocketTest, BindErrorsAreReported) {
  auto first = UdpSocket::open(Ipv4Endpoint{v4("127.0.0.1"), 0});
  ASSERT_TRUE(first);
  auto clash = UdpSocket::open(first->localEndpoint());
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().system_errno, EADDRINUSE);
  auto not_local = UdpSocket::open(Ipv4Endpoint{v4("192.0.2.99"), 0});
  ASSERT_FALSE(not_local);
  EXPECT_EQ(not_local.error().system_errno, EADDRNOTAVAIL);
  UdpSocketOptions options;
  options.bind_device = "nosuchif0";
  auto bad_device = UdpSocket::open(Ipv4Endpoint{}, options);
  ASSERT_FALSE(bad_device);
  EXPECT_EQ(bad_device.error().system_errno, ENODEV);
  options.bind_device = "lo";
  EXPECT_TRUE(UdpSocket::open(Ipv4Endpoint{}, options));
}

TEST_F(UdpSocketTest, PortUnreachableArrivesInTheErrorQueue) {
  auto closed = UdpSocket::open(Ipv4Endpoint{v4("127.0.0.1"), 0});
  ASSERT_TRUE(closed);
  const IpEndpoint nobody = closed->localEndpoint();
  closed = UdpSocket::open(Ipv4Endpoint{v4("127.0.0.1"), 0});  // frees the port
  auto tx = UdpSocket::open(Ipv4Endpoint{v4("127.0.0.1"), 0});
  ASSERT_TRUE(tx);
  ASSERT_TRUE(tx->sendTo(nobody, Bytes(8, 1)));
  ASSERT_TRUE(testing::waitFor(tx->fd(), POLLERR, 5000ms));
  auto e = tx->readError();
  ASSERT_TRUE(e) << e.error().toString();
  ASSERT_TRUE(*e);
  EXPECT_EQ((*e)->origin, IcmpError::Origin::Icmp);
  EXPECT_EQ((*e)->type, 3);
  EXPECT_EQ((*e)->code, 3);
  EXPECT_EQ((*e)->error, ECONNREFUSED);
  EXPECT_EQ((*e)->destination, nobody);
  EXPECT_EQ((*e)->offender, address("127.0.0.1"));
  auto empty = tx->readError();
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty);
  // The pending socket error does not break receiving or sending.
  std::vector<PacketBuffer> buffers(2);
  std::vector<ReceivedDatagram> meta(2);
  auto n = tx->receiveBatch(buffers, meta);
  ASSERT_TRUE(n) << n.error().toString();
  EXPECT_EQ(*n, 0u);
  EXPECT_TRUE(tx->sendTo(tx->localEndpoint(), Bytes(4, 2)));
}

// A (this test's namespace) — a0/r0 — R (router) — r1/b1, MTU 1280 — B.
class UdpPathMtuTest : public test::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    router_.emplace(test::NetworkNamespace::create());
    far_.emplace(test::NetworkNamespace::create());
    test::createVethPair(testNamespace(), "a0", *router_, "r0");
    test::createVethPair(*router_, "r1", *far_, "b1", 1280);
    configure(testNamespace(), "a0", {"10.1.0.1/24", "2001:db8:1::1/64"},
              {{"10.2.0.0/24", "10.1.0.2"}, {"2001:db8:2::/64", "2001:db8:1::2"}});
    configure(*router_, "r0", {"10.1.0.2/24", "2001:db8:1::2/64"}, {});
    configure(*router_, "r1", {"10.2.0.1/24", "2001:db8:2::1/64"}, {});
    configure(*far_, "b1", {"10.2.0.2/24", "2001:db8:2::2/64"},
              {{"0.0.0.0/0", "10.2.0.1"}, {"::/0", "2001:db8:2::1"}});
    router_->run([&] {
      ASSERT_TRUE(writeSysctl("net/ipv4/conf/all/forwarding", "1"));
      ASSERT_TRUE(writeSysctl("net/ipv6/conf/all/forwarding", "1"));
    });
  }
  void configure(const test::NetworkNamespace& ns, const std::string& device,
                 const std::vector<std::string>& addresses,
                 const std::vector<std::pair<std::string, std::string>>& routes) {
    ns.run([&] {
      auto nl = Netlink::open();
      ASSERT_TRUE(nl);
      auto index = nl->linkIndex(device);
      ASSERT_TRUE(index);
      for (const auto& a : addresses) ASSERT_TRUE(nl->addAddress(*index, prefix(a)));
      for (const auto& a : addresses) ASSERT_TRUE(nl->waitForLocalAddress(addressOf(prefix(a))));
      for (const auto& [dst, gw] : routes) {
        Route r;
        r.destination = prefix(dst);
        r.gateway = address(gw);
        ASSERT_TRUE(nl->addRoute(r)) << dst;
      }
    });
  }
  std::optional<test::NetworkNamespace> router_;
  std::optional<test::NetworkNamespace> far_;
};

TEST_F(UdpPathMtuTest, FragmentationNeededIsReportedWithTheNextHopMtu) {
  UdpSocketOptions options;
  options.pmtu_discovery = PmtuDiscovery::Do;
  auto tx = UdpSocket::open(Ipv4Endpoint{}, options);
  ASSERT_TRUE(tx);
  const IpEndpoint far = Ipv4Endpoint{v4("10.2.0.2"), 9};
  ASSERT_TRUE(tx->sendTo(far, Bytes(1400, 0x55)));
  ASSERT_TRUE(testing::waitFor(tx->fd(), POLLERR, 5000ms)) << "no ICMP error";
  auto e = tx->readError();
  ASSERT_TRUE(e);
  ASSERT_TRUE(*e);
  EXPECT_EQ((*e)->origin, IcmpError::Origin::Icmp);
  EXPECT_EQ((*e)->type, 3);
  EXPECT_EQ((*e)->code, 4);
  EXPECT_EQ((*e)->info, 1280u);
  EXPECT_TRUE((*e)->isPacketTooBig());
  EXPECT_EQ((*e)->destination, far);
  EXPECT_EQ((*e)->offender, address("10.1.0.2"));

  // The kernel has learnt the path MTU: the next large datagram fails locally, and the batch
  // goes on with the rest.
  const Bytes big(1400, 1);
  const Bytes small(100, 2);
  const OutgoingDatagram batch[] = {{far, big, 0, std::nullopt}, {far, small, 0, std::nullopt}};
  const SendBatchResult r = tx->sendBatch(batch);
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.first_errno, EMSGSIZE);
  auto local = tx->readError();
  ASSERT_TRUE(local);
  ASSERT_TRUE(*local);
  EXPECT_EQ((*local)->origin, IcmpError::Origin::Local);
  EXPECT_EQ((*local)->error, EMSGSIZE);
  EXPECT_EQ((*local)->info, 1280u);
}

TEST_F(UdpPathMtuTest, DefaultNeverSetsDfSoRoutersFragment) {
  std::optional<UdpSocket> rx;
  far_->run([&] {
    auto s = UdpSocket::open(Ipv4Endpoint{v4("10.2.0.2"), 4191});
    ASSERT_TRUE(s) << s.error().toString();
    rx.emplace(std::move(*s));
  });
  ASSERT_TRUE(rx);
  auto tx = UdpSocket::open(Ipv4Endpoint{});  // PmtuDiscovery::Dont
  ASSERT_TRUE(tx);
  ASSERT_TRUE(tx->sendTo(rx->localEndpoint(), Bytes(1400, 0x33)));
  ASSERT_TRUE(testing::waitFor(rx->fd(), POLLIN, 5000ms)) << "fragments did not arrive";
  std::vector<PacketBuffer> buffers(1);
  std::vector<ReceivedDatagram> meta(1);
  auto n = rx->receiveBatch(buffers, meta);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 1u);
  EXPECT_EQ(buffers[0].size(), 1400u);
  EXPECT_FALSE(testing::waitFor(tx->fd(), POLLERR, 100ms)) << "no ICMP error expected";
}

TEST_F(UdpPathMtuTest, PacketTooBigIsReportedForIpv6) {
  UdpSocketOptions options;
  options.pmtu_discovery = PmtuDiscovery::Do;
  auto tx = UdpSocket::open(Ipv6Endpoint{}, options);
  ASSERT_TRUE(tx);
  const IpEndpoint far = Ipv6Endpoint{v6("2001:db8:2::2"), 9};
  // Neighbour discovery may still be running on the first attempt; retry until the router
  // has seen a packet and answered.
  std::optional<IcmpError> error;
  ASSERT_TRUE(testing::eventually([&] {
    EXPECT_TRUE(tx->sendTo(far, Bytes(1400, 0x66)));
    if (!testing::waitFor(tx->fd(), POLLERR, 500ms)) return false;
    auto e = tx->readError();
    if (!e || !*e) return false;
    error = **e;
    return true;
  }));
  EXPECT_EQ(error->origin, IcmpError::Origin::Icmp6);
  EXPECT_EQ(error->type, 2);
  EXPECT_EQ(error->code, 0);
  EXPECT_EQ(error->info, 1280u);
  EXPECT_TRUE(error->isPacketTooBig());
  EXPECT_EQ(error->destination, far);
  EXPECT_EQ(error->offender, address("2001:db8:1::2"));
}

}  // namespace
}  // namespace dsmip::platform
