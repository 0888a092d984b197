#pragma once
// IP protocol / IPv6 Next Header numbers (IANA "Assigned Internet Protocol Numbers") and the
// well-known UDP ports of the suite (protocol reference §1, §9).

#include <cstdint>
#include <string_view>

namespace dsmip::wire {

/// IPv4 Protocol and IPv6 Next Header values used by the suite.
namespace ip_protocol {
inline constexpr std::uint8_t kHopByHop = 0;               // RFC 8200 §4.3
inline constexpr std::uint8_t kIcmp = 1;                   // RFC 792
inline constexpr std::uint8_t kIpv4 = 4;                   // IPv4 in IP, RFC 2003 §3.1
inline constexpr std::uint8_t kTcp = 6;                    // RFC 9293
inline constexpr std::uint8_t kUdp = 17;                   // RFC 768
inline constexpr std::uint8_t kIpv6 = 41;                  // IPv6 in IP, RFC 4213 §3.5
inline constexpr std::uint8_t kRouting = 43;               // RFC 8200 §4.4
inline constexpr std::uint8_t kFragment = 44;              // RFC 8200 §4.5
inline constexpr std::uint8_t kGre = 47;                   // RFC 2784
inline constexpr std::uint8_t kEsp = 50;                   // RFC 4303 §2
inline constexpr std::uint8_t kAh = 51;                    // RFC 4302
inline constexpr std::uint8_t kMinimalEncapsulation = 55;  // RFC 2004
inline constexpr std::uint8_t kIcmpv6 = 58;                // RFC 4443
inline constexpr std::uint8_t kNoNextHeader = 59;          // RFC 8200 §4.7
inline constexpr std::uint8_t kDestinationOptions = 60;    // RFC 8200 §4.6
inline constexpr std::uint8_t kMobility = 135;             // RFC 6275 §6.1.1
}  // namespace ip_protocol

/// Well-known UDP ports (protocol reference §1).
namespace udp_port {
inline constexpr std::uint16_t kMobileIpv4 = 434;        // RFC 5944 §1.8, RFC 3519 §2
inline constexpr std::uint16_t kIke = 500;               // RFC 7296 §2
inline constexpr std::uint16_t kTeredo = 3544;           // RFC 4380 §2.7; m6t's suggested default
inline constexpr std::uint16_t kDsmipv6 = 4191;          // RFC 5555 §2.3.2.2, §8
inline constexpr std::uint16_t kIkeNatTraversal = 4500;  // RFC 3948 §2
inline constexpr std::uint16_t kM6tDefault = kTeredo;    // m6t §2.1: chosen locally
}  // namespace udp_port

/// Short lower-case name of an IP protocol number for decoder output ("udp", "mobility",
/// "destination-options"); "unknown" for numbers the suite does not name.
std::string_view ipProtocolName(std::uint8_t protocol);

/// Name of a well-known UDP port of the suite ("dsmipv6", "mobile-ipv4", "ike", "ike-nat-t",
/// "teredo"); empty for other ports.
std::string_view udpPortName(std::uint16_t port);

}  // namespace dsmip::wire
