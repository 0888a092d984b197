#include "wire/ipv4.hpp"

#include "wire/checksum.hpp"

namespace dsmip::wire {

namespace {
// Field offsets within the header (RFC 791 §3.1).
constexpr std::size_t kTotalLengthOffset = 2;
constexpr std::size_t kFlagsOffset = 6;
constexpr std::size_t kChecksumOffset = 10;

constexpr std::uint16_t kReservedFlag = 0x8000;
constexpr std::uint16_t kDontFragmentFlag = 0x4000;
constexpr std::uint16_t kMoreFragmentsFlag = 0x2000;
constexpr std::uint16_t kFragmentOffsetMask = 0x1FFF;

void writeFixedHeader(const Ipv4Header& h, std::size_t header_length, ByteWriter& out) {
  out.u8(static_cast<std::uint8_t>(0x40 | (header_length / 4)));
  out.u8(h.tos);
  out.u16(h.total_length);
  out.u16(h.identification);
  std::uint16_t flags_offset = h.fragment_offset & kFragmentOffsetMask;
  if (h.reserved_flag) flags_offset |= kReservedFlag;
  if (h.dont_fragment) flags_offset |= kDontFragmentFlag;
  if (h.more_fragments) flags_offset |= kMoreFragmentsFlag;
  out.u16(flags_offset);
  out.u8(h.ttl);
  out.u8(h.protocol);
  out.u16(0);  // checksum, computed once the header is complete
  out.bytes(h.source.bytes);
  out.bytes(h.destination.bytes);
}
}  // namespace

Result<Ipv4Packet> decodeIpv4(ByteView packet) {
  if (packet.size() < kIpv4MinHeaderLength) {
    return parseError(ErrorCode::Truncated, "ipv4 header shorter than 20 octets", 0);
  }
  ByteReader in{packet};
  const std::uint8_t version_ihl = in.u8();
  if ((version_ihl >> 4) != 4) {
    return parseError(ErrorCode::BadVersion, "ip version is not 4", 0);
  }
  const std::size_t header_length = std::size_t{version_ihl & 0x0Fu} * 4;
  if (header_length < kIpv4MinHeaderLength) {
    return parseError(ErrorCode::BadLength, "ipv4 header length below 20 octets", 0);
  }
  if (header_length > packet.size()) {
    return parseError(ErrorCode::Truncated, "ipv4 header length beyond the buffer", 0);
  }
  Ipv4Packet p;
  Ipv4Header& h = p.header;
  h.tos = in.u8();
  h.total_length = in.u16();
  h.identification = in.u16();
  const std::uint16_t flags_offset = in.u16();
  h.ttl = in.u8();
  h.protocol = in.u8();
  h.checksum = in.u16();
  h.source.bytes = in.array<4>();
  h.destination.bytes = in.array<4>();
  if (!in.ok()) return parseError(ErrorCode::Truncated, "ipv4 header", in.offset());

  if (h.total_length < header_length) {
    return parseError(ErrorCode::BadLength, "ipv4 total length below header length",
                      kTotalLengthOffset);
  }
  if (h.total_length > packet.size()) {
    return parseError(ErrorCode::Truncated, "ipv4 total length beyond the buffer",
                      kTotalLengthOffset);
  }
  h.reserved_flag = (flags_offset & kReservedFlag) != 0;
  h.dont_fragment = (flags_offset & kDontFragmentFlag) != 0;
  h.more_fragments = (flags_offset & kMoreFragmentsFlag) != 0;
  h.fragment_offset = flags_offset & kFragmentOffsetMask;
  // A fragment whose data would end past the largest possible datagram cannot be reassembled
  // into anything valid (the "ping of death" shape).
  if (std::size_t{h.fragment_offset} * 8 + (h.total_length - header_length) >
      kIpv4MaxTotalLength - kIpv4MinHeaderLength) {
    return parseError(ErrorCode::BadLength, "ipv4 fragment ends beyond 65535 octets", kFlagsOffset);
  }
  if (internetChecksum(packet.first(header_length)) != 0) {
    return parseError(ErrorCode::BadChecksum, "ipv4 header checksum", kChecksumOffset);
  }
  p.options = packet.subspan(kIpv4MinHeaderLength, header_length - kIpv4MinHeaderLength);
  p.payload = packet.subspan(header_length, h.total_length - header_length);
  return p;
}

Status encodeIpv4Header(const Ipv4Header& header, ByteView options, ByteWriter& out) {
  if (options.size() % 4 != 0 || options.size() > kIpv4MaxHeaderLength - kIpv4MinHeaderLength) {
    return parseError(ErrorCode::InvalidArgument,
                      "ipv4 options must be a multiple of 4 octets, at most 40", 0);
  }
  const std::size_t header_length = kIpv4MinHeaderLength + options.size();
  const std::size_t start = out.size();
  writeFixedHeader(header, header_length, out);
  out.bytes(options);
  if (!out.ok()) return parseError(ErrorCode::NoSpace, "ipv4 header", start);
  const std::uint16_t sum = internetChecksum(out.written().subspan(start, header_length));
  out.patchU16(start + kChecksumOffset, sum);
  return {};
}

Status prependIpv4(PacketBuffer& packet, const Ipv4Header& header) {
  const std::size_t total = packet.size() + kIpv4MinHeaderLength;
  if (total > kIpv4MaxTotalLength) {
    return parseError(ErrorCode::BadLength, "ipv4 packet would exceed 65535 octets", 0);
  }
  MutableByteView space = packet.prepend(kIpv4MinHeaderLength);
  if (space.empty()) return parseError(ErrorCode::NoSpace, "headroom for the ipv4 header", 0);
  Ipv4Header h = header;
  h.total_length = static_cast<std::uint16_t>(total);
  ByteWriter out{space};
  return encodeIpv4Header(h, {}, out);
}

}  // namespace dsmip::wire
