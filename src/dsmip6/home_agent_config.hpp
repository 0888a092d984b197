#pragma once
// Configuration of the DSMIPv6 home agent core. The daemon fills it from TOML (every key is
// documented in docs/dsmip6.md; the names in the comments below are those keys) and calls
// validateHomeAgentConfig() before touching the system.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "dsmip6/tunnel.hpp"
#include "dsmip6/types.hpp"

namespace dsmip::dsmip6 {

/// What the home agent does with a BU whose F flag asks for UDP encapsulation (decision D2).
enum class ForceUdpPolicy : std::uint8_t {
  Accept,  // honour it: UDP for that binding (default)
  Refuse,  // reject the BU with status 144 (RFC 5555 §4.5 text; IANA: MIPV6-ID-MISMATCH)
};

/// One mobile node the home agent serves (`[[mobile_node]]`).
struct MobileNodePolicy {
  Ipv6Address home_address;                         // home_address
  std::optional<Ipv4Address> ipv4_home_address;     // ipv4_home_address: static (RFC 5555 §4.5)
  bool dynamic_ipv4 = false;                        // dynamic_ipv4: may get one from the pool
  bool mobile_router = false;                       // mobile_router: may register with R (NEMO)
  std::vector<Ipv6Prefix> mobile_network_prefixes;  // mobile_network_prefixes (RFC 3963)
  std::vector<Ipv4Prefix> ipv4_mobile_network_prefixes;  // ipv4_mobile_network_prefixes (P flag)
  friend bool operator==(const MobileNodePolicy&, const MobileNodePolicy&) = default;
};

/// An inclusive range of IPv4 addresses for dynamic IPv4 home addresses (`ipv4_pool`).
struct Ipv4Range {
  Ipv4Address first;
  Ipv4Address last;
  [[nodiscard]] std::uint32_t size() const { return last.toU32() - first.toU32() + 1; }
  [[nodiscard]] bool contains(const Ipv4Address& a) const {
    return a.toU32() >= first.toU32() && a.toU32() <= last.toU32();
  }
  friend bool operator==(const Ipv4Range&, const Ipv4Range&) = default;
};

/// The home agent core's configuration.
struct HomeAgentConfig {
  /// home_prefixes: the home link's prefixes; a HoA outside them gets status 132.
  std::vector<Ipv6Prefix> home_prefixes;
  /// address: the home agent's IPv6 address (its MIPv6 signalling address, routed into the
  /// daemon's TUN and answered for by proxy ND on the home link).
  Ipv6Address address;
  /// ipv4_address: the home agent's IPv4 address for IPv4 care-of addresses (UDP and
  /// IP-in-IPv4). Without it, BUs from IPv4 networks cannot be answered.
  std::optional<Ipv4Address> ipv4_address;
  /// udp_port: the DSMIPv6 UDP port (RFC 5555 §8).
  std::uint16_t udp_port = kDsmipv6UdpPort;
  /// force_udp: policy for the BU F flag (decision D2): "accept" or "refuse".
  ForceUdpPolicy force_udp = ForceUdpPolicy::Accept;
  /// require_udp: set F in the NAT Detection option, so every IPv4-CoA binding uses UDP even
  /// without a NAT (RFC 5555 §3.2.2).
  bool require_udp = false;
  /// tlv_header: accept the TLV-header format when a MN offers it with the BU T flag (D3).
  bool tlv_header = false;
  /// nat_refresh_time: keep-alive period suggested in the NAT Detection option when a NAT is
  /// detected (RFC 5555 §3.2.2; NATKATIMEOUT = 110 s). Whole seconds, 1 … 2^32 - 2.
  Duration nat_refresh_time = kNatKeepaliveTimeout;
  /// max_binding_lifetime: granted lifetimes are capped here (RFC 6275 §10.3.1 "MAY be lower by
  /// policy"); at most 65535 × 4 s.
  Duration max_binding_lifetime = std::chrono::seconds(3600);
  /// refresh_advice: when non-zero, a Binding Refresh Advice option with this interval (capped
  /// below the granted lifetime) is sent in accepting BAs (RFC 6275 §6.2.4, §10.3.1).
  Duration refresh_advice = Duration::zero();
  /// refresh_request_lead: when non-zero, a Binding Refresh Request is sent this long before a
  /// binding expires if the MN has not refreshed it (RFC 6275 §10.3.1 allows it).
  Duration refresh_request_lead = Duration::zero();
  /// mobile_nodes: the mobile nodes allowed to register.
  std::vector<MobileNodePolicy> mobile_nodes;
  /// accept_any_home_address: also accept any HoA in a home prefix that `mobile_nodes` does not
  /// list, with the rights below (for deployments where ESP identities do the authorisation).
  bool accept_any_home_address = false;
  /// any_home_address_dynamic_ipv4: such mobile nodes may get a dynamic IPv4 home address.
  bool any_home_address_dynamic_ipv4 = false;
  /// ipv4_pool: addresses for dynamic IPv4 home addresses (RFC 5555 §2.5, §4.5).
  std::optional<Ipv4Range> ipv4_pool;
  /// reserved_addresses: addresses known to be in use on the home link. Userspace cannot run
  /// Duplicate Address Detection on the home link for a new HoA, so the DAD step of RFC 6275
  /// §10.3.1 checks the HoA (and, with L, its link-local form) against these, the home agent's
  /// own addresses and the other bindings; a conflict gets status 134.
  std::vector<Ipv6Address> reserved_addresses;
  /// max_bindings: more home registrations than this are refused with status 130.
  std::size_t max_bindings = 1'000'000;
  /// home_registration: false makes the home agent answer every home registration with 131
  /// (e.g. while it is taken out of service).
  bool home_registration = true;
  /// key_management_mobility: set K in the BA when the BU had K (IKE endpoint can move;
  /// RFC 6275 §10.3.1). Needs dynamic keying; false with manual ESP keys.
  bool key_management_mobility = false;
  /// require_esp: discard signalling that did not arrive ESP-protected (RFC 6275 §5.1). Off
  /// until the ESP module is configured.
  bool require_esp = false;
  /// tunnel_*: outer header policy (ECN mode, DSCP model, hop limit, UDP checksum).
  TunnelPolicy tunnel;
  /// error_rate: Binding Errors, Parameter Problems and unsolicited Binding Refresh Requests
  /// per second (rate-limited like ICMPv6, RFC 6275 §9.3.3); burst = twice the rate.
  double error_rate = 10.0;
};

/// Checks a configuration; the error's detail names the key and the reason
/// ("ipv4_pool: first address above last").
Status validateHomeAgentConfig(const HomeAgentConfig& config);

}  // namespace dsmip::dsmip6
