#pragma once
// The m6t tunnel gateway (draft-ebalard-mext-m6t-02 §2.3, §2.4, §2.6, §3, §6.1.3; protocol
// reference §6.3, §6.5, §6.6).
//
// States (one per mobile-node IPv6 address, never updated once created):
//   (none) --valid packet from a MN to a HA--> Temporary --packet from a HA to it--> Active
//   Temporary --temporary_lifetime after creation--> removed (or evicted when the table is full)
//   Active --active_lifetime without traffic or keep-alive in either direction--> removed
// Timers: one deadline covering temporary expiry (FIFO), active expiry (heap, lazily re-armed)
// and the forgetting of per-IPv4 rate-limit buckets.
//
// Data path: onDatagram (UDP from a MN) and onTunPacket (IPv6 from the HA side) take the
// packet in a PacketBuffer, change it in place and return a GatewayVerdict saying where it
// goes; they never allocate once the tables have grown.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "common/rate_limiter.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "m6t/actions.hpp"
#include "m6t/source_rate_limiter.hpp"
#include "m6t/state_table.hpp"

namespace dsmip::m6t {

inline constexpr std::uint32_t kDefaultTunnelMtu = 1472;  // m6t §2.6: 1500 - 20 - 8
inline constexpr std::uint32_t kMaxTunnelMtu = 65535 - 20 - 8;
inline constexpr Duration kPathMtuTimeout = std::chrono::minutes(10);  // RFC 1191 §6.3

/// Gateway configuration. Names in errors are the option names of `dsmip m6t-gateway`.
struct GatewayConfig {
  std::vector<Ipv4Endpoint> listen;       // SocketId = index here
  std::vector<Ipv6Prefix> prefixes;       // where MN tunnel addresses come from
  std::vector<Ipv6Address> home_agents;   // the only destinations MNs may reach
  std::uint32_t mtu = kDefaultTunnelMtu;  // tunnel MTU (m6t §2.6)
  Duration temporary_lifetime = std::chrono::seconds(2);
  Duration active_lifetime = std::chrono::seconds(120);
  double rate_limit = 10;  // new temporary states per second per IPv4 address (0: no limit)
  double rate_limit_burst = 5;
  std::size_t max_states = 1'000'000;
  double icmp_rate_limit = 10;  // ICMPv6 errors per second (and burst)
  Duration path_mtu_timeout = kPathMtuTimeout;
};

/// Checks a configuration; the error's detail names the option and the reason.
Status validateGatewayConfig(const GatewayConfig& config);

/// Why the gateway dropped a packet. Names (gatewayDropName) are stable: `dsmip show` and the
/// logs use them.
enum class GatewayDrop : std::uint8_t {
  None,
  // UDP datagrams from mobile nodes.
  Malformed,                // not one well-formed IPv6 packet filling the datagram
  SourceNotInPrefix,        // inner source outside the configured prefixes (or not unicast)
  DestinationNotHomeAgent,  // inner destination is not a configured home agent
  StateMismatch,            // a state exists for the source with another IPv4 address/port/socket
  RateLimited,              // too many new states from this IPv4 address
  TableFull,                // max states reached and no temporary state to evict
  KeepaliveNoState,         // keep-alive for an address without a state
  KeepaliveNotActive,       // keep-alive for a temporary state
  KeepaliveMismatch,        // keep-alive whose IPv4 address/port/socket differ from the state's
  // IPv6 packets from the home-agent side (TUN).
  TunMalformed,        // not a well-formed IPv6 packet
  TunMulticast,        // to a multicast address (the kernel's own MLD/ND on the device)
  SourceNotHomeAgent,  // neither from a home agent nor an ICMPv6 error
  NoState,             // no state for the destination
  TooBig,              // larger than the state's tunnel MTU (Packet Too Big sent)
  kCount,
};
std::string_view gatewayDropName(GatewayDrop reason);

/// Gateway counters (never rate-limited).
struct GatewayStats {
  std::uint64_t datagrams_received = 0;
  std::uint64_t datagram_bytes_received = 0;
  std::uint64_t packets_to_home_agents = 0;
  std::uint64_t bytes_to_home_agents = 0;
  std::uint64_t tun_packets_received = 0;
  std::uint64_t tun_bytes_received = 0;
  std::uint64_t packets_to_mobile_nodes = 0;
  std::uint64_t bytes_to_mobile_nodes = 0;
  std::uint64_t keepalives_received = 0;
  std::uint64_t keepalive_replies_sent = 0;
  std::uint64_t states_created = 0;
  std::uint64_t states_activated = 0;
  std::uint64_t temporary_states_expired = 0;
  std::uint64_t active_states_expired = 0;
  std::uint64_t temporary_states_evicted = 0;
  std::uint64_t icmpv6_packet_too_big_sent = 0;
  std::uint64_t icmpv6_unreachable_sent = 0;
  std::uint64_t icmpv6_rate_limited = 0;
  std::uint64_t icmpv4_received = 0;
  std::uint64_t icmpv4_ignored = 0;  // not a usable fragmentation-needed about one of our states
  std::uint64_t path_mtu_lowered = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(GatewayDrop::kCount)> drops{};

  [[nodiscard]] std::uint64_t dropped(GatewayDrop reason) const {
    return drops[static_cast<std::size_t>(reason)];
  }
  /// Calls f(name, value) for every counter except the drops, in a stable order.
  template <typename F>
  void forEachCounter(F&& f) const;
};

/// Something about states the daemon may log.
enum class GatewayEvent : std::uint8_t {
  None,
  StateCreated,
  StateActivated,
  StateCreatedAfterEviction
};

struct GatewayVerdict {
  Disposition disposition = Disposition::Drop;
  GatewayDrop drop = GatewayDrop::None;
  GatewayEvent event = GatewayEvent::None;
  SocketId socket = 0;
  Ipv4Endpoint to;
  Ipv6Address icmp_destination;
  Ipv6Address mobile_node;  // the MN address concerned, when known (for logs)
};

class Gateway {
 public:
  /// `random` seeds the keys of the hash tables (read once, here).
  Gateway(GatewayConfig config, RandomSource& random);

  /// A UDP datagram from `from` arrived on listening socket `socket`; `packet` holds its
  /// payload.
  [[nodiscard]] GatewayVerdict onDatagram(SocketId socket, const Ipv4Endpoint& from,
                                          PacketBuffer& packet, TimePoint now);
  /// An IPv6 packet was read from the TUN device (sent by a home agent towards a MN).
  [[nodiscard]] GatewayVerdict onTunPacket(PacketBuffer& packet, TimePoint now);
  /// An ICMPv4 message (the IPv4 payload) arrived: a fragmentation-needed about one of our
  /// tunnel datagrams lowers that state's path MTU (m6t §2.6).
  [[nodiscard]] Actions onIcmpv4(ByteView icmp_message, TimePoint now);
  /// Garbage collection of states and rate-limit buckets.
  [[nodiscard]] Actions onTimer(TimePoint now);
  /// A reloaded configuration (SIGHUP), validated like the first one. Applied at once, states
  /// kept: temporary_lifetime and active_lifetime (counted from each state's creation or last
  /// activity, so a shorter one can expire states at once), home_agents (checked per packet),
  /// rate_limit and rate_limit_burst (every source starts again with a full bucket). What needs a
  /// restart keeps its running value whatever `config` says: listen, prefixes, mtu, max_states,
  /// icmp_rate_limit, path_mtu_timeout. Returns what the caller must do (nothing today: no state is
  /// dropped).
  [[nodiscard]] Actions reconfigure(const GatewayConfig& config, TimePoint now);
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;

  /// The tunnel MTU that applies to `state` at `now` (config or learnt path MTU).
  [[nodiscard]] std::uint32_t tunnelMtu(const GatewayState& state, TimePoint now) const;

  [[nodiscard]] const GatewayStats& stats() const { return stats_; }
  [[nodiscard]] const StateTable& states() const { return states_; }
  [[nodiscard]] const GatewayConfig& config() const { return config_; }
  [[nodiscard]] std::size_t rateLimitedSources() const { return limiter_.trackedSources(); }
  [[nodiscard]] std::size_t memoryBytes() const {
    return states_.memory().total() + limiter_.memoryBytes();
  }

 private:
  GatewayVerdict drop(GatewayDrop reason, const Ipv6Address& mobile_node = {});
  GatewayVerdict onKeepalive(SocketId socket, const Ipv4Endpoint& from, const Ipv6Address& source,
                             PacketBuffer& packet, TimePoint now);
  [[nodiscard]] bool inPrefixes(const Ipv6Address& a) const;
  [[nodiscard]] bool isHomeAgent(const Ipv6Address& a) const;
  /// Turns `packet` into an ICMPv6 error to `destination` if the rate limit allows.
  GatewayVerdict icmpError(PacketBuffer& packet, GatewayDrop reason, std::uint8_t type,
                           std::uint8_t code, std::uint32_t parameter,
                           const Ipv6Address& destination, const Ipv6Address& mobile_node,
                           std::uint64_t& sent_counter, TimePoint now);

  GatewayConfig config_;
  StateTable states_;
  SourceRateLimiter limiter_;
  TokenBucket icmp_bucket_;
  GatewayStats stats_;
};

template <typename F>
void GatewayStats::forEachCounter(F&& f) const {
  f("datagrams-received", datagrams_received);
  f("datagram-bytes-received", datagram_bytes_received);
  f("packets-to-home-agents", packets_to_home_agents);
  f("bytes-to-home-agents", bytes_to_home_agents);
  f("tun-packets-received", tun_packets_received);
  f("tun-bytes-received", tun_bytes_received);
  f("packets-to-mobile-nodes", packets_to_mobile_nodes);
  f("bytes-to-mobile-nodes", bytes_to_mobile_nodes);
  f("keepalives-received", keepalives_received);
  f("keepalive-replies-sent", keepalive_replies_sent);
  f("states-created", states_created);
  f("states-activated", states_activated);
  f("temporary-states-expired", temporary_states_expired);
  f("active-states-expired", active_states_expired);
  f("temporary-states-evicted", temporary_states_evicted);
  f("icmpv6-packet-too-big-sent", icmpv6_packet_too_big_sent);
  f("icmpv6-unreachable-sent", icmpv6_unreachable_sent);
  f("icmpv6-rate-limited", icmpv6_rate_limited);
  f("icmpv4-received", icmpv4_received);
  f("icmpv4-ignored", icmpv4_ignored);
  f("path-mtu-lowered", path_mtu_lowered);
}

}  // namespace dsmip::m6t
