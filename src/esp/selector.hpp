#pragma once
// SPD selectors (RFC 4301 §4.4.1.1) and the selector values of one packet.
//
// Selectors are from this node's point of view: "local" and "remote" rather than source and
// destination, so one entry describes both directions of a conversation. For an outbound packet
// local = source and remote = destination; for an inbound packet the reverse.
//
// Next-layer selectors:
//   * TCP, UDP, SCTP: local and remote port ranges.
//   * Mobility Header (135): the MH message type. RFC 4301 §4.4.1.1 carries it in the local
//     "port" selector; RFC 4877 §4.2 writes an entry with a "local MH type" (messages this node
//     sends) and a "remote MH type" (messages it receives): an outbound MH packet is matched
//     against local_message, an inbound one against remote_message.
//   * ICMPv6 (58) and ICMP (1): message type and code, with the same local/remote rule.
// A packet whose value cannot be read (a non-first fragment, a truncated upper-layer header) is
// OPAQUE and only matches a selector that is "any" (RFC 4301 §4.4.1.1, §7).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/assert.hpp"
#include "common/ip_address.hpp"
#include "esp/types.hpp"

namespace dsmip::esp {

/// An address selector: any address, or an inclusive range of one family (a single address and a
/// prefix are ranges too).
class AddressRange {
 public:
  /// Any address of either family.
  AddressRange() = default;
  static AddressRange any() { return {}; }
  static AddressRange single(const IpAddress& address);
  static AddressRange prefix(const Ipv6Prefix& prefix);
  static AddressRange prefix(const Ipv4Prefix& prefix);
  /// first ≤ last, one family; nullopt otherwise.
  static std::optional<AddressRange> range(const IpAddress& first, const IpAddress& last);
  /// "any", "2001:db8::1", "2001:db8::/64", "192.0.2.0/24", "10.0.0.1-10.0.0.9".
  static std::optional<AddressRange> parse(std::string_view text);

  [[nodiscard]] bool isAny() const { return !bounds_; }
  [[nodiscard]] bool contains(const IpAddress& address) const;
  [[nodiscard]] std::string toString() const;
  /// The bounds of a non-any range (calling them on "any" is a programming error).
  [[nodiscard]] const IpAddress& first() const {
    DSMIP_CHECK(bounds_.has_value());
    return bounds_->first;
  }
  [[nodiscard]] const IpAddress& last() const {
    DSMIP_CHECK(bounds_.has_value());
    return bounds_->second;
  }

  friend bool operator==(const AddressRange&, const AddressRange&) = default;

 private:
  std::optional<std::pair<IpAddress, IpAddress>> bounds_;
};

/// An inclusive range of 16-bit ports; the default is any port.
struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0xFFFF;

  static PortRange single(std::uint16_t port) { return {port, port}; }
  [[nodiscard]] bool isAny() const { return first == 0 && last == 0xFFFF; }
  [[nodiscard]] bool contains(std::uint16_t v) const { return v >= first && v <= last; }
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

/// Message type and code ranges (MH: type only; ICMP/ICMPv6: type and code). Default: any.
struct MessageRange {
  std::uint8_t type_first = 0;
  std::uint8_t type_last = 255;
  std::uint8_t code_first = 0;
  std::uint8_t code_last = 255;

  static MessageRange type(std::uint8_t t) { return {t, t, 0, 255}; }
  static MessageRange typeAndCode(std::uint8_t t, std::uint8_t c) { return {t, t, c, c}; }
  [[nodiscard]] bool isAny() const {
    return type_first == 0 && type_last == 255 && code_first == 0 && code_last == 255;
  }
  friend bool operator==(const MessageRange&, const MessageRange&) = default;
};

/// The selector values of one packet (RFC 4301 §4.4.1.1), as found in its headers. The source is
/// the Home Address option's address when there is one, and the destination the type 2 routing
/// header's address (RFC 4877 §4.2).
struct PacketSelectors {
  IpAddress source;
  IpAddress destination;
  std::uint8_t protocol = 0;
  std::optional<std::uint16_t> source_port;       // TCP/UDP/SCTP; nullopt = OPAQUE or n/a
  std::optional<std::uint16_t> destination_port;  //
  std::optional<std::uint8_t> message_type;       // MH, ICMP, ICMPv6; nullopt = OPAQUE or n/a
  std::optional<std::uint8_t> message_code;       // ICMP, ICMPv6

  friend bool operator==(const PacketSelectors&, const PacketSelectors&) = default;
};

/// Whether a protocol has ports (TCP, UDP, SCTP) or a message type (MH, ICMP, ICMPv6).
bool protocolHasPorts(std::uint8_t protocol);
bool protocolHasMessageType(std::uint8_t protocol);

/// One SPD entry's selectors.
struct Selector {
  AddressRange local;
  AddressRange remote;
  std::optional<std::uint8_t> protocol;  // next layer protocol; nullopt = any
  PortRange local_port;                  // only with TCP/UDP/SCTP
  PortRange remote_port;
  MessageRange local_message;   // only with MH/ICMP/ICMPv6: messages this node sends
  MessageRange remote_message;  // messages this node receives

  /// Does a packet travelling in `direction` fall within these selectors?
  [[nodiscard]] bool matches(const PacketSelectors& packet, Direction direction) const;
  /// "local 2001:db8::100 remote 2001:db8::1 proto 135 local-type 5 remote-type 6".
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const Selector&, const Selector&) = default;
};

}  // namespace dsmip::esp
