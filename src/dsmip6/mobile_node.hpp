#pragma once
// DSMIPv6 mobile node core: home registration of RFC 6275 §11 (§11.5.5 returning home, §11.7
// sending BUs and receiving BAs, §11.8 retransmission), NEMO mobile routers (RFC 3963 §5) and
// the dual-stack extensions of RFC 5555 §4.4 (IPv4 care-of addresses, NAT traversal, IPv4 home
// address). Pure: no clock, no sockets, randomness injected.
//
// States of each Binding Update List entry (one per home address):
//   Idle → Registering (BU outstanding) → Registered → Refreshing (refresh / NAT keep-alive BU
//   outstanding) → Registered …; any → Deregistering (at home, or stopping) → AtHome / Idle;
//   Rejected (a status only configuration can fix: retried after `retry_after_rejection` or at
//   the next move; never again after 134).
//
// Timers: BU retransmission (InitialBindackTimeoutFirstReg 1.5 s or INITIAL_BINDACK_TIMEOUT 1 s,
// doubling to MAX_BINDACK_TIMEOUT 32 s, then staying there; every retransmission has a newer
// sequence number); binding refresh (80 % of the granted lifetime counted from when the BU was
// sent, or the Binding Refresh Advice); NAT keep-alive (the BA's refresh time, default
// NATKATIMEOUT 110 s); binding expiry; retry after a rejection; Mobile Prefix Solicitation
// retransmission (3 s doubling, 4 attempts).
//
// Care-of address choice: an IPv6 address in the home prefix means at home. Otherwise the
// registered care-of address is kept while it exists; after a move the family used before is
// kept when available (RFC 5555 §4.4.1), IPv6 first at start; after
// `ipv6_attempts_before_ipv4` (3) unanswered BUs from an IPv6 care-of address an IPv4 one is
// tried. One care-of address is registered at a time.
//
// Data path: the encapsulation for a care-of address is applied (SetDataPath) only when its BA
// arrives, so the mobile node keeps sending and receiving through the old care-of address
// during a handover (RFC 5555 §5.1).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "common/rate_limiter.hpp"
#include "common/time.hpp"
#include "dsmip6/mobile_node_config.hpp"
#include "dsmip6/signalling.hpp"
#include "dsmip6/tunnel.hpp"
#include "dsmip6/types.hpp"
#include "wire/mh.hpp"

namespace dsmip::dsmip6 {

/// A usable local address the daemon reports (netlink): a global IPv6 address (ULA, e.g. the
/// m6t tunnel address, included) or an IPv4 address, with its interface and the configured
/// preference of that interface (lower is preferred).
struct CareOfCandidate {
  CareOfAddress address;
  std::string interface;
  std::uint32_t preference = 0;
  friend bool operator==(const CareOfCandidate&, const CareOfCandidate&) = default;
};

/// The tunnel a home address uses, as the daemon must set it up: outer addresses (and ports)
/// and the encapsulation. Encapsulation::None: no tunnel (not registered, or at home).
struct DataPath {
  Encapsulation encapsulation = Encapsulation::None;
  CareOfAddress care_of;         // the local outer address
  std::string interface;         // the care-of address's interface
  Ipv6Address home_agent;        // Ipv6: outer destination
  Ipv4Endpoint local;            // IPv4 care-of address and the local UDP port
  Ipv4Endpoint home_agent_ipv4;  // IPv4 outer destination (and UDP port)
  bool nat_detected = false;
  friend bool operator==(const DataPath&, const DataPath&) = default;
};

// --- Actions ---------------------------------------------------------------------------------

/// Where an address of the mobile node is configured.
enum class AddressPlace : std::uint8_t {
  Tun,       // on the daemon's TUN device (away from home)
  HomeLink,  // on the home link interface (at home)
};
std::string_view addressPlaceName(AddressPlace place);

/// Configure or remove an IPv6 home address.
struct ConfigureHomeAddress {
  Ipv6Address address;
  std::uint8_t prefix_length = 128;  // 128 on the TUN, the home prefix length at home
  AddressPlace place = AddressPlace::Tun;
  std::string interface;  // HomeLink: the home interface
  bool enable = true;
  friend bool operator==(const ConfigureHomeAddress&, const ConfigureHomeAddress&) = default;
};
/// Configure or remove the IPv4 home address (after a successful IPv4 Address Acknowledgement,
/// RFC 5555 §4.4.2; removed when the binding is lost or refused).
struct ConfigureIpv4HomeAddress {
  Ipv4Address address;
  std::uint8_t prefix_length = 32;
  AddressPlace place = AddressPlace::Tun;
  std::string interface;
  bool enable = true;
  friend bool operator==(const ConfigureIpv4HomeAddress&,
                         const ConfigureIpv4HomeAddress&) = default;
};
/// An IPv4 mobile network prefix the home agent acknowledged (enable) or no longer serves.
struct ConfigureIpv4Prefix {
  Ipv4Prefix prefix;
  bool enable = true;
  friend bool operator==(const ConfigureIpv4Prefix&, const ConfigureIpv4Prefix&) = default;
};
/// Set the tunnel of a home address (traffic from the home address, its IPv4 home address and
/// mobile network prefixes goes into the TUN and through onTunPacket()).
struct SetDataPath {
  Ipv6Address home_address;
  DataPath path;
  friend bool operator==(const SetDataPath&, const SetDataPath&) = default;
};

using MobileNodeAction =
    std::variant<SendSignalling, ConfigureHomeAddress, ConfigureIpv4HomeAddress,
                 ConfigureIpv4Prefix, SetDataPath, Event>;
using MobileNodeActions = std::vector<MobileNodeAction>;

// --- Counters and snapshot -------------------------------------------------------------------

enum class RegistrationState : std::uint8_t {
  Idle,
  Registering,
  Registered,
  Refreshing,
  Deregistering,
  AtHome,
  Rejected,
};
std::string_view registrationStateName(RegistrationState state);

struct MobileNodeStats {
  std::uint64_t binding_updates_sent = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t binding_acks_received = 0;
  std::array<std::uint64_t, 256> binding_ack_status{};  // BAs received per status
  std::uint64_t binding_errors_received = 0;
  std::uint64_t refresh_requests_received = 0;
  std::uint64_t registrations = 0;   // accepted registrations of a new care-of address
  std::uint64_t handovers = 0;       // … that replaced another registered care-of address
  std::uint64_t refreshes = 0;       // accepted refreshes (incl. NAT keep-alives)
  std::uint64_t nat_keepalives = 0;  // BUs sent as NAT keep-alives
  std::uint64_t fallbacks_to_ipv4 = 0;
  std::uint64_t bindings_lost = 0;
  std::uint64_t deregistrations = 0;
  std::uint64_t rate_limited = 0;  // BUs delayed by MAX_UPDATE_RATE
  std::uint64_t mobile_prefix_solicitations_sent = 0;
  std::uint64_t mobile_prefix_advertisements_received = 0;
  std::uint64_t binding_errors_sent = 0;
  std::array<std::uint64_t, kSignallingDropCount> signalling_drops{};
  // Data plane.
  std::uint64_t packets_encapsulated = 0;
  std::uint64_t bytes_encapsulated = 0;
  std::uint64_t packets_decapsulated = 0;
  std::uint64_t bytes_decapsulated = 0;
  std::uint64_t ecn_anomalies = 0;
  std::array<std::uint64_t, kDropReasonCount> data_drops{};
};

/// One Binding Update List entry for `dsmip show`.
struct BindingUpdateListSnapshot {
  Ipv6Address home_address;
  RegistrationState state = RegistrationState::Idle;
  std::optional<CareOfAddress> registered_care_of;  // acknowledged
  std::optional<CareOfAddress> pending_care_of;     // in the outstanding BU
  std::uint16_t sequence = 0;                       // last sent
  Duration lifetime{};                              // granted
  std::optional<Duration> lifetime_left;
  std::optional<Duration> next_refresh;  // refresh or NAT keep-alive
  std::optional<Duration> next_retransmission;
  unsigned attempts = 0;
  std::optional<wire::BindingAckStatus> last_status;
  DataPath path;
};

struct MobileNodeSnapshot {
  std::vector<BindingUpdateListSnapshot> entries;
  std::optional<CareOfCandidate> care_of;  // the selected care-of address
  bool at_home = false;
  std::string home_interface;
  Ipv6Address home_agent;
  std::optional<Ipv4Address> home_agent_ipv4;
  Encapsulation encapsulation = Encapsulation::None;  // of the primary home address
  bool nat_detected = false;
  std::optional<Duration> nat_keepalive;  // the interval in use
  std::optional<Ipv4Prefix> ipv4_home_address;
  std::vector<Ipv4Prefix> ipv4_prefixes;
  bool ipv4_home_address_unsupported = false;
  std::vector<wire::PrefixInformation> home_prefixes;  // from the last Mobile Prefix Adv.
  MobileNodeStats stats;
};

// --- The core --------------------------------------------------------------------------------

class MobileNode {
 public:
  /// `config` must have passed validateMobileNodeConfig(); `random` must outlive the core.
  MobileNode(MobileNodeConfig config, RandomSource& random);

  /// The usable local addresses changed (netlink: addresses, default routes, link state). An
  /// IPv6 address in the home prefix means the mobile node is at home.
  [[nodiscard]] MobileNodeActions onCareOfAddresses(const std::vector<CareOfCandidate>& candidates,
                                                    TimePoint now);
  /// The home agent's addresses (configured, or resolved from its DNS name). A change starts a
  /// new registration with the new home agent.
  [[nodiscard]] MobileNodeActions onHomeAgentAddresses(const Ipv6Address& home_agent,
                                                       std::optional<Ipv4Address> home_agent_ipv4,
                                                       TimePoint now);
  /// A plain IPv6 signalling packet for the mobile node (BA, BE, BRR, Mobile Prefix Adv.) after
  /// transport and ESP removal.
  [[nodiscard]] MobileNodeActions onSignalling(ByteView packet, const Inbound& inbound,
                                               TimePoint now);
  [[nodiscard]] MobileNodeActions onTimer(TimePoint now);
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;
  /// A reloaded configuration (SIGHUP), validated like the first one. Applied at once, the
  /// binding kept: initial_bindack_timeout_first_reg, initial_bindack_timeout,
  /// max_bindack_timeout, ipv6_attempts_before_ipv4, retry_after_rejection,
  /// deregistration_attempts (from their next use: a retransmission already armed runs out),
  /// nat_keepalive (the period of a binding is set by its next Binding Acknowledgement) and
  /// tunnel (outer headers from now on). What is sent in BUs or needs a restart keeps its
  /// running value whatever `config` says (addresses, prefixes, ports, binding_lifetime, the
  /// BU flags, require_esp).
  [[nodiscard]] MobileNodeActions reconfigure(const MobileNodeConfig& config, TimePoint now);
  /// Stopping: de-register (at most `deregistration_attempts` BUs), then finished().
  [[nodiscard]] MobileNodeActions onStop(TimePoint now);
  /// After onStop(): every de-registration was acknowledged or given up.
  [[nodiscard]] bool finished() const { return finished_; }

  // Data plane: pure, no allocation; each call counts what it decides.

  /// A packet read from the TUN (from a home address, the IPv4 home address or a mobile
  /// network): Encapsulate towards the home agent, or Drop.
  [[nodiscard]] PacketDecision onTunPacket(ByteView packet);
  /// A tunnelled packet from the home agent (raw socket for protocol 41/4, the UDP socket):
  /// Deliver to the TUN, Signalling (BA/BRR/BE/MPA sent over UDP or IP-in-IPv4), or Drop when
  /// the outer source is not the home agent or the inner destination is not ours.
  [[nodiscard]] PacketDecision onTunnelledPacket(const TunnelledPacket& packet);
  /// An IPv4 packet with protocol 41 or 4 from a raw IPv4 socket (header included).
  [[nodiscard]] PacketDecision onIpv4Packet(ByteView packet);

  [[nodiscard]] const MobileNodeStats& stats() const { return stats_; }
  [[nodiscard]] MobileNodeSnapshot snapshot(TimePoint now) const;
  [[nodiscard]] const MobileNodeConfig& config() const { return config_; }

 private:
  struct Ipv4Request {
    bool prefix = false;
    std::size_t index = 0;  // into config_.ipv4_mobile_network_prefixes for prefixes
  };
  // A Binding Update List entry (RFC 6275 §11.1) for one home address.
  struct Entry {
    Ipv6Address home_address;
    bool primary = false;
    RegistrationState state = RegistrationState::Idle;
    // The last BU sent.
    std::uint16_t sequence = 0;
    bool outstanding = false;               // waiting for its BA
    bool send_pending = false;              // not sent yet: delayed by MAX_UPDATE_RATE
    bool deregistration = false;            // lifetime 0
    bool from_home = false;                 // sent from the home link (source = home address)
    bool keepalive = false;                 // sent as a NAT keep-alive
    std::optional<CareOfCandidate> target;  // its care-of address
    std::uint16_t flags_sent = 0;
    std::vector<Ipv4Request> ipv4_sent;  // its IPv4 home address options, in order
    TimePoint sent_at{};                 // when it was sent (the lifetime counts from here)
    Duration timeout{};                  // current retransmission timeout
    TimePoint retransmit_at = TimePoint::max();
    unsigned attempts = 0;       // BUs sent for this care-of address without a BA
    unsigned attempt_limit = 0;  // 0: retransmit forever
    // The binding at the home agent.
    bool has_binding = false;  // as far as the mobile node knows
    std::optional<CareOfCandidate> registered;
    Duration granted{};
    TimePoint expires_at = TimePoint::max();
    TimePoint refresh_at = TimePoint::max();
    std::optional<Duration> keepalive_interval;
    bool refresh_is_keepalive = false;  // the next refresh is due to the NAT keep-alive
    std::optional<wire::BindingAckStatus> last_status;
    TimePoint retry_at = TimePoint::max();         // Rejected: when to try again
    bool permanent = false;                        // 134: never again with this home address
    bool reregister_after_deregistration = false;  // 139
    bool reject_after_deregistration = false;      // home agent without mobile router support
    DataPath path;
  };

  // Care-of address selection.
  [[nodiscard]] bool usable(const CareOfCandidate& candidate) const;
  [[nodiscard]] std::optional<CareOfCandidate> pickCareOf() const;
  void selectCareOf(TimePoint now, MobileNodeActions& out);
  void placeHomeAddresses(AddressPlace place, MobileNodeActions& out);

  // Registration.
  void startRegistration(Entry& entry, TimePoint now, MobileNodeActions& out);
  void startDeregistration(Entry& entry, TimePoint now, MobileNodeActions& out);
  void sendBindingUpdate(Entry& entry, TimePoint now, MobileNodeActions& out);
  void retransmit(Entry& entry, TimePoint now, MobileNodeActions& out);
  void onBindingAck(Entry& entry, const wire::BindingAck& ack, TimePoint now,
                    MobileNodeActions& out);
  void acceptBinding(Entry& entry, const wire::BindingAck& ack, TimePoint now,
                     MobileNodeActions& out);
  void handleRejection(Entry& entry, const wire::BindingAck& ack, TimePoint now,
                       MobileNodeActions& out);
  void finishDeregistration(Entry& entry, bool acknowledged, TimePoint now, MobileNodeActions& out);
  void bindingLost(Entry& entry, TimePoint now, MobileNodeActions& out);
  void reject(Entry& entry, TimePoint now, bool permanent, std::string_view why,
              MobileNodeActions& out);
  void processIpv4Acks(Entry& entry, const wire::BindingAck& ack, MobileNodeActions& out);
  void loseIpv4(MobileNodeActions& out);
  void setPath(Entry& entry, const DataPath& path, MobileNodeActions& out);
  void sendMobilePrefixSolicitation(TimePoint now, MobileNodeActions& out);
  void checkFinished(MobileNodeActions& out);
  void event(EventKind kind, LogLevel level, std::string message, MobileNodeActions& out);
  void dropSignalling(SignallingDrop reason);
  [[nodiscard]] bool rateLimited(TimePoint now, TimePoint& next_slot) const;
  [[nodiscard]] Entry* entryFor(const Ipv6Address& home_address);
  [[nodiscard]] std::vector<wire::MobilityOption> ipv4Options(std::vector<Ipv4Request>& sent) const;

  // Data plane.
  PacketDecision drop(DropReason reason);
  PacketDecision decapsulate(const TunnelledPacket& packet, std::size_t base_offset);
  [[nodiscard]] const Entry* entryForSource(const IpHeaderView& inner) const;
  [[nodiscard]] bool isOurDestination(const IpHeaderView& inner) const;

  MobileNodeConfig config_;
  RandomSource& random_;
  std::vector<Entry> entries_;
  std::vector<CareOfCandidate> candidates_;
  std::optional<CareOfCandidate> care_of_;     // the selected care-of address
  std::vector<CareOfAddress> failed_care_of_;  // refused with 174 until the candidates change
  bool at_home_ = false;
  std::string home_interface_;
  std::optional<AddressPlace> placement_;  // where the home addresses are configured
  std::string placement_interface_;
  std::optional<bool> last_family_ipv4_;  // family of the last registered care-of address
  bool ipv6_failed_ = false;              // fell back to IPv4 in this network
  bool force_udp_refused_ = false;        // D2: retried without F
  bool router_refused_ = false;           // 140: registering as a host
  // IPv4 home address (primary entry).
  std::optional<Ipv4Prefix> ipv4_home_address_;  // acknowledged, configured on the TUN
  std::vector<Ipv4Prefix> ipv4_prefixes_;        // acknowledged IPv4 mobile network prefixes
  std::vector<std::optional<Ipv4Prefix>> ipv4_prefix_grants_;  // per configured request
  bool ipv4_unsupported_ = false;  // BA without IPv4 Ack: keep the option out (reference 3.11)
  // Mobile prefix discovery.
  bool mps_outstanding_ = false;
  std::uint16_t mps_identifier_ = 0;
  unsigned mps_attempts_ = 0;
  Duration mps_timeout_{};
  TimePoint mps_at_{};
  std::vector<wire::PrefixInformation> home_prefixes_;
  // MAX_UPDATE_RATE: the times of the last BUs sent.
  std::array<std::optional<TimePoint>, kMaxUpdateRate> recent_updates_{};
  std::size_t recent_index_ = 0;
  TokenBucket error_limiter_{10.0, 20.0};
  bool stopping_ = false;
  bool finished_ = false;
  bool no_care_of_reported_ = false;
  std::uint16_t next_identification_ = 0;
  MobileNodeStats stats_;
};

}  // namespace dsmip::dsmip6
