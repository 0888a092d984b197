// DSMIPv6 cores: Binding Updates processed per second by the home agent core, memory per
// binding at one million bindings, and the data planes' throughput in UDP encapsulation.
//
// BU rates include everything the daemon hands the core per BU: decoding the plain IPv6 packet
// (extension headers, Home Address option), the MH checksum and decode, the processing, and
// building the BA packet (encode + checksum); ESP and the socket layer are not included.
// Data-plane rates include the core's decision and writing the outer headers into the buffer's
// headroom (with the UDP checksum over the whole packet), i.e. everything but the syscalls.
// A "ceiling" benchmark does only the unavoidable part of UDP encapsulation (the UDP checksum
// over the packet and the headers), for comparison.

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "dsmip6/home_agent.hpp"
#include "dsmip6/mobile_node.hpp"
#include "dsmip6/signalling.hpp"
#include "wire/checksum.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6.hpp"
#include "wire/mh.hpp"

namespace {

using namespace dsmip;          // NOLINT: benchmark file
using namespace dsmip::dsmip6;  // NOLINT

const Ipv6Address kHa = Ipv6Address::parse("2001:db8:1::1").value();
const Ipv4Address kHa4 = Ipv4Address::parse("198.51.100.1").value();
const Ipv6Address kCn = Ipv6Address::parse("2001:db8:99::9").value();
const TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

// The i-th home address in 2001:db8:1::/64 (2001:db8:1::1:0:0 + i, never the HA's).
Ipv6Address homeAddress(std::uint32_t i) {
  Ipv6Address a = kHa;
  a.bytes[10] = 1;
  a.bytes[12] = static_cast<std::uint8_t>(i >> 24);
  a.bytes[13] = static_cast<std::uint8_t>(i >> 16);
  a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
  a.bytes[15] = static_cast<std::uint8_t>(i);
  return a;
}
Ipv6Address careOf(std::uint32_t i) {
  Ipv6Address a = homeAddress(i);
  a.bytes[5] = 2;  // 2001:db8:2::/48
  return a;
}

HomeAgentConfig benchConfig() {
  HomeAgentConfig c;
  c.home_prefixes = {Ipv6Prefix::parse("2001:db8:1::/64").value()};
  c.address = kHa;
  c.ipv4_address = kHa4;
  c.accept_any_home_address = true;
  c.max_bindings = 4'000'000;
  c.max_binding_lifetime = std::chrono::seconds(3600);
  return c;
}

Bytes bindingUpdate(std::uint32_t i, std::uint16_t sequence) {
  wire::BindingUpdate bu;
  bu.sequence = sequence;
  bu.flags = wire::kBuFlagAcknowledge | wire::kBuFlagHomeRegistration;
  bu.lifetime_units = 900;
  bu.options = {wire::AlternateCareOfAddressOption{careOf(i)}};
  wire::Ipv6Extensions ext;
  ext.home_address = homeAddress(i);
  return buildMobilityPacket(bu, careOf(i), kHa, ext).value();
}

Bytes udpBindingUpdate(std::uint32_t i, std::uint16_t sequence) {
  wire::BindingUpdate bu;
  bu.sequence = sequence;
  bu.flags = wire::kBuFlagAcknowledge | wire::kBuFlagHomeRegistration;
  bu.lifetime_units = 900;
  bu.options = {wire::Ipv4CareOfAddressOption{Ipv4Address::fromU32(0x0a000000 + i)}};
  return buildMobilityPacket(bu, homeAddress(i), kHa).value();
}

// New bindings: every BU creates one (a fresh home agent per batch of `n`).
void BM_HomeAgentNewBindings(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<Bytes> bus;
  for (std::uint32_t i = 0; i < n; ++i) bus.push_back(bindingUpdate(i, 1));
  SeededRandom random(1);
  std::unique_ptr<HomeAgent> ha;
  std::uint32_t next = n;
  for (auto _ : state) {
    if (next == n) {
      state.PauseTiming();
      ha = std::make_unique<HomeAgent>(benchConfig(), random);
      next = 0;
      state.ResumeTiming();
    }
    auto actions = ha->onSignalling(bus[next++], Inbound{}, kT0);
    benchmark::DoNotOptimize(actions);
  }
  state.SetItemsProcessed(state.iterations());
}

// Refreshes of existing bindings from IPv6 care-of addresses (the steady state).
void BM_HomeAgentRefreshes(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  constexpr std::uint16_t kRounds = 16;
  std::vector<Bytes> bus;
  bus.reserve(std::size_t{n} * kRounds);
  for (std::uint16_t r = 0; r < kRounds; ++r) {
    for (std::uint32_t i = 0; i < n; ++i) {
      bus.push_back(bindingUpdate(i, static_cast<std::uint16_t>(r + 1)));
    }
  }
  SeededRandom random(1);
  auto ha = std::make_unique<HomeAgent>(benchConfig(), random);
  for (std::uint32_t i = 0; i < n; ++i) (void)ha->onSignalling(bus[i], Inbound{}, kT0);
  std::size_t next = n;  // round 2 onwards
  for (auto _ : state) {
    if (next == bus.size()) {
      state.PauseTiming();
      ha = std::make_unique<HomeAgent>(benchConfig(), random);
      for (std::uint32_t i = 0; i < n; ++i) (void)ha->onSignalling(bus[i], Inbound{}, kT0);
      next = n;
      state.ResumeTiming();
    }
    auto actions = ha->onSignalling(bus[next++], Inbound{}, kT0);
    benchmark::DoNotOptimize(actions);
  }
  state.counters["accepted_share"] = static_cast<double>(ha->stats().binding_ack_status[0]) /
                                     static_cast<double>(ha->stats().binding_updates_received);
  state.SetItemsProcessed(state.iterations());
}

// BUs over UDP from behind a NAT (NAT detection, NAT Detection option in the BA).
void BM_HomeAgentUdpRefreshes(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  constexpr std::uint16_t kRounds = 16;
  std::vector<Bytes> bus;
  for (std::uint16_t r = 0; r < kRounds; ++r) {
    for (std::uint32_t i = 0; i < n; ++i) {
      bus.push_back(udpBindingUpdate(i, static_cast<std::uint16_t>(r + 1)));
    }
  }
  const auto inbound = [](std::uint32_t i) {
    return Inbound{Transport::udp(Ipv4Endpoint{Ipv4Address::fromU32(0xcb007100),
                                               static_cast<std::uint16_t>(1024 + i % 60000)},
                                  Ipv4Endpoint{kHa4, 4191}),
                   false,
                   {}};
  };
  SeededRandom random(1);
  auto ha = std::make_unique<HomeAgent>(benchConfig(), random);
  const auto prime = [&] {
    ha = std::make_unique<HomeAgent>(benchConfig(), random);
    for (std::uint32_t i = 0; i < n; ++i) (void)ha->onSignalling(bus[i], inbound(i), kT0);
  };
  prime();
  std::size_t next = n;
  for (auto _ : state) {
    if (next == bus.size()) {
      state.PauseTiming();
      prime();
      next = n;
      state.ResumeTiming();
    }
    auto actions = ha->onSignalling(bus[next], inbound(static_cast<std::uint32_t>(next % n)), kT0);
    ++next;
    benchmark::DoNotOptimize(actions);
  }
  state.counters["nat_share"] = static_cast<double>(ha->stats().nat_detected) /
                                static_cast<double>(ha->stats().binding_updates_received);
  state.SetItemsProcessed(state.iterations());
}

// Memory per binding: heap bytes in use (mallinfo2) after registering one million mobile
// nodes, minus before, divided by the count. Includes the binding cache entries, the hash
// table, the deadline heap and everything else the core keeps per binding.
void BM_HomeAgentMemoryPerBinding(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  for (auto _ : state) {
    SeededRandom random(1);
    const std::size_t before = mallinfo2().uordblks;
    auto ha = std::make_unique<HomeAgent>(benchConfig(), random);
    for (std::uint32_t i = 0; i < n; ++i) {
      auto actions = ha->onSignalling(bindingUpdate(i, 1), Inbound{}, kT0);
      benchmark::DoNotOptimize(actions);
    }
    const std::size_t after = mallinfo2().uordblks;
    state.counters["bindings"] = static_cast<double>(ha->bindingCount());
    state.counters["bytes_per_binding"] =
        static_cast<double>(after - before) / static_cast<double>(n);
    state.counters["total_MiB"] = static_cast<double>(after - before) / (1024.0 * 1024.0);
  }
}

Bytes dataPacket(const Ipv6Address& src, const Ipv6Address& dst, std::size_t size) {
  PacketBuffer b(size + 512);
  (void)b.assign(Bytes(size - wire::kIpv6HeaderLength, 0x5a));
  wire::Ipv6Header h;
  h.next_header = wire::ip_protocol::kUdp;
  h.source = src;
  h.destination = dst;
  (void)wire::prependIpv6(b, h);
  return Bytes(b.data().begin(), b.data().end());
}

// Home agent → mobile node in UDP encapsulation: decision + outer IPv4/UDP headers with the UDP
// checksum, 1400-octet IPv6 packets, 10 000 bindings.
void BM_HomeAgentUdpEncapsulation(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  SeededRandom random(1);
  HomeAgent ha(benchConfig(), random);
  constexpr std::uint32_t kBindings = 10'000;
  std::vector<Bytes> packets;
  for (std::uint32_t i = 0; i < kBindings; ++i) {
    (void)ha.onSignalling(udpBindingUpdate(i, 1),
                          Inbound{Transport::udp(Ipv4Endpoint{Ipv4Address::fromU32(0xcb007100),
                                                              static_cast<std::uint16_t>(1024 + i)},
                                                 Ipv4Endpoint{kHa4, 4191}),
                                  false,
                                  {}},
                          kT0);
    if (i < 256) packets.push_back(dataPacket(kCn, homeAddress(i), size));
  }
  PacketBuffer buffer(size + 512, 128);
  std::size_t next = 0;
  for (auto _ : state) {
    const Bytes& packet = packets[next++ % packets.size()];
    const PacketDecision d = ha.onTunPacket(packet);
    (void)buffer.assign(packet, 128);
    if (d.verdict != Verdict::Encapsulate || !prependTunnelHeaders(buffer, d.tunnel)) {
      state.SkipWithError("not encapsulated");
      break;
    }
    benchmark::DoNotOptimize(buffer.data().data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

// The same without the core: copy into the buffer and compute the UDP checksum over the
// packet — what any UDP encapsulation must do per packet (the ceiling for the one above).
void BM_UdpEncapsulationCeiling(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const Bytes packet = dataPacket(kCn, homeAddress(1), size);
  PacketBuffer buffer(size + 512, 128);
  for (auto _ : state) {
    (void)buffer.assign(packet, 128);
    const std::uint16_t sum =
        wire::ipv4PseudoChecksum(kHa4, Ipv4Address::fromU32(0xcb007100), 17, buffer.data());
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

// Reverse tunnel at the home agent: a UDP-encapsulated packet from a NATed mobile node,
// ingress checks and ECN, 1400 octets.
void BM_HomeAgentUdpDecapsulation(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  SeededRandom random(1);
  HomeAgent ha(benchConfig(), random);
  const Ipv4Endpoint nat{Ipv4Address::fromU32(0xcb007100), 40000};
  (void)ha.onSignalling(udpBindingUpdate(1, 1),
                        Inbound{Transport::udp(nat, Ipv4Endpoint{kHa4, 4191}), false, {}}, kT0);
  const Bytes inner = dataPacket(homeAddress(1), kCn, size);
  TunnelledPacket t;
  t.outer = Encapsulation::Udp;
  t.ipv4_source = nat;
  t.ipv4_destination = Ipv4Endpoint{kHa4, 4191};
  t.payload = inner;
  for (auto _ : state) {
    const PacketDecision d = ha.onTunnelledPacket(t);
    if (d.verdict != Verdict::Deliver) {
      state.SkipWithError("not delivered");
      break;
    }
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

// Mobile node → home agent in UDP: decision + headers.
void BM_MobileNodeUdpEncapsulation(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  SeededRandom random(1);
  MobileNodeConfig c;
  const Ipv6Address hoa = homeAddress(1);
  c.home_addresses = {hoa};
  c.home_prefix = Ipv6Prefix::parse("2001:db8:1::/64").value();
  c.home_agent = kHa;
  c.home_agent_ipv4 = kHa4;
  c.local_udp_port = 5000;
  MobileNode mn(c, random);
  HomeAgent ha(benchConfig(), random);
  const Ipv4Address coa = Ipv4Address::fromU32(0x0a000002);
  for (const auto& action : mn.onCareOfAddresses({CareOfCandidate{coa, "wlan0", 0}}, kT0)) {
    const auto* bu = std::get_if<SendSignalling>(&action);
    if (!bu) continue;
    Inbound seen{Transport::udp(Ipv4Endpoint{Ipv4Address::fromU32(0xcb007100), 40000},
                                bu->transport.ipv4_destination),
                 false,
                 {}};
    for (const auto& reply : ha.onSignalling(bu->packet, seen, kT0)) {
      if (const auto* ba = std::get_if<SendSignalling>(&reply)) {
        (void)mn.onSignalling(ba->packet, Inbound{ba->transport, false, {}}, kT0);
      }
    }
  }
  const Bytes packet = dataPacket(hoa, kCn, size);
  PacketBuffer buffer(size + 512, 128);
  for (auto _ : state) {
    const PacketDecision d = mn.onTunPacket(packet);
    (void)buffer.assign(packet, 128);
    if (d.verdict != Verdict::Encapsulate || !prependTunnelHeaders(buffer, d.tunnel)) {
      state.SkipWithError("not encapsulated");
      break;
    }
    benchmark::DoNotOptimize(buffer.data().data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

BENCHMARK(BM_HomeAgentNewBindings)->Arg(100'000);
BENCHMARK(BM_HomeAgentRefreshes)->Arg(10'000)->Arg(100'000);
BENCHMARK(BM_HomeAgentUdpRefreshes)->Arg(10'000);
BENCHMARK(BM_HomeAgentMemoryPerBinding)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HomeAgentUdpEncapsulation)->Arg(1400);
BENCHMARK(BM_UdpEncapsulationCeiling)->Arg(1400);
BENCHMARK(BM_HomeAgentUdpDecapsulation)->Arg(1400);
BENCHMARK(BM_MobileNodeUdpEncapsulation)->Arg(1400);

}  // namespace
