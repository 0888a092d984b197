#pragma once
// Gratuitous ARP (RFC 5227 §3 "ARP Announcement", RFC 5944 §4.6): an ARP Request broadcast on an
// interface whose sender and target protocol addresses are both the announced IPv4 address and
// whose sender hardware address is the interface's own. Hosts on the link that have the address
// in their ARP cache update it to this interface (a home agent taking over the home address of
// a mobile node that left the home link, RFC 5944 §4.6). Sent through an AF_PACKET socket.

#include <array>
#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "platform/fd.hpp"

namespace dsmip::platform {

using MacAddress = std::array<std::uint8_t, 6>;

/// The 28-octet ARP packet (RFC 826, Ethernet/IPv4) of a gratuitous ARP Request for `address`
/// from `sender`: operation 1, SHA = sender, SPA = TPA = address, THA = 0 (RFC 5227 §2.3).
[[nodiscard]] Bytes gratuitousArpPacket(const MacAddress& sender, const Ipv4Address& address);

class ArpSender {
 public:
  /// A sender on interface `ifindex` (an Ethernet-like interface with a 6-octet address).
  [[nodiscard]] static Result<ArpSender> open(int ifindex);
  ArpSender(ArpSender&&) noexcept = default;
  ArpSender& operator=(ArpSender&&) noexcept = default;

  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] const MacAddress& hardwareAddress() const { return mac_; }
  /// Broadcasts one gratuitous ARP Request for `address`.
  [[nodiscard]] Status announce(const Ipv4Address& address);

 private:
  ArpSender(UniqueFd fd, int ifindex, MacAddress mac)
      : fd_(std::move(fd)), ifindex_(ifindex), mac_(mac) {}
  UniqueFd fd_;
  int ifindex_ = 0;
  MacAddress mac_{};
};

}  // namespace dsmip::platform
