#include "m6t/addressing.hpp"

#include <openssl/evp.h>

namespace dsmip::m6t {

std::uint64_t ntpTimestamp(std::uint64_t unix_seconds, std::uint32_t nanoseconds) {
  const std::uint64_t seconds = (unix_seconds + kNtpUnixOffset) & 0xFFFF'FFFFull;
  const std::uint64_t fraction = (std::uint64_t{nanoseconds} << 32) / 1'000'000'000ull;
  return (seconds << 32) | (fraction & 0xFFFF'FFFFull);
}

std::array<std::uint8_t, 8> eui64FromMac(const std::array<std::uint8_t, 6>& mac) {
  return {
      static_cast<std::uint8_t>(mac[0] ^ 0x02), mac[1], mac[2], 0xFF, 0xFE, mac[3], mac[4], mac[5]};
}

Ipv6Prefix generateUlaPrefix(std::uint64_t ntp_time,
                             const std::array<std::uint8_t, 8>& identifier) {
  // RFC 4193 §3.2.2 steps 3-5: key = time ‖ identifier, SHA-1, keep the low 40 bits.
  std::array<std::uint8_t, 16> key{};
  for (int i = 0; i < 8; ++i) {
    key[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ntp_time >> (56 - 8 * i));
  }
  for (std::size_t i = 0; i < 8; ++i) key[8 + i] = identifier[i];
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_length = 0;
  DSMIP_CHECK(
      EVP_Digest(key.data(), key.size(), digest.data(), &digest_length, EVP_sha1(), nullptr) == 1);
  DSMIP_CHECK(digest_length == 20);
  Ipv6Prefix prefix;
  prefix.length = kUlaPrefixLength;
  prefix.address.bytes[0] = 0xFD;  // fc00::/7 with L = 1 (RFC 4193 §3.1)
  for (std::size_t i = 0; i < 5; ++i) prefix.address.bytes[1 + i] = digest[15 + i];
  return prefix;
}

Result<Ipv6Prefix> assembleM6tPrefix(const Ipv6Prefix& ula, std::uint16_t subnet_id,
                                     std::uint16_t mn_id) {
  if (ula.length != kUlaPrefixLength) {
    return makeError(ErrorCode::InvalidArgument,
                     "the ULA prefix must be a /48 (m6t §2.2), got /" + std::to_string(ula.length));
  }
  Ipv6Prefix p = ula.normalised();
  p.address.bytes[6] = static_cast<std::uint8_t>(subnet_id >> 8);
  p.address.bytes[7] = static_cast<std::uint8_t>(subnet_id);
  p.address.bytes[8] = static_cast<std::uint8_t>(mn_id >> 8);
  p.address.bytes[9] = static_cast<std::uint8_t>(mn_id);
  p.length = kM6tPrefixLength;
  return p;
}

Ipv6Address m6tAddress(const Ipv6Prefix& prefix80, std::uint64_t random) {
  Ipv6Address a = prefix80.normalised().address;
  for (std::size_t i = 0; i < 6; ++i) {
    a.bytes[10 + i] = static_cast<std::uint8_t>(random >> (40 - 8 * i));
  }
  return a;
}

std::uint64_t m6tRandomPart(const Ipv6Address& address) {
  std::uint64_t v = 0;
  for (std::size_t i = 10; i < 16; ++i) v = (v << 8) | address.bytes[i];
  return v;
}

}  // namespace dsmip::m6t
