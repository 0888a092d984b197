// `dsmip m6t-gateway`, `dsmip m6t-client` and `dsmip m6t-prefix`.
#include <dirent.h>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "cli/subcommands.hpp"
#include "daemon/m6t_client_daemon.hpp"
#include "daemon/m6t_gateway_daemon.hpp"
#include "daemon/options.hpp"
#include "m6t/addressing.hpp"
#include "platform/clock.hpp"
#include "platform/random.hpp"

namespace dsmip::cli {

namespace {

int configError(const char* command, const Error& error) {
  std::fprintf(stderr, "dsmip %s: %s\n", command, error.detail.c_str());
  return daemon::kExitConfigError;
}

// A node identifier for RFC 4193 §3.2.2: the EUI-64 of the first interface with a MAC address,
// else the machine ID, else random bits.
std::array<std::uint8_t, 8> nodeIdentifier() {
  if (DIR* dir = ::opendir("/sys/class/net")) {
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != ".." && name != "lo") names.push_back(name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      std::ifstream in("/sys/class/net/" + name + "/address");
      std::string text;
      if (!(in >> text) || text.size() != 17) continue;
      Bytes mac;
      if (!fromHex(text, mac) || mac.size() != 6) continue;
      if (std::all_of(mac.begin(), mac.end(), [](std::uint8_t b) { return b == 0; })) continue;
      return m6t::eui64FromMac({mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]});
    }
  }
  std::ifstream machine_id("/etc/machine-id");
  std::string text;
  Bytes id;
  if (machine_id >> text && fromHex(text, id) && id.size() >= 8) {
    return {id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7]};
  }
  std::array<std::uint8_t, 8> random{};
  platform::SystemRandom().fill(random);
  return random;
}

}  // namespace

Runner addM6tGatewayCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "m6t-gateway",
      "Run the m6t tunnel gateway: IPv6 over UDP/IPv4 from mobile nodes to their home agents");
  auto config = std::make_shared<daemon::GatewayDaemonConfig>(daemon::defaultGatewayConfig());
  auto table = std::make_shared<daemon::OptionTable>("m6t-gateway");
  daemon::declareGatewayOptions(*table, *config);
  table->registerFlags(*cmd);
  return [config, table] {
    if (Status s = table->resolve(); !s) return configError("m6t-gateway", s.error());
    return daemon::runGateway(
        *config, daemon::makeReloadable<daemon::GatewayDaemonConfig>(
                     table, &daemon::defaultGatewayConfig, &daemon::declareGatewayOptions));
  };
}

Runner addM6tClientCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "m6t-client",
      "Run the m6t tunnel client of a mobile node (IPv6 to the home agent over UDP/IPv4)");
  auto config = std::make_shared<daemon::ClientDaemonConfig>(daemon::defaultClientConfig());
  auto table = std::make_shared<daemon::OptionTable>("m6t-client");
  daemon::declareClientOptions(*table, *config);
  table->registerFlags(*cmd);
  return [config, table] {
    if (Status s = table->resolve(); !s) return configError("m6t-client", s.error());
    return daemon::runClient(
        *config, daemon::makeReloadable<daemon::ClientDaemonConfig>(
                     table, &daemon::defaultClientConfig, &daemon::declareClientOptions));
  };
}

Runner addM6tPrefixCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "m6t-prefix",
      "Print a fresh RFC 4193 ULA /48, and with --subnet-id and --mn-id the m6t /80 (m6t §2.2)");
  struct Options {
    std::string ula;
    std::string subnet_id;
    std::string mn_id;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--ula", o->ula, "use this /48 instead of generating one")->type_name("IPV6/48");
  cmd->add_option("--subnet-id", o->subnet_id, "16-bit subnet ID")->type_name("N");
  cmd->add_option("--mn-id", o->mn_id, "16-bit mobile node ID")->type_name("N");
  return [o] {
    Ipv6Prefix ula;
    if (!o->ula.empty()) {
      auto parsed = daemon::OptionValue<Ipv6Prefix>::parse(o->ula);
      if (!parsed) {
        std::fprintf(stderr, "dsmip m6t-prefix: --ula: %s\n", parsed.error().detail.c_str());
        return daemon::kExitConfigError;
      }
      ula = *parsed;
    } else {
      const std::int64_t nanos = platform::unixTimeNanos();
      ula = m6t::generateUlaPrefix(
          m6t::ntpTimestamp(static_cast<std::uint64_t>(nanos / 1'000'000'000),
                            static_cast<std::uint32_t>(nanos % 1'000'000'000)),
          nodeIdentifier());
    }
    if (o->subnet_id.empty() != o->mn_id.empty()) {
      std::fprintf(stderr, "dsmip m6t-prefix: --subnet-id and --mn-id go together\n");
      return daemon::kExitConfigError;
    }
    if (o->subnet_id.empty()) {
      if (ula.length != m6t::kUlaPrefixLength) {
        std::fprintf(stderr, "dsmip m6t-prefix: --ula: must be a /48\n");
        return daemon::kExitConfigError;
      }
      std::printf("%s\n", ula.toString().c_str());
      return 0;
    }
    auto subnet = daemon::OptionValue<std::uint16_t>::parse(o->subnet_id);
    if (!subnet) {
      std::fprintf(stderr, "dsmip m6t-prefix: --subnet-id: %s\n", subnet.error().detail.c_str());
      return daemon::kExitConfigError;
    }
    auto mn = daemon::OptionValue<std::uint16_t>::parse(o->mn_id);
    if (!mn) {
      std::fprintf(stderr, "dsmip m6t-prefix: --mn-id: %s\n", mn.error().detail.c_str());
      return daemon::kExitConfigError;
    }
    auto prefix = m6t::assembleM6tPrefix(ula, *subnet, *mn);
    if (!prefix) {
      std::fprintf(stderr, "dsmip m6t-prefix: --ula: %s\n", prefix.error().detail.c_str());
      return daemon::kExitConfigError;
    }
    std::printf("%s\n%s\n", ula.toString().c_str(), prefix->toString().c_str());
    return 0;
  };
}

}  // namespace dsmip::cli
