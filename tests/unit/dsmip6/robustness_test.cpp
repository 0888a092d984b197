// Network input never crashes a core: seeded random mutations (bit flips, truncation,
// extension, random bytes) of valid BUs, BAs and data packets go into every entry point of both
// cores. Each decision must stay inside its input (offsets and lengths), and the cores must go
// on working afterwards. Run under the asan preset this is a small in-tree fuzzer.

#include <gtest/gtest.h>

#include <memory>

#include "dsmip6/home_agent.hpp"
#include "dsmip6/mobile_node.hpp"
#include "mn_test_util.hpp"
#include "wire/ipv4.hpp"
#include "wire/tlv.hpp"

namespace dsmip::dsmip6::test {
namespace {

Bytes mutate(const Bytes& seed, SeededRandom& r) {
  Bytes p = seed;
  switch (r.below(5)) {
    case 0:  // flip 1-4 bits
      for (std::uint32_t i = 0, n = 1 + r.below(4); i < n && !p.empty(); ++i) {
        p[r.below(static_cast<std::uint32_t>(p.size()))] ^=
            static_cast<std::uint8_t>(1u << r.below(8));
      }
      break;
    case 1:  // truncate
      p.resize(r.below(static_cast<std::uint32_t>(p.size()) + 1));
      break;
    case 2:  // extend with junk
      for (std::uint32_t i = 0, n = 1 + r.below(64); i < n; ++i) {
        p.push_back(static_cast<std::uint8_t>(r.below(256)));
      }
      break;
    case 3:  // overwrite a byte with an interesting value
      if (!p.empty()) {
        static constexpr std::uint8_t kValues[] = {0, 1, 2, 4, 6, 41, 59, 60, 135, 255};
        p[r.below(static_cast<std::uint32_t>(p.size()))] = kValues[r.below(10)];
      }
      break;
    default: {  // random bytes
      p.resize(r.below(200));
      for (auto& b : p) b = static_cast<std::uint8_t>(r.below(256));
      if (!p.empty()) p[0] = r.below(2) ? 0x60 : 0x45;
      break;
    }
  }
  return p;
}

void checkDecision(const PacketDecision& d, std::size_t input_size) {
  if (d.verdict == Verdict::Deliver || d.verdict == Verdict::Signalling ||
      d.verdict == Verdict::Encapsulate) {
    ASSERT_LE(d.inner_offset, input_size);
    ASSERT_LE(d.inner_length, input_size - d.inner_offset);
  }
}

Bytes ipv6Data(const Ipv6Address& src, const Ipv6Address& dst) {
  PacketBuffer b(512);
  EXPECT_TRUE(b.assign(Bytes(20, 1)));
  wire::Ipv6Header h;
  h.next_header = 17;
  h.source = src;
  h.destination = dst;
  EXPECT_TRUE(wire::prependIpv6(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

TEST(RobustnessTest, MutatedPacketsNeverBreakTheCores) {
  SeededRandom random(11);
  SeededRandom r(12345);
  HomeAgent ha(testHomeAgentConfig(), random);
  MobileNodeConfig mc = testMobileNodeConfig();
  mc.ipv4_home_address_mode = Ipv4HomeAddressMode::Dynamic;
  mc.home_addresses = {kHoa2};
  MobileNode mn(mc, random);
  const TimePoint t = kT0;

  // Seeds: what a real exchange produces.
  std::vector<Bytes> seeds;
  auto bu = onlyBu(mn.onCareOfAddresses({candidate(kPrivateCoa4)}, t));
  ASSERT_TRUE(bu);
  seeds.push_back(actionsOf<SendSignalling>(mn.onTimer(t + std::chrono::seconds(2))).at(0).packet);
  const Ipv4Endpoint nat{kNat4, 40000};
  Inbound udp{Transport::udp(nat, {kHa4, 4191}), false, {}};
  auto ha_out = actionsOf<SendSignalling>(ha.onSignalling(seeds[0], udp, t));
  ASSERT_EQ(ha_out.size(), 1u);
  seeds.push_back(ha_out[0].packet);  // the BA
  seeds.push_back(buFromIpv6(homeRegistration(9), kCoa, kHoa));
  seeds.push_back(ipv6Data(kCn, kHoa2));
  seeds.push_back(ipv6Data(kHoa2, kCn));
  {
    PacketBuffer b(512);
    ASSERT_TRUE(b.assign(seeds[3]));
    ASSERT_TRUE(wire::prependTlv(b, 41));
    seeds.emplace_back(b.data().begin(), b.data().end());
  }
  {
    PacketBuffer b(512);
    ASSERT_TRUE(b.assign(seeds[4]));
    wire::Ipv4Header h;
    h.protocol = 41;
    h.source = kCoa4;
    h.destination = kHa4;
    ASSERT_TRUE(wire::prependIpv4(b, h));
    seeds.emplace_back(b.data().begin(), b.data().end());
  }

  for (int i = 0; i < 30000; ++i) {
    const Bytes p = mutate(seeds[r.below(static_cast<std::uint32_t>(seeds.size()))], r);
    (void)ha.onSignalling(p, udp, t);
    (void)ha.onSignalling(p, Inbound{}, t);
    (void)mn.onSignalling(p, Inbound{Transport::udp({kHa4, 4191}, {kPrivateCoa4, 5000}), false, {}},
                          t);
    checkDecision(ha.onTunPacket(p), p.size());
    checkDecision(ha.onIpv4Packet(p), p.size());
    checkDecision(mn.onTunPacket(p), p.size());
    checkDecision(mn.onIpv4Packet(p), p.size());
    for (Encapsulation outer : {Encapsulation::Ipv6, Encapsulation::Ipv4, Encapsulation::Udp}) {
      TunnelledPacket tp;
      tp.outer = outer;
      tp.ipv6_source = kCoa;
      tp.ipv4_source = outer == Encapsulation::Udp ? nat : Ipv4Endpoint{kHa4, 4191};
      tp.protocol = r.below(2) ? 41 : 4;
      tp.payload = p;
      checkDecision(ha.onTunnelledPacket(tp), p.size());
      checkDecision(mn.onTunnelledPacket(tp), p.size());
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Still working: the genuine BU is processed as usual.
  auto ack = onlyAck(ha.onSignalling(buFromIpv6(homeRegistration(40000), kCoa2, kHoa), {}, t));
  ASSERT_TRUE(ack);
  EXPECT_TRUE(ack->ack.accepted() ||
              ack->ack.status == wire::BindingAckStatus::SequenceNumberOutOfWindow);
  EXPECT_GT(ha.stats().signalling_drops[static_cast<std::size_t>(SignallingDrop::BadChecksum)], 0u);
}

}  // namespace
}  // namespace dsmip::dsmip6::test
