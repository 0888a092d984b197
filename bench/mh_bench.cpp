// Mobility Header codec throughput: parse and build the two DSMIPv6 messages a home
// registration exchanges (RFC 5555 §3): a BU with IPv4 Home Address and IPv4 Care-of Address
// options and a BA with IPv4 Address Acknowledgement and NAT Detection options. Rates are
// messages per second (items/s).

#include <benchmark/benchmark.h>

#include <array>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "wire/mh.hpp"

namespace {

using dsmip::Bytes;
using dsmip::ByteWriter;
using dsmip::Ipv4Address;
using dsmip::Ipv6Address;
using namespace dsmip::wire;  // NOLINT: benchmark file

const Ipv6Address kHoa{{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00}};
const Ipv6Address kHa{{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};

BindingUpdate dsmipBindingUpdate() {
  BindingUpdate bu;
  bu.sequence = 7;
  bu.flags = kBuFlagAcknowledge | kBuFlagHomeRegistration | kBuFlagForceUdp;
  bu.lifetime_units = 50;
  bu.options = {Ipv4HomeAddressOption{32, false, Ipv4Address::fromU32(0x0a010005)},
                Ipv4CareOfAddressOption{Ipv4Address::fromU32(0xc000020a)}};
  return bu;
}

BindingAck dsmipBindingAck() {
  BindingAck ba;
  ba.flags = kBaFlagKeyManagement;
  ba.sequence = 7;
  ba.lifetime_units = 50;
  ba.options = {Ipv4AddressAckOption{Ipv4AckStatus::Success, 32, Ipv4Address::fromU32(0x0a010005)},
                NatDetectionOption{false, 110}};
  return ba;
}

void parse(benchmark::State& state, const MobilityMessage& message) {
  const Bytes wire = encodeMobilityHeader(message, kHoa, kHa).value();
  for (auto _ : state) {
    auto decoded = decodeMobilityHeader(wire);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}

void parseAndVerify(benchmark::State& state, const MobilityMessage& message) {
  const Bytes wire = encodeMobilityHeader(message, kHoa, kHa).value();
  for (auto _ : state) {
    const bool valid = verifyMobilityChecksum(kHoa, kHa, wire);
    auto decoded = decodeMobilityHeader(wire);
    benchmark::DoNotOptimize(valid);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}

void build(benchmark::State& state, const MobilityMessage& message) {
  std::array<std::uint8_t, 256> buffer{};
  for (auto _ : state) {
    ByteWriter out{buffer};
    auto status = encodeMobilityHeader(message, kHoa, kHa, out);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ParseDsmipBindingUpdate(benchmark::State& state) { parse(state, dsmipBindingUpdate()); }
void BM_ParseDsmipBindingAck(benchmark::State& state) { parse(state, dsmipBindingAck()); }
void BM_ParseAndVerifyDsmipBindingUpdate(benchmark::State& state) {
  parseAndVerify(state, dsmipBindingUpdate());
}
void BM_BuildDsmipBindingUpdate(benchmark::State& state) { build(state, dsmipBindingUpdate()); }
void BM_BuildDsmipBindingAck(benchmark::State& state) { build(state, dsmipBindingAck()); }

}  // namespace

BENCHMARK(BM_ParseDsmipBindingUpdate);
BENCHMARK(BM_ParseDsmipBindingAck);
BENCHMARK(BM_ParseAndVerifyDsmipBindingUpdate);
BENCHMARK(BM_BuildDsmipBindingUpdate);
BENCHMARK(BM_BuildDsmipBindingAck);
