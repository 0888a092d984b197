// Mobile IPv4 registration codec: a DSMIPv4 registration request (reference 5.5 worked example:
// IPv6 Prefix Request, Tunneling Mode, UDP Tunnel Request, MN-HA authentication with HMAC-MD5)
// parsed and verified, and built and authenticated. Reports messages per second.
#include <benchmark/benchmark.h>

#include "wire/mipv4.hpp"
#include "wire/mipv4_auth.hpp"

namespace dsmip::wire {
namespace {

Mipv4AuthKey benchKey() {
  return Mipv4AuthKey{0x1000, Mipv4AuthAlgorithm::HmacMd5,
                      Bytes{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                            0x0c, 0x0d, 0x0e, 0x0f}};
}

RegistrationRequest benchRequest() {
  RegistrationRequest r;
  r.flags.decapsulation_by_mobile_node = true;
  r.flags.reverse_tunneling = true;
  r.lifetime = 600;
  r.home_address = Ipv4Address::fromU32(0x0a010005);
  r.home_agent = Ipv4Address::fromU32(0xcb007101);
  r.care_of_address = Ipv4Address::fromU32(0xc0a80114);
  r.identification = 0xe6a0b2c312345678ULL;
  Ipv6Address prefix;
  prefix.bytes = {0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd};
  r.extensions = {
      Ipv6PrefixRequestExtension{48, prefix},
      Ipv6TunnelingModeExtension{},
      UdpTunnelRequestExtension{0, true, false, 0, kUdpTunnelEncapsulationFromFlags},
  };
  return r;
}

void BM_Mipv4ParseAndVerify(benchmark::State& state) {
  const Mipv4AuthKey key = benchKey();
  Bytes bytes(256);
  ByteWriter out{bytes};
  if (!encodeAuthenticatedRegistrationRequest(benchRequest(), key, out)) {
    state.SkipWithError("encode failed");
    return;
  }
  bytes.resize(out.size());
  for (auto _ : state) {
    Mipv4AuthLocation location;
    auto request = decodeRegistrationRequest(bytes, &location);
    const Status ok = request ? verifyMobileHomeAuth(bytes, location, key) : Status{};
    if (!request || !ok) {
      state.SkipWithError("parse or verify failed");
      return;
    }
    benchmark::DoNotOptimize(request);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_Mipv4ParseAndVerify);

void BM_Mipv4ParseOnly(benchmark::State& state) {
  Bytes bytes(256);
  ByteWriter out{bytes};
  if (!encodeAuthenticatedRegistrationRequest(benchRequest(), benchKey(), out)) {
    state.SkipWithError("encode failed");
    return;
  }
  bytes.resize(out.size());
  for (auto _ : state) {
    auto request = decodeRegistrationRequest(bytes);
    benchmark::DoNotOptimize(request);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Mipv4ParseOnly);

void BM_Mipv4BuildAndAuthenticate(benchmark::State& state) {
  const Mipv4AuthKey key = benchKey();
  RegistrationRequest request = benchRequest();
  Bytes buffer(256);
  for (auto _ : state) {
    ByteWriter out{buffer};
    if (!encodeAuthenticatedRegistrationRequest(request, key, out)) {
      state.SkipWithError("encode failed");
      return;
    }
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
    ++request.identification;  // a new registration each time, as with timestamps
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Mipv4BuildAndAuthenticate);

}  // namespace
}  // namespace dsmip::wire
