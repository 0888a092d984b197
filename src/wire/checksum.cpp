#include "wire/checksum.hpp"

namespace dsmip::wire {

void ChecksumAccumulator::add(ByteView data) {
  std::size_t i = 0;
  if (odd_ && !data.empty()) {
    sum_ += data[0];  // low half of the word whose high half came last time
    odd_ = false;
    i = 1;
  }
  // Sum 16-bit words; a 64-bit accumulator cannot overflow for any IP packet size.
  for (; i + 1 < data.size(); i += 2) {
    sum_ += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
  }
  if (i < data.size()) {
    sum_ += static_cast<std::uint32_t>(data[i] << 8);
    odd_ = true;
  }
}

std::uint16_t ChecksumAccumulator::folded() const {
  std::uint64_t s = sum_;
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

std::uint16_t ChecksumAccumulator::finish() const { return static_cast<std::uint16_t>(~folded()); }

std::uint16_t internetChecksum(ByteView data) {
  ChecksumAccumulator acc;
  acc.add(data);
  return acc.finish();
}

namespace {
ChecksumAccumulator ipv4Pseudo(const Ipv4Address& src, const Ipv4Address& dst,
                               std::uint8_t protocol, ByteView upper) {
  ChecksumAccumulator acc;
  acc.add(src.bytes);
  acc.add(dst.bytes);
  acc.addU16(protocol);
  acc.addU16(static_cast<std::uint16_t>(upper.size()));
  acc.add(upper);
  return acc;
}
ChecksumAccumulator ipv6Pseudo(const Ipv6Address& src, const Ipv6Address& dst,
                               std::uint8_t next_header, ByteView upper) {
  ChecksumAccumulator acc;
  acc.add(src.bytes);
  acc.add(dst.bytes);
  acc.addU32(static_cast<std::uint32_t>(upper.size()));
  acc.addU16(next_header);
  acc.add(upper);
  return acc;
}
}  // namespace

std::uint16_t ipv4PseudoChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                                 std::uint8_t protocol, ByteView upper_layer) {
  return ipv4Pseudo(src, dst, protocol, upper_layer).finish();
}

std::uint16_t ipv6PseudoChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                                 std::uint8_t next_header, ByteView upper_layer) {
  return ipv6Pseudo(src, dst, next_header, upper_layer).finish();
}

bool ipv4PseudoChecksumValid(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t protocol,
                             ByteView upper_layer) {
  return ipv4Pseudo(src, dst, protocol, upper_layer).folded() == 0xFFFF;
}

bool ipv6PseudoChecksumValid(const Ipv6Address& src, const Ipv6Address& dst,
                             std::uint8_t next_header, ByteView upper_layer) {
  return ipv6Pseudo(src, dst, next_header, upper_layer).folded() == 0xFFFF;
}

}  // namespace dsmip::wire
