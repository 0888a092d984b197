// Fuzz target for the m6t cores' network inputs: UDP payloads and TUN packets into the gateway
// and the client, ICMPv4 messages into both. The first octet picks the input and the time
// step; the cores start with an established tunnel so that the paths behind the state lookups
// are reached. Invariants that must hold for any input abort the run when broken.
#include <cstdint>
#include <cstdlib>
#include <set>

#include "common/bytes.hpp"
#include "common/random.hpp"
#include "m6t/client.hpp"
#include "m6t/gateway.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6.hpp"

namespace {

using namespace dsmip;
using namespace dsmip::m6t;
using namespace std::chrono_literals;

void check(bool condition) {
  if (!condition) std::abort();
}

class Registry : public AddressRegistry {
 public:
  bool reserve(const Ipv6Address& a) override { return held.insert(a).second; }
  void release(const Ipv6Address& a) override { held.erase(a); }
  std::set<Ipv6Address> held;
};

const Ipv6Address kHa = *Ipv6Address::parse("2001:db8:1::1");
const Ipv6Address kMn = *Ipv6Address::parse("fd00:1:2:3:4::1");
const Ipv4Endpoint kNat = *Ipv4Endpoint::parse("203.0.113.5:40000");
const Ipv4Endpoint kGateway = *Ipv4Endpoint::parse("192.0.2.1:3544");

PacketBuffer echo(const Ipv6Address& source, const Ipv6Address& destination) {
  PacketBuffer p;
  check(p.assign(Bytes(8, 0)));
  check(wire::prependIcmpv6EchoRequest(p, 1, 1, source, destination).has_value());
  wire::Ipv6Header h;
  h.next_header = wire::ip_protocol::kIcmpv6;
  h.source = source;
  h.destination = destination;
  check(wire::prependIpv6(p, h).has_value());
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  const ByteView input(data + 1, size - 1);
  SeededRandom random(1);
  TimePoint now = TimePoint{} + 1h;

  GatewayConfig gc;
  gc.listen = {*Ipv4Endpoint::parse("0.0.0.0:3544")};
  gc.prefixes = {*Ipv6Prefix::parse("fd00:1:2::/48")};
  gc.home_agents = {kHa};
  gc.max_states = 4;
  Gateway gateway(gc, random);
  PacketBuffer p = echo(kMn, kHa);
  check(gateway.onDatagram(0, kNat, p, now).disposition == Disposition::WriteTun);
  p = echo(kHa, kMn);
  check(gateway.onTunPacket(p, now).disposition == Disposition::SendDatagram);

  ClientConfig cc;
  cc.gateway = kGateway;
  cc.prefix = *Ipv6Prefix::parse("fd00:1:2:3:4::/80");
  cc.routes = {*Ipv6Prefix::parse("::/0")};
  Registry registry;
  Client client(cc, random, registry);
  (void)client.onAttachment(Ipv4Attachment{*Ipv4Address::parse("10.0.0.2"), {}, 1}, now);
  client.onSocketOpened(1, *Ipv4Endpoint::parse("10.0.0.2:50000"));

  now += std::chrono::milliseconds(selector >> 3);
  PacketBuffer packet;
  if (!packet.assign(input)) return 0;
  const Bytes original(input.begin(), input.end());
  switch (selector & 7) {
    case 0: {
      const GatewayVerdict v = gateway.onDatagram(0, kNat, packet, now);
      if (v.disposition == Disposition::WriteTun) {
        check(packet.size() == original.size());
        check(wire::decodeIpv6(packet.data()).has_value());
      }
      break;
    }
    case 1: {
      const GatewayVerdict v = gateway.onTunPacket(packet, now);
      if (v.disposition == Disposition::SendDatagram) check(v.to == kNat);
      if (v.disposition == Disposition::SendIcmpv6) {
        check(packet.size() <= wire::kIcmpv6MaxQuote + wire::kIcmpv6HeaderLength);
      }
      break;
    }
    case 2:
      (void)gateway.onIcmpv4(input, now);
      check(gateway.tunnelMtu(*gateway.states().find(kMn), now) >= 1280);
      break;
    case 3: {
      const GatewayVerdict v =
          gateway.onDatagram(0, *Ipv4Endpoint::parse("198.51.100.1:1"), packet, now);
      check(v.disposition != Disposition::SendDatagram || v.to.port == 1);
      break;
    }
    case 4:
      (void)client.onTunPacket(packet, now);
      break;
    case 5: {
      const ClientVerdict v = client.onDatagram(1, kGateway, packet, now);
      if (v.disposition == Disposition::WriteTun) check(packet.size() == original.size());
      break;
    }
    case 6:
      (void)client.onIcmpv4(input, now);
      check(client.tunnelMtu() >= 1280 && client.tunnelMtu() <= cc.mtu);
      break;
    default:
      (void)gateway.onTimer(now + 1h);
      (void)client.onTimer(now + 1h);
      break;
  }
  check(gateway.states().size() <= gc.max_states);
  return 0;
}
