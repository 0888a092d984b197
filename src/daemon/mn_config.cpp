#include "daemon/mn_config.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "daemon/runtime.hpp"
#include "platform/resolver.hpp"

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

// Stands for a home agent known by name while the configuration is checked (the name is
// resolved when the daemon starts): any unicast routable address that is not a home address.
const Ipv6Address kNamedHomeAgentPlaceholder = *Ipv6Address::parse("100::1");

}  // namespace

MnDaemonConfig defaultMnConfig() {
  MnDaemonConfig c;
  c.control = defaultControlPath("mn");
  return c;
}

void declareMnOptions(OptionTable& table, MnDaemonConfig& c) {
  dsmip6::MobileNodeConfig& core = c.core;
  table
      .addList("home_addresses", "IPV6", "IPv6 home addresses; the first is the primary",
               &core.home_addresses, {}, Presence::Required)
      .add("home_prefix", "IPV6/LEN", "the home link's prefix (an address in it means at home)",
           &core.home_prefix, {}, Presence::Required)
      .add("home_agent", "IPV6|NAME",
           "the home agent's IPv6 address, or a DNS name (A and AAAA, re-resolved after moves)",
           &c.home_agent, Validator<std::string>(notEmpty), Presence::Required)
      .add("home_agent_ipv4", "IPV4", "the home agent's IPv4 address (default: from DNS, if any)",
           &core.home_agent_ipv4)
      .add("home_agent_udp_port", "PORT", "the home agent's DSMIPv6 UDP port",
           &core.home_agent_udp_port)
      .add("local_udp_port", "PORT",
           "UDP port for IPv4 care-of addresses, kept across moves (0: chosen at start)",
           &c.local_udp_port)
      .add("ipv4_care_of", "BOOL", "use IPv4 care-of addresses", &c.ipv4_care_of)
      .add("ipv4_home_address", "none|dynamic|IPV4",
           "IPv4 home address: none, dynamic (assigned by the home agent) or a static address",
           &c.ipv4_home_address)
      .addList("ipv4_mobile_network_prefixes", "IPV4/LEN",
               "IPv4 prefixes to request (P flag); 0.0.0.0/LEN asks for any of that length",
               &core.ipv4_mobile_network_prefixes)
      .add("mobile_router", "BOOL", "register as a mobile router (R, NEMO)", &core.mobile_router)
      .add("nemo_mode", "MODE", "explicit (Mobile Network Prefix options) or implicit",
           &c.nemo_mode)
      .addList("mobile_network_prefixes", "IPV6/LEN", "the mobile router's IPv6 prefixes",
               &core.mobile_network_prefixes)
      .add("binding_lifetime", "DUR", "lifetime asked in each Binding Update",
           &core.binding_lifetime)
      .add("force_udp", "BOOL", "F flag from IPv4 care-of addresses (always UDP)", &core.force_udp)
      .add("tlv_header", "BOOL", "offer the TLV-header format (T flag, decision D3)",
           &core.tlv_header)
      .add("key_management", "BOOL", "K flag", &core.key_management)
      .add("link_local_compatibility", "BOOL", "L flag", &core.link_local_compatibility)
      .add("initial_bindack_timeout_first_reg", "DUR", "InitialBindackTimeoutFirstReg",
           &core.initial_bindack_timeout_first_reg)
      .add("initial_bindack_timeout", "DUR", "INITIAL_BINDACK_TIMEOUT",
           &core.initial_bindack_timeout)
      .add("max_bindack_timeout", "DUR", "MAX_BINDACK_TIMEOUT", &core.max_bindack_timeout)
      .add("nat_keepalive", "DUR", "NAT keep-alive when the BA suggests none (NATKATIMEOUT)",
           &core.nat_keepalive)
      .add("ipv6_attempts_before_ipv4", "N",
           "BUs from an IPv6 care-of address without answer before trying IPv4",
           &core.ipv6_attempts_before_ipv4)
      .add("retry_after_rejection", "DUR", "retry after a rejection only configuration can fix",
           &core.retry_after_rejection)
      .add("deregistration_attempts", "N", "de-registration BUs sent when stopping",
           &core.deregistration_attempts)
      .add("require_esp", "BOOL", "ignore signalling that was not ESP-protected", &core.require_esp)
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
      .add("initial_sequence", "N", "first sequence number (tests; random when absent)",
           &c.initial_sequence, inRange<std::uint32_t>(0, 65535))
      .addList("interfaces", "NAME", "interfaces that give care-of addresses, most preferred first",
               &c.interfaces, Validator<std::string>(interfaceName), Presence::Required)
      .add("tun", "NAME", "name of the TUN device to create", &c.tun,
           Validator<std::string>(interfaceName))
      .addList("routes", "PREFIX",
               "destinations routed through the tunnel while away (IPv6 and IPv4 prefixes)",
               &c.routes)
      .add("route_metric", "N", "metric of the routes through the TUN device", &c.route_metric)
      .add("dns_timeout", "DUR", "how long resolving home_agent may take", &c.dns_timeout,
           inRange<Duration>(std::chrono::milliseconds(100), std::chrono::seconds(60)))
      .add("stop_timeout", "DUR", "longest wait for de-registration when stopping", &c.stop_timeout,
           inRange<Duration>(std::chrono::milliseconds(0), std::chrono::seconds(300)))
      .add("control", "PATH", "control socket (for dsmip show)", &c.control,
           Validator<std::string>(notEmpty))
      .addCommonOptions(&c.log_level)
      // Read by resolveMnConfig itself; the ESP tables need a restart.
      .declareExternal("esp_sa", Reload::Restart, /*secret=*/true)
      .declareExternal("esp_policy", Reload::Restart)
      // What the core applies to the running mobile node (MobileNode::reconfigure); what is
      // sent in BUs, addresses, interfaces, sockets, the TUN and its routes need a restart.
      .setReload(Reload::Live, {"initial_bindack_timeout_first_reg", "initial_bindack_timeout",
                                "max_bindack_timeout", "nat_keepalive", "ipv6_attempts_before_ipv4",
                                "retry_after_rejection", "deregistration_attempts", "tunnel_ecn",
                                "tunnel_dscp", "tunnel_hop_limit", "tunnel_udp_checksum"})
      .addCheck([&c]() -> Status {
        if (auto address = Ipv6Address::parse(c.home_agent)) {
          c.core.home_agent = *address;
          c.home_agent_name.reset();
        } else if (Ipv4Address::parse(c.home_agent)) {
          return invalid("home_agent",
                         "must be the IPv6 address (or a DNS name); give the IPv4 one as "
                         "home_agent_ipv4");
        } else if (platform::isValidHostName(c.home_agent)) {
          c.home_agent_name = c.home_agent;
          c.core.home_agent = kNamedHomeAgentPlaceholder;
        } else {
          return invalid(
              "home_agent",
              fmt::format("'{}' is neither an IPv6 address nor a host name", c.home_agent));
        }
        if (c.ipv4_home_address == "none") {
          c.core.ipv4_home_address_mode = dsmip6::Ipv4HomeAddressMode::None;
        } else if (c.ipv4_home_address == "dynamic") {
          c.core.ipv4_home_address_mode = dsmip6::Ipv4HomeAddressMode::Dynamic;
        } else if (auto a = Ipv4Address::parse(c.ipv4_home_address)) {
          c.core.ipv4_home_address_mode = dsmip6::Ipv4HomeAddressMode::Static;
          c.core.ipv4_home_address = *a;
        } else {
          return invalid(
              "ipv4_home_address",
              fmt::format("'{}' is not none, dynamic or an IPv4 address", c.ipv4_home_address));
        }
        if (c.nemo_mode == "explicit") {
          c.core.nemo_mode = dsmip6::NemoMode::Explicit;
        } else if (c.nemo_mode == "implicit") {
          c.core.nemo_mode = dsmip6::NemoMode::Implicit;
        } else {
          return invalid("nemo_mode", fmt::format("'{}' is not explicit or implicit", c.nemo_mode));
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
        if (c.initial_sequence) {
          c.core.initial_sequence = static_cast<std::uint16_t>(*c.initial_sequence);
        } else {
          c.core.initial_sequence.reset();
        }
        c.ipv6_routes.clear();
        c.ipv4_routes.clear();
        for (const std::string& r : c.routes) {
          if (r.find(':') != std::string::npos) {
            auto p = OptionValue<Ipv6Prefix>::parse(r);
            if (!p) return invalid("routes", p.error().detail);
            c.ipv6_routes.push_back(*p);
          } else {
            auto p = OptionValue<Ipv4Prefix>::parse(r);
            if (!p) return invalid("routes", p.error().detail);
            c.ipv4_routes.push_back(*p);
          }
        }
        for (std::size_t i = 0; i < c.interfaces.size(); ++i) {
          if (std::find(c.interfaces.begin(), c.interfaces.begin() + static_cast<long>(i),
                        c.interfaces[i]) != c.interfaces.begin() + static_cast<long>(i)) {
            return invalid("interfaces", fmt::format("'{}' listed twice", c.interfaces[i]));
          }
          if (c.interfaces[i] == c.tun) {
            return invalid("interfaces", fmt::format("'{}' is the daemon's own TUN device", c.tun));
          }
        }
        return dsmip6::validateMobileNodeConfig(c.core);
      });
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

}  // namespace

Status resolveMnConfig(OptionTable& table, MnDaemonConfig& config, std::string_view toml_text,
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
  std::ostringstream rest;
  rest << file;
  if (Status s = table.resolveWithToml(rest.str(), origin); !s) return s;
  if (config.core.require_esp && !config.esp.configured()) {
    return makeError(ErrorCode::InvalidArgument,
                     "require_esp: needs the [[esp_sa]] and [[esp_policy]] tables (docs/ipsec.md)");
  }
  return {};
}

Status resolveMnConfigFile(OptionTable& table, MnDaemonConfig& config) {
  if (table.configPath().empty()) return resolveMnConfig(table, config, "", "(no --config)");
  std::ifstream in(table.configPath());
  if (!in) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("--config: cannot read '{}'", table.configPath()));
  }
  std::stringstream text;
  text << in.rdbuf();
  return resolveMnConfig(table, config, text.str(), table.configPath());
}

}  // namespace dsmip::daemon
