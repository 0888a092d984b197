// Mobile IPv4 registration messages, tunnel data header and extensions (RFC 5944, RFC 3519,
// RFC 5454). See mipv4.hpp for the extension-handling rules.
#include "wire/mipv4.hpp"

#include <algorithm>
#include <type_traits>

namespace dsmip::wire {
namespace {

// RFC 5944 §3.5.2: Length = SPI (4) + authenticator.
constexpr std::size_t kAuthSpiSize = 4;
constexpr std::size_t kMaxAuthenticatorSize = 255 - kAuthSpiSize;
// RFC 3519 §3.1, §3.2: both UDP tunnel extensions have Length 6.
constexpr std::uint8_t kUdpTunnelExtensionLength = 6;
constexpr std::uint8_t kUdpTunnelSubType = 0;
constexpr std::uint8_t kUdpTunnelRequestForceFlag = 0x80;  // octet 4
constexpr std::uint8_t kUdpTunnelRequestFaFlag = 0x40;     // octet 4
constexpr std::uint8_t kUdpTunnelRequestReserved2Mask = 0x3F;
constexpr std::uint16_t kUdpTunnelReplyForceFlag = 0x8000;  // octets 4–5
// RFC 5454 §2.1–§2.3: Length of each DSMIPv4 sub-type (Sub-Type octet included).
constexpr std::uint8_t kPrefixRequestLength = 18;
constexpr std::uint8_t kPrefixReplyLength = 20;
constexpr std::uint8_t kTunnelingModeLength = 2;
// RFC 5944 §3.3: request flag bits in octet 1.
constexpr std::uint8_t kFlagS = 0x80;
constexpr std::uint8_t kFlagB = 0x40;
constexpr std::uint8_t kFlagD = 0x20;
constexpr std::uint8_t kFlagM = 0x10;
constexpr std::uint8_t kFlagG = 0x08;
constexpr std::uint8_t kFlagR = 0x04;
constexpr std::uint8_t kFlagT = 0x02;
constexpr std::uint8_t kFlagX = 0x01;

template <typename... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

constexpr std::uint8_t typeOctet(Mipv4ExtensionType t) { return static_cast<std::uint8_t>(t); }

Status noSpace(const ByteWriter& out) {
  if (out.ok()) return {};
  return Unexpected{
      Error{ErrorCode::NoSpace, "mobile ipv4 message does not fit the buffer", out.size(), 0, {}}};
}

Mipv4UnknownExtension skipped(std::uint8_t type, ByteView body, Mipv4SkipReason reason) {
  return Mipv4UnknownExtension{type, Bytes(body.begin(), body.end()), reason};
}

template <typename Auth>
Result<Mipv4Extension> decodeAuth(ByteView body, std::size_t at) {
  if (body.size() < kAuthSpiSize) {
    return parseError(ErrorCode::BadLength, "authentication extension shorter than its SPI", at);
  }
  ByteReader in{body};
  Auth auth;
  auth.spi = in.u32();
  const ByteView authenticator = in.rest();
  auth.authenticator.assign(authenticator.begin(), authenticator.end());
  return Mipv4Extension{std::move(auth)};
}

// RFC 3519 §3.2. Not skippable: an unknown sub-type is not understood, so the message is invalid.
Result<Mipv4Extension> decodeUdpTunnelReply(ByteView body, std::size_t at) {
  if (body.empty()) {
    return parseError(ErrorCode::BadLength, "udp tunnel reply without sub-type", at);
  }
  if (body[0] != kUdpTunnelSubType) {
    return parseError(ErrorCode::UnknownType, "udp tunnel reply sub-type not understood", at);
  }
  if (body.size() != kUdpTunnelExtensionLength) {
    return parseError(ErrorCode::BadLength, "udp tunnel reply length is not 6", at);
  }
  ByteReader in{body};
  in.skip(1);  // sub-type
  UdpTunnelReplyExtension reply;
  reply.reply_code = static_cast<UdpTunnelReplyCode>(in.u8());
  reply.force = (in.u16() & kUdpTunnelReplyForceFlag) != 0;  // reserved 15 bits ignored
  reply.keepalive_interval = in.u16();
  return Mipv4Extension{reply};
}

// RFC 3519 §3.1. Skippable: unknown sub-type or non-zero Reserved 3 → skipped (D9).
Result<Mipv4Extension> decodeUdpTunnelRequest(ByteView body, std::size_t at) {
  constexpr auto kType = typeOctet(Mipv4ExtensionType::UdpTunnelRequest);
  if (body.empty()) {
    return parseError(ErrorCode::BadLength, "udp tunnel request without sub-type", at);
  }
  if (body[0] != kUdpTunnelSubType) {
    return Mipv4Extension{skipped(kType, body, Mipv4SkipReason::UnknownSubType)};
  }
  if (body.size() != kUdpTunnelExtensionLength) {
    return parseError(ErrorCode::BadLength, "udp tunnel request length is not 6", at);
  }
  ByteReader in{body};
  in.skip(1);  // sub-type
  UdpTunnelRequestExtension request;
  request.reserved1 = in.u8();
  const std::uint8_t flags = in.u8();
  request.encapsulation = in.u8();
  const std::uint16_t reserved3 = in.u16();
  if (reserved3 != 0) {
    return Mipv4Extension{skipped(kType, body, Mipv4SkipReason::NonZeroReserved)};
  }
  request.force = (flags & kUdpTunnelRequestForceFlag) != 0;
  request.registered_through_fa = (flags & kUdpTunnelRequestFaFlag) != 0;
  request.reserved2 = flags & kUdpTunnelRequestReserved2Mask;
  return Mipv4Extension{request};
}

// RFC 5454 §2. Skippable short format; unknown sub-types are skipped (see mipv4.hpp).
Result<Mipv4Extension> decodeDsmipv4(ByteView body, std::size_t at) {
  if (body.empty()) {
    return parseError(ErrorCode::BadLength, "dsmipv4 extension without sub-type", at);
  }
  ByteReader in{body};
  const auto sub_type = static_cast<Dsmipv4SubType>(in.u8());
  switch (sub_type) {
    case Dsmipv4SubType::Ipv6PrefixRequest: {
      if (body.size() != kPrefixRequestLength) {
        return parseError(ErrorCode::BadLength, "ipv6 prefix request length is not 18", at);
      }
      Ipv6PrefixRequestExtension request;
      request.prefix_length = in.u8();
      request.prefix.bytes = in.array<16>();
      return Mipv4Extension{request};
    }
    case Dsmipv4SubType::Ipv6PrefixReply: {
      if (body.size() != kPrefixReplyLength) {
        return parseError(ErrorCode::BadLength, "ipv6 prefix reply length is not 20", at);
      }
      Ipv6PrefixReplyExtension reply;
      reply.code = static_cast<Ipv6PrefixReplyCode>(in.u8());
      reply.prefix_length = in.u8();
      in.skip(1);  // reserved
      reply.prefix.bytes = in.array<16>();
      return Mipv4Extension{reply};
    }
    case Dsmipv4SubType::Ipv6TunnelingMode:
      if (body.size() != kTunnelingModeLength) {
        return parseError(ErrorCode::BadLength, "ipv6 tunneling mode length is not 2", at);
      }
      return Mipv4Extension{Ipv6TunnelingModeExtension{}};
  }
  return Mipv4Extension{
      skipped(typeOctet(Mipv4ExtensionType::Dsmipv4), body, Mipv4SkipReason::UnknownSubType)};
}

bool isUnderstoodNonSkippable(std::uint8_t type) {
  switch (static_cast<Mipv4ExtensionType>(type)) {
    case Mipv4ExtensionType::OneBytePadding:
    case Mipv4ExtensionType::MobileHomeAuth:
    case Mipv4ExtensionType::MobileForeignAuth:
    case Mipv4ExtensionType::ForeignHomeAuth:
    case Mipv4ExtensionType::UdpTunnelReply:
      return true;
    default:
      return false;
  }
}

// --- encoding ---------------------------------------------------------------------------------

template <Mipv4ExtensionType kType>
Status encodeAuth(const Mipv4AuthExtension<kType>& auth, ByteWriter& out) {
  if (auth.authenticator.size() > kMaxAuthenticatorSize) {
    return makeError(ErrorCode::InvalidArgument,
                     "authenticator longer than 251 octets does not fit an extension");
  }
  out.u8(typeOctet(kType));
  out.u8(static_cast<std::uint8_t>(kAuthSpiSize + auth.authenticator.size()));
  out.u32(auth.spi);
  out.bytes(auth.authenticator);
  return noSpace(out);
}

void encodeUdpTunnelRequest(const UdpTunnelRequestExtension& r, ByteWriter& out) {
  out.u8(typeOctet(Mipv4ExtensionType::UdpTunnelRequest));
  out.u8(kUdpTunnelExtensionLength);
  out.u8(kUdpTunnelSubType);
  out.u8(r.reserved1);
  out.u8(static_cast<std::uint8_t>((r.force ? kUdpTunnelRequestForceFlag : 0) |
                                   (r.registered_through_fa ? kUdpTunnelRequestFaFlag : 0) |
                                   (r.reserved2 & kUdpTunnelRequestReserved2Mask)));
  out.u8(r.encapsulation);
  out.u16(0);  // Reserved 3 MUST be 0
}

void encodeUdpTunnelReply(const UdpTunnelReplyExtension& r, ByteWriter& out) {
  out.u8(typeOctet(Mipv4ExtensionType::UdpTunnelReply));
  out.u8(kUdpTunnelExtensionLength);
  out.u8(kUdpTunnelSubType);
  out.u8(static_cast<std::uint8_t>(r.reply_code));
  out.u16(r.force ? kUdpTunnelReplyForceFlag : 0);
  out.u16(r.keepalive_interval);
}

void encodePrefixRequest(const Ipv6PrefixRequestExtension& r, ByteWriter& out) {
  out.u8(typeOctet(Mipv4ExtensionType::Dsmipv4));
  out.u8(kPrefixRequestLength);
  out.u8(static_cast<std::uint8_t>(Dsmipv4SubType::Ipv6PrefixRequest));
  out.u8(r.prefix_length);
  out.bytes(r.prefix.bytes);
}

void encodePrefixReply(const Ipv6PrefixReplyExtension& r, ByteWriter& out) {
  out.u8(typeOctet(Mipv4ExtensionType::Dsmipv4));
  out.u8(kPrefixReplyLength);
  out.u8(static_cast<std::uint8_t>(Dsmipv4SubType::Ipv6PrefixReply));
  out.u8(static_cast<std::uint8_t>(r.code));
  out.u8(r.prefix_length);
  out.u8(0);  // reserved
  out.bytes(r.prefix.bytes);
}

void encodeTunnelingMode(ByteWriter& out) {
  out.u8(typeOctet(Mipv4ExtensionType::Dsmipv4));
  out.u8(kTunnelingModeLength);
  out.u8(static_cast<std::uint8_t>(Dsmipv4SubType::Ipv6TunnelingMode));
  out.u8(0);  // reserved
}

Status encodeUnknown(const Mipv4UnknownExtension& u, ByteWriter& out) {
  if (u.type == typeOctet(Mipv4ExtensionType::OneBytePadding)) {
    return makeError(ErrorCode::InvalidArgument, "extension type 0 is one-byte padding");
  }
  if (u.data.size() > 255) {
    return makeError(ErrorCode::InvalidArgument,
                     "extension data longer than 255 octets does not fit an 8-bit length");
  }
  out.u8(u.type);
  out.u8(static_cast<std::uint8_t>(u.data.size()));
  out.bytes(u.data);
  return noSpace(out);
}

std::optional<Ipv6Prefix> normalise(std::uint8_t length, const Ipv6Address& prefix) {
  if (length == kDsmipv4LinkLocalPrefixLength) return Ipv6Prefix{prefix, 128};
  if (length > 128) return std::nullopt;
  return Ipv6Prefix{prefix, length}.normalised();
}

}  // namespace

// --- extensions -------------------------------------------------------------------------------

std::optional<Ipv6Prefix> Ipv6PrefixRequestExtension::normalisedPrefix() const {
  return normalise(prefix_length, prefix);
}
std::optional<Ipv6Prefix> Ipv6PrefixReplyExtension::normalisedPrefix() const {
  return normalise(prefix_length, prefix);
}

std::uint8_t mipv4ExtensionType(const Mipv4Extension& extension) {
  return std::visit(
      Overloaded{
          [](const MobileHomeAuthExtension&) {
            return typeOctet(Mipv4ExtensionType::MobileHomeAuth);
          },
          [](const MobileForeignAuthExtension&) {
            return typeOctet(Mipv4ExtensionType::MobileForeignAuth);
          },
          [](const ForeignHomeAuthExtension&) {
            return typeOctet(Mipv4ExtensionType::ForeignHomeAuth);
          },
          [](const UdpTunnelRequestExtension&) {
            return typeOctet(Mipv4ExtensionType::UdpTunnelRequest);
          },
          [](const UdpTunnelReplyExtension&) {
            return typeOctet(Mipv4ExtensionType::UdpTunnelReply);
          },
          [](const Ipv6PrefixRequestExtension&) { return typeOctet(Mipv4ExtensionType::Dsmipv4); },
          [](const Ipv6PrefixReplyExtension&) { return typeOctet(Mipv4ExtensionType::Dsmipv4); },
          [](const Ipv6TunnelingModeExtension&) { return typeOctet(Mipv4ExtensionType::Dsmipv4); },
          [](const Mipv4UnknownExtension& u) { return u.type; },
      },
      extension);
}

Result<std::vector<Mipv4Extension>> decodeMipv4Extensions(ByteView data, std::size_t base_offset,
                                                          Mipv4AuthLocation* auth) {
  std::vector<Mipv4Extension> extensions;
  Mipv4AuthLocation location;
  ByteReader in{data, base_offset};
  while (!in.atEnd()) {
    const std::size_t at = in.offset();
    const std::uint8_t type = in.u8();
    if (type == typeOctet(Mipv4ExtensionType::OneBytePadding)) continue;  // no Length octet
    // RFC 5944 §1.8: a non-skippable type we do not understand invalidates the message,
    // whatever its format (it may be the long format, whose octet 1 is not a length).
    if (!isSkippableExtensionType(type) && !isUnderstoodNonSkippable(type)) {
      return parseError(ErrorCode::UnknownType, "non-skippable extension not understood", at);
    }
    if (in.atEnd()) {
      return parseError(ErrorCode::Truncated, "extension without its length octet", at);
    }
    const std::uint8_t length = in.u8();
    const ByteView body = in.bytes(length);
    if (!in.ok()) {
      return parseError(ErrorCode::Truncated, "extension runs past the end of the message", at);
    }

    Result<Mipv4Extension> decoded = Mipv4Extension{};
    switch (static_cast<Mipv4ExtensionType>(type)) {
      case Mipv4ExtensionType::MobileHomeAuth:
        decoded = decodeAuth<MobileHomeAuthExtension>(body, at);
        if (decoded) {
          ++location.mobile_home_auth_count;
          if (location.mobile_home_auth_count == 1) {
            location.first_offset = at;
            location.authenticated_length = at + 2 + kAuthSpiSize;
            location.authenticator_length = body.size() - kAuthSpiSize;
            location.spi = std::get<MobileHomeAuthExtension>(*decoded).spi;
          } else if (location.mobile_home_auth_count == 2) {
            location.second_offset = at;
          }
        }
        break;
      case Mipv4ExtensionType::MobileForeignAuth:
        decoded = decodeAuth<MobileForeignAuthExtension>(body, at);
        if (location.mobile_home_auth_count == 0) location.other_auth_before = true;
        break;
      case Mipv4ExtensionType::ForeignHomeAuth:
        decoded = decodeAuth<ForeignHomeAuthExtension>(body, at);
        if (location.mobile_home_auth_count == 0) location.other_auth_before = true;
        break;
      case Mipv4ExtensionType::UdpTunnelReply:
        decoded = decodeUdpTunnelReply(body, at);
        break;
      case Mipv4ExtensionType::UdpTunnelRequest:
        decoded = decodeUdpTunnelRequest(body, at);
        break;
      case Mipv4ExtensionType::Dsmipv4:
        decoded = decodeDsmipv4(body, at);
        break;
      default:
        decoded = Mipv4Extension{skipped(type, body, Mipv4SkipReason::UnknownType)};
        break;
    }
    if (!decoded) return Unexpected{std::move(decoded).error()};
    extensions.push_back(std::move(*decoded));
  }
  if (auth != nullptr) *auth = location;
  return extensions;
}

Status encodeMipv4Extension(const Mipv4Extension& extension, ByteWriter& out) {
  return std::visit(Overloaded{
                        [&](const MobileHomeAuthExtension& e) { return encodeAuth(e, out); },
                        [&](const MobileForeignAuthExtension& e) { return encodeAuth(e, out); },
                        [&](const ForeignHomeAuthExtension& e) { return encodeAuth(e, out); },
                        [&](const UdpTunnelRequestExtension& e) {
                          encodeUdpTunnelRequest(e, out);
                          return noSpace(out);
                        },
                        [&](const UdpTunnelReplyExtension& e) {
                          encodeUdpTunnelReply(e, out);
                          return noSpace(out);
                        },
                        [&](const Ipv6PrefixRequestExtension& e) {
                          encodePrefixRequest(e, out);
                          return noSpace(out);
                        },
                        [&](const Ipv6PrefixReplyExtension& e) {
                          encodePrefixReply(e, out);
                          return noSpace(out);
                        },
                        [&](const Ipv6TunnelingModeExtension&) {
                          encodeTunnelingMode(out);
                          return noSpace(out);
                        },
                        [&](const Mipv4UnknownExtension& e) { return encodeUnknown(e, out); },
                    },
                    extension);
}

Status encodeMipv4Extensions(std::span<const Mipv4Extension> extensions, ByteWriter& out) {
  for (const auto& e : extensions) {
    if (auto s = encodeMipv4Extension(e, out); !s) return s;
  }
  return {};
}

std::size_t mipv4ExtensionSize(const Mipv4Extension& extension) {
  return std::visit(
      Overloaded{
          [](const MobileHomeAuthExtension& e) {
            return 2 + kAuthSpiSize + e.authenticator.size();
          },
          [](const MobileForeignAuthExtension& e) {
            return 2 + kAuthSpiSize + e.authenticator.size();
          },
          [](const ForeignHomeAuthExtension& e) {
            return 2 + kAuthSpiSize + e.authenticator.size();
          },
          [](const UdpTunnelRequestExtension&) {
            return std::size_t{2} + kUdpTunnelExtensionLength;
          },
          [](const UdpTunnelReplyExtension&) { return std::size_t{2} + kUdpTunnelExtensionLength; },
          [](const Ipv6PrefixRequestExtension&) { return std::size_t{2} + kPrefixRequestLength; },
          [](const Ipv6PrefixReplyExtension&) { return std::size_t{2} + kPrefixReplyLength; },
          [](const Ipv6TunnelingModeExtension&) { return std::size_t{2} + kTunnelingModeLength; },
          [](const Mipv4UnknownExtension& e) { return 2 + e.data.size(); },
      },
      extension);
}

// --- messages ---------------------------------------------------------------------------------

std::uint8_t RegistrationFlags::toOctet() const {
  return static_cast<std::uint8_t>((simultaneous_bindings ? kFlagS : 0) | (broadcast ? kFlagB : 0) |
                                   (decapsulation_by_mobile_node ? kFlagD : 0) |
                                   (minimal_encapsulation ? kFlagM : 0) |
                                   (gre_encapsulation ? kFlagG : 0) | (reserved_r ? kFlagR : 0) |
                                   (reverse_tunneling ? kFlagT : 0) | (reserved_x ? kFlagX : 0));
}

RegistrationFlags RegistrationFlags::fromOctet(std::uint8_t octet) {
  RegistrationFlags f;
  f.simultaneous_bindings = (octet & kFlagS) != 0;
  f.broadcast = (octet & kFlagB) != 0;
  f.decapsulation_by_mobile_node = (octet & kFlagD) != 0;
  f.minimal_encapsulation = (octet & kFlagM) != 0;
  f.gre_encapsulation = (octet & kFlagG) != 0;
  f.reserved_r = (octet & kFlagR) != 0;
  f.reverse_tunneling = (octet & kFlagT) != 0;
  f.reserved_x = (octet & kFlagX) != 0;
  return f;
}

bool operator==(const TunnelData& a, const TunnelData& b) {
  return a.next_header == b.next_header && std::ranges::equal(a.packet, b.packet);
}

Result<RegistrationRequest> decodeRegistrationRequest(ByteView payload, Mipv4AuthLocation* auth) {
  if (payload.empty()) {
    return parseError(ErrorCode::Truncated, "empty mobile ipv4 message", 0);
  }
  if (payload[0] != static_cast<std::uint8_t>(Mipv4MessageType::RegistrationRequest)) {
    return parseError(ErrorCode::BadValue, "type is not registration request (1)", 0);
  }
  if (payload.size() < kRegistrationRequestFixedSize) {
    return parseError(ErrorCode::Truncated, "registration request shorter than 24 octets",
                      payload.size());
  }
  ByteReader in{payload};
  in.skip(1);  // type
  RegistrationRequest request;
  request.flags = RegistrationFlags::fromOctet(in.u8());
  request.lifetime = in.u16();
  request.home_address = Ipv4Address::fromU32(in.u32());
  request.home_agent = Ipv4Address::fromU32(in.u32());
  request.care_of_address = Ipv4Address::fromU32(in.u32());
  request.identification = in.u64();
  auto extensions = decodeMipv4Extensions(in.rest(), kRegistrationRequestFixedSize, auth);
  if (!extensions) return Unexpected{std::move(extensions).error()};
  request.extensions = std::move(*extensions);
  return request;
}

Status encodeRegistrationRequestFixed(const RegistrationRequest& request, ByteWriter& out) {
  out.u8(static_cast<std::uint8_t>(Mipv4MessageType::RegistrationRequest));
  out.u8(request.flags.toOctet());
  out.u16(request.lifetime);
  out.u32(request.home_address.toU32());
  out.u32(request.home_agent.toU32());
  out.u32(request.care_of_address.toU32());
  out.u64(request.identification);
  return noSpace(out);
}

Status encodeRegistrationRequest(const RegistrationRequest& request, ByteWriter& out) {
  if (auto s = encodeRegistrationRequestFixed(request, out); !s) return s;
  return encodeMipv4Extensions(request.extensions, out);
}

std::size_t registrationRequestSize(const RegistrationRequest& request) {
  std::size_t n = kRegistrationRequestFixedSize;
  for (const auto& e : request.extensions) n += mipv4ExtensionSize(e);
  return n;
}

Result<RegistrationReply> decodeRegistrationReply(ByteView payload, Mipv4AuthLocation* auth) {
  if (payload.empty()) {
    return parseError(ErrorCode::Truncated, "empty mobile ipv4 message", 0);
  }
  if (payload[0] != static_cast<std::uint8_t>(Mipv4MessageType::RegistrationReply)) {
    return parseError(ErrorCode::BadValue, "type is not registration reply (3)", 0);
  }
  if (payload.size() < kRegistrationReplyFixedSize) {
    return parseError(ErrorCode::Truncated, "registration reply shorter than 20 octets",
                      payload.size());
  }
  ByteReader in{payload};
  in.skip(1);  // type
  RegistrationReply reply;
  reply.code = static_cast<RegistrationReplyCode>(in.u8());
  reply.lifetime = in.u16();
  reply.home_address = Ipv4Address::fromU32(in.u32());
  reply.home_agent = Ipv4Address::fromU32(in.u32());
  reply.identification = in.u64();
  auto extensions = decodeMipv4Extensions(in.rest(), kRegistrationReplyFixedSize, auth);
  if (!extensions) return Unexpected{std::move(extensions).error()};
  reply.extensions = std::move(*extensions);
  return reply;
}

Status encodeRegistrationReplyFixed(const RegistrationReply& reply, ByteWriter& out) {
  out.u8(static_cast<std::uint8_t>(Mipv4MessageType::RegistrationReply));
  out.u8(static_cast<std::uint8_t>(reply.code));
  out.u16(reply.lifetime);
  out.u32(reply.home_address.toU32());
  out.u32(reply.home_agent.toU32());
  out.u64(reply.identification);
  return noSpace(out);
}

Status encodeRegistrationReply(const RegistrationReply& reply, ByteWriter& out) {
  if (auto s = encodeRegistrationReplyFixed(reply, out); !s) return s;
  return encodeMipv4Extensions(reply.extensions, out);
}

std::size_t registrationReplySize(const RegistrationReply& reply) {
  std::size_t n = kRegistrationReplyFixedSize;
  for (const auto& e : reply.extensions) n += mipv4ExtensionSize(e);
  return n;
}

Result<TunnelData> decodeTunnelData(ByteView payload) {
  if (payload.empty()) {
    return parseError(ErrorCode::Truncated, "empty mobile ipv4 message", 0);
  }
  if (payload[0] != static_cast<std::uint8_t>(Mipv4MessageType::TunnelData)) {
    return parseError(ErrorCode::BadValue, "type is not tunnel data (4)", 0);
  }
  if (payload.size() < kTunnelDataHeaderSize) {
    return parseError(ErrorCode::Truncated, "tunnel data shorter than its 4-octet header",
                      payload.size());
  }
  // Reserved (octets 2–3) is ignored on receipt (RFC 3519 §3.3).
  return TunnelData{payload[1], payload.subspan(kTunnelDataHeaderSize)};
}

Status encodeTunnelData(const TunnelData& message, ByteWriter& out) {
  out.u8(static_cast<std::uint8_t>(Mipv4MessageType::TunnelData));
  out.u8(message.next_header);
  out.u16(0);  // reserved
  out.bytes(message.packet);
  return noSpace(out);
}

Status prependTunnelData(PacketBuffer& buffer, std::uint8_t next_header) {
  const MutableByteView header = buffer.prepend(kTunnelDataHeaderSize);
  if (header.empty()) {
    return makeError(ErrorCode::NoSpace, "no headroom for the tunnel data header");
  }
  header[0] = static_cast<std::uint8_t>(Mipv4MessageType::TunnelData);
  header[1] = next_header;
  header[2] = 0;
  header[3] = 0;
  return {};
}

Result<Mipv4Message> decodeMipv4Message(ByteView payload, Mipv4AuthLocation* auth) {
  if (payload.empty()) {
    return parseError(ErrorCode::Truncated, "empty mobile ipv4 message", 0);
  }
  switch (static_cast<Mipv4MessageType>(payload[0])) {
    case Mipv4MessageType::RegistrationRequest: {
      auto r = decodeRegistrationRequest(payload, auth);
      if (!r) return Unexpected{std::move(r).error()};
      return Mipv4Message{std::move(*r)};
    }
    case Mipv4MessageType::RegistrationReply: {
      auto r = decodeRegistrationReply(payload, auth);
      if (!r) return Unexpected{std::move(r).error()};
      return Mipv4Message{std::move(*r)};
    }
    case Mipv4MessageType::TunnelData: {
      auto r = decodeTunnelData(payload);
      if (!r) return Unexpected{std::move(r).error()};
      if (auth != nullptr) *auth = {};
      return Mipv4Message{*r};
    }
  }
  return parseError(ErrorCode::UnknownType, "mobile ipv4 message type not understood", 0);
}

Status encodeMipv4Message(const Mipv4Message& message, ByteWriter& out) {
  return std::visit(
      Overloaded{
          [&](const RegistrationRequest& m) { return encodeRegistrationRequest(m, out); },
          [&](const RegistrationReply& m) { return encodeRegistrationReply(m, out); },
          [&](const TunnelData& m) { return encodeTunnelData(m, out); },
      },
      message);
}

// --- names ------------------------------------------------------------------------------------

std::string_view mipv4MessageTypeName(std::uint8_t type) {
  switch (static_cast<Mipv4MessageType>(type)) {
    case Mipv4MessageType::RegistrationRequest:
      return "registration-request";
    case Mipv4MessageType::RegistrationReply:
      return "registration-reply";
    case Mipv4MessageType::TunnelData:
      return "tunnel-data";
  }
  return "unknown";
}

std::string_view registrationReplyCodeName(RegistrationReplyCode code) {
  using C = RegistrationReplyCode;
  switch (code) {
    case C::Accepted:
      return "accepted";
    case C::AcceptedNoSimultaneousBindings:
      return "accepted-no-simultaneous-bindings";
    case C::FaReasonUnspecified:
      return "fa-reason-unspecified";
    case C::FaAdministrativelyProhibited:
      return "fa-administratively-prohibited";
    case C::FaInsufficientResources:
      return "fa-insufficient-resources";
    case C::FaMobileNodeFailedAuthentication:
      return "fa-mobile-node-failed-authentication";
    case C::FaHomeAgentFailedAuthentication:
      return "fa-home-agent-failed-authentication";
    case C::FaLifetimeTooLong:
      return "fa-lifetime-too-long";
    case C::FaPoorlyFormedRequest:
      return "fa-poorly-formed-request";
    case C::FaPoorlyFormedReply:
      return "fa-poorly-formed-reply";
    case C::FaEncapsulationUnavailable:
      return "fa-encapsulation-unavailable";
    case C::FaReservedAndUnavailable:
      return "fa-reserved-and-unavailable";
    case C::FaReverseTunnelUnavailable:
      return "fa-reverse-tunnel-unavailable";
    case C::FaReverseTunnelMandatory:
      return "fa-reverse-tunnel-mandatory";
    case C::FaMobileNodeTooDistant:
      return "fa-mobile-node-too-distant";
    case C::FaInvalidCareOfAddress:
      return "fa-invalid-care-of-address";
    case C::FaRegistrationTimeout:
      return "fa-registration-timeout";
    case C::FaDeliveryStyleNotSupported:
      return "fa-delivery-style-not-supported";
    case C::FaHomeNetworkUnreachable:
      return "fa-home-network-unreachable";
    case C::FaHomeAgentHostUnreachable:
      return "fa-home-agent-host-unreachable";
    case C::FaHomeAgentPortUnreachable:
      return "fa-home-agent-port-unreachable";
    case C::FaHomeAgentUnreachable:
      return "fa-home-agent-unreachable";
    case C::HaReasonUnspecified:
      return "ha-reason-unspecified";
    case C::HaAdministrativelyProhibited:
      return "ha-administratively-prohibited";
    case C::HaInsufficientResources:
      return "ha-insufficient-resources";
    case C::HaMobileNodeFailedAuthentication:
      return "ha-mobile-node-failed-authentication";
    case C::HaForeignAgentFailedAuthentication:
      return "ha-foreign-agent-failed-authentication";
    case C::HaIdentificationMismatch:
      return "ha-identification-mismatch";
    case C::HaPoorlyFormedRequest:
      return "ha-poorly-formed-request";
    case C::HaTooManySimultaneousBindings:
      return "ha-too-many-simultaneous-bindings";
    case C::HaUnknownHomeAgentAddress:
      return "ha-unknown-home-agent-address";
    case C::HaReverseTunnelUnavailable:
      return "ha-reverse-tunnel-unavailable";
    case C::HaReverseTunnelMandatory:
      return "ha-reverse-tunnel-mandatory";
    case C::HaEncapsulationUnavailable:
      return "ha-encapsulation-unavailable";
    case C::HaUdpEncapsulationUnavailable:
      return "ha-udp-encapsulation-unavailable";
    case C::InvalidHomeAgentAddress:
      return "invalid-home-agent-address";
  }
  return "unknown";
}

std::string_view mipv4ExtensionTypeName(std::uint8_t type) {
  switch (static_cast<Mipv4ExtensionType>(type)) {
    case Mipv4ExtensionType::OneBytePadding:
      return "one-byte-padding";
    case Mipv4ExtensionType::MobileHomeAuth:
      return "mobile-home-auth";
    case Mipv4ExtensionType::MobileForeignAuth:
      return "mobile-foreign-auth";
    case Mipv4ExtensionType::ForeignHomeAuth:
      return "foreign-home-auth";
    case Mipv4ExtensionType::UdpTunnelReply:
      return "udp-tunnel-reply";
    case Mipv4ExtensionType::UdpTunnelRequest:
      return "udp-tunnel-request";
    case Mipv4ExtensionType::Dsmipv4:
      return "dsmipv4";
  }
  return "unknown";
}

std::string_view dsmipv4SubTypeName(std::uint8_t sub_type) {
  switch (static_cast<Dsmipv4SubType>(sub_type)) {
    case Dsmipv4SubType::Ipv6PrefixRequest:
      return "ipv6-prefix-request";
    case Dsmipv4SubType::Ipv6PrefixReply:
      return "ipv6-prefix-reply";
    case Dsmipv4SubType::Ipv6TunnelingMode:
      return "ipv6-tunneling-mode";
  }
  return "unknown";
}

std::string_view ipv6PrefixReplyCodeName(Ipv6PrefixReplyCode code) {
  switch (code) {
    case Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress:
      return "accepted-tunnel-to-home-address";
    case Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress:
      return "accepted-tunnel-to-care-of-address";
    case Ipv6PrefixReplyCode::RejectedReasonUnspecified:
      return "rejected-reason-unspecified";
    case Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited:
      return "rejected-administratively-prohibited";
  }
  return "unknown";
}

std::string_view udpTunnelReplyCodeName(UdpTunnelReplyCode code) {
  switch (code) {
    case UdpTunnelReplyCode::WillTunnel:
      return "will-tunnel";
    case UdpTunnelReplyCode::DeclinedReasonUnspecified:
      return "declined-reason-unspecified";
  }
  return "unknown";
}

std::string_view mipv4SkipReasonName(Mipv4SkipReason reason) {
  switch (reason) {
    case Mipv4SkipReason::UnknownType:
      return "unknown-type";
    case Mipv4SkipReason::UnknownSubType:
      return "unknown-sub-type";
    case Mipv4SkipReason::NonZeroReserved:
      return "non-zero-reserved";
  }
  return "unknown";
}

}  // namespace dsmip::wire
