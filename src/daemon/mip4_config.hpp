#pragma once
// Configuration of `dsmip mip4-ha` and `dsmip mip4-mn` (docs/dsmip4.md, "Configuration"): each
// option declared once for its flag and TOML key; the home agent's mobile nodes are
// `[[mobile-node]]` tables of its file. The cross-option checks build the cores' configurations
// (dsmip4::HomeAgentConfig, dsmip4::MobileNodeConfig), so that a configuration that resolves is
// one the cores accept. MN-HA keys are given as hex (`key`) or in a file (`key-file`) and never
// appear in messages, logs or `dsmip show`.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "daemon/options.hpp"
#include "dsmip4/home_agent.hpp"
#include "dsmip4/mobile_node.hpp"

namespace dsmip::daemon {

/// The keys of one `[[mobile-node]]` table of the home agent, as given.
struct Mip4MobileNodeEntry {
  std::optional<Ipv4Address> home_address;
  std::optional<std::uint32_t> spi;
  std::optional<std::string> key;       // hex
  std::optional<std::string> key_file;  // a file holding the key in hex
  Duration identification_tolerance = std::chrono::seconds{7};
  Duration max_lifetime = std::chrono::seconds{1800};
  std::vector<Ipv6Prefix> prefixes;
  std::string prefix_tunnel = "follow-request";
  bool allow_link_local = true;
  std::uint32_t max_prefixes = 16;
  std::string udp_tunnel = "allow";
  bool require_reverse_tunnel = false;
  /// Built by the table's check.
  dsmip4::MobileNodePolicy policy;
};

struct HomeAgentDaemonConfig {
  /// Built by the checks from the keys below.
  dsmip4::HomeAgentConfig core;
  std::optional<Ipv4Address> address;
  std::string home_interface;
  std::uint16_t port = 434;
  Duration keepalive_interval = std::chrono::seconds{110};
  std::uint16_t tunnel_ttl = 64;
  std::string ecn = "normal";
  std::string dscp = "uniform";
  std::string tun = "mip4ha0";
  std::uint32_t mtu = 1400;
  std::string control;  // default: /run/dsmip/mip4-ha.sock
  LogLevel log_level = LogLevel::Info;
  /// One per [[mobile-node]] table (with the OptionTable that reads it).
  struct MobileNodeTable {
    Mip4MobileNodeEntry entry;
    OptionTable table{"mip4-ha [[mobile-node]]"};
  };
  std::vector<std::unique_ptr<MobileNodeTable>> mobile_node_tables;
};

struct MobileNodeDaemonConfig {
  /// Built by the check from the keys below.
  dsmip4::MobileNodeConfig core;
  std::optional<Ipv4Address> home_address;
  std::optional<Ipv4Address> home_agent;
  std::uint16_t home_agent_port = 434;
  std::optional<std::uint32_t> spi;
  std::optional<std::string> key;
  std::optional<std::string> key_file;
  Duration lifetime = std::chrono::seconds{1800};
  std::vector<Ipv6Prefix> prefixes;
  bool link_local = false;
  bool tunnel_to_care_of = true;
  bool udp_tunnel = true;
  bool force_udp_tunnel = false;
  Duration keepalive_interval = std::chrono::seconds{110};
  Duration keepalive_reply_timeout = std::chrono::seconds{5};
  std::uint32_t keepalive_max_misses = 3;
  Duration initial_retransmission = std::chrono::seconds{1};
  Duration max_retransmission = std::chrono::seconds{32};
  std::uint32_t reregistration_percent = 80;
  Duration rejection_retry = std::chrono::seconds{60};
  std::uint32_t deregistration_attempts = 3;
  std::uint16_t tunnel_ttl = 64;
  std::string ecn = "normal";
  std::string dscp = "uniform";
  std::string interface;  // empty: the interface of the route to the home agent
  std::uint16_t local_port = 0;
  std::string tun = "mip4mn0";
  std::uint32_t mtu = 1400;
  std::uint32_t table = 434;
  std::uint32_t rule_priority = 1000;
  std::vector<Ipv4Prefix> routes4;  // `route` entries of the IPv4 family
  std::vector<Ipv6Prefix> routes6;  // `route` entries of the IPv6 family
  std::vector<std::string> route;   // as given
  Duration stop_timeout = std::chrono::seconds{3};
  std::string control;  // default: /run/dsmip/mip4-mn.sock
  LogLevel log_level = LogLevel::Info;
};

/// Defaults of `dsmip mip4-ha` (the core's defaults, the control path).
HomeAgentDaemonConfig defaultHomeAgentDaemonConfig();
/// Declares every option of `dsmip mip4-ha` on `table`, bound to `config` (which must outlive
/// the table).
void declareHomeAgentOptions(OptionTable& table, HomeAgentDaemonConfig& config);

MobileNodeDaemonConfig defaultMobileNodeDaemonConfig();
void declareMobileNodeOptions(OptionTable& table, MobileNodeDaemonConfig& config);

/// The MN-HA key from `key` (hex) or `key_file` (hex in a file; a relative path is taken from
/// `base_directory`, the configuration file's): exactly one must be given. Errors start with the
/// option to blame ("key: …") and never contain the key.
Result<Bytes> loadMip4Key(const std::optional<std::string>& key,
                          const std::optional<std::string>& key_file,
                          const std::string& base_directory = {});

}  // namespace dsmip::daemon
