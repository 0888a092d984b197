#pragma once
// SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012), the keyed hash of
// the gateway's tables. Mobile nodes and attackers choose the low 48 bits of the IPv6 addresses
// the gateway indexes (m6t §2.2), and attackers choose IPv4 sources: an unkeyed hash would let a
// flood aim every entry at one probe sequence. The key comes from the injected RandomSource.

#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"

namespace dsmip::m6t {

/// A 128-bit SipHash key.
struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

/// SipHash-c-d of `data` under `key` (little-endian words, as in the paper's reference).
std::uint64_t sipHash(const SipKey& key, ByteView data, int c_rounds, int d_rounds);

/// SipHash-1-3: the fast variant used for hash tables.
inline std::uint64_t sipHash13(const SipKey& key, ByteView data) {
  return sipHash(key, data, 1, 3);
}
/// SipHash-2-4: the variant of the paper's test vectors.
inline std::uint64_t sipHash24(const SipKey& key, ByteView data) {
  return sipHash(key, data, 2, 4);
}

/// Keyed hashers for the gateway's tables.
inline std::uint64_t hashAddress(const SipKey& key, const Ipv6Address& a) {
  return sipHash13(key, a.bytes);
}
inline std::uint64_t hashAddress(const SipKey& key, const Ipv4Address& a) {
  return sipHash13(key, a.bytes);
}

}  // namespace dsmip::m6t
