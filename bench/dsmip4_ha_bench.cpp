// DSMIPv4 home agent core: registrations processed per second (decode, HMAC-MD5 verification,
// timestamp check, prefix and UDP tunnel decisions, authenticated reply) and the data-plane
// decision rate (home side → tunnel for IPv4 and IPv6, and the reverse-tunnel checks), with
// 1000 mobile nodes registered.
#include <benchmark/benchmark.h>

#include <vector>

#include "dsmip4/home_agent.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/mipv4.hpp"
#include "wire/mipv4_auth.hpp"
#include "wire/mipv4_identification.hpp"
#include "wire/udp.hpp"

namespace dsmip::dsmip4 {
namespace {

constexpr std::size_t kMobileNodes = 1000;
constexpr std::chrono::nanoseconds kUnixTime = std::chrono::seconds{1'700'000'000};
const Ipv4Address kHa = Ipv4Address::fromU32(0xcb007101);  // 203.0.113.1

Ipv4Address homeAddress(std::size_t i) {
  return Ipv4Address::fromU32(0x0a000000u + static_cast<std::uint32_t>(i) + 2);  // 10.0.x.y
}
Ipv4Address careOf(std::size_t i) {
  return Ipv4Address::fromU32(0xc6120000u + static_cast<std::uint32_t>(i) + 2);  // 198.18.x.y
}
// 2001:db8:<i>::/48 for mobile node i.
Ipv6Prefix prefixOf(std::size_t i) {
  Ipv6Prefix p;
  p.address.bytes = {
      0x20, 0x01, 0x0d, 0xb8, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
  p.length = 48;
  return p;
}
wire::Mipv4AuthKey keyOf(std::size_t i) {
  Bytes key(16);
  for (std::size_t k = 0; k < key.size(); ++k) key[k] = static_cast<std::uint8_t>(i * 31 + k);
  return wire::Mipv4AuthKey{0x1000, wire::Mipv4AuthAlgorithm::HmacMd5, key};
}

HomeAgentConfig benchConfig() {
  HomeAgentConfig c;
  c.address = kHa;
  for (std::size_t i = 0; i < kMobileNodes; ++i) {
    MobileNodePolicy mn;
    mn.home_address = homeAddress(i);
    mn.key = keyOf(i);
    mn.prefixes = {PrefixGrant{prefixOf(i), PrefixTunnelPolicy::FollowRequest}};
    c.mobile_nodes.push_back(mn);
  }
  return c;
}

/// A DSMIPv4 request of mobile node i: one prefix, the Tunneling Mode, a UDP Tunnel Request.
Bytes requestOf(std::size_t i, std::uint64_t identification) {
  wire::RegistrationRequest r;
  r.flags.decapsulation_by_mobile_node = true;
  r.flags.reverse_tunneling = true;
  r.lifetime = 600;
  r.home_address = homeAddress(i);
  r.home_agent = kHa;
  r.care_of_address = careOf(i);
  r.identification = identification;
  r.extensions = {wire::Ipv6PrefixRequestExtension{48, prefixOf(i).address},
                  wire::Ipv6TunnelingModeExtension{}, wire::UdpTunnelRequestExtension{}};
  Bytes out(256);
  ByteWriter w{out};
  (void)wire::encodeAuthenticatedRegistrationRequest(r, keyOf(i), w);
  out.resize(w.size());
  return out;
}

void registerAll(HomeAgent& ha, std::uint64_t base) {
  for (std::size_t i = 0; i < kMobileNodes; ++i) {
    (void)ha.onRegistrationRequest(requestOf(i, base), {{careOf(i), 45000}, {kHa, 434}}, {},
                                   kUnixTime);
  }
}

void BM_HaRegistration(benchmark::State& state) {
  // Pre-built re-registrations, round-robin over the mobile nodes, each with a newer
  // Identification (a few fraction units apart, well inside the 7 s tolerance).
  constexpr std::size_t kRequests = 1 << 15;
  const std::uint64_t base = wire::ntpTimestampFromUnix(kUnixTime);
  std::vector<Bytes> requests;
  requests.reserve(kRequests);
  for (std::size_t n = 0; n < kRequests; ++n)
    requests.push_back(requestOf(n % kMobileNodes, base + n + 1));
  auto ha = std::make_unique<HomeAgent>(benchConfig());
  registerAll(*ha, base);
  std::size_t n = 0;
  for (auto _ : state) {
    if (n == kRequests) {
      state.PauseTiming();
      ha = std::make_unique<HomeAgent>(benchConfig());
      registerAll(*ha, base);
      n = 0;
      state.ResumeTiming();
    }
    const std::size_t i = n % kMobileNodes;
    auto actions =
        ha->onRegistrationRequest(requests[n], {{careOf(i), 45000}, {kHa, 434}}, {}, kUnixTime);
    benchmark::DoNotOptimize(actions);
    ++n;
  }
  if (ha->stats().registrations_accepted < kMobileNodes) state.SkipWithError("not accepted");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HaRegistration);

Bytes ipv4Packet(Ipv4Address source, Ipv4Address destination) {
  PacketBuffer b;
  (void)b.assign(Bytes(64, 0x5a));
  (void)wire::prependUdp(b, 3333, 4444, wire::UdpOverIpv4{source, destination, true});
  wire::Ipv4Header h;
  h.protocol = wire::ip_protocol::kUdp;
  h.source = source;
  h.destination = destination;
  (void)wire::prependIpv4(b, h);
  return Bytes(b.data().begin(), b.data().end());
}
Bytes ipv6Packet(const Ipv6Address& source, const Ipv6Address& destination) {
  PacketBuffer b;
  (void)b.assign(Bytes(64, 0x6b));
  (void)wire::prependUdp(b, 3333, 4444, wire::UdpOverIpv6{source, destination});
  wire::Ipv6Header h;
  h.next_header = wire::ip_protocol::kUdp;
  h.source = source;
  h.destination = destination;
  (void)wire::prependIpv6(b, h);
  return Bytes(b.data().begin(), b.data().end());
}
Ipv6Address inPrefix(std::size_t i) {
  Ipv6Address a = prefixOf(i).address;
  a.bytes[15] = 1;
  return a;
}

void BM_HaForwardIpv4Decision(benchmark::State& state) {
  HomeAgent ha{benchConfig()};
  registerAll(ha, wire::ntpTimestampFromUnix(kUnixTime));
  std::vector<PacketBuffer> packets(64);
  for (std::size_t k = 0; k < packets.size(); ++k) {
    (void)packets[k].assign(
        ipv4Packet(Ipv4Address::fromU32(0x0a0100fe), homeAddress((k * 997) % kMobileNodes)));
  }
  std::size_t k = 0;
  for (auto _ : state) {
    const SendDecision d = ha.forwardFromHome(packets[k++ % packets.size()], {});
    benchmark::DoNotOptimize(d);
  }
  if (ha.stats().forwarded_ipv4 == 0) state.SkipWithError("nothing forwarded");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HaForwardIpv4Decision);

void BM_HaForwardIpv6Decision(benchmark::State& state) {
  HomeAgent ha{benchConfig()};
  registerAll(ha, wire::ntpTimestampFromUnix(kUnixTime));
  std::vector<PacketBuffer> packets(64);
  const Ipv6Address correspondent = *Ipv6Address::parse("2001:db8:ffff::1");
  for (std::size_t k = 0; k < packets.size(); ++k) {
    (void)packets[k].assign(ipv6Packet(correspondent, inPrefix((k * 997) % kMobileNodes)));
  }
  std::size_t k = 0;
  for (auto _ : state) {
    const SendDecision d = ha.forwardFromHome(packets[k++ % packets.size()], {});
    benchmark::DoNotOptimize(d);
  }
  if (ha.stats().forwarded_ipv6 == 0) state.SkipWithError("nothing forwarded");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HaForwardIpv6Decision);

void BM_HaForwardIpv4AndEncapsulate(benchmark::State& state) {
  HomeAgent ha{benchConfig()};
  registerAll(ha, wire::ntpTimestampFromUnix(kUnixTime));
  const Bytes packet = ipv4Packet(Ipv4Address::fromU32(0x0a0100fe), homeAddress(500));
  PacketBuffer b;
  for (auto _ : state) {
    (void)b.assign(packet);
    const SendDecision d = ha.forwardFromHome(b, {});
    (void)applyEncapsulation(b, d.encapsulation);
    benchmark::DoNotOptimize(b.data().data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
BENCHMARK(BM_HaForwardIpv4AndEncapsulate);

void BM_HaReverseIpv6Check(benchmark::State& state) {
  // IPv6 from a code 1 prefix, tunnelled from the CoA: outer source, inner source in the
  // mobile node's prefixes (RFC 5454 §3.3.2), decapsulation.
  HomeAgent ha{benchConfig()};
  registerAll(ha, wire::ntpTimestampFromUnix(kUnixTime));
  const std::size_t i = 500;
  const Bytes inner = ipv6Packet(inPrefix(i), *Ipv6Address::parse("2001:db8:ffff::1"));
  PacketBuffer wrapped;
  (void)wrapped.assign(inner);
  wire::Ipv4Header h;
  h.protocol = wire::ip_protocol::kIpv6;
  h.source = careOf(i);
  h.destination = kHa;
  (void)wire::prependIpv4(wrapped, h);
  const Bytes packet(wrapped.data().begin(), wrapped.data().end());
  PacketBuffer b;
  for (auto _ : state) {
    (void)b.assign(packet);
    const ReceiveDecision d = ha.onTunnelPacket(b, {});
    benchmark::DoNotOptimize(d);
  }
  if (ha.stats().reverse_ipv6 == 0) state.SkipWithError("nothing delivered");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HaReverseIpv6Check);

}  // namespace
}  // namespace dsmip::dsmip4
