// IP-layer codec throughput: parsing the DSMIPv6 UDP encapsulation (IPv4 -> UDP -> IPv6 with a
// Mobility Header as opaque upper layer) and building it around a 1280-octet payload.
#include <benchmark/benchmark.h>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/udp.hpp"

namespace {

using namespace dsmip;
using namespace dsmip::wire;

const Ipv4Address kCareOf = Ipv4Address::fromU32(0xC000020A);      // 192.0.2.10
const Ipv4Address kHomeAgent4 = Ipv4Address::fromU32(0xC6336401);  // 198.51.100.1
const Ipv6Address kHomeAddress = *Ipv6Address::parse("2001:db8:1::5");
const Ipv6Address kHomeAgent6 = *Ipv6Address::parse("2001:db8:a::1");

// IPv4 / UDP(49152 -> 4191) / IPv6 / `upper_length` octets of Mobility Header.
PacketBuffer encapsulated(std::size_t upper_length) {
  PacketBuffer b;
  if (!b.resize(upper_length)) std::abort();
  for (std::size_t i = 0; i < upper_length; ++i) b.mutableData()[i] = static_cast<std::uint8_t>(i);
  Ipv6Header h6;
  h6.next_header = ip_protocol::kMobility;
  h6.source = kHomeAddress;
  h6.destination = kHomeAgent6;
  Ipv4Header h4;
  h4.protocol = ip_protocol::kUdp;
  h4.source = kCareOf;
  h4.destination = kHomeAgent4;
  if (!prependIpv6(b, h6) ||
      !prependUdp(b, 49152, udp_port::kDsmipv6, UdpOverIpv4{kCareOf, kHomeAgent4}) ||
      !prependIpv4(b, h4)) {
    std::abort();
  }
  return b;
}

bool parse(ByteView packet, bool verify_udp) {
  auto ip4 = decodeIpv4(packet);
  if (!ip4 || ip4->header.protocol != ip_protocol::kUdp) return false;
  auto udp = decodeUdp(ip4->payload);
  if (!udp) return false;
  if (verify_udp && !verifyUdpChecksum(*udp, ip4->header.source, ip4->header.destination)) {
    return false;
  }
  auto ip6 = decodeIpv6(udp->payload);
  return ip6 && ip6->upper_layer_protocol == ip_protocol::kMobility;
}

void BM_ParseMhInIpv6InUdpIpv4(benchmark::State& state) {
  const PacketBuffer packet = encapsulated(static_cast<std::size_t>(state.range(0)));
  const bool verify_udp = state.range(1) != 0;
  for (auto _ : state) {
    bool ok = parse(packet.data(), verify_udp);
    benchmark::DoNotOptimize(ok);
    if (!ok) state.SkipWithError("parse failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
// 56 octets: a Binding Update with an IPv4 CoA option; 1280: a full-size tunnelled packet.
BENCHMARK(BM_ParseMhInIpv6InUdpIpv4)
    ->ArgNames({"upper", "udp_checksum"})
    ->Args({56, 0})
    ->Args({56, 1})
    ->Args({1280, 0})
    ->Args({1280, 1});

void BM_BuildIpv6UdpIpv4Around1280(benchmark::State& state) {
  constexpr std::size_t kPayload = 1280;
  PacketBuffer b;
  if (!b.resize(kPayload)) std::abort();
  Ipv6Header h6;
  h6.next_header = ip_protocol::kMobility;
  h6.source = kHomeAddress;
  h6.destination = kHomeAgent6;
  Ipv4Header h4;
  h4.protocol = ip_protocol::kUdp;
  h4.source = kCareOf;
  h4.destination = kHomeAgent4;
  const bool udp_checksum = state.range(0) != 0;
  std::uint16_t id = 0;
  for (auto _ : state) {
    b.reset();
    if (!b.resize(kPayload)) std::abort();  // the payload stays in place: no copy
    h4.identification = ++id;
    const bool ok =
        prependIpv6(b, h6).has_value() &&
        prependUdp(b, 49152, udp_port::kDsmipv6, UdpOverIpv4{kCareOf, kHomeAgent4, udp_checksum})
            .has_value() &&
        prependIpv4(b, h4).has_value();
    if (!ok) state.SkipWithError("build failed");
    benchmark::DoNotOptimize(b.data().data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kPayload + 68));
}
BENCHMARK(BM_BuildIpv6UdpIpv4Around1280)->ArgName("udp_checksum")->Arg(0)->Arg(1);

}  // namespace
