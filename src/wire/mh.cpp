#include "wire/mh.hpp"

#include <algorithm>
#include <utility>

#include "wire/checksum.hpp"

namespace dsmip::wire {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// End of each message's fixed part, from the start of the MH (RFC 6275 §6.1.2–§6.1.9): options
// start here.
constexpr std::size_t kBindingRefreshRequestFixedEnd = 8;  // Reserved(16)
constexpr std::size_t kTestInitFixedEnd = 16;              // Reserved(16) Cookie(64)
constexpr std::size_t kTestFixedEnd = 24;                  // Index(16) Cookie(64) Token(64)
constexpr std::size_t kBindingUpdateFixedEnd = 12;         // Seq(16) Flags(16) Lifetime(16)
constexpr std::size_t kBindingAckFixedEnd = 12;    // Status(8) Flags(8) Seq(16) Lifetime(16)
constexpr std::size_t kBindingErrorFixedEnd = 24;  // Status(8) Reserved(8) Home Address(128)

Unexpected<Error> encodeError(ErrorCode code, std::string_view reason) {
  return Unexpected<Error>{Error{code, reason, 0, 0, {}}};
}

constexpr std::uint8_t typeNumber(MhType t) { return static_cast<std::uint8_t>(t); }

std::size_t fixedEnd(std::uint8_t type) {
  switch (static_cast<MhType>(type)) {
    case MhType::BindingRefreshRequest:
      return kBindingRefreshRequestFixedEnd;
    case MhType::HomeTestInit:
    case MhType::CareOfTestInit:
      return kTestInitFixedEnd;
    case MhType::HomeTest:
    case MhType::CareOfTest:
      return kTestFixedEnd;
    case MhType::BindingUpdate:
      return kBindingUpdateFixedEnd;
    case MhType::BindingAck:
      return kBindingAckFixedEnd;
    case MhType::BindingError:
      return kBindingErrorFixedEnd;
  }
  return 8;  // unknown: the header alone (rounded to 8) is all we can require
}

template <class Message>
Result<MobilityMessage> withOptions(Message message, ByteReader& body) {
  const std::size_t area_offset = body.offset();
  auto options = decodeMobilityOptions(body.rest(), area_offset);
  if (!options) return Unexpected{std::move(options).error()};
  message.options = std::move(*options);
  return MobilityMessage{std::move(message)};
}

// Decodes the message data; `body` covers offset 6 to the end of the MH (the caller has checked
// that the fixed part fits).
Result<MobilityMessage> decodeBody(std::uint8_t type, ByteReader& body) {
  switch (static_cast<MhType>(type)) {
    case MhType::BindingRefreshRequest: {
      body.skip(2);  // Reserved
      return withOptions(BindingRefreshRequest{}, body);
    }
    case MhType::HomeTestInit: {
      HomeTestInit m;
      body.skip(2);  // Reserved
      m.home_init_cookie = body.array<8>();
      return withOptions(std::move(m), body);
    }
    case MhType::CareOfTestInit: {
      CareOfTestInit m;
      body.skip(2);  // Reserved
      m.care_of_init_cookie = body.array<8>();
      return withOptions(std::move(m), body);
    }
    case MhType::HomeTest: {
      HomeTest m;
      m.home_nonce_index = body.u16();
      m.home_init_cookie = body.array<8>();
      m.home_keygen_token = body.array<8>();
      return withOptions(std::move(m), body);
    }
    case MhType::CareOfTest: {
      CareOfTest m;
      m.care_of_nonce_index = body.u16();
      m.care_of_init_cookie = body.array<8>();
      m.care_of_keygen_token = body.array<8>();
      return withOptions(std::move(m), body);
    }
    case MhType::BindingUpdate: {
      BindingUpdate m;
      m.sequence = body.u16();
      m.flags = static_cast<std::uint16_t>(body.u16() & kBuFlagsKnown);  // Reserved ignored
      m.lifetime_units = body.u16();
      return withOptions(std::move(m), body);
    }
    case MhType::BindingAck: {
      BindingAck m;
      m.status = static_cast<BindingAckStatus>(body.u8());
      m.flags = static_cast<std::uint8_t>(body.u8() & kBaFlagsKnown);  // Reserved ignored
      m.sequence = body.u16();
      m.lifetime_units = body.u16();
      return withOptions(std::move(m), body);
    }
    case MhType::BindingError: {
      BindingError m;
      m.status = static_cast<BindingErrorStatus>(body.u8());
      body.skip(1);  // Reserved
      m.home_address.bytes = body.array<16>();
      return withOptions(std::move(m), body);
    }
  }
  const ByteView data = body.rest();
  return MobilityMessage{UnknownMobilityMessage{type, Bytes(data.begin(), data.end())}};
}

std::size_t fixedEndOf(const MobilityMessage& message) {
  if (const auto* unknown = std::get_if<UnknownMobilityMessage>(&message)) {
    return kMhHeaderSize + unknown->data.size();
  }
  return fixedEnd(mhTypeOf(message));
}

void writeFixedPart(const MobilityMessage& message, ByteWriter& out) {
  std::visit(Overloaded{
                 [&](const BindingRefreshRequest&) { out.u16(0); },
                 [&](const HomeTestInit& m) {
                   out.u16(0);
                   out.bytes(m.home_init_cookie);
                 },
                 [&](const CareOfTestInit& m) {
                   out.u16(0);
                   out.bytes(m.care_of_init_cookie);
                 },
                 [&](const HomeTest& m) {
                   out.u16(m.home_nonce_index);
                   out.bytes(m.home_init_cookie);
                   out.bytes(m.home_keygen_token);
                 },
                 [&](const CareOfTest& m) {
                   out.u16(m.care_of_nonce_index);
                   out.bytes(m.care_of_init_cookie);
                   out.bytes(m.care_of_keygen_token);
                 },
                 [&](const BindingUpdate& m) {
                   out.u16(m.sequence);
                   out.u16(static_cast<std::uint16_t>(m.flags & kBuFlagsKnown));
                   out.u16(m.lifetime_units);
                 },
                 [&](const BindingAck& m) {
                   out.u8(static_cast<std::uint8_t>(m.status));
                   out.u8(static_cast<std::uint8_t>(m.flags & kBaFlagsKnown));
                   out.u16(m.sequence);
                   out.u16(m.lifetime_units);
                 },
                 [&](const BindingError& m) {
                   out.u8(static_cast<std::uint8_t>(m.status));
                   out.u8(0);
                   out.bytes(m.home_address.bytes);
                 },
                 [&](const UnknownMobilityMessage& m) { out.bytes(m.data); },
             },
             message);
}

std::string flagsText(unsigned flags, unsigned top_bit, std::string_view letters) {
  std::string text;
  for (std::size_t i = 0; i < letters.size(); ++i) {
    if ((flags & (top_bit >> i)) == 0) continue;
    if (!text.empty()) text += '|';
    text += letters[i];
  }
  return text;
}

}  // namespace

std::string_view mhTypeName(std::uint8_t type) {
  static constexpr std::array<std::string_view, 24> kNames = {
      "binding-refresh-request",
      "home-test-init",
      "care-of-test-init",
      "home-test",
      "care-of-test",
      "binding-update",
      "binding-ack",
      "binding-error",
      "fast-binding-update",
      "fast-binding-ack",
      "fast-neighbor-advertisement",
      "experimental",
      "home-agent-switch",
      "heartbeat",
      "handover-initiate",
      "handover-ack",
      "binding-revocation",
      "localized-routing-initiation",
      "localized-routing-ack",
      "update-notification",
      "update-notification-ack",
      "flow-binding",
      "subscription-query",
      "subscription-response",
  };
  return type < kNames.size() ? kNames[type] : "unknown";
}

std::size_t mhMinimumSize(std::uint8_t type) { return (fixedEnd(type) + 7) / 8 * 8; }

std::string buFlagsText(std::uint16_t flags) { return flagsText(flags, 0x8000, "AHLKMRPFTBSD"); }

std::string baFlagsText(std::uint8_t flags) { return flagsText(flags, 0x80, "KRPTBSD"); }

std::string_view baStatusName(BindingAckStatus status) {
  using S = BindingAckStatus;
  switch (status) {
    case S::Accepted:
      return "accepted";
    case S::AcceptedPrefixDiscoveryNecessary:
      return "accepted-prefix-discovery-necessary";
    case S::GreKeyOptionNotRequired:
      return "gre-key-option-not-required";
    case S::GreTunnelingButTlvHeaderNotSupported:
      return "gre-tunneling-but-tlv-header-not-supported";
    case S::McoaNotComplete:
      return "mcoa-not-complete";
    case S::McoaReturnHomeWithoutNdp:
      return "mcoa-return-home-without-ndp";
    case S::PbuAcceptedTbIgnoredSettingsMismatch:
      return "pbu-accepted-tb-ignored-settings-mismatch";
    case S::ReasonUnspecified:
      return "reason-unspecified";
    case S::AdministrativelyProhibited:
      return "administratively-prohibited";
    case S::InsufficientResources:
      return "insufficient-resources";
    case S::HomeRegistrationNotSupported:
      return "home-registration-not-supported";
    case S::NotHomeSubnet:
      return "not-home-subnet";
    case S::NotHomeAgentForThisMobileNode:
      return "not-home-agent-for-this-mobile-node";
    case S::DuplicateAddressDetectionFailed:
      return "duplicate-address-detection-failed";
    case S::SequenceNumberOutOfWindow:
      return "sequence-number-out-of-window";
    case S::ExpiredHomeNonceIndex:
      return "expired-home-nonce-index";
    case S::ExpiredCareOfNonceIndex:
      return "expired-care-of-nonce-index";
    case S::ExpiredNonces:
      return "expired-nonces";
    case S::RegistrationTypeChangeDisallowed:
      return "registration-type-change-disallowed";
    case S::MobileRouterOperationNotPermitted:
      return "mobile-router-operation-not-permitted";
    case S::InvalidPrefix:
      return "invalid-prefix";
    case S::NotAuthorizedForPrefix:
      return "not-authorized-for-prefix";
    case S::ForwardingSetupFailed:
      return "forwarding-setup-failed";
    case S::Mipv6IdMismatch:
      return "mipv6-id-mismatch/cannot-force-udp";
    case S::Mipv6MesgIdRequired:
      return "mipv6-mesg-id-required";
    case S::Mipv6AuthFail:
      return "mipv6-auth-fail";
    case S::PermanentHomeKeygenTokenUnavailable:
      return "permanent-home-keygen-token-unavailable";
    case S::CgaAndSignatureVerificationFailed:
      return "cga-and-signature-verification-failed";
    case S::PermanentHomeKeygenTokenExists:
      return "permanent-home-keygen-token-exists";
    case S::NonNullHomeNonceIndexExpected:
      return "non-null-home-nonce-index-expected";
    case S::ServiceAuthorizationFailed:
      return "service-authorization-failed";
    case S::ProxyRegNotEnabled:
      return "proxy-reg-not-enabled";
    case S::NotLmaForThisMobileNode:
      return "not-lma-for-this-mobile-node";
    case S::MagNotAuthorizedForProxyReg:
      return "mag-not-authorized-for-proxy-reg";
    case S::NotAuthorizedForHomeNetworkPrefix:
      return "not-authorized-for-home-network-prefix";
    case S::TimestampMismatch:
      return "timestamp-mismatch";
    case S::TimestampLowerThanPreviousAccepted:
      return "timestamp-lower-than-previous-accepted";
    case S::MissingHomeNetworkPrefixOption:
      return "missing-home-network-prefix-option";
    case S::BcePbuPrefixSetDoNotMatch:
      return "bce-pbu-prefix-set-do-not-match";
    case S::MissingMnIdentifierOption:
      return "missing-mn-identifier-option";
    case S::MissingHandoffIndicatorOption:
      return "missing-handoff-indicator-option";
    case S::MissingAccessTechTypeOption:
      return "missing-access-tech-type-option";
    case S::GreKeyOptionRequired:
      return "gre-key-option-required";
    case S::McoaMalformed:
      return "mcoa-malformed";
    case S::McoaNonMcoaBindingExists:
      return "mcoa-non-mcoa-binding-exists";
    case S::McoaProhibited:
      return "mcoa-prohibited";
    case S::McoaUnknownCoa:
      return "mcoa-unknown-coa";
    case S::McoaBulkRegistrationProhibited:
      return "mcoa-bulk-registration-prohibited";
    case S::McoaSimultaneousHomeAndForeignProhibited:
      return "mcoa-simultaneous-home-and-foreign-prohibited";
    case S::NotAuthorizedForIpv4MobilityService:
      return "not-authorized-for-ipv4-mobility-service";
    case S::NotAuthorizedForIpv4HomeAddress:
      return "not-authorized-for-ipv4-home-address";
    case S::NotAuthorizedForIpv6MobilityService:
      return "not-authorized-for-ipv6-mobility-service";
    case S::MultipleIpv4HomeAddressAssignmentNotSupported:
      return "multiple-ipv4-home-address-assignment-not-supported";
    case S::InvalidCareOfAddress:
      return "invalid-care-of-address";
    case S::InvalidMobileNodeGroupIdentifier:
      return "invalid-mobile-node-group-identifier";
    case S::ReinitSaWithHac:
      return "reinit-sa-with-hac";
    case S::NotAuthorizedForDelegatedMnp:
      return "not-authorized-for-delegated-mnp";
    case S::RequestedDmnpInUse:
      return "requested-dmnp-in-use";
    case S::CannotMeetQosServiceRequest:
      return "cannot-meet-qos-service-request";
    case S::CannotSupportMultipathBinding:
      return "cannot-support-multipath-binding";
  }
  return isAccepted(status) ? "unassigned-accepted" : "unassigned-rejected";
}

std::string_view bindingErrorStatusName(BindingErrorStatus status) {
  switch (status) {
    case BindingErrorStatus::UnknownBindingForHomeAddress:
      return "unknown-binding-for-home-address";
    case BindingErrorStatus::UnrecognizedMhType:
      return "unrecognized-mh-type";
  }
  return "unassigned";
}

std::uint8_t mhTypeOf(const MobilityMessage& message) {
  return std::visit(Overloaded{
                        [](const UnknownMobilityMessage& m) { return m.mh_type; },
                        [](const auto& m) { return typeNumber(m.kType); },
                    },
                    message);
}

const MobilityOptions* optionsOf(const MobilityMessage& message) {
  return std::visit(
      Overloaded{
          [](const UnknownMobilityMessage&) -> const MobilityOptions* { return nullptr; },
          [](const auto& m) -> const MobilityOptions* { return &m.options; },
      },
      message);
}

Result<MobilityMessage> decodeMobilityHeader(ByteView mh) {
  // The smallest MH is 8 octets (Header Len 0).
  if (mh.size() < 8) {
    return parseError(ErrorCode::Truncated, "mobility header shorter than 8 octets", 0);
  }
  ByteReader in{mh};
  const std::uint8_t payload_proto = in.u8();
  const std::uint8_t header_len = in.u8();
  const std::uint8_t type = in.u8();
  if (payload_proto != kMhPayloadProtoNone) {
    return parseError(ErrorCode::BadValue, "mobility header payload proto is not 59",
                      kMhPayloadProtoOffset);
  }
  const std::size_t total = (std::size_t{header_len} + 1) * 8;
  if (total < mhMinimumSize(type)) {
    return parseError(ErrorCode::BadLength, "mobility header length below the type's minimum",
                      kMhHeaderLenOffset);
  }
  if (total > mh.size()) {
    return parseError(ErrorCode::Truncated, "mobility header length runs past the packet",
                      kMhHeaderLenOffset);
  }
  // Reserved (offset 3) is ignored; the checksum (offset 4) is verifyMobilityChecksum()'s job.
  ByteReader body{mh.subspan(kMhHeaderSize, total - kMhHeaderSize), kMhHeaderSize};
  return decodeBody(type, body);
}

std::uint16_t computeMobilityChecksum(const Ipv6Address& src, const Ipv6Address& dst, ByteView mh) {
  // Pseudo-header (RFC 8200 §8.1) then the MH with its checksum field counted as zero.
  ChecksumAccumulator acc;
  acc.add(src.bytes);
  acc.add(dst.bytes);
  acc.addU32(static_cast<std::uint32_t>(mh.size()));
  acc.addU16(kMhProtocol);
  acc.add(mh.first(std::min(mh.size(), kMhChecksumOffset)));
  if (mh.size() > kMhChecksumOffset + 2) acc.add(mh.subspan(kMhChecksumOffset + 2));
  return acc.finish();
}

bool verifyMobilityChecksum(const Ipv6Address& src, const Ipv6Address& dst, ByteView mh) {
  if (mh.size() < 8) return false;
  const std::size_t total = (std::size_t{mh[kMhHeaderLenOffset]} + 1) * 8;
  if (total > mh.size()) return false;
  return ipv6PseudoChecksumValid(src, dst, kMhProtocol, mh.first(total));
}

Result<std::size_t> encodedSize(const MobilityMessage& message) {
  std::size_t size = 0;
  if (const auto* unknown = std::get_if<UnknownMobilityMessage>(&message)) {
    if (unknown->mh_type <= typeNumber(MhType::BindingError)) {
      return encodeError(ErrorCode::InvalidArgument, "unknown mobility message uses a known type");
    }
    size = kMhHeaderSize + unknown->data.size();
    if (size % 8 != 0) {
      return encodeError(ErrorCode::InvalidArgument,
                         "unknown mobility message data does not make 8n octets");
    }
  } else {
    const std::size_t fixed_end = fixedEndOf(message);
    auto options = mobilityOptionsSize(*optionsOf(message), fixed_end);
    if (!options) return Unexpected{std::move(options).error()};
    size = fixed_end + *options;
  }
  if (size > kMhMaxSize) {
    return encodeError(ErrorCode::BadLength, "mobility header longer than 2048 octets");
  }
  return size;
}

Status encodeMobilityHeader(const MobilityMessage& message, const Ipv6Address& checksum_src,
                            const Ipv6Address& checksum_dst, ByteWriter& out) {
  auto size = encodedSize(message);
  if (!size) return Unexpected{std::move(size).error()};
  if (out.capacity() - out.size() < *size) {
    return encodeError(ErrorCode::NoSpace, "mobility header does not fit");
  }
  const std::size_t start = out.size();
  out.u8(kMhPayloadProtoNone);
  out.u8(static_cast<std::uint8_t>(*size / 8 - 1));
  out.u8(mhTypeOf(message));
  out.u8(0);   // Reserved
  out.u16(0);  // Checksum, filled in below
  writeFixedPart(message, out);
  if (const MobilityOptions* options = optionsOf(message)) {
    if (auto ok = encodeMobilityOptions(*options, fixedEndOf(message), out); !ok) return ok;
  }
  if (!out.ok()) return encodeError(ErrorCode::NoSpace, "mobility header does not fit");
  const ByteView written = out.written().subspan(start);
  DSMIP_ASSERT(written.size() == *size);
  out.patchU16(start + kMhChecksumOffset,
               computeMobilityChecksum(checksum_src, checksum_dst, written));
  return {};
}

Status encodeMobilityHeader(const MobilityMessage& message, const Ipv6Address& checksum_src,
                            const Ipv6Address& checksum_dst, PacketBuffer& packet) {
  auto size = encodedSize(message);
  if (!size) return Unexpected{std::move(size).error()};
  if (packet.tailroom() < *size) {
    return encodeError(ErrorCode::NoSpace, "mobility header does not fit");
  }
  ByteWriter out{packet.tailSpace().first(*size)};
  if (auto ok = encodeMobilityHeader(message, checksum_src, checksum_dst, out); !ok) return ok;
  const MutableByteView appended = packet.append(*size);
  DSMIP_CHECK(appended.size() == *size);
  return {};
}

Result<Bytes> encodeMobilityHeader(const MobilityMessage& message, const Ipv6Address& checksum_src,
                                   const Ipv6Address& checksum_dst) {
  auto size = encodedSize(message);
  if (!size) return Unexpected{std::move(size).error()};
  Bytes bytes(*size);
  ByteWriter out{bytes};
  if (auto ok = encodeMobilityHeader(message, checksum_src, checksum_dst, out); !ok) {
    return Unexpected{std::move(ok).error()};
  }
  return bytes;
}

}  // namespace dsmip::wire
