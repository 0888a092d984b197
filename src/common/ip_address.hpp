#pragma once
// IPv4 and IPv6 addresses, prefixes and endpoints as plain value types, with text parsing and
// formatting that need no operating-system header (RFC 4291 §2.2 text forms, RFC 5952 output).

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace dsmip {

struct Ipv4Address {
  std::array<std::uint8_t, 4> bytes{};

  static constexpr Ipv4Address fromU32(std::uint32_t v) {
    return Ipv4Address{{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                        static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}};
  }
  /// The address as a host-order integer (a.b.c.d → 0xaabbccdd).
  [[nodiscard]] constexpr std::uint32_t toU32() const {
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
           (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
  }
  /// Parses dotted-quad text ("192.0.2.1"); nullopt if malformed.
  static std::optional<Ipv4Address> parse(std::string_view text);
  [[nodiscard]] std::string toString() const;

  [[nodiscard]] constexpr bool isUnspecified() const { return toU32() == 0; }
  [[nodiscard]] constexpr bool isLoopback() const { return bytes[0] == 127; }
  [[nodiscard]] constexpr bool isMulticast() const { return (bytes[0] & 0xF0) == 0xE0; }
  [[nodiscard]] constexpr bool isBroadcast() const { return toU32() == 0xFFFFFFFFu; }
  /// RFC 1918 private ranges.
  [[nodiscard]] constexpr bool isPrivate() const {
    return bytes[0] == 10 || (bytes[0] == 172 && (bytes[1] & 0xF0) == 16) ||
           (bytes[0] == 192 && bytes[1] == 168);
  }
  /// Usable as a unicast source or destination on the Internet-facing side.
  [[nodiscard]] constexpr bool isUnicast() const {
    return !isUnspecified() && !isMulticast() && !isBroadcast() && bytes[0] != 0 &&
           (bytes[0] & 0xF0) != 0xF0;
  }

  friend constexpr auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;
};

struct Ipv6Address {
  std::array<std::uint8_t, 16> bytes{};

  static std::optional<Ipv6Address> parse(std::string_view text);
  /// RFC 5952 canonical text ("2001:db8::1").
  [[nodiscard]] std::string toString() const;
  static Ipv6Address fromBytes(ByteView v);  // v.size() must be 16

  [[nodiscard]] bool isUnspecified() const;
  [[nodiscard]] bool isLoopback() const;
  [[nodiscard]] constexpr bool isMulticast() const { return bytes[0] == 0xFF; }
  [[nodiscard]] constexpr bool isLinkLocal() const {
    return bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80;
  }
  [[nodiscard]] bool isV4Mapped() const;      // ::ffff:0:0/96
  [[nodiscard]] bool isV4Compatible() const;  // ::/96 except :: and ::1
  /// Unicast and of global or unique-local scope: what RFC 6275 calls "unicast routable".
  [[nodiscard]] bool isUnicastRoutable() const;

  friend constexpr auto operator<=>(const Ipv6Address&, const Ipv6Address&) = default;
};

/// fe80::1, the m6t keep-alive address (m6t §2.3).
inline constexpr Ipv6Address kM6tKeepaliveAddress{
    {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};

struct Ipv4Prefix {
  Ipv4Address address;  // host bits are zero after parse/normalise
  std::uint8_t length = 0;

  static std::optional<Ipv4Prefix> parse(std::string_view text);  // "10.1.0.0/16"
  [[nodiscard]] std::string toString() const;
  [[nodiscard]] bool contains(const Ipv4Address& a) const;
  [[nodiscard]] bool overlaps(const Ipv4Prefix& other) const;
  [[nodiscard]] Ipv4Prefix normalised() const;
  friend constexpr auto operator<=>(const Ipv4Prefix&, const Ipv4Prefix&) = default;
};

struct Ipv6Prefix {
  Ipv6Address address;
  std::uint8_t length = 0;

  static std::optional<Ipv6Prefix> parse(std::string_view text);  // "2001:db8::/32"
  [[nodiscard]] std::string toString() const;
  [[nodiscard]] bool contains(const Ipv6Address& a) const;
  [[nodiscard]] bool overlaps(const Ipv6Prefix& other) const;
  /// Clears the bits beyond `length`.
  [[nodiscard]] Ipv6Prefix normalised() const;
  friend constexpr auto operator<=>(const Ipv6Prefix&, const Ipv6Prefix&) = default;
};

/// An IPv4 address and UDP port ("192.0.2.1:4191").
struct Ipv4Endpoint {
  Ipv4Address address;
  std::uint16_t port = 0;

  static std::optional<Ipv4Endpoint> parse(std::string_view text);
  [[nodiscard]] std::string toString() const;
  friend constexpr auto operator<=>(const Ipv4Endpoint&, const Ipv4Endpoint&) = default;
};

/// An IPv6 address and port ("[2001:db8::1]:4191").
struct Ipv6Endpoint {
  Ipv6Address address;
  std::uint16_t port = 0;

  static std::optional<Ipv6Endpoint> parse(std::string_view text);
  [[nodiscard]] std::string toString() const;
  friend constexpr auto operator<=>(const Ipv6Endpoint&, const Ipv6Endpoint&) = default;
};

}  // namespace dsmip

template <>
struct std::hash<dsmip::Ipv4Address> {
  std::size_t operator()(const dsmip::Ipv4Address& a) const noexcept {
    return std::hash<std::uint32_t>{}(a.toU32());
  }
};
template <>
struct std::hash<dsmip::Ipv6Address> {
  std::size_t operator()(const dsmip::Ipv6Address& a) const noexcept;
};
template <>
struct std::hash<dsmip::Ipv4Endpoint> {
  std::size_t operator()(const dsmip::Ipv4Endpoint& e) const noexcept {
    return std::hash<std::uint64_t>{}((std::uint64_t{e.address.toU32()} << 16) | e.port);
  }
};
