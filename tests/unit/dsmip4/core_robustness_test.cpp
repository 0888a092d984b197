// Network input never crashes a core (STYLE.md §4): seeded random bytes and mutations of valid
// messages and tunnel packets into every entry point of both cores, with registered bindings
// in place. Run under ASan/UBSan this also checks memory safety. The cores must keep working
// afterwards.
#include <gtest/gtest.h>

#include "common/random.hpp"
#include "dsmip4_test_util.hpp"

namespace dsmip::dsmip4::test {
namespace {

using namespace std::chrono_literals;

Bytes mutate(Bytes bytes, SeededRandom& random) {
  const std::uint32_t kind = random.below(4);
  if (bytes.empty() || kind == 0) {
    Bytes out(random.below(120));
    random.fill(out);
    return out;
  }
  if (kind == 1) {  // flip a few octets
    const std::uint32_t flips = 1 + random.below(4);
    for (std::uint32_t i = 0; i < flips; ++i) {
      bytes[random.below(static_cast<std::uint32_t>(bytes.size()))] ^=
          static_cast<std::uint8_t>(1 + random.below(255));
    }
    return bytes;
  }
  if (kind == 2) {  // truncate
    bytes.resize(random.below(static_cast<std::uint32_t>(bytes.size())));
    return bytes;
  }
  // Corrupt a length-ish octet near the start.
  bytes[random.below(static_cast<std::uint32_t>(std::min<std::size_t>(bytes.size(), 8)))] =
      static_cast<std::uint8_t>(random.below(256));
  return bytes;
}

TEST(Dsmip4RobustnessTest, RandomAndMutatedInputNeverBreaksTheCores) {
  SeededRandom random{20240601};
  SeededRandom mn_random{99};
  HomeAgent ha{haConfig()};
  MobileNodeConfig mn_config = mnConfig();
  MobileNode mn{mn_config, mn_random};
  const TimePoint t{};

  // A working registration through the NAT, so that every path has state to look at.
  const auto request =
      sends(mn.onCareOfChange(CareOfAddress{kPrivateCoa, kMnPort, "wlan0"}, t, kUnixStart));
  ASSERT_EQ(request.size(), 1u);
  const DatagramAddresses via_nat{{kNatAddress, kNatPort}, {kHa, 434}};
  const auto reply = sends(ha.onRegistrationRequest(request[0].payload, via_nat, t, kUnixStart));
  ASSERT_EQ(reply.size(), 1u);
  (void)mn.onRegistrationReply(reply[0].payload, reply[0].source, t, kUnixStart);
  ASSERT_EQ(mn.state(), MobileNodeState::Registered);

  const std::vector<Bytes> seeds = {
      request[0].payload,
      reply[0].payload,
      tunnelData(ipv4Packet(kHoa, kCorrespondent), 4),
      tunnelData(ipv6Packet(v6("2001:db8:abcd::1"), v6("2001:db8:99::1")), 41),
      tunnelData(wrapIpv4(ipv6Packet(v6("2001:db8:abcd::1"), v6("2001:db8:99::1")), kHoa, kHa, 41),
                 4),
      wrapIpv4(ipv4Packet(kHoa, kCorrespondent), kNatAddress, kHa, 4),
      wrapIpv4(ipv6Packet(v6("2001:db8:abcd::1"), v6("2001:db8:99::1")), kHoa, kHa, 41),
      ipv4Packet(kCorrespondent, kHoa),
      ipv6Packet(v6("2001:db8:99::1"), v6("2001:db8:abcd::1")),
  };
  for (int i = 0; i < 20000; ++i) {
    const Bytes input =
        mutate(seeds[random.below(static_cast<std::uint32_t>(seeds.size()))], random);
    PacketBuffer b;
    switch (random.below(8)) {
      case 0:
        (void)ha.onRegistrationRequest(input, via_nat, t, kUnixStart);
        break;
      case 1:
        ASSERT_TRUE(b.assign(input));
        (void)ha.onUdpTunnelData(b, via_nat, static_cast<std::uint8_t>(random.below(256)), t);
        break;
      case 2:
        ASSERT_TRUE(b.assign(input));
        (void)ha.onTunnelPacket(b, t);
        break;
      case 3:
        ASSERT_TRUE(b.assign(input));
        (void)ha.forwardFromHome(b, t);
        break;
      case 4:
        (void)mn.onRegistrationReply(input, {kHa, 434}, t, kUnixStart);
        break;
      case 5:
        ASSERT_TRUE(b.assign(input));
        (void)mn.onUdpTunnelData(b, {kHa, 434}, static_cast<std::uint8_t>(random.below(256)), t);
        break;
      case 6:
        ASSERT_TRUE(b.assign(input));
        (void)mn.onTunnelPacket(b, t);
        break;
      default: {
        ASSERT_TRUE(b.assign(input));
        const SendDecision d = mn.encapsulate(b, t);
        if (d.verdict == SendVerdict::Tunnel) {
          ASSERT_TRUE(applyEncapsulation(b, d.encapsulation));
        }
        break;
      }
    }
  }
  // Still registered, still forwarding both ways.
  EXPECT_EQ(mn.state(), MobileNodeState::Registered);
  EXPECT_EQ(ha.snapshot(t).bindings.size(), 1u);
  PacketBuffer down = bufferOf(ipv4Packet(kCorrespondent, kHoa));
  EXPECT_EQ(ha.forwardFromHome(down, t).verdict, SendVerdict::Tunnel);
  PacketBuffer up = bufferOf(ipv4Packet(kHoa, kCorrespondent));
  EXPECT_EQ(mn.encapsulate(up, t).verdict, SendVerdict::Tunnel);
}

}  // namespace
}  // namespace dsmip::dsmip4::test
