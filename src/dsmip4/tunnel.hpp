#pragma once
// The tunnels of DSMIPv4, shared by the home agent and mobile node cores: what a data-plane
// decision tells the daemon to put in front of a packet, and the pure helpers that do it.
//
//   IPv4 to the IPv4 home address      IP-in-IP, protocol 4 (RFC 5944 §4.1, RFC 2003 §3.1)
//                                      or UDP Tunnel Data, Next Header 4 (RFC 3519 §3.3)
//   IPv6, prefix code 1 (to the CoA)   IPv6 in IPv4, protocol 41 (RFC 5454 §3.3.2, RFC 4213 §3.5)
//                                      or UDP Tunnel Data, Next Header 41 (RFC 5454 §3.9)
//   IPv6, prefix code 0 (to the HoA)   IPv6 in IPv4 (41) between the HA and the IPv4 home address,
//                                      then that packet in the IPv4 tunnel above (RFC 5454 §3.3.2
//                                      "double encapsulation")
//
// Traffic class (protocol reference §7.4, §7.5; RFC 5454 §3.6 recommends copying): at
// encapsulation the outer DSCP is copied from the inner header and the outer ECN field follows
// RFC 6040 §4.1 (normal mode copies it); at decapsulation the inner ECN field follows the table
// of RFC 6040 §4.2 (drop on inner Not-ECT with outer CE) and the DSCP follows the configured
// RFC 2983 model. IPv4-in-IPv4 copies the inner DF bit (RFC 2003 §3.1); IPv6-in-IPv4 never sets
// DF (static tunnel MTU, RFC 4213 §3.2.1).
//
// Nothing here allocates: decisions are plain values and the helpers prepend into the headroom of
// the caller's PacketBuffer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "wire/ecn_dscp.hpp"
#include "wire/ipv4.hpp"
#include "wire/mipv4.hpp"

namespace dsmip::dsmip4 {

/// How IPv6 traffic of a registered prefix is tunnelled (RFC 5454 §2.2 codes 0 and 1, §3.3.2).
enum class Ipv6TunnelMode : std::uint8_t {
  ToHomeAddress,    // code 0: IPv6 in IPv4 to the IPv4 home address, inside the IPv4 tunnel
  ToCareOfAddress,  // code 1: IPv6 in IPv4 straight to the co-located care-of address
};
std::string_view ipv6TunnelModeName(Ipv6TunnelMode mode);  // "home-address", "care-of-address"

/// The outer transport of a binding: IP-in-IP (RFC 5944 §4.1) or UDP tunnelling (RFC 3519).
enum class TunnelTransport : std::uint8_t { IpInIp, Udp };
std::string_view tunnelTransportName(TunnelTransport transport);  // "ip-in-ip", "udp"

/// The RFC 3519 part of an encapsulation: a Mobile IP Tunnel Data header, then UDP.
struct UdpEncapsulation {
  std::uint8_t next_header = wire::kTunnelDataNextHeaderIpv4;  // 4 or 41 (RFC 5454 §3.9)
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  friend bool operator==(const UdpEncapsulation&, const UdpEncapsulation&) = default;
};

/// The headers to put in front of a packet, innermost first:
///   [outer IPv4] [UDP + Tunnel Data, if `udp`] [home tunnel IPv4, if `home_tunnel`] packet
/// Total Length and the checksums are computed when applied; every other field (addresses,
/// protocol, TOS, TTL, DF, Identification) is decided by the core.
struct Encapsulation {
  /// RFC 5454 §3.3.2 code 0: the IPv4 header (protocol 41) between the HA and the IPv4 home
  /// address that carries an IPv6 packet inside the IPv4 tunnel.
  std::optional<wire::Ipv4Header> home_tunnel;
  /// RFC 3519 UDP tunnelling; the outer protocol is then 17.
  std::optional<UdpEncapsulation> udp;
  /// The outermost header: protocol 4 (IP-in-IP), 41 (IPv6 in IPv4) or 17 (UDP).
  wire::Ipv4Header outer;

  /// Octets the headers add in front of the packet.
  [[nodiscard]] std::size_t overhead() const;
  /// The outer destination as an endpoint (the UDP destination port, or 0 without UDP).
  [[nodiscard]] Ipv4Endpoint destination() const;
  friend bool operator==(const Encapsulation&, const Encapsulation&) = default;
};

/// Prepends the layers that sit inside the UDP payload: the home tunnel header (if any) and the
/// Tunnel Data header (if UDP). A daemon that sends UDP tunnel data through its UDP socket calls
/// this and sends the result to destination() from udp->source_port. Without UDP and home
/// tunnel it does nothing. NoSpace if the headroom is too small.
Status prependInnerLayers(PacketBuffer& packet, const Encapsulation& encapsulation);

/// Prepends every layer: the inner layers, the UDP header (checksum computed) and the outer IPv4
/// header, for a raw socket with IP_HDRINCL. NoSpace / BadLength as the wire prepend functions.
Status applyEncapsulation(PacketBuffer& packet, const Encapsulation& encapsulation);

/// Why a data-plane packet was dropped. Each reason has its own counter.
enum class DropReason : std::uint8_t {
  Malformed,                // the packet or one of its tunnel headers does not decode
  UnsupportedProtocol,      // not IPv4 / IPv6, or an outer protocol that is not a tunnel of ours
  NoBinding,                // no valid registration covers this packet
  NotRegisteredSource,      // MN: a TUN packet from neither the HoA nor an accepted prefix
  WrongOuterSource,         // RFC 3024 §4.2.1, RFC 5454 §3.3.2: not the registered CoA / HoA / HA
  WrongOuterDestination,    // not addressed to this end of the tunnel
  WrongUdpEndpoint,         // RFC 3519 §4.3: addresses and ports must match the tunnel exactly
  TransportMismatch,        // IP-in-IP on a UDP binding or UDP on an IP-in-IP one (RFC 3519 §4.7)
  NextHeaderMismatch,       // RFC 3519 §3.3: Tunnel Data Next Header not the binding's mode
  TunnelModeMismatch,       // IPv6 from the CoA for a prefix registered with code 0
  SpoofedInnerIpv4Source,   // RFC 3024 §4.2.1: inner source is not the home address
  SpoofedInnerIpv6Source,   // RFC 5454 §4: a security exception, logged by the daemon
  WrongInnerDestination,    // MN: inner destination is neither the HoA nor an accepted prefix
  UnacceptableInnerSource,  // RFC 4213 §3.6: multicast, loopback, IPv4-compatible or -mapped
  EcnCeOnNotEct,            // RFC 6040 §4.2: outer CE over an inner Not-ECT packet
  EncapsulationFailed,      // no headroom or the packet would exceed 65535 octets
};
inline constexpr std::size_t kDropReasonCount =
    static_cast<std::size_t>(DropReason::EncapsulationFailed) + 1;
std::string_view dropReasonName(DropReason reason);  // "wrong-udp-endpoint", ...

/// Per-reason drop counters.
struct DropCounters {
  std::array<std::uint64_t, kDropReasonCount> counts{};
  void add(DropReason reason) { ++counts[static_cast<std::size_t>(reason)]; }
  [[nodiscard]] std::uint64_t operator[](DropReason reason) const {
    return counts[static_cast<std::size_t>(reason)];
  }
  [[nodiscard]] std::uint64_t total() const;
};

/// A data-plane decision for a packet going into a tunnel (a packet the HA intercepted on the
/// home side, or one the MN read from its TUN).
enum class SendVerdict : std::uint8_t {
  Tunnel,  // apply `encapsulation` (prependInnerLayers or applyEncapsulation) and send
  Drop,    // drop; `reason` says why and the buffer is unchanged
};
struct SendDecision {
  SendVerdict verdict = SendVerdict::Drop;
  DropReason reason = DropReason::NoBinding;  // when dropped
  Ipv4Address home_address;                   // the binding concerned (unspecified if none)
  Encapsulation encapsulation;                // when tunnelled
};

/// A data-plane decision for a packet that came out of a tunnel.
enum class ReceiveVerdict : std::uint8_t {
  Deliver,   // the buffer now holds the inner IPv4 or IPv6 packet: write it to the TUN
  Reply,     // HA: a UDP keep-alive; the buffer holds the answer, send it with `reply`
  Consumed,  // MN: the answer to one of its keep-alives; nothing to do
  Drop,      // drop; `reason` says why; the buffer still holds the packet as received (octets
             // beyond an IPv4 Total Length may have been cut), for the daemon's log
};
struct ReceiveDecision {
  ReceiveVerdict verdict = ReceiveVerdict::Drop;
  DropReason reason = DropReason::Malformed;  // when dropped
  Ipv4Address home_address;                   // the binding concerned (unspecified if none)
  Encapsulation reply;                        // when Reply
  wire::EcnAnomaly ecn_anomaly = wire::EcnAnomaly::None;  // RFC 6040 §4.2: log if not None
};

/// Traffic-class settings of a tunnel end (protocol reference §7.4, §7.5).
struct TrafficClassPolicy {
  wire::EcnEncapsulationMode ecn = wire::EcnEncapsulationMode::Normal;
  wire::DscpModel dscp = wire::DscpModel::Uniform;  // RFC 5454 §3.6: copy between the headers
  friend bool operator==(const TrafficClassPolicy&, const TrafficClassPolicy&) = default;
};

/// The outer TOS for an inner TOS / Traffic Class (RFC 6040 §4.1, RFC 2983 §3.1).
constexpr std::uint8_t outerTos(std::uint8_t inner_traffic_class, const TrafficClassPolicy& p) {
  return wire::makeTrafficClass(wire::encapsulateDscp(wire::dscpOf(inner_traffic_class)),
                                wire::encapsulateEcn(wire::ecnOf(inner_traffic_class), p.ecn));
}

/// What decapsulation does to the inner traffic class.
struct EgressTrafficClass {
  bool drop = false;               // RFC 6040 §4.2: inner Not-ECT with outer CE
  std::uint8_t traffic_class = 0;  // the inner Traffic Class / TOS to forward
  wire::EcnAnomaly anomaly = wire::EcnAnomaly::None;
};
/// The inner Traffic Class / TOS after decapsulation: ECN per RFC 6040 §4.2, DSCP per the
/// RFC 2983 model.
EgressTrafficClass decapsulatedTrafficClass(std::uint8_t inner_traffic_class,
                                            std::uint8_t outer_tos, wire::DscpModel model);
/// Rewrites the Traffic Class / TOS of the IPv4 or IPv6 packet at the start of `inner` for an
/// outer TOS (RFC 6040 §4.2 for ECN, the DSCP model for DSCP); an IPv4 header checksum is updated.
/// The packet must already have been checked to hold a full IPv4 or IPv6 header.
EgressTrafficClass rewriteInnerTrafficClass(MutableByteView inner, std::uint8_t outer_tos,
                                            wire::DscpModel model);

/// The few IPv6 header fields the data path needs, read without walking extension headers.
struct Ipv6Fields {
  std::uint8_t traffic_class = 0;
  std::uint8_t next_header = 0;
  Ipv6Address source;
  Ipv6Address destination;
};
/// Reads the fixed IPv6 header (RFC 8200 §3): Truncated if fewer than 40 octets or the Payload
/// Length runs past the buffer, BadVersion if the version is not 6.
Result<Ipv6Fields> readIpv6Fields(ByteView packet);

/// The Mobile IPv4 message type of a UDP payload received on a registration socket (requests,
/// replies and Tunnel Data share it, RFC 3519 §2): a daemon dispatches on this. nullopt if empty
/// or not one of the types 1, 3, 4.
std::optional<wire::Mipv4MessageType> peekMipv4MessageType(ByteView payload);

/// The RFC 4213 §3.7 link-local address of an IPv4 tunnel end: fe80::a.b.c.d.
Ipv6Address tunnelLinkLocalAddress(const Ipv4Address& address);

}  // namespace dsmip::dsmip4
