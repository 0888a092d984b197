// Socket address conversions.
#include "platform/socket_address.hpp"

#include <cstring>

namespace dsmip::platform {

in_addr toInAddr(const Ipv4Address& a) {
  in_addr out{};
  static_assert(sizeof(out.s_addr) == 4);
  std::memcpy(&out.s_addr, a.bytes.data(), 4);  // both in network byte order
  return out;
}

Ipv4Address fromInAddr(const in_addr& a) {
  Ipv4Address out;
  std::memcpy(out.bytes.data(), &a.s_addr, 4);
  return out;
}

in6_addr toIn6Addr(const Ipv6Address& a) {
  in6_addr out{};
  static_assert(sizeof(out.s6_addr) == 16);
  std::memcpy(out.s6_addr, a.bytes.data(), 16);
  return out;
}

Ipv6Address fromIn6Addr(const in6_addr& a) {
  Ipv6Address out;
  std::memcpy(out.bytes.data(), a.s6_addr, 16);
  return out;
}

SocketAddress toSocketAddress(const Ipv4Endpoint& e) {
  SocketAddress out;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(e.port);
  sin.sin_addr = toInAddr(e.address);
  std::memcpy(&out.storage, &sin, sizeof(sin));
  out.length = sizeof(sin);
  return out;
}

SocketAddress toSocketAddress(const Ipv6Endpoint& e, std::uint32_t scope_id) {
  SocketAddress out;
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(e.port);
  sin6.sin6_addr = toIn6Addr(e.address);
  sin6.sin6_scope_id = scope_id;
  std::memcpy(&out.storage, &sin6, sizeof(sin6));
  out.length = sizeof(sin6);
  return out;
}

SocketAddress toSocketAddress(const IpEndpoint& e) {
  if (const auto* v4 = std::get_if<Ipv4Endpoint>(&e)) return toSocketAddress(*v4);
  return toSocketAddress(std::get<Ipv6Endpoint>(e));
}

std::optional<IpEndpoint> fromSocketAddress(const sockaddr_storage& storage, socklen_t length) {
  if (storage.ss_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in sin{};
    std::memcpy(&sin, &storage, sizeof(sin));
    return IpEndpoint{Ipv4Endpoint{fromInAddr(sin.sin_addr), ntohs(sin.sin_port)}};
  }
  if (storage.ss_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &storage, sizeof(sin6));
    return IpEndpoint{Ipv6Endpoint{fromIn6Addr(sin6.sin6_addr), ntohs(sin6.sin6_port)}};
  }
  return std::nullopt;
}

}  // namespace dsmip::platform
