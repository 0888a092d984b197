// TUN devices, in a private network namespace: creation and configuration through Netlink, the
// kernel routing packets into the device (an ICMPv6 echo request, UDP over IPv4) and accepting
// packets written to it (the echo reply reaches a local socket), batch reads, and the device
// vanishing with its descriptor.
#include "platform/tun.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/netlink.hpp"
#include "platform/socket_address.hpp"
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

class TunTest : public test::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto nl = Netlink::open();
    ASSERT_TRUE(nl) << nl.error().toString();
    netlink_.emplace(std::move(*nl));
    auto tun = TunDevice::open("dtun%d");
    ASSERT_TRUE(tun) << tun.error().toString();
    tun_.emplace(std::move(*tun));
  }
  // Reads packets from the TUN until `match` accepts one (bounded).
  template <typename Match>
  std::optional<Bytes> readUntil(Match match) {
    PacketBuffer buffer;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!testing::waitFor(tun_->fd(), POLLIN, 100ms)) continue;
      auto r = tun_->readPacket(buffer);
      EXPECT_TRUE(r) << r.error().toString();
      if (!r || !*r) continue;
      EXPECT_EQ(buffer.headroom(), PacketBuffer::kDefaultHeadroom);
      if (match(buffer.data())) return Bytes(buffer.data().begin(), buffer.data().end());
    }
    return std::nullopt;
  }
  std::optional<Netlink> netlink_;
  std::optional<TunDevice> tun_;
};

TEST_F(TunTest, DeviceIsCreatedAndConfigured) {
  EXPECT_EQ(tun_->name().rfind("dtun", 0), 0u);
  auto index = netlink_->linkIndex(tun_->name());
  ASSERT_TRUE(index);
  EXPECT_EQ(*index, tun_->ifindex());
  ASSERT_TRUE(netlink_->setLinkMtu(tun_->ifindex(), 1400));
  ASSERT_TRUE(netlink_->setLinkUp(tun_->ifindex(), true));
  auto link = netlink_->link(tun_->ifindex());
  ASSERT_TRUE(link);
  EXPECT_EQ(link->mtu, 1400u);
  EXPECT_TRUE(link->up());
  EXPECT_EQ(link->kind, "tun");
  EXPECT_EQ(link->name, tun_->name());

  ASSERT_TRUE(netlink_->addAddress(tun_->ifindex(), prefix("2001:db8:ff::1/64")));
  ASSERT_TRUE(netlink_->addAddress(tun_->ifindex(), prefix("10.9.0.1/24")));
  ASSERT_TRUE(netlink_->waitForLocalAddress(address("2001:db8:ff::1")));
  auto addresses = netlink_->addresses(tun_->ifindex());
  ASSERT_TRUE(addresses);
  bool v6_found = false;
  bool v4_found = false;
  for (const auto& a : *addresses) {
    if (a.address == prefix("2001:db8:ff::1/64")) {
      v6_found = true;
      EXPECT_FALSE(a.tentative()) << "IFA_F_NODAD makes the address usable at once";
    }
    if (a.address == prefix("10.9.0.1/24")) v4_found = true;
  }
  EXPECT_TRUE(v6_found);
  EXPECT_TRUE(v4_found);

  Route r;
  r.destination = prefix("2001:db8:aa::/48");
  r.ifindex = tun_->ifindex();
  ASSERT_TRUE(netlink_->addRoute(r));
  auto lookup = netlink_->lookupRoute(address("2001:db8:aa::5"));
  ASSERT_TRUE(lookup) << lookup.error().toString();
  EXPECT_EQ(lookup->ifindex, tun_->ifindex());
}

TEST_F(TunTest, NameRulesAndExclusiveUse) {
  auto too_long = TunDevice::open("a-name-longer-than-15");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::InvalidArgument);
  auto again = TunDevice::open(tun_->name());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().system_errno, EBUSY);
}

TEST_F(TunTest, DeviceDisappearsWhenClosed) {
  const std::string name = tun_->name();
  tun_.reset();
  auto index = netlink_->linkIndex(name);
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().system_errno, ENODEV);
}

TEST_F(TunTest, RoutedEchoRequestIsReadAndWrittenReplyIsAccepted) {
  ASSERT_TRUE(netlink_->setLinkUp(tun_->ifindex(), true));
  ASSERT_TRUE(netlink_->addAddress(tun_->ifindex(), prefix("2001:db8:ff::1/64")));
  ASSERT_TRUE(netlink_->waitForLocalAddress(address("2001:db8:ff::1")));
  const Ipv6Address local = v6("2001:db8:ff::1");
  const Ipv6Address remote = v6("2001:db8:ff::2");

  // A raw ICMPv6 socket stands in for ping (the kernel fills in the checksum).
  UniqueFd icmp{::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6)};
  ASSERT_TRUE(icmp);
  const std::uint8_t request[] = {128, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'p', 'i', 'n', 'g'};
  const SocketAddress to = toSocketAddress(Ipv6Endpoint{remote, 0});
  ASSERT_EQ(::sendto(icmp.get(), request, sizeof(request), 0, to.get(), to.length),
            static_cast<ssize_t>(sizeof(request)));

  auto packet = readUntil([&](ByteView p) { return p.size() >= 48 && p[6] == 58 && p[40] == 128; });
  ASSERT_TRUE(packet) << "the echo request never reached the TUN";
  EXPECT_EQ((*packet)[0] >> 4, 6);
  EXPECT_EQ(Ipv6Address::fromBytes(ByteView(*packet).subspan(8, 16)), local);
  EXPECT_EQ(Ipv6Address::fromBytes(ByteView(*packet).subspan(24, 16)), remote);
  EXPECT_EQ(ByteView(*packet).subspan(44, 8).size(), 8u);
  EXPECT_EQ((*packet)[44], 0x12);
  EXPECT_EQ((*packet)[45], 0x34);

  // Answer through the TUN: the kernel must accept it and deliver it to the ICMPv6 socket.
  const Bytes reply_icmp =
      testing::icmpv6Echo(remote, local, true, 0x1234, 1, ByteView(*packet).subspan(48));
  const Bytes reply = testing::ipv6Packet(remote, local, 58, reply_icmp);
  ASSERT_TRUE(tun_->writePacket(reply));
  bool got_reply = false;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!got_reply && std::chrono::steady_clock::now() < deadline) {
    if (!testing::waitFor(icmp.get(), POLLIN, 100ms)) continue;
    std::uint8_t buf[256];
    const ssize_t n = ::recv(icmp.get(), buf, sizeof(buf), 0);
    if (n >= 12 && buf[0] == 129) {
      got_reply = true;
      EXPECT_EQ(buf[4], 0x12);
      EXPECT_EQ(buf[7], 0x01);
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf + 8), 4), "ping");  // NOLINT
    }
  }
  EXPECT_TRUE(got_reply);
}

TEST_F(TunTest, UdpOverIpv4BothWaysAndBatchRead) {
  ASSERT_TRUE(netlink_->setLinkUp(tun_->ifindex(), true));
  ASSERT_TRUE(netlink_->addAddress(tun_->ifindex(), prefix("10.9.0.1/24")));
  auto socket = UdpSocket::open(Ipv4Endpoint{v4("10.9.0.1"), 0});
  ASSERT_TRUE(socket) << socket.error().toString();
  const IpEndpoint remote = Ipv4Endpoint{v4("10.9.0.2"), 5000};
  for (std::uint8_t i = 0; i < 5; ++i) {
    const std::uint8_t payload[] = {'d', i};
    ASSERT_TRUE(socket->sendTo(remote, payload));
  }
  // All five are queued on the device by now: one batch read takes them.
  std::vector<PacketBuffer> buffers(8);
  ASSERT_TRUE(testing::waitFor(tun_->fd(), POLLIN, 5000ms));
  std::size_t udp = 0;
  std::vector<std::uint8_t> order;
  auto n = tun_->readBatch(buffers);
  ASSERT_TRUE(n) << n.error().toString();
  for (std::size_t i = 0; i < *n; ++i) {
    const ByteView p = buffers[i].data();
    if (p.size() == 30 && p[9] == 17 && p[22] == 0x13 && p[23] == 0x88) {  // port 5000
      ++udp;
      order.push_back(p[29]);
    }
  }
  EXPECT_EQ(udp, 5u);
  EXPECT_EQ(order, (std::vector<std::uint8_t>{0, 1, 2, 3, 4}));
  auto empty = tun_->readBatch(buffers);
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, 0u);

  // A reply written to the TUN reaches the socket.
  const std::uint16_t port = portOf(socket->localEndpoint());
  Bytes udp_reply(12);
  ByteWriter w(udp_reply);
  w.u16(5000);
  w.u16(port);
  w.u16(12);
  w.u16(0);  // no checksum (IPv4 allows it)
  w.bytes(std::vector<std::uint8_t>{'p', 'o', 'n', 'g'});
  ASSERT_TRUE(
      tun_->writePacket(testing::ipv4Packet(v4("10.9.0.2"), v4("10.9.0.1"), 17, udp_reply)));
  ASSERT_TRUE(testing::waitFor(socket->fd(), POLLIN, 5000ms));
  std::vector<ReceivedDatagram> meta(8);
  auto got = socket->receiveBatch(buffers, meta);
  ASSERT_TRUE(got);
  ASSERT_EQ(*got, 1u);
  EXPECT_EQ(std::string(buffers[0].data().begin(), buffers[0].data().end()), "pong");
  EXPECT_EQ(meta[0].source, remote);
  EXPECT_EQ(meta[0].ifindex, tun_->ifindex());
}

}  // namespace
}  // namespace dsmip::platform
