#pragma once
// Helpers shared by the platform root tests: bounded waiting for a descriptor, and hand-built
// IP packets (independent of src/wire, which the platform layer must not depend on).

#include <poll.h>

#include <chrono>
#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "platform/clock.hpp"
#include "platform/netlink.hpp"

namespace dsmip::platform::testing {

/// Waits until `fd` reports one of `events` (POLLIN, POLLERR, …); false after `timeout`.
inline bool waitFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return false;
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return (p.revents & (events | POLLERR)) != 0;
    if (r == 0) return false;
  }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
template <typename F>
bool eventually(F&& condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    pollfd none{-1, 0, 0};
    ::poll(&none, 0, 5);
  }
}

/// RFC 1071 internet checksum over `data`, starting from `sum`.
inline std::uint16_t internetChecksum(ByteView data, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
    sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
  }
  if (data.size() % 2 == 1) sum += static_cast<std::uint32_t>(data.back() << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

/// The RFC 8200 §8.1 pseudo-header sum for an upper-layer checksum.
inline std::uint32_t ipv6PseudoSum(const Ipv6Address& src, const Ipv6Address& dst,
                                   std::uint32_t length, std::uint8_t next_header) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 16; i += 2) {
    sum += static_cast<std::uint32_t>((src.bytes[i] << 8) | src.bytes[i + 1]);
    sum += static_cast<std::uint32_t>((dst.bytes[i] << 8) | dst.bytes[i + 1]);
  }
  sum += length >> 16;
  sum += length & 0xFFFF;
  sum += next_header;
  return sum;
}

/// IPv6 fixed header (RFC 8200 §3) followed by `payload`.
inline Bytes ipv6Packet(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next_header,
                        ByteView payload, std::uint8_t hop_limit = 64,
                        std::uint8_t traffic_class = 0) {
  Bytes p(40 + payload.size());
  ByteWriter w(p);
  w.u32(0x60000000u | (std::uint32_t{traffic_class} << 20));
  w.u16(static_cast<std::uint16_t>(payload.size()));
  w.u8(next_header);
  w.u8(hop_limit);
  w.bytes(src.bytes);
  w.bytes(dst.bytes);
  w.bytes(payload);
  return p;
}

/// IPv4 header (RFC 791, no options, checksum filled in) followed by `payload`.
inline Bytes ipv4Packet(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t protocol,
                        ByteView payload, std::uint8_t ttl = 64) {
  Bytes p(20 + payload.size());
  ByteWriter w(p);
  w.u8(0x45);
  w.u8(0);
  w.u16(static_cast<std::uint16_t>(p.size()));
  w.u16(0x1234);  // identification
  w.u16(0x4000);  // DF
  w.u8(ttl);
  w.u8(protocol);
  w.u16(0);
  w.bytes(src.bytes);
  w.bytes(dst.bytes);
  w.bytes(payload);
  const std::uint16_t sum = internetChecksum(ByteView(p).first(20));
  p[10] = static_cast<std::uint8_t>(sum >> 8);
  p[11] = static_cast<std::uint8_t>(sum);
  return p;
}

/// ICMPv6 echo request or reply (RFC 4443 §4) with its checksum.
inline Bytes icmpv6Echo(const Ipv6Address& src, const Ipv6Address& dst, bool reply,
                        std::uint16_t id, std::uint16_t seq, ByteView data) {
  Bytes m(8 + data.size());
  ByteWriter w(m);
  w.u8(reply ? 129 : 128);
  w.u8(0);
  w.u16(0);
  w.u16(id);
  w.u16(seq);
  w.bytes(data);
  const std::uint16_t sum =
      internetChecksum(m, ipv6PseudoSum(src, dst, static_cast<std::uint32_t>(m.size()), 58));
  m[2] = static_cast<std::uint8_t>(sum >> 8);
  m[3] = static_cast<std::uint8_t>(sum);
  return m;
}

inline IpPrefix prefix(std::string_view text) { return *parseIpPrefix(text); }
inline IpAddress address(std::string_view text) { return *parseIpAddress(text); }
inline Ipv6Address v6(std::string_view text) { return *Ipv6Address::parse(text); }
inline Ipv4Address v4(std::string_view text) { return *Ipv4Address::parse(text); }

}  // namespace dsmip::platform::testing
