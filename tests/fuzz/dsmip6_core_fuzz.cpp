// Fuzzes every network entry point of the DSMIPv6 home agent and mobile node cores with a
// sequence of packets, so that state built by earlier packets (a binding, a pending BU) is there
// for later ones. Input: records of [selector u8][length u16][bytes]; the selector picks the
// entry point and the transport the packet claims to have come on. The cores must never crash,
// and every data-plane decision must stay inside the packet it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "dsmip6/home_agent.hpp"
#include "dsmip6/mobile_node.hpp"

namespace {

using namespace dsmip;
using namespace dsmip::dsmip6;

Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }
Ipv4Address v4(const char* text) { return *Ipv4Address::parse(text); }

HomeAgentConfig homeAgentConfig() {
  HomeAgentConfig c;
  c.home_prefixes = {*Ipv6Prefix::parse("2001:db8:1::/64")};
  c.address = v6("2001:db8:1::1");
  c.ipv4_address = v4("198.51.100.1");
  c.ipv4_pool = Ipv4Range{v4("10.2.0.1"), v4("10.2.0.2")};
  MobileNodePolicy mn;
  mn.home_address = v6("2001:db8:1::100");
  mn.ipv4_home_address = v4("10.1.0.5");
  MobileNodePolicy dynamic;
  dynamic.home_address = v6("2001:db8:1::200");
  dynamic.dynamic_ipv4 = true;
  MobileNodePolicy router;
  router.home_address = v6("2001:db8:1::300");
  router.mobile_router = true;
  router.mobile_network_prefixes = {*Ipv6Prefix::parse("2001:db8:100::/48")};
  router.ipv4_mobile_network_prefixes = {*Ipv4Prefix::parse("10.9.0.0/24")};
  c.mobile_nodes = {mn, dynamic, router};
  return c;
}

MobileNodeConfig mobileNodeConfig() {
  MobileNodeConfig c;
  c.home_addresses = {v6("2001:db8:1::100")};
  c.home_prefix = *Ipv6Prefix::parse("2001:db8:1::/64");
  c.home_agent = v6("2001:db8:1::1");
  c.home_agent_ipv4 = v4("198.51.100.1");
  c.local_udp_port = 5000;
  c.ipv4_home_address_mode = Ipv4HomeAddressMode::Dynamic;
  return c;
}

void checkInside(const PacketDecision& d, std::size_t size) {
  if (d.verdict == Verdict::Drop) return;
  if (d.inner_offset > size || d.inner_length > size - d.inner_offset) std::abort();
}

Transport transportFor(std::uint8_t selector) {
  const Ipv4Endpoint ha{v4("198.51.100.1"), 4191};
  switch ((selector >> 4) % 3) {
    case 0:
      return Transport::ipv6();
    case 1:
      return Transport::udp(Ipv4Endpoint{v4("203.0.113.5"), 61000}, ha);
    default:
      return Transport::protocol41(v4("192.0.2.10"), ha.address);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const HomeAgentConfig kHaConfig = homeAgentConfig();
  static const MobileNodeConfig kMnConfig = mobileNodeConfig();
  SeededRandom random(1);
  HomeAgent ha(kHaConfig, random);
  MobileNode mn(kMnConfig, random);
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  (void)ha.onStart(now);
  // The MN starts away from home on an IPv4 network, so BAs over UDP are expected.
  (void)mn.onCareOfAddresses({CareOfCandidate{CareOfAddress{v4("10.0.0.2")}, "eth0", 0}}, now);

  ByteReader in{ByteView(data, size)};
  while (in.remaining() >= 3) {
    const std::uint8_t selector = in.u8();
    const std::uint16_t length = in.u16();
    const ByteView packet = in.bytes(std::min<std::size_t>(length, in.remaining()));
    now += std::chrono::milliseconds(1 + (selector & 0x0F) * 250);
    Inbound inbound;
    inbound.transport = transportFor(selector);
    inbound.esp_protected = (selector & 0x08) != 0;
    TunnelledPacket tunnelled;
    tunnelled.outer = (selector & 1) ? Encapsulation::Udp : Encapsulation::Ipv6;
    tunnelled.ipv6_source = v6("2001:db8:2::100");
    tunnelled.ipv6_destination = v6("2001:db8:1::1");
    tunnelled.ipv4_source = Ipv4Endpoint{v4("203.0.113.5"), 61000};
    tunnelled.ipv4_destination = Ipv4Endpoint{v4("198.51.100.1"), 4191};
    tunnelled.protocol = 41;
    tunnelled.payload = packet;
    switch (selector % 8) {
      case 0:
        (void)ha.onSignalling(packet, inbound, now);
        break;
      case 1:
        checkInside(ha.onTunPacket(packet), packet.size());
        break;
      case 2:
        checkInside(ha.onTunnelledPacket(tunnelled), packet.size());
        break;
      case 3:
        checkInside(ha.onIpv4Packet(packet), packet.size());
        break;
      case 4:
        (void)mn.onSignalling(packet, inbound, now);
        break;
      case 5:
        checkInside(mn.onTunPacket(packet), packet.size());
        break;
      case 6:
        checkInside(mn.onTunnelledPacket(tunnelled), packet.size());
        break;
      default:
        (void)ha.onTimer(now);
        (void)mn.onTimer(now);
        break;
    }
    (void)ha.snapshot(now, 16);
    (void)mn.snapshot(now);
  }
  return 0;
}
