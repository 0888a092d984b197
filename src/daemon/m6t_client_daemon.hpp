#pragma once
// `dsmip m6t-client`: the m6t tunnel client of a mobile node (docs/m6t.md). It watches IPv4
// connectivity through netlink (the route, source address and router it uses towards the
// gateway) and hands each change to the client core, which re-addresses the TUN device.

#include <cstdint>
#include <optional>
#include <string>

#include "common/log.hpp"
#include "daemon/options.hpp"
#include "daemon/reload.hpp"
#include "m6t/client.hpp"

namespace dsmip::daemon {

struct ClientDaemonConfig {
  m6t::ClientConfig core;
  // --prefix, or --ula + --subnet-id + --mn-id (m6t §2.2); resolved into core.prefix.
  std::optional<Ipv6Prefix> prefix;
  std::optional<Ipv6Prefix> ula;
  std::optional<std::uint16_t> subnet_id;
  std::optional<std::uint16_t> mn_id;
  std::string tun = "m6t0";
  std::string control;  // default: /run/dsmip/m6t-client.sock
  LogLevel log_level = LogLevel::Info;
};

/// Defaults of the daemon (routes ::/0, the core's defaults, the control path).
ClientDaemonConfig defaultClientConfig();

/// Declares every option of `dsmip m6t-client` on `table`, bound to `config`; the checks
/// resolve the /80 into config.core.prefix.
void declareClientOptions(OptionTable& table, ClientDaemonConfig& config);

/// Runs the client; returns the process exit code.
int runClient(const ClientDaemonConfig& config, Reloadable<ClientDaemonConfig> reloadable = {});

}  // namespace dsmip::daemon
