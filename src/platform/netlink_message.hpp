#pragma once
// rtnetlink (RFC 3549, Linux rtnetlink(7)) messages for what the daemons configure: links,
// interface addresses, routes, proxy neighbour entries and policy-routing rules. The value
// types here are what Netlink and NetlinkMonitor take and return; the encode/decode functions
// build and parse single messages without a socket, so they are unit-tested on their own.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "platform/address.hpp"

namespace dsmip::platform {

/// NLMSG_ALIGN: netlink messages and attributes are padded to multiples of 4 bytes.
[[nodiscard]] constexpr std::size_t netlinkAlign(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}
/// Length of struct nlmsghdr, aligned.
inline constexpr std::size_t kNetlinkHeaderLength = 16;

/// Routing tables of the kernel (RT_TABLE_*); a daemon's own tables are small integers chosen
/// in its configuration.
inline constexpr std::uint32_t kMainTable = 254;
inline constexpr std::uint32_t kLocalTable = 255;
/// Route origin (RTPROT_*) for routes a daemon installs: "static", what `ip route` shows as
/// "proto static".
inline constexpr std::uint8_t kRouteProtocolStatic = 4;
/// What the kernel marks its own routes with (prefix routes of addresses, local routes).
inline constexpr std::uint8_t kRouteProtocolKernel = 2;

/// One network interface as rtnetlink reports it.
struct LinkInfo {
  int index = 0;
  std::string name;
  std::uint32_t flags = 0;  // IFF_* bits (net/if.h)
  std::uint32_t mtu = 0;
  std::string kind;  // IFLA_INFO_KIND ("veth", "tun", …); empty for e.g. loopback
  /// Administratively up (IFF_UP).
  [[nodiscard]] bool up() const { return (flags & 0x1u) != 0; }
  /// Operationally up: up and with carrier (IFF_RUNNING).
  [[nodiscard]] bool running() const { return (flags & 0x40u) != 0; }
  friend bool operator==(const LinkInfo&, const LinkInfo&) = default;
};

/// How an address is added.
struct AddressOptions {
  /// IFA_F_NODAD (IPv6): usable at once instead of "tentative" for about a second; a daemon
  /// owns its addresses, so duplicate detection has nothing to find.
  bool no_dad = true;
  /// IFA_F_NOPREFIXROUTE: do not add the prefix route the kernel would derive from the prefix
  /// length (the daemon installs exactly the routes it wants).
  bool no_prefix_route = false;
};

/// An address configured on an interface.
struct InterfaceAddress {
  int ifindex = 0;
  IpPrefix address;         // the local address with its prefix length (host bits kept)
  std::uint32_t flags = 0;  // IFA_F_* (IFA_FLAGS when present, else ifa_flags)
  std::uint8_t scope = 0;   // RT_SCOPE_*: 0 universe, 253 link, 254 host
  /// IFA_F_TENTATIVE: IPv6 duplicate address detection still running; not yet usable.
  [[nodiscard]] bool tentative() const { return (flags & 0x40u) != 0; }
  friend bool operator==(const InterfaceAddress&, const InterfaceAddress&) = default;
};

/// rtm_type of a route.
enum class RouteType : std::uint8_t {
  Unicast,      // RTN_UNICAST: forward
  Local,        // RTN_LOCAL: deliver locally (local table)
  Broadcast,    // RTN_BROADCAST
  Multicast,    // RTN_MULTICAST
  Blackhole,    // RTN_BLACKHOLE: drop silently
  Unreachable,  // RTN_UNREACHABLE: drop, ICMP unreachable
  Prohibit,     // RTN_PROHIBIT: drop, ICMP administratively prohibited
  Throw,        // RTN_THROW: continue with the next policy rule
  Other,        // anything else (anycast, NAT, …), reported by dumps only
};

/// A route. To add one: destination, and an output interface and/or a gateway.
struct Route {
  IpPrefix destination;  // normalised (host bits zero); 0.0.0.0/0 or ::/0 for default routes
  int ifindex = 0;       // output interface (RTA_OIF); 0 = chosen by the gateway
  std::optional<IpAddress> gateway;           // RTA_GATEWAY, same family as the destination
  std::optional<IpAddress> preferred_source;  // RTA_PREFSRC, source for locally sent packets
  std::uint32_t metric = 0;                   // RTA_PRIORITY; lower wins
  std::uint32_t table = kMainTable;
  RouteType type = RouteType::Unicast;
  std::uint8_t protocol = kRouteProtocolStatic;  // RTPROT_*
  std::optional<std::uint32_t> mtu;              // RTAX_MTU: path MTU for this route
  [[nodiscard]] bool isDefault() const { return prefixLength(destination) == 0; }
  friend bool operator==(const Route&, const Route&) = default;
};

/// How a route (or other object) is written.
enum class WriteMode : std::uint8_t {
  Create,   // NLM_F_CREATE | NLM_F_EXCL: EEXIST if the same key exists
  Replace,  // NLM_F_CREATE | NLM_F_REPLACE: replace the route with the same key, or add it
};

/// A proxy neighbour entry (NTF_PROXY): the kernel answers ARP requests (IPv4, needs
/// forwarding on and a route for the address via another interface) or Neighbor Solicitations
/// (IPv6, needs forwarding and proxy_ndp on the interface) for `address` on `ifindex` with the
/// interface's own link-layer address.
struct ProxyNeighbour {
  int ifindex = 0;
  IpAddress address;
  /// NTF_ROUTER (IPv6): the proxied Neighbor Advertisements carry the Router flag, as a home
  /// agent's must for a mobile router's home address (RFC 3963 §6.2).
  bool router = false;
  friend bool operator==(const ProxyNeighbour&, const ProxyNeighbour&) = default;
};

/// A policy-routing rule (FIB rule): "from SOURCE to DESTINATION iif IIF lookup TABLE", at
/// `priority` (lower is consulted first). Absent selectors match everything.
struct Rule {
  IpFamily family = IpFamily::V4;
  std::optional<IpPrefix> source;              // FRA_SRC
  std::optional<IpPrefix> destination;         // FRA_DST
  std::optional<std::string> input_interface;  // FRA_IIFNAME ("lo" = locally generated)
  std::uint32_t table = kMainTable;
  std::uint32_t priority = 0;  // FRA_PRIORITY; must be set (> 0) to add a rule
  friend bool operator==(const Rule&, const Rule&) = default;
};

/// Kinds of rtnetlink message these functions build or parse (nlmsg_type).
enum class RtnlKind : std::uint8_t {
  NewLink,
  DelLink,
  NewAddress,
  DelAddress,
  NewRoute,
  DelRoute,
  NewNeighbour,
  DelNeighbour,
  NewRule,
  DelRule,
  Other,
};
/// The kind of a whole message (by its nlmsg_type); Other if too short or not handled here.
[[nodiscard]] RtnlKind rtnlKind(ByteView message);

// Builders: one request message each (nlmsg_seq = seq, NLM_F_REQUEST | NLM_F_ACK and the
// flags the operation needs). They validate what the kernel would reject less readably.

/// RTM_GETLINK for one link, by index (if > 0) or else by name.
[[nodiscard]] Result<Bytes> encodeGetLink(int ifindex, std::string_view name, std::uint32_t seq);
/// RTM_NEWLINK changing flags and/or MTU of an existing link.
[[nodiscard]] Result<Bytes> encodeSetLink(int ifindex, std::optional<bool> up,
                                          std::optional<std::uint32_t> mtu, std::uint32_t seq);
/// RTM_NEWADDR / RTM_DELADDR.
[[nodiscard]] Result<Bytes> encodeAddress(bool add, int ifindex, const IpPrefix& address,
                                          const AddressOptions& options, std::uint32_t seq);
/// RTM_NEWROUTE / RTM_DELROUTE.
[[nodiscard]] Result<Bytes> encodeRoute(bool add, const Route& route, WriteMode mode,
                                        std::uint32_t seq);
/// RTM_NEWNEIGH / RTM_DELNEIGH with NTF_PROXY.
[[nodiscard]] Result<Bytes> encodeProxyNeighbour(bool add, const ProxyNeighbour& entry,
                                                 std::uint32_t seq);
/// RTM_NEWRULE / RTM_DELRULE.
[[nodiscard]] Result<Bytes> encodeRule(bool add, const Rule& rule, std::uint32_t seq);
/// RTM_GETROUTE for one destination ("ip route get"), optionally from a source address.
[[nodiscard]] Result<Bytes> encodeRouteLookup(const IpAddress& destination,
                                              const std::optional<IpAddress>& source,
                                              std::uint32_t seq);

/// Dump requests (NLM_F_DUMP) for every object of a kind.
enum class DumpKind : std::uint8_t { Links, Addresses, Routes, ProxyNeighbours, Rules };
/// `family` is ignored for Links (always AF_UNSPEC); nullopt means both families.
[[nodiscard]] Bytes encodeDump(DumpKind kind, std::optional<IpFamily> family, std::uint32_t seq);

// Parsers: one whole message each (header included), as received in a dump, a reply or a
// multicast notification. Errors name what was malformed; IPv4/IPv6 only.

[[nodiscard]] Result<LinkInfo> decodeLink(ByteView message);
[[nodiscard]] Result<InterfaceAddress> decodeAddress(ByteView message);
[[nodiscard]] Result<Route> decodeRoute(ByteView message);
[[nodiscard]] Result<ProxyNeighbour> decodeProxyNeighbour(ByteView message);
[[nodiscard]] Result<Rule> decodeRule(ByteView message);

/// Human-readable forms for logs and `dsmip show` ("2001:db8::/64 dev 3 via fe80::1 metric 1024
/// table 254").
[[nodiscard]] std::string toString(const Route& route);
[[nodiscard]] std::string toString(const Rule& rule);
[[nodiscard]] std::string toString(const InterfaceAddress& address);

}  // namespace dsmip::platform
