// Fuzz target for the IP-layer decoders: IPv4, IPv6 with its extension headers, UDP, ICMPv4,
// ICMPv6 (with the Mobile IPv6 messages), the m6t keep-alive and the TLV header. Every decoder
// runs on the raw input; copies with a repaired checksum reach the code behind the checks.
// Invariants that must hold for any accepted input abort the run when broken.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/bytes.hpp"
#include "wire/checksum.hpp"
#include "wire/icmpv4.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/m6t_keepalive.hpp"
#include "wire/tlv.hpp"
#include "wire/udp.hpp"

namespace {

using namespace dsmip;
using namespace dsmip::wire;

void check(bool condition) {
  if (!condition) std::abort();
}

bool sameBytes(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

void walkIcmpv6(const Icmpv6Message& m) {
  if (const auto* rep = std::get_if<HomeAgentAddressDiscoveryReply>(&m.body)) {
    std::size_t n = 0;
    for (const Ipv6Address& a : rep->home_agents) {
      (void)a;
      ++n;
    }
    check(n == rep->home_agents.size());
  }
  if (const auto* mpa = std::get_if<MobilePrefixAdvertisement>(&m.body)) {
    std::size_t n = 0;
    for (const PrefixInformation& p : mpa->prefixes) {
      (void)p;
      ++n;
    }
    check(n == mpa->prefixes.size());
  }
}

void fuzzIcmpv6(ByteView data, const Ipv6Address& src, const Ipv6Address& dst) {
  if (auto m = decodeIcmpv6(data, src, dst)) walkIcmpv6(*m);
  if (data.size() < 4) return;
  std::vector<std::uint8_t> fixed(data.begin(), data.end());
  fixed[2] = 0;
  fixed[3] = 0;
  const std::uint16_t sum = ipv6PseudoChecksum(src, dst, ip_protocol::kIcmpv6, fixed);
  fixed[2] = static_cast<std::uint8_t>(sum >> 8);
  fixed[3] = static_cast<std::uint8_t>(sum);
  auto m = decodeIcmpv6(fixed, src, dst);
  check(m.has_value() || m.error().code != ErrorCode::BadChecksum);
  if (m) walkIcmpv6(*m);
}

void fuzzIpv6(ByteView data) {
  auto p = decodeIpv6(data);
  if (!p) return;
  // The fixed header re-encodes to the same 40 octets.
  std::array<std::uint8_t, kIpv6HeaderLength> header{};
  ByteWriter w{header};
  check(encodeIpv6Header(p->header, w).has_value());
  check(sameBytes(header, data.first(kIpv6HeaderLength)));
  check(p->upper_layer_offset + p->upper_layer.size() == p->packet.size());
  if (p->home_address) {
    check(sameBytes(p->home_address->bytes, data.subspan(p->home_address_offset, 16)));
  }
  if (p->routing_home_address) {
    check(sameBytes(p->routing_home_address->bytes,
                    data.subspan(p->routing_home_address_offset, 16)));
  }
  (void)classifyM6tKeepalive(*p);
  (void)ipv6UpperLayerChecksumValid(*p);
  if (p->isNonFirstFragment()) return;
  const Ipv6Address src = ipv6UpperLayerSource(*p);
  const Ipv6Address dst = ipv6UpperLayerDestination(*p);
  if (p->upper_layer_protocol == ip_protocol::kIcmpv6) fuzzIcmpv6(p->upper_layer, src, dst);
  if (p->upper_layer_protocol == ip_protocol::kUdp) {
    if (auto u = decodeUdp(p->upper_layer)) (void)verifyUdpChecksum(*u, src, dst);
  }
  if (!p->fragment && p->upper_layer.size() >= 8) {
    std::vector<std::uint8_t> copy(p->packet.begin(), p->packet.end());
    check(setIpv6UpperLayerChecksum(copy, 6).has_value());
    auto again = decodeIpv6(copy);
    check(again.has_value());
    check(ipv6UpperLayerChecksumValid(*again));
  }
}

void fuzzUdpPayload(ByteView payload) {
  if (auto t = decodeTlv(payload)) {
    if (t->header.next_header == ip_protocol::kIpv6) fuzzIpv6(t->payload);
  }
  if (!payload.empty() && (payload[0] >> 4) == 6) fuzzIpv6(payload);
}

void fuzzIpv4(ByteView data) {
  auto p = decodeIpv4(data);
  if (!p) return;
  std::array<std::uint8_t, kIpv4MaxHeaderLength> header{};
  ByteWriter w{header};
  check(encodeIpv4Header(p->header, p->options, w).has_value());
  check(sameBytes(w.written(), data.first(p->headerLength())));
  if (p->header.isNonFirstFragment()) return;
  if (p->header.protocol == ip_protocol::kUdp) {
    if (auto u = decodeUdp(p->payload)) {
      (void)verifyUdpChecksum(*u, p->header.source, p->header.destination);
      fuzzUdpPayload(u->payload);
    }
  }
  if (p->header.protocol == ip_protocol::kIpv6) fuzzIpv6(p->payload);
  if (p->header.protocol == ip_protocol::kIcmp) (void)decodeIcmpv4(p->payload);
}

void fuzzIcmpv4(ByteView data) {
  (void)decodeIcmpv4(data);
  if (data.size() < 8) return;
  std::vector<std::uint8_t> fixed(data.begin(), data.end());
  fixed[2] = 0;
  fixed[3] = 0;
  const std::uint16_t sum = internetChecksum(fixed);
  fixed[2] = static_cast<std::uint8_t>(sum >> 8);
  fixed[3] = static_cast<std::uint8_t>(sum);
  check(decodeIcmpv4(fixed).has_value());
}

// IPv4 with the header checksum repaired, so the fuzzer explores what lies behind it.
void fuzzIpv4Repaired(ByteView data) {
  if (data.size() < kIpv4MinHeaderLength) return;
  const std::size_t ihl = std::size_t{data[0] & 0x0Fu} * 4;
  if (ihl < kIpv4MinHeaderLength || ihl > data.size()) return;
  std::vector<std::uint8_t> fixed(data.begin(), data.end());
  fixed[10] = 0;
  fixed[11] = 0;
  const std::uint16_t sum = internetChecksum(ByteView(fixed).first(ihl));
  fixed[10] = static_cast<std::uint8_t>(sum >> 8);
  fixed[11] = static_cast<std::uint8_t>(sum);
  fuzzIpv4(fixed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  fuzzIpv4(input);
  fuzzIpv4Repaired(input);
  fuzzIpv6(input);
  fuzzUdpPayload(input);
  if (auto u = decodeUdp(input)) fuzzUdpPayload(u->payload);
  fuzzIcmpv4(input);
  fuzzIcmpv6(input, kM6tKeepaliveAddress, kM6tKeepaliveAddress);
  return 0;
}
