#pragma once
// Helpers of the decoder's unit tests: the suite's packets by name, small packet builders for
// the paths the suite does not show, and the list of layer names of a dissection.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "oracle_support.hpp"
#include "suite_packets.hpp"
#include "wire/dissect.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/udp.hpp"

namespace dsmip::cli::test {

inline Ipv4Address v4(std::string_view text) { return Ipv4Address::parse(text).value(); }
inline Ipv6Address v6(std::string_view text) { return Ipv6Address::parse(text).value(); }

/// The suite packet (or malformed packet) with this name; fails the test if there is none.
inline interop::SuitePacket suitePacket(std::string_view name) {
  for (const auto& p : interop::suitePackets()) {
    if (p.name == name) return p;
  }
  for (const auto& p : interop::malformedPackets()) {
    if (p.name == name) return p;
  }
  ADD_FAILURE() << "no suite packet " << name;
  return {};
}

/// "ipv4,udp,ipv6,mh".
inline std::string layerNames(const wire::Dissection& d) {
  std::string out;
  for (const auto& layer : d.layers) {
    if (!out.empty()) out += ',';
    out += layer.name;
  }
  return out;
}

inline Bytes toBytes(const PacketBuffer& b) { return Bytes(b.data().begin(), b.data().end()); }

inline PacketBuffer bufferOf(ByteView payload) {
  PacketBuffer b;
  EXPECT_TRUE(b.assign(payload));
  return b;
}

/// payload behind an IPv4 header (no options).
inline Bytes inIpv4(ByteView payload, std::uint8_t protocol,
                    const Ipv4Address& src = v4("192.0.2.10"),
                    const Ipv4Address& dst = v4("198.51.100.1")) {
  PacketBuffer b = bufferOf(payload);
  wire::Ipv4Header h;
  h.protocol = protocol;
  h.source = src;
  h.destination = dst;
  EXPECT_TRUE(wire::prependIpv4(b, h));
  return toBytes(b);
}

/// payload behind an IPv6 header.
inline Bytes inIpv6(ByteView payload, std::uint8_t next_header,
                    const Ipv6Address& src = v6("2001:db8:1::1"),
                    const Ipv6Address& dst = v6("2001:db8:2::50")) {
  PacketBuffer b = bufferOf(payload);
  wire::Ipv6Header h;
  h.next_header = next_header;
  h.source = src;
  h.destination = dst;
  EXPECT_TRUE(wire::prependIpv6(b, h));
  return toBytes(b);
}

/// payload in UDP over IPv4 (checksum computed).
inline Bytes inUdp4(ByteView payload, std::uint16_t sport, std::uint16_t dport,
                    const Ipv4Address& src = v4("192.0.2.10"),
                    const Ipv4Address& dst = v4("198.51.100.1")) {
  PacketBuffer b = bufferOf(payload);
  EXPECT_TRUE(wire::prependUdp(b, sport, dport, wire::UdpOverIpv4{src, dst, true}));
  wire::Ipv4Header h;
  h.protocol = wire::ip_protocol::kUdp;
  h.source = src;
  h.destination = dst;
  EXPECT_TRUE(wire::prependIpv4(b, h));
  return toBytes(b);
}

inline wire::Dissection dissect(ByteView packet, const wire::DissectOptions& options = {}) {
  return wire::dissectIpPacket(packet, options);
}

}  // namespace dsmip::cli::test
