#pragma once
// A DSMIPv6 world in one process: the home agent and mobile node cores, a correspondent node,
// a NAT, and virtual links (delay, loss, one-way blocking) under the virtual clock of a
// Scheduler. The glue around each core does what its daemon will do — prepend the tunnel
// headers the core decided, wrap signalling in its transport, strip outer headers on receipt,
// execute the interception actions — so the simulation exercises the cores' daemon-facing API
// end to end with real packets built and parsed by the wire codecs.
//
//           (home link: 2001:db8:1::/64)
//   CN ─── Internet ─── HA 2001:db8:1::1 / 198.51.100.1
//             │
//   ┌─────────┼──────────────┬───────────────┬──────────────┐
//   IPv6      public IPv4    NAT 203.0.113.5   home link     m6t (ULA)
//   2001:db8:2::100  192.0.2.10  └ 10.0.0.2     2001:db8:1::abcd  fd00:1::100
//                    (all: the MN's access link)

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "dsmip6/home_agent.hpp"
#include "dsmip6/mobile_node.hpp"
#include "support/nat.hpp"
#include "support/scheduler.hpp"

namespace dsmip::sim {

/// Where the mobile node is attached.
enum class Attachment {
  None,
  Home,        // on the home link
  Ipv6,        // an IPv6-only visited network
  Ipv6Second,  // another IPv6 visited network
  PublicIpv4,  // an IPv4-only network with a public address
  NatIpv4,     // an IPv4-only network behind the NAT
  DualStack,   // IPv6 and public IPv4 at once
  M6t,         // IPv6 through an m6t gateway: a ULA care-of address
};
std::string_view attachmentName(Attachment a);

/// One direction of a link.
struct LinkDirection {
  Duration delay = std::chrono::milliseconds(10);
  double loss = 0.0;  // probability a packet is lost
  bool blocked = false;
};
struct LinkProfile {
  LinkDirection up;           // from the node
  LinkDirection down;         // to the node
  bool ipv6_blocked = false;  // the network drops IPv6 (both directions)
};

/// Addresses of the world.
struct WorldAddresses {
  Ipv6Address home_agent;
  Ipv4Address home_agent_ipv4;
  Ipv6Prefix home_prefix;
  Ipv6Address home_address;
  Ipv6Address correspondent;
  Ipv4Address correspondent_ipv4;
  Ipv6Address coa_ipv6;
  Ipv6Address coa_ipv6_second;
  Ipv6Address coa_m6t;
  Ipv6Address home_link_address;
  Ipv4Address coa_public_ipv4;
  Ipv4Address coa_private_ipv4;
  Ipv4Address nat_public;
};
const WorldAddresses& worldAddresses();

/// A continuous ping: echo requests every `interval` from the mobile node to the correspondent
/// (IPv6 home address → CN, or IPv4 home address → CN's IPv4), answered by the CN.
struct PingRecord {
  TimePoint sent{};
  std::optional<TimePoint> received;
};
struct HandoverMeasure {
  Duration interruption{};  // longest gap between consecutive replies around the event
  std::size_t lost = 0;     // requests sent in the window without a reply
};

class Dsmip6World {
 public:
  struct Options {
    std::uint64_t seed = 1;
    Duration nat_idle_timeout = std::chrono::seconds(120);
    Duration core_delay = std::chrono::milliseconds(5);
    dsmip6::HomeAgentConfig home_agent;
    dsmip6::MobileNodeConfig mobile_node;
  };
  /// Default configurations: one MN (dynamic IPv4 home address), its HA with a small pool.
  static Options defaultOptions();

  explicit Dsmip6World(Options options);

  Scheduler& scheduler() { return scheduler_; }
  [[nodiscard]] TimePoint now() const { return scheduler_.now(); }
  void run(Duration d) { scheduler_.runFor(d); }

  /// Moves the mobile node (the old network is gone at once: packets to and from it are lost).
  void attach(Attachment where);
  [[nodiscard]] Attachment attachment() const { return attachment_; }
  /// The home agent crashes and starts again with an empty binding cache.
  void restartHomeAgent();
  /// The mobile node daemon stops (de-registers).
  void stopMobileNode();

  LinkProfile& accessLink() { return access_; }
  Nat& nat() { return nat_; }
  dsmip6::HomeAgent& homeAgent() { return *ha_; }
  dsmip6::MobileNode& mobileNode() { return *mn_; }

  /// Starts pinging every `interval` from the IPv6 home address, and from the IPv4 home address
  /// whenever the mobile node has one.
  void startPing(Duration interval);
  void stopPing();
  [[nodiscard]] const std::vector<PingRecord>& pings(bool ipv4 = false) const {
    return ipv4 ? pings4_ : pings6_;
  }
  /// The ping's interruption around `event` (replies from `event - before` to `event + after`).
  [[nodiscard]] HandoverMeasure measure(TimePoint event, Duration after, bool ipv4 = false,
                                        Duration before = std::chrono::seconds(1)) const;
  /// The correspondent sends one probe to the mobile node's IPv6 (or IPv4) home address, which
  /// answers it; returns the probe's number.
  std::size_t probeFromCorrespondent(bool ipv4 = false);
  [[nodiscard]] bool probeAnswered(std::size_t probe, bool ipv4 = false) const;
  /// Replies received in [from, to).
  [[nodiscard]] std::size_t repliesBetween(TimePoint from, TimePoint to, bool ipv4 = false) const;

  /// Events the cores reported, in order.
  [[nodiscard]] const std::vector<std::pair<TimePoint, dsmip6::Event>>& events() const {
    return events_;
  }
  [[nodiscard]] std::size_t countEvents(dsmip6::EventKind kind) const;
  /// The mobile node's current IPv4 home address as configured by its actions.
  [[nodiscard]] std::optional<Ipv4Address> mnIpv4HomeAddress() const { return mn_ipv4_; }
  [[nodiscard]] std::uint64_t packetsLost() const { return lost_; }

 private:
  enum class Node { MobileNode, HomeAgent, Correspondent, NatPublic };

  void transmit(Node from, Bytes packet);
  void deliver(Node to, Bytes packet);
  [[nodiscard]] std::optional<Node> route(ByteView packet) const;
  [[nodiscard]] bool mnOwns(ByteView packet) const;  // the source is a current local address
  LinkDirection& upOf(Node n);
  LinkDirection& downOf(Node n);

  void mnReceive(const Bytes& packet);
  void mnSendApp(Bytes packet);
  void mnTransmit(Bytes packet);
  void mnExecute(const dsmip6::MobileNodeActions& actions);
  void haReceive(const Bytes& packet);
  void haExecute(const dsmip6::HomeAgentActions& actions);
  void haHandle(const dsmip6::PacketDecision& d, ByteView input);
  void cnReceive(const Bytes& packet);
  void appReceive(ByteView inner);
  Bytes wrap(const dsmip6::SendSignalling& send) const;
  void pingTick(std::uint64_t generation);

  Options options_;
  SeededRandom random_;
  SeededRandom link_random_;
  Scheduler scheduler_;
  std::unique_ptr<dsmip6::HomeAgent> ha_;
  std::unique_ptr<dsmip6::MobileNode> mn_;
  CoreTimer ha_timer_;
  CoreTimer mn_timer_;
  Nat nat_;
  Attachment attachment_ = Attachment::None;
  LinkProfile access_;
  LinkProfile ha_link_;
  LinkProfile cn_link_;
  // The home agent's interception state (proxy ND / ARP and routes into its TUN).
  std::set<Ipv6Address> intercepted6_;
  std::set<Ipv4Address> intercepted4_;
  std::vector<Ipv6Prefix> routed6_;
  std::vector<Ipv4Prefix> routed4_;
  // The mobile node's configured state.
  std::optional<dsmip6::AddressPlace> mn_home_place_;
  std::optional<Ipv4Address> mn_ipv4_;
  // Ping.
  Duration ping_interval_{};
  std::uint64_t ping_generation_ = 0;
  std::vector<PingRecord> pings6_;
  std::vector<PingRecord> pings4_;
  std::vector<PingRecord> probes6_;
  std::vector<PingRecord> probes4_;
  std::vector<std::pair<TimePoint, dsmip6::Event>> events_;
  std::uint64_t lost_ = 0;
};

}  // namespace dsmip::sim
