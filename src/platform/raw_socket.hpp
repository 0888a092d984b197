#pragma once
// Raw IP sockets for tunnel payloads the kernel has no module for here (no sit, ipip, ip6tnl,
// MIP6): receivers for IPv4 protocol 41/4 and IPv6 next header 41/4 (or any protocol number),
// and senders that take whole packets, headers included, so that userspace can emit IPv6
// extension headers (Home Address option, type 2 routing header) the kernel would not build.
// All nonblocking and batched (recvmmsg/sendmmsg).
//
// Kernel behaviour these rely on (verified by the root tests of tests/unit/platform):
//  - an open raw socket for protocol P takes delivery of every local packet of P, and its
//    presence stops the kernel from answering P with ICMP Protocol Unreachable (IPv4) or
//    Parameter Problem (IPv6) — without it, tunnelled packets would be bounced;
//  - an AF_INET6/IPPROTO_RAW socket (implicitly IPV6_HDRINCL) sends the caller's bytes as they
//    are, extension headers included, from a local source address.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "platform/address.hpp"
#include "platform/fd.hpp"
#include "platform/message_batch.hpp"

namespace dsmip::platform {

struct RawSocketOptions {
  std::string bind_device;     // SO_BINDTODEVICE; empty: any interface
  int buffer_bytes = 4 << 20;  // SO_RCVBUF / SO_SNDBUF (FORCE when privileged)
};

/// What is known about a packet received by a raw receiver.
struct RawPacketInfo {
  IpAddress source;
  IpAddress destination;       // local address it was sent to
  int ifindex = 0;             // arrival interface
  std::uint8_t tos = 0;        // IPv6 only: Traffic Class (IPv4 has it in the header)
  std::uint8_t hop_limit = 0;  // IPv6 only: Hop Limit (IPv4 has TTL in the header)
  bool truncated = false;
};

/// AF_INET raw socket for one IP protocol number (41: IPv6-in-IPv4, 4: IPv4-in-IPv4, …).
/// Receives whole IPv4 packets, header included; receive-only (the kernel still sees the
/// packets too, and drops them when it has no handler).
class RawIpv4Receiver {
 public:
  [[nodiscard]] static Result<RawIpv4Receiver> open(std::uint8_t protocol,
                                                    const RawSocketOptions& options = {});
  RawIpv4Receiver(RawIpv4Receiver&&) noexcept = default;
  RawIpv4Receiver& operator=(RawIpv4Receiver&&) noexcept = default;
  [[nodiscard]] int fd() const { return fd_.get(); }
  /// Receives up to min(sizes, 64) packets (whole IPv4 packets) after `headroom` bytes.
  [[nodiscard]] Result<std::size_t> receiveBatch(
      std::span<PacketBuffer> buffers, std::span<RawPacketInfo> meta,
      std::size_t headroom = PacketBuffer::kDefaultHeadroom);

 private:
  explicit RawIpv4Receiver(UniqueFd fd)
      : fd_(std::move(fd)), batch_(std::make_unique<MessageBatch>()) {}
  UniqueFd fd_;
  std::unique_ptr<MessageBatch> batch_;
};

/// AF_INET/IPPROTO_RAW: sends whole IPv4 packets the caller built (IP_HDRINCL). The kernel
/// fills in the header checksum and total length, and the identification and source when they
/// are zero; it routes by the header's destination. It does not fragment: a packet above the
/// route MTU fails with EMSGSIZE.
class RawIpv4Sender {
 public:
  [[nodiscard]] static Result<RawIpv4Sender> open(const RawSocketOptions& options = {});
  RawIpv4Sender(RawIpv4Sender&&) noexcept = default;
  RawIpv4Sender& operator=(RawIpv4Sender&&) noexcept = default;
  [[nodiscard]] int fd() const { return fd_.get(); }
  /// Sends whole packets; one that is not an IPv4 packet (version, length) is counted as
  /// failed with EINVAL. See SendBatchResult.
  [[nodiscard]] SendBatchResult sendBatch(std::span<const ByteView> packets,
                                          Error* error = nullptr);
  [[nodiscard]] Status send(ByteView packet);

 private:
  explicit RawIpv4Sender(UniqueFd fd)
      : fd_(std::move(fd)), batch_(std::make_unique<MessageBatch>()) {}
  UniqueFd fd_;
  std::unique_ptr<MessageBatch> batch_;
};

/// AF_INET6 raw socket for one next-header value (41: IPv6-in-IPv6, 4: IPv4-in-IPv6, 135:
/// Mobility Header, …). Receives the payload after the IPv6 header and any extension headers
/// the kernel processed; addresses, interface, hop limit and traffic class come as RawPacketInfo.
class RawIpv6Receiver {
 public:
  [[nodiscard]] static Result<RawIpv6Receiver> open(std::uint8_t next_header,
                                                    const RawSocketOptions& options = {});
  RawIpv6Receiver(RawIpv6Receiver&&) noexcept = default;
  RawIpv6Receiver& operator=(RawIpv6Receiver&&) noexcept = default;
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] Result<std::size_t> receiveBatch(
      std::span<PacketBuffer> buffers, std::span<RawPacketInfo> meta,
      std::size_t headroom = PacketBuffer::kDefaultHeadroom);

 private:
  explicit RawIpv6Receiver(UniqueFd fd)
      : fd_(std::move(fd)), batch_(std::make_unique<MessageBatch>()) {}
  UniqueFd fd_;
  std::unique_ptr<MessageBatch> batch_;
};

/// AF_INET6/IPPROTO_RAW (implicitly IPV6_HDRINCL): sends whole IPv6 packets the caller built,
/// extension headers included, exactly as given (nothing is filled in: payload length and
/// every checksum are the caller's). Routed by the header's destination address; for a
/// link-local destination the interface of `bind_device` is used as its scope. No
/// fragmentation: above the route MTU the send fails with EMSGSIZE.
class RawIpv6Sender {
 public:
  [[nodiscard]] static Result<RawIpv6Sender> open(const RawSocketOptions& options = {});
  RawIpv6Sender(RawIpv6Sender&&) noexcept = default;
  RawIpv6Sender& operator=(RawIpv6Sender&&) noexcept = default;
  [[nodiscard]] int fd() const { return fd_.get(); }
  /// Sends whole packets; one that is not an IPv6 packet (version, length) is counted as
  /// failed with EINVAL.
  [[nodiscard]] SendBatchResult sendBatch(std::span<const ByteView> packets,
                                          Error* error = nullptr);
  [[nodiscard]] Status send(ByteView packet);

 private:
  RawIpv6Sender(UniqueFd fd, std::uint32_t scope)
      : fd_(std::move(fd)), scope_(scope), batch_(std::make_unique<MessageBatch>()) {}
  UniqueFd fd_;
  std::uint32_t scope_ = 0;  // ifindex of bind_device, for link-local destinations
  std::unique_ptr<MessageBatch> batch_;
};

}  // namespace dsmip::platform
