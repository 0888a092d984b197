#pragma once
// The Mobility Header (IPv6 Next Header 135): RFC 6275 §6.1 messages with the NEMO (RFC 3963 §4)
// and DSMIPv6 (RFC 5555 §3) extensions, final IANA numbers (decision D1).
//
//   decodeMobilityHeader()   structure only: Payload Proto, Header Len, fixed part, options.
//   verifyMobilityChecksum() the checksum, separately, because its pseudo-header needs the
//                            home address (Home Address option) and final destination.
//   encodeMobilityHeader()   exact bytes: options aligned, padded to 8n, checksum filled in.
//
// Unknown MH types (8–23 included) decode to UnknownMobilityMessage with the type kept, so the
// caller can answer with a Binding Error, status 2 (RFC 6275 §9.2).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "wire/mh_options.hpp"

namespace dsmip::wire {

/// IPv6 Next Header / IPv4 protocol number of the Mobility Header (RFC 6275 §6.1.1).
inline constexpr std::uint8_t kMhProtocol = 135;
/// The only Payload Proto a Mobility Header may carry: IPV6-NONXT (RFC 6275 §6.1.1).
inline constexpr std::uint8_t kMhPayloadProtoNone = 59;
/// Payload Proto, Header Len, MH Type, Reserved, Checksum.
inline constexpr std::size_t kMhHeaderSize = 6;
/// Header Len is 8 bits of 8-octet units beyond the first 8: at most 256 * 8 octets.
inline constexpr std::size_t kMhMaxSize = 2048;
// Offsets inside the header (RFC 6275 §6.1.1), also what decode errors point at.
inline constexpr std::size_t kMhPayloadProtoOffset = 0;
inline constexpr std::size_t kMhHeaderLenOffset = 1;
inline constexpr std::size_t kMhTypeOffset = 2;
inline constexpr std::size_t kMhChecksumOffset = 4;

/// MH Type values (IANA "Mobility Header Types"; RFC 6275 §6.1.2–§6.1.9). 8–23 are named for
/// display only; this codec treats them as unknown.
enum class MhType : std::uint8_t {
  BindingRefreshRequest = 0,
  HomeTestInit = 1,
  CareOfTestInit = 2,
  HomeTest = 3,
  CareOfTest = 4,
  BindingUpdate = 5,
  BindingAck = 6,
  BindingError = 7,
};

/// Stable kebab-case name of an MH type ("binding-update"; IANA names for 8–23; "unknown").
std::string_view mhTypeName(std::uint8_t type);
/// Smallest total length (octets, a multiple of 8) a message of this type may have: the
/// 6-octet header plus its fixed part, rounded up to 8 (reference 2.2). 8 for unknown types.
std::size_t mhMinimumSize(std::uint8_t type);

// --- Flags -----------------------------------------------------------------------------------

/// Binding Update flags: masks on the 16-bit field at offset 8 (IANA "Binding Update Flags";
/// RFC 6275 §6.1.7, reference 2.3).
inline constexpr std::uint16_t kBuFlagAcknowledge = 0x8000;        // A, RFC 6275
inline constexpr std::uint16_t kBuFlagHomeRegistration = 0x4000;   // H, RFC 6275
inline constexpr std::uint16_t kBuFlagLinkLocal = 0x2000;          // L, RFC 6275
inline constexpr std::uint16_t kBuFlagKeyManagement = 0x1000;      // K, RFC 6275
inline constexpr std::uint16_t kBuFlagMapRegistration = 0x0800;    // M, RFC 5380
inline constexpr std::uint16_t kBuFlagMobileRouter = 0x0400;       // R, RFC 3963
inline constexpr std::uint16_t kBuFlagProxyRegistration = 0x0200;  // P, RFC 5213
inline constexpr std::uint16_t kBuFlagForceUdp = 0x0100;           // F, RFC 5555 §3.1.3
inline constexpr std::uint16_t kBuFlagTlvHeader = 0x0080;          // T, RFC 5845 (decision D3)
inline constexpr std::uint16_t kBuFlagBulk = 0x0040;               // B, RFC 6602
inline constexpr std::uint16_t kBuFlagS = 0x0020;                  // S, RFC 7161
inline constexpr std::uint16_t kBuFlagD = 0x0010;                  // D, RFC 8885
/// Every assigned BU flag; the low 4 bits are Reserved (zero on send, ignored on receipt).
inline constexpr std::uint16_t kBuFlagsKnown = 0xFFF0;

/// Binding Acknowledgement flags: masks on octet 7 (IANA "Binding Acknowledgment Flags";
/// RFC 6275 §6.1.8, reference 2.4). RFC 5555 defines none.
inline constexpr std::uint8_t kBaFlagKeyManagement = 0x80;      // K, RFC 6275
inline constexpr std::uint8_t kBaFlagMobileRouter = 0x40;       // R, RFC 3963
inline constexpr std::uint8_t kBaFlagProxyRegistration = 0x20;  // P, RFC 5213
inline constexpr std::uint8_t kBaFlagTlvHeader = 0x10;          // T, RFC 5845 (decision D3)
inline constexpr std::uint8_t kBaFlagBulk = 0x08;               // B, RFC 6602
inline constexpr std::uint8_t kBaFlagS = 0x04;                  // S, RFC 7161
inline constexpr std::uint8_t kBaFlagD = 0x02;                  // D, RFC 8885
/// Every assigned BA flag; the lowest bit is reserved.
inline constexpr std::uint8_t kBaFlagsKnown = 0xFE;

/// "A|H|F" ("" when none), letters in wire order.
std::string buFlagsText(std::uint16_t flags);
/// "K|R" ("" when none).
std::string baFlagsText(std::uint8_t flags);

// --- Status codes ----------------------------------------------------------------------------

/// Binding Acknowledgement status (IANA "Status Codes"; RFC 6275 §6.1.8, reference 2.4).
/// Unassigned values are carried as they are; < 128 means accepted.
enum class BindingAckStatus : std::uint8_t {
  Accepted = 0,
  AcceptedPrefixDiscoveryNecessary = 1,
  GreKeyOptionNotRequired = 2,               // RFC 5845
  GreTunnelingButTlvHeaderNotSupported = 3,  // RFC 5845
  McoaNotComplete = 4,                       // RFC 5648
  McoaReturnHomeWithoutNdp = 5,              // RFC 5648
  PbuAcceptedTbIgnoredSettingsMismatch = 6,  // RFC 6058
  ReasonUnspecified = 128,
  AdministrativelyProhibited = 129,
  InsufficientResources = 130,
  HomeRegistrationNotSupported = 131,
  NotHomeSubnet = 132,
  NotHomeAgentForThisMobileNode = 133,
  DuplicateAddressDetectionFailed = 134,
  SequenceNumberOutOfWindow = 135,
  ExpiredHomeNonceIndex = 136,
  ExpiredCareOfNonceIndex = 137,
  ExpiredNonces = 138,
  RegistrationTypeChangeDisallowed = 139,
  MobileRouterOperationNotPermitted = 140,  // RFC 3963 §4.2
  InvalidPrefix = 141,                      // RFC 3963 §4.2
  NotAuthorizedForPrefix = 142,             // RFC 3963 §4.2
  ForwardingSetupFailed = 143,              // RFC 3963 §4.2
  /// IANA: MIPV6-ID-MISMATCH (RFC 4285). RFC 5555 §4.4.2/§4.5 use 144 for "cannot force UDP
  /// encapsulation" (never registered); decision D2 sends 144 for that. See
  /// kBaStatusCannotForceUdp.
  Mipv6IdMismatch = 144,
  Mipv6MesgIdRequired = 145,                  // RFC 4285
  Mipv6AuthFail = 146,                        // RFC 4285
  PermanentHomeKeygenTokenUnavailable = 147,  // RFC 4866
  CgaAndSignatureVerificationFailed = 148,    // RFC 4866
  PermanentHomeKeygenTokenExists = 149,       // RFC 4866
  NonNullHomeNonceIndexExpected = 150,        // RFC 4866
  ServiceAuthorizationFailed = 151,           // RFC 5149
  ProxyRegNotEnabled = 152,                   // RFC 5213 (152–162)
  NotLmaForThisMobileNode = 153,
  MagNotAuthorizedForProxyReg = 154,
  NotAuthorizedForHomeNetworkPrefix = 155,
  TimestampMismatch = 156,
  TimestampLowerThanPreviousAccepted = 157,
  MissingHomeNetworkPrefixOption = 158,
  BcePbuPrefixSetDoNotMatch = 159,
  MissingMnIdentifierOption = 160,
  MissingHandoffIndicatorOption = 161,
  MissingAccessTechTypeOption = 162,
  GreKeyOptionRequired = 163,  // RFC 5845
  McoaMalformed = 164,         // RFC 5648 (164–169)
  McoaNonMcoaBindingExists = 165,
  McoaProhibited = 166,
  McoaUnknownCoa = 167,
  McoaBulkRegistrationProhibited = 168,
  McoaSimultaneousHomeAndForeignProhibited = 169,
  NotAuthorizedForIpv4MobilityService = 170,  // RFC 5844 (170–173)
  NotAuthorizedForIpv4HomeAddress = 171,
  NotAuthorizedForIpv6MobilityService = 172,
  MultipleIpv4HomeAddressAssignmentNotSupported = 173,
  InvalidCareOfAddress = 174,              // RFC 6275
  InvalidMobileNodeGroupIdentifier = 175,  // RFC 6602
  ReinitSaWithHac = 176,                   // RFC 6618
  NotAuthorizedForDelegatedMnp = 177,      // RFC 7148
  RequestedDmnpInUse = 178,                // RFC 7148
  CannotMeetQosServiceRequest = 179,       // RFC 7222
  CannotSupportMultipathBinding = 180,     // RFC 8278
};
/// Decision D2: the status a dsmip home agent sends when it refuses the BU F flag.
inline constexpr BindingAckStatus kBaStatusCannotForceUdp = BindingAckStatus::Mipv6IdMismatch;

/// Stable kebab-case name ("accepted", "sequence-number-out-of-window", …);
/// "unassigned-accepted" / "unassigned-rejected" for unassigned values. 144 reads
/// "mipv6-id-mismatch/cannot-force-udp" (decision D2).
std::string_view baStatusName(BindingAckStatus status);
/// Status < 128: the Binding Update was accepted (RFC 6275 §6.1.8), assigned or not.
constexpr bool isAccepted(BindingAckStatus status) {
  return static_cast<std::uint8_t>(status) < 128;
}

/// Binding Error status (RFC 6275 §6.1.9).
enum class BindingErrorStatus : std::uint8_t {
  UnknownBindingForHomeAddress = 1,  // unknown binding for Home Address destination option
  UnrecognizedMhType = 2,
};
/// "unknown-binding-for-home-address", "unrecognized-mh-type", or "unassigned".
std::string_view bindingErrorStatusName(BindingErrorStatus status);

// --- Messages --------------------------------------------------------------------------------

/// 8 octets of cookie or keygen token (RFC 6275 §6.1.3–§6.1.6), in wire order.
using MhCookie = std::array<std::uint8_t, 8>;
using MhKeygenToken = std::array<std::uint8_t, 8>;

/// Binding Refresh Request, MH type 0 (RFC 6275 §6.1.2): Reserved(16), options.
struct BindingRefreshRequest {
  static constexpr MhType kType = MhType::BindingRefreshRequest;
  MobilityOptions options;
  friend bool operator==(const BindingRefreshRequest&, const BindingRefreshRequest&) = default;
};

/// Home Test Init, MH type 1 (RFC 6275 §6.1.3): Reserved(16), Home Init Cookie(64), options.
struct HomeTestInit {
  static constexpr MhType kType = MhType::HomeTestInit;
  MhCookie home_init_cookie{};
  MobilityOptions options;
  friend bool operator==(const HomeTestInit&, const HomeTestInit&) = default;
};

/// Care-of Test Init, MH type 2 (RFC 6275 §6.1.4): Reserved(16), Care-of Init Cookie(64).
struct CareOfTestInit {
  static constexpr MhType kType = MhType::CareOfTestInit;
  MhCookie care_of_init_cookie{};
  MobilityOptions options;
  friend bool operator==(const CareOfTestInit&, const CareOfTestInit&) = default;
};

/// Home Test, MH type 3 (RFC 6275 §6.1.5): Home Nonce Index(16), Home Init Cookie(64),
/// Home Keygen Token(64), options.
struct HomeTest {
  static constexpr MhType kType = MhType::HomeTest;
  std::uint16_t home_nonce_index = 0;
  MhCookie home_init_cookie{};
  MhKeygenToken home_keygen_token{};
  MobilityOptions options;
  friend bool operator==(const HomeTest&, const HomeTest&) = default;
};

/// Care-of Test, MH type 4 (RFC 6275 §6.1.6): Care-of Nonce Index(16), Care-of Init Cookie(64),
/// Care-of Keygen Token(64), options.
struct CareOfTest {
  static constexpr MhType kType = MhType::CareOfTest;
  std::uint16_t care_of_nonce_index = 0;
  MhCookie care_of_init_cookie{};
  MhKeygenToken care_of_keygen_token{};
  MobilityOptions options;
  friend bool operator==(const CareOfTest&, const CareOfTest&) = default;
};

/// Binding Update, MH type 5 (RFC 6275 §6.1.7; R: RFC 3963 §4.1; F: RFC 5555 §3.1.3):
/// Sequence(16), Flags+Reserved(16), Lifetime(16, 4-second units), options.
struct BindingUpdate {
  static constexpr MhType kType = MhType::BindingUpdate;
  std::uint16_t sequence = 0;
  std::uint16_t flags = 0;           // kBuFlag* masks; reserved bits dropped on decode and send
  std::uint16_t lifetime_units = 0;  // 4-second units; 0 = delete the binding
  MobilityOptions options;

  /// True when every bit of `mask` is set.
  [[nodiscard]] constexpr bool has(std::uint16_t mask) const { return (flags & mask) == mask; }
  constexpr void set(std::uint16_t mask, bool on = true) {
    flags = static_cast<std::uint16_t>(on ? (flags | mask) : (flags & ~mask));
  }
  [[nodiscard]] constexpr Duration lifetime() const { return mhLifetime(lifetime_units); }
  /// Rounds down to 4-second units, saturating at 65535 units.
  constexpr void setLifetime(Duration d) { lifetime_units = mhLifetimeUnits(d); }
  friend bool operator==(const BindingUpdate&, const BindingUpdate&) = default;
};

/// Binding Acknowledgement, MH type 6 (RFC 6275 §6.1.8; R: RFC 3963 §4.2): Status(8),
/// Flags(8), Sequence(16), Lifetime(16, 4-second units), options.
struct BindingAck {
  static constexpr MhType kType = MhType::BindingAck;
  BindingAckStatus status = BindingAckStatus::Accepted;
  std::uint8_t flags = 0;  // kBaFlag* masks; reserved bit dropped on decode and send
  std::uint16_t sequence = 0;
  std::uint16_t lifetime_units = 0;  // granted lifetime, 4-second units
  MobilityOptions options;

  [[nodiscard]] constexpr bool has(std::uint8_t mask) const { return (flags & mask) == mask; }
  constexpr void set(std::uint8_t mask, bool on = true) {
    flags = static_cast<std::uint8_t>(on ? (flags | mask) : (flags & ~mask));
  }
  [[nodiscard]] constexpr bool accepted() const { return isAccepted(status); }
  [[nodiscard]] constexpr Duration lifetime() const { return mhLifetime(lifetime_units); }
  constexpr void setLifetime(Duration d) { lifetime_units = mhLifetimeUnits(d); }
  friend bool operator==(const BindingAck&, const BindingAck&) = default;
};

/// Binding Error, MH type 7 (RFC 6275 §6.1.9): Status(8), Reserved(8), Home Address(128),
/// options.
struct BindingError {
  static constexpr MhType kType = MhType::BindingError;
  BindingErrorStatus status = BindingErrorStatus::UnrecognizedMhType;
  Ipv6Address home_address;  // from the offending packet's Home Address option, or ::
  MobilityOptions options;
  friend bool operator==(const BindingError&, const BindingError&) = default;
};

/// A message of an MH type this codec does not implement (8–23 and unassigned values): the
/// caller answers with Binding Error status 2. `data` is everything after the 6-octet header;
/// the encoder writes it back unchanged (6 + data.size() must be a multiple of 8).
struct UnknownMobilityMessage {
  std::uint8_t mh_type = 0;
  Bytes data;
  friend bool operator==(const UnknownMobilityMessage&, const UnknownMobilityMessage&) = default;
};

/// One Mobility Header message.
using MobilityMessage =
    std::variant<BindingRefreshRequest, HomeTestInit, CareOfTestInit, HomeTest, CareOfTest,
                 BindingUpdate, BindingAck, BindingError, UnknownMobilityMessage>;

/// The MH Type number of the message.
std::uint8_t mhTypeOf(const MobilityMessage& message);
/// The message's options, or nullptr for an UnknownMobilityMessage (whose layout is unknown).
const MobilityOptions* optionsOf(const MobilityMessage& message);

// --- Codec -----------------------------------------------------------------------------------

/// Structural decode of one Mobility Header; `mh` starts at Payload Proto. Octets beyond
/// (Header Len + 1) * 8 are ignored (RFC 8200 §4.7: nothing follows No Next Header). The
/// checksum is not checked here: see verifyMobilityChecksum(). Errors (offset from the start
/// of the MH):
///   Truncated at 0   fewer than 8 octets;
///   BadValue at 0    Payload Proto is not 59 (RFC 6275 §9.2: Parameter Problem, pointer 0);
///   BadLength at 1   Header Len below the type's minimum (Parameter Problem, pointer 1);
///   Truncated at 1   Header Len runs past the end of `mh`;
///   option errors    see decodeMobilityOptions() (Truncated, BadLength, BadValue).
Result<MobilityMessage> decodeMobilityHeader(ByteView mh);

/// Checksum of `mh` (checksum field taken as zero) under the pseudo-header {src, dst, length,
/// 135} (RFC 6275 §6.1.1). `src` is the Home Address option's address when the packet has one,
/// else the IPv6 source; `dst` is the final destination (type 2 routing header's address).
std::uint16_t computeMobilityChecksum(const Ipv6Address& src, const Ipv6Address& dst, ByteView mh);
/// True when the checksum in `mh` verifies. The MH length is taken from Header Len (trailing
/// octets ignored); false when `mh` is shorter than that or than 8 octets.
bool verifyMobilityChecksum(const Ipv6Address& src, const Ipv6Address& dst, ByteView mh);

/// Octets encodeMobilityHeader() would write (a multiple of 8), without writing; errors as
/// for encodeMobilityHeader() except NoSpace.
Result<std::size_t> encodedSize(const MobilityMessage& message);

/// Appends the exact wire form of `message` to `out`: Payload Proto 59, reserved fields zero,
/// options aligned with Pad1/PadN (RFC 6275 §6.2.1), Binding Authorization Data last, padded to
/// 8n, checksum computed over {checksum_src, checksum_dst} (see computeMobilityChecksum()).
/// Errors: InvalidArgument (see encodeMobilityOptions(); an UnknownMobilityMessage with a
/// type 0–7 or data that does not make 8n), BadLength (more than 2048 octets), NoSpace.
/// Nothing is written on error except NoSpace's partial output.
Status encodeMobilityHeader(const MobilityMessage& message, const Ipv6Address& checksum_src,
                            const Ipv6Address& checksum_dst, ByteWriter& out);
/// Appends to the packet (in its tailroom).
Status encodeMobilityHeader(const MobilityMessage& message, const Ipv6Address& checksum_src,
                            const Ipv6Address& checksum_dst, PacketBuffer& packet);
/// Returns the bytes in a new vector.
Result<Bytes> encodeMobilityHeader(const MobilityMessage& message, const Ipv6Address& checksum_src,
                                   const Ipv6Address& checksum_dst);

}  // namespace dsmip::wire
