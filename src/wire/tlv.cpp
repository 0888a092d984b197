#include "wire/tlv.hpp"

namespace dsmip::wire {

namespace {
constexpr std::size_t kLengthOffset = 2;
}  // namespace

bool isTlvHeader(ByteView datagram) { return !datagram.empty() && (datagram[0] >> 4) == 0; }

Result<TlvPacket> decodeTlv(ByteView datagram) {
  ByteReader in{datagram};
  const std::uint8_t type_reserved = in.u8();
  TlvPacket t;
  t.header.next_header = in.u8();
  t.header.length = in.u16();
  if (!in.ok()) return parseError(ErrorCode::Truncated, "tlv header shorter than 4 octets", 0);
  if ((type_reserved >> 4) != 0) {
    return parseError(ErrorCode::BadVersion, "tlv header type nibble is not 0", 0);
  }
  if (t.header.length != in.remaining()) {
    return parseError(ErrorCode::BadLength, "tlv length differs from the payload", kLengthOffset);
  }
  t.payload = in.rest();
  return t;
}

Status encodeTlvHeader(const TlvHeader& header, ByteWriter& out) {
  const std::size_t start = out.size();
  out.u8(0);  // Type 0, Reserved 0
  out.u8(header.next_header);
  out.u16(header.length);
  if (!out.ok()) return parseError(ErrorCode::NoSpace, "tlv header", start);
  return {};
}

Status prependTlv(PacketBuffer& packet, std::uint8_t next_header) {
  if (packet.size() > 0xFFFF) {
    return parseError(ErrorCode::BadLength, "tlv payload exceeds 65535 octets", 0);
  }
  const auto length = static_cast<std::uint16_t>(packet.size());
  MutableByteView space = packet.prepend(kTlvHeaderLength);
  if (space.empty()) return parseError(ErrorCode::NoSpace, "headroom for the tlv header", 0);
  ByteWriter out{space};
  return encodeTlvHeader(TlvHeader{next_header, length}, out);
}

}  // namespace dsmip::wire
