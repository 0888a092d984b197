#pragma once
// DSMIPv6 home agent core: Mobile IPv6 home registration (RFC 6275 §9.5, §10.3), NEMO basic
// support (RFC 3963 §6) and the dual-stack extensions (RFC 5555 §4.5), pure: no clock, no
// sockets, randomness injected.
//
// States of a binding cache entry: (none) → Active → (lifetime 0 / CoA = HoA) Deregistered,
// kept MAX_DELETE_BCE_TIMEOUT (10 s) so that late BUs get status 135 → removed. An Active entry
// whose lifetime runs out is removed (BindingExpired).
//
// Timers (one heap, see BindingCache): entry expiry; optional Binding Refresh Request
// `refresh_request_lead` before expiry; removal of de-registered entries; Binding Refresh
// Requests for reverse-tunnelled traffic from mobile nodes without a binding (after a home
// agent restart), rate-limited and held off per home address.
//
// Inputs: onSignalling() with a plain IPv6 packet (BU, Mobile Prefix Solicitation, Echo
// Request) and its Inbound descriptor; the data plane (onTunPacket(), onTunnelledPacket(),
// onIpv4Packet()) per packet; onTimer(); onHomePrefixLifetime().
// Outputs: HomeAgentActions (signalling to send, interception on/off, events), per-packet
// PacketDecisions, stats() and snapshot() for `dsmip show`.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/log.hpp"
#include "common/random.hpp"
#include "common/rate_limiter.hpp"
#include "common/time.hpp"
#include "dsmip6/binding_cache.hpp"
#include "dsmip6/home_agent_config.hpp"
#include "dsmip6/ipv4_pool.hpp"
#include "dsmip6/signalling.hpp"
#include "dsmip6/tunnel.hpp"
#include "dsmip6/types.hpp"
#include "wire/mh.hpp"

namespace dsmip::dsmip6 {

// --- Actions ---------------------------------------------------------------------------------

/// Start (enable) or stop intercepting an IPv6 address on the home link: proxy Neighbor
/// Discovery for it (NA with the Router flag when `router`: RFC 3963 §6.2) and a /128 route
/// into the daemon's TUN. Used for the home agent's own address at start, registered home
/// addresses and, with L, their derived link-local addresses (RFC 6275 §10.4.1).
struct InterceptIpv6Address {
  Ipv6Address address;
  bool enable = true;
  bool router = false;
  friend bool operator==(const InterceptIpv6Address&, const InterceptIpv6Address&) = default;
};
/// Start or stop intercepting an IPv4 home address: proxy ARP on the home link and a /32 route
/// into the TUN (RFC 5555 §4.5).
struct InterceptIpv4Address {
  Ipv4Address address;
  bool enable = true;
  friend bool operator==(const InterceptIpv4Address&, const InterceptIpv4Address&) = default;
};
/// Add or remove a route for a mobile network prefix into the TUN (RFC 3963 §6.3).
struct RouteIpv6Prefix {
  Ipv6Prefix prefix;
  bool enable = true;
  friend bool operator==(const RouteIpv6Prefix&, const RouteIpv6Prefix&) = default;
};
/// Add or remove a route for an IPv4 mobile network prefix into the TUN (RFC 5555 §4.5).
struct RouteIpv4Prefix {
  Ipv4Prefix prefix;
  bool enable = true;
  friend bool operator==(const RouteIpv4Prefix&, const RouteIpv4Prefix&) = default;
};

using HomeAgentAction = std::variant<SendSignalling, InterceptIpv6Address, InterceptIpv4Address,
                                     RouteIpv6Prefix, RouteIpv4Prefix, Event>;
using HomeAgentActions = std::vector<HomeAgentAction>;

// --- Counters and snapshot -------------------------------------------------------------------

struct HomeAgentStats {
  std::uint64_t signalling_received = 0;
  std::uint64_t binding_updates_received = 0;
  std::uint64_t binding_acks_sent = 0;
  /// BAs sent per status code (0, 1, 128–144, 174, …).
  std::array<std::uint64_t, 256> binding_ack_status{};
  /// IPv4 Address Acknowledgement options sent per status (0, 128–133).
  std::array<std::uint64_t, 256> ipv4_ack_status{};
  /// Signalling discarded, per reason.
  std::array<std::uint64_t, kSignallingDropCount> signalling_drops{};
  std::uint64_t binding_errors_sent = 0;
  std::uint64_t parameter_problems_sent = 0;
  std::uint64_t refresh_requests_sent = 0;
  std::uint64_t mobile_prefix_advertisements_sent = 0;
  std::uint64_t echo_replies_sent = 0;
  std::uint64_t rate_limited = 0;  // errors / refresh requests not sent by the rate limit
  std::uint64_t bindings_created = 0;
  std::uint64_t bindings_deregistered = 0;
  std::uint64_t bindings_expired = 0;
  std::uint64_t bindings_revoked = 0;  // deleted by a reload that removed their allowance
  std::uint64_t nat_detected = 0;      // accepted BUs that showed a NAT
  // Data plane.
  std::uint64_t packets_encapsulated = 0;
  std::uint64_t bytes_encapsulated = 0;
  std::uint64_t packets_decapsulated = 0;
  std::uint64_t bytes_decapsulated = 0;
  std::uint64_t signalling_from_tunnel = 0;
  std::uint64_t ecn_anomalies = 0;
  /// Data packets dropped, per reason.
  std::array<std::uint64_t, kDropReasonCount> data_drops{};
};

/// One binding for `dsmip show`.
struct BindingSnapshot {
  Ipv6Address home_address;
  BindingState state = BindingState::Active;
  CareOfAddress care_of;
  std::optional<Ipv4Endpoint> udp_endpoint;  // outer address:port seen (the NAT's when nat)
  bool nat_detected = false;
  Encapsulation encapsulation = Encapsulation::None;
  Duration lifetime{};       // granted
  Duration lifetime_left{};  // until expiry (Deregistered: until removal)
  std::uint16_t sequence = 0;
  std::uint16_t flags = 0;  // BU flags accepted (wire::buFlagsText)
  std::optional<Ipv4Address> ipv4_home_address;
  bool ipv4_dynamic = false;
  std::vector<Ipv4Prefix> ipv4_prefixes;  // IPv4 mobile network prefixes
  std::vector<Ipv6Prefix> mobile_network_prefixes;
  std::uint64_t packets_to_mobile_node = 0;
  std::uint64_t bytes_to_mobile_node = 0;
  std::uint64_t packets_from_mobile_node = 0;
  std::uint64_t bytes_from_mobile_node = 0;
};

/// The whole state for `dsmip show` (the daemon renders it as JSON or text).
struct HomeAgentSnapshot {
  Ipv6Address address;
  std::optional<Ipv4Address> ipv4_address;
  std::size_t binding_count = 0;  // entries in the cache (may exceed bindings.size())
  std::size_t active_bindings = 0;
  std::vector<BindingSnapshot> bindings;  // sorted by home address, at most the limit asked
  std::uint32_t ipv4_pool_size = 0;
  std::uint32_t ipv4_pool_leased = 0;
  HomeAgentStats stats;
};

// --- The core --------------------------------------------------------------------------------

class HomeAgent {
 public:
  /// `config` must have passed validateHomeAgentConfig(). `random` seeds the IPv4
  /// Identification of outer headers and must outlive the core.
  HomeAgent(HomeAgentConfig config, RandomSource& random);

  /// Starts intercepting the home agent's own address (so that signalling reaches the daemon;
  /// the kernel drops packets with a HAO or type 2 routing header for its own addresses).
  [[nodiscard]] HomeAgentActions onStart(TimePoint now);
  /// Stops every interception (daemon shutdown); the bindings stay in memory.
  [[nodiscard]] HomeAgentActions onStop(TimePoint now);

  /// A plain IPv6 signalling packet for the home agent (after the transport and ESP were
  /// removed): Binding Update, Mobile Prefix Solicitation, Echo Request.
  [[nodiscard]] HomeAgentActions onSignalling(ByteView packet, const Inbound& inbound,
                                              TimePoint now);
  [[nodiscard]] HomeAgentActions onTimer(TimePoint now);
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;

  /// A reloaded configuration (SIGHUP), validated like the first one. Applied at once: the
  /// policies of later BUs (force_udp, require_udp, tlv_header, nat_refresh_time,
  /// max_binding_lifetime, refresh_advice, max_bindings, home_registration,
  /// key_management_mobility, reserved_addresses, accept_any_home_address,
  /// any_home_address_dynamic_ipv4), the outer header policy of tunnelled packets (tunnel),
  /// error_rate, refresh_request_lead (existing bindings are rescheduled) and mobile_nodes. A
  /// binding whose mobile node is no longer allowed, or whose allowance changed (its entry
  /// removed or edited, or accept_any_home_address / any_home_address_dynamic_ipv4 changed for
  /// an unlisted one), is deleted with its routes and proxies, as an operator revoking it
  /// expects; the mobile node registers again under the new entry with its next BU. Bindings
  /// keep the lifetime they were granted. What needs a restart keeps its running value whatever
  /// `config` says: home_prefixes, address, ipv4_address, udp_port, ipv4_pool, require_esp.
  [[nodiscard]] HomeAgentActions reconfigure(const HomeAgentConfig& config, TimePoint now);

  /// The valid and preferred lifetimes of a home prefix as the home link announces them
  /// (default: infinite). Granted lifetimes never exceed the valid lifetime left, and a BA has
  /// status 1 when the prefix is deprecated before the binding ends (RFC 6275 §10.3.1). A
  /// prefix that is not configured is ignored.
  [[nodiscard]] HomeAgentActions onHomePrefixLifetime(const Ipv6Prefix& prefix,
                                                      Duration valid_lifetime,
                                                      Duration preferred_lifetime, TimePoint now);

  // Data plane: pure, no allocation; each call counts what it decides.

  /// A packet read from the TUN: either intercepted traffic for a registered home address /
  /// IPv4 home address / mobile network prefix (→ Encapsulate), or a packet for the home
  /// agent's own address: IPv6/IPv4-in-IPv6 from a mobile node (→ Deliver after the ingress
  /// checks) or signalling (→ Signalling).
  [[nodiscard]] PacketDecision onTunPacket(ByteView packet);
  /// A tunnelled packet from a raw IPv4/IPv6 socket or the UDP 4191 socket: reverse-tunnelled
  /// traffic (→ Deliver if the outer source, port and inner source match a binding, RFC 4213
  /// §3.6 and the ECN table allow it) or signalling for the home agent (→ Signalling).
  [[nodiscard]] PacketDecision onTunnelledPacket(const TunnelledPacket& packet);
  /// An IPv4 packet with protocol 41 or 4 as a raw IPv4 socket delivers it (header included);
  /// offsets of the decision count from the start of `packet`.
  [[nodiscard]] PacketDecision onIpv4Packet(ByteView packet);

  [[nodiscard]] const HomeAgentStats& stats() const { return stats_; }
  /// State for `dsmip show`: at most `max_bindings` bindings, sorted by home address.
  [[nodiscard]] HomeAgentSnapshot snapshot(TimePoint now, std::size_t max_bindings = 1000) const;
  [[nodiscard]] const BindingCacheEntry* binding(const Ipv6Address& home_address) const {
    return cache_.find(home_address);
  }
  [[nodiscard]] std::size_t bindingCount() const { return cache_.size(); }
  [[nodiscard]] const HomeAgentConfig& config() const { return config_; }

 private:
  struct BuContext;
  struct PrefixLifetime {
    Ipv6Prefix prefix;
    std::optional<TimePoint> valid_until;      // nullopt: infinite
    std::optional<TimePoint> preferred_until;  // nullopt: infinite
  };
  struct PendingRefreshRequest {
    Ipv6Address home_address;
    Ipv6Address destination;  // IPv6 outer source (Ipv6 transport) or the home address
    Transport transport;
  };
  struct HoldOff {
    Ipv6Address home_address;
    TimePoint until;
  };

  void dropSignalling(SignallingDrop reason);
  void processBindingUpdate(const ParsedSignalling& packet, const wire::BindingUpdate& bu,
                            const Inbound& inbound, TimePoint now, HomeAgentActions& out);
  void reject(BuContext& ctx, wire::BindingAckStatus status, TimePoint now, HomeAgentActions& out);
  void acceptRegistration(BuContext& ctx, TimePoint now, HomeAgentActions& out);
  void acceptDeregistration(BuContext& ctx, BindingCacheEntry& entry, TimePoint now,
                            HomeAgentActions& out);
  void sendBindingAck(const BuContext& ctx, const wire::BindingAck& ack, HomeAgentActions& out);
  void processMobilePrefixSolicitation(const ParsedSignalling& packet, const Inbound& inbound,
                                       TimePoint now, HomeAgentActions& out);
  void processEchoRequest(const ParsedSignalling& packet, const Inbound& inbound,
                          HomeAgentActions& out);
  void sendBindingError(const ParsedSignalling& packet, const Inbound& inbound,
                        wire::BindingErrorStatus status, TimePoint now, HomeAgentActions& out);
  void sendRefreshRequest(const Ipv6Address& home_address, const Ipv6Address& destination,
                          const Transport& transport, HomeAgentActions& out);
  void refreshRequestForEntry(const BindingCacheEntry& entry, HomeAgentActions& out);
  void event(EventKind kind, LogLevel level, std::string message, HomeAgentActions& out);

  void removeForwarding(BindingCacheEntry& entry, HomeAgentActions& out);
  void releaseIpv4(BindingCacheEntry& entry, const std::vector<Ipv4Binding>& keep,
                   HomeAgentActions& out);
  void expire(BindingCacheEntry& entry, TimePoint now, HomeAgentActions& out);
  void scheduleEntry(BindingCacheEntry& entry);

  [[nodiscard]] const MobileNodePolicy* policyFor(const Ipv6Address& home_address) const;
  [[nodiscard]] const PrefixLifetime* homePrefixFor(const Ipv6Address& address,
                                                    TimePoint now) const;
  [[nodiscard]] bool duplicateAddress(const Ipv6Address& home_address, bool link_local,
                                      const BindingCacheEntry* self) const;
  [[nodiscard]] bool mayRefreshRequest(const Ipv6Address& home_address) const;

  PacketDecision encapsulate(BindingCacheEntry& entry, const IpHeaderView& inner);
  PacketDecision decapsulate(const TunnelledPacket& packet, std::size_t base_offset);
  PacketDecision drop(DropReason reason);
  void queueRefreshRequest(const Ipv6Address& home_address, const TunnelledPacket& packet);

  HomeAgentConfig config_;
  RandomSource& random_;
  BindingCache cache_;
  Ipv4AddressPool pool_;
  std::vector<PrefixLifetime> prefixes_;
  std::unordered_map<Ipv6Address, std::size_t> policy_index_;  // into config_.mobile_nodes
  MobileNodePolicy any_policy_;  // rights of unlisted home addresses (accept_any_home_address)
  std::vector<Ipv6Address> link_locals_;  // derived link-local addresses of L bindings
  TokenBucket error_limiter_;
  LogLimiter reject_log_limiter_{1.0, 10.0};
  std::vector<PendingRefreshRequest> pending_refresh_requests_;  // capacity reserved
  std::vector<HoldOff> refresh_hold_offs_;
  TimePoint last_now_{};
  std::uint16_t next_identification_ = 0;
  HomeAgentStats stats_;
};

}  // namespace dsmip::dsmip6
