// Fuzz target for the DSMIPv4 cores' network inputs (RFC 5944, RFC 3519, RFC 5454): registration
// requests into the home agent, registration replies into the mobile node, Tunnel Data, IP-in-IP
// and IPv6-in-IPv4 packets into both, and packets from the home link and the mobile node's TUN.
// The first octet picks the entry point (low 3 bits) and a time step (high 5 bits, in seconds,
// so that timers fire too). Both cores start with a binding made through a NAT, with an IPv6
// prefix, so that the paths behind the binding lookups are reached. Invariants that must hold
// for any input abort the run when broken.
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "common/bytes.hpp"
#include "common/random.hpp"
#include "dsmip4/home_agent.hpp"
#include "dsmip4/mobile_node.hpp"

namespace {

using namespace dsmip;
using namespace dsmip::dsmip4;
using namespace std::chrono_literals;

void check(bool condition) {
  if (!condition) std::abort();
}

const Ipv4Address kHa = *Ipv4Address::parse("203.0.113.1");
const Ipv4Address kHoa = *Ipv4Address::parse("10.1.0.5");
const Ipv4Address kPrivateCoa = *Ipv4Address::parse("192.168.1.20");
const Ipv4Endpoint kNat = *Ipv4Endpoint::parse("198.51.100.7:61000");
constexpr std::chrono::nanoseconds kUnixStart = std::chrono::seconds{1'700'000'000};

wire::Mipv4AuthKey key() {
  return wire::Mipv4AuthKey{0x1000, wire::Mipv4AuthAlgorithm::HmacMd5,
                            Bytes{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                  0x0b, 0x0c, 0x0d, 0x0e, 0x0f}};
}

HomeAgentConfig haConfig() {
  HomeAgentConfig c;
  c.address = kHa;
  c.home_network = *Ipv4Prefix::parse("10.1.0.0/24");
  MobileNodePolicy mn;
  mn.home_address = kHoa;
  mn.key = key();
  mn.prefixes = {
      PrefixGrant{*Ipv6Prefix::parse("2001:db8:abcd::/48"), PrefixTunnelPolicy::FollowRequest}};
  c.mobile_nodes = {mn};
  return c;
}

MobileNodeConfig mnConfig() {
  MobileNodeConfig c;
  c.home_address = kHoa;
  c.home_agent = kHa;
  c.key = key();
  c.lifetime = std::chrono::seconds{60};
  c.prefixes = {PrefixRequest{*Ipv6Prefix::parse("2001:db8:abcd::/48"), false, std::nullopt}};
  return c;
}

const SendDatagram* firstSend(const auto& actions) {
  for (const auto& a : actions) {
    if (const auto* s = std::get_if<SendDatagram>(&a)) return s;
  }
  return nullptr;
}

// What a daemon does with a decision: it must be able to carry it out.
void carryOut(PacketBuffer& packet, const SendDecision& d) {
  if (d.verdict != SendVerdict::Tunnel) return;
  if (d.encapsulation.udp) {
    check(prependInnerLayers(packet, d.encapsulation).has_value());
  } else {
    check(applyEncapsulation(packet, d.encapsulation).has_value());
  }
}
void carryOut(PacketBuffer& packet, const ReceiveDecision& d) {
  if (d.verdict == ReceiveVerdict::Deliver) {
    // Written to a TUN: an IPv4 or IPv6 packet.
    check(!packet.data().empty());
    const std::uint8_t version = packet.data()[0] >> 4;
    check(version == 4 || version == 6);
  } else if (d.verdict == ReceiveVerdict::Reply) {
    if (d.reply.udp) {
      check(prependInnerLayers(packet, d.reply).has_value());
    } else {
      check(applyEncapsulation(packet, d.reply).has_value());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  const ByteView input(data + 1, size - 1);
  SeededRandom random(1);
  TimePoint now = TimePoint{} + 1h;

  HomeAgent ha(haConfig());
  MobileNode mn(mnConfig(), random);
  const DatagramAddresses via_nat{kNat, Ipv4Endpoint{kHa, 434}};
  const auto start = mn.onCareOfChange(CareOfAddress{kPrivateCoa, 45000, "wlan0"}, now, kUnixStart);
  const SendDatagram* request = firstSend(start);
  check(request != nullptr);
  const auto answer = ha.onRegistrationRequest(request->payload, via_nat, now, kUnixStart);
  const SendDatagram* reply = firstSend(answer);
  check(reply != nullptr);
  (void)mn.onRegistrationReply(reply->payload, reply->source, now, kUnixStart);
  check(mn.state() == MobileNodeState::Registered);

  const auto step = std::chrono::seconds(selector >> 3);
  now += step;
  const std::chrono::nanoseconds unix_time = kUnixStart + step;
  PacketBuffer packet;
  if (!packet.assign(input)) return 0;
  switch (selector & 7) {
    case 0:
      (void)ha.onRegistrationRequest(input, via_nat, now, unix_time);
      break;
    case 1:
      carryOut(packet, ha.onUdpTunnelData(packet, via_nat, 0, now));
      break;
    case 2:
      carryOut(packet, ha.onTunnelPacket(packet, now));
      break;
    case 3:
      carryOut(packet, ha.forwardFromHome(packet, now));
      break;
    case 4:
      (void)mn.onRegistrationReply(input, Ipv4Endpoint{kHa, 434}, now, unix_time);
      break;
    case 5:
      carryOut(packet, mn.onUdpTunnelData(packet, Ipv4Endpoint{kHa, 434}, 0, now));
      break;
    case 6:
      carryOut(packet, mn.onTunnelPacket(packet, now));
      break;
    default:
      carryOut(packet, mn.encapsulate(packet, now));
      break;
  }
  // Timers and the stop path run after any input.
  (void)ha.onTimer(now);
  (void)mn.onTimer(now, unix_time);
  (void)ha.snapshot(now);
  (void)mn.snapshot(now);
  (void)mn.onStop(now, unix_time);
  (void)ha.onShutdown(now);
  return 0;
}
