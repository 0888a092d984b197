#pragma once
// Unsolicited Neighbor Advertisements (RFC 4861 §7.2.6): a mobile node back on its home link
// multicasts a Neighbor Advertisement for its home address, Override set, so that nodes on the
// link (the router's neighbour cache among them) replace the home agent's link-layer address,
// which the home agent's proxy advertisements put there, by its own (RFC 6275 §11.5.4). The
// kernel sends none for an address added without Duplicate Address Detection, and DAD cannot
// run while the home agent still defends the address, so the daemon sends them. Sent through
// a raw ICMPv6 socket bound to the interface: hop limit 255 (RFC 4861 §7.1.2), the kernel picks
// the link-local source and computes the checksum.

#include <array>
#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "platform/arp_sender.hpp"
#include "platform/fd.hpp"

namespace dsmip::platform {

/// The ICMPv6 message (no IPv6 header; checksum left 0 for the kernel) of an unsolicited
/// Neighbor Advertisement for `target` (RFC 4861 §4.4): type 136, code 0, R = `router`,
/// S = 0, O = 1, and a Target Link-Layer Address option with `mac` (§4.6.1).
[[nodiscard]] Bytes unsolicitedNeighbourAdvertisement(const MacAddress& mac,
                                                      const Ipv6Address& target, bool router);

class NeighbourAdvertiser {
 public:
  /// An advertiser on interface `ifindex` (an Ethernet-like interface).
  [[nodiscard]] static Result<NeighbourAdvertiser> open(int ifindex);
  NeighbourAdvertiser(NeighbourAdvertiser&&) noexcept = default;
  NeighbourAdvertiser& operator=(NeighbourAdvertiser&&) noexcept = default;

  [[nodiscard]] int ifindex() const { return ifindex_; }
  [[nodiscard]] const MacAddress& hardwareAddress() const { return mac_; }
  /// Multicasts one unsolicited advertisement for `target` to all-nodes (ff02::1).
  [[nodiscard]] Status announce(const Ipv6Address& target, bool router);

 private:
  NeighbourAdvertiser(UniqueFd fd, int ifindex, MacAddress mac)
      : fd_(std::move(fd)), ifindex_(ifindex), mac_(mac) {}
  UniqueFd fd_;
  int ifindex_ = 0;
  MacAddress mac_{};
};

}  // namespace dsmip::platform
