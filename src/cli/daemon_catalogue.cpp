#include "cli/daemon_catalogue.hpp"

#include "daemon/m6t_client_daemon.hpp"
#include "daemon/m6t_gateway_daemon.hpp"
#include "daemon/mip4_config.hpp"

namespace dsmip::cli {

namespace {

template <typename Config>
class Declared final : public DeclaredOptions {
 public:
  Declared(std::string name, Config config, void (*declare)(daemon::OptionTable&, Config&))
      : config_(std::move(config)), table_(std::move(name)) {
    declare(table_, config_);
  }
  daemon::OptionTable& table() override { return table_; }

 private:
  Config config_;
  daemon::OptionTable table_;
};

template <typename Config>
DaemonEntry entry(std::string name, std::string summary, Config (*defaults)(),
                  void (*declare)(daemon::OptionTable&, Config&)) {
  return {name, std::move(summary),
          [name, defaults, declare]() -> std::unique_ptr<DeclaredOptions> {
            return std::make_unique<Declared<Config>>(name, defaults(), declare);
          }};
}

}  // namespace

const std::vector<DaemonEntry>& daemonCatalogue() {
  static const std::vector<DaemonEntry> catalogue = {
      entry("m6t-gateway", "the m6t tunnel gateway in front of home agents",
            &daemon::defaultGatewayConfig, &daemon::declareGatewayOptions),
      entry("m6t-client", "the m6t tunnel client of a mobile node", &daemon::defaultClientConfig,
            &daemon::declareClientOptions),
      entry("mip4-ha", "the DSMIPv4 home agent", &daemon::defaultHomeAgentDaemonConfig,
            &daemon::declareHomeAgentOptions),
      entry("mip4-mn", "the DSMIPv4 mobile node", &daemon::defaultMobileNodeDaemonConfig,
            &daemon::declareMobileNodeOptions),
  };
  return catalogue;
}

const DaemonEntry* findDaemon(std::string_view name) {
  for (const DaemonEntry& e : daemonCatalogue()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const DaemonEntry* daemonForFileName(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const DaemonEntry* best = nullptr;
  for (const DaemonEntry& e : daemonCatalogue()) {
    if (base.size() <= e.name.size() || base.substr(0, e.name.size()) != e.name) continue;
    const char next = base[e.name.size()];
    if (next != '.' && next != '-' && next != '_') continue;
    if (best == nullptr || e.name.size() > best->name.size()) best = &e;
  }
  return best;
}

}  // namespace dsmip::cli
