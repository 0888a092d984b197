#pragma once
// Vocabulary shared by the ESP module (RFC 4301 / RFC 4303): directions, modes, addresses of
// either family, protocol numbers, and the reasons a packet is dropped. The module knows nothing
// of mobility; these are plain IPsec terms.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/ip_address.hpp"

namespace dsmip::esp {

/// Direction of an SA or of a packet relative to this node (RFC 4301 §4.1: SAs are simplex).
enum class Direction : std::uint8_t { Inbound, Outbound };

/// ESP mode (RFC 4301 §4.1): transport protects the upper-layer payload of an IP packet, tunnel
/// protects a whole IP packet inside a new outer header.
enum class Mode : std::uint8_t { Transport, Tunnel };

/// An IPv6 or IPv4 address (SA tunnel endpoints, packet addresses, selectors).
using IpAddress = std::variant<Ipv6Address, Ipv4Address>;

std::string_view directionName(Direction direction);  // "inbound", "outbound"
std::string_view modeName(Mode mode);                 // "transport", "tunnel"
/// RFC 5952 text for IPv6, dotted quad for IPv4.
std::string formatAddress(const IpAddress& address);
/// Parses either family; nullopt if the text is neither.
std::optional<IpAddress> parseAddress(std::string_view text);

/// IP protocol numbers the module looks at (IANA "Assigned Internet Protocol Numbers").
inline constexpr std::uint8_t kProtocolHopByHop = 0;
inline constexpr std::uint8_t kProtocolIcmp = 1;
inline constexpr std::uint8_t kProtocolIpv4 = 4;  // IPv4 in IP (tunnel mode inner IPv4)
inline constexpr std::uint8_t kProtocolTcp = 6;
inline constexpr std::uint8_t kProtocolUdp = 17;
inline constexpr std::uint8_t kProtocolIpv6 = 41;  // IPv6 in IP (tunnel mode inner IPv6)
inline constexpr std::uint8_t kProtocolRouting = 43;
inline constexpr std::uint8_t kProtocolFragment = 44;
inline constexpr std::uint8_t kProtocolEsp = 50;  // RFC 4303 §2
inline constexpr std::uint8_t kProtocolAh = 51;
inline constexpr std::uint8_t kProtocolIcmpv6 = 58;
inline constexpr std::uint8_t kProtocolNoNextHeader = 59;  // ESP dummy packet (RFC 4303 §2.6)
inline constexpr std::uint8_t kProtocolDestinationOptions = 60;
inline constexpr std::uint8_t kProtocolSctp = 132;
inline constexpr std::uint8_t kProtocolMobilityHeader = 135;  // RFC 6275 §6.1.1

/// Why the module dropped a packet. Every drop is counted under one of these (per SA where an SA
/// is known, and per direction in IpsecStats).
enum class DropReason : std::uint8_t {
  Truncated,          // shorter than SPI, sequence number, IV, trailer and ICV (RFC 4303 §2)
  Misaligned,         // ciphertext not a multiple of the block size or of 4 octets (§2.4)
  UnknownSpi,         // no inbound SA has this SPI (RFC 4303 §3.4.2)
  Replayed,           // duplicate, or left of the anti-replay window (§3.4.3)
  IcvMismatch,        // integrity check failed (§3.4.4)
  BadPadding,         // pad length past the payload, or padding not 1, 2, 3, ... (§2.4)
  DummyPacket,        // Next Header 59: a traffic-flow-confidentiality dummy (§2.6)
  LifetimeExpired,    // SA past its hard lifetime (RFC 4301 §4.4.2.1)
  SequenceExhausted,  // the outbound counter would cycle (RFC 4303 §3.3.3)
  NoSpace,            // the packet buffer lacks headroom or tailroom for ESP
  TooBig,             // the protected packet would exceed the IP length field
  BadIpHeader,        // malformed IP header or extension header chain
  Fragment,           // an IP fragment where ESP needs a whole packet (RFC 4303 §3.3.4, §3.4.1)
  BadInnerPacket,     // tunnel mode: inner packet is not IPv4/IPv6 or is malformed
  ModeMismatch,       // a transport-mode SA where only tunnel mode can work (ESP without IP)
  NoPolicy,           // no SPD entry matches: RFC 4301 §4.4.1 default is discard
  PolicyDiscard,      // the matching SPD entry says discard
  NoSa,               // a protect entry names an SA that is not in the SAD
  Unprotected,        // cleartext packet that a protect entry covers (RFC 4301 §5.2 step 3)
  SelectorMismatch,   // decrypted packet outside its SA's policy selectors (RFC 4301 §5.2 step 4)
};
inline constexpr std::size_t kDropReasonCount = 20;

/// Short stable name for counters, logs and JSON ("icv-mismatch", "selector-mismatch", ...).
std::string_view dropReasonName(DropReason reason);

/// Per-reason drop counters.
using DropCounters = std::array<std::uint64_t, kDropReasonCount>;
inline std::uint64_t& at(DropCounters& counters, DropReason reason) {
  return counters[static_cast<std::size_t>(reason)];
}
inline std::uint64_t at(const DropCounters& counters, DropReason reason) {
  return counters[static_cast<std::size_t>(reason)];
}

}  // namespace dsmip::esp
