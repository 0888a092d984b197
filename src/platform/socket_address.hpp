#pragma once
// Conversions between the platform's address types and the kernel's socket addresses. Used by
// every socket wrapper in this folder; not needed by callers of the platform layer.

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>

#include "platform/address.hpp"

namespace dsmip::platform {

/// A sockaddr_storage and the length of the address it holds.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  [[nodiscard]] const sockaddr* get() const {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
    return reinterpret_cast<const sockaddr*>(&storage);
  }
  [[nodiscard]] sockaddr* get() {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
    return reinterpret_cast<sockaddr*>(&storage);
  }
};

[[nodiscard]] in_addr toInAddr(const Ipv4Address& a);
[[nodiscard]] Ipv4Address fromInAddr(const in_addr& a);
[[nodiscard]] in6_addr toIn6Addr(const Ipv6Address& a);
[[nodiscard]] Ipv6Address fromIn6Addr(const in6_addr& a);

[[nodiscard]] SocketAddress toSocketAddress(const Ipv4Endpoint& e);
/// `scope_id` is the interface index for link-local addresses (0 otherwise).
[[nodiscard]] SocketAddress toSocketAddress(const Ipv6Endpoint& e, std::uint32_t scope_id = 0);
[[nodiscard]] SocketAddress toSocketAddress(const IpEndpoint& e);

/// The endpoint in a sockaddr_in or sockaddr_in6 (IPv4-mapped IPv6 addresses stay IPv6);
/// nullopt for other families or a short length.
[[nodiscard]] std::optional<IpEndpoint> fromSocketAddress(const sockaddr_storage& storage,
                                                          socklen_t length);

}  // namespace dsmip::platform
