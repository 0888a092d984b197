#pragma once
// Types shared by the DSMIPv6 home agent and mobile node cores (RFC 6275, RFC 3963, RFC 5555):
// the protocol constants, how a signalling packet travels, the tunnel encapsulation modes, the
// events the cores report, and the modulo-2^16 sequence number comparison.
//
// The signalling path follows draft-laganier-mext-dsmipv6-ipsec: a core emits and consumes
// PLAIN IPv6 signalling packets (IPv6 header, Home Address option / type 2 routing header as
// RFC 6275 requires, then the Mobility Header; never ESP), and beside each packet a Transport
// that says how it travels on the wire: natively over IPv6, inside UDP/IPv4 port 4191, or inside
// IPv4 protocol 41. The daemon runs an outbound packet through the ESP module and then the
// transport; inbound, it removes the transport (remembering the outer addresses and ports,
// the draft's Req. #4), runs ESP, and hands the plain packet and the Transport to the core. So
// an ESP module that knows nothing of mobility slots in without any change here.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/mh_options.hpp"

namespace dsmip::dsmip6 {

// --- Protocol constants (RFC 6275 §12, §13; RFC 5555 §4.4.1, §6, §8) --------------------------

/// INITIAL_BINDACK_TIMEOUT: first retransmission timeout when the HA has a binding (§12).
inline constexpr Duration kInitialBindackTimeout = std::chrono::seconds(1);
/// InitialBindackTimeoutFirstReg default: first timeout of a first registration (§13).
inline constexpr Duration kInitialBindackTimeoutFirstReg = std::chrono::milliseconds(1500);
/// MAX_BINDACK_TIMEOUT: the back-off stops doubling here (§12).
inline constexpr Duration kMaxBindackTimeout = std::chrono::seconds(32);
/// MAX_DELETE_BCE_TIMEOUT: a de-registered entry is kept this long for late BUs (§12).
inline constexpr Duration kMaxDeleteBceTimeout = std::chrono::seconds(10);
/// MAX_UPDATE_RATE: at most this many BUs per second to one destination (§11.8, §12).
inline constexpr unsigned kMaxUpdateRate = 3;
/// INITIAL_SOLICIT_TIMER: first Mobile Prefix Solicitation timeout (§12).
inline constexpr Duration kInitialSolicitTimer = std::chrono::seconds(3);
/// NATKATIMEOUT: default NAT keep-alive period (RFC 5555 §6).
inline constexpr Duration kNatKeepaliveTimeout = wire::kNatKeepaliveTimeout;
/// The DSMIPv6 UDP port at the home agent (RFC 5555 §8).
inline constexpr std::uint16_t kDsmipv6UdpPort = wire::udp_port::kDsmipv6;
/// BU attempts with an IPv6 care-of address before falling back to IPv4 (RFC 5555 §4.4.1).
inline constexpr unsigned kIpv6AttemptsBeforeIpv4 = 3;
/// Hop limit of the IPv6 header of signalling packets (RFC 4861 default current hop limit).
inline constexpr std::uint8_t kSignallingHopLimit = 64;

/// True when `received` is newer than `last` in modulo-2^16 arithmetic (RFC 6275 §9.5.1):
/// `(received - last) mod 65536` lies in 1…32767. With last = 15, the values 0…15 and
/// 32783…65535 are not newer.
constexpr bool isNewerSequence(std::uint16_t received, std::uint16_t last) {
  const auto diff = static_cast<std::uint16_t>(received - last);
  return diff != 0 && diff < 0x8000;
}

/// A care-of address: IPv6 (RFC 6275), or IPv4 (RFC 5555 IPv4 Care-of Address option).
using CareOfAddress = std::variant<Ipv6Address, Ipv4Address>;
/// The address as text.
std::string careOfToString(const CareOfAddress& care_of);
inline bool isIpv4(const CareOfAddress& care_of) {
  return std::holds_alternative<Ipv4Address>(care_of);
}

// --- Transport -------------------------------------------------------------------------------

/// How a plain IPv6 signalling packet travels (outbound) or travelled (inbound).
enum class TransportKind : std::uint8_t {
  /// Natively: the IPv6 packet as it is (CoA ⇄ HA with HAO / type 2 routing header, or on the
  /// home link).
  Ipv6,
  /// Inside IPv4 + UDP (RFC 5555 §4.1, the IP packet right after the UDP header): every BU
  /// from an IPv4-only network and the BA answering it (RFC 5555 §4.2).
  UdpIpv4,
  /// Inside IPv4 with protocol 41 (RFC 4213), e.g. a Mobile Prefix Solicitation from an
  /// IPv4-only network without a NAT (RFC 5555 §2.2).
  Ipv4Protocol41,
};
std::string_view transportKindName(TransportKind kind);

/// The transport descriptor that travels beside a plain signalling packet. For UdpIpv4 and
/// Ipv4Protocol41 the outer IPv4 addresses (and UDP ports) are given: outbound, what the daemon
/// must put in the outer headers; inbound, what it saw (before ESP processing).
struct Transport {
  TransportKind kind = TransportKind::Ipv6;
  Ipv4Endpoint ipv4_source;       // outer IPv4 source (port: UDP only)
  Ipv4Endpoint ipv4_destination;  // outer IPv4 destination (port: UDP only)

  static Transport ipv6() { return Transport{}; }
  static Transport udp(const Ipv4Endpoint& source, const Ipv4Endpoint& destination) {
    return Transport{TransportKind::UdpIpv4, source, destination};
  }
  static Transport protocol41(const Ipv4Address& source, const Ipv4Address& destination) {
    return Transport{TransportKind::Ipv4Protocol41, Ipv4Endpoint{source, 0},
                     Ipv4Endpoint{destination, 0}};
  }
  /// "ipv6", "udp 192.0.2.10:5000 -> 198.51.100.1:4191", "ipv4-41 192.0.2.10 -> 198.51.100.1".
  [[nodiscard]] std::string toString() const;
  friend bool operator==(const Transport&, const Transport&) = default;
};

/// What the daemon knows about an inbound signalling packet besides its bytes.
struct Inbound {
  Transport transport;
  /// The packet arrived inside transport-mode ESP that the ESP module removed, and the policy
  /// check on the decrypted packet passed (RFC 4877 §4.2, RFC 6275 §5.1).
  bool esp_protected = false;
  /// The home address named by the selectors of the SA that protected the packet. When set,
  /// a BU for another home address is discarded (RFC 6275 §9.5.1: "this SA may speak for this
  /// home address"). Unset: no such check (no ESP, or the daemon checked already).
  std::optional<Ipv6Address> esp_home_address;
};

/// Action: send a plain IPv6 signalling packet. The daemon applies its ESP policy to `packet`
/// and then sends the result as `transport` says.
struct SendSignalling {
  Bytes packet;  // a complete IPv6 packet: header, extension headers, upper layer
  Transport transport;
  friend bool operator==(const SendSignalling&, const SendSignalling&) = default;
};

// --- Tunnels ---------------------------------------------------------------------------------

/// The tunnel encapsulation in use for a binding (RFC 5555 §3.3, §4.1, decision D3/D4).
enum class Encapsulation : std::uint8_t {
  None,    // no tunnel (not registered, or at home)
  Ipv6,    // IPv6 outer header: IPv6-in-IPv6 (RFC 2473) or IPv4-in-IPv6 (RFC 5555 §4.5.1)
  Ipv4,    // IPv4 outer header, protocol 41 (RFC 4213) or 4 (RFC 2003): IPv4 CoA, no NAT
  Udp,     // IPv4 + UDP, the IP packet right after UDP (RFC 5555 §4.1 "vanilla")
  UdpTlv,  // IPv4 + UDP + TLV header (decision D3, RFC 5845 §7.2 layout)
};
/// "none", "ipv6", "ipv4", "udp", "udp-tlv".
std::string_view encapsulationName(Encapsulation encapsulation);

// --- Events ----------------------------------------------------------------------------------

/// What happened, for the daemon's log and event stream.
enum class EventKind : std::uint8_t {
  Started,
  // Home agent.
  BindingCreated,
  BindingUpdated,
  BindingDeregistered,
  BindingExpired,
  BindingRemoved,  // a de-registered entry left the cache after MAX_DELETE_BCE_TIMEOUT
  BindingRejected,
  NatDetected,
  Ipv4HomeAddressAssigned,
  Ipv4HomeAddressReleased,
  // Mobile node.
  CareOfAddressSelected,
  NoCareOfAddress,
  FallbackToIpv4,
  Registered,
  RegistrationRejected,
  RetryWithoutForceUdp,
  BindingLost,
  Deregistered,
  ReturnedHome,
  LeftHome,
  Ipv4HomeAddressAcquired,
  Ipv4HomeAddressLost,
  Ipv4HomeAddressRefused,
  Ipv4HomeAddressUnsupported,
  HomeAgentChanged,
  PrefixDiscovery,
  HomePrefixesLearned,
  Stopped,
  BindingRevoked,  // home agent: its mobile node's [[mobile_node]] entry was removed or changed
  Reconfigured,    // the configuration was reloaded (SIGHUP)
};
std::string_view eventKindName(EventKind kind);

/// Action: report an event (the daemon logs `message` at `level`).
struct Event {
  EventKind kind = EventKind::BindingCreated;
  LogLevel level = LogLevel::Info;
  std::string message;
  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace dsmip::dsmip6
