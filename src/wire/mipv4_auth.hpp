#pragma once
// Mobile IPv4 registration authentication (RFC 5944 §3.5.1, §3.5.2, §5.1): the Mobile-Home
// Authentication extension (type 32) and its authenticator.
//
// Authenticated data: the UDP payload from its first octet (the message Type) up to and
// including the SPI of the MN-HA authentication extension: the fixed part, every preceding
// extension in full, and this extension's Type, Length and SPI. Neither the UDP nor the IP header
// is covered, nor the authenticator itself, nor anything after it (extensions for the FA only).
//
// The default algorithm, HMAC-MD5 (RFC 2104 with MD5; 128-bit output), is the only one
// implemented; the enum leaves room for the keyed-MD5 "prefix+suffix" mode RFC 5944 §5.1 keeps
// for backward compatibility.

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "wire/mipv4.hpp"

namespace dsmip::wire {

/// Authentication algorithm of a mobility security association (RFC 5944 §3.5.1).
enum class Mipv4AuthAlgorithm : std::uint8_t {
  HmacMd5,  // RFC 5944 §3.5.1 default, MUST be implemented
};

/// SPIs 0–255 are reserved and MUST NOT be used in a mobility security association
/// (RFC 5944 §1.6, §3.5.1).
inline constexpr std::uint32_t kMipv4MinimumSpi = 256;

/// The part of a mobility security association (RFC 5944 §1.6) the wire layer needs: the SPI,
/// the algorithm and the key (of any binary value and length ≥ 1, RFC 5944 §5.1).
struct Mipv4AuthKey {
  std::uint32_t spi = 0;
  Mipv4AuthAlgorithm algorithm = Mipv4AuthAlgorithm::HmacMd5;
  Bytes key;
  friend bool operator==(const Mipv4AuthKey&, const Mipv4AuthKey&) = default;
};

/// Authenticator octets the algorithm produces (16 for HMAC-MD5).
std::size_t mipv4AuthenticatorLength(Mipv4AuthAlgorithm algorithm);

/// Computes the authenticator of `authenticated_data` with the key's algorithm.
/// InvalidArgument for an empty key; Unsupported if the crypto library refuses the algorithm.
Result<Bytes> computeMipv4Authenticator(const Mipv4AuthKey& key, ByteView authenticated_data);

/// Appends a Mobile-Home Authentication extension whose authenticator covers everything written
/// to `out` since `message_start` (the offset of the message's Type octet in the writer) plus
/// the extension's own Type, Length and SPI. Extensions for the FA only may be appended after it
/// with encodeMipv4Extension(). InvalidArgument for a reserved SPI or an empty key; NoSpace on
/// overflow.
Status appendMobileHomeAuth(ByteWriter& out, const Mipv4AuthKey& key,
                            std::size_t message_start = 0);

/// Writes `request` (whose extensions must not already contain an MN-HA auth extension: those
/// are for the HA and precede it), then the MN-HA auth computed with `key`, then `after_auth`
/// (extensions for the FA, RFC 5944 §3.6.1.3).
Status encodeAuthenticatedRegistrationRequest(const RegistrationRequest& request,
                                              const Mipv4AuthKey& key, ByteWriter& out,
                                              std::span<const Mipv4Extension> after_auth = {});
/// The same for a reply (RFC 5944 §3.8.3.3: extensions for the MN, MN-HA auth, FA-only ones).
Status encodeAuthenticatedRegistrationReply(const RegistrationReply& reply, const Mipv4AuthKey& key,
                                            ByteWriter& out,
                                            std::span<const Mipv4Extension> after_auth = {});

/// Finds where the MN-HA authentication extension of a request or reply (told apart by its Type
/// octet) is, for callers that did not decode the message. It validates every extension as the
/// decoders do (same errors), so it accepts exactly what they accept, with the same location.
Result<Mipv4AuthLocation> locateMobileHomeAuth(ByteView payload);

/// Verifies the MN-HA authenticator of a received request or reply, given the raw UDP payload.
/// Checks, in order: exactly one MN-HA auth (NotFound if none, BadValue at the second one if
/// duplicated), no MN-FA or FA-HA auth before it (BadValue), SPI equal to the key's and not
/// reserved (BadValue), authenticator length of the algorithm (BadLength), then the value,
/// compared in constant time (BadChecksum).
Status verifyMobileHomeAuth(ByteView payload, const Mipv4AuthKey& key);
/// The same with the location a decoder recorded for this payload (no second parse).
Status verifyMobileHomeAuth(ByteView payload, const Mipv4AuthLocation& location,
                            const Mipv4AuthKey& key);

}  // namespace dsmip::wire
