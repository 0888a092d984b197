#include "lab/plan.hpp"

#include <fmt/format.h>

namespace dsmip::lab {

std::string_view familyName(Family family) { return family == Family::Ipv4 ? "ipv4" : "ipv6"; }

std::string_view networkKindName(NetworkKind kind) {
  switch (kind) {
    case NetworkKind::NativeIpv6:
      return "native-ipv6";
    case NetworkKind::PublicIpv4:
      return "public-ipv4";
    case NetworkKind::PrivateIpv4:
      return "private-ipv4";
  }
  return "?";
}

const VisitedNetwork* LabPlan::network(std::string_view id) const {
  for (const auto& n : visited) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

const Node* LabPlan::node(std::string_view role) const {
  for (const auto& n : nodes) {
    if (n.role == role) return &n;
  }
  return nullptr;
}

namespace {

Ipv6Address v6(std::string_view text) { return *Ipv6Address::parse(text); }
Ipv4Address v4(std::string_view text) { return *Ipv4Address::parse(text); }

}  // namespace

LabPlan makeLabPlan() {
  LabPlan p;
  p.nodes = {
      {"cn", "correspondent node (IPv6 and IPv4), where the probes start", false, false},
      {"core", "core router: the Internet between every network", true, true},
      {"home", "home router, bridging the home link", true, true},
      {"ha6", "DSMIPv6 home agent (and the peer of the m6t-only scenario)", true, true},
      {"ha4", "DSMIPv4 home agent", true, true},
      {"gw", "m6t gateway in front of the home agents", false, true},
      {"nata", "NAT router of private network A (nftables masquerade)", true, false},
      {"natb", "NAT router of private network B (nftables masquerade)", true, false},
      {"mn", "mobile node: one interface into each visited network", false, false},
  };
  p.bridges = {{"home", "br0", {"2001:db8:1::fe/64", "203.0.113.254/24"}}};
  p.links = {
      {"cn",
       "cn0",
       "core",
       "c-cn",
       {"2001:db8:c::10/64", "192.0.2.10/24"},
       {"2001:db8:c::1/64", "192.0.2.1/24"},
       true,
       ""},
      {"home",
       "h-core",
       "core",
       "c-home",
       {"2001:db8:ff::2/64", "198.18.0.2/24"},
       {"2001:db8:ff::1/64", "198.18.0.1/24"},
       true,
       ""},
      // The host of the DSMIPv6 home agent: ::2. The home agent's own ::1 is not a local address
      // (the kernel would refuse Binding Updates to it); dsmip ha routes it into its TUN.
      {"ha6", "home0", "home", "h-ha6", {"2001:db8:1::2/64", "203.0.113.1/24"}, {}, true, "br0"},
      {"ha4", "home0", "home", "h-ha4", {"2001:db8:1::4/64", "203.0.113.4/24"}, {}, true, "br0"},
      {"gw", "home0", "home", "h-gw", {"2001:db8:1::ff/64"}, {}, true, "br0"},
      {"gw", "out0", "core", "c-gw", {"198.51.100.10/24"}, {"198.51.100.1/24"}, true, ""},
      {"nata", "out0", "core", "c-nata", {"198.18.10.2/24"}, {"198.18.10.1/24"}, true, ""},
      {"natb", "out0", "core", "c-natb", {"198.18.20.2/24"}, {"198.18.20.1/24"}, true, ""},
      // The mobile node's side stays down until it attaches (lab/mobility.hpp).
      {"mn", "mn-v6", "core", "c-v6", {}, {"2001:db8:a6::1/64"}, false, ""},
      {"mn", "mn-v4", "core", "c-v4", {}, {"198.18.4.1/24"}, false, ""},
      {"mn", "mn-nata", "nata", "in0", {}, {"10.10.1.1/24"}, false, ""},
      {"mn", "mn-natb", "natb", "in0", {}, {"10.10.2.1/24"}, false, ""},
  };
  p.routes = {
      {"cn", "default", "2001:db8:c::1"},
      {"cn", "default", "192.0.2.1"},
      {"core", "2001:db8:1::/48", "2001:db8:ff::2"},
      {"core", "203.0.113.0/24", "198.18.0.2"},
      {"home", "default", "2001:db8:ff::1"},
      {"home", "default", "198.18.0.1"},
      {"ha6", "default", "2001:db8:1::fe"},
      {"ha6", "default", "203.0.113.254"},
      {"ha6", "fd00:6d36::/48", "2001:db8:1::ff"},  // m6t tunnel addresses: via the gateway
      {"ha4", "default", "2001:db8:1::fe"},
      {"ha4", "default", "203.0.113.254"},
      {"ha4", "fd00:6d36::/48", "2001:db8:1::ff"},
      {"gw", "default", "198.51.100.1"},
      {"gw", "default", "2001:db8:1::fe"},
      {"home", "2001:db8:1:44::/64", "2001:db8:1::4"},  // DSMIPv4 MN's prefix: via its HA
      {"nata", "default", "198.18.10.1"},
      {"natb", "default", "198.18.20.1"},
  };
  p.nats = {{"nata", "out0"}, {"natb", "out0"}};

  VisitedNetwork v6net{"v6net",      "native IPv6",          NetworkKind::NativeIpv6,
                       "mn-v6",      v6("2001:db8:a6::100"), v6("2001:db8:a6::1"),
                       std::nullopt, std::nullopt,           std::nullopt,
                       "core"};
  VisitedNetwork v4pub{"v4pub",      "public IPv4", NetworkKind::PublicIpv4, "mn-v4",
                       std::nullopt, std::nullopt,  v4("198.18.4.100"),      v4("198.18.4.1"),
                       std::nullopt, "core"};
  VisitedNetwork nat_a{"nat-a",
                       "private IPv4 behind NAT A",
                       NetworkKind::PrivateIpv4,
                       "mn-nata",
                       std::nullopt,
                       std::nullopt,
                       v4("10.10.1.100"),
                       v4("10.10.1.1"),
                       v4("198.18.10.2"),
                       "nata"};
  VisitedNetwork nat_b{"nat-b",
                       "private IPv4 behind NAT B",
                       NetworkKind::PrivateIpv4,
                       "mn-natb",
                       std::nullopt,
                       std::nullopt,
                       v4("10.10.2.100"),
                       v4("10.10.2.1"),
                       v4("198.18.20.2"),
                       "natb"};
  p.visited = {v6net, v4pub, nat_a, nat_b};

  Addresses& a = p.addresses;
  a.cn_ipv6 = v6("2001:db8:c::10");
  a.cn_ipv4 = v4("192.0.2.10");
  a.home_prefix_ipv6 = "2001:db8:1::/64";
  a.home_prefix_ipv4 = "203.0.113.0/24";
  a.ha6_ipv6 = v6("2001:db8:1::1");
  a.ha6_host_ipv6 = v6("2001:db8:1::2");
  a.ha6_ipv4 = v4("203.0.113.1");
  a.ha4_ipv6 = v6("2001:db8:1::4");
  a.ha4_ipv4 = v4("203.0.113.4");
  a.gw_home_ipv6 = v6("2001:db8:1::ff");
  a.gw_outside_ipv4 = v4("198.51.100.10");
  a.gw_port = 3544;
  a.home_router_ipv6 = v6("2001:db8:1::fe");
  a.home_router_ipv4 = v4("203.0.113.254");
  a.m6t_ula = "fd00:6d36::/48";
  a.m6t_prefix = "fd00:6d36:0:1:7::/80";
  a.mn_home_ipv6 = v6("2001:db8:1::100");
  a.mn_home_ipv4 = v4("203.0.113.100");
  a.mip4_home_ipv4 = v4("203.0.113.104");
  a.mip4_prefix = "2001:db8:1:44::/64";
  return p;
}

std::string natRules(const Nat& nat) {
  return fmt::format(
      "table ip nat {{\n"
      "  chain postrouting {{\n"
      "    type nat hook postrouting priority srcnat; policy accept;\n"
      "    oifname \"{}\" masquerade\n"
      "  }}\n"
      "}}\n",
      nat.outside_interface);
}

namespace {

bool isIpv6(std::string_view address) { return address.find(':') != std::string_view::npos; }

void addAddressSteps(std::vector<Step>& steps, const std::string& ns, const std::string& dev,
                     const std::vector<std::string>& addresses) {
  for (const auto& a : addresses) {
    std::vector<std::string> argv{"ip", "-n", ns, "address", "add", a, "dev", dev};
    if (isIpv6(a)) argv.emplace_back("nodad");
    steps.push_back({Step::Kind::Command, std::move(argv), {}, {}, {}, {}});
  }
}

Step command(std::vector<std::string> argv) {
  return {Step::Kind::Command, std::move(argv), {}, {}, {}, {}};
}

Step sysctl(const std::string& node, std::string key, std::string value) {
  return {Step::Kind::Sysctl, {}, node, std::move(key), std::move(value), {}};
}

}  // namespace

std::vector<Step> topologySteps(const LabPlan& plan, const Naming& naming) {
  std::vector<Step> steps;
  for (const Node& n : plan.nodes) {
    const std::string ns = naming.ns(n.role);
    steps.push_back({Step::Kind::AddNamespace, {"ip", "netns", "add", ns}, n.role, {}, {}, {}});
    steps.push_back(command({"ip", "-n", ns, "link", "set", "lo", "up"}));
    // No duplicate address detection: a fresh address would be tentative for a second.
    steps.push_back(sysctl(n.role, "net/ipv6/conf/all/accept_dad", "0"));
    steps.push_back(sysctl(n.role, "net/ipv6/conf/default/accept_dad", "0"));
    // Routers and NATs here see asymmetric paths on purpose (tunnels); no reverse-path filter.
    steps.push_back(sysctl(n.role, "net/ipv4/conf/all/rp_filter", "0"));
    steps.push_back(sysctl(n.role, "net/ipv4/conf/default/rp_filter", "0"));
    steps.push_back(sysctl(n.role, "net/ipv4/ip_forward", n.forward_ipv4 ? "1" : "0"));
    steps.push_back(sysctl(n.role, "net/ipv6/conf/all/forwarding", n.forward_ipv6 ? "1" : "0"));
  }
  for (const Bridge& b : plan.bridges) {
    const std::string ns = naming.ns(b.node);
    steps.push_back(command({"ip", "-n", ns, "link", "add", b.name, "type", "bridge"}));
  }
  for (const Link& l : plan.links) {
    steps.push_back(
        command({"ip", "link", "add", l.interface_a, "netns", naming.ns(l.node_a), "type", "veth",
                 "peer", "name", l.interface_b, "netns", naming.ns(l.node_b)}));
    if (!l.bridge_b.empty()) {
      steps.push_back(command(
          {"ip", "-n", naming.ns(l.node_b), "link", "set", l.interface_b, "master", l.bridge_b}));
    }
  }
  for (const Bridge& b : plan.bridges) {
    const std::string ns = naming.ns(b.node);
    addAddressSteps(steps, ns, b.name, b.addresses);
    steps.push_back(command({"ip", "-n", ns, "link", "set", b.name, "up"}));
  }
  for (const Link& l : plan.links) {
    addAddressSteps(steps, naming.ns(l.node_a), l.interface_a, l.addresses_a);
    addAddressSteps(steps, naming.ns(l.node_b), l.interface_b, l.addresses_b);
    if (l.a_starts_up) {
      steps.push_back(
          command({"ip", "-n", naming.ns(l.node_a), "link", "set", l.interface_a, "up"}));
    }
    steps.push_back(command({"ip", "-n", naming.ns(l.node_b), "link", "set", l.interface_b, "up"}));
  }
  for (const StaticRoute& r : plan.routes) {
    steps.push_back(command({"ip", isIpv6(r.via) ? "-6" : "-4", "-n", naming.ns(r.node), "route",
                             "add", r.destination, "via", r.via}));
  }
  for (const Nat& n : plan.nats) {
    steps.push_back({Step::Kind::NftRules, {}, n.node, {}, {}, natRules(n)});
  }
  return steps;
}

}  // namespace dsmip::lab
