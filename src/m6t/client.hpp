#pragma once
// The m6t tunnel client on a mobile node (draft-ebalard-mext-m6t-02 §2.2, §2.3, §2.5, §2.6,
// §3; protocol reference §6.2, §6.3, §6.6, decision D8).
//
// States:
//   Detached  (no IPv4 connectivity: the TUN is up without an address, no routes, no socket)
//   Attached  (an address prefix/80 + 48 random bits on the TUN, routes through it, a UDP
//              socket to the gateway); `path established` once anything came back on it.
// Transitions:
//   Detached --IPv4 attachment--> Attached (fresh random address, fresh socket)
//   Attached --another IPv4 address or default router--> Attached with a new address
//   Attached --dead_after keep-alives in a row unanswered, path established--> new address
//   Attached --IPv4 connectivity lost--> Detached
// Timers:
//   keep-alive (D8): sent when, for keepalive_interval, nothing was sent through the tunnel
//     or nothing was received from it; a keep-alive is unanswered when no packet came back
//     within half the interval;
//   path MTU: a tunnel MTU lowered by ICMPv4 returns to the configured one after
//     path_mtu_timeout (RFC 1191 §6.3).
//
// Two clients on one host sharing a /80 never use the same random value at once (m6t §2.5):
// addresses are reserved through an AddressRegistry shared on the host.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "common/rate_limiter.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "m6t/actions.hpp"

namespace dsmip::m6t {

inline constexpr Duration kDefaultKeepaliveInterval = std::chrono::seconds(30);  // m6t §2.3
inline constexpr std::uint32_t kDefaultDeadAfter = 3;

/// Reservations of tunnel addresses among the clients of one host (m6t §2.5).
class AddressRegistry {
 public:
  virtual ~AddressRegistry() = default;
  /// Reserves `address` for this client; false when another client holds it.
  virtual bool reserve(const Ipv6Address& address) = 0;
  virtual void release(const Ipv6Address& address) = 0;
};

/// Client configuration. Names in errors are the option names of `dsmip m6t-client`.
struct ClientConfig {
  Ipv4Endpoint gateway;
  Ipv6Prefix prefix;  // the /80 of m6t §2.2
  std::uint32_t mtu = 1472;
  Duration keepalive_interval = kDefaultKeepaliveInterval;
  std::uint32_t dead_after = kDefaultDeadAfter;
  std::vector<Ipv6Prefix> routes;  // through the tunnel (the daemon's default: ::/0)
  Duration path_mtu_timeout = std::chrono::minutes(10);
};

Status validateClientConfig(const ClientConfig& config);

/// The IPv4 attachment the client uses to reach the gateway: a change of any field is a new
/// attachment (m6t §3).
struct Ipv4Attachment {
  Ipv4Address local;     // source address towards the gateway
  Ipv4Address next_hop;  // router used (unspecified when the gateway is on-link)
  std::uint32_t interface_index = 0;
  [[nodiscard]] std::string toString() const;
  friend bool operator==(const Ipv4Attachment&, const Ipv4Attachment&) = default;
};

enum class ClientDrop : std::uint8_t {
  None,
  // From the TUN.
  NoTunnel,      // no IPv4 connectivity (no address or socket yet)
  TunMalformed,  // not a well-formed IPv6 packet
  WrongSource,   // source is not the tunnel address (link-local, MLD, an old address, ...)
  TooBig,        // larger than the tunnel MTU (Packet Too Big sent)
  // From the UDP socket.
  StaleSocket,       // arrived on a socket that is no longer current
  NotFromGateway,    // from another IPv4 endpoint than the gateway
  Malformed,         // not exactly one well-formed IPv6 packet
  WrongDestination,  // not for the current tunnel address
  BadInnerSource,    // multicast, loopback, IPv4-mapped or -compatible source (RFC 4213 §3.6)
  kCount,
};
std::string_view clientDropName(ClientDrop reason);

struct ClientStats {
  std::uint64_t tun_packets_received = 0;
  std::uint64_t tun_bytes_received = 0;
  std::uint64_t datagrams_sent = 0;  // data and keep-alives
  std::uint64_t bytes_sent = 0;
  std::uint64_t datagrams_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t packets_to_tun = 0;
  std::uint64_t bytes_to_tun = 0;
  std::uint64_t keepalives_sent = 0;
  std::uint64_t keepalive_replies_received = 0;
  std::uint64_t keepalives_unanswered = 0;
  std::uint64_t paths_declared_dead = 0;
  std::uint64_t addresses_taken = 0;
  std::uint64_t address_collisions_avoided = 0;  // random values refused by the registry
  std::uint64_t attachments_lost = 0;
  std::uint64_t icmpv4_received = 0;
  std::uint64_t icmpv4_ignored = 0;
  std::uint64_t tunnel_mtu_lowered = 0;
  std::uint64_t icmpv6_packet_too_big_sent = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(ClientDrop::kCount)> drops{};

  [[nodiscard]] std::uint64_t dropped(ClientDrop reason) const {
    return drops[static_cast<std::size_t>(reason)];
  }
  template <typename F>
  void forEachCounter(F&& f) const;
};

struct ClientVerdict {
  Disposition disposition = Disposition::Drop;
  ClientDrop drop = ClientDrop::None;
  std::uint32_t socket = 0;  // the socket generation to send on (SendDatagram)
  Ipv6Address icmp_destination;
};

class Client {
 public:
  Client(ClientConfig config, RandomSource& random, AddressRegistry& registry);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// The IPv4 attachment in use now (nullopt: no IPv4 connectivity). Nothing happens when it
  /// did not change.
  [[nodiscard]] Actions onAttachment(const std::optional<Ipv4Attachment>& attachment,
                                     TimePoint now);
  /// The socket of OpenSocket{generation} is open with this local address and port.
  void onSocketOpened(std::uint32_t generation, const Ipv4Endpoint& local);
  /// An IPv6 packet read from the TUN.
  [[nodiscard]] ClientVerdict onTunPacket(PacketBuffer& packet, TimePoint now);
  /// A UDP datagram arrived on the socket of `generation` from `from`.
  [[nodiscard]] ClientVerdict onDatagram(std::uint32_t generation, const Ipv4Endpoint& from,
                                         PacketBuffer& packet, TimePoint now);
  /// An ICMPv4 message (IPv4 payload): fragmentation-needed about our tunnel lowers the MTU.
  [[nodiscard]] Actions onIcmpv4(ByteView icmp_message, TimePoint now);
  [[nodiscard]] Actions onTimer(TimePoint now);
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;
  /// A reloaded configuration (SIGHUP), validated like the first one. Applied at once, the
  /// tunnel kept: keepalive_interval (the next keep-alive is due one new interval after the
  /// last one) and dead_after (keep-alives already unanswered count). What needs a restart
  /// keeps its running value whatever `config` says: gateway, prefix, mtu, routes,
  /// path_mtu_timeout.
  [[nodiscard]] Actions reconfigure(const ClientConfig& config, TimePoint now);
  /// Undoes what the client set up (address, routes, socket) and releases its reservation.
  [[nodiscard]] Actions stop();

  [[nodiscard]] const ClientConfig& config() const { return config_; }
  [[nodiscard]] const ClientStats& stats() const { return stats_; }
  [[nodiscard]] const std::optional<Ipv4Attachment>& attachment() const { return attachment_; }
  [[nodiscard]] const std::optional<Ipv6Address>& address() const { return address_; }
  [[nodiscard]] const std::optional<Ipv4Endpoint>& localEndpoint() const { return local_; }
  [[nodiscard]] std::uint32_t socketGeneration() const { return generation_; }
  [[nodiscard]] std::uint32_t tunnelMtu() const { return tunnel_mtu_; }
  [[nodiscard]] std::uint32_t unansweredKeepalives() const { return unanswered_; }
  [[nodiscard]] bool pathEstablished() const { return established_; }
  [[nodiscard]] std::optional<TimePoint> lastKeepaliveSent() const { return keepalive_sent_; }
  [[nodiscard]] std::optional<TimePoint> lastKeepaliveAnswered() const {
    return keepalive_answered_;
  }
  [[nodiscard]] std::optional<TimePoint> addressSince() const { return address_since_; }
  [[nodiscard]] TimePoint lastSent() const { return last_sent_; }
  [[nodiscard]] TimePoint lastReceived() const { return last_received_; }
  /// How long a keep-alive may go without an answer (half the interval).
  [[nodiscard]] Duration replyTimeout() const { return config_.keepalive_interval / 2; }

 private:
  Actions readdress(TimePoint now, const std::string& why, LogLevel level);
  void detach(Actions& actions);
  [[nodiscard]] TimePoint keepaliveDue() const;
  ClientVerdict drop(ClientDrop reason);
  void received(TimePoint now);

  ClientConfig config_;
  RandomSource& random_;
  AddressRegistry& registry_;
  ClientStats stats_;

  std::optional<Ipv4Attachment> attachment_;
  std::optional<Ipv6Address> address_;
  std::optional<TimePoint> address_since_;
  std::optional<Ipv4Endpoint> local_;
  std::uint32_t generation_ = 0;
  bool socket_open_ = false;
  bool routes_installed_ = false;
  bool established_ = false;
  TimePoint last_sent_{};
  TimePoint last_received_{};
  std::optional<TimePoint> keepalive_sent_;
  std::optional<TimePoint> keepalive_answered_;
  bool awaiting_reply_ = false;
  std::uint32_t unanswered_ = 0;
  std::uint32_t tunnel_mtu_;
  TimePoint mtu_lowered_at_{};
  TokenBucket icmp_bucket_{10, 10};  // ICMPv6 errors per second
};

template <typename F>
void ClientStats::forEachCounter(F&& f) const {
  f("tun-packets-received", tun_packets_received);
  f("tun-bytes-received", tun_bytes_received);
  f("datagrams-sent", datagrams_sent);
  f("bytes-sent", bytes_sent);
  f("datagrams-received", datagrams_received);
  f("bytes-received", bytes_received);
  f("packets-to-tun", packets_to_tun);
  f("bytes-to-tun", bytes_to_tun);
  f("keepalives-sent", keepalives_sent);
  f("keepalive-replies-received", keepalive_replies_received);
  f("keepalives-unanswered", keepalives_unanswered);
  f("paths-declared-dead", paths_declared_dead);
  f("addresses-taken", addresses_taken);
  f("address-collisions-avoided", address_collisions_avoided);
  f("attachments-lost", attachments_lost);
  f("icmpv4-received", icmpv4_received);
  f("icmpv4-ignored", icmpv4_ignored);
  f("tunnel-mtu-lowered", tunnel_mtu_lowered);
  f("icmpv6-packet-too-big-sent", icmpv6_packet_too_big_sent);
}

}  // namespace dsmip::m6t
