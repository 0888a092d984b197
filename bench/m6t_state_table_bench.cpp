// The m6t gateway's state table at scale: lookups and inserts per second with a million
// states, expiry, and the memory a state costs (computed from the tables' capacities and
// measured with mallinfo2). Also the gateway core's whole per-packet cost at 1 M states.
// Run from a release build: build/release/bench/bench_m6t_state_table
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <random>
#include <vector>

#include "common/random.hpp"
#include "m6t/addressing.hpp"
#include "m6t/gateway.hpp"
#include "m6t/state_table.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6.hpp"

namespace {

using namespace dsmip;
using namespace dsmip::m6t;
using namespace std::chrono_literals;

constexpr std::size_t kMillion = 1'000'000;
const Ipv6Prefix kPrefix = *Ipv6Prefix::parse("fd00:1:2:3:4::/80");
const TimePoint kT0 = TimePoint{} + 1h;

// Tunnel addresses as mobile nodes draw them: 48 random bits behind the /80.
std::vector<Ipv6Address> addresses(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Ipv6Address> out(n);
  for (auto& a : out) a = m6tAddress(kPrefix, rng());
  return out;
}

GatewayState stateFor(const Ipv6Address& a, std::size_t i) {
  GatewayState s;
  s.mobile_node = a;
  s.endpoint = Ipv4Endpoint{Ipv4Address::fromU32(0xC6330000u + static_cast<std::uint32_t>(i)),
                            static_cast<std::uint16_t>(1024 + i % 60000)};
  s.created = kT0;
  s.last_activity = kT0;
  return s;
}

struct FilledTable {
  std::vector<Ipv6Address> present = addresses(kMillion, 1);
  std::vector<Ipv6Address> absent = addresses(kMillion, 2);
  std::unique_ptr<StateTable> table;
  std::size_t malloc_bytes = 0;

  FilledTable() {
    const struct mallinfo2 before = mallinfo2();
    table = std::make_unique<StateTable>(SipKey{0x1234, 0x5678}, kMillion);
    for (std::size_t i = 0; i < present.size(); ++i) {
      (void)table->insertTemporary(stateFor(present[i], i));
      if (i % 2 == 0) table->activate(present[i], kT0 + 120s);  // half of them active
    }
    const struct mallinfo2 after = mallinfo2();
    malloc_bytes = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
  }
};

FilledTable& filled() {
  static FilledTable t;
  return t;
}

void BM_StateTableLookupHit(benchmark::State& state) {
  FilledTable& t = filled();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(t.table->find(t.present[i]));
    i = (i + 7919) % t.present.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["states"] = static_cast<double>(t.table->size());
}
BENCHMARK(BM_StateTableLookupHit);

void BM_StateTableLookupMiss(benchmark::State& state) {
  FilledTable& t = filled();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(t.table->find(t.absent[i]));
    i = (i + 7919) % t.absent.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateTableLookupMiss);

// Inserting a million states into an empty table (growth included), per insert.
void BM_StateTableInsertMillion(benchmark::State& state) {
  const std::vector<Ipv6Address> all = addresses(kMillion, 3);
  for (auto _ : state) {
    StateTable table(SipKey{1, 2}, kMillion);
    for (std::size_t i = 0; i < all.size(); ++i) (void)table.insertTemporary(stateFor(all[i], i));
    benchmark::DoNotOptimize(table.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kMillion));
}
BENCHMARK(BM_StateTableInsertMillion)->Unit(benchmark::kMillisecond)->Iterations(3);

// Steady state at 1 M: expire the oldest temporary state and insert a new one.
void BM_StateTableChurnAtMillion(benchmark::State& state) {
  StateTable table(SipKey{1, 2}, kMillion);
  const std::vector<Ipv6Address> all = addresses(kMillion, 4);
  for (std::size_t i = 0; i < all.size(); ++i) (void)table.insertTemporary(stateFor(all[i], i));
  std::mt19937_64 rng(5);
  std::size_t i = 0;
  for (auto _ : state) {
    (void)table.evictOldestTemporary();
    (void)table.insertTemporary(stateFor(m6tAddress(kPrefix, rng()), i++));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateTableChurnAtMillion);

// Expiring a million temporary states at once.
void BM_StateTableExpireMillion(benchmark::State& state) {
  const std::vector<Ipv6Address> all = addresses(kMillion, 6);
  for (auto _ : state) {
    state.PauseTiming();
    StateTable table(SipKey{1, 2}, kMillion);
    for (std::size_t i = 0; i < all.size(); ++i) (void)table.insertTemporary(stateFor(all[i], i));
    state.ResumeTiming();
    std::size_t gone = 0;
    table.expire(kT0 + 2s, 2s, 120s, [&](const GatewayState&) { ++gone; });
    benchmark::DoNotOptimize(gone);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kMillion));
}
BENCHMARK(BM_StateTableExpireMillion)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_StateTableBytesPerState(benchmark::State& state) {
  FilledTable& t = filled();
  for (auto _ : state) benchmark::DoNotOptimize(t.table->memory());
  const StateTableMemory m = t.table->memory();
  const auto n = static_cast<double>(t.table->size());
  state.counters["states"] = n;
  state.counters["bytes_per_state"] = static_cast<double>(m.total()) / n;
  state.counters["slab_per_state"] = static_cast<double>(m.slab_bytes) / n;
  state.counters["index_per_state"] = static_cast<double>(m.index_bytes) / n;
  state.counters["expiry_per_state"] = static_cast<double>(m.expiry_bytes) / n;
  state.counters["malloc_bytes_per_state"] = static_cast<double>(t.malloc_bytes) / n;
}
BENCHMARK(BM_StateTableBytesPerState)->Iterations(1);

// The gateway core's per-packet work with 1 M active states: a packet from a MN (decode,
// checks, lookup, counters) and one from the HA (decode, lookup, verdict).
struct FilledGateway {
  SeededRandom random{9};
  std::unique_ptr<Gateway> gateway;
  std::vector<Ipv6Address> mns = addresses(kMillion, 7);
  std::vector<PacketBuffer> from_mn;
  std::vector<PacketBuffer> from_ha;
  const Ipv6Address ha = *Ipv6Address::parse("2001:db8:1::1");

  static PacketBuffer echo(const Ipv6Address& src, const Ipv6Address& dst) {
    PacketBuffer p(2048);
    (void)p.assign(Bytes(56, 0xAB));
    (void)wire::prependIcmpv6EchoRequest(p, 1, 1, src, dst);
    wire::Ipv6Header h;
    h.next_header = wire::ip_protocol::kIcmpv6;
    h.source = src;
    h.destination = dst;
    (void)wire::prependIpv6(p, h);
    return p;
  }
  FilledGateway() {
    GatewayConfig c;
    c.listen = {*Ipv4Endpoint::parse("0.0.0.0:3544")};
    c.prefixes = {*Ipv6Prefix::parse("fd00::/16")};
    c.home_agents = {ha};
    c.rate_limit = 0;
    c.max_states = kMillion;
    gateway = std::make_unique<Gateway>(c, random);
    for (std::size_t i = 0; i < mns.size(); ++i) {
      PacketBuffer p = echo(mns[i], ha);
      (void)gateway->onDatagram(0, stateFor(mns[i], i).endpoint, p, kT0);
      PacketBuffer r = echo(ha, mns[i]);
      (void)gateway->onTunPacket(r, kT0);
    }
    for (std::size_t i = 0; i < 1024; ++i) {
      const std::size_t k = (i * 7919) % mns.size();
      from_mn.push_back(echo(mns[k], ha));
      from_ha.push_back(echo(ha, mns[k]));
    }
  }
};

FilledGateway& gateway() {
  static FilledGateway g;
  return g;
}

void BM_GatewayFromMobileNode(benchmark::State& state) {
  FilledGateway& g = gateway();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = (i * 7919) % g.mns.size();
    PacketBuffer& p = g.from_mn[i % g.from_mn.size()];
    benchmark::DoNotOptimize(g.gateway->onDatagram(0, stateFor(g.mns[k], k).endpoint, p, kT0));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["states"] = static_cast<double>(g.gateway->states().size());
}
BENCHMARK(BM_GatewayFromMobileNode);

void BM_GatewayFromHomeAgent(benchmark::State& state) {
  FilledGateway& g = gateway();
  std::size_t i = 0;
  for (auto _ : state) {
    PacketBuffer& p = g.from_ha[i++ % g.from_ha.size()];
    benchmark::DoNotOptimize(g.gateway->onTunPacket(p, kT0));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_state"] = static_cast<double>(g.gateway->memoryBytes()) /
                                      static_cast<double>(g.gateway->states().size());
}
BENCHMARK(BM_GatewayFromHomeAgent);

}  // namespace
