#include "daemon/ha_config.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <fstream>
#include <sstream>

#include "daemon/runtime.hpp"

namespace dsmip::daemon {

namespace {

std::optional<std::string> interfaceName(const std::string& s) {
  if (s.empty() || s.size() > 15) return "must be 1 to 15 characters (an interface name)";
  for (char c : s) {
    if (c == '/' || c == ' ' || c == ':') return "must not contain '/', ':' or spaces";
  }
  return std::nullopt;
}

std::optional<std::string> notEmpty(const std::string& s) {
  if (s.empty()) return "must not be empty";
  return std::nullopt;
}

Unexpected<Error> invalid(std::string_view key, std::string_view reason) {
  return makeError(ErrorCode::InvalidArgument, fmt::format("{}: {}", key, reason));
}

}  // namespace

Result<dsmip6::Ipv4Range> parseIpv4Range(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("'{}' is not a range FIRST-LAST of IPv4 addresses", text));
  }
  auto first = Ipv4Address::parse(text.substr(0, dash));
  auto last = Ipv4Address::parse(text.substr(dash + 1));
  if (!first || !last) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("'{}' is not a range FIRST-LAST of IPv4 addresses", text));
  }
  return dsmip6::Ipv4Range{*first, *last};
}

HaDaemonConfig defaultHaConfig() {
  HaDaemonConfig c;
  c.control = defaultControlPath("ha");
  return c;
}

void declareHaOptions(OptionTable& table, HaDaemonConfig& c) {
  dsmip6::HomeAgentConfig& core = c.core;
  table
      .add("home_interface", "NAME", "the home link interface (proxy ND / proxy ARP there)",
           &c.home_interface, Validator<std::string>(interfaceName), Presence::Required)
      .addList("home_prefixes", "IPV6/LEN", "the home link's prefixes (status 132 outside them)",
               &core.home_prefixes, {}, Presence::Required)
      .add("address", "IPV6",
           "the home agent's IPv6 address, inside a home prefix (routed into the TUN, answered by "
           "proxy ND)",
           &core.address, {}, Presence::Required)
      .add("ipv4_address", "IPV4",
           "the home agent's IPv4 address, local on this host (UDP and IP-in-IPv4 tunnels)",
           &core.ipv4_address)
      .add("udp_port", "PORT", "DSMIPv6 UDP port (RFC 5555 §8)", &core.udp_port)
      .add("force_udp", "POLICY", "BU F flag policy: accept or refuse (status 144, decision D2)",
           &c.force_udp)
      .add("require_udp", "BOOL", "NAT Detection F: UDP for every IPv4 care-of address binding",
           &core.require_udp)
      .add("tlv_header", "BOOL", "accept the TLV-header format when offered (decision D3)",
           &core.tlv_header)
      .add("nat_refresh_time", "DUR", "keep-alive period suggested when a NAT is detected",
           &core.nat_refresh_time)
      .add("max_binding_lifetime", "DUR", "cap on granted lifetimes (4 s … 262140 s)",
           &core.max_binding_lifetime)
      .add("refresh_advice", "DUR", "Binding Refresh Advice interval (0: none)",
           &core.refresh_advice)
      .add("refresh_request_lead", "DUR",
           "Binding Refresh Request this long before expiry (0: none)", &core.refresh_request_lead)
      .add("accept_any_home_address", "BOOL",
           "accept home addresses in a home prefix that no [[mobile_node]] lists",
           &core.accept_any_home_address)
      .add("any_home_address_dynamic_ipv4", "BOOL",
           "… with the right to a dynamic IPv4 home address", &core.any_home_address_dynamic_ipv4)
      .add("ipv4_pool", "FIRST-LAST", "addresses for dynamic IPv4 home addresses", &c.ipv4_pool)
      .addList("reserved_addresses", "IPV6",
               "addresses in use on the home link (duplicate address check, status 134)",
               &core.reserved_addresses)
      .add("max_bindings", "N", "active bindings before status 130", &core.max_bindings)
      .add("home_registration", "BOOL", "false: answer every home registration with 131",
           &core.home_registration)
      .add("key_management_mobility", "BOOL", "K in BAs (dynamic keying only)",
           &core.key_management_mobility)
      .add("require_esp", "BOOL", "discard signalling that was not ESP-protected",
           &core.require_esp)
      .add("esp_state_directory", "DIR",
           "where outbound ESP sequence numbers are persisted (RFC 4303 §3.3.3)",
           &c.esp.state_directory)
      .add("tunnel_ecn", "MODE", "outer ECN at encapsulation: normal or compatibility (RFC 6040)",
           &c.tunnel_ecn)
      .add("tunnel_dscp", "MODEL", "DSCP at decapsulation: uniform or pipe (RFC 2983)",
           &c.tunnel_dscp)
      .add("tunnel_hop_limit", "N", "outer hop limit / TTL", &c.tunnel_hop_limit,
           inRange<std::uint32_t>(1, 255))
      .add("tunnel_udp_checksum", "BOOL", "compute the UDP checksum of UDP-encapsulated packets",
           &core.tunnel.udp_checksum)
      .add("error_rate", "N", "Binding Errors, Parameter Problems and unsolicited BRRs per second",
           &core.error_rate)
      .add("tun", "NAME", "name of the TUN device to create", &c.tun,
           Validator<std::string>(interfaceName))
      .add("tun_mtu", "N", "MTU of the TUN device (largest inner packet tunnelled)", &c.tun_mtu,
           inRange<std::uint32_t>(1280, 65495))
      .add("route_metric", "N", "metric of the routes into the TUN device", &c.route_metric)
      .add("control", "PATH", "control socket (for dsmip show)", &c.control,
           Validator<std::string>(notEmpty))
      .addCommonOptions(&c.log_level)
      // Read by resolveHaConfig itself; a changed [[mobile_node]] list is applied at once
      // (HomeAgent::reconfigure), the ESP tables need a restart.
      .declareExternal("mobile_node", Reload::Live)
      .declareExternal("esp_sa", Reload::Restart, /*secret=*/true)
      .declareExternal("esp_policy", Reload::Restart)
      // What the core applies to the running home agent (HomeAgent::reconfigure); the rest
      // (interfaces, addresses, sockets, TUN, routes, the pool, ESP) needs a restart.
      .setReload(Reload::Live,
                 {"force_udp", "require_udp", "tlv_header", "nat_refresh_time",
                  "max_binding_lifetime", "refresh_advice", "refresh_request_lead",
                  "accept_any_home_address", "any_home_address_dynamic_ipv4", "reserved_addresses",
                  "max_bindings", "home_registration", "key_management_mobility", "tunnel_ecn",
                  "tunnel_dscp", "tunnel_hop_limit", "tunnel_udp_checksum", "error_rate"})
      .addCheck([&c]() -> Status {
        if (c.force_udp == "accept") {
          c.core.force_udp = dsmip6::ForceUdpPolicy::Accept;
        } else if (c.force_udp == "refuse") {
          c.core.force_udp = dsmip6::ForceUdpPolicy::Refuse;
        } else {
          return invalid("force_udp", fmt::format("'{}' is not accept or refuse", c.force_udp));
        }
        if (c.tunnel_ecn == "normal") {
          c.core.tunnel.ecn = wire::EcnEncapsulationMode::Normal;
        } else if (c.tunnel_ecn == "compatibility") {
          c.core.tunnel.ecn = wire::EcnEncapsulationMode::Compatibility;
        } else {
          return invalid("tunnel_ecn",
                         fmt::format("'{}' is not normal or compatibility", c.tunnel_ecn));
        }
        if (c.tunnel_dscp == "uniform") {
          c.core.tunnel.dscp = wire::DscpModel::Uniform;
        } else if (c.tunnel_dscp == "pipe") {
          c.core.tunnel.dscp = wire::DscpModel::Pipe;
        } else {
          return invalid("tunnel_dscp", fmt::format("'{}' is not uniform or pipe", c.tunnel_dscp));
        }
        c.core.tunnel.hop_limit = static_cast<std::uint8_t>(c.tunnel_hop_limit);
        c.core.ipv4_pool.reset();
        if (c.ipv4_pool) {
          auto range = parseIpv4Range(*c.ipv4_pool);
          if (!range) return invalid("ipv4_pool", range.error().detail);
          c.core.ipv4_pool = *range;
        }
        bool need_ipv4 = false;
        for (const auto& mn : c.core.mobile_nodes) {
          if (mn.ipv4_home_address || mn.dynamic_ipv4 || !mn.ipv4_mobile_network_prefixes.empty())
            need_ipv4 = true;
        }
        if ((need_ipv4 || c.core.ipv4_pool) && !c.core.ipv4_address) {
          return invalid("ipv4_address",
                         "needed for IPv4 home addresses and prefixes (IPv4 traffic is "
                         "tunnelled from it)");
        }
        return dsmip6::validateHomeAgentConfig(c.core);
      });
}

void declareMobileNodeOptions(OptionTable& table, dsmip6::MobileNodePolicy& p) {
  table
      .add("home_address", "IPV6", "the mobile node's IPv6 home address", &p.home_address, {},
           Presence::Required)
      .add("ipv4_home_address", "IPV4", "its static IPv4 home address", &p.ipv4_home_address)
      .add("dynamic_ipv4", "BOOL", "may get an IPv4 home address from ipv4_pool", &p.dynamic_ipv4)
      .add("mobile_router", "BOOL", "may register as a mobile router (R, NEMO)", &p.mobile_router)
      .addList("mobile_network_prefixes", "IPV6/LEN", "its IPv6 mobile network prefixes",
               &p.mobile_network_prefixes)
      .addList("ipv4_mobile_network_prefixes", "IPV4/LEN",
               "IPv4 mobile network prefixes it may request with the P flag",
               &p.ipv4_mobile_network_prefixes)
      // The [[mobile_node]] list reloads live as a whole (HomeAgent::reconfigure).
      .setReload(Reload::Live,
                 {"home_address", "ipv4_home_address", "dynamic_ipv4", "mobile_router",
                  "mobile_network_prefixes", "ipv4_mobile_network_prefixes"});
}

namespace {

// The text of a key the loader reads itself, for reload comparisons ("" when absent).
std::string nodeText(const toml::table& file, std::string_view key) {
  const toml::node* node = file.get(key);
  if (node == nullptr) return {};
  std::ostringstream text;
  if (const toml::array* a = node->as_array()) {
    text << *a;
  } else if (const toml::table* t = node->as_table()) {
    text << *t;
  }
  return text.str();
}

// The resolved [[mobile_node]] entries as text (defaults included), for reload comparisons.
std::string mobileNodesText(const std::vector<dsmip6::MobileNodePolicy>& mobile_nodes) {
  std::string out;
  for (const dsmip6::MobileNodePolicy& p : mobile_nodes) {
    dsmip6::MobileNodePolicy copy = p;
    OptionTable element("ha [[mobile_node]]");
    declareMobileNodeOptions(element, copy);
    std::string values;
    for (const ConfigValue& v : element.values()) {
      values += fmt::format("{}{} = {}", values.empty() ? "" : ", ", v.key, v.text);
    }
    out += fmt::format("{}{{{}}}", out.empty() ? "" : "; ", values);
  }
  return out;
}

}  // namespace

Status resolveHaConfig(OptionTable& table, HaDaemonConfig& config, std::string_view toml_text,
                       std::string_view origin) {
  toml::table file;
  try {
    file = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("{}: line {}, column {}: {}", origin, e.source().begin.line,
                                 e.source().begin.column, e.description()));
  }
  table.recordExternal("esp_sa", nodeText(file, "esp_sa"));
  table.recordExternal("esp_policy", nodeText(file, "esp_policy"));
  if (Status s = readEspTables(file, origin, config.esp); !s) return s;
  std::vector<dsmip6::MobileNodePolicy> mobile_nodes;
  if (toml::node* node = file.get("mobile_node")) {
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      return makeError(
          ErrorCode::InvalidArgument,
          fmt::format("key 'mobile_node' in {}: must be tables ([[mobile_node]])", origin));
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      std::ostringstream element;
      element << *array->get(i)->as_table();
      dsmip6::MobileNodePolicy policy;
      OptionTable element_table("ha [[mobile_node]]");
      declareMobileNodeOptions(element_table, policy);
      const std::string element_origin = fmt::format("{} [[mobile_node]] #{}", origin, i + 1);
      if (Status s = element_table.resolveWithToml(element.str(), element_origin); !s) return s;
      mobile_nodes.push_back(std::move(policy));
    }
    file.erase("mobile_node");
  }
  table.recordExternal("mobile_node", mobileNodesText(mobile_nodes));
  config.core.mobile_nodes = std::move(mobile_nodes);
  std::ostringstream rest;
  rest << file;
  Status s = table.resolveWithToml(rest.str(), origin);
  if (!s) {
    // The core's checks of [[mobile_node]] entries name them "mobile_node[i].key".
    const std::string& detail = s.error().detail;
    if (detail.rfind("mobile_node[", 0) == 0) {
      return makeError(ErrorCode::InvalidArgument, fmt::format("{}: {}", origin, detail));
    }
    return s;
  }
  if (config.core.require_esp && !config.esp.configured()) {
    return makeError(ErrorCode::InvalidArgument,
                     "require_esp: needs the [[esp_sa]] and [[esp_policy]] tables (docs/ipsec.md)");
  }
  return {};
}

Status resolveHaConfigFile(OptionTable& table, HaDaemonConfig& config) {
  if (table.configPath().empty()) return resolveHaConfig(table, config, "", "(no --config)");
  std::ifstream in(table.configPath());
  if (!in) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("--config: cannot read '{}'", table.configPath()));
  }
  std::stringstream text;
  text << in.rdbuf();
  return resolveHaConfig(table, config, text.str(), table.configPath());
}

}  // namespace dsmip::daemon
