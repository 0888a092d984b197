#pragma once
// ICMP sockets for tunnel endpoints:
//  * Icmpv6Sender sends ICMPv6 messages built by a core (an error about a packet the core
//    dropped: Packet Too Big, Destination Unreachable) with the source address the kernel
//    selects for the destination and the checksum the kernel computes (RFC 3542 §3.1), so the
//    core needs no address of its own. It receives nothing (ICMP6_FILTER blocks every type).
//  * Icmpv4Listener receives the ICMPv4 "fragmentation needed" messages (type 3 code 4) the
//    host gets, whole IPv4 packets, through a BPF filter so that no other ICMP is copied. A
//    UDP socket whose DF bit is clear (PmtuDiscovery::Dont) never sees them in its error
//    queue, so a tunnel that wants to learn the IPv4 path MTU listens here.

#include <cstddef>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "platform/fd.hpp"

namespace dsmip::platform {

class Icmpv6Sender {
 public:
  [[nodiscard]] static Result<Icmpv6Sender> open();
  Icmpv6Sender(Icmpv6Sender&&) noexcept = default;
  Icmpv6Sender& operator=(Icmpv6Sender&&) noexcept = default;
  [[nodiscard]] int fd() const { return fd_.get(); }
  /// Sends one ICMPv6 message (type, code, checksum field, body; no IPv6 header) to
  /// `destination`. The checksum field is overwritten by the kernel. Hop limit 255 is not
  /// forced: the route's default applies.
  [[nodiscard]] Status send(const Ipv6Address& destination, ByteView message);

 private:
  explicit Icmpv6Sender(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

class Icmpv4Listener {
 public:
  /// Opens the listener for fragmentation-needed messages (IPv4 header of 20 octets).
  [[nodiscard]] static Result<Icmpv4Listener> open();
  Icmpv4Listener(Icmpv4Listener&&) noexcept = default;
  Icmpv4Listener& operator=(Icmpv4Listener&&) noexcept = default;
  [[nodiscard]] int fd() const { return fd_.get(); }
  /// Reads one waiting packet (the whole IPv4 packet) into `buffer`; false if none is waiting.
  [[nodiscard]] Result<bool> receive(PacketBuffer& buffer);

 private:
  explicit Icmpv4Listener(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace dsmip::platform
