#pragma once
// ESP packet processing (RFC 4303 §3.3 outbound, §3.4 inbound) on a PacketBuffer, in place.
//
//   seal:  [prefix | payload]                    → [prefix | SPI seq IV | ciphertext | ICV]
//   open:  [prefix | SPI seq IV | ciphertext | ICV] → [prefix | payload]
//
// `prefix` is whatever precedes ESP (the IP header and the extension headers that stay before
// ESP in transport mode, nothing in tunnel mode or for ESP-in-UDP). It is moved by the ESP header
// length within the buffer's headroom; the payload itself is never copied. The caller fixes the
// IP header fields (next header, lengths) afterwards; esp::Ipsec does that for whole packets.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "common/random.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "esp/sad.hpp"
#include "esp/security_association.hpp"
#include "esp/types.hpp"

namespace dsmip::esp {

inline constexpr std::size_t kEspHeaderLength = 8;   // SPI + sequence number (RFC 4303 §2)
inline constexpr std::size_t kEspTrailerLength = 2;  // pad length + next header (§2.5, §2.6)

/// What open() found.
struct OpenedEsp {
  std::uint32_t spi = 0;
  std::uint64_t sequence = 0;    // full (ESN-inferred) sequence number
  std::uint8_t next_header = 0;  // protocol of the payload now in the buffer
  std::size_t payload_length = 0;
};

/// Octets seal() adds around a payload of `payload_length` (header, IV, padding, trailer, ICV).
std::size_t sealOverhead(Suite suite, std::size_t payload_length);
/// Padding octets for a payload (RFC 4303 §2.4): the smallest count that makes
/// payload + padding + 2 a multiple of the suite's alignment (block size, at least 4).
std::size_t paddingLength(Suite suite, std::size_t payload_length);

/// RFC 4303 §3.3: protects `packet.data()[offset..]` with `sa` (an outbound SA). Assigns the next
/// sequence number (never cycling), fills the IV (CBC: from `random`; GCM: the 64-bit sequence
/// number, unique per SA as RFC 4106 §3.1 requires), pads with 1, 2, 3, ..., encrypts and appends
/// the ICV. On failure the buffer is unchanged.
Result<void, DropReason> seal(SecurityAssociation& sa, PacketBuffer& packet, std::size_t offset,
                              std::uint8_t next_header, TimePoint now, RandomSource& random);

/// RFC 4303 §3.4 with a known SA: length and alignment checks, replay pre-check, ICV
/// verification (constant time), decryption, window update, padding check, Next Header 59
/// (dummy) → DropReason::DummyPacket. The ESP header starts at `offset`. On failure the buffer
/// content after `offset` is undefined (the packet is to be dropped).
Result<OpenedEsp, DropReason> open(SecurityAssociation& sa, PacketBuffer& packet,
                                   std::size_t offset, TimePoint now);

/// The same with the SA looked up by SPI among the inbound SAs of `sad` (§3.4.2).
Result<OpenedEsp, DropReason> open(Sad& sad, PacketBuffer& packet, std::size_t offset,
                                   TimePoint now);

/// The SPI of an ESP header at the start of `esp` (nullopt if shorter than 4 octets).
std::optional<std::uint32_t> readSpi(ByteView esp);

}  // namespace dsmip::esp
