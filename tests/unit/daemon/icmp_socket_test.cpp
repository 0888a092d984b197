// The ICMP sockets added to the platform layer for m6t (src/platform/icmp_socket.hpp), in a
// namespace of their own.
#include "platform/icmp_socket.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "test_support/environment.hpp"
#include "test_support/netns.hpp"
#include "wire/icmpv4.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace dsmip::platform {
namespace {

using namespace std::chrono_literals;

// A counter of /proc/net/snmp6 (per network namespace).
long snmp6(const std::string& name) {
  std::ifstream in("/proc/net/snmp6");
  std::string key;
  long value = 0;
  while (in >> key >> value) {
    if (key == name) return value;
  }
  return -1;
}

class IcmpSocketTest : public dsmip::test::NetnsTest {};

TEST_F(IcmpSocketTest, Icmpv6SenderLetsTheKernelChooseSourceAndChecksum) {
  auto sender = Icmpv6Sender::open();
  ASSERT_TRUE(sender.has_value()) << sender.error().toString();
  // An Echo Request with a deliberately wrong checksum (computed for other addresses): the
  // kernel must rewrite it, or ::1 would count a checksum error instead of answering.
  PacketBuffer p;
  ASSERT_TRUE(p.assign(Bytes(16, 7)));
  ASSERT_TRUE(wire::prependIcmpv6EchoRequest(p, 1, 1, *Ipv6Address::parse("2001:db8::1"),
                                             *Ipv6Address::parse("2001:db8::2")));
  const long echos = snmp6("Icmp6InEchos");
  const long errors = snmp6("Icmp6InCsumErrors");
  ASSERT_TRUE(sender->send(*Ipv6Address::parse("::1"), p.data()).has_value());
  for (int i = 0; i < 100 && snmp6("Icmp6InEchos") == echos; ++i) ::usleep(10'000);
  EXPECT_EQ(snmp6("Icmp6InEchos"), echos + 1);
  EXPECT_EQ(snmp6("Icmp6InCsumErrors"), errors);
}

TEST_F(IcmpSocketTest, Icmpv4ListenerSeesFragmentationNeededOnly) {
  auto listener = Icmpv4Listener::open();
  ASSERT_TRUE(listener.has_value()) << listener.error().toString();
  const int raw = ::socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  ASSERT_GE(raw, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto send = [&](ByteView message) {
    ASSERT_EQ(::sendto(raw, message.data(), message.size(), 0,
                       reinterpret_cast<const sockaddr*>(&to),  // NOLINT: sockaddr API
                       sizeof(to)),
              static_cast<ssize_t>(message.size()));
  };
  // An echo request (filtered out), then a fragmentation-needed quoting a UDP datagram.
  PacketBuffer echo;
  ASSERT_TRUE(echo.assign(Bytes(8, 1)));
  ASSERT_TRUE(wire::prependIcmpv4EchoRequest(echo, 1, 1));
  send(echo.data());
  PacketBuffer quoted;
  ASSERT_TRUE(quoted.assign(Bytes(40, 2)));
  ASSERT_TRUE(wire::prependUdp(
      quoted, 3544, 40000,
      wire::UdpOverIpv4{*Ipv4Address::parse("192.0.2.1"), *Ipv4Address::parse("198.51.100.2")}));
  wire::Ipv4Header h;
  h.protocol = wire::ip_protocol::kUdp;
  h.source = *Ipv4Address::parse("192.0.2.1");
  h.destination = *Ipv4Address::parse("198.51.100.2");
  ASSERT_TRUE(wire::prependIpv4(quoted, h));
  PacketBuffer needed;
  ASSERT_TRUE(wire::buildIcmpv4FragmentationNeeded(needed, quoted.data(), 1400));
  send(needed.data());

  PacketBuffer got(4096, 64);
  std::optional<wire::Icmpv4Message> message;
  for (int i = 0; i < 100; ++i) {
    auto r = listener->receive(got);
    ASSERT_TRUE(r.has_value());
    if (*r) {
      auto ip = wire::decodeIpv4(got.data());
      ASSERT_TRUE(ip.has_value());
      auto icmp = wire::decodeIcmpv4(ip->payload);
      ASSERT_TRUE(icmp.has_value());
      message = *icmp;
      break;
    }
    ::usleep(10'000);
  }
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->type, 3);  // the echo request never came through
  EXPECT_EQ(message->code, 4);
  auto more = listener->receive(got);
  ASSERT_TRUE(more.has_value());
  EXPECT_FALSE(*more);
  ::close(raw);
}

}  // namespace
}  // namespace dsmip::platform
