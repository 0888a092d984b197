// Classic BPF filter builder.
#include "platform/bpf.hpp"

namespace dsmip::platform {

namespace {
constexpr std::size_t kMaxInstructions = 4096;  // BPF_MAXINSNS
constexpr std::uint32_t kIpv6Source = 8;        // RFC 8200 §3 offsets
constexpr std::uint32_t kIpv6Destination = 24;
constexpr std::uint32_t kIpv6NextHeader = 6;
constexpr std::uint32_t kIpv6HeaderLength = 40;
constexpr std::uint32_t kIpv4Protocol = 9;  // RFC 791 offsets
constexpr std::uint32_t kIpv4Source = 12;
constexpr std::uint32_t kIpv4Destination = 16;
constexpr std::uint8_t kRoutingHeader = 43;
}  // namespace

BpfFilterBuilder& BpfFilterBuilder::byteEquals(std::uint32_t offset, std::uint8_t value,
                                               std::uint8_t mask) {
  alternatives_.back().push_back(
      Condition{kBpfLoadByteAbs, offset, mask, static_cast<std::uint32_t>(value & mask), 0xFF});
  return *this;
}

BpfFilterBuilder& BpfFilterBuilder::halfEquals(std::uint32_t offset, std::uint16_t value,
                                               std::uint16_t mask) {
  alternatives_.back().push_back(
      Condition{kBpfLoadHalfAbs, offset, mask, static_cast<std::uint32_t>(value & mask), 0xFFFF});
  return *this;
}

BpfFilterBuilder& BpfFilterBuilder::wordEquals(std::uint32_t offset, std::uint32_t value,
                                               std::uint32_t mask) {
  alternatives_.back().push_back(
      Condition{kBpfLoadWordAbs, offset, mask, value & mask, 0xFFFFFFFF});
  return *this;
}

BpfFilterBuilder& BpfFilterBuilder::bytesEqual(std::uint32_t offset, ByteView value) {
  std::size_t at = 0;
  while (value.size() - at >= 4) {
    const std::uint32_t word = (std::uint32_t{value[at]} << 24) |
                               (std::uint32_t{value[at + 1]} << 16) |
                               (std::uint32_t{value[at + 2]} << 8) | value[at + 3];
    wordEquals(offset + static_cast<std::uint32_t>(at), word);
    at += 4;
  }
  if (value.size() - at >= 2) {
    halfEquals(offset + static_cast<std::uint32_t>(at),
               static_cast<std::uint16_t>((value[at] << 8) | value[at + 1]));
    at += 2;
  }
  if (value.size() - at == 1) byteEquals(offset + static_cast<std::uint32_t>(at), value[at]);
  return *this;
}

BpfFilterBuilder& BpfFilterBuilder::ipVersion(std::uint8_t version) {
  return byteEquals(0, static_cast<std::uint8_t>(version << 4), 0xF0);
}

BpfFilterBuilder& BpfFilterBuilder::ipv6Source(const Ipv6Address& address) {
  return bytesEqual(kIpv6Source, address.bytes);
}

BpfFilterBuilder& BpfFilterBuilder::ipv6Destination(const Ipv6Address& address) {
  return bytesEqual(kIpv6Destination, address.bytes);
}

BpfFilterBuilder& BpfFilterBuilder::ipv6NextHeader(std::uint8_t next_header) {
  return byteEquals(kIpv6NextHeader, next_header);
}

BpfFilterBuilder& BpfFilterBuilder::ipv6RoutingHeaderType(std::uint8_t routing_type) {
  // Routing header: Next Header, Hdr Ext Len, Routing Type, Segments Left (RFC 8200 §4.4).
  return ipv6NextHeader(kRoutingHeader).byteEquals(kIpv6HeaderLength + 2, routing_type);
}

BpfFilterBuilder& BpfFilterBuilder::ipv4Source(const Ipv4Address& address) {
  return wordEquals(kIpv4Source, address.toU32());
}

BpfFilterBuilder& BpfFilterBuilder::ipv4Destination(const Ipv4Address& address) {
  return wordEquals(kIpv4Destination, address.toU32());
}

BpfFilterBuilder& BpfFilterBuilder::ipv4Protocol(std::uint8_t protocol) {
  return byteEquals(kIpv4Protocol, protocol);
}

BpfFilterBuilder& BpfFilterBuilder::orElse() {
  alternatives_.emplace_back();
  return *this;
}

Result<BpfProgram> BpfFilterBuilder::build(std::uint32_t snap_length) const {
  // Layout: each alternative is its conditions followed by "return snap_length"; a failed
  // condition jumps to the next alternative's first instruction, or to the final
  // "return 0" after the last alternative.
  std::vector<std::size_t> sizes;
  std::size_t total = 1;  // the final reject
  for (const auto& alternative : alternatives_) {
    std::size_t n = 1;  // accept
    for (const Condition& c : alternative) n += c.mask == c.full_mask ? 2 : 3;
    sizes.push_back(n);
    total += n;
  }
  if (total > kMaxInstructions) {
    return makeError(ErrorCode::InvalidArgument, "BPF filter longer than 4096 instructions");
  }
  BpfProgram program;
  program.reserve(total);
  std::size_t start = 0;
  for (std::size_t a = 0; a < alternatives_.size(); ++a) {
    const std::size_t next_alternative = start + sizes[a];  // index jumped to on failure
    for (const Condition& c : alternatives_[a]) {
      program.push_back(BpfInstruction{c.load, 0, 0, c.offset});
      if (c.mask != c.full_mask) program.push_back(BpfInstruction{kBpfAndConstant, 0, 0, c.mask});
      const std::size_t distance = next_alternative - (program.size() + 1);
      if (distance > 255) {
        return makeError(ErrorCode::InvalidArgument, "BPF filter alternative too long to jump");
      }
      program.push_back(
          BpfInstruction{kBpfJumpIfEqual, 0, static_cast<std::uint8_t>(distance), c.value});
    }
    program.push_back(BpfInstruction{kBpfReturnConstant, 0, 0, snap_length});
    start = next_alternative;
  }
  program.push_back(BpfInstruction{kBpfReturnConstant, 0, 0, 0});
  return program;
}

BpfProgram bpfRejectAll() { return {BpfInstruction{kBpfReturnConstant, 0, 0, 0}}; }

}  // namespace dsmip::platform
