#include "daemon/mip4_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "daemon/runtime.hpp"

namespace dsmip::daemon {

namespace {

using namespace std::chrono_literals;

Unexpected<Error> invalid(std::string detail) {
  return makeError(ErrorCode::InvalidArgument, std::move(detail));
}

// Prefix parsing clears host bits; a route given with host bits set ("10.1.0.1/24") is a typo
// the kernel would refuse, so the text's address must equal the parsed (cleared) one.
template <typename Address>
bool hostBitsSet(std::string_view text, const Address& parsed) {
  const auto slash = text.find('/');
  const auto given = Address::parse(text.substr(0, slash));
  return !given || *given != parsed;
}

std::optional<std::string> notEmpty(const std::string& s) {
  if (s.empty()) return "must not be empty";
  return std::nullopt;
}

std::optional<std::string> interfaceName(const std::string& s) {
  if (s.empty() || s.size() > 15) return "must be 1 to 15 characters (an interface name)";
  for (char c : s) {
    if (c == '/' || c == ' ' || c == ':') return "must not contain '/', ':' or spaces";
  }
  return std::nullopt;
}

Validator<std::string> oneOf(std::initializer_list<const char*> words) {
  std::vector<std::string> allowed(words.begin(), words.end());
  return [allowed](const std::string& s) -> std::optional<std::string> {
    if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) return std::nullopt;
    std::string list;
    for (const auto& w : allowed) list += (list.empty() ? "" : ", ") + w;
    return "must be one of: " + list;
  };
}

/// A duration of whole seconds between lo and hi.
Validator<Duration> wholeSeconds(std::chrono::seconds lo, std::chrono::seconds hi) {
  return [lo, hi](const Duration& d) -> std::optional<std::string> {
    if (d < lo || d > hi) {
      return fmt::format("must be between {} and {}", formatDuration(lo), formatDuration(hi));
    }
    if (d != std::chrono::duration_cast<std::chrono::seconds>(d)) {
      return "must be a whole number of seconds (the protocol carries seconds)";
    }
    return std::nullopt;
  };
}

std::chrono::seconds seconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d);
}

dsmip4::TrafficClassPolicy trafficClass(const std::string& ecn, const std::string& dscp) {
  dsmip4::TrafficClassPolicy p;
  p.ecn = ecn == "compatibility" ? wire::EcnEncapsulationMode::Compatibility
                                 : wire::EcnEncapsulationMode::Normal;
  p.dscp = dscp == "pipe" ? wire::DscpModel::Pipe : wire::DscpModel::Uniform;
  return p;
}

// Turns a core validator's key ("mobile_nodes[0].key.spi", "keepalive_interval") into the
// daemon's option name ("spi", "keepalive-interval").
std::string optionNameOf(std::string core_key) {
  if (const auto dot = core_key.rfind('.'); dot != std::string::npos) {
    const std::string last = core_key.substr(dot + 1);
    core_key = last == "key" ? "key" : last;
  }
  if (const auto bracket = core_key.find('['); bracket != std::string::npos) {
    core_key = core_key.substr(0, bracket);
  }
  if (core_key == "prefixes") core_key = "prefix";
  std::replace(core_key.begin(), core_key.end(), '_', '-');
  return core_key;
}

Status fromCoreValidation(Status s) {
  if (s) return s;
  const std::string& detail = s.error().detail;
  const auto colon = detail.find(':');
  if (colon == std::string::npos) return s;
  return invalid(optionNameOf(detail.substr(0, colon)) + detail.substr(colon));
}

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

void declareMobileNodeEntryOptions(OptionTable& t, Mip4MobileNodeEntry& e) {
  t.add("home-address", "IPV4", "the mobile node's IPv4 home address (identifies it)",
        &e.home_address, Validator<Ipv4Address>{}, Presence::Required)
      .add("spi", "N", "SPI of the MN-HA mobility security association (at least 256)", &e.spi,
           inRange<std::uint32_t>(256, 0xFFFF'FFFFu), Presence::Required)
      .add("key", "HEX", "MN-HA key (HMAC-MD5, RFC 5944 §3.5.1) in hex; or key-file", &e.key)
      .add("key-file", "PATH", "file holding the MN-HA key in hex (instead of key)", &e.key_file)
      .add("identification-tolerance", "DUR",
           "timestamps this close to our clock are fresh (RFC 5944 §5.7)",
           &e.identification_tolerance, wholeSeconds(1s, 3600s))
      .add("max-lifetime", "DUR", "longest lifetime granted (65535s or more: infinite allowed)",
           &e.max_lifetime, wholeSeconds(1s, 86400s * 365))
      .addList("prefix", "IPV6/LEN",
               "IPv6 prefix the mobile node may register (or any prefix inside it, RFC 5454)",
               &e.prefixes)
      .add("prefix-tunnel", "MODE",
           "tunnel mode granted for its prefixes: follow-request (code 1 when asked) or "
           "home-address-only (always code 0)",
           &e.prefix_tunnel, oneOf({"follow-request", "home-address-only"}))
      .add("allow-link-local", "BOOL",
           "accept link-local registrations for DHCPv6 prefix delegation (RFC 5454 §3.7.1)",
           &e.allow_link_local)
      .add("max-prefixes", "N", "most prefixes registered at once (more get code 8)",
           &e.max_prefixes, inRange<std::uint32_t>(0, 255))
      .add("udp-tunnel", "POLICY",
           "RFC 3519 UDP tunnelling: deny, allow (behind a NAT or when forced) or always",
           &e.udp_tunnel, oneOf({"deny", "allow", "always"}))
      .add("require-reverse-tunnel", "BOOL",
           "refuse registrations without the T flag (code 138, RFC 3024)",
           &e.require_reverse_tunnel)
      .setSecret({"key"});
  t.addCheck([&e]() -> Status {
    // The key itself is loaded by the home agent's check, which knows the file's directory.
    if (e.key && e.key_file) return invalid("key: give either key or key-file, not both");
    if (!e.key && !e.key_file) return invalid("key: the MN-HA key is required (key or key-file)");
    dsmip4::MobileNodePolicy p;
    p.home_address = *e.home_address;
    if (!p.home_address.isUnicast()) {
      return invalid("home-address: " + p.home_address.toString() + " is not a unicast address");
    }
    p.key = wire::Mipv4AuthKey{*e.spi, wire::Mipv4AuthAlgorithm::HmacMd5, {}};
    p.identification_tolerance = seconds(e.identification_tolerance);
    p.max_lifetime = seconds(e.max_lifetime);
    const auto mode = e.prefix_tunnel == "home-address-only"
                          ? dsmip4::PrefixTunnelPolicy::HomeAddressOnly
                          : dsmip4::PrefixTunnelPolicy::FollowRequest;
    for (const Ipv6Prefix& prefix : e.prefixes) {
      if (prefix.address.isLinkLocal() || prefix.address.isMulticast()) {
        return invalid("prefix: " + prefix.toString() + " is not a global unicast prefix");
      }
      p.prefixes.push_back(dsmip4::PrefixGrant{prefix, mode});
    }
    p.allow_link_local = e.allow_link_local;
    p.max_prefixes = e.max_prefixes;
    p.udp_tunnel = e.udp_tunnel == "deny"     ? dsmip4::UdpTunnelPolicy::Deny
                   : e.udp_tunnel == "always" ? dsmip4::UdpTunnelPolicy::Always
                                              : dsmip4::UdpTunnelPolicy::Allow;
    p.require_reverse_tunnel = e.require_reverse_tunnel;
    e.policy = std::move(p);
    return {};
  });
}

}  // namespace

Result<Bytes> loadMip4Key(const std::optional<std::string>& key,
                          const std::optional<std::string>& key_file,
                          const std::string& base_directory) {
  if (key && key_file) return invalid("key: give either key or key-file, not both");
  if (!key && !key_file) return invalid("key: the MN-HA key is required (key or key-file)");
  std::string text;
  std::string option = "key";
  if (key) {
    text = *key;
  } else {
    option = "key-file";
    std::filesystem::path path(*key_file);
    if (path.is_relative() && !base_directory.empty()) path = base_directory / path;
    std::ifstream in(path);
    if (!in) return invalid(fmt::format("key-file: cannot read '{}'", *key_file));
    std::stringstream content;
    content << in.rdbuf();
    text = content.str();
  }
  text = trim(std::move(text));
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.erase(0, 2);
  Bytes out;
  // The key itself is never part of a message.
  if (text.empty() || !fromHex(text, out) || out.empty()) {
    return invalid(option + ": the key must be hex digits (an even number of them, at least 2)");
  }
  if (out.size() > 64) return invalid(option + ": the key must be at most 64 octets");
  return out;
}

HomeAgentDaemonConfig defaultHomeAgentDaemonConfig() {
  HomeAgentDaemonConfig c;
  c.control = defaultControlPath("mip4-ha");
  return c;
}

namespace {

std::string directoryOf(const std::string& config_path) {
  if (config_path.empty()) return {};
  return std::filesystem::path(config_path).parent_path().string();
}

}  // namespace

void declareHomeAgentOptions(OptionTable& table, HomeAgentDaemonConfig& c) {
  TableArrayBinding mobile_nodes;
  mobile_nodes.reset = [&c](std::size_t count) {
    c.mobile_node_tables.clear();
    for (std::size_t i = 0; i < count; ++i) {
      auto element = std::make_unique<HomeAgentDaemonConfig::MobileNodeTable>();
      declareMobileNodeEntryOptions(element->table, element->entry);
      c.mobile_node_tables.push_back(std::move(element));
    }
  };
  mobile_nodes.element = [&c](std::size_t index) -> OptionTable& {
    return c.mobile_node_tables.at(index)->table;
  };
  mobile_nodes.describe = [] {
    HomeAgentDaemonConfig::MobileNodeTable scratch;
    declareMobileNodeEntryOptions(scratch.table, scratch.entry);
    return scratch.table.options();
  };
  table
      .add("address", "IPV4",
           "the home agent's address on the home link (Home Agent field, tunnel end)", &c.address,
           Validator<Ipv4Address>{}, Presence::Required)
      .add("home-interface", "NAME",
           "the home link: proxy ARP for registered home addresses (RFC 5944 §4.6)",
           &c.home_interface, Validator<std::string>(interfaceName), Presence::Required)
      .add("port", "N", "UDP port of registrations and UDP tunnelling (RFC 5944, RFC 3519)",
           &c.port, inRange<std::uint16_t>(1, 65535))
      .add("keepalive-interval", "DUR",
           "keep-alive interval told to mobile nodes in UDP Tunnel Replies (RFC 3519 §3.2)",
           &c.keepalive_interval, wholeSeconds(0s, 65535s))
      .add("tunnel-ttl", "N", "TTL of the outer IPv4 header of tunnelled packets", &c.tunnel_ttl,
           inRange<std::uint16_t>(1, 255))
      .add("ecn", "MODE", "ECN at encapsulation: normal or compatibility (RFC 6040 §4.1)", &c.ecn,
           oneOf({"normal", "compatibility"}))
      .add("dscp", "MODEL", "DSCP at decapsulation: uniform or pipe (RFC 2983)", &c.dscp,
           oneOf({"uniform", "pipe"}))
      .add("tun", "NAME", "name of the TUN device to create", &c.tun,
           Validator<std::string>(interfaceName))
      .add("mtu", "N", "MTU of the TUN device (the home side's packets into the tunnels)", &c.mtu,
           inRange<std::uint32_t>(1280, 65000))
      .add("control", "PATH", "control socket (for dsmip show)", &c.control,
           Validator<std::string>(notEmpty))
      .addCommonOptions(&c.log_level)
      .addTableArray("mobile-node",
                     "one table per mobile node: its security association and policy",
                     std::move(mobile_nodes), Presence::Required)
      // The keys read from key-file paths (the check below loads them): a key file whose
      // content changed reloads like a changed [[mobile-node]] table. Never shown.
      .declareExternal("mobile-node-key-files", Reload::Live, true)
      // What the core applies to the running home agent (HomeAgent::reconfigure): the
      // [[mobile-node]] tables and the tunnel settings; the address, the home link, the port,
      // the TUN device and the control socket need a restart.
      .setReload(Reload::Live, {"keepalive-interval", "tunnel-ttl", "ecn", "dscp", "mobile-node"})
      .addCheck([&c, &table]() -> Status {
        dsmip4::HomeAgentConfig core;
        core.address = *c.address;
        core.port = c.port;
        core.keepalive_interval = seconds(c.keepalive_interval);
        core.tunnel_ttl = static_cast<std::uint8_t>(c.tunnel_ttl);
        core.traffic_class = trafficClass(c.ecn, c.dscp);
        if (!core.address.isUnicast()) {
          return invalid("address: " + core.address.toString() + " is not a unicast address");
        }
        std::string key_files;
        for (std::size_t i = 0; i < c.mobile_node_tables.size(); ++i) {
          Mip4MobileNodeEntry& entry = c.mobile_node_tables[i]->entry;
          auto key = loadMip4Key(entry.key, entry.key_file, directoryOf(table.configPath()));
          const std::string where =
              fmt::format("[[mobile-node]] #{} of {}", i + 1,
                          table.configPath().empty() ? "the configuration" : table.configPath());
          if (!key) return invalid(fmt::format("{}: {}", where, key.error().detail));
          entry.policy.key.key = std::move(*key);
          if (entry.key_file) key_files += fmt::format("{};", toHex(entry.policy.key.key));
          const dsmip4::MobileNodePolicy& p = entry.policy;
          if (p.home_address == core.address) {
            return invalid(fmt::format("{}: home-address: {} is the home agent's own address",
                                       where, p.home_address.toString()));
          }
          for (std::size_t j = 0; j < i; ++j) {
            if (c.mobile_node_tables[j]->entry.policy.home_address == p.home_address) {
              return invalid(fmt::format("{}: home-address: {} is also that of [[mobile-node]] #{}",
                                         where, p.home_address.toString(), j + 1));
            }
          }
          core.mobile_nodes.push_back(p);
        }
        if (Status s = fromCoreValidation(dsmip4::validateHomeAgentConfig(core)); !s) return s;
        table.recordExternal("mobile-node-key-files", std::move(key_files));
        c.core = std::move(core);
        return {};
      });
}

MobileNodeDaemonConfig defaultMobileNodeDaemonConfig() {
  MobileNodeDaemonConfig c;
  c.control = defaultControlPath("mip4-mn");
  return c;
}

void declareMobileNodeOptions(OptionTable& table, MobileNodeDaemonConfig& c) {
  table
      .add("home-address", "IPV4", "the IPv4 home address", &c.home_address,
           Validator<Ipv4Address>{}, Presence::Required)
      .add("home-agent", "IPV4", "the home agent's address", &c.home_agent,
           Validator<Ipv4Address>{}, Presence::Required)
      .add("home-agent-port", "N", "the home agent's UDP port", &c.home_agent_port,
           inRange<std::uint16_t>(1, 65535))
      .add("spi", "N", "SPI of the MN-HA mobility security association (at least 256)", &c.spi,
           inRange<std::uint32_t>(256, 0xFFFF'FFFFu), Presence::Required)
      .add("key", "HEX", "MN-HA key (HMAC-MD5, RFC 5944 §3.5.1) in hex; or key-file", &c.key)
      .add("key-file", "PATH", "file holding the MN-HA key in hex (instead of key)", &c.key_file)
      .add("lifetime", "DUR", "registration lifetime requested (65535s or more: infinite)",
           &c.lifetime, wholeSeconds(1s, 65535s))
      .addList("prefix", "IPV6/LEN", "IPv6 prefix to register (RFC 5454 IPv6 Prefix Request)",
               &c.prefixes)
      .add("link-local", "BOOL",
           "also register the tunnel's link-local address, for DHCPv6 prefix delegation "
           "(RFC 5454 §3.7.1)",
           &c.link_local)
      .add("tunnel-to-care-of", "BOOL",
           "ask for IPv6 tunnelled straight to the care-of address (IPv6 Tunneling Mode "
           "extension); otherwise inside the home-address tunnel",
           &c.tunnel_to_care_of)
      .add("udp-tunnel", "BOOL", "ask for RFC 3519 UDP tunnelling (used when a NAT is detected)",
           &c.udp_tunnel)
      .add("force-udp-tunnel", "BOOL", "ask for UDP tunnelling even without a NAT (F flag)",
           &c.force_udp_tunnel)
      .add("keepalive-interval", "DUR",
           "keep-alive interval when the home agent's UDP Tunnel Reply gives none (RFC 3519 §4.9)",
           &c.keepalive_interval, wholeSeconds(1s, 65535s))
      .add("keepalive-reply-timeout", "DUR", "a keep-alive unanswered this long is a miss",
           &c.keepalive_reply_timeout, inRange<Duration>(100ms, 1h))
      .add("keepalive-max-misses", "N", "misses in a row that make the mobile node re-register",
           &c.keepalive_max_misses, inRange<std::uint32_t>(1, 100))
      .add("initial-retransmission", "DUR",
           "first retransmission timeout of a request (doubling; RFC 5944 §3.6.3)",
           &c.initial_retransmission, inRange<Duration>(1s, 1h))
      .add("max-retransmission", "DUR", "longest retransmission timeout", &c.max_retransmission,
           inRange<Duration>(1s, 24h))
      .add("reregistration-percent", "N", "re-register when this share of the lifetime is gone",
           &c.reregistration_percent, inRange<std::uint32_t>(1, 99))
      .add("rejection-retry", "DUR", "wait after a refusal before trying again", &c.rejection_retry,
           inRange<Duration>(1s, 24h))
      .add("deregistration-attempts", "N", "deregistration requests sent at stop before giving up",
           &c.deregistration_attempts, inRange<std::uint32_t>(1, 10))
      .add("tunnel-ttl", "N", "TTL of the outer IPv4 header of tunnelled packets", &c.tunnel_ttl,
           inRange<std::uint16_t>(1, 255))
      .add("ecn", "MODE", "ECN at encapsulation: normal or compatibility (RFC 6040 §4.1)", &c.ecn,
           oneOf({"normal", "compatibility"}))
      .add("dscp", "MODEL", "DSCP at decapsulation: uniform or pipe (RFC 2983)", &c.dscp,
           oneOf({"uniform", "pipe"}))
      .add("interface", "NAME",
           "take the care-of address only from this interface (default: the interface of the "
           "route to the home agent)",
           &c.interface)
      .add("local-port", "N", "local UDP port of registrations (0: any free port)", &c.local_port)
      .add("tun", "NAME", "name of the TUN device to create", &c.tun,
           Validator<std::string>(interfaceName))
      .add("mtu", "N", "MTU of the TUN device", &c.mtu, inRange<std::uint32_t>(1280, 65000))
      .add("table", "N",
           "routing table of the tunnel's default routes, used for packets from the home "
           "address and the registered prefixes",
           &c.table, inRange<std::uint32_t>(1, 0xFFFF'FFF0u))
      .add("rule-priority", "N", "priority of the policy rules selecting that table",
           &c.rule_priority, inRange<std::uint32_t>(1, 32765))
      .addList("route", "PREFIX",
               "destination routed into the tunnel in the main table while registered (IPv4 or "
               "IPv6; must not contain the home agent)",
               &c.route)
      .add("stop-timeout", "DUR", "at stop, wait at most this long for the deregistration reply",
           &c.stop_timeout, inRange<Duration>(0s, 60s))
      .add("control", "PATH", "control socket (for dsmip show)", &c.control,
           Validator<std::string>(notEmpty))
      .addCommonOptions(&c.log_level)
      .setSecret({"key"})
      // What the core applies to the running mobile node (MobileNode::reconfigure): timers,
      // retransmission and the tunnel header; what its requests carry, addresses, sockets,
      // the TUN device, routes and rules need a restart.
      .setReload(Reload::Live,
                 {"keepalive-interval", "keepalive-reply-timeout", "keepalive-max-misses",
                  "initial-retransmission", "max-retransmission", "reregistration-percent",
                  "rejection-retry", "deregistration-attempts", "tunnel-ttl", "ecn", "dscp"})
      .addCheck([&c, &table]() -> Status {
        if (c.table == 253 || c.table == 254 || c.table == 255) {
          return invalid("table: 253, 254 and 255 are the kernel's default, main and local tables");
        }
        if (!c.interface.empty()) {
          if (auto why = interfaceName(c.interface)) return invalid("interface: " + *why);
        }
        auto key = loadMip4Key(c.key, c.key_file, directoryOf(table.configPath()));
        if (!key) return Unexpected{key.error()};
        dsmip4::MobileNodeConfig core;
        core.home_address = *c.home_address;
        core.home_agent = *c.home_agent;
        core.home_agent_port = c.home_agent_port;
        core.key = wire::Mipv4AuthKey{*c.spi, wire::Mipv4AuthAlgorithm::HmacMd5, std::move(*key)};
        core.lifetime = seconds(c.lifetime);
        for (const Ipv6Prefix& prefix : c.prefixes) {
          if (prefix.address.isLinkLocal() || prefix.address.isMulticast()) {
            return invalid("prefix: " + prefix.toString() +
                           " is not a global unicast prefix (see link-local)");
          }
          core.prefixes.push_back(dsmip4::PrefixRequest{prefix, false, std::nullopt});
        }
        if (c.link_local) {
          const Ipv6Address ll = dsmip4::tunnelLinkLocalAddress(core.home_address);
          core.prefixes.push_back(dsmip4::PrefixRequest{Ipv6Prefix{ll, 128}, true, std::nullopt});
        }
        core.request_tunnel_to_care_of = c.tunnel_to_care_of;
        core.request_udp_tunnel = c.udp_tunnel;
        core.force_udp_tunnel = c.force_udp_tunnel;
        if (c.force_udp_tunnel && !c.udp_tunnel) {
          return invalid("force-udp-tunnel: needs udp-tunnel = true");
        }
        core.keepalive_interval = seconds(c.keepalive_interval);
        core.keepalive_reply_timeout = c.keepalive_reply_timeout;
        core.keepalive_max_misses = c.keepalive_max_misses;
        core.initial_retransmission = c.initial_retransmission;
        core.max_retransmission = c.max_retransmission;
        core.reregistration_percent = c.reregistration_percent;
        core.rejection_retry = c.rejection_retry;
        core.deregistration_attempts = c.deregistration_attempts;
        core.tunnel_ttl = static_cast<std::uint8_t>(c.tunnel_ttl);
        core.traffic_class = trafficClass(c.ecn, c.dscp);
        c.routes4.clear();
        c.routes6.clear();
        for (const std::string& text : c.route) {
          if (auto p4 = Ipv4Prefix::parse(text)) {
            if (hostBitsSet<Ipv4Address>(text, p4->address)) {
              return invalid(fmt::format("route: '{}' has bits set beyond /{}", text, p4->length));
            }
            if (p4->contains(core.home_agent)) {
              return invalid(
                  fmt::format("route: {} contains the home agent {} (the tunnel would "
                              "carry itself)",
                              text, core.home_agent.toString()));
            }
            c.routes4.push_back(*p4);
          } else if (auto p6 = Ipv6Prefix::parse(text)) {
            if (hostBitsSet<Ipv6Address>(text, p6->address)) {
              return invalid(fmt::format("route: '{}' has bits set beyond /{}", text, p6->length));
            }
            c.routes6.push_back(*p6);
          } else {
            return invalid(fmt::format("route: '{}' is not an IPv4 or IPv6 prefix", text));
          }
        }
        if (Status s = fromCoreValidation(dsmip4::validateMobileNodeConfig(core)); !s) return s;
        c.core = std::move(core);
        return {};
      });
}

}  // namespace dsmip::daemon
