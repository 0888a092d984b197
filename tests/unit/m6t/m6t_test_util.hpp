#pragma once
// Packet builders shared by the m6t core tests.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "wire/icmpv4.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/m6t_keepalive.hpp"
#include "wire/udp.hpp"

namespace dsmip::m6t::test {

inline Ipv6Address v6(const char* text) {
  auto a = Ipv6Address::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(Ipv6Address{});
}
inline Ipv4Address v4(const char* text) {
  auto a = Ipv4Address::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(Ipv4Address{});
}
inline Ipv6Prefix p6(const char* text) {
  auto p = Ipv6Prefix::parse(text);
  EXPECT_TRUE(p.has_value()) << text;
  return p.value_or(Ipv6Prefix{});
}
inline Ipv4Endpoint ep(const char* text) {
  auto e = Ipv4Endpoint::parse(text);
  EXPECT_TRUE(e.has_value()) << text;
  return e.value_or(Ipv4Endpoint{});
}

/// An ICMPv6 Echo Request from `source` to `destination` with `data_size` octets of data.
inline PacketBuffer echoRequest(const Ipv6Address& source, const Ipv6Address& destination,
                                std::size_t data_size = 56, std::uint16_t sequence = 1) {
  PacketBuffer p;
  std::vector<std::uint8_t> data(data_size, 0xAB);
  EXPECT_TRUE(p.assign(data));
  EXPECT_TRUE(wire::prependIcmpv6EchoRequest(p, 0x1234, sequence, source, destination));
  wire::Ipv6Header h;
  h.next_header = wire::ip_protocol::kIcmpv6;
  h.source = source;
  h.destination = destination;
  EXPECT_TRUE(wire::prependIpv6(p, h));
  return p;
}

/// An ICMPv6 Echo Reply.
inline PacketBuffer echoReply(const Ipv6Address& source, const Ipv6Address& destination,
                              std::size_t data_size = 56) {
  PacketBuffer p;
  std::vector<std::uint8_t> data(data_size, 0xCD);
  EXPECT_TRUE(p.assign(data));
  EXPECT_TRUE(wire::prependIcmpv6EchoReply(p, 0x1234, 1, source, destination));
  wire::Ipv6Header h;
  h.next_header = wire::ip_protocol::kIcmpv6;
  h.source = source;
  h.destination = destination;
  EXPECT_TRUE(wire::prependIpv6(p, h));
  return p;
}

/// An ICMPv6 error (Time Exceeded) from `router` about a packet to `mobile_node`.
inline PacketBuffer timeExceeded(const Ipv6Address& router, const Ipv6Address& mobile_node) {
  PacketBuffer quoted = echoRequest(mobile_node, v6("2001:db8:ffff::1"));
  PacketBuffer p;
  EXPECT_TRUE(wire::buildIcmpv6TimeExceeded(p, quoted.data(), 0, router, mobile_node));
  wire::Ipv6Header h;
  h.next_header = wire::ip_protocol::kIcmpv6;
  h.source = router;
  h.destination = mobile_node;
  EXPECT_TRUE(wire::prependIpv6(p, h));
  return p;
}

inline PacketBuffer keepalive(const Ipv6Address& source) {
  PacketBuffer p;
  EXPECT_TRUE(wire::buildM6tKeepalive(p, source));
  return p;
}

inline PacketBuffer keepaliveReply(const Ipv6Address& mobile_node) {
  PacketBuffer p;
  EXPECT_TRUE(wire::buildM6tKeepaliveReply(p, mobile_node));
  return p;
}

/// The IPv4 + UDP + IPv6 datagram a tunnel endpoint sends, as quoted by a router.
inline Bytes tunnelDatagram(const Ipv4Endpoint& from, const Ipv4Endpoint& to,
                            const Ipv6Address& inner_source, const Ipv6Address& inner_destination,
                            std::size_t inner_data = 1400) {
  PacketBuffer p = echoRequest(inner_source, inner_destination, inner_data);
  EXPECT_TRUE(wire::prependUdp(p, from.port, to.port, wire::UdpOverIpv4{from.address, to.address}));
  wire::Ipv4Header h;
  h.protocol = wire::ip_protocol::kUdp;
  h.source = from.address;
  h.destination = to.address;
  EXPECT_TRUE(wire::prependIpv4(p, h));
  return Bytes(p.data().begin(), p.data().end());
}

/// An ICMPv4 fragmentation-needed quoting `quoted` (cut to `quote_length` octets).
inline Bytes fragmentationNeeded(const Bytes& quoted, std::uint16_t mtu,
                                 std::size_t quote_length = 576) {
  PacketBuffer out;
  const ByteView q = ByteView(quoted).first(std::min(quote_length, quoted.size()));
  EXPECT_TRUE(wire::buildIcmpv4FragmentationNeeded(out, q, mtu));
  return Bytes(out.data().begin(), out.data().end());
}

}  // namespace dsmip::m6t::test
