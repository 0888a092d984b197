#pragma once
// A small builder for classic BPF socket filters (SO_ATTACH_FILTER) of the kind the packet
// sockets need: "accept the packet if these bytes have these values", with alternatives.
// Offsets count from the start of the network-layer header, which is where a SOCK_DGRAM packet
// socket's filter starts. A load beyond the packet's end rejects the packet.
//
//   // IPv6 to our care-of address with a type 2 routing header right after the fixed header:
//   auto program = BpfFilterBuilder{}.ipv6Destination(coa).ipv6RoutingHeaderType(2).build();

#include <cstdint>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace dsmip::platform {

/// One classic BPF instruction (struct sock_filter).
struct BpfInstruction {
  std::uint16_t code = 0;
  std::uint8_t jt = 0;
  std::uint8_t jf = 0;
  std::uint32_t k = 0;
  friend bool operator==(const BpfInstruction&, const BpfInstruction&) = default;
};
using BpfProgram = std::vector<BpfInstruction>;

// Opcodes used (linux/filter.h values, spelled out so that this header needs no OS header).
inline constexpr std::uint16_t kBpfLoadWordAbs = 0x20;     // BPF_LD | BPF_W | BPF_ABS
inline constexpr std::uint16_t kBpfLoadHalfAbs = 0x28;     // BPF_LD | BPF_H | BPF_ABS
inline constexpr std::uint16_t kBpfLoadByteAbs = 0x30;     // BPF_LD | BPF_B | BPF_ABS
inline constexpr std::uint16_t kBpfAndConstant = 0x54;     // BPF_ALU | BPF_AND | BPF_K
inline constexpr std::uint16_t kBpfJumpIfEqual = 0x15;     // BPF_JMP | BPF_JEQ | BPF_K
inline constexpr std::uint16_t kBpfReturnConstant = 0x06;  // BPF_RET | BPF_K

class BpfFilterBuilder {
 public:
  /// Network-byte-order comparison of 1, 2 or 4 bytes at `offset`, after AND with `mask`.
  BpfFilterBuilder& byteEquals(std::uint32_t offset, std::uint8_t value, std::uint8_t mask = 0xFF);
  BpfFilterBuilder& halfEquals(std::uint32_t offset, std::uint16_t value,
                               std::uint16_t mask = 0xFFFF);
  BpfFilterBuilder& wordEquals(std::uint32_t offset, std::uint32_t value,
                               std::uint32_t mask = 0xFFFFFFFF);
  /// The bytes at `offset` equal `value` (compared a word at a time).
  BpfFilterBuilder& bytesEqual(std::uint32_t offset, ByteView value);

  /// IP version nibble (4 or 6).
  BpfFilterBuilder& ipVersion(std::uint8_t version);
  /// IPv6 fixed header (RFC 8200 §3) fields.
  BpfFilterBuilder& ipv6Source(const Ipv6Address& address);
  BpfFilterBuilder& ipv6Destination(const Ipv6Address& address);
  BpfFilterBuilder& ipv6NextHeader(std::uint8_t next_header);
  /// A routing header (next header 43) directly after the fixed header, of the given routing
  /// type (2: Mobile IPv6 type 2, RFC 6275 §6.4).
  BpfFilterBuilder& ipv6RoutingHeaderType(std::uint8_t routing_type);
  /// IPv4 header (RFC 791) fields.
  BpfFilterBuilder& ipv4Source(const Ipv4Address& address);
  BpfFilterBuilder& ipv4Destination(const Ipv4Address& address);
  BpfFilterBuilder& ipv4Protocol(std::uint8_t protocol);

  /// Starts another alternative: the filter accepts a packet if every condition of at least
  /// one alternative holds. An alternative without conditions accepts everything.
  BpfFilterBuilder& orElse();

  /// The program: accepted packets are passed whole (up to `snap_length` bytes). Fails if the
  /// program would exceed the classic BPF limits (4096 instructions, 255-instruction jumps).
  [[nodiscard]] Result<BpfProgram> build(std::uint32_t snap_length = 0xFFFFFFFF) const;

 private:
  struct Condition {
    std::uint16_t load;  // one of the kBpfLoad… opcodes
    std::uint32_t offset;
    std::uint32_t mask;
    std::uint32_t value;
    std::uint32_t full_mask;
  };
  std::vector<std::vector<Condition>> alternatives_{{}};
};

/// A program that accepts nothing (installed while a socket is being set up).
[[nodiscard]] BpfProgram bpfRejectAll();

}  // namespace dsmip::platform
