#pragma once
// Configuration of `dsmip mn` (docs/dsmip6.md, "dsmip mn"): the mobile node core's keys
// (MobileNodeConfig) and the daemon's own (interfaces and their preference, TUN device, the
// routes through the tunnel, the home agent's DNS name). Keys are the names docs/dsmip6.md
// lists (snake_case); each is also a flag `--key VALUE`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "daemon/dsmip6_esp.hpp"
#include "daemon/options.hpp"
#include "dsmip6/mobile_node_config.hpp"

namespace dsmip::daemon {

struct MnDaemonConfig {
  dsmip6::MobileNodeConfig core;
  /// home_agent: an IPv6 address, or a DNS name resolved at start and again after every move
  /// (AAAA for the IPv6 address, A for the IPv4 one unless home_agent_ipv4 is given).
  std::string home_agent;
  /// Set when home_agent is a name (core.home_agent then comes from the resolver).
  std::optional<std::string> home_agent_name;
  /// interfaces: the interfaces care-of addresses are taken from, most preferred first.
  std::vector<std::string> interfaces;
  /// tun: the TUN device the home addresses live on while away.
  std::string tun = "dsmip6mn0";
  /// routes: destinations routed through the TUN (source: the home addresses) while registered
  /// away from home. ::/0 and 0.0.0.0/0 are installed as two halves, so that they win over the
  /// visited network's default routes without replacing them (the daemon's own sockets are
  /// bound to the care-of interface and keep using those).
  std::vector<std::string> routes = {"::/0", "0.0.0.0/0"};
  std::vector<Ipv6Prefix> ipv6_routes;  // resolved from `routes`
  std::vector<Ipv4Prefix> ipv4_routes;
  std::uint32_t route_metric = 64;
  /// local_udp_port: the UDP port for IPv4 care-of addresses (kept across moves for the NAT
  /// mapping); 0: chosen by the kernel at start.
  std::uint16_t local_udp_port = 0;
  /// ipv4_care_of: use IPv4 care-of addresses at all.
  bool ipv4_care_of = true;
  /// dns_timeout: how long a resolution of home_agent may take.
  Duration dns_timeout = std::chrono::seconds(2);
  /// stop_timeout: longest wait for de-registration when stopping.
  Duration stop_timeout = std::chrono::seconds(10);
  std::string control;  // default /run/dsmip/mn.sock
  LogLevel log_level = LogLevel::Info;

  // Text forms resolved into `core` by the checks.
  std::string ipv4_home_address = "none";
  std::string nemo_mode = "explicit";
  std::string tunnel_ecn = "normal";
  std::string tunnel_dscp = "uniform";
  std::uint32_t tunnel_hop_limit = 64;
  std::optional<std::uint32_t> initial_sequence;

  /// The `[[esp_sa]]` and `[[esp_policy]]` tables (docs/ipsec.md): the ESP stage of the
  /// signalling path. Without them signalling passes unprotected (and require_esp is refused).
  EspDaemonConfig esp;
};

MnDaemonConfig defaultMnConfig();

/// Declares every key of `dsmip mn` on `table`, bound to `config`; the checks resolve the text
/// forms and run validateMobileNodeConfig().
void declareMnOptions(OptionTable& table, MnDaemonConfig& config);

/// Resolves `table` (declared with declareMnOptions over `config`) from a TOML text: the
/// `[[esp_sa]]` / `[[esp_policy]]` tables first (readEspTables), then the other keys and the
/// command-line flags. Errors name the key and the reason.
[[nodiscard]] Status resolveMnConfig(OptionTable& table, MnDaemonConfig& config,
                                     std::string_view toml_text, std::string_view origin);
/// Same, reading the file given with --config (if any).
[[nodiscard]] Status resolveMnConfigFile(OptionTable& table, MnDaemonConfig& config);

}  // namespace dsmip::daemon
