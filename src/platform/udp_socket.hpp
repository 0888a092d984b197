#pragma once
// UDP sockets for the protocols' signalling and tunnelled data (Mobile IPv4 on 434, DSMIPv6 UDP
// encapsulation on 4191, m6t): batched receive and send (recvmmsg/sendmmsg into PacketBuffers,
// no allocation per datagram), the local address and TOS of each received datagram, the TOS
// and source address of each sent one, and ICMP errors through the socket's error queue.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "platform/address.hpp"
#include "platform/fd.hpp"
#include "platform/message_batch.hpp"

namespace dsmip::platform {

/// Path MTU discovery mode (IP_MTU_DISCOVER / IPV6_MTU_DISCOVER).
enum class PmtuDiscovery : std::uint8_t {
  Dont,   // never set DF: routers fragment (IPv4); what tunnels over UDP want by default
  Want,   // the kernel's default: DF when the path MTU allows
  Do,     // always set DF; a datagram above the known path MTU fails with EMSGSIZE
  Probe,  // set DF but ignore the path MTU
};

struct UdpSocketOptions {
  std::string bind_device;     // SO_BINDTODEVICE; empty: any interface
  bool reuse_address = false;  // SO_REUSEADDR
  /// SO_RCVBUF and SO_SNDBUF (SO_*BUFFORCE when privileged, so rmem_max does not cap it).
  int buffer_bytes = 4 << 20;
  PmtuDiscovery pmtu_discovery = PmtuDiscovery::Dont;
  /// IP_RECVERR / IPV6_RECVERR: ICMP errors about sent datagrams go to the error queue
  /// (readError()); the socket then reports IoEvents::error while the queue is not empty.
  bool receive_errors = true;
  bool ipv6_only = true;  // IPV6_V6ONLY for IPv6 sockets
};

/// What is known about one received datagram (its payload is in the matching buffer).
struct ReceivedDatagram {
  IpEndpoint source;
  IpAddress destination;   // the local address it was sent to (IP_PKTINFO / IPV6_PKTINFO)
  int ifindex = 0;         // the interface it arrived on
  std::uint8_t tos = 0;    // TOS / Traffic Class byte, ECN bits included
  bool truncated = false;  // longer than the buffer's tailroom; the rest was discarded
};

/// One datagram to send.
struct OutgoingDatagram {
  IpEndpoint destination;
  ByteView payload;
  std::uint8_t tos = 0;  // TOS / Traffic Class byte, ECN bits included
  /// Source address (must be local; IP_PKTINFO): replies leave from the address the request
  /// came to. nullopt: the bound address, or the kernel's choice.
  std::optional<IpAddress> source;
};

/// An ICMP error (or a locally detected one) about a datagram this socket sent.
struct IcmpError {
  enum class Origin : std::uint8_t { Local, Icmp, Icmp6 };
  IpEndpoint destination;  // where the offending datagram was going
  Origin origin = Origin::Icmp;
  std::uint8_t type = 0;  // ICMP/ICMPv6 type (0 for local errors)
  std::uint8_t code = 0;
  /// For "fragmentation needed" (ICMP 3/4), "packet too big" (ICMPv6 2) and local EMSGSIZE:
  /// the MTU to use. Otherwise the ICMP header's other field (e.g. the pointer of a
  /// parameter problem).
  std::uint32_t info = 0;
  int error = 0;  // the errno equivalent (EMSGSIZE, EHOSTUNREACH, ECONNREFUSED, …)
  std::optional<IpAddress> offender;  // who reported it (the router's address)
  /// True if the error says "too big for the path" and `info` is the path MTU.
  [[nodiscard]] bool isPacketTooBig() const { return error == EMSGSIZE; }
};

class UdpSocket {
 public:
  /// Creates a nonblocking socket bound to `bind` (port 0: the kernel picks one; the
  /// unspecified address: every local address). Its family is the endpoint's.
  [[nodiscard]] static Result<UdpSocket> open(const IpEndpoint& bind,
                                              const UdpSocketOptions& options = {});
  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;

  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] IpFamily family() const { return family_; }
  /// The bound address and port (the actual port when bound to 0).
  [[nodiscard]] const IpEndpoint& localEndpoint() const { return local_; }

  /// Receives up to min(buffers.size(), meta.size(), 64) datagrams: datagram i goes into
  /// buffers[i] after `headroom` free bytes, its metadata into meta[i]. Returns how many were
  /// received; 0 if none was waiting.
  [[nodiscard]] Result<std::size_t> receiveBatch(
      std::span<PacketBuffer> buffers, std::span<ReceivedDatagram> meta,
      std::size_t headroom = PacketBuffer::kDefaultHeadroom);
  /// Sends up to 64 datagrams with one sendmmsg (more take more calls). A datagram that fails
  /// on its own (no route, too big, …) is counted and skipped; see SendBatchResult. `error`
  /// receives a socket-level failure (the result then stops early).
  [[nodiscard]] SendBatchResult sendBatch(std::span<const OutgoingDatagram> datagrams,
                                          Error* error = nullptr);
  /// Sends one datagram. EAGAIN if the socket buffer is full.
  [[nodiscard]] Status sendTo(const IpEndpoint& destination, ByteView payload,
                              std::uint8_t tos = 0);
  /// Takes one entry from the error queue; nullopt when it is empty.
  [[nodiscard]] Result<std::optional<IcmpError>> readError();

  /// Changes the path MTU discovery mode.
  [[nodiscard]] Status setPmtuDiscovery(PmtuDiscovery mode);

 private:
  UdpSocket(UniqueFd fd, IpFamily family, IpEndpoint local)
      : fd_(std::move(fd)),
        family_(family),
        local_(local),
        batch_(std::make_unique<MessageBatch>()) {}
  UniqueFd fd_;
  IpFamily family_ = IpFamily::V4;
  IpEndpoint local_;
  std::unique_ptr<MessageBatch> batch_;
};

}  // namespace dsmip::platform
