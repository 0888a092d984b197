#pragma once
// Plain IPv6 signalling packets: building them (IPv6 header, type 2 routing header / Home
// Address option, then a Mobility Header or an ICMPv6 message, checksums over the right
// pseudo-header) and checking inbound ones as RFC 6275 §9.2 requires before a core looks at the
// message.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv6.hpp"
#include "wire/mh.hpp"

namespace dsmip::dsmip6 {

/// Why an inbound signalling packet was discarded (counted per reason by both cores).
enum class SignallingDrop : std::uint8_t {
  None = 0,
  MalformedIpv6,       // the IPv6 packet or its extension headers do not decode
  Fragment,            // signalling arrives unfragmented (no reassembly here)
  UnknownOption,       // an unrecognised IPv6 option whose action is "discard"
  UnexpectedProtocol,  // neither a Mobility Header nor ICMPv6
  BadChecksum,         // MH checksum (RFC 6275 §9.2: silently discarded)
  BadPayloadProto,     // MH Payload Proto not 59 (§9.2: ICMPv6 Parameter Problem, pointer 0)
  BadHeaderLength,     // MH Header Len below the type's minimum (§9.2: pointer 1)
  MalformedOptions,    // mobility options that do not decode
  MalformedIcmpv6,     // ICMPv6 that does not decode or verify
  NotForUs,            // destination is not this node's signalling address
  Unprotected,         // ESP required but the packet was not protected
  SecurityAssociationMismatch,     // the SA's home address is not the message's home address
  UnexpectedMessage,               // a message this node does not process (e.g. a BA at the HA)
  InvalidHomeAddress,              // not unicast routable (§9.5.1)
  InvalidCareOfAddress,            // IPv6 CoA not unicast routable (§6.1.7: silently discarded)
  NonceIndicesInHomeRegistration,  // §9.5.1
  MissingHomeAddressOption,        // home registration from away without HAO (§10.3.1)
  Ipv4NotOverUdp,        // an IPv4 CoA option, or IPv4 transport, but not UDP (RFC 5555 §4.2)
  UdpWithoutIpv4CareOf,  // a UDP-encapsulated BU without the IPv4 CoA option
  NotHomeRegistration,   // H = 0: route optimisation is not supported by this home agent
  UnknownBinding,        // HAO without a matching binding (§9.3.1: Binding Error 1 sent)
  NotFromHomeAgent,      // MN: source is not its home agent
  NoOutstandingUpdate,   // MN: a BA whose sequence number matches no outstanding BU
  Count,
};
/// Stable kebab-case name for counters and JSON.
std::string_view signallingDropName(SignallingDrop drop);
inline constexpr std::size_t kSignallingDropCount = static_cast<std::size_t>(SignallingDrop::Count);

/// An inbound signalling packet that passed the checks of RFC 6275 §9.2. Views point into the
/// caller's buffer.
struct ParsedSignalling {
  wire::Ipv6Packet ip;
  Ipv6Address source;       // upper-layer source: Home Address option if any, else IPv6 source
  Ipv6Address destination;  // final destination: type 2 routing header if any, else IPv6 dest.
  std::optional<wire::MobilityMessage> mobility;  // upper layer 135
  std::optional<wire::Icmpv6Message> icmpv6;      // upper layer 58
};

/// Outcome of parseSignalling(): a packet, or why not. For the two MH errors RFC 6275 §9.2
/// answers with an ICMPv6 Parameter Problem (code 0), `parameter_problem_pointer` is the octet
/// offset in the packet to point at.
struct SignallingParse {
  std::optional<ParsedSignalling> packet;
  SignallingDrop drop = SignallingDrop::None;
  std::optional<std::uint32_t> parameter_problem_pointer;
  /// The IPv6 Source Address when the IPv6 header decoded (where a Parameter Problem goes).
  std::optional<Ipv6Address> ipv6_source;
};

/// Decodes an inbound plain IPv6 signalling packet: the IPv6 header chain, then either the
/// Mobility Header (checksum first, then structure; RFC 6275 §9.2) or an ICMPv6 message
/// (checksum verified).
SignallingParse parseSignalling(ByteView packet);

/// Builds a plain IPv6 packet carrying `message`: IPv6 header (hop limit 64), the type 2
/// routing header and/or the Home Address option of `extensions`, then the Mobility Header with
/// its checksum over {HAO or source, routing header address or destination} (RFC 6275 §6.1.1).
Result<Bytes> buildMobilityPacket(const wire::MobilityMessage& message, const Ipv6Address& source,
                                  const Ipv6Address& destination,
                                  const wire::Ipv6Extensions& extensions = {});

/// Wraps the ICMPv6 message held in `icmpv6` (built by a wire builder with the checksum over
/// `source` / `destination`) into an IPv6 packet and returns its bytes.
Result<Bytes> finishIcmpv6Packet(PacketBuffer& icmpv6, const Ipv6Address& source,
                                 const Ipv6Address& destination,
                                 const wire::Ipv6Extensions& extensions = {});

/// An ICMPv6 Parameter Problem (code 0, Erroneous header field) about `invoking_packet`,
/// pointing at `pointer`, from `source` to the invoking packet's IPv6 source (RFC 6275 §9.2).
Result<Bytes> buildParameterProblemPacket(ByteView invoking_packet, std::uint32_t pointer,
                                          const Ipv6Address& source,
                                          const Ipv6Address& destination);

}  // namespace dsmip::dsmip6
