#pragma once
// Shared fixtures of the DSMIPv4 core tests: addresses, keys, configurations, and helpers that
// build messages and packets with the wire codecs and pick actions out of a core's output.

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/time.hpp"
#include "dsmip4/home_agent.hpp"
#include "dsmip4/mobile_node.hpp"
#include "wire/icmpv4.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/mipv4.hpp"
#include "wire/mipv4_auth.hpp"
#include "wire/mipv4_identification.hpp"
#include "wire/udp.hpp"

namespace dsmip::dsmip4::test {

inline Ipv4Address v4(std::string_view text) { return *Ipv4Address::parse(text); }
inline Ipv6Address v6(std::string_view text) { return *Ipv6Address::parse(text); }
inline Ipv6Prefix p6(std::string_view text) { return *Ipv6Prefix::parse(text); }

inline const Ipv4Address kHa = v4("203.0.113.1");
inline const Ipv4Address kHoa = v4("10.1.0.5");
inline const Ipv4Address kHoa2 = v4("10.1.0.6");
inline const Ipv4Address kCoa = v4("192.0.2.20");      // a public care-of address
inline const Ipv4Address kCoa2 = v4("198.51.100.30");  // another network
inline const Ipv4Address kPrivateCoa = v4("192.168.1.20");
inline const Ipv4Address kNatAddress = v4("198.51.100.7");
inline const Ipv4Address kCorrespondent = v4("10.1.0.99");
inline constexpr std::uint16_t kMnPort = 45000;
inline constexpr std::uint16_t kNatPort = 61000;

/// Wall-clock time of the tests' start (2023-11-14), as the daemon would pass it.
inline constexpr std::chrono::nanoseconds kUnixStart = std::chrono::seconds{1'700'000'000};

inline wire::Mipv4AuthKey key1() {
  return wire::Mipv4AuthKey{0x1000, wire::Mipv4AuthAlgorithm::HmacMd5,
                            Bytes{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                  0x0b, 0x0c, 0x0d, 0x0e, 0x0f}};
}
inline wire::Mipv4AuthKey key2() {
  return wire::Mipv4AuthKey{0x2000, wire::Mipv4AuthAlgorithm::HmacMd5,
                            Bytes{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7}};
}

/// HA with two mobile nodes: MN1 (10.1.0.5) may register inside 2001:db8:abcd::/48 (either
/// tunnel mode) and 2001:db8:ff00::/40 (home-address tunnel only); MN2 (10.1.0.6) inside
/// 2001:db8::/32, which covers MN1's prefixes (the overlap check decides).
inline HomeAgentConfig haConfig() {
  HomeAgentConfig c;
  c.address = kHa;
  c.home_network = *Ipv4Prefix::parse("10.1.0.0/24");
  MobileNodePolicy mn1;
  mn1.home_address = kHoa;
  mn1.key = key1();
  mn1.prefixes = {PrefixGrant{p6("2001:db8:abcd::/48"), PrefixTunnelPolicy::FollowRequest},
                  PrefixGrant{p6("2001:db8:ff00::/40"), PrefixTunnelPolicy::HomeAddressOnly}};
  MobileNodePolicy mn2;
  mn2.home_address = kHoa2;
  mn2.key = key2();
  mn2.prefixes = {PrefixGrant{p6("2001:db8::/32"), PrefixTunnelPolicy::FollowRequest}};
  c.mobile_nodes = {mn1, mn2};
  return c;
}

/// MN1's configuration: one prefix, tunnel to the CoA, UDP tunnel request without F.
inline MobileNodeConfig mnConfig() {
  MobileNodeConfig c;
  c.home_address = kHoa;
  c.home_agent = kHa;
  c.key = key1();
  c.lifetime = std::chrono::seconds{600};
  c.prefixes = {PrefixRequest{p6("2001:db8:abcd::/48"), false, std::nullopt}};
  return c;
}

/// A registration request as MN1 would send it: D and T set, lifetime 600, from kCoa.
inline wire::RegistrationRequest baseRequest(std::uint64_t identification,
                                             Ipv4Address home_address = kHoa,
                                             Ipv4Address care_of = kCoa) {
  wire::RegistrationRequest r;
  r.flags.decapsulation_by_mobile_node = true;
  r.flags.reverse_tunneling = true;
  r.lifetime = 600;
  r.home_address = home_address;
  r.home_agent = kHa;
  r.care_of_address = care_of;
  r.identification = identification;
  return r;
}

inline Bytes encodeRequest(const wire::RegistrationRequest& request,
                           const wire::Mipv4AuthKey& key) {
  Bytes out(512);
  ByteWriter w{out};
  EXPECT_TRUE(wire::encodeAuthenticatedRegistrationRequest(request, key, w));
  out.resize(w.size());
  return out;
}
inline Bytes encodeReply(const wire::RegistrationReply& reply, const wire::Mipv4AuthKey& key) {
  Bytes out(512);
  ByteWriter w{out};
  EXPECT_TRUE(wire::encodeAuthenticatedRegistrationReply(reply, key, w));
  out.resize(w.size());
  return out;
}

/// The NTP timestamp of a wall-clock instant (what a synchronised MN puts in Identification).
inline std::uint64_t ntpAt(std::chrono::nanoseconds unix_time) {
  return wire::ntpTimestampFromUnix(unix_time);
}

template <typename T, typename Actions>
std::vector<T> actionsOf(const Actions& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const T* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

template <typename Actions>
std::vector<SendDatagram> sends(const Actions& actions) {
  return actionsOf<SendDatagram>(actions);
}

/// Decodes the single reply among `actions` and checks its MN-HA authenticator with `key`.
template <typename Actions>
wire::RegistrationReply onlyReply(const Actions& actions, const wire::Mipv4AuthKey& key) {
  const auto s = sends(actions);
  EXPECT_EQ(s.size(), 1u);
  if (s.size() != 1) return {};
  EXPECT_EQ(s[0].kind, DatagramKind::RegistrationReply);
  EXPECT_TRUE(wire::verifyMobileHomeAuth(s[0].payload, key));
  auto reply = wire::decodeRegistrationReply(s[0].payload);
  EXPECT_TRUE(reply.has_value());
  return reply ? *reply : wire::RegistrationReply{};
}

inline std::vector<wire::Ipv6PrefixReplyExtension> prefixReplies(
    const wire::RegistrationReply& reply) {
  std::vector<wire::Ipv6PrefixReplyExtension> out;
  for (const auto& e : reply.extensions) {
    if (const auto* r = std::get_if<wire::Ipv6PrefixReplyExtension>(&e)) out.push_back(*r);
  }
  return out;
}

inline wire::Ipv6PrefixRequestExtension prefixRequest(std::string_view prefix) {
  const Ipv6Prefix p = p6(prefix);
  return wire::Ipv6PrefixRequestExtension{p.length, p.address};
}

// ---------------------------------------------------------------------------------------------
// Packets

/// An IPv4 packet with a UDP payload of `payload_size` octets.
inline Bytes ipv4Packet(Ipv4Address source, Ipv4Address destination, std::uint8_t tos = 0,
                        std::size_t payload_size = 32, bool dont_fragment = false) {
  PacketBuffer b;
  Bytes payload(payload_size, 0x5a);
  EXPECT_TRUE(b.assign(payload));
  EXPECT_TRUE(wire::prependUdp(b, 3333, 4444, wire::UdpOverIpv4{source, destination, true}));
  wire::Ipv4Header h;
  h.tos = tos;
  h.identification = 7;
  h.dont_fragment = dont_fragment;
  h.protocol = wire::ip_protocol::kUdp;
  h.source = source;
  h.destination = destination;
  EXPECT_TRUE(wire::prependIpv4(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

/// An IPv6 packet with a UDP payload.
inline Bytes ipv6Packet(Ipv6Address source, Ipv6Address destination, std::uint8_t tc = 0,
                        std::size_t payload_size = 24) {
  PacketBuffer b;
  Bytes payload(payload_size, 0x6b);
  EXPECT_TRUE(b.assign(payload));
  EXPECT_TRUE(wire::prependUdp(b, 3333, 4444, wire::UdpOverIpv6{source, destination}));
  wire::Ipv6Header h;
  h.traffic_class = tc;
  h.next_header = wire::ip_protocol::kUdp;
  h.source = source;
  h.destination = destination;
  EXPECT_TRUE(wire::prependIpv6(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

/// Wraps `inner` in an IPv4 header (protocol 4 or 41).
inline Bytes wrapIpv4(const Bytes& inner, Ipv4Address source, Ipv4Address destination,
                      std::uint8_t protocol, std::uint8_t tos = 0) {
  PacketBuffer b;
  EXPECT_TRUE(b.assign(inner));
  wire::Ipv4Header h;
  h.tos = tos;
  h.protocol = protocol;
  h.source = source;
  h.destination = destination;
  EXPECT_TRUE(wire::prependIpv4(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

/// Tunnel Data (RFC 3519 §3.3) around `inner`: the UDP payload.
inline Bytes tunnelData(const Bytes& inner, std::uint8_t next_header) {
  PacketBuffer b;
  EXPECT_TRUE(b.assign(inner));
  EXPECT_TRUE(wire::prependTunnelData(b, next_header));
  return Bytes(b.data().begin(), b.data().end());
}

inline PacketBuffer bufferOf(const Bytes& bytes) {
  PacketBuffer b;
  EXPECT_TRUE(b.assign(bytes));
  return b;
}

inline Bytes bytesOf(const PacketBuffer& b) { return Bytes(b.data().begin(), b.data().end()); }

}  // namespace dsmip::dsmip4::test
