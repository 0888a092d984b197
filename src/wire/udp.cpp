#include "wire/udp.hpp"

#include "wire/checksum.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::wire {

namespace {
constexpr std::size_t kLengthOffset = 4;
constexpr std::size_t kChecksumOffset = 6;

// Writes the header with a zero checksum into the headroom; returns the datagram or an empty
// span on error (the error itself in `status`).
MutableByteView prependHeader(PacketBuffer& packet, std::uint16_t source_port,
                              std::uint16_t destination_port, Status& status) {
  const std::size_t length = packet.size() + kUdpHeaderLength;
  if (length > 0xFFFF) {
    status = parseError(ErrorCode::BadLength, "udp datagram would exceed 65535 octets", 0);
    return {};
  }
  MutableByteView space = packet.prepend(kUdpHeaderLength);
  if (space.empty()) {
    status = parseError(ErrorCode::NoSpace, "headroom for the udp header", 0);
    return {};
  }
  ByteWriter out{space};
  out.u16(source_port);
  out.u16(destination_port);
  out.u16(static_cast<std::uint16_t>(length));
  out.u16(0);
  return packet.mutableData();
}

void storeChecksum(MutableByteView datagram, std::uint16_t sum) {
  if (sum == 0) sum = 0xFFFF;  // zero would mean "no checksum" (RFC 768)
  datagram[kChecksumOffset] = static_cast<std::uint8_t>(sum >> 8);
  datagram[kChecksumOffset + 1] = static_cast<std::uint8_t>(sum);
}
}  // namespace

Result<UdpDatagram> decodeUdp(ByteView datagram) {
  ByteReader in{datagram};
  UdpDatagram d;
  d.header.source_port = in.u16();
  d.header.destination_port = in.u16();
  d.header.length = in.u16();
  d.header.checksum = in.u16();
  if (!in.ok()) return parseError(ErrorCode::Truncated, "udp header shorter than 8 octets", 0);
  if (d.header.length < kUdpHeaderLength) {
    return parseError(ErrorCode::BadLength, "udp length below 8", kLengthOffset);
  }
  if (d.header.length > datagram.size()) {
    return parseError(ErrorCode::Truncated, "udp length beyond the buffer", kLengthOffset);
  }
  d.datagram = datagram.first(d.header.length);
  d.payload = d.datagram.subspan(kUdpHeaderLength);
  return d;
}

Status verifyUdpChecksum(const UdpDatagram& datagram, const Ipv4Address& source,
                         const Ipv4Address& destination) {
  if (datagram.header.checksum == 0) return {};  // not computed by the sender (RFC 768)
  if (!ipv4PseudoChecksumValid(source, destination, ip_protocol::kUdp, datagram.datagram)) {
    return parseError(ErrorCode::BadChecksum, "udp checksum", kChecksumOffset);
  }
  return {};
}

Status verifyUdpChecksum(const UdpDatagram& datagram, const Ipv6Address& source,
                         const Ipv6Address& destination) {
  if (datagram.header.checksum == 0) {
    return parseError(ErrorCode::BadChecksum, "zero udp checksum over ipv6", kChecksumOffset);
  }
  if (!ipv6PseudoChecksumValid(source, destination, ip_protocol::kUdp, datagram.datagram)) {
    return parseError(ErrorCode::BadChecksum, "udp checksum", kChecksumOffset);
  }
  return {};
}

Status prependUdp(PacketBuffer& packet, std::uint16_t source_port, std::uint16_t destination_port,
                  const UdpOverIpv4& context) {
  Status status;
  MutableByteView datagram = prependHeader(packet, source_port, destination_port, status);
  if (datagram.empty()) return status;
  if (context.compute_checksum) {
    storeChecksum(datagram, ipv4PseudoChecksum(context.source, context.destination,
                                               ip_protocol::kUdp, datagram));
  }
  return {};
}

Status prependUdp(PacketBuffer& packet, std::uint16_t source_port, std::uint16_t destination_port,
                  const UdpOverIpv6& context) {
  Status status;
  MutableByteView datagram = prependHeader(packet, source_port, destination_port, status);
  if (datagram.empty()) return status;
  storeChecksum(datagram, ipv6PseudoChecksum(context.source, context.destination, ip_protocol::kUdp,
                                             datagram));
  return {};
}

}  // namespace dsmip::wire
