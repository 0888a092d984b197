// Raw sockets and packet sockets between two namespaces over a veth pair, verifying the kernel
// behaviour the protocol daemons are built on (this kernel has no sit, ipip, ip6tnl or MIP6):
//  - an IPv4 raw socket for protocol 41 receives IPv6-in-IPv4 packets whole, and while it is
//    open the kernel sends no ICMP Protocol Unreachable (it does without one);
//  - an IPv6 raw socket for next header 41 receives the inner packet with its addresses, hop
//    limit and traffic class;
//  - AF_INET6/IPPROTO_RAW sends a packet with a Home Address destination option (type 201) and
//    one with a type 2 routing header from a local source, unchanged;
//  - the receiving kernel drops both with an ICMPv6 Parameter Problem, but a packet socket on
//    the interface has captured them first.
#include "platform/raw_socket.hpp"

#include <gtest/gtest.h>

#include "platform/netlink.hpp"
#include "platform/packet_socket.hpp"
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

const Ipv4Address kA4 = *Ipv4Address::parse("10.1.0.1");
const Ipv4Address kB4 = *Ipv4Address::parse("10.1.0.2");
const Ipv6Address kA6 = *Ipv6Address::parse("2001:db8:1::1");
const Ipv6Address kB6 = *Ipv6Address::parse("2001:db8:1::2");
const Ipv6Address kHome = *Ipv6Address::parse("2001:db8:99::7");

// A (this test's namespace, a0) — veth — B (b0).
class RawSocketTest : public test::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    peer_.emplace(test::NetworkNamespace::create());
    test::createVethPair(testNamespace(), "a0", *peer_, "b0");
    configure("a0", "10.1.0.1/24", "2001:db8:1::1/64");
    peer_->run([&] {
      configure("b0", "10.1.0.2/24", "2001:db8:1::2/64");
      b_index_ = test::interfaceIndex("b0");
      // No ICMP rate limiting, so that "no error was sent" means the kernel chose not to.
      ASSERT_TRUE(writeSysctl("net/ipv4/icmp_ratelimit", "0"));
      ASSERT_TRUE(writeSysctl("net/ipv6/icmp/ratelimit", "0"));
    });
    a_index_ = test::interfaceIndex("a0");
  }
  void configure(const std::string& device, const std::string& a4, const std::string& a6) {
    auto nl = Netlink::open();
    ASSERT_TRUE(nl);
    auto index = nl->linkIndex(device);
    ASSERT_TRUE(index);
    ASSERT_TRUE(nl->addAddress(*index, prefix(a4)));
    ASSERT_TRUE(nl->addAddress(*index, prefix(a6)));
    ASSERT_TRUE(nl->waitForLocalAddress(addressOf(prefix(a6))));
  }
  std::optional<test::NetworkNamespace> peer_;
  int a_index_ = 0;
  int b_index_ = 0;
};

template <typename Receiver>
struct InfoOf {
  using type = RawPacketInfo;
};
template <>
struct InfoOf<PacketSocket> {
  using type = CapturedPacketInfo;
};

// Reads from a receiver until `match(packet, info)` holds or `timeout` passes.
template <typename Receiver, typename Match, typename Info = typename InfoOf<Receiver>::type>
std::optional<Bytes> receiveMatching(Receiver& receiver, Match match,
                                     std::chrono::milliseconds timeout, Info* info_out = nullptr) {
  std::vector<PacketBuffer> buffers(8);
  std::vector<Info> meta(8);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!testing::waitFor(receiver.fd(), POLLIN, 20ms)) continue;
    auto n = receiver.receiveBatch(buffers, meta);
    EXPECT_TRUE(n) << n.error().toString();
    if (!n) return std::nullopt;
    for (std::size_t i = 0; i < *n; ++i) {
      if (match(buffers[i].data(), meta[i])) {
        if (info_out != nullptr) *info_out = meta[i];
        return Bytes(buffers[i].data().begin(), buffers[i].data().end());
      }
    }
  }
  return std::nullopt;
}

// An ICMPv4 Protocol Unreachable (RFC 792: type 3 code 2) about a packet from A of `protocol`.
bool isProtocolUnreachable(ByteView packet, std::uint8_t protocol) {
  const std::size_t ihl = (packet[0] & 0x0F) * 4u;
  return packet.size() >= ihl + 8 + 20 && packet[9] == 1 && packet[ihl] == 3 &&
         packet[ihl + 1] == 2 && packet[ihl + 8 + 9] == protocol;
}

// ICMPv6 Parameter Problem (RFC 4443 §3.4) with `code` and `pointer`.
bool isParameterProblem(ByteView icmp, std::uint8_t code, std::uint32_t pointer) {
  if (icmp.size() < 8 || icmp[0] != 4 || icmp[1] != code) return false;
  ByteReader r(icmp.subspan(4, 4));
  return r.u32() == pointer;
}

TEST_F(RawSocketTest, Ipv4Protocol41IsReceivedWholeAndSuppressesProtocolUnreachable) {
  auto sender = RawIpv4Sender::open();
  ASSERT_TRUE(sender) << sender.error().toString();
  auto icmp = RawIpv4Receiver::open(1);  // ICMP back at A
  ASSERT_TRUE(icmp);
  const Bytes inner = testing::ipv6Packet(kA6, kHome, 59, Bytes{});
  const Bytes packet = testing::ipv4Packet(kA4, kB4, 41, inner);
  const auto unreachable = [](ByteView p, const RawPacketInfo&) {
    return isProtocolUnreachable(p, 41);
  };

  // Nobody handles protocol 41 at B: the kernel answers Protocol Unreachable.
  ASSERT_TRUE(sender->send(packet));
  EXPECT_TRUE(receiveMatching(*icmp, unreachable, 3000ms))
      << "without a raw socket the kernel should bounce protocol 41";

  // With a raw socket for 41 at B, B receives the whole packet and sends no ICMP.
  std::optional<RawIpv4Receiver> tunnel;
  peer_->run([&] {
    auto r = RawIpv4Receiver::open(41);
    ASSERT_TRUE(r) << r.error().toString();
    tunnel.emplace(std::move(*r));
  });
  ASSERT_TRUE(tunnel);
  ASSERT_TRUE(sender->send(packet));
  RawPacketInfo info;
  auto got = receiveMatching(
      *tunnel, [](ByteView, const RawPacketInfo&) { return true; }, 3000ms, &info);
  ASSERT_TRUE(got) << "the raw socket for protocol 41 did not receive the packet";
  ASSERT_EQ(got->size(), packet.size());
  EXPECT_EQ((*got)[0] >> 4, 4) << "the IPv4 header is included";
  EXPECT_EQ((*got)[9], 41);
  EXPECT_TRUE(std::equal(inner.begin(), inner.end(), got->begin() + 20)) << "payload intact";
  EXPECT_EQ(info.source, IpAddress{kA4});
  EXPECT_EQ(info.destination, IpAddress{kB4});
  EXPECT_EQ(info.ifindex, b_index_);
  EXPECT_FALSE(receiveMatching(*icmp, unreachable, 300ms))
      << "an open raw socket must stop Protocol Unreachable";

  // Closing it brings the bounce back (so the silence above was the socket's doing).
  tunnel.reset();
  ASSERT_TRUE(sender->send(packet));
  EXPECT_TRUE(receiveMatching(*icmp, unreachable, 3000ms));
}

TEST_F(RawSocketTest, Ipv6NextHeader41IsReceivedWithItsMetadata) {
  auto sender = RawIpv6Sender::open();
  ASSERT_TRUE(sender) << sender.error().toString();
  auto icmp = RawIpv6Receiver::open(58);
  ASSERT_TRUE(icmp);
  // Without a receiver, B's kernel rejects next header 41 (no ip6tnl): Parameter Problem,
  // code 1 (unrecognized next header), pointing at the Next Header field (offset 6).
  const auto bounced = [](ByteView p, const RawPacketInfo& m) {
    return m.source == IpAddress{kB6} && isParameterProblem(p, 1, 6);
  };
  const Bytes probe = testing::ipv6Packet(kA6, kB6, 41, testing::ipv6Packet(kHome, kA6, 59, {}));
  ASSERT_TRUE(testing::eventually([&] {
    EXPECT_TRUE(sender->send(probe));
    return receiveMatching(*icmp, bounced, 200ms).has_value();
  })) << "without a raw socket the kernel should reject next header 41";
  std::optional<RawIpv6Receiver> tunnel;
  peer_->run([&] {
    auto r = RawIpv6Receiver::open(41);
    ASSERT_TRUE(r) << r.error().toString();
    tunnel.emplace(std::move(*r));
  });
  ASSERT_TRUE(tunnel);
  const std::uint8_t data[] = {'i', 'n', 'n', 'e', 'r'};
  const Bytes inner = testing::ipv6Packet(kHome, kA6, 59, data);
  const Bytes packet = testing::ipv6Packet(kA6, kB6, 41, inner, 33, 0x28);
  RawPacketInfo info;
  std::optional<Bytes> got;
  // The first packet may wait for neighbour discovery; resend until it arrives.
  ASSERT_TRUE(testing::eventually([&] {
    EXPECT_TRUE(sender->send(packet));
    got = receiveMatching(
        *tunnel, [](ByteView, const RawPacketInfo&) { return true; }, 200ms, &info);
    return got.has_value();
  }));
  EXPECT_EQ(*got, inner) << "the payload after the IPv6 header";
  EXPECT_EQ(info.source, IpAddress{kA6});
  EXPECT_EQ(info.destination, IpAddress{kB6});
  EXPECT_EQ(info.hop_limit, 33);
  EXPECT_EQ(info.tos, 0x28);
  EXPECT_EQ(info.ifindex, b_index_);
  EXPECT_FALSE(receiveMatching(*icmp, bounced, 300ms)) << "no Parameter Problem while received";
}

TEST_F(RawSocketTest, MalformedPacketsInABatchAreSkipped) {
  auto sender = RawIpv4Sender::open();
  ASSERT_TRUE(sender);
  const Bytes good = testing::ipv4Packet(kA4, kB4, 253, Bytes(4, 0));
  const Bytes not_ipv4 = testing::ipv6Packet(kA6, kB6, 59, Bytes{});
  const Bytes too_short(10, 0x45);
  const ByteView batch[] = {good, not_ipv4, good, too_short, good};
  const SendBatchResult r = sender->sendBatch(batch);
  EXPECT_EQ(r.consumed, 5u);
  EXPECT_EQ(r.failed, 2u);
  EXPECT_EQ(r.first_errno, EINVAL);
  auto v6 = RawIpv6Sender::open();
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->send(good));
}

// Destination options header with a Home Address option (RFC 6275 §6.3): Pad4 puts the option
// at offset 6, its 8n+6 alignment.
Bytes homeAddressOption(const Ipv6Address& home) {
  Bytes h(24, 0);
  ByteWriter w(h);
  w.u8(59);  // no next header
  w.u8(2);   // (2 + 1) * 8 = 24 bytes
  w.u8(1);   // PadN
  w.u8(2);
  w.u16(0);
  w.u8(201);  // Home Address
  w.u8(16);
  w.bytes(home.bytes);
  return h;
}

// Type 2 routing header (RFC 6275 §6.4): one address, segments left 1.
Bytes type2RoutingHeader(const Ipv6Address& home) {
  Bytes h(24, 0);
  ByteWriter w(h);
  w.u8(59);
  w.u8(2);
  w.u8(2);  // routing type 2
  w.u8(1);  // segments left
  w.u32(0);
  w.bytes(home.bytes);
  return h;
}

TEST_F(RawSocketTest, HomeAddressOptionIsSentAndCapturedBeforeTheKernelDropsIt) {
  auto sender = RawIpv6Sender::open();
  ASSERT_TRUE(sender);
  auto icmp = RawIpv6Receiver::open(58);
  ASSERT_TRUE(icmp);
  std::optional<PacketSocket> capture;
  peer_->run([&] {
    auto filter = BpfFilterBuilder{}.ipv6Destination(kB6).ipv6NextHeader(60).build();
    ASSERT_TRUE(filter);
    auto s = PacketSocket::open(b_index_, PacketProtocol::Ipv6, *filter);
    ASSERT_TRUE(s) << s.error().toString();
    capture.emplace(std::move(*s));
  });
  ASSERT_TRUE(capture);
  const Bytes packet = testing::ipv6Packet(kA6, kB6, 60, homeAddressOption(kHome));
  CapturedPacketInfo info;
  std::optional<Bytes> got;
  ASSERT_TRUE(testing::eventually([&] {
    EXPECT_TRUE(sender->send(packet)) << "HAO packet from a local source must be sendable";
    got = receiveMatching(
        *capture, [](ByteView, const CapturedPacketInfo&) { return true; }, 200ms, &info);
    return got.has_value();
  }));
  EXPECT_EQ(*got, packet) << "sent and captured byte for byte";
  EXPECT_EQ(info.ifindex, b_index_);
  EXPECT_EQ(info.protocol, 0x86DD);
  EXPECT_EQ(info.type, PacketType::Host);
  // B's kernel rejects the unknown option (type 201, "discard and send ICMP"): code 2,
  // pointer at the option type, offset 40 + 6.
  EXPECT_TRUE(receiveMatching(
      *icmp,
      [](ByteView p, const RawPacketInfo& m) {
        return m.source == IpAddress{kB6} && isParameterProblem(p, 2, 46);
      },
      3000ms))
      << "expected the kernel to drop the HAO packet with a Parameter Problem";
}

TEST_F(RawSocketTest, Type2RoutingHeaderIsSentAndCapturedBeforeTheKernelDropsIt) {
  auto sender = RawIpv6Sender::open();
  ASSERT_TRUE(sender);
  auto icmp = RawIpv6Receiver::open(58);
  ASSERT_TRUE(icmp);
  std::optional<PacketSocket> capture;
  peer_->run([&] {
    auto filter = BpfFilterBuilder{}.ipv6Destination(kB6).ipv6RoutingHeaderType(2).build();
    ASSERT_TRUE(filter);
    auto s = PacketSocket::open(b_index_, PacketProtocol::Ipv6, *filter);
    ASSERT_TRUE(s);
    capture.emplace(std::move(*s));
  });
  ASSERT_TRUE(capture);
  // Noise the filter must keep out: the same destination without a routing header.
  const Bytes noise = testing::ipv6Packet(kA6, kB6, 59, Bytes{});
  const Bytes packet = testing::ipv6Packet(kA6, kB6, 43, type2RoutingHeader(kHome));
  std::optional<Bytes> got;
  ASSERT_TRUE(testing::eventually([&] {
    EXPECT_TRUE(sender->send(noise));
    EXPECT_TRUE(sender->send(packet)) << "RH2 packet must be sendable";
    got = receiveMatching(
        *capture, [](ByteView, const CapturedPacketInfo&) { return true; }, 200ms);
    return got.has_value();
  }));
  EXPECT_EQ(*got, packet);
  // Routing type 2 unknown to this kernel, segments left 1: code 0, pointer at the routing
  // type field (40 + 2).
  EXPECT_TRUE(receiveMatching(
      *icmp,
      [](ByteView p, const RawPacketInfo& m) {
        return m.source == IpAddress{kB6} && isParameterProblem(p, 0, 42);
      },
      3000ms))
      << "expected the kernel to drop the RH2 packet with a Parameter Problem";
  // Everything captured matched the filter (the noise never reached userspace).
  std::vector<PacketBuffer> buffers(8);
  std::vector<CapturedPacketInfo> meta(8);
  auto rest = capture->receiveBatch(buffers, meta);
  ASSERT_TRUE(rest);
  for (std::size_t i = 0; i < *rest; ++i) EXPECT_EQ(buffers[i].data()[6], 43);
}

TEST_F(RawSocketTest, PacketSocketIgnoresOutgoingAndCanSeeEverything) {
  // At A: one socket for everything (ETH_P_ALL, no filter) that also sees outgoing packets,
  // one that ignores them (the default).
  PacketSocketOptions see_outgoing;
  see_outgoing.ignore_outgoing = false;
  auto all = PacketSocket::open(a_index_, PacketProtocol::All, std::nullopt, see_outgoing);
  ASSERT_TRUE(all) << all.error().toString();
  auto incoming_only = PacketSocket::open(a_index_, PacketProtocol::Ipv6);
  ASSERT_TRUE(incoming_only);
  auto sender = RawIpv6Sender::open();
  ASSERT_TRUE(sender);
  const Bytes packet = testing::ipv6Packet(kA6, kB6, 59, Bytes(3, 7));
  CapturedPacketInfo info;
  std::optional<Bytes> got;
  ASSERT_TRUE(testing::eventually([&] {
    EXPECT_TRUE(sender->send(packet));
    got = receiveMatching(
        *all,
        [&](ByteView p, const CapturedPacketInfo&) { return Bytes(p.begin(), p.end()) == packet; },
        200ms, &info);
    return got.has_value();
  }));
  EXPECT_EQ(info.type, PacketType::Outgoing);
  EXPECT_FALSE((receiveMatching(
      *incoming_only,
      [&](ByteView p, const CapturedPacketInfo&) { return Bytes(p.begin(), p.end()) == packet; },
      100ms)));
}

}  // namespace
}  // namespace dsmip::platform
