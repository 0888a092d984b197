// Unsolicited Neighbor Advertisements (RFC 4861 §4.4, §7.2.6): the message layout, and a root
// test that the advertisement leaves the interface as ICMPv6 to all-nodes with hop limit 255.
#include "platform/nd_advertiser.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "platform/packet_socket.hpp"
#include "test_support/netns.hpp"
#include "test_util.hpp"

namespace dsmip::platform {
namespace {

using namespace std::chrono_literals;

const MacAddress kMac{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};

TEST(NdAdvertiserTest, MessageIsAnUnsolicitedOverridingAdvertisement) {
  const Bytes message =
      unsolicitedNeighbourAdvertisement(kMac, *Ipv6Address::parse("2001:db8:10::50"), false);
  const Bytes expected{136,  0,    0,    0,     // type NA, code, checksum (the kernel's)
                       0x20, 0,    0,    0,     // R = 0, S = 0, O = 1
                       0x20, 0x01, 0x0d, 0xb8,  // target 2001:db8:10::50
                       0,    0x10, 0,    0,    0,    0,   0,
                       0,    0,    0,    0,    0x50, 2,   1,  // Target Link-Layer Address, 8 octets
                       0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};   // the interface's address
  EXPECT_EQ(message, expected);
}

TEST(NdAdvertiserTest, RouterFlagForAMobileRouter) {
  const Bytes message =
      unsolicitedNeighbourAdvertisement(kMac, *Ipv6Address::parse("2001:db8:10::50"), true);
  EXPECT_EQ(message[4], 0xa0);  // R and O
}

class NdAdvertiserNetnsTest : public test::NetnsTest {};

TEST_F(NdAdvertiserNetnsTest, AdvertisementReachesTheLink) {
  if (IsSkipped()) return;
  auto peer = test::NetworkNamespace::create();
  test::createVethPair(testNamespace(), "a0", peer, "b0");
  std::optional<PacketSocket> capture;
  peer.run([&] {
    auto s = PacketSocket::open(test::interfaceIndex("b0"), PacketProtocol::Ipv6);
    ASSERT_TRUE(s) << s.error().toString();
    capture.emplace(std::move(*s));
  });
  ASSERT_TRUE(capture);
  auto advertiser = NeighbourAdvertiser::open(test::interfaceIndex("a0"));
  ASSERT_TRUE(advertiser) << advertiser.error().toString();
  const Ipv6Address target = *Ipv6Address::parse("2001:db8:10::50");

  std::vector<PacketBuffer> buffers(8);
  std::vector<CapturedPacketInfo> meta(8);
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    // A fresh veth drops what is sent before its carrier is up (and before its link-local
    // address exists): announce again until one arrives.
    (void)advertiser->announce(target, false);
    if (!testing::waitFor(capture->fd(), POLLIN, 200ms)) continue;
    auto n = capture->receiveBatch(buffers, meta);
    if (!n) continue;
    for (std::size_t i = 0; i < *n && !seen; ++i) {
      const ByteView p = buffers[i].data();
      // IPv6 to ff02::1, next header ICMPv6, hop limit 255, the NA for the target.
      if (p.size() < 40 + 32 || p[6] != 58 || p[7] != 255 || p[24] != 0xff || p[25] != 0x02 ||
          p[39] != 0x01 || p[40] != 136) {
        continue;
      }
      EXPECT_EQ(p[44], 0x20);
      EXPECT_TRUE(std::equal(target.bytes.begin(), target.bytes.end(), p.begin() + 48));
      EXPECT_TRUE(std::equal(advertiser->hardwareAddress().begin(),
                             advertiser->hardwareAddress().end(), p.begin() + 66));
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << "no neighbour advertisement arrived on the peer";
}

TEST_F(NdAdvertiserNetnsTest, LoopbackIsRefused) {
  if (IsSkipped()) return;
  auto advertiser = NeighbourAdvertiser::open(test::interfaceIndex("lo"));
  ASSERT_FALSE(advertiser);
  EXPECT_EQ(advertiser.error().code, ErrorCode::Unsupported);
}

}  // namespace
}  // namespace dsmip::platform
