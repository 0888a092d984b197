#pragma once
// Configuration of the DSMIPv6 mobile node core. The daemon fills it from TOML (keys in the
// comments, documented in docs/dsmip6.md), resolves the home agent's DNS name itself (A and
// AAAA, again after each move) and passes the addresses in through onHomeAgentAddresses().

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "dsmip6/tunnel.hpp"
#include "dsmip6/types.hpp"

namespace dsmip::dsmip6 {

/// How the mobile node gets its IPv4 home address (RFC 5555 §3.1.1, §2.5).
enum class Ipv4HomeAddressMode : std::uint8_t {
  None,     // no IPv4 home address option
  Static,   // a configured address, checked by the home agent
  Dynamic,  // 0.0.0.0: the home agent assigns one
};

/// NEMO mode of a mobile router (RFC 3963 §5.2).
enum class NemoMode : std::uint8_t {
  Implicit,  // no Mobile Network Prefix options: the home agent knows the prefixes
  Explicit,  // one Mobile Network Prefix option per prefix in every BU
};

struct MobileNodeConfig {
  /// home_addresses: the IPv6 home addresses; the first one is the primary, whose BU carries
  /// the IPv4 home address and mobile network prefix options.
  std::vector<Ipv6Address> home_addresses;
  /// home_prefix: the home link's prefix; an IPv6 address in it means "at home".
  Ipv6Prefix home_prefix;
  /// home_agent: the home agent's IPv6 address (or from DNS: onHomeAgentAddresses()).
  Ipv6Address home_agent;
  /// home_agent_ipv4: its IPv4 address, needed from IPv4 networks.
  std::optional<Ipv4Address> home_agent_ipv4;
  /// home_agent_udp_port: the home agent's DSMIPv6 port (RFC 5555 §8).
  std::uint16_t home_agent_udp_port = kDsmipv6UdpPort;
  /// The local port of the daemon's UDP socket (bound before the core is created; the same
  /// port is kept for the NAT mapping, RFC 5555 §4.3). 0 disables IPv4 care-of addresses.
  std::uint16_t local_udp_port = 0;
  /// ipv4_home_address: "none", "dynamic" (0.0.0.0) or a static address.
  Ipv4HomeAddressMode ipv4_home_address_mode = Ipv4HomeAddressMode::None;
  Ipv4Address ipv4_home_address;
  /// ipv4_mobile_network_prefixes: IPv4 prefixes to request with the P flag; 0.0.0.0/len asks
  /// the home agent for any prefix of that length (RFC 5555 §3.1.1).
  std::vector<Ipv4Prefix> ipv4_mobile_network_prefixes;
  /// mobile_router: register with R (NEMO), in `nemo_mode`, for `mobile_network_prefixes`.
  bool mobile_router = false;
  NemoMode nemo_mode = NemoMode::Explicit;
  std::vector<Ipv6Prefix> mobile_network_prefixes;
  /// binding_lifetime: the lifetime asked in each BU (rounded down to 4 s units).
  Duration binding_lifetime = std::chrono::seconds(300);
  /// force_udp: set F from IPv4 care-of addresses (RFC 5555 §4.4.2).
  bool force_udp = false;
  /// tlv_header: offer the TLV-header format with the BU T flag (decision D3).
  bool tlv_header = false;
  /// key_management: K flag (dynamic keying that can move the IKE endpoint; 0 with manual keys).
  bool key_management = false;
  /// link_local_compatibility: L flag (the home address shares its IID with the link-local).
  bool link_local_compatibility = false;
  /// initial_bindack_timeout_first_reg: InitialBindackTimeoutFirstReg (RFC 6275 §13).
  Duration initial_bindack_timeout_first_reg = kInitialBindackTimeoutFirstReg;
  /// initial_bindack_timeout: INITIAL_BINDACK_TIMEOUT when the HA has a binding (§12).
  Duration initial_bindack_timeout = kInitialBindackTimeout;
  /// max_bindack_timeout: MAX_BINDACK_TIMEOUT (§12).
  Duration max_bindack_timeout = kMaxBindackTimeout;
  /// nat_keepalive: keep-alive period when the BA's NAT Detection option says 0 (NATKATIMEOUT).
  Duration nat_keepalive = kNatKeepaliveTimeout;
  /// ipv6_attempts_before_ipv4: BUs with an IPv6 care-of address without a BA before trying an
  /// IPv4 one (RFC 5555 §4.4.1: 3).
  unsigned ipv6_attempts_before_ipv4 = kIpv6AttemptsBeforeIpv4;
  /// retry_after_rejection: a BU rejected for a reason only configuration can fix is tried again
  /// after this long (or at the next move).
  Duration retry_after_rejection = std::chrono::seconds(300);
  /// deregistration_attempts: de-registration BUs sent when stopping before giving up.
  unsigned deregistration_attempts = 3;
  /// require_esp: ignore BAs, BEs and BRRs that were not ESP-protected (RFC 6275 §11.7.3).
  bool require_esp = false;
  /// tunnel_*: outer header policy (ECN mode, DSCP model, hop limit, UDP checksum).
  TunnelPolicy tunnel;
  /// initial_sequence: the first sequence number (tests); random when unset (RFC 6275 §11.7.1).
  std::optional<std::uint16_t> initial_sequence;
};

/// Checks a configuration; the error's detail names the key and the reason.
Status validateMobileNodeConfig(const MobileNodeConfig& config);

}  // namespace dsmip::dsmip6
