#pragma once
// Mobile IPv4 messages on UDP port 434: Registration Request and Reply (RFC 5944 §3.3, §3.4),
// the Mobile IP Tunnel Data message (RFC 3519 §3.3), and their extensions (RFC 5944 §1.8–§1.11,
// §3.5; RFC 3519 §3.1, §3.2; RFC 5454 §2). Authentication is in wire/mipv4_auth.hpp, the
// Identification field helpers in wire/mipv4_identification.hpp.
//
// Extension handling (RFC 5944 §1.8): types 0–127 that are not understood make the whole
// message invalid (decode returns ErrorCode::UnknownType with the extension's offset; the
// caller discards the message); types 128–255 that are not understood are skipped and kept as
// Mipv4UnknownExtension. Of the three encodings of RFC 5944 §1.9–§1.11 (TLV, long, short), the
// skippable ones (TLV and short) both carry an 8-bit Length in octet 1 counting everything after
// it, which is how an unknown skippable extension is stepped over; the long format (16-bit length
// in octets 2–3) is only for non-skippable types, and no type we understand uses it, so an
// unknown long-format extension is rejected before its length matters.
//
// An unknown sub-type of a skippable type (144, 152) is skipped like an unknown skippable type:
// skippability belongs to the type number (RFC 5944 §1.8, §1.11), RFC 5454 §5 leaves sub-types
// 4–255 of 152 to future allocation, and RFC 5454 §3.2 relies on HAs that do not know an
// extension ignoring it. An unknown sub-type of the non-skippable type 44 is not understood and
// invalidates the message.
//
// Decoders do not check which extensions belong in which message, their order, or how many
// there are (e.g. exactly one MN-HA authentication): the verifier in wire/mipv4_auth.hpp and the
// protocol cores do. Prefix lengths are kept as received; normalisedPrefix() interprets them.
//
// Every error offset is counted from the first octet of the message (the UDP payload), and for
// an extension it is the offset of that extension's Type octet.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace dsmip::wire {

// ---------------------------------------------------------------------------------------------
// Numbers

/// UDP port of Mobile IPv4 registration and of RFC 3519 tunnel data at the agent (RFC 5944 §1.8).
inline constexpr std::uint16_t kMipv4Port = 434;

/// Mobile IPv4 message types (RFC 5944 §1.8; RFC 3519 §3.3).
enum class Mipv4MessageType : std::uint8_t {
  RegistrationRequest = 1,
  RegistrationReply = 3,
  TunnelData = 4,
};

/// Lifetime value meaning "infinite" in requests and replies (RFC 5944 §3.3, §3.4).
inline constexpr std::uint16_t kMipv4InfiniteLifetime = 0xFFFF;

/// Fixed-part sizes: the offsets at which extensions begin (RFC 5944 §3.3, §3.4; RFC 3519 §3.3).
inline constexpr std::size_t kRegistrationRequestFixedSize = 24;
inline constexpr std::size_t kRegistrationReplyFixedSize = 20;
inline constexpr std::size_t kTunnelDataHeaderSize = 4;

/// Extension types understood here (RFC 5944 §3.5.2–§3.5.4; RFC 3519 §3.1, §3.2; RFC 5454 §5).
enum class Mipv4ExtensionType : std::uint8_t {
  OneBytePadding = 0,
  MobileHomeAuth = 32,
  MobileForeignAuth = 33,
  ForeignHomeAuth = 34,
  UdpTunnelReply = 44,
  UdpTunnelRequest = 144,
  Dsmipv4 = 152,
};

/// Types 128–255 may be skipped when not understood (RFC 5944 §1.8).
constexpr bool isSkippableExtensionType(std::uint8_t type) { return type >= 128; }

/// Sub-types of the DSMIPv4 extension 152 (RFC 5454 §2, IANA "DSMIPv4 Extension subtypes").
enum class Dsmipv4SubType : std::uint8_t {
  Ipv6PrefixRequest = 1,
  Ipv6PrefixReply = 2,
  Ipv6TunnelingMode = 3,
};

/// Registration Reply codes (RFC 5944 §3.4, RFC 3024, RFC 3519 §3.5). Ranges (RFC 5944 §6.4):
/// 0–8 success, 64–127 denied by the FA, 128–192 denied by the HA, 193–200 by a GFA. Values not
/// listed are representable (the enum's underlying type is the wire octet).
enum class RegistrationReplyCode : std::uint8_t {
  Accepted = 0,
  AcceptedNoSimultaneousBindings = 1,
  FaReasonUnspecified = 64,
  FaAdministrativelyProhibited = 65,
  FaInsufficientResources = 66,
  FaMobileNodeFailedAuthentication = 67,
  FaHomeAgentFailedAuthentication = 68,
  FaLifetimeTooLong = 69,
  FaPoorlyFormedRequest = 70,
  FaPoorlyFormedReply = 71,
  FaEncapsulationUnavailable = 72,
  FaReservedAndUnavailable = 73,
  FaReverseTunnelUnavailable = 74,  // RFC 3024
  FaReverseTunnelMandatory = 75,    // RFC 3024: 'T' bit not set
  FaMobileNodeTooDistant = 76,      // RFC 3024
  FaInvalidCareOfAddress = 77,
  FaRegistrationTimeout = 78,
  FaDeliveryStyleNotSupported = 79,  // RFC 3024
  FaHomeNetworkUnreachable = 80,
  FaHomeAgentHostUnreachable = 81,
  FaHomeAgentPortUnreachable = 82,
  FaHomeAgentUnreachable = 88,
  HaReasonUnspecified = 128,
  HaAdministrativelyProhibited = 129,
  HaInsufficientResources = 130,
  HaMobileNodeFailedAuthentication = 131,
  HaForeignAgentFailedAuthentication = 132,
  HaIdentificationMismatch = 133,
  HaPoorlyFormedRequest = 134,
  HaTooManySimultaneousBindings = 135,
  HaUnknownHomeAgentAddress = 136,
  HaReverseTunnelUnavailable = 137,     // RFC 3024
  HaReverseTunnelMandatory = 138,       // RFC 3024: 'T' bit not set
  HaEncapsulationUnavailable = 139,     // RFC 3024
  HaUdpEncapsulationUnavailable = 142,  // RFC 3519 §3.5 ERROR_HA_UDP_ENCAP_UNAVAIL
  InvalidHomeAgentAddress = 194,        // FA, new in RFC 5944
};

/// True for the success range 0–8 (RFC 5944 §6.4).
constexpr bool isRegistrationAccepted(RegistrationReplyCode code) {
  return static_cast<std::uint8_t>(code) <= 8;
}

/// UDP Tunnel Reply codes (RFC 3519 §3.2.1): 0–63 assent, 64–255 decline.
enum class UdpTunnelReplyCode : std::uint8_t {
  WillTunnel = 0,
  DeclinedReasonUnspecified = 64,
};
constexpr bool isUdpTunnelAssent(UdpTunnelReplyCode code) {
  return static_cast<std::uint8_t>(code) < 64;
}

/// IPv6 Prefix Reply codes (RFC 5454 §2.2, §5): 0–7 accept (2–7 reserved), 8–255 reject
/// (10–255 reserved).
enum class Ipv6PrefixReplyCode : std::uint8_t {
  AcceptedTunnelToHomeAddress = 0,
  AcceptedTunnelToCareOfAddress = 1,
  RejectedReasonUnspecified = 8,
  RejectedAdministrativelyProhibited = 9,
};
constexpr bool isIpv6PrefixAccepted(Ipv6PrefixReplyCode code) {
  return static_cast<std::uint8_t>(code) <= 7;
}

/// UDP Tunnel Request Encapsulation values (RFC 3519 §3.1.4): the IP protocol number of the
/// tunnelled header, or 0 = follow the request's M and G flags (MUST be 0 with DSMIPv4,
/// RFC 5454 §3.9).
inline constexpr std::uint8_t kUdpTunnelEncapsulationFromFlags = 0;
inline constexpr std::uint8_t kUdpTunnelEncapsulationIpInIp = 4;
inline constexpr std::uint8_t kUdpTunnelEncapsulationGre = 47;
inline constexpr std::uint8_t kUdpTunnelEncapsulationMinimal = 55;

/// Tunnel Data Next Header values (RFC 3519 §3.3; IPv6 for DSMIPv4, RFC 5454 §3.9).
inline constexpr std::uint8_t kTunnelDataNextHeaderIpv4 = 4;
inline constexpr std::uint8_t kTunnelDataNextHeaderIpv6 = 41;
inline constexpr std::uint8_t kTunnelDataNextHeaderGre = 47;
inline constexpr std::uint8_t kTunnelDataNextHeaderMinimal = 55;

/// Prefix Length 255: the prefix field carries a link-local address (RFC 5454 §2.2, §3.7.1).
inline constexpr std::uint8_t kDsmipv4LinkLocalPrefixLength = 255;

// ---------------------------------------------------------------------------------------------
// Extensions

/// Mobile-Home (32), Mobile-Foreign (33) and Foreign-Home (34) Authentication extensions
/// (RFC 5944 §3.5.2–§3.5.4): SPI and an authenticator whose length the SPI's algorithm defines
/// (16 octets for HMAC-MD5). TLV format; Length = 4 + authenticator octets.
template <Mipv4ExtensionType kType>
struct Mipv4AuthExtension {
  static constexpr Mipv4ExtensionType kExtensionType = kType;
  std::uint32_t spi = 0;
  Bytes authenticator;
  friend bool operator==(const Mipv4AuthExtension&, const Mipv4AuthExtension&) = default;
};
using MobileHomeAuthExtension = Mipv4AuthExtension<Mipv4ExtensionType::MobileHomeAuth>;
using MobileForeignAuthExtension = Mipv4AuthExtension<Mipv4ExtensionType::MobileForeignAuth>;
using ForeignHomeAuthExtension = Mipv4AuthExtension<Mipv4ExtensionType::ForeignHomeAuth>;

/// UDP Tunnel Request extension, type 144, Length 6, Sub-Type 0 (RFC 3519 §3.1). Skippable.
/// A received one whose Reserved 3 is not zero is not understood and is skipped (RFC 3519
/// §3.1.3; decision D9): it then appears as Mipv4UnknownExtension with reason NonZeroReserved,
/// and is encoded with Reserved 3 = 0 from this struct.
struct UdpTunnelRequestExtension {
  std::uint8_t reserved1 = 0;          // send 0, ignore (kept as received)
  bool force = false;                  // F: tunnel in UDP even without a NAT
  bool registered_through_fa = false;  // R: co-located CoA registered through a FA
  std::uint8_t reserved2 = 0;          // 6 bits after F and R; send 0, ignore
  std::uint8_t encapsulation = kUdpTunnelEncapsulationIpInIp;
  friend bool operator==(const UdpTunnelRequestExtension&,
                         const UdpTunnelRequestExtension&) = default;
};

/// UDP Tunnel Reply extension, type 44, Length 6, Sub-Type 0 (RFC 3519 §3.2). Not skippable.
/// The 15 reserved bits are sent as 0 and ignored.
struct UdpTunnelReplyExtension {
  UdpTunnelReplyCode reply_code = UdpTunnelReplyCode::WillTunnel;
  bool force = false;                    // F: tunnelling forced because the request had F
  std::uint16_t keepalive_interval = 0;  // seconds; 0 = the MN's configured default
  friend bool operator==(const UdpTunnelReplyExtension&, const UdpTunnelReplyExtension&) = default;
};

/// DSMIPv4 IPv6 Prefix Request, type 152 sub-type 1, Length 18 (RFC 5454 §2.1). Bits beyond the
/// prefix length are kept as received (the receiver ignores them; use prefix()).
struct Ipv6PrefixRequestExtension {
  std::uint8_t prefix_length = 0;  // 0–128, or 255 = link-local address
  Ipv6Address prefix;

  [[nodiscard]] bool isLinkLocal() const { return prefix_length == kDsmipv4LinkLocalPrefixLength; }
  /// The prefix with insignificant bits cleared, or the /128 of the link-local address for
  /// length 255; nullopt for the meaningless lengths 129–254.
  [[nodiscard]] std::optional<Ipv6Prefix> normalisedPrefix() const;
  friend bool operator==(const Ipv6PrefixRequestExtension&,
                         const Ipv6PrefixRequestExtension&) = default;
};

/// DSMIPv4 IPv6 Prefix Reply, type 152 sub-type 2, Length 20 (RFC 5454 §2.2). The Reserved
/// octet is sent as 0 and ignored.
struct Ipv6PrefixReplyExtension {
  Ipv6PrefixReplyCode code = Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress;
  std::uint8_t prefix_length = 0;  // 0–128, or 255 = link-local address
  Ipv6Address prefix;

  [[nodiscard]] bool isLinkLocal() const { return prefix_length == kDsmipv4LinkLocalPrefixLength; }
  /// As Ipv6PrefixRequestExtension::normalisedPrefix().
  [[nodiscard]] std::optional<Ipv6Prefix> normalisedPrefix() const;
  friend bool operator==(const Ipv6PrefixReplyExtension&,
                         const Ipv6PrefixReplyExtension&) = default;
};

/// DSMIPv4 IPv6 Tunneling Mode, type 152 sub-type 3, Length 2 (RFC 5454 §2.3): "tunnel IPv6 to
/// my co-located CoA". The Reserved octet is sent as 0 and ignored.
struct Ipv6TunnelingModeExtension {
  friend bool operator==(const Ipv6TunnelingModeExtension&,
                         const Ipv6TunnelingModeExtension&) = default;
};

/// Why a skippable extension was skipped.
enum class Mipv4SkipReason : std::uint8_t {
  UnknownType,      // a type 128–255 that is not implemented here
  UnknownSubType,   // a known skippable type (144, 152) with a sub-type not implemented here
  NonZeroReserved,  // UDP Tunnel Request with Reserved 3 ≠ 0 (RFC 3519 §3.1.3, decision D9)
};

/// A skippable extension that was not understood, kept so that it can be shown and, for a HA,
/// noticed (RFC 3519 §4.6.1 lets a HA answer 134 to a skipped UDP Tunnel Request). `data` is
/// everything after the Length octet (for the short format it starts with the Sub-Type).
struct Mipv4UnknownExtension {
  std::uint8_t type = 0;
  Bytes data;
  Mipv4SkipReason reason = Mipv4SkipReason::UnknownType;
  friend bool operator==(const Mipv4UnknownExtension&, const Mipv4UnknownExtension&) = default;
};

/// One extension, in received order. One-byte padding (type 0) is consumed by the decoder and
/// never appears here.
using Mipv4Extension =
    std::variant<MobileHomeAuthExtension, MobileForeignAuthExtension, ForeignHomeAuthExtension,
                 UdpTunnelRequestExtension, UdpTunnelReplyExtension, Ipv6PrefixRequestExtension,
                 Ipv6PrefixReplyExtension, Ipv6TunnelingModeExtension, Mipv4UnknownExtension>;

/// The wire type octet of an extension.
std::uint8_t mipv4ExtensionType(const Mipv4Extension& extension);

/// The first extension of type T, or nullptr.
template <typename T>
const T* findMipv4Extension(std::span<const Mipv4Extension> extensions) {
  for (const auto& e : extensions) {
    if (const T* p = std::get_if<T>(&e)) return p;
  }
  return nullptr;
}
/// How many extensions of type T there are.
template <typename T>
std::size_t countMipv4Extensions(std::span<const Mipv4Extension> extensions) {
  std::size_t n = 0;
  for (const auto& e : extensions) {
    if (std::holds_alternative<T>(e)) ++n;
  }
  return n;
}

/// Where the Mobile-Home Authentication extension sits in a received message, recorded by the
/// decoders (or by locateMobileHomeAuth) so that the verifier needs no second parse.
struct Mipv4AuthLocation {
  std::size_t mobile_home_auth_count = 0;  // exactly one is required (RFC 5944 §3.5.2)
  std::size_t first_offset = 0;            // Type octet of the first MN-HA auth extension
  std::size_t second_offset = 0;           // Type octet of the second one, if any
  /// End of the authenticated data: the offset just after the first MN-HA auth's SPI, which is
  /// where its authenticator begins (RFC 5944 §3.5.1).
  std::size_t authenticated_length = 0;
  std::size_t authenticator_length = 0;
  std::uint32_t spi = 0;
  /// An MN-FA or FA-HA authentication extension came before the MN-HA one, which RFC 5944
  /// §3.6.1.3 and §3.8.3.3 forbid (the MN-HA auth is the first authentication extension).
  bool other_auth_before = false;
  friend bool operator==(const Mipv4AuthLocation&, const Mipv4AuthLocation&) = default;
};

/// Decodes the extensions that fill `data` (everything after a message's fixed part).
/// `base_offset` is the offset of data[0] within the message, for errors and `auth`.
Result<std::vector<Mipv4Extension>> decodeMipv4Extensions(ByteView data, std::size_t base_offset,
                                                          Mipv4AuthLocation* auth = nullptr);
/// Appends one extension. InvalidArgument if its data does not fit the 8-bit Length; NoSpace
/// if the writer overflows.
Status encodeMipv4Extension(const Mipv4Extension& extension, ByteWriter& out);
Status encodeMipv4Extensions(std::span<const Mipv4Extension> extensions, ByteWriter& out);
/// Octets encodeMipv4Extension() writes.
std::size_t mipv4ExtensionSize(const Mipv4Extension& extension);

// ---------------------------------------------------------------------------------------------
// Messages

/// Registration Request flags, octet 1 (RFC 5944 §3.3; 'T' from RFC 3024). `reserved_r` and
/// `reserved_x` are kept as received so a HA can reject them with code 134 (RFC 5944 §3.8.2.3).
struct RegistrationFlags {
  bool simultaneous_bindings = false;         // S 0x80
  bool broadcast = false;                     // B 0x40
  bool decapsulation_by_mobile_node = false;  // D 0x20: co-located care-of address
  bool minimal_encapsulation = false;         // M 0x10
  bool gre_encapsulation = false;             // G 0x08
  bool reserved_r = false;                    // r 0x04 (formerly Van Jacobson)
  bool reverse_tunneling = false;             // T 0x02
  bool reserved_x = false;                    // x 0x01

  [[nodiscard]] std::uint8_t toOctet() const;
  static RegistrationFlags fromOctet(std::uint8_t octet);
  [[nodiscard]] bool hasReservedBits() const { return reserved_r || reserved_x; }
  friend bool operator==(const RegistrationFlags&, const RegistrationFlags&) = default;
};

/// Registration Request, type 1 (RFC 5944 §3.3).
struct RegistrationRequest {
  RegistrationFlags flags;
  std::uint16_t lifetime = 0;  // seconds; 0 deregisters, 0xFFFF infinite
  Ipv4Address home_address;
  Ipv4Address home_agent;
  Ipv4Address care_of_address;
  std::uint64_t identification = 0;  // RFC 5944 §5.7; see wire/mipv4_identification.hpp
  std::vector<Mipv4Extension> extensions;
  friend bool operator==(const RegistrationRequest&, const RegistrationRequest&) = default;
};

/// Registration Reply, type 3 (RFC 5944 §3.4).
struct RegistrationReply {
  RegistrationReplyCode code = RegistrationReplyCode::Accepted;
  std::uint16_t lifetime = 0;  // granted seconds; ignored on denial
  Ipv4Address home_address;
  Ipv4Address home_agent;
  std::uint64_t identification = 0;
  std::vector<Mipv4Extension> extensions;
  friend bool operator==(const RegistrationReply&, const RegistrationReply&) = default;
};

/// Mobile IP Tunnel Data message, type 4 (RFC 3519 §3.3): a 4-octet header (Type, Next Header,
/// Reserved 16 sent as 0 and ignored) in front of the tunnelled packet. `packet` views the
/// input; equality compares its content.
struct TunnelData {
  std::uint8_t next_header = kTunnelDataNextHeaderIpv4;
  ByteView packet;
  friend bool operator==(const TunnelData& a, const TunnelData& b);
};

/// Decodes a Registration Request (the whole UDP payload). `auth`, if given, receives where the
/// MN-HA authentication extension is.
Result<RegistrationRequest> decodeRegistrationRequest(ByteView payload,
                                                      Mipv4AuthLocation* auth = nullptr);
/// Writes the request with its extensions exactly as given (an MN-HA auth extension in the list
/// is written verbatim; use wire/mipv4_auth.hpp to compute one).
Status encodeRegistrationRequest(const RegistrationRequest& request, ByteWriter& out);
/// Writes only the 24-octet fixed part.
Status encodeRegistrationRequestFixed(const RegistrationRequest& request, ByteWriter& out);
std::size_t registrationRequestSize(const RegistrationRequest& request);

Result<RegistrationReply> decodeRegistrationReply(ByteView payload,
                                                  Mipv4AuthLocation* auth = nullptr);
Status encodeRegistrationReply(const RegistrationReply& reply, ByteWriter& out);
/// Writes only the 20-octet fixed part.
Status encodeRegistrationReplyFixed(const RegistrationReply& reply, ByteWriter& out);
std::size_t registrationReplySize(const RegistrationReply& reply);

/// Decodes the Tunnel Data header; the result views the tunnelled packet inside `payload`.
Result<TunnelData> decodeTunnelData(ByteView payload);
/// Writes header and packet (a copy); for tests and tools. The data path uses the prepend form.
Status encodeTunnelData(const TunnelData& message, ByteWriter& out);
/// Prepends the 4-octet Tunnel Data header to the packet already in `buffer` (RFC 3519 §3.3).
/// NoSpace if the headroom is too small.
Status prependTunnelData(PacketBuffer& buffer, std::uint8_t next_header);

/// Any Mobile IPv4 message on port 434, by its Type octet.
using Mipv4Message = std::variant<RegistrationRequest, RegistrationReply, TunnelData>;
/// Dispatches on the Type octet; an unknown type is ErrorCode::UnknownType at offset 0.
Result<Mipv4Message> decodeMipv4Message(ByteView payload, Mipv4AuthLocation* auth = nullptr);
Status encodeMipv4Message(const Mipv4Message& message, ByteWriter& out);

// ---------------------------------------------------------------------------------------------
// Names, for logs, counters and `dsmip decode` ("unknown" for values not assigned).

std::string_view mipv4MessageTypeName(std::uint8_t type);
std::string_view registrationReplyCodeName(RegistrationReplyCode code);
std::string_view mipv4ExtensionTypeName(std::uint8_t type);
std::string_view dsmipv4SubTypeName(std::uint8_t sub_type);
std::string_view ipv6PrefixReplyCodeName(Ipv6PrefixReplyCode code);
std::string_view udpTunnelReplyCodeName(UdpTunnelReplyCode code);
std::string_view mipv4SkipReasonName(Mipv4SkipReason reason);

}  // namespace dsmip::wire
