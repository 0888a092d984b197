#pragma once
// Configuration of `dsmip ha` (docs/dsmip6.md, "dsmip ha"): the home agent core's keys
// (HomeAgentConfig), the daemon's own (home link interface, TUN device, control socket), and the
// allowed mobile nodes as `[[mobile_node]]` tables of the TOML file. Keys are the names
// docs/dsmip6.md lists (snake_case); each is also a flag `--key VALUE`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/dsmip6_esp.hpp"
#include "daemon/options.hpp"
#include "dsmip6/home_agent_config.hpp"

namespace dsmip::daemon {

struct HaDaemonConfig {
  dsmip6::HomeAgentConfig core;
  /// home_interface: the home link; proxy ND / proxy ARP answer there for registered home
  /// addresses and for the home agent's own IPv6 address.
  std::string home_interface;
  /// tun: the TUN device intercepted traffic and the home agent's address are routed into.
  std::string tun = "dsmip6ha0";
  /// tun_mtu: MTU of the TUN device, the largest inner packet tunnelled to a mobile node (the
  /// home link's MTU minus the largest outer header, 40 octets of IPv6).
  std::uint32_t tun_mtu = 1460;
  /// route_metric: metric of the routes into the TUN.
  std::uint32_t route_metric = 64;
  std::string control;  // default /run/dsmip/ha.sock
  LogLevel log_level = LogLevel::Info;

  // Text forms resolved into `core` by the checks.
  std::string force_udp = "accept";
  std::optional<std::string> ipv4_pool;
  std::string tunnel_ecn = "normal";
  std::string tunnel_dscp = "uniform";
  std::uint32_t tunnel_hop_limit = 64;

  /// The `[[esp_sa]]` and `[[esp_policy]]` tables (docs/ipsec.md): the ESP stage of the
  /// signalling path. Without them signalling passes unprotected (and require_esp is refused).
  EspDaemonConfig esp;
};

/// The defaults (the core's, the control path).
HaDaemonConfig defaultHaConfig();

/// Declares every top-level key of `dsmip ha` on `table`, bound to `config`; the checks resolve
/// the text forms and run validateHomeAgentConfig().
void declareHaOptions(OptionTable& table, HaDaemonConfig& config);

/// Declares the keys of one `[[mobile_node]]` table on `table`, bound to `policy`.
void declareMobileNodeOptions(OptionTable& table, dsmip6::MobileNodePolicy& policy);

/// Resolves `table` (declared with declareHaOptions over `config`) from a TOML text: the
/// `[[esp_sa]]` / `[[esp_policy]]` tables (readEspTables) and the `[[mobile_node]]` tables are
/// parsed first (each with declareMobileNodeOptions; errors name
/// "ORIGIN [[mobile_node]] #N"), then the top-level keys and command-line flags. Nothing is
/// changed on the system; errors name the key and the reason.
[[nodiscard]] Status resolveHaConfig(OptionTable& table, HaDaemonConfig& config,
                                     std::string_view toml_text, std::string_view origin);
/// Same, reading the file given with --config (if any).
[[nodiscard]] Status resolveHaConfigFile(OptionTable& table, HaDaemonConfig& config);

/// "192.0.2.100-192.0.2.199" → the range; the reason otherwise.
[[nodiscard]] Result<dsmip6::Ipv4Range> parseIpv4Range(std::string_view text);

}  // namespace dsmip::daemon
