#pragma once
// Family-agnostic address types used by the platform layer's interfaces (routes, addresses,
// sockets serving both IPv4 and IPv6), built on the value types of common/ip_address.hpp.

#include <string>
#include <variant>

#include "common/ip_address.hpp"

namespace dsmip::platform {

enum class IpFamily : std::uint8_t { V4, V6 };

/// An IPv4 or an IPv6 address.
using IpAddress = std::variant<Ipv4Address, Ipv6Address>;
/// An address with a prefix length. Host bits are kept where they matter ("192.0.2.7/24" as an
/// interface address); routes and rules use normalised prefixes.
using IpPrefix = std::variant<Ipv4Prefix, Ipv6Prefix>;
/// An IPv4 or IPv6 transport endpoint (address and port).
using IpEndpoint = std::variant<Ipv4Endpoint, Ipv6Endpoint>;

[[nodiscard]] inline IpFamily familyOf(const IpAddress& a) {
  return std::holds_alternative<Ipv4Address>(a) ? IpFamily::V4 : IpFamily::V6;
}
[[nodiscard]] inline IpFamily familyOf(const IpPrefix& p) {
  return std::holds_alternative<Ipv4Prefix>(p) ? IpFamily::V4 : IpFamily::V6;
}
[[nodiscard]] inline IpFamily familyOf(const IpEndpoint& e) {
  return std::holds_alternative<Ipv4Endpoint>(e) ? IpFamily::V4 : IpFamily::V6;
}

/// The address part of a prefix ("192.0.2.7/24" → 192.0.2.7).
[[nodiscard]] IpAddress addressOf(const IpPrefix& p);
/// The prefix length.
[[nodiscard]] std::uint8_t prefixLength(const IpPrefix& p);
/// A host prefix (/32 or /128) for an address.
[[nodiscard]] IpPrefix hostPrefix(const IpAddress& a);
/// The address of an endpoint.
[[nodiscard]] IpAddress addressOf(const IpEndpoint& e);
/// The port of an endpoint.
[[nodiscard]] std::uint16_t portOf(const IpEndpoint& e);
/// The prefix with host bits cleared.
[[nodiscard]] IpPrefix normalised(const IpPrefix& p);
/// The default-route prefix of a family (0.0.0.0/0 or ::/0).
[[nodiscard]] IpPrefix defaultPrefix(IpFamily family);

/// "192.0.2.1", "2001:db8::1"
[[nodiscard]] std::string toString(const IpAddress& a);
/// "192.0.2.0/24", "2001:db8::/64" (host bits as stored)
[[nodiscard]] std::string toString(const IpPrefix& p);
/// "192.0.2.1:4191", "[2001:db8::1]:4191"
[[nodiscard]] std::string toString(const IpEndpoint& e);
/// "ipv4" or "ipv6"
[[nodiscard]] std::string_view toString(IpFamily family);

/// Parses either family's text form; nullopt if neither parses.
[[nodiscard]] std::optional<IpAddress> parseIpAddress(std::string_view text);
/// Parses "address/length" of either family (a bare address is a host prefix). Host bits are
/// kept, so "192.0.2.7/24" names an interface address; use normalised() for a network.
[[nodiscard]] std::optional<IpPrefix> parseIpPrefix(std::string_view text);

}  // namespace dsmip::platform
