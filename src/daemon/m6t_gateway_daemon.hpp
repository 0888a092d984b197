#pragma once
// `dsmip m6t-gateway`: the m6t tunnel gateway (docs/m6t.md). Options are declared once
// (declareGatewayOptions) for flags and TOML keys; runGateway() creates the TUN device, routes
// the mobile-node prefixes into it, enables IPv6 forwarding (all through the undo list), listens
// on the UDP endpoints and runs the core until SIGTERM/SIGINT.

#include <string>
#include <string_view>

#include "common/log.hpp"
#include "daemon/options.hpp"
#include "daemon/reload.hpp"
#include "m6t/gateway.hpp"

namespace dsmip::daemon {

struct GatewayDaemonConfig {
  m6t::GatewayConfig core;
  std::string tun = "m6tgw0";
  std::string control;  // default: /run/dsmip/m6t-gateway.sock
  LogLevel log_level = LogLevel::Info;
};

/// Defaults of the daemon (listen 0.0.0.0:3544, the core's defaults, the control path).
GatewayDaemonConfig defaultGatewayConfig();

/// Declares every option of `dsmip m6t-gateway` on `table`, bound to `config`.
void declareGatewayOptions(OptionTable& table, GatewayDaemonConfig& config);

/// Runs the gateway; returns the process exit code. On SIGHUP the configuration is loaded
/// again through `reloadable` (if given) and its Live keys applied (Gateway::reconfigure).
int runGateway(const GatewayDaemonConfig& config, Reloadable<GatewayDaemonConfig> reloadable = {});

}  // namespace dsmip::daemon
