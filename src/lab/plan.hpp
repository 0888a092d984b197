#pragma once
// The lab's topology as data (pure): the nodes (network namespaces), the links between them
// with their addresses, the bridge of the home link, static routes, NAT, and the visited
// networks the mobile node moves through. topologySteps() turns it into the commands that build
// it; the builder (lab/system.hpp) runs them. docs/lab.md draws the same picture.
//
//                            cn  2001:db8:c::10  192.0.2.10
//                             |
//   v6net  2001:db8:a6::/64 --+                      home link 2001:db8:1::/64, 203.0.113.0/24
//   v4pub  198.18.4.0/24 -----+-- core ---- home (router, bridge) --+-- ha6  ::1   .1
//   nat-a  10.10.1.0/24 (nata, outside 198.18.10.2) --+   |           +-- ha4  ::4   .4
//   nat-b  10.10.2.0/24 (natb, outside 198.18.20.2) --+   |           +-- gw   ::ff (m6t gateway)
//                                                          +-- gw 198.51.100.10 (m6t, UDP 3544)
//   mn: one veth into each visited network; one of them is up at a time.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"

namespace dsmip::lab {

enum class Family : std::uint8_t { Ipv4, Ipv6 };
/// "ipv4" or "ipv6".
std::string_view familyName(Family family);

/// What a visited network offers the mobile node.
enum class NetworkKind : std::uint8_t {
  NativeIpv6,   // IPv6 only, global addresses: an IPv6 care-of address
  PublicIpv4,   // IPv4 only, a public address
  PrivateIpv4,  // IPv4 only, a private address behind a NAT (nftables masquerade)
};
std::string_view networkKindName(NetworkKind kind);

/// A node of the lab: one network namespace.
struct Node {
  std::string role;  // "cn", "core", …: the namespace is <prefix><role>
  std::string description;
  bool forward_ipv4 = false;
  bool forward_ipv6 = false;
};

/// A veth pair. Addresses are "address/length" texts, as `ip address add` takes them.
struct Link {
  std::string node_a;
  std::string interface_a;
  std::string node_b;
  std::string interface_b;
  std::vector<std::string> addresses_a;
  std::vector<std::string> addresses_b;
  bool a_starts_up = true;  // false for the MN's side of visited links (attached on demand)
  std::string bridge_b;     // interface_b is a port of this bridge of node_b ("" if none)
};

/// A bridge inside a node (the home link), with the node's own addresses on it.
struct Bridge {
  std::string node;
  std::string name;
  std::vector<std::string> addresses;
};

struct StaticRoute {
  std::string node;
  std::string destination;  // "2001:db8:1::/48", "default"
  std::string via;          // next-hop address
};

/// Source NAT of everything leaving `outside_interface` (nftables masquerade).
struct Nat {
  std::string node;
  std::string outside_interface;
};

/// A network the mobile node can attach to, and what it configures there (as DHCP or SLAAC
/// would).
struct VisitedNetwork {
  std::string id;     // "v6net", "v4pub", "nat-a", "nat-b"
  std::string title;  // "native IPv6"
  NetworkKind kind = NetworkKind::NativeIpv6;
  std::string mn_interface;
  std::optional<Ipv6Address> mn_ipv6;  // the MN's address there (/64)
  std::optional<Ipv6Address> router_ipv6;
  std::optional<Ipv4Address> mn_ipv4;  // (/24)
  std::optional<Ipv4Address> router_ipv4;
  std::optional<Ipv4Address> nat_public;  // the NAT's outside address (private networks)
  std::string router_node;                // the access router's node
  [[nodiscard]] Family family() const {
    return kind == NetworkKind::NativeIpv6 ? Family::Ipv6 : Family::Ipv4;
  }
};

/// The addresses every scenario needs.
struct Addresses {
  Ipv6Address cn_ipv6;
  Ipv4Address cn_ipv4;
  std::string home_prefix_ipv6;  // 2001:db8:1::/64 (the home link)
  std::string home_prefix_ipv4;  // 203.0.113.0/24
  Ipv6Address ha6_ipv6;          // DSMIPv6 home agent (dsmip ha's address, not local)
  Ipv6Address ha6_host_ipv6;     // its host's address on the home link
  Ipv4Address ha6_ipv4;
  Ipv6Address ha4_ipv6;  // DSMIPv4 home agent
  Ipv4Address ha4_ipv4;
  Ipv6Address gw_home_ipv6;     // m6t gateway, home side
  Ipv4Address gw_outside_ipv4;  // m6t gateway, outside (its UDP endpoint)
  std::uint16_t gw_port = 3544;
  Ipv6Address home_router_ipv6;  // on the home link
  Ipv4Address home_router_ipv4;
  std::string m6t_ula;         // fd00:6d36::/48
  std::string m6t_prefix;      // the MN's /80
  Ipv6Address mn_home_ipv6;    // DSMIPv6 home address
  Ipv4Address mn_home_ipv4;    // DSMIPv6 IPv4 home address (RFC 5555)
  Ipv4Address mip4_home_ipv4;  // DSMIPv4 home address
  std::string mip4_prefix;     // DSMIPv4: the IPv6 prefix the MN registers (RFC 5454)
};

struct LabPlan {
  std::vector<Node> nodes;
  std::vector<Bridge> bridges;
  std::vector<Link> links;
  std::vector<StaticRoute> routes;
  std::vector<Nat> nats;
  std::vector<VisitedNetwork> visited;
  Addresses addresses;

  [[nodiscard]] const VisitedNetwork* network(std::string_view id) const;
  [[nodiscard]] const Node* node(std::string_view role) const;
};

/// The lab's one topology.
LabPlan makeLabPlan();

/// How a node's namespace is named: "<prefix><role>" (prefix "dsmip-lab-<pid>-").
struct Naming {
  std::string prefix;
  [[nodiscard]] std::string ns(std::string_view role) const { return prefix + std::string(role); }
};

/// One step of building the topology.
struct Step {
  enum class Kind : std::uint8_t {
    AddNamespace,  // argv: ip netns add NAME; then loopback up and sysctls (below)
    Command,       // run argv
    Sysctl,        // write value to /proc/sys/<key> inside namespace `node`
    NftRules,      // load `text` with nft -f inside namespace `node`
  };
  Kind kind = Kind::Command;
  std::vector<std::string> argv;
  std::string node;   // Sysctl, NftRules, AddNamespace: the node's role
  std::string key;    // Sysctl: "net/ipv6/conf/all/forwarding"
  std::string value;  // Sysctl value
  std::string text;   // NftRules
};

/// Every step that builds the plan, in order: namespaces (with their sysctls), bridges, veth
/// pairs, addresses, links up, routes, NAT rules.
std::vector<Step> topologySteps(const LabPlan& plan, const Naming& naming);

/// The nftables rules of a NAT node.
std::string natRules(const Nat& nat);

}  // namespace dsmip::lab
