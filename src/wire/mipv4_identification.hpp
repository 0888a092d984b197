#pragma once
// The 64-bit Identification field of Mobile IPv4 registrations and its replay protection
// (RFC 5944 §5.7). With timestamps it is an NTP timestamp (RFC 5905 §6: 32-bit seconds since
// 1900-01-01 and a 32-bit fraction); with nonces the HA chooses the high 32 bits and the MN the
// low 32 bits. Either way the reply copies the low 32 bits of the request, which the MN checks.
// Everything here is pure: the current time is always an argument.

#include <chrono>
#include <cstdint>
#include <limits>

namespace dsmip::wire {

/// Seconds from the NTP era 0 epoch (1900-01-01) to the Unix epoch (RFC 5905 §6).
inline constexpr std::uint64_t kNtpUnixEpochOffset = 2'208'988'800;

/// Default tolerance of a HA checking timestamps (RFC 5944 §5.7: 7 s; SHOULD be more than 3 s).
inline constexpr std::chrono::seconds kDefaultIdentificationTolerance{7};

/// NTP timestamp of a time given as a duration since the Unix epoch. Seconds wrap modulo 2^32
/// (NTP eras); the fraction is the sub-second part scaled to 2^32 and rounded down.
constexpr std::uint64_t ntpTimestampFromUnix(std::chrono::nanoseconds since_unix_epoch) {
  constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
  const std::int64_t ns = since_unix_epoch.count();
  std::int64_t seconds = ns / kNanosPerSecond;
  std::int64_t remainder = ns % kNanosPerSecond;
  if (remainder < 0) {  // floor for times before 1970
    remainder += kNanosPerSecond;
    --seconds;
  }
  const auto ntp_seconds =
      static_cast<std::uint32_t>(static_cast<std::uint64_t>(seconds) + kNtpUnixEpochOffset);
  const std::uint64_t fraction =
      (static_cast<std::uint64_t>(remainder) << 32) / static_cast<std::uint64_t>(kNanosPerSecond);
  return (std::uint64_t{ntp_seconds} << 32) | fraction;
}

/// Replaces the fraction bits below the clock's precision with random bits, as RFC 5944 §5.7
/// asks ("unavailable low bits SHOULD be random"). `precise_fraction_bits` (0–32) is how many
/// leading fraction bits the clock really provides.
constexpr std::uint64_t randomiseImpreciseFractionBits(std::uint64_t timestamp,
                                                       unsigned precise_fraction_bits,
                                                       std::uint32_t random) {
  if (precise_fraction_bits >= 32) return timestamp;
  const std::uint64_t mask = (std::uint64_t{1} << (32 - precise_fraction_bits)) - 1;
  return (timestamp & ~mask) | (random & mask);
}

/// High and low 32-bit halves, and their recombination.
constexpr std::uint32_t identificationHigh(std::uint64_t id) {
  return static_cast<std::uint32_t>(id >> 32);
}
constexpr std::uint32_t identificationLow(std::uint64_t id) {
  return static_cast<std::uint32_t>(id);
}
constexpr std::uint64_t makeIdentification(std::uint32_t high, std::uint32_t low) {
  return (std::uint64_t{high} << 32) | low;
}

/// The MN's check of a reply: the low-order 32 bits equal the request's (RFC 5944 §3.6.2.1).
constexpr bool identificationLowMatches(std::uint64_t request, std::uint64_t reply) {
  return identificationLow(request) == identificationLow(reply);
}

/// Identification of a reply: the high half chosen by the HA (its clock's seconds for a
/// timestamp resynchronisation with code 133, or a fresh nonce), the low half copied from the
/// request (RFC 5944 §5.7).
constexpr std::uint64_t replyIdentification(std::uint32_t high, std::uint64_t request) {
  return makeIdentification(high, identificationLow(request));
}

/// Signed distance a − b in NTP units (2^-32 s), modulo 2^64, so that comparisons keep working
/// across an NTP era wrap as long as the values are less than 2^31 seconds apart.
constexpr std::int64_t timestampDifference(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t d = a - b;
  return d <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
             ? static_cast<std::int64_t>(d)
             : -static_cast<std::int64_t>(~d) - 1;  // two's complement without overflow
}

/// True when `candidate` is later than `previous` (the HA accepts only increasing timestamps,
/// RFC 5944 §5.7).
constexpr bool timestampIsNewer(std::uint64_t candidate, std::uint64_t previous) {
  return timestampDifference(candidate, previous) > 0;
}

/// True when `timestamp` is within `tolerance` of the HA's clock `now` (both NTP timestamps).
constexpr bool timestampWithinTolerance(std::uint64_t timestamp, std::uint64_t now,
                                        std::chrono::seconds tolerance) {
  const std::int64_t d = timestampDifference(timestamp, now);
  const std::uint64_t magnitude =
      d < 0 ? static_cast<std::uint64_t>(-(d + 1)) + 1 : static_cast<std::uint64_t>(d);
  if (tolerance.count() < 0) return false;
  if (tolerance.count() >= (std::int64_t{1} << 31)) return true;  // wider than the comparable range
  return magnitude <= (static_cast<std::uint64_t>(tolerance.count()) << 32);
}

}  // namespace dsmip::wire
