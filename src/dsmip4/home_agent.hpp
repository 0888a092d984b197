#pragma once
// Mobile IPv4 home agent core (RFC 5944 §3.8, §4.2–§4.4) with reverse tunnelling (RFC 3024),
// NAT traversal (RFC 3519) and IPv6 prefixes (RFC 5454), for co-located care-of addresses.
//
// State per configured mobile node: the last accepted Identification (replay protection, kept
// across bindings) and at most one mobility binding (simultaneous bindings are not supported:
// a request with S set is accepted with code 1 and replaces the binding, RFC 5944 §3.8.3.2).
// A binding holds the care-of address, the NAT state (effective UDP endpoint when RFC 3519
// tunnelling was agreed), the lifetime and the registered IPv6 prefixes with their tunnel mode.
//
// Timers: one per binding, its expiry (RFC 5944 §3.8.3.2: lifetime in seconds, 0xFFFF infinite).
//
// Registration processing order (RFC 5944 §3.8.2): decode (unknown extension 0–127 → silent
// discard, §1.8) → mobile node known by its home address → MN-HA authentication (none or
// duplicated → silent discard; wrong SPI or authenticator → 131) → Identification (timestamps,
// §5.7: 133 with the HA's clock) → request checks (134 reserved bits, 136 home agent address or
// broadcast, 139 M/G, 138 T required, RFC 3519 §4.6.1: 134 without D, 142, 129) → deregistration
// (lifetime 0) or binding with its UDP tunnel and prefixes (RFC 5454 §3.3).
//
// Data plane (per packet, no allocation): forwardFromHome() for packets intercepted on the home
// side (routed into the TUN), onTunnelPacket() for IP-in-IP / IPv6-in-IPv4 arriving from the
// network, onUdpTunnelData() for RFC 3519 Tunnel Data on port 434.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "dsmip4/actions.hpp"
#include "dsmip4/prefix_table.hpp"
#include "dsmip4/tunnel.hpp"
#include "wire/mipv4.hpp"
#include "wire/mipv4_auth.hpp"
#include "wire/mipv4_identification.hpp"

namespace dsmip::dsmip4 {

// ---------------------------------------------------------------------------------------------
// Configuration

/// Replay protection method of a mobility security association (RFC 5944 §5.7). Timestamps are
/// mandatory to implement; nonces are optional and not offered.
enum class ReplayProtection : std::uint8_t { Timestamps };

/// Whether RFC 3519 UDP tunnelling is offered to a mobile node that asks for it with a UDP
/// Tunnel Request extension.
enum class UdpTunnelPolicy : std::uint8_t {
  Deny,    // never: a NAT seen or F set → the registration is refused with 129 (RFC 3519 §4.6.1)
  Allow,   // when a NAT is seen or the MN forces it (F); otherwise declined (RFC 3519 §4.6)
  Always,  // whenever the MN asks, even with no NAT and no F
};

/// How the tunnel mode of an accepted prefix is chosen (RFC 5454 §3.3.2).
enum class PrefixTunnelPolicy : std::uint8_t {
  FollowRequest,    // code 1 when the request has the IPv6 Tunneling Mode extension, else 0
  HomeAddressOnly,  // always code 0 ("the HA MAY ignore the Tunneling Mode extension")
};

/// IPv6 prefixes a mobile node may register: a requested prefix must lie inside one of these.
struct PrefixGrant {
  Ipv6Prefix prefix;
  PrefixTunnelPolicy tunnel = PrefixTunnelPolicy::FollowRequest;
  friend bool operator==(const PrefixGrant&, const PrefixGrant&) = default;
};

/// Per-mobile-node configuration: the mobility security association and the policies that
/// decide every reply code.
struct MobileNodePolicy {
  Ipv4Address home_address;
  /// SPI (≥ 256, RFC 5944 §1.6), algorithm (HMAC-MD5, the RFC 5944 §3.5.1 default) and key.
  wire::Mipv4AuthKey key;
  ReplayProtection replay_protection = ReplayProtection::Timestamps;
  /// Timestamps within this much of the HA's clock are accepted (RFC 5944 §5.7: 7 s default).
  std::chrono::seconds identification_tolerance = wire::kDefaultIdentificationTolerance;
  /// Granted lifetimes are capped to this; 65535 s or more allows an infinite lifetime.
  std::chrono::seconds max_lifetime{1800};
  /// RFC 5454: prefixes that may be registered (inside one → code 0/1; outside all → 9).
  std::vector<PrefixGrant> prefixes;
  /// RFC 5454 §3.7.1 link-local registration (prefix length 255): code 0, or 9 when false.
  bool allow_link_local = true;
  /// At most this many prefixes per binding; the extra requests get code 8.
  std::size_t max_prefixes = 16;
  UdpTunnelPolicy udp_tunnel = UdpTunnelPolicy::Allow;
  /// Refuse requests without the T flag with 138 (RFC 3024 §4.2.3).
  bool require_reverse_tunnel = false;
  friend bool operator==(const MobileNodePolicy&, const MobileNodePolicy&) = default;
};

struct HomeAgentConfig {
  /// The HA's unicast address: the Home Agent field it accepts, the source of its replies and
  /// the local end of every tunnel.
  Ipv4Address address;
  /// The home network; a request sent to its directed broadcast is refused with 136.
  std::optional<Ipv4Prefix> home_network;
  std::uint16_t port = wire::kMipv4Port;
  /// Keepalive Interval of UDP Tunnel Replies (RFC 3519 §3.2; 0 = the MN's default), seconds.
  std::chrono::seconds keepalive_interval{110};
  std::uint8_t tunnel_ttl = wire::kIpv4DefaultTtl;
  TrafficClassPolicy traffic_class;
  std::vector<MobileNodePolicy> mobile_nodes;
};

/// Checks a configuration before anything is changed on the system; the error's detail names
/// the key ("mobile_nodes[1].key.spi") and the reason.
Status validateHomeAgentConfig(const HomeAgentConfig& config);

// ---------------------------------------------------------------------------------------------
// Actions

/// Intercept (enable) or release the IPv4 home address on the home link: proxy ARP for it plus a
/// gratuitous ARP (RFC 5944 §4.6), and a route to it into the TUN.
struct InterceptHomeAddress {
  Ipv4Address home_address;
  bool enable = true;
  friend bool operator==(const InterceptHomeAddress&, const InterceptHomeAddress&) = default;
};

/// Route a registered IPv6 prefix into the TUN and advertise its reachability on the home side
/// (RFC 5454 §3.3.1, NEMO RFC 3963 §6.3); never on-link (RFC 5454 §3.3). `link_local` marks the
/// /128 of an RFC 5454 §3.7.1 link-local registration (a route on the TUN only).
struct InterceptIpv6Prefix {
  Ipv4Address home_address;
  Ipv6Prefix prefix;
  bool link_local = false;
  bool enable = true;
  friend bool operator==(const InterceptIpv6Prefix&, const InterceptIpv6Prefix&) = default;
};

using HomeAgentAction =
    std::variant<SendDatagram, InterceptHomeAddress, InterceptIpv6Prefix, LogEvent>;
using HomeAgentActions = std::vector<HomeAgentAction>;

// ---------------------------------------------------------------------------------------------
// Counters and the snapshot for `dsmip show`

/// Why a registration request was silently discarded (no reply is possible or allowed).
enum class RequestDiscard : std::uint8_t {
  Malformed,                // does not decode
  UnknownExtension,         // a non-skippable extension (0–127) not understood (RFC 5944 §1.8)
  NotARequest,              // another message type on the registration path
  UnknownHomeAddress,       // no mobility security association (RFC 5944 §3.8.2.1)
  NoAuthentication,         // no MN-HA authentication extension
  BadAuthenticationLayout,  // duplicated MN-HA auth, or another auth extension before it
};
inline constexpr std::size_t kRequestDiscardCount =
    static_cast<std::size_t>(RequestDiscard::BadAuthenticationLayout) + 1;
std::string_view requestDiscardName(RequestDiscard reason);

struct HomeAgentStats {
  // Registration (RFC 5944 §3.8).
  std::uint64_t requests_received = 0;
  std::uint64_t registrations_accepted = 0;  // codes 0 and 1, lifetime > 0
  std::uint64_t deregistrations = 0;         // accepted with lifetime 0
  std::uint64_t replies_sent = 0;
  std::array<std::uint64_t, 256> reply_codes{};  // replies sent, by Code
  std::array<std::uint64_t, kRequestDiscardCount> discarded{};
  std::uint64_t authentication_failures = 0;    // 131, a security exception
  std::uint64_t identification_mismatches = 0;  // 133, a security exception
  std::uint64_t bindings_created = 0;
  std::uint64_t bindings_expired = 0;
  std::uint64_t bindings_revoked = 0;  // deleted by a reload that removed or changed their entry
  // RFC 3519.
  std::uint64_t nat_detected = 0;  // accepted registrations whose source ≠ Care-of Address
  std::uint64_t udp_tunnels_assented = 0;
  std::uint64_t udp_tunnels_declined = 0;
  std::uint64_t udp_tunnel_requests_skipped = 0;  // Reserved 3 ≠ 0 (decision D9)
  // RFC 5454, Prefix Reply codes sent.
  std::uint64_t prefixes_accepted_to_home_address = 0;  // code 0
  std::uint64_t prefixes_accepted_to_care_of = 0;       // code 1
  std::uint64_t prefixes_rejected_unspecified = 0;      // code 8 (incl. overlaps)
  std::uint64_t prefixes_rejected_prohibited = 0;       // code 9
  std::uint64_t prefix_overlaps_refused = 0;            // code 8 for another MN's prefix
  std::uint64_t prefixes_removed = 0;  // left out of a re-registration, deregistered or expired
  // Data plane.
  std::uint64_t forwarded_ipv4 = 0;  // home side → tunnel
  std::uint64_t forwarded_ipv6 = 0;
  std::uint64_t reverse_ipv4 = 0;  // tunnel → home side
  std::uint64_t reverse_ipv6 = 0;
  std::uint64_t keepalives_received = 0;  // RFC 3519 §4.9, answered
  std::uint64_t security_events = 0;      // spoofed inner sources (RFC 3024, RFC 5454 §4)
  std::uint64_t ecn_anomalies = 0;
  DropCounters forward_drops;
  DropCounters reverse_drops;
};

struct HomeAgentPrefixInfo {
  Ipv6Prefix prefix;  // a /128 for a link-local registration
  bool link_local = false;
  Ipv6TunnelMode mode = Ipv6TunnelMode::ToHomeAddress;
  friend bool operator==(const HomeAgentPrefixInfo&, const HomeAgentPrefixInfo&) = default;
};

struct HomeAgentBindingInfo {
  Ipv4Address home_address;
  Ipv4Address care_of_address;  // the request's Care-of Address field
  Ipv4Endpoint request_source;  // where the last accepted request came from
  bool nat_detected = false;    // RFC 3519 §4.6: request_source.address ≠ care_of_address
  TunnelTransport transport = TunnelTransport::IpInIp;
  std::optional<Ipv4Endpoint> udp_endpoint;  // the effective CoA of a UDP tunnel
  bool udp_forced = false;                   // the MN set F
  std::chrono::seconds keepalive_interval{0};
  std::optional<Duration> since_last_keepalive;
  bool reverse_tunnel = false;        // T
  std::uint16_t lifetime = 0;         // granted, seconds; 0xFFFF infinite
  std::optional<Duration> remaining;  // nullopt: infinite
  Duration age{};                     // since the binding was created
  std::uint64_t identification = 0;   // of the last accepted request
  std::vector<HomeAgentPrefixInfo> prefixes;
  std::uint64_t packets_to_mobile_node = 0;
  std::uint64_t packets_from_mobile_node = 0;
};

struct HomeAgentSnapshot {
  Ipv4Address address;
  std::size_t mobile_nodes = 0;  // configured
  std::vector<HomeAgentBindingInfo> bindings;
  HomeAgentStats stats;
};

// ---------------------------------------------------------------------------------------------
// The core

class HomeAgent {
 public:
  /// `config` must have passed validateHomeAgentConfig().
  explicit HomeAgent(HomeAgentConfig config);

  /// A UDP datagram of type 1 received on the registration port. `unix_time` is the wall-clock
  /// time since the Unix epoch, for the timestamps of RFC 5944 §5.7.
  [[nodiscard]] HomeAgentActions onRegistrationRequest(ByteView payload,
                                                       const DatagramAddresses& addresses,
                                                       TimePoint now,
                                                       std::chrono::nanoseconds unix_time);
  /// Expires bindings whose lifetime has ended.
  [[nodiscard]] HomeAgentActions onTimer(TimePoint now);
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;
  /// Releases every intercepted address and prefix (the daemon is stopping).
  [[nodiscard]] HomeAgentActions onShutdown(TimePoint now);
  /// A reloaded configuration (SIGHUP), validated like the first one. Applied at once:
  /// keepalive_interval (granted in later replies), tunnel_ttl and traffic_class (outer headers
  /// from now on) and mobile_nodes. A mobile node whose policy is unchanged keeps its binding,
  /// its prefixes and its replay state; one whose [[mobile-node]] entry was removed or changed
  /// (key, SPI, prefixes, lifetimes, …) loses its binding (routes and proxy ARP withdrawn), as
  /// an operator revoking it expects, and registers again under the new entry. What needs a
  /// restart keeps its running value whatever `config` says: address, home_network, port.
  [[nodiscard]] HomeAgentActions reconfigure(const HomeAgentConfig& config, TimePoint now);

  /// A packet (IPv4 or IPv6, from its first header octet) routed into the TUN on the home side.
  /// Tunnel: the encapsulation to apply; the buffer is not changed.
  [[nodiscard]] SendDecision forwardFromHome(PacketBuffer& packet, TimePoint now);
  /// An IPv4 packet, outer header included, of protocol 4 or 41 received from the network.
  /// Deliver: the buffer is trimmed to the inner packet (both layers removed for a double
  /// encapsulation), traffic class rewritten.
  [[nodiscard]] ReceiveDecision onTunnelPacket(PacketBuffer& packet, TimePoint now);
  /// The payload of a UDP datagram of type 4 (Tunnel Data) received on the registration port.
  /// Deliver as above; Reply for a keep-alive (the buffer then holds the Echo Reply, to be sent
  /// with decision.reply). `outer_tos` is the datagram's TOS octet if the daemon knows it
  /// (IP_RECVTOS); without it the inner traffic class is left as it is.
  [[nodiscard]] ReceiveDecision onUdpTunnelData(PacketBuffer& payload,
                                                const DatagramAddresses& addresses,
                                                std::optional<std::uint8_t> outer_tos,
                                                TimePoint now);

  [[nodiscard]] HomeAgentSnapshot snapshot(TimePoint now) const;
  [[nodiscard]] const HomeAgentStats& stats() const { return stats_; }
  [[nodiscard]] const HomeAgentConfig& config() const { return config_; }

 private:
  struct PrefixBinding {
    wire::Ipv6PrefixRequestExtension requested;  // as received (echoed in the reply)
    Ipv6Prefix prefix;                           // normalised; /128 for link-local
    bool link_local = false;
    Ipv6TunnelMode mode = Ipv6TunnelMode::ToHomeAddress;
  };
  struct Binding {
    // A user-provided constructor: clang treats a nested class with default member
    // initialisers as not default-constructible inside the enclosing class (std::optional).
    Binding() {}  // NOLINT(modernize-use-equals-default)
    Ipv4Address care_of_address;
    Ipv4Endpoint request_source;
    bool nat_detected = false;
    bool udp = false;
    bool udp_forced = false;
    Ipv4Endpoint udp_endpoint;
    std::chrono::seconds keepalive_interval{0};
    std::optional<TimePoint> last_keepalive;
    bool reverse_tunnel = false;
    std::uint16_t lifetime = 0;
    TimePoint created;
    std::optional<TimePoint> expires;  // nullopt: infinite
    std::uint64_t identification = 0;
    std::vector<PrefixBinding> prefixes;
    bool has_care_of_prefix = false;  // some prefix uses code 1
    std::uint64_t packets_to = 0;
    std::uint64_t packets_from = 0;
  };
  struct Node {
    MobileNodePolicy policy;
    std::optional<std::uint64_t> last_identification;  // last accepted (RFC 5944 §5.7)
    std::optional<Binding> binding;
  };
  struct Request;           // a decoded, authenticated request and where it came from
  struct UdpTunnelOutcome;  // what RFC 3519 §4.6 processing decided
  struct PrefixOutcome;     // what RFC 5454 §3.3 processing decided

  void discard(RequestDiscard reason);
  void securityLog(TimePoint now, std::string message, HomeAgentActions& out);
  void reject(const Request& request, wire::RegistrationReplyCode code, HomeAgentActions& out);
  void sendReply(const Request& request, const wire::RegistrationReply& reply,
                 HomeAgentActions& out);
  bool decideUdpTunnel(const Request& request, UdpTunnelOutcome& outcome, HomeAgentActions& out);
  void decidePrefixes(const Request& request, PrefixOutcome& outcome);
  void acceptRegistration(const Request& request, const UdpTunnelOutcome& udp,
                          HomeAgentActions& out);
  void acceptDeregistration(const Request& request, HomeAgentActions& out);
  void removeBinding(std::size_t node, HomeAgentActions& out);
  void indexBinding(std::size_t node);
  void unindexBinding(std::size_t node);
  void setExpiry(std::size_t node, std::optional<TimePoint> expires);
  [[nodiscard]] Binding* activeBinding(std::size_t node, TimePoint now);
  [[nodiscard]] wire::Ipv4Header tunnelHeader(const Ipv4Address& destination, std::uint8_t protocol,
                                              std::uint8_t tos, bool dont_fragment);
  void encapsulateTo(const Binding& binding, const Ipv4Address& home_address, bool ipv6,
                     Ipv6TunnelMode mode, std::uint8_t inner_tos, bool inner_dont_fragment,
                     Encapsulation& out);
  ReceiveDecision receiveIpv4Inner(PacketBuffer& packet, std::size_t offset,
                                   std::span<const std::size_t> candidates,
                                   std::optional<std::uint8_t> outer_tos, bool via_udp,
                                   TimePoint now);
  ReceiveDecision receiveIpv6Inner(PacketBuffer& packet, std::size_t offset,
                                   std::span<const std::size_t> candidates,
                                   std::optional<std::uint8_t> outer_tos, bool from_home_address,
                                   TimePoint now);
  ReceiveDecision answerKeepalive(PacketBuffer& packet, std::size_t offset, std::size_t node,
                                  TimePoint now);
  ReceiveDecision dropReverse(DropReason reason, const Ipv4Address& home_address);

  HomeAgentConfig config_;
  std::vector<Node> nodes_;
  std::unordered_map<Ipv4Address, std::size_t> node_by_home_address_;
  // Reverse-tunnel lookups (RFC 3024 §4.2.1, RFC 3519 §4.3): outer source → bindings.
  std::unordered_multimap<Ipv4Address, std::size_t> ip_in_ip_by_care_of_;
  std::unordered_multimap<Ipv4Endpoint, std::size_t> udp_by_endpoint_;
  PrefixTable prefixes_;
  std::set<std::pair<TimePoint, std::size_t>> expiries_;
  std::uint16_t next_ip_identification_ = 1;
  LogLimiter security_log_{1.0, 20.0};
  HomeAgentStats stats_;
};

}  // namespace dsmip::dsmip4
