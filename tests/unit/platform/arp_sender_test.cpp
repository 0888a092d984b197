// Gratuitous ARP (RFC 5227 §3, RFC 5944 §4.6): the packet layout, and a root test that the
// announcement leaves the interface as a broadcast another namespace receives.
#include "platform/arp_sender.hpp"

#include <gtest/gtest.h>

#include "platform/packet_socket.hpp"
#include "test_support/netns.hpp"
#include "test_util.hpp"

namespace dsmip::platform {
namespace {

using namespace std::chrono_literals;

TEST(ArpSenderTest, PacketIsAnArpRequestForTheAddressFromTheInterface) {
  const MacAddress mac{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
  const Bytes packet = gratuitousArpPacket(mac, *Ipv4Address::parse("10.1.0.5"));
  const Bytes expected{0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,  // Ethernet, IPv4, request
                       0x02, 0x00, 0x5e, 0x10, 0x20, 0x30,              // SHA: the interface
                       10,   1,    0,    5,                             // SPA: the address
                       0,    0,    0,    0,    0,    0,                 // THA: unknown
                       10,   1,    0,    5};                            // TPA = SPA
  EXPECT_EQ(packet, expected);
}

class ArpSenderNetnsTest : public test::NetnsTest {};

TEST_F(ArpSenderNetnsTest, AnnouncementReachesTheLink) {
  if (IsSkipped()) return;
  auto peer = test::NetworkNamespace::create();
  test::createVethPair(testNamespace(), "a0", peer, "b0");
  std::optional<PacketSocket> capture;
  peer.run([&] {
    auto s = PacketSocket::open(test::interfaceIndex("b0"), PacketProtocol::All);
    ASSERT_TRUE(s) << s.error().toString();
    capture.emplace(std::move(*s));
  });
  ASSERT_TRUE(capture);
  auto sender = ArpSender::open(test::interfaceIndex("a0"));
  ASSERT_TRUE(sender) << sender.error().toString();
  const Ipv4Address address = *Ipv4Address::parse("10.1.0.5");

  std::vector<PacketBuffer> buffers(8);
  std::vector<CapturedPacketInfo> meta(8);
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    // A fresh veth drops what is sent before its carrier is up: announce again until one
    // arrives (the daemon, too, repeats its announcements).
    ASSERT_TRUE(sender->announce(address));
    if (!testing::waitFor(capture->fd(), POLLIN, 200ms)) continue;
    auto n = capture->receiveBatch(buffers, meta);
    ASSERT_TRUE(n);
    for (std::size_t i = 0; i < *n; ++i) {
      if (meta[i].protocol != 0x0806) continue;  // IPv6 neighbour discovery of the new link
      EXPECT_EQ(meta[i].type, PacketType::Broadcast);
      const Bytes got(buffers[i].data().begin(), buffers[i].data().end());
      EXPECT_EQ(got, gratuitousArpPacket(sender->hardwareAddress(), address));
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << "no ARP announcement arrived on the peer";
}

TEST_F(ArpSenderNetnsTest, LoopbackIsRefused) {
  if (IsSkipped()) return;
  auto sender = ArpSender::open(test::interfaceIndex("lo"));
  ASSERT_FALSE(sender);
  EXPECT_EQ(sender.error().code, ErrorCode::Unsupported);
}

}  // namespace
}  // namespace dsmip::platform
