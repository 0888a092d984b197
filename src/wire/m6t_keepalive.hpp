#pragma once
// The m6t keep-alive (draft-ebalard-mext-m6t-02 §2.3; protocol reference §6.3, decision D8):
// an empty IPv6 packet (Next Header 59, Payload Length 0) from the mobile node's tunnel address
// to fe80::1, answered by the gateway with the addresses swapped. Hop limit 255 (D8).

#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "wire/ipv6.hpp"

namespace dsmip::wire {

inline constexpr std::uint8_t kM6tKeepaliveHopLimit = 255;  // decision D8

/// What an IPv6 packet is with respect to the m6t keep-alive.
enum class M6tKeepaliveKind : std::uint8_t {
  None,     // not a keep-alive
  Request,  // destination fe80::1: from a mobile node to the gateway
  Reply,    // source fe80::1: from the gateway back to the mobile node
};

/// Classifies a decoded packet: a keep-alive has Next Header 59 directly in the IPv6 header and
/// Payload Length 0; destination fe80::1 makes it a request, source fe80::1 a reply. The hop
/// limit is not checked (the draft leaves it open).
M6tKeepaliveKind classifyM6tKeepalive(const Ipv6Packet& packet);

/// True for a keep-alive request (m6t §2.3).
bool isM6tKeepalive(const Ipv6Packet& packet);
/// True for a keep-alive reply (m6t §2.3).
bool isM6tKeepaliveReply(const Ipv6Packet& packet);

/// Replaces the content of `out` with a keep-alive request from `source` (the MN's tunnel
/// address) to fe80::1: 40 octets.
Status buildM6tKeepalive(PacketBuffer& out, const Ipv6Address& source);
/// Replaces the content of `out` with a keep-alive reply from fe80::1 to `mobile_node`.
Status buildM6tKeepaliveReply(PacketBuffer& out, const Ipv6Address& mobile_node);

}  // namespace dsmip::wire
