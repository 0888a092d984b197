#pragma once
// Mobility options: the TLVs that follow the fixed part of every Mobility Header message
// (RFC 6275 §6.2, NEMO RFC 3963 §4.3, DSMIPv6 RFC 5555 §3.1–§3.2), with the final IANA type
// numbers (29–32; decision D1 of the protocol reference).
//
// Decoding keeps the received order, consumes Pad1/PadN, records unknown options (so a decoder
// can display them) and accepts any alignment. Encoding places every option on its xn+y
// boundary with Pad1/PadN, pads the area to 8n and always writes Binding Authorization Data
// last with nothing after it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "common/time.hpp"

namespace dsmip::wire {

/// Mobility option type numbers (IANA "Mobility Options"; RFC 6275 §6.2, 3963 §4.3, 5555 §3).
enum class MobilityOptionType : std::uint8_t {
  Pad1 = 0,
  PadN = 1,
  BindingRefreshAdvice = 2,
  AlternateCareOfAddress = 3,
  NonceIndices = 4,
  BindingAuthorizationData = 5,
  MobileNetworkPrefix = 6,
  Ipv4HomeAddress = 29,    // RFC 5555 §3.1.1
  Ipv4AddressAck = 30,     // RFC 5555 §3.2.1 (its §8 misprints 29; IANA has 30)
  NatDetection = 31,       // RFC 5555 §3.2.2
  Ipv4CareOfAddress = 32,  // RFC 5555 §3.1.2
};

/// Stable kebab-case name of an option type for `dsmip decode` and JSON
/// ("ipv4-care-of-address"); the IANA values 0–52 and 55 are named, others give "unknown".
std::string_view optionTypeName(std::uint8_t type);

// --- Lifetimes -------------------------------------------------------------------------------

/// BU/BA lifetimes and the Binding Refresh Advice interval count units of 4 seconds
/// (RFC 6275 §6.1.7, §6.1.8, §6.2.4).
inline constexpr Duration kMhLifetimeUnit = std::chrono::seconds(4);
/// The largest lifetime a 16-bit field holds: 65535 units = 262 140 s.
inline constexpr std::uint16_t kMhMaxLifetimeUnits = 0xFFFF;

/// Units of 4 s → seconds.
constexpr std::uint32_t mhLifetimeSeconds(std::uint16_t units) { return 4u * units; }
/// Units of 4 s → Duration.
constexpr Duration mhLifetime(std::uint16_t units) {
  return std::chrono::seconds(mhLifetimeSeconds(units));
}
/// Seconds → units of 4 s, rounded down (never grants or asks more than requested) and
/// saturated at 65535.
constexpr std::uint16_t mhLifetimeUnitsFromSeconds(std::uint64_t seconds) {
  const std::uint64_t units = seconds / 4;
  return units > kMhMaxLifetimeUnits ? kMhMaxLifetimeUnits : static_cast<std::uint16_t>(units);
}
/// Duration → units of 4 s, rounded down, saturated at 65535; negative durations give 0.
constexpr std::uint16_t mhLifetimeUnits(Duration d) {
  if (d <= Duration::zero()) return 0;
  return mhLifetimeUnitsFromSeconds(
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count()));
}

// --- Options ---------------------------------------------------------------------------------

/// Binding Refresh Advice (type 2, Length 2, alignment 2n; RFC 6275 §6.2.4).
struct BindingRefreshAdviceOption {
  static constexpr MobilityOptionType kType = MobilityOptionType::BindingRefreshAdvice;
  std::uint16_t refresh_interval_units = 0;  // 4-second units

  [[nodiscard]] constexpr Duration refreshInterval() const {
    return mhLifetime(refresh_interval_units);
  }
  friend bool operator==(const BindingRefreshAdviceOption&,
                         const BindingRefreshAdviceOption&) = default;
};

/// Alternate Care-of Address (type 3, Length 16, alignment 8n+6; RFC 6275 §6.2.5).
struct AlternateCareOfAddressOption {
  static constexpr MobilityOptionType kType = MobilityOptionType::AlternateCareOfAddress;
  Ipv6Address care_of_address;
  friend bool operator==(const AlternateCareOfAddressOption&,
                         const AlternateCareOfAddressOption&) = default;
};

/// Nonce Indices (type 4, Length 4, alignment 2n; RFC 6275 §6.2.6).
struct NonceIndicesOption {
  static constexpr MobilityOptionType kType = MobilityOptionType::NonceIndices;
  std::uint16_t home_nonce_index = 0;
  std::uint16_t care_of_nonce_index = 0;
  friend bool operator==(const NonceIndicesOption&, const NonceIndicesOption&) = default;
};

/// Binding Authorization Data (type 5, any Length — 12 for return routability; RFC 6275
/// §6.2.7). It MUST be the last option with nothing after it; the encoder places it so that it
/// ends the message on an 8-octet boundary (the "implicit 8n+2" for a 12-octet authenticator).
struct BindingAuthorizationDataOption {
  static constexpr MobilityOptionType kType = MobilityOptionType::BindingAuthorizationData;
  Bytes authenticator;
  friend bool operator==(const BindingAuthorizationDataOption&,
                         const BindingAuthorizationDataOption&) = default;
};

/// Mobile Network Prefix (type 6, Length 18, alignment 8n+4; RFC 3963 §4.3). Decoded as
/// received (prefix length not range-checked; see validateMobileNetworkPrefixOption()).
struct MobileNetworkPrefixOption {
  static constexpr MobilityOptionType kType = MobilityOptionType::MobileNetworkPrefix;
  std::uint8_t prefix_length = 0;
  Ipv6Address prefix;

  /// The prefix as an Ipv6Prefix (host bits as received; lengths above 128 clamp to 128).
  [[nodiscard]] Ipv6Prefix toPrefix() const {
    return Ipv6Prefix{prefix, prefix_length > 128 ? std::uint8_t{128} : prefix_length};
  }
  friend bool operator==(const MobileNetworkPrefixOption&,
                         const MobileNetworkPrefixOption&) = default;
};

/// IPv4 Home Address (type 29, Length 6, alignment 4n; RFC 5555 §3.1.1). Octet 2 holds the
/// 6-bit Prefix-len (`octet >> 2`) and the P flag (`octet & 0x02`).
struct Ipv4HomeAddressOption {
  static constexpr MobilityOptionType kType = MobilityOptionType::Ipv4HomeAddress;
  std::uint8_t prefix_length = 32;  // 6 bits on the wire; 0 is invalid (see validate…())
  bool prefix_requested = false;    // P: the MN asks for a mobile network prefix
  Ipv4Address home_address;         // 0.0.0.0 = please assign one
  friend bool operator==(const Ipv4HomeAddressOption&, const Ipv4HomeAddressOption&) = default;
};

/// Status of the IPv4 Address Acknowledgement option (IANA "DSMIPv6 IPv4 Home Address Option
/// Status Codes"; RFC 5555 §3.2.1). Values < 128 are success. Unassigned values are kept.
enum class Ipv4AckStatus : std::uint8_t {
  Success = 0,
  FailureReasonUnspecified = 128,
  AdministrativelyProhibited = 129,
  IncorrectIpv4HomeAddress = 130,
  InvalidIpv4Address = 131,
  DynamicIpv4HomeAddressNotAvailable = 132,
  PrefixAllocationUnauthorized = 133,
};
/// "success", "failure-reason-unspecified", …; "unassigned-success" / "unassigned-failure" for
/// values IANA has not assigned.
std::string_view ipv4AckStatusName(Ipv4AckStatus status);
/// Status < 128 means the IPv4 home address was accepted (RFC 5555 §3.2.1).
constexpr bool isIpv4AckSuccess(Ipv4AckStatus status) {
  return static_cast<std::uint8_t>(status) < 128;
}

/// IPv4 Address Acknowledgement (type 30, Length 6, alignment 4n; RFC 5555 §3.2.1). Pref-len is
/// the top 6 bits of octet 3; it is only meaningful on success (0 on failure).
struct Ipv4AddressAckOption {
  static constexpr MobilityOptionType kType = MobilityOptionType::Ipv4AddressAck;
  Ipv4AckStatus status = Ipv4AckStatus::Success;
  std::uint8_t prefix_length = 0;  // 6 bits on the wire
  Ipv4Address home_address;
  friend bool operator==(const Ipv4AddressAckOption&, const Ipv4AddressAckOption&) = default;
};

/// Refresh time value meaning "no keep-alives needed": no NAT was detected (RFC 5555 §3.2.2).
inline constexpr std::uint32_t kNatRefreshNoNat = 0xFFFFFFFFu;
/// Refresh time value meaning "ignore, use the default" (RFC 5555 §3.2.2).
inline constexpr std::uint32_t kNatRefreshUseDefault = 0;
/// NATKATIMEOUT, the recommended default keep-alive period (RFC 5555 §3.2.2, §7).
inline constexpr Duration kNatKeepaliveTimeout = std::chrono::seconds(110);

/// NAT Detection (type 31, Length 6, alignment 4n; RFC 5555 §3.2.2).
struct NatDetectionOption {
  static constexpr MobilityOptionType kType = MobilityOptionType::NatDetection;
  bool force_udp = false;          // F: the HA requires UDP encapsulation
  std::uint32_t refresh_time = 0;  // seconds; see kNatRefreshNoNat / kNatRefreshUseDefault

  /// A NAT was detected: the refresh time is not all ones (decision D4 keys on this or F).
  [[nodiscard]] constexpr bool natDetected() const { return refresh_time != kNatRefreshNoNat; }
  friend bool operator==(const NatDetectionOption&, const NatDetectionOption&) = default;
};

/// IPv4 Care-of Address (type 32, Length 6, alignment 4n; RFC 5555 §3.1.2).
struct Ipv4CareOfAddressOption {
  static constexpr MobilityOptionType kType = MobilityOptionType::Ipv4CareOfAddress;
  Ipv4Address care_of_address;
  friend bool operator==(const Ipv4CareOfAddressOption&, const Ipv4CareOfAddressOption&) = default;
};

/// An option of a type this codec does not interpret: skipped on receipt by its Length
/// (RFC 6275 §6.2.1) and kept here so it can be displayed. The encoder writes it unaligned.
struct UnknownMobilityOption {
  std::uint8_t type = 0;
  Bytes data;  // the Length octets after the Length field
  friend bool operator==(const UnknownMobilityOption&, const UnknownMobilityOption&) = default;
};

/// One option. Pad1 and PadN are consumed by the decoder and generated by the encoder, so they
/// have no alternative here.
using MobilityOption =
    std::variant<BindingRefreshAdviceOption, AlternateCareOfAddressOption, NonceIndicesOption,
                 BindingAuthorizationDataOption, MobileNetworkPrefixOption, Ipv4HomeAddressOption,
                 Ipv4AddressAckOption, NatDetectionOption, Ipv4CareOfAddressOption,
                 UnknownMobilityOption>;
/// Options in received (or to-be-sent) order.
using MobilityOptions = std::vector<MobilityOption>;

/// The option's type number on the wire.
std::uint8_t optionTypeOf(const MobilityOption& option);

/// First option of type T, or nullptr.
template <class T>
[[nodiscard]] const T* findOption(const MobilityOptions& options) {
  for (const auto& option : options) {
    if (const T* p = std::get_if<T>(&option)) return p;
  }
  return nullptr;
}
/// Every option of type T, in order (e.g. several Mobile Network Prefix options).
template <class T>
[[nodiscard]] std::vector<const T*> findAllOptions(const MobilityOptions& options) {
  std::vector<const T*> out;
  for (const auto& option : options) {
    if (const T* p = std::get_if<T>(&option)) out.push_back(p);
  }
  return out;
}

// --- Alignment -------------------------------------------------------------------------------

/// Alignment rule xn+y: the option's Type octet sits at an offset from the start of the
/// Mobility Header that is y modulo x (RFC 6275 §6.2.1). x = 1 means no requirement.
struct OptionAlignment {
  std::uint8_t x = 1;
  std::uint8_t y = 0;
  friend bool operator==(const OptionAlignment&, const OptionAlignment&) = default;
};
/// The rule the encoder applies to `option` (for Binding Authorization Data: the position that
/// makes it end on 8n, i.e. 8n+2 for a 12-octet authenticator).
OptionAlignment optionAlignment(const MobilityOption& option);
/// Octets `option` occupies on the wire (Type + Length + data).
std::size_t optionWireSize(const MobilityOption& option);

// --- Validation helpers ----------------------------------------------------------------------

/// RFC 5555 §3.1.1: Prefix-len 0 is invalid, and an IPv4 prefix cannot exceed 32. The decoder
/// keeps such an option as received (the home agent must answer the BU, with an IPv4 Address
/// Acknowledgement failure, rather than drop it); this tells the core. BadValue on failure.
Status validateIpv4HomeAddressOption(const Ipv4HomeAddressOption& option);
/// RFC 3963 §4.3: a mobile network prefix length must be 1–128. BadValue on failure.
Status validateMobileNetworkPrefixOption(const MobileNetworkPrefixOption& option);

// --- Codec -----------------------------------------------------------------------------------

/// Decodes an options area: `area` runs from the end of the fixed part to the end of the
/// Mobility Header, and `area_offset` is its offset from the start of the header (used for
/// error offsets). Errors: Truncated (option runs past the end; offset of its Type octet),
/// BadLength (Length differs from the option's fixed length; offset of the Length octet),
/// BadValue (Binding Authorization Data not last; offset of its Type octet).
Result<MobilityOptions> decodeMobilityOptions(ByteView area, std::size_t area_offset);

/// Octets the options occupy when written starting at `area_offset` (from the start of the
/// MH), including alignment padding and the trailing padding to 8n. Errors as for
/// encodeMobilityOptions().
Result<std::size_t> mobilityOptionsSize(const MobilityOptions& options, std::size_t area_offset);

/// Writes the options starting at `area_offset` with Pad1/PadN per the padding recipe of
/// RFC 6275 §6.2.1 (reference 2.6), pads to 8n, and writes Binding Authorization Data last.
/// Errors: InvalidArgument (two Binding Authorization Data options; an unknown option using a
/// known type number or with more than 255 data octets; a 6-bit prefix length above 63),
/// NoSpace (writer full). Everything is validated first: on error nothing is written, except
/// for NoSpace, which may leave a partial write.
Status encodeMobilityOptions(const MobilityOptions& options, std::size_t area_offset,
                             ByteWriter& out);

}  // namespace dsmip::wire
