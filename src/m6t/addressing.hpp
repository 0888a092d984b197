#pragma once
// m6t addressing (draft-ebalard-mext-m6t-02 §2.2, §3; protocol reference §6.2, §6.4):
//
//   | 48 bits ULA prefix | 16 bits subnet ID | 16 bits MN ID | 48 bits random |
//   |<------------------- /80 configured on the MN -------->|<- per attachment ->|
//
// The /48 is an RFC 4193 Unique Local prefix (fd00::/8, Global ID from SHA-1 of an NTP time
// and an EUI-64, RFC 4193 §3.2.2); the random part changes on every IPv4 attachment.

#include <array>
#include <cstdint>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace dsmip::m6t {

inline constexpr std::uint8_t kUlaPrefixLength = 48;               // RFC 4193 §3.1
inline constexpr std::uint8_t kM6tPrefixLength = 80;               // m6t §2.2
inline constexpr std::uint64_t kRandomMask = 0xFFFF'FFFF'FFFFull;  // the 48 random bits
inline constexpr std::uint64_t kNtpUnixOffset = 2'208'988'800ull;  // 1900-01-01 to 1970-01-01

/// A 64-bit NTP timestamp (RFC 5905 §6: seconds since 1900 ‖ 32-bit fraction) from Unix time.
std::uint64_t ntpTimestamp(std::uint64_t unix_seconds, std::uint32_t nanoseconds);

/// The modified EUI-64 of a 48-bit MAC address (RFC 4291 Appendix A): FF FE inserted between
/// the OUI and the rest, universal/local bit inverted.
std::array<std::uint8_t, 8> eui64FromMac(const std::array<std::uint8_t, 6>& mac);

/// The ULA /48 of RFC 4193 §3.2.2: SHA-1(time ‖ identifier), the least significant 40 bits as
/// the Global ID, behind fd (L = 1, locally assigned).
Ipv6Prefix generateUlaPrefix(std::uint64_t ntp_time, const std::array<std::uint8_t, 8>& identifier);

/// The /80 of m6t §2.2 from a /48, a subnet ID and a MN ID. InvalidArgument (with a reason
/// naming the part) if `ula` is not a /48.
Result<Ipv6Prefix> assembleM6tPrefix(const Ipv6Prefix& ula, std::uint16_t subnet_id,
                                     std::uint16_t mn_id);

/// The tunnel address: the /80 followed by the low 48 bits of `random` (m6t §3).
Ipv6Address m6tAddress(const Ipv6Prefix& prefix80, std::uint64_t random);

/// The 48 random bits of a tunnel address.
std::uint64_t m6tRandomPart(const Ipv6Address& address);

}  // namespace dsmip::m6t
