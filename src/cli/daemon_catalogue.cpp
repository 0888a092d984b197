#include "cli/daemon_catalogue.hpp"

#include <CLI/CLI.hpp>

#include "daemon/ha_config.hpp"
#include "daemon/m6t_client_daemon.hpp"
#include "daemon/m6t_gateway_daemon.hpp"
#include "daemon/mip4_config.hpp"
#include "daemon/mn_config.hpp"

namespace dsmip::cli {

namespace {

template <typename Config>
struct DaemonConfigSpec {
  Config (*defaults)();
  void (*declare)(daemon::OptionTable&, Config&);
  // The daemon's loader once --config is parsed; nullptr: OptionTable::resolve().
  Status (*resolve)(daemon::OptionTable&, Config&) = nullptr;
  // Arrays of tables the loader reads itself (not declared on the table).
  std::vector<daemon::TableArrayInfo> (*extra_arrays)() = nullptr;
};

template <typename Config>
class Declared final : public DeclaredOptions {
 public:
  Declared(std::string name, DaemonConfigSpec<Config> spec)
      : spec_(spec), config_(spec.defaults()), table_(std::move(name)) {
    spec_.declare(table_, config_);
  }
  daemon::OptionTable& table() override { return table_; }

  Status resolveFile(const std::string& path) override {
    // The daemon's command line reduced to `--config path`, parsed by the same flags.
    CLI::App app;
    table_.registerFlags(app);
    const std::string program = "dsmip-" + table_.daemonName();
    const char* argv[] = {program.c_str(), "--config", path.c_str()};
    try {
      app.parse(3, argv);
    } catch (const CLI::ParseError& e) {
      return makeError(ErrorCode::InvalidArgument, e.what());
    }
    if (spec_.resolve != nullptr) return spec_.resolve(table_, config_);
    return table_.resolve();
  }

  std::vector<daemon::TableArrayInfo> tableArrays() override {
    std::vector<daemon::TableArrayInfo> out = table_.tableArrays();
    if (spec_.extra_arrays != nullptr) {
      for (daemon::TableArrayInfo& a : spec_.extra_arrays()) out.push_back(std::move(a));
    }
    return out;
  }

 private:
  DaemonConfigSpec<Config> spec_;
  Config config_;
  daemon::OptionTable table_;
};

template <typename Config>
DaemonEntry entry(std::string name, std::string summary, DaemonConfigSpec<Config> spec) {
  return {name, std::move(summary), [name, spec]() -> std::unique_ptr<DeclaredOptions> {
            return std::make_unique<Declared<Config>>(name, spec);
          }};
}

// `dsmip ha` reads its `[[mobile_node]]` tables itself (resolveHaConfig).
std::vector<daemon::TableArrayInfo> haMobileNodeTables() {
  dsmip6::MobileNodePolicy policy;
  daemon::OptionTable element("ha [[mobile_node]]");
  daemon::declareMobileNodeOptions(element, policy);
  return {{"mobile_node",
           "a mobile node allowed to register (a home address no table lists is refused unless "
           "accept_any_home_address)",
           false, element.options(), daemon::Reload::Live}};
}

}  // namespace

const std::vector<DaemonEntry>& daemonCatalogue() {
  static const std::vector<DaemonEntry> catalogue = {
      entry("m6t-gateway", "the m6t tunnel gateway in front of home agents",
            DaemonConfigSpec<daemon::GatewayDaemonConfig>{&daemon::defaultGatewayConfig,
                                                          &daemon::declareGatewayOptions}),
      entry("m6t-client", "the m6t tunnel client of a mobile node",
            DaemonConfigSpec<daemon::ClientDaemonConfig>{&daemon::defaultClientConfig,
                                                         &daemon::declareClientOptions}),
      entry("ha", "the DSMIPv6 home agent",
            DaemonConfigSpec<daemon::HaDaemonConfig>{
                &daemon::defaultHaConfig, &daemon::declareHaOptions, &daemon::resolveHaConfigFile,
                &haMobileNodeTables}),
      entry("mn", "the DSMIPv6 mobile node",
            DaemonConfigSpec<daemon::MnDaemonConfig>{
                &daemon::defaultMnConfig, &daemon::declareMnOptions, &daemon::resolveMnConfigFile}),
      entry("mip4-ha", "the DSMIPv4 home agent",
            DaemonConfigSpec<daemon::HomeAgentDaemonConfig>{&daemon::defaultHomeAgentDaemonConfig,
                                                            &daemon::declareHomeAgentOptions}),
      entry("mip4-mn", "the DSMIPv4 mobile node",
            DaemonConfigSpec<daemon::MobileNodeDaemonConfig>{&daemon::defaultMobileNodeDaemonConfig,
                                                             &daemon::declareMobileNodeOptions}),
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
