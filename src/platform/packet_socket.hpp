#pragma once
// AF_PACKET receive sockets: see network-layer packets on one interface before the kernel's IP
// stack processes them. A userspace Mobile IPv6 node needs this because this kernel has no
// CONFIG_IPV6_MIP6: it drops packets carrying a type 2 routing header (RH2, segments left 1)
// or a Home Address option with an ICMPv6 Parameter Problem, yet the packet socket has seen
// them by then (verified by the root tests of tests/unit/platform). Use a BPF filter so that
// only the wanted packets are copied to userspace.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "platform/bpf.hpp"
#include "platform/fd.hpp"
#include "platform/message_batch.hpp"

namespace dsmip::platform {

/// Which link-layer protocol a packet socket takes (Ethernet types).
enum class PacketProtocol : std::uint16_t {
  Ipv4 = 0x0800,
  Ipv6 = 0x86DD,
  All = 0x0003,  // ETH_P_ALL: every protocol (filter on the IP version then)
};

/// Why the packet passed the interface (sll_pkttype).
enum class PacketType : std::uint8_t { Host, Broadcast, Multicast, OtherHost, Outgoing, Other };

struct CapturedPacketInfo {
  int ifindex = 0;
  std::uint16_t protocol = 0;  // Ethernet type, host order
  PacketType type = PacketType::Other;
  bool truncated = false;
};

struct PacketSocketOptions {
  /// PACKET_IGNORE_OUTGOING: do not see what this host sends on the interface.
  bool ignore_outgoing = true;
  int buffer_bytes = 4 << 20;  // SO_RCVBUF (FORCE when privileged)
};

/// SOCK_DGRAM packet socket: packets come without their link-layer header, starting at the IP
/// header. Receive-only.
class PacketSocket {
 public:
  /// Opens a socket for `protocol` on interface `ifindex` (0: every interface). The filter, if
  /// given, is attached before the socket is bound, so no unfiltered packet is ever queued.
  [[nodiscard]] static Result<PacketSocket> open(int ifindex, PacketProtocol protocol,
                                                 const std::optional<BpfProgram>& filter = {},
                                                 const PacketSocketOptions& options = {});
  PacketSocket(PacketSocket&&) noexcept = default;
  PacketSocket& operator=(PacketSocket&&) noexcept = default;

  [[nodiscard]] int fd() const { return fd_.get(); }
  /// Replaces the filter (SO_ATTACH_FILTER).
  [[nodiscard]] Status setFilter(const BpfProgram& program);
  /// Receives up to min(sizes, 64) packets, each starting at its IP header, after `headroom`.
  [[nodiscard]] Result<std::size_t> receiveBatch(
      std::span<PacketBuffer> buffers, std::span<CapturedPacketInfo> meta,
      std::size_t headroom = PacketBuffer::kDefaultHeadroom);

 private:
  explicit PacketSocket(UniqueFd fd)
      : fd_(std::move(fd)), batch_(std::make_unique<MessageBatch>()) {}
  UniqueFd fd_;
  std::unique_ptr<MessageBatch> batch_;
};

}  // namespace dsmip::platform
