#include "wire/mh_options.hpp"

#include <array>
#include <utility>

namespace dsmip::wire {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Data lengths (the Length field) of the fixed-size options (RFC 6275 §6.2.4–§6.2.6,
// RFC 3963 §4.3, RFC 5555 §3.1–§3.2).
constexpr std::uint8_t kBindingRefreshAdviceLength = 2;
constexpr std::uint8_t kAlternateCareOfAddressLength = 16;
constexpr std::uint8_t kNonceIndicesLength = 4;
constexpr std::uint8_t kMobileNetworkPrefixLength = 18;
constexpr std::uint8_t kDsmipOptionLength = 6;  // all four RFC 5555 options

// Bit positions inside the RFC 5555 options (reference 3.1).
constexpr std::uint8_t kIpv4HoaPrefixFlag = 0x02;      // P, octet 2 of the IPv4 Home Address option
constexpr std::uint8_t kNatDetectionForceFlag = 0x80;  // F, octet 2 of NAT Detection
constexpr std::uint8_t kSixBitMax = 0x3F;              // Prefix-len / Pref-len width

constexpr std::uint8_t typeNumber(MobilityOptionType t) { return static_cast<std::uint8_t>(t); }

Unexpected<Error> encodeError(ErrorCode code, std::string_view reason) {
  return Unexpected<Error>{Error{code, reason, 0, 0, {}}};
}

// True for the type numbers this codec interprets (an UnknownMobilityOption may not use them,
// or a decoder would read it back as something else).
constexpr bool isInterpretedType(std::uint8_t type) {
  return type <= typeNumber(MobilityOptionType::MobileNetworkPrefix) ||
         (type >= typeNumber(MobilityOptionType::Ipv4HomeAddress) &&
          type <= typeNumber(MobilityOptionType::Ipv4CareOfAddress));
}

// Reads a fixed-size option's data after checking its Length. `length_at` is the offset of the
// Length octet, which is what a BadLength error points at.
Status checkLength(std::uint8_t length, std::uint8_t expected, std::string_view reason,
                   std::size_t length_at) {
  if (length != expected) return parseError(ErrorCode::BadLength, reason, length_at);
  return {};
}

Status checkEncodable(const MobilityOption& option) {
  if (const auto* unknown = std::get_if<UnknownMobilityOption>(&option)) {
    if (isInterpretedType(unknown->type)) {
      return encodeError(ErrorCode::InvalidArgument, "unknown mobility option uses a known type");
    }
    if (unknown->data.size() > 255) {
      return encodeError(ErrorCode::InvalidArgument, "mobility option data exceeds 255 octets");
    }
  } else if (const auto* bad = std::get_if<BindingAuthorizationDataOption>(&option)) {
    if (bad->authenticator.size() > 255) {
      return encodeError(ErrorCode::InvalidArgument, "authenticator exceeds 255 octets");
    }
  } else if (const auto* hoa = std::get_if<Ipv4HomeAddressOption>(&option)) {
    if (hoa->prefix_length > kSixBitMax) {
      return encodeError(ErrorCode::InvalidArgument, "ipv4 home address prefix-len above 63");
    }
  } else if (const auto* ack = std::get_if<Ipv4AddressAckOption>(&option)) {
    if (ack->prefix_length > kSixBitMax) {
      return encodeError(ErrorCode::InvalidArgument, "ipv4 address ack pref-len above 63");
    }
  }
  return {};
}

// Octets of padding that bring `pos` to the next offset satisfying xn+y.
constexpr std::size_t paddingFor(std::size_t pos, OptionAlignment a) {
  return (a.y + a.x - pos % a.x) % a.x;
}

// Pad1 for one octet, PadN (zero data) for more (RFC 6275 §6.2.2, §6.2.3).
void writePadding(ByteWriter& out, std::size_t n) {
  if (n == 0) return;
  if (n == 1) {
    out.u8(typeNumber(MobilityOptionType::Pad1));
    return;
  }
  out.u8(typeNumber(MobilityOptionType::PadN));
  out.u8(static_cast<std::uint8_t>(n - 2));
  out.zeros(n - 2);
}

void writeOption(ByteWriter& out, const MobilityOption& option) {
  std::visit(Overloaded{
                 [&](const BindingRefreshAdviceOption& o) {
                   out.u8(typeNumber(o.kType));
                   out.u8(kBindingRefreshAdviceLength);
                   out.u16(o.refresh_interval_units);
                 },
                 [&](const AlternateCareOfAddressOption& o) {
                   out.u8(typeNumber(o.kType));
                   out.u8(kAlternateCareOfAddressLength);
                   out.bytes(o.care_of_address.bytes);
                 },
                 [&](const NonceIndicesOption& o) {
                   out.u8(typeNumber(o.kType));
                   out.u8(kNonceIndicesLength);
                   out.u16(o.home_nonce_index);
                   out.u16(o.care_of_nonce_index);
                 },
                 [&](const BindingAuthorizationDataOption& o) {
                   out.u8(typeNumber(o.kType));
                   out.u8(static_cast<std::uint8_t>(o.authenticator.size()));
                   out.bytes(o.authenticator);
                 },
                 [&](const MobileNetworkPrefixOption& o) {
                   out.u8(typeNumber(o.kType));
                   out.u8(kMobileNetworkPrefixLength);
                   out.u8(0);  // Reserved
                   out.u8(o.prefix_length);
                   out.bytes(o.prefix.bytes);
                 },
                 [&](const Ipv4HomeAddressOption& o) {
                   out.u8(typeNumber(o.kType));
                   out.u8(kDsmipOptionLength);
                   out.u8(static_cast<std::uint8_t>((o.prefix_length << 2) |
                                                    (o.prefix_requested ? kIpv4HoaPrefixFlag : 0)));
                   out.u8(0);  // Reserved
                   out.bytes(o.home_address.bytes);
                 },
                 [&](const Ipv4AddressAckOption& o) {
                   out.u8(typeNumber(o.kType));
                   out.u8(kDsmipOptionLength);
                   out.u8(static_cast<std::uint8_t>(o.status));
                   out.u8(static_cast<std::uint8_t>(o.prefix_length << 2));  // Res bits zero
                   out.bytes(o.home_address.bytes);
                 },
                 [&](const NatDetectionOption& o) {
                   out.u8(typeNumber(o.kType));
                   out.u8(kDsmipOptionLength);
                   out.u8(o.force_udp ? kNatDetectionForceFlag : 0);
                   out.u8(0);  // Reserved
                   out.u32(o.refresh_time);
                 },
                 [&](const Ipv4CareOfAddressOption& o) {
                   out.u8(typeNumber(o.kType));
                   out.u8(kDsmipOptionLength);
                   out.u16(0);  // Reserved
                   out.bytes(o.care_of_address.bytes);
                 },
                 [&](const UnknownMobilityOption& o) {
                   out.u8(o.type);
                   out.u8(static_cast<std::uint8_t>(o.data.size()));
                   out.bytes(o.data);
                 },
             },
             option);
}

// Walks the options in the order they are written (Binding Authorization Data moved last),
// calling sink(padding_before, option) for each, then sink(final_padding, nullptr). Returns the
// end offset.
template <class Sink>
Result<std::size_t> layoutOptions(const MobilityOptions& options, std::size_t area_offset,
                                  Sink&& sink) {
  const MobilityOption* authorization = nullptr;
  std::size_t pos = area_offset;
  const auto place = [&](const MobilityOption& option) {
    const std::size_t gap = paddingFor(pos, optionAlignment(option));
    sink(gap, &option);
    pos += gap + optionWireSize(option);
  };
  for (const auto& option : options) {
    if (auto ok = checkEncodable(option); !ok) return Unexpected{std::move(ok).error()};
    if (std::holds_alternative<BindingAuthorizationDataOption>(option)) {
      if (authorization != nullptr) {
        return encodeError(ErrorCode::InvalidArgument,
                           "more than one binding authorization data option");
      }
      authorization = &option;
      continue;
    }
    place(option);
  }
  if (authorization != nullptr) {
    place(*authorization);  // its alignment makes it end on 8n: nothing may follow it
    sink(0, nullptr);
  } else {
    const std::size_t gap = paddingFor(pos, OptionAlignment{8, 0});
    sink(gap, nullptr);
    pos += gap;
  }
  return pos;
}

}  // namespace

std::string_view optionTypeName(std::uint8_t type) {
  // IANA "Mobility Options" (the values Wireshark 4.0 also names).
  static constexpr std::array<std::string_view, 53> kNames = {
      "pad1",
      "padn",
      "binding-refresh-advice",
      "alternate-care-of-address",
      "nonce-indices",
      "binding-authorization-data",
      "mobile-network-prefix",
      "link-layer-address",
      "mobile-node-identifier",
      "mobility-message-authentication",
      "mobility-message-replay-protection",
      "cga-parameters-request",
      "cga-parameters",
      "signature",
      "permanent-home-keygen-token",
      "care-of-test-init",
      "care-of-test",
      "dns-update",
      "experimental",
      "vendor-specific",
      "service-selection",
      "binding-authorization-data-for-fmipv6",
      "home-network-prefix",
      "handoff-indicator",
      "access-technology-type",
      "mobile-node-link-layer-identifier",
      "link-local-address",
      "timestamp",
      "restart-counter",
      "ipv4-home-address",
      "ipv4-address-acknowledgement",
      "nat-detection",
      "ipv4-care-of-address",
      "gre-key",
      "ipv6-address-prefix",
      "binding-identifier",
      "ipv4-home-address-request",
      "ipv4-home-address-reply",
      "ipv4-default-router-address",
      "ipv4-dhcp-support-mode",
      "context-request",
      "local-mobility-anchor-address",
      "mobile-node-link-local-address-interface-identifier",
      "transient-binding",
      "flow-summary",
      "flow-identification",
      "redirect-capability",
      "redirect",
      "load-information",
      "alternate-ipv4-care-of-address",
      "mobile-node-group-identifier",
      "mag-ipv6-address",
      "access-network-identifier",
  };
  if (type < kNames.size()) return kNames[type];
  if (type == 55) return "delegated-mobile-network-prefix";
  return "unknown";
}

std::string_view ipv4AckStatusName(Ipv4AckStatus status) {
  switch (status) {
    case Ipv4AckStatus::Success:
      return "success";
    case Ipv4AckStatus::FailureReasonUnspecified:
      return "failure-reason-unspecified";
    case Ipv4AckStatus::AdministrativelyProhibited:
      return "administratively-prohibited";
    case Ipv4AckStatus::IncorrectIpv4HomeAddress:
      return "incorrect-ipv4-home-address";
    case Ipv4AckStatus::InvalidIpv4Address:
      return "invalid-ipv4-address";
    case Ipv4AckStatus::DynamicIpv4HomeAddressNotAvailable:
      return "dynamic-ipv4-home-address-not-available";
    case Ipv4AckStatus::PrefixAllocationUnauthorized:
      return "prefix-allocation-unauthorized";
  }
  return isIpv4AckSuccess(status) ? "unassigned-success" : "unassigned-failure";
}

std::uint8_t optionTypeOf(const MobilityOption& option) {
  return std::visit(Overloaded{
                        [](const UnknownMobilityOption& o) { return o.type; },
                        [](const auto& o) { return typeNumber(o.kType); },
                    },
                    option);
}

OptionAlignment optionAlignment(const MobilityOption& option) {
  return std::visit(Overloaded{
                        [](const BindingRefreshAdviceOption&) {
                          return OptionAlignment{2, 0};
                        },
                        [](const AlternateCareOfAddressOption&) {
                          return OptionAlignment{8, 6};
                        },
                        [](const NonceIndicesOption&) {
                          return OptionAlignment{2, 0};
                        },
                        [](const BindingAuthorizationDataOption& o) {
                          // No alignment of its own, but it must end the (8n-long) header (RFC 6275
                          // §6.2.7): place the Type octet so that Type + Length + data ends on 8n.
                          const std::size_t end_mod = (2 + o.authenticator.size()) % 8;
                          return OptionAlignment{8, static_cast<std::uint8_t>((8 - end_mod) % 8)};
                        },
                        [](const MobileNetworkPrefixOption&) {
                          return OptionAlignment{8, 4};
                        },
                        [](const Ipv4HomeAddressOption&) {
                          return OptionAlignment{4, 0};
                        },
                        [](const Ipv4AddressAckOption&) {
                          return OptionAlignment{4, 0};
                        },
                        [](const NatDetectionOption&) {
                          return OptionAlignment{4, 0};
                        },
                        [](const Ipv4CareOfAddressOption&) {
                          return OptionAlignment{4, 0};
                        },
                        [](const UnknownMobilityOption&) {
                          return OptionAlignment{1, 0};
                        },
                    },
                    option);
}

std::size_t optionWireSize(const MobilityOption& option) {
  return std::visit(
      Overloaded{
          [](const BindingRefreshAdviceOption&) -> std::size_t {
            return 2 + kBindingRefreshAdviceLength;
          },
          [](const AlternateCareOfAddressOption&) -> std::size_t {
            return 2 + kAlternateCareOfAddressLength;
          },
          [](const NonceIndicesOption&) -> std::size_t { return 2 + kNonceIndicesLength; },
          [](const BindingAuthorizationDataOption& o) -> std::size_t {
            return 2 + o.authenticator.size();
          },
          [](const MobileNetworkPrefixOption&) -> std::size_t {
            return 2 + kMobileNetworkPrefixLength;
          },
          [](const UnknownMobilityOption& o) -> std::size_t { return 2 + o.data.size(); },
          [](const auto&) -> std::size_t { return 2 + kDsmipOptionLength; },
      },
      option);
}

Status validateIpv4HomeAddressOption(const Ipv4HomeAddressOption& option) {
  if (option.prefix_length == 0) {
    return encodeError(ErrorCode::BadValue, "ipv4 home address prefix-len is 0");
  }
  if (option.prefix_length > 32) {
    return encodeError(ErrorCode::BadValue, "ipv4 home address prefix-len above 32");
  }
  return {};
}

Status validateMobileNetworkPrefixOption(const MobileNetworkPrefixOption& option) {
  if (option.prefix_length == 0) {
    return encodeError(ErrorCode::BadValue, "mobile network prefix length is 0");
  }
  if (option.prefix_length > 128) {
    return encodeError(ErrorCode::BadValue, "mobile network prefix length above 128");
  }
  return {};
}

Result<MobilityOptions> decodeMobilityOptions(ByteView area, std::size_t area_offset) {
  MobilityOptions options;
  ByteReader in{area, area_offset};
  while (!in.atEnd()) {
    const std::size_t at = in.offset();
    const std::uint8_t type = in.u8();
    if (type == typeNumber(MobilityOptionType::Pad1)) continue;  // a single octet, no Length
    if (in.remaining() < 1) {
      return parseError(ErrorCode::Truncated, "mobility option without length", at);
    }
    const std::uint8_t length = in.u8();
    if (in.remaining() < length) {
      return parseError(ErrorCode::Truncated, "mobility option runs past the header", at);
    }
    ByteReader data{in.bytes(length), at + 2};
    const std::size_t length_at = at + 1;
    switch (static_cast<MobilityOptionType>(type)) {
      case MobilityOptionType::Pad1:
        break;  // handled above
      case MobilityOptionType::PadN:
        break;  // data ignored on receipt (RFC 6275 §6.2.3)
      case MobilityOptionType::BindingRefreshAdvice: {
        if (auto ok = checkLength(length, kBindingRefreshAdviceLength,
                                  "binding refresh advice length is not 2", length_at);
            !ok) {
          return Unexpected{std::move(ok).error()};
        }
        options.emplace_back(BindingRefreshAdviceOption{data.u16()});
        break;
      }
      case MobilityOptionType::AlternateCareOfAddress: {
        if (auto ok = checkLength(length, kAlternateCareOfAddressLength,
                                  "alternate care-of address length is not 16", length_at);
            !ok) {
          return Unexpected{std::move(ok).error()};
        }
        AlternateCareOfAddressOption o;
        o.care_of_address.bytes = data.array<16>();
        options.emplace_back(o);
        break;
      }
      case MobilityOptionType::NonceIndices: {
        if (auto ok = checkLength(length, kNonceIndicesLength, "nonce indices length is not 4",
                                  length_at);
            !ok) {
          return Unexpected{std::move(ok).error()};
        }
        NonceIndicesOption o;
        o.home_nonce_index = data.u16();
        o.care_of_nonce_index = data.u16();
        options.emplace_back(o);
        break;
      }
      case MobilityOptionType::BindingAuthorizationData: {
        // MUST be last, with no padding after it (RFC 6275 §6.2, §6.2.7).
        if (!in.atEnd()) {
          return parseError(ErrorCode::BadValue,
                            "binding authorization data is not the last option", at);
        }
        const ByteView authenticator = data.rest();
        options.emplace_back(
            BindingAuthorizationDataOption{Bytes(authenticator.begin(), authenticator.end())});
        break;
      }
      case MobilityOptionType::MobileNetworkPrefix: {
        if (auto ok = checkLength(length, kMobileNetworkPrefixLength,
                                  "mobile network prefix length is not 18", length_at);
            !ok) {
          return Unexpected{std::move(ok).error()};
        }
        MobileNetworkPrefixOption o;
        data.skip(1);  // Reserved: ignored
        o.prefix_length = data.u8();
        o.prefix.bytes = data.array<16>();
        options.emplace_back(o);
        break;
      }
      case MobilityOptionType::Ipv4HomeAddress: {
        if (auto ok = checkLength(length, kDsmipOptionLength,
                                  "ipv4 home address option length is not 6", length_at);
            !ok) {
          return Unexpected{std::move(ok).error()};
        }
        Ipv4HomeAddressOption o;
        const std::uint8_t octet2 = data.u8();
        o.prefix_length = static_cast<std::uint8_t>(octet2 >> 2);
        o.prefix_requested = (octet2 & kIpv4HoaPrefixFlag) != 0;
        data.skip(1);  // Reserved (with the low bit of octet 2): ignored
        o.home_address.bytes = data.array<4>();
        options.emplace_back(o);
        break;
      }
      case MobilityOptionType::Ipv4AddressAck: {
        if (auto ok = checkLength(length, kDsmipOptionLength,
                                  "ipv4 address acknowledgement length is not 6", length_at);
            !ok) {
          return Unexpected{std::move(ok).error()};
        }
        Ipv4AddressAckOption o;
        o.status = static_cast<Ipv4AckStatus>(data.u8());
        o.prefix_length = static_cast<std::uint8_t>(data.u8() >> 2);  // low 2 bits reserved
        o.home_address.bytes = data.array<4>();
        options.emplace_back(o);
        break;
      }
      case MobilityOptionType::NatDetection: {
        if (auto ok =
                checkLength(length, kDsmipOptionLength, "nat detection length is not 6", length_at);
            !ok) {
          return Unexpected{std::move(ok).error()};
        }
        NatDetectionOption o;
        o.force_udp = (data.u8() & kNatDetectionForceFlag) != 0;
        data.skip(1);  // Reserved
        o.refresh_time = data.u32();
        options.emplace_back(o);
        break;
      }
      case MobilityOptionType::Ipv4CareOfAddress: {
        if (auto ok = checkLength(length, kDsmipOptionLength,
                                  "ipv4 care-of address option length is not 6", length_at);
            !ok) {
          return Unexpected{std::move(ok).error()};
        }
        Ipv4CareOfAddressOption o;
        data.skip(2);  // Reserved
        o.care_of_address.bytes = data.array<4>();
        options.emplace_back(o);
        break;
      }
      default: {
        // Skipped by its Length (RFC 6275 §6.2.1) and kept for display.
        const ByteView bytes = data.rest();
        options.emplace_back(UnknownMobilityOption{type, Bytes(bytes.begin(), bytes.end())});
        break;
      }
    }
  }
  return options;
}

Result<std::size_t> mobilityOptionsSize(const MobilityOptions& options, std::size_t area_offset) {
  auto end = layoutOptions(options, area_offset, [](std::size_t, const MobilityOption*) {});
  if (!end) return Unexpected{std::move(end).error()};
  return *end - area_offset;
}

Status encodeMobilityOptions(const MobilityOptions& options, std::size_t area_offset,
                             ByteWriter& out) {
  // Validate everything before writing anything, so that an error leaves no partial output.
  if (auto size = mobilityOptionsSize(options, area_offset); !size) {
    return Unexpected{std::move(size).error()};
  }
  auto end =
      layoutOptions(options, area_offset, [&out](std::size_t padding, const MobilityOption* o) {
        writePadding(out, padding);
        if (o != nullptr) writeOption(out, *o);
      });
  if (!end) return Unexpected{std::move(end).error()};
  if (!out.ok()) return encodeError(ErrorCode::NoSpace, "mobility options do not fit");
  return {};
}

}  // namespace dsmip::wire
