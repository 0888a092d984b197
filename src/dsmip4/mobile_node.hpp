#pragma once
// Mobile IPv4 mobile node core with a co-located care-of address (RFC 5944 §3.6), reverse
// tunnelling (RFC 3024), NAT traversal (RFC 3519) and IPv6 prefixes (RFC 5454 §3.5).
//
// States:
//   Idle           no care-of address (no connectivity), nothing to do until one appears
//   Registering    a registration request is outstanding (first one, refresh or after moving);
//                  an earlier binding may still be valid and keeps carrying traffic
//   Registered     the binding is valid and nothing is outstanding
//   Rejected       the home agent refused the last request; retried after rejection_retry
//   Deregistering  stopping, or back on the home link (care-of address = home address)
//   AtHome         deregistered on the home link: no tunnel
//   Stopped        deregistered (or given up) after onStop()
//
// Timers: retransmission of the outstanding request (≥ 1 s, doubling, never more than the
// requested lifetime, RFC 5944 §3.6.3), re-registration at reregistration_percent of the granted
// lifetime counted from when the request was sent (§3.6.2.2), binding expiry, rejection retry,
// and with UDP tunnelling the keep-alive (RFC 3519 §4.9: after K seconds with nothing sent to the
// HA) and its answer timeout (missing answers → re-registration, to recover a NAT rebinding).
//
// Identification: NTP timestamps from the wall clock given with each event (RFC 5944 §5.7),
// always increasing; a 133 reply resynchronises to the HA's clock (its high 32 bits).
//
// Data plane (per packet, no allocation): encapsulate() for packets read from the TUN,
// onTunnelPacket() for IP-in-IP / IPv6-in-IPv4 from the HA, onUdpTunnelData() for RFC 3519
// Tunnel Data from the HA.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "dsmip4/actions.hpp"
#include "dsmip4/tunnel.hpp"
#include "wire/mipv4.hpp"
#include "wire/mipv4_auth.hpp"

namespace dsmip::dsmip4 {

// ---------------------------------------------------------------------------------------------
// Configuration

/// An IPv6 prefix to register (RFC 5454 §2.1).
struct PrefixRequest {
  /// The prefix; for a link-local registration the link-local address (its length is ignored).
  Ipv6Prefix prefix;
  /// RFC 5454 §3.7.1: Prefix Length 255 and a link-local address, before DHCPv6-PD.
  bool link_local = false;
  /// The address to configure on the TUN once accepted; default: the prefix with interface
  /// identifier ::1, or the link-local address itself.
  std::optional<Ipv6Address> address;
  friend bool operator==(const PrefixRequest&, const PrefixRequest&) = default;
};

struct MobileNodeConfig {
  Ipv4Address home_address;
  Ipv4Address home_agent;
  std::uint16_t home_agent_port = wire::kMipv4Port;
  /// SPI (≥ 256), algorithm (HMAC-MD5) and key of the MN-HA mobility security association.
  wire::Mipv4AuthKey key;
  /// Requested lifetime; 65535 s or more asks for an infinite one.
  std::chrono::seconds lifetime{1800};
  std::vector<PrefixRequest> prefixes;
  /// Include the IPv6 Tunneling Mode extension (tunnel IPv6 to the co-located CoA, RFC 5454 §2.3).
  bool request_tunnel_to_care_of = true;
  /// Include a UDP Tunnel Request (RFC 3519 §3.1, Encapsulation 0 per RFC 5454 §3.9).
  bool request_udp_tunnel = true;
  /// Set its F flag: UDP tunnelling even without a NAT.
  bool force_udp_tunnel = false;
  /// K when the UDP Tunnel Reply's Keepalive Interval is 0 (RFC 3519 §4.9: 110 s).
  std::chrono::seconds keepalive_interval{110};
  /// A keep-alive not answered within this counts as a miss; after keepalive_max_misses misses in
  /// a row the MN re-registers (a NAT mapping may have changed).
  Duration keepalive_reply_timeout = std::chrono::seconds{5};
  unsigned keepalive_max_misses = 3;
  /// Retransmission: first timeout (RFC 5944 §3.6.3: at least 1 s), doubling up to this cap.
  Duration initial_retransmission = std::chrono::seconds{1};
  Duration max_retransmission = std::chrono::seconds{32};
  /// Re-register when this share of the granted lifetime has passed.
  unsigned reregistration_percent = 80;
  /// Wait after a rejection before trying again.
  Duration rejection_retry = std::chrono::seconds{60};
  /// Deregistration requests sent before giving up on a reply.
  unsigned deregistration_attempts = 3;
  std::uint8_t tunnel_ttl = 64;
  TrafficClassPolicy traffic_class;
};

/// Checks a configuration before anything is changed on the system; the error's detail names
/// the key and the reason.
Status validateMobileNodeConfig(const MobileNodeConfig& config);

// ---------------------------------------------------------------------------------------------
// Events and actions

/// The co-located care-of address and the local port of the registration socket bound to it
/// (RFC 3519 §4.9: tunnel data and keep-alives use that port too).
struct CareOfAddress {
  Ipv4Address address;
  std::uint16_t port = 0;
  std::string interface;
  friend bool operator==(const CareOfAddress&, const CareOfAddress&) = default;
};

/// Configure (enable) or remove the IPv4 home address on the TUN.
struct ConfigureHomeAddress {
  Ipv4Address home_address;
  bool enable = true;
  friend bool operator==(const ConfigureHomeAddress&, const ConfigureHomeAddress&) = default;
};

/// Configure (enable, also when only the mode changed) or remove an accepted IPv6 prefix on the
/// TUN: `address` on the TUN and a route for the prefix (RFC 5454 §3.5).
struct ConfigureIpv6Prefix {
  Ipv6Prefix prefix;  // the /128 of the address for a link-local registration
  Ipv6Address address;
  bool link_local = false;
  Ipv6TunnelMode mode = Ipv6TunnelMode::ToHomeAddress;
  bool enable = true;
  friend bool operator==(const ConfigureIpv6Prefix&, const ConfigureIpv6Prefix&) = default;
};

struct PrefixPath {
  Ipv6Prefix prefix;
  Ipv6TunnelMode mode = Ipv6TunnelMode::ToHomeAddress;
  friend bool operator==(const PrefixPath&, const PrefixPath&) = default;
};

/// What the data plane does now, for the daemon's routes and sockets.
struct MobileNodeDataPath {
  bool active = false;  // a valid binding and a care-of address: encapsulate() tunnels
  TunnelTransport transport = TunnelTransport::IpInIp;
  CareOfAddress care_of;
  Ipv4Endpoint home_agent;
  std::vector<PrefixPath> prefixes;  // accepted prefixes and their tunnel mode
  friend bool operator==(const MobileNodeDataPath&, const MobileNodeDataPath&) = default;
};
struct DataPathChanged {
  MobileNodeDataPath path;
  friend bool operator==(const DataPathChanged&, const DataPathChanged&) = default;
};

using MobileNodeAction = std::variant<SendDatagram, ConfigureHomeAddress, ConfigureIpv6Prefix,
                                      DataPathChanged, LogEvent>;
using MobileNodeActions = std::vector<MobileNodeAction>;

// ---------------------------------------------------------------------------------------------
// Counters and the snapshot for `dsmip show`

enum class MobileNodeState : std::uint8_t {
  Idle,
  Registering,
  Registered,
  Rejected,
  Deregistering,
  AtHome,
  Stopped,
};
std::string_view mobileNodeStateName(MobileNodeState state);

/// Why a registration reply was silently discarded (RFC 5944 §3.6.2.1).
enum class ReplyDiscard : std::uint8_t {
  Malformed,
  NotFromHomeAgent,
  Unexpected,              // nothing outstanding, or for another home address
  IdentificationMismatch,  // low 32 bits match no outstanding request
  Authentication,          // missing, duplicated or invalid MN-HA authentication
};
inline constexpr std::size_t kReplyDiscardCount =
    static_cast<std::size_t>(ReplyDiscard::Authentication) + 1;
std::string_view replyDiscardName(ReplyDiscard reason);

/// The outcome of one requested prefix (RFC 5454 §3.5).
enum class PrefixStatus : std::uint8_t {
  Pending,      // not answered yet
  Accepted,     // code 0–7
  Rejected,     // a reject code (8, 9, 10–255)
  NoReply,      // the reply answered other prefixes but not this one: rejected
  Unsupported,  // the reply had no Prefix Reply at all: the HA does not do DSMIPv4
};
std::string_view prefixStatusName(PrefixStatus status);

struct MobileNodeStats {
  std::uint64_t requests_sent = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t replies_received = 0;
  std::array<std::uint64_t, kReplyDiscardCount> replies_discarded{};
  std::array<std::uint64_t, 256> reply_codes{};  // authenticated replies, by Code
  std::uint64_t registrations = 0;               // accepted registrations
  std::uint64_t deregistrations = 0;
  std::uint64_t rejections = 0;
  std::uint64_t resynchronisations = 0;  // 133 replies (RFC 5944 §5.7)
  std::uint64_t movements = 0;           // care-of address changes
  std::uint64_t bindings_expired = 0;
  std::uint64_t keepalives_sent = 0;
  std::uint64_t keepalive_replies = 0;
  std::uint64_t keepalive_failures = 0;  // re-registrations after missing answers
  std::uint64_t sent_ipv4 = 0;
  std::uint64_t sent_ipv6 = 0;
  std::uint64_t received_ipv4 = 0;
  std::uint64_t received_ipv6 = 0;
  std::uint64_t ecn_anomalies = 0;
  DropCounters send_drops;
  DropCounters receive_drops;
};

struct MobileNodePrefixInfo {
  PrefixRequest request;
  Ipv6Address address;  // configured on the TUN when accepted
  PrefixStatus status = PrefixStatus::Pending;
  std::optional<Ipv6TunnelMode> mode;      // when accepted
  std::optional<std::uint8_t> reply_code;  // the Prefix Reply's code, if one came
};

struct MobileNodeSnapshot {
  MobileNodeState state = MobileNodeState::Idle;
  Ipv4Address home_address;
  Ipv4Endpoint home_agent;
  std::optional<CareOfAddress> care_of;
  bool binding_valid = false;
  std::uint16_t granted_lifetime = 0;  // seconds, 0xFFFF infinite
  std::optional<Duration> remaining;   // of the valid binding; nullopt if none or infinite
  /// Until the next registration request (retransmission, re-registration or retry).
  std::optional<Duration> next_registration;
  unsigned transmissions = 0;  // of the outstanding request
  std::optional<std::uint8_t> last_reply_code;
  /// Whether the HA answered our prefix requests (RFC 5454 §3.5 case 1); nullopt before a reply
  /// to a request with prefixes.
  std::optional<bool> home_agent_supports_dsmipv4;
  TunnelTransport transport = TunnelTransport::IpInIp;
  bool udp_forced = false;
  std::chrono::seconds keepalive_interval{0};  // K in use with UDP tunnelling
  std::optional<Duration> next_keepalive;
  unsigned keepalive_misses = 0;
  std::vector<MobileNodePrefixInfo> prefixes;
  MobileNodeStats stats;
};

// ---------------------------------------------------------------------------------------------
// The core

class MobileNode {
 public:
  /// `config` must have passed validateMobileNodeConfig(); `random` must outlive the core.
  MobileNode(MobileNodeConfig config, RandomSource& random);

  /// The care-of address changed (nullopt: no connectivity). A new address starts a
  /// registration at once (movement); the home address itself means "back home".
  [[nodiscard]] MobileNodeActions onCareOfChange(const std::optional<CareOfAddress>& care_of,
                                                 TimePoint now, std::chrono::nanoseconds unix_time);
  /// A UDP datagram of type 3 received on the registration socket from `source`.
  [[nodiscard]] MobileNodeActions onRegistrationReply(ByteView payload, const Ipv4Endpoint& source,
                                                      TimePoint now,
                                                      std::chrono::nanoseconds unix_time);
  [[nodiscard]] MobileNodeActions onTimer(TimePoint now, std::chrono::nanoseconds unix_time);
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;
  /// A reloaded configuration (SIGHUP), validated like the first one. Applied at once, the
  /// registration kept: keepalive_interval (when the reply grants none),
  /// keepalive_reply_timeout, keepalive_max_misses, initial_retransmission, max_retransmission,
  /// reregistration_percent, rejection_retry, deregistration_attempts (each from its next use:
  /// a timer already armed runs out), tunnel_ttl and traffic_class (outer headers from now on).
  /// What is sent in requests or needs a restart keeps its running value whatever `config`
  /// says: home_address, home_agent, home_agent_port, key, lifetime, prefixes, the request
  /// flags.
  [[nodiscard]] MobileNodeActions reconfigure(const MobileNodeConfig& config, TimePoint now);
  /// Replaces the prefixes to register (e.g. after DHCPv6 prefix delegation, RFC 5454 §3.7.1)
  /// and re-registers at once if a registration is in place or under way.
  [[nodiscard]] MobileNodeActions setPrefixRequests(std::vector<PrefixRequest> prefixes,
                                                    TimePoint now,
                                                    std::chrono::nanoseconds unix_time);
  /// Deregisters (lifetime 0) and ends in Stopped; stopped() turns true once done.
  [[nodiscard]] MobileNodeActions onStop(TimePoint now, std::chrono::nanoseconds unix_time);
  [[nodiscard]] bool stopped() const { return state_ == MobileNodeState::Stopped; }

  /// A packet read from the TUN (IPv4 from the home address, or IPv6 from an address inside an
  /// accepted prefix). Tunnel: the encapsulation to apply; the buffer is not changed.
  [[nodiscard]] SendDecision encapsulate(PacketBuffer& packet, TimePoint now);
  /// An IPv4 packet, outer header included, of protocol 4 or 41 received from the network.
  /// Deliver: the buffer is trimmed to the inner packet, traffic class rewritten.
  [[nodiscard]] ReceiveDecision onTunnelPacket(PacketBuffer& packet, TimePoint now);
  /// The payload of a UDP datagram of type 4 (Tunnel Data) received on the registration socket.
  /// Consumed for the answer to a keep-alive. `outer_tos` as for the home agent.
  [[nodiscard]] ReceiveDecision onUdpTunnelData(PacketBuffer& payload, const Ipv4Endpoint& source,
                                                std::optional<std::uint8_t> outer_tos,
                                                TimePoint now);

  [[nodiscard]] MobileNodeState state() const { return state_; }
  [[nodiscard]] MobileNodeSnapshot snapshot(TimePoint now) const;
  [[nodiscard]] const MobileNodeStats& stats() const { return stats_; }
  [[nodiscard]] const MobileNodeDataPath& dataPath() const { return data_path_; }

 private:
  struct SentRequest {
    std::uint64_t identification = 0;
    TimePoint sent;
    std::uint16_t lifetime = 0;
  };
  struct Attempt {
    bool deregistration = false;
    Ipv4Address care_of_field;                               // the Care-of Address field
    CareOfAddress source;                                    // where the requests leave from
    std::vector<wire::Ipv6PrefixRequestExtension> prefixes;  // as sent, in config order
    std::vector<std::size_t> prefix_indices;                 // into prefixes_
    bool tunneling_mode = false;
    bool udp_request = false;
    bool udp_force = false;
    std::vector<SentRequest> sent;  // the most recent transmissions
    Duration interval{};
    TimePoint next_send;
    unsigned transmissions = 0;
    unsigned consecutive_resyncs = 0;
  };
  struct Binding {
    std::uint16_t lifetime = 0;
    std::optional<TimePoint> expires;     // nullopt: infinite
    std::optional<TimePoint> refresh_at;  // nullopt: infinite
    bool udp = false;
    bool udp_forced = false;
    std::chrono::seconds keepalive_interval{0};
  };
  struct PrefixState {
    PrefixRequest request;
    Ipv6Address address;
    PrefixStatus status = PrefixStatus::Pending;
    Ipv6TunnelMode mode = Ipv6TunnelMode::ToHomeAddress;
    std::optional<std::uint8_t> reply_code;
    bool configured = false;  // ConfigureIpv6Prefix{enable} was emitted
    Ipv6TunnelMode configured_mode = Ipv6TunnelMode::ToHomeAddress;
  };

  void startAttempt(bool deregistration, TimePoint now, std::chrono::nanoseconds unix_time,
                    MobileNodeActions& out);
  void sendRequest(TimePoint now, std::chrono::nanoseconds unix_time, MobileNodeActions& out);
  std::uint64_t nextIdentification(std::chrono::nanoseconds unix_time);
  void handleAccepted(const wire::RegistrationReply& reply, const SentRequest& sent, TimePoint now,
                      MobileNodeActions& out);
  void handleRejected(const wire::RegistrationReply& reply, TimePoint now,
                      std::chrono::nanoseconds unix_time, MobileNodeActions& out);
  void finishDeregistration(MobileNodeActions& out);
  void applyPrefixReplies(const wire::RegistrationReply& reply, MobileNodeActions& out);
  void configurePrefixes(MobileNodeActions& out);
  void unconfigureAll(MobileNodeActions& out);
  void sendKeepalive(TimePoint now, MobileNodeActions& out);
  void updateDataPath(TimePoint now, MobileNodeActions& out);
  [[nodiscard]] bool bindingValid(TimePoint now) const;
  [[nodiscard]] bool dataPathActive(TimePoint now) const;
  [[nodiscard]] bool hasCareOfPrefix() const;
  [[nodiscard]] const PrefixState* prefixFor(const Ipv6Address& address) const;
  [[nodiscard]] std::optional<TimePoint> keepaliveDeadline() const;
  [[nodiscard]] wire::Ipv4Header tunnelHeader(const Ipv4Address& source,
                                              const Ipv4Address& destination, std::uint8_t protocol,
                                              std::uint8_t tos, bool dont_fragment);
  void noteReceivedFromHomeAgent();
  ReceiveDecision receiveIpv4Inner(PacketBuffer& packet, std::size_t offset,
                                   std::optional<std::uint8_t> outer_tos, bool via_udp);
  ReceiveDecision receiveIpv6Inner(PacketBuffer& packet, std::size_t offset,
                                   std::optional<std::uint8_t> outer_tos, bool from_home_tunnel);
  ReceiveDecision dropReceived(DropReason reason);

  MobileNodeConfig config_;
  RandomSource& random_;
  MobileNodeState state_ = MobileNodeState::Idle;
  std::optional<CareOfAddress> care_of_;
  std::optional<Ipv4Address> last_care_of_address_;  // the last one known, across outages
  std::vector<PrefixState> prefixes_;
  std::optional<Attempt> attempt_;
  std::optional<Binding> binding_;
  std::optional<TimePoint> retry_at_;  // Rejected
  bool stopping_ = false;
  bool home_address_configured_ = false;
  bool udp_force_refused_ = false;    // 129 to a request with F: retry without (as D2)
  bool udp_request_refused_ = false;  // 142: retry without the UDP Tunnel Request
  std::optional<bool> supports_dsmipv4_;
  std::optional<std::uint8_t> last_reply_code_;
  // Identification (RFC 5944 §5.7).
  std::int64_t clock_offset_seconds_ = 0;  // HA clock − ours, learnt from 133
  std::optional<std::uint64_t> identification_floor_;
  std::optional<std::uint64_t> last_accepted_identification_;
  // RFC 3519 keep-alives.
  std::optional<TimePoint> last_sent_to_home_agent_;
  std::optional<TimePoint> keepalive_outstanding_since_;
  unsigned keepalive_misses_ = 0;
  std::uint16_t keepalive_identifier_ = 0;
  std::uint16_t keepalive_sequence_ = 0;
  std::uint16_t next_ip_identification_ = 1;
  MobileNodeDataPath data_path_;
  MobileNodeStats stats_;
};

}  // namespace dsmip::dsmip4
