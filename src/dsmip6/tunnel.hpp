#pragma once
// The per-packet data plane shared by the home agent and the mobile node: the decision types
// the cores return for every packet, the outer headers to prepend (RFC 2473, RFC 4213,
// RFC 2003, RFC 5555 §4.1 and the TLV header of decision D3), the tunnel rules of protocol
// reference §7 (ECN per RFC 6040 §4, DSCP per RFC 2983, TTL and DF), and the helpers that let
// the daemon apply a decision without knowing the rules.
//
// Nothing here allocates: the cores' data-plane functions return a PacketDecision by value and
// the daemon prepends the headers into the headroom of its PacketBuffer.
//
// TTL / hop limit of the inner packet: both tunnel ends are routers that forward through the
// kernel (packets reach the TUN device after the kernel's forwarding step, and decapsulated
// packets written to the TUN are forwarded by the kernel again), so the kernel decrements the
// inner hop limit exactly once per forwarding hop and the cores leave it untouched (RFC 4213
// §3.3, RFC 2473 §3.1, RFC 2003 §3.1: the tunnel counts as one hop).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "dsmip6/types.hpp"
#include "wire/ecn_dscp.hpp"

namespace dsmip::dsmip6 {

/// Why a packet was dropped by a data plane (counted per reason).
enum class DropReason : std::uint8_t {
  None = 0,
  Malformed,              // not a complete IPv4/IPv6 packet, bad TLV header
  UnsupportedPayload,     // a tunnel payload other than IPv4/IPv6 (TLV ESP/GRE, other protocol)
  NoBinding,              // no binding for the destination (HA) / not registered (MN)
  WrongOuterSource,       // outer source is not the binding's care-of address / the HA
  WrongOuterPort,         // outer address matches but the UDP port does not
  WrongEncapsulation,     // IP-in-IPv4 from a NATed binding, IPv6 outer for an IPv4 CoA, ...
  WrongInnerSource,       // inner source is not a home address/prefix of that binding
  InvalidInnerSource,     // RFC 4213 §3.6: multicast, loopback, IPv4-compatible/mapped source
  WrongInnerDestination,  // MN: the inner destination is not one of its addresses/prefixes
  EcnNotEctWithCe,        // RFC 6040 §4.2: inner Not-ECT, outer CE: must be dropped
  AtHome,                 // MN at home: nothing goes through the tunnel
  NoIpv4HomeAddress,      // MN: IPv4 packet but no IPv4 home address acknowledged
  Count,
};
/// "malformed", "no-binding", "wrong-outer-source", … (stable names for counters and JSON).
std::string_view dropReasonName(DropReason reason);
inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::Count);

/// What the daemon must do with a packet.
enum class Verdict : std::uint8_t {
  Drop,         // discard it (drop_reason says why; already counted)
  Encapsulate,  // prepend `tunnel` (prependTunnelHeaders) and send the result
  Deliver,      // write the inner packet to the TUN device (after applyInnerTrafficClass)
  Signalling,   // run the inner packet through ESP and then the core's onSignalling()
};
std::string_view verdictName(Verdict verdict);

/// The outer headers of one tunnelled packet, fully decided by a core. The daemon prepends them
/// with prependTunnelHeaders() and sends the result on a raw IPv6/IPv4 socket (Ipv6, Ipv4) or,
/// for Udp/UdpTlv, may strip them and send the TLV+payload on its UDP socket.
struct TunnelHeaders {
  Encapsulation encapsulation = Encapsulation::None;  // Ipv6, Ipv4, Udp or UdpTlv
  std::uint8_t inner_protocol = 0;                    // 41 (IPv6 inside) or 4 (IPv4 inside)
  Ipv6Address ipv6_source;                            // Ipv6
  Ipv6Address ipv6_destination;
  Ipv4Address ipv4_source;  // Ipv4, Udp, UdpTlv
  Ipv4Address ipv4_destination;
  std::uint16_t udp_source_port = 0;  // Udp, UdpTlv
  std::uint16_t udp_destination_port = 0;
  bool udp_checksum = true;        // false: UDP checksum 0 (allowed over IPv4, RFC 768)
  std::uint8_t traffic_class = 0;  // outer Traffic Class / TOS: DSCP and ECN (reference §7.4/7.5)
  std::uint8_t hop_limit = 64;     // outer hop limit / TTL
  bool dont_fragment = false;      // IPv4 outer: RFC 4213 §3.2.1 (never), RFC 2003 (copied)
  std::uint16_t identification = 0;  // IPv4 outer

  /// Octets prependTunnelHeaders() adds: 40 (IPv6), 20 (IPv4), 28 (UDP), 32 (UDP + TLV).
  [[nodiscard]] std::size_t length() const;
  friend bool operator==(const TunnelHeaders&, const TunnelHeaders&) = default;
};

/// A core's decision about one packet.
struct PacketDecision {
  Verdict verdict = Verdict::Drop;
  DropReason drop_reason = DropReason::None;
  TunnelHeaders tunnel;  // Encapsulate
  /// Deliver / Signalling: the inner packet is input[inner_offset, inner_offset + inner_length)
  /// (the input being the view the daemon passed in: a TUN packet, or TunnelledPacket::payload).
  std::size_t inner_offset = 0;
  std::size_t inner_length = 0;
  /// Deliver: the Traffic Class / TOS to write into the inner header (ECN per RFC 6040 §4.2,
  /// DSCP per the configured RFC 2983 model) when it differs from the received one.
  bool rewrite_traffic_class = false;
  std::uint8_t traffic_class = 0;
  /// Signalling: the transport to give to onSignalling() together with the inner packet.
  Transport transport;
  /// The ECN combination was one RFC 6040 §4.2 marks as unusual (already counted).
  wire::EcnAnomaly ecn_anomaly = wire::EcnAnomaly::None;

  [[nodiscard]] ByteView inner(ByteView input) const {
    return input.subspan(inner_offset, inner_length);
  }
};

/// A tunnelled packet as the daemon received it, outer header(s) already removed by the
/// socket layer (raw IPv6/IPv4 socket for protocol 41/4, UDP socket for port 4191).
struct TunnelledPacket {
  Encapsulation outer = Encapsulation::Ipv6;  // Ipv6, Ipv4 or Udp (TLV is detected)
  Ipv6Address ipv6_source;                    // outer IPv6 source (Ipv6)
  Ipv6Address ipv6_destination;
  Ipv4Endpoint ipv4_source;  // outer IPv4 source, with the UDP source port for Udp
  Ipv4Endpoint ipv4_destination;
  std::uint8_t traffic_class = 0;  // outer Traffic Class / TOS
  std::uint8_t protocol = 0;       // Ipv6/Ipv4: Next Header / Protocol (41 or 4); Udp: unused
  ByteView payload;                // after the outer IP (and UDP) header
};

/// The fields the data planes read from an IPv4 or IPv6 header (fast path: lengths and version
/// are checked, the IPv4 header checksum is not — the kernel checked it on the way in and
/// checks again when the packet is written to the TUN).
struct IpHeaderView {
  std::uint8_t version = 0;        // 4 or 6
  std::uint8_t traffic_class = 0;  // TOS / Traffic Class
  std::uint8_t protocol = 0;       // IPv4 Protocol / IPv6 Next Header (first header)
  bool dont_fragment = false;      // IPv4
  Ipv6Address source6;
  Ipv6Address destination6;
  Ipv4Address source4;
  Ipv4Address destination4;
  std::size_t length = 0;  // 40 + Payload Length, or Total Length (octets beyond are padding)
};
/// Reads an IPv4/IPv6 header at the start of `packet`; nullopt if it is not a complete packet
/// (too short, IHL < 5, length field beyond the buffer, Payload Length 0 jumbogram).
std::optional<IpHeaderView> peekIpHeader(ByteView packet);

/// Prepends `headers` in the headroom of `packet` (whose content is the inner packet), using the
/// wire encoders. NoSpace if the headroom is too small; InvalidArgument for Encapsulation::None.
Status prependTunnelHeaders(PacketBuffer& packet, const TunnelHeaders& headers);

/// Writes `traffic_class` into the IPv4 TOS (recomputing the header checksum) or the IPv6
/// Traffic Class of the packet at the start of `inner`. Malformed if it is not an IP packet.
Status applyInnerTrafficClass(MutableByteView inner, std::uint8_t traffic_class);

/// Tunnel header policy shared by both ends (protocol reference §7).
struct TunnelPolicy {
  wire::EcnEncapsulationMode ecn = wire::EcnEncapsulationMode::Normal;  // RFC 6040 §4.1
  wire::DscpModel dscp = wire::DscpModel::Uniform;  // RFC 2983 §3.1 at decapsulation
  std::uint8_t hop_limit = 64;                      // outer hop limit / TTL (RFC 2473 §6.3)
  bool udp_checksum = true;                         // compute the UDP checksum over IPv4
};

/// The outer Traffic Class / TOS at encapsulation: the inner DSCP copied (RFC 5555 §4.1.1) and
/// the ECN field per RFC 6040 §4.1.
std::uint8_t outerTrafficClass(std::uint8_t inner_traffic_class, const TunnelPolicy& policy);

/// The decapsulation rule for one packet (RFC 6040 §4.2, RFC 2983 §3.1).
struct Decapsulated {
  bool drop = false;  // inner Not-ECT with outer CE
  std::uint8_t traffic_class = 0;
  bool changed = false;  // traffic_class differs from the inner one
  wire::EcnAnomaly anomaly = wire::EcnAnomaly::None;
};
Decapsulated decapsulateTrafficClass(std::uint8_t inner_traffic_class,
                                     std::uint8_t outer_traffic_class, wire::DscpModel model);

/// RFC 4213 §3.6 (IPv6) and the matching IPv4 rule: a decapsulated packet's source must not be
/// multicast, loopback, unspecified, IPv4-compatible or IPv4-mapped (IPv4: multicast,
/// broadcast, loopback, 0.0.0.0 or class E).
bool isAcceptableInnerSource(const IpHeaderView& inner);

}  // namespace dsmip::dsmip6
