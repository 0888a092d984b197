#pragma once
// A virtual network for the DSMIPv4 cores: the home agent core, a mobile node core, a
// correspondent on the home side and a NAT, joined by links with fixed delays, under a virtual
// clock. The harness plays the daemons' part: it executes the cores' actions, applies their
// encapsulation decisions and routes whole IPv4 packets.
//
//   correspondent 10.1.0.99 / 2001:db8:99::1
//        | home link (1 ms)
//   HA 203.0.113.1 ── core (10 ms) ──┬── public access (10 ms) ── MN at 192.0.2.20
//                                    └── NAT 198.51.100.7 ── private access (10 ms) ── MN at
//                                                                                192.168.1.20
//
// The NAT translates UDP only (IP-in-IP and IPv6-in-IPv4 do not pass it, which is why RFC 3519
// exists), keeps a mapping per inside endpoint, forgets idle mappings after a timeout and can
// be "rebooted" (every mapping lost; new ones get new ports). The correspondent sends numbered
// UDP echoes to the mobile node's home address and to an address of its IPv6 prefix; the
// mobile node's "applications" answer them from behind its TUN.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "common/time.hpp"
#include "dsmip4/home_agent.hpp"
#include "dsmip4/mobile_node.hpp"
#include "dsmip4/tunnel.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/udp.hpp"

namespace dsmip::dsmip4::sim {

using namespace std::chrono_literals;

inline Ipv4Address addr4(std::string_view t) { return *Ipv4Address::parse(t); }
inline Ipv6Address addr6(std::string_view t) { return *Ipv6Address::parse(t); }

inline const Ipv4Address kHa = addr4("203.0.113.1");
inline const Ipv4Address kHoa = addr4("10.1.0.5");
inline const Ipv4Address kPublicCoa = addr4("192.0.2.20");
inline const Ipv4Address kPrivateCoa = addr4("192.168.1.20");
inline const Ipv4Address kNatAddress = addr4("198.51.100.7");
inline const Ipv4Address kCorrespondent = addr4("10.1.0.99");
inline const Ipv6Address kCorrespondent6 = addr6("2001:db8:99::1");
inline const Ipv6Prefix kPrefix = *Ipv6Prefix::parse("2001:db8:abcd::/48");
inline const Ipv6Address kMnAddress6 = addr6("2001:db8:abcd::1");  // ::1 of the prefix
inline constexpr std::uint16_t kMnPort = 45000;
inline constexpr std::uint16_t kEchoPort = 7;
inline constexpr std::chrono::nanoseconds kUnixStart = std::chrono::seconds{1'700'000'000};

enum class Network { None, Public, Private };

inline wire::Mipv4AuthKey simKey() {
  return wire::Mipv4AuthKey{0x1000, wire::Mipv4AuthAlgorithm::HmacMd5,
                            Bytes{0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45,
                                  0x67, 0x89, 0xab, 0xcd, 0xef}};
}

inline HomeAgentConfig simHomeAgentConfig(std::chrono::seconds keepalive) {
  HomeAgentConfig c;
  c.address = kHa;
  c.home_network = *Ipv4Prefix::parse("10.1.0.0/24");
  c.keepalive_interval = keepalive;
  MobileNodePolicy mn;
  mn.home_address = kHoa;
  mn.key = simKey();
  mn.prefixes = {
      PrefixGrant{*Ipv6Prefix::parse("2001:db8:abcd::/48"), PrefixTunnelPolicy::FollowRequest}};
  c.mobile_nodes = {mn};
  return c;
}

inline MobileNodeConfig simMobileNodeConfig() {
  MobileNodeConfig c;
  c.home_address = kHoa;
  c.home_agent = kHa;
  c.key = simKey();
  c.lifetime = 300s;
  c.prefixes = {PrefixRequest{kPrefix, false, std::nullopt}};
  return c;
}

struct SimOptions {
  Duration home_delay = 1ms;
  Duration core_delay = 10ms;
  Duration access_delay = 10ms;
  Duration nat_timeout = 120s;
  std::chrono::seconds ha_keepalive{20};
  Duration mn_clock_offset{0};  // the MN's wall clock minus the HA's
  MobileNodeConfig mobile_node = simMobileNodeConfig();
};

/// An IPv4 packet carrying a UDP datagram (checksum computed).
inline Bytes udpOverIpv4(Ipv4Endpoint source, Ipv4Endpoint destination, ByteView payload) {
  PacketBuffer b;
  (void)b.assign(payload);
  (void)wire::prependUdp(b, source.port, destination.port,
                         wire::UdpOverIpv4{source.address, destination.address, true});
  wire::Ipv4Header h;
  h.protocol = wire::ip_protocol::kUdp;
  h.source = source.address;
  h.destination = destination.address;
  (void)wire::prependIpv4(b, h);
  return Bytes(b.data().begin(), b.data().end());
}

inline Bytes udpOverIpv6(const Ipv6Address& source, std::uint16_t source_port,
                         const Ipv6Address& destination, std::uint16_t destination_port,
                         ByteView payload) {
  PacketBuffer b;
  (void)b.assign(payload);
  (void)wire::prependUdp(b, source_port, destination_port, wire::UdpOverIpv6{source, destination});
  wire::Ipv6Header h;
  h.next_header = wire::ip_protocol::kUdp;
  h.source = source;
  h.destination = destination;
  (void)wire::prependIpv6(b, h);
  return Bytes(b.data().begin(), b.data().end());
}

inline Bytes sequencePayload(std::uint32_t sequence) {
  return Bytes{static_cast<std::uint8_t>(sequence >> 24), static_cast<std::uint8_t>(sequence >> 16),
               static_cast<std::uint8_t>(sequence >> 8), static_cast<std::uint8_t>(sequence)};
}
inline std::uint32_t sequenceOf(ByteView payload) {
  ByteReader r{payload};
  return r.u32();
}

/// A UDP-only NAT with endpoint-independent mappings (RFC 4787 §4.1) and an idle timeout.
class NatModel {
 public:
  NatModel(Ipv4Address public_address, Duration timeout)
      : public_address_(public_address), timeout_(timeout) {}

  /// Inside → outside: rewrites the source; nullopt if the packet cannot pass.
  std::optional<Bytes> outbound(ByteView packet, TimePoint now) {
    auto ip = wire::decodeIpv4(packet);
    if (!ip || ip->header.protocol != wire::ip_protocol::kUdp) return std::nullopt;
    auto udp = wire::decodeUdp(ip->payload);
    if (!udp) return std::nullopt;
    const Ipv4Endpoint inside{ip->header.source, udp->header.source_port};
    auto it = by_inside_.find(inside);
    if (it != by_inside_.end() && it->second.last_used + timeout_ < now) {
      by_port_.erase(it->second.public_port);
      by_inside_.erase(it);
      it = by_inside_.end();
    }
    if (it == by_inside_.end()) {
      const std::uint16_t port = next_port_++;
      it = by_inside_.emplace(inside, Mapping{port, now}).first;
      by_port_[port] = inside;
      ++mappings_created_;
    }
    it->second.last_used = now;
    return udpOverIpv4({public_address_, it->second.public_port},
                       {ip->header.destination, udp->header.destination_port}, udp->payload);
  }

  /// Outside → inside: rewrites the destination; nullopt without a live mapping.
  std::optional<Bytes> inbound(ByteView packet, TimePoint now) {
    auto ip = wire::decodeIpv4(packet);
    if (!ip || ip->header.protocol != wire::ip_protocol::kUdp) return std::nullopt;
    auto udp = wire::decodeUdp(ip->payload);
    if (!udp) return std::nullopt;
    const auto port = by_port_.find(udp->header.destination_port);
    if (port == by_port_.end()) return std::nullopt;
    auto mapping = by_inside_.find(port->second);
    if (mapping->second.last_used + timeout_ < now) return std::nullopt;
    mapping->second.last_used = now;
    return udpOverIpv4({ip->header.source, udp->header.source_port}, port->second, udp->payload);
  }

  /// Loses every mapping (a NAT reboot): the next outbound packet gets a new port.
  void reboot() {
    by_inside_.clear();
    by_port_.clear();
  }
  [[nodiscard]] std::size_t mappingsCreated() const { return mappings_created_; }

 private:
  struct Mapping {
    std::uint16_t public_port = 0;
    TimePoint last_used;
  };
  Ipv4Address public_address_;
  Duration timeout_;
  std::map<Ipv4Endpoint, Mapping> by_inside_;
  std::map<std::uint16_t, Ipv4Endpoint> by_port_;
  std::uint16_t next_port_ = 40000;
  std::size_t mappings_created_ = 0;
};

class Dsmip4Sim {
 public:
  explicit Dsmip4Sim(SimOptions options = {})
      : options_(std::move(options)),
        ha_(simHomeAgentConfig(options_.ha_keepalive)),
        mn_(options_.mobile_node, random_),
        nat_(kNatAddress, options_.nat_timeout) {}

  [[nodiscard]] TimePoint now() const { return now_; }
  [[nodiscard]] TimePoint start() const { return TimePoint{}; }
  HomeAgent& homeAgent() { return ha_; }
  MobileNode& mobileNode() { return mn_; }
  NatModel& nat() { return nat_; }
  [[nodiscard]] Network network() const { return network_; }

  /// Runs events and core timers up to `end` (inclusive).
  void runUntil(TimePoint end) {
    std::size_t steps_at_this_time = 0;
    TimePoint last = now_;
    for (;;) {
      // A core whose deadline does not move after onTimer() would spin here forever.
      steps_at_this_time = now_ == last ? steps_at_this_time + 1 : 0;
      last = now_;
      if (steps_at_this_time > 100'000) {
        ADD_FAILURE() << "simulation stuck at " << toSeconds(now_ - TimePoint{}) << " s";
        return;
      }
      const std::optional<TimePoint> event =
          events_.empty() ? std::nullopt : std::optional<TimePoint>{events_.begin()->first.first};
      const std::optional<TimePoint> timer = earliest(ha_.nextDeadline(), mn_.nextDeadline());
      const std::optional<TimePoint> next = earliest(event, timer);
      if (!next || *next > end) break;
      now_ = std::max(now_, *next);
      if (timer && (!event || *timer <= *event)) {
        if (ha_.nextDeadline() && *ha_.nextDeadline() <= now_) {
          executeHomeAgent(ha_.onTimer(now_));
        }
        if (mn_.nextDeadline() && *mn_.nextDeadline() <= now_) {
          executeMobileNode(mn_.onTimer(now_, mnUnixTime()));
        }
      } else {
        auto node = events_.extract(events_.begin());
        node.mapped()();
      }
    }
    now_ = std::max(now_, end);
  }
  void runFor(Duration d) { runUntil(now_ + d); }

  /// Attaches the MN to `network` now (None: detached). The daemon would see the address on
  /// its interface and tell the core.
  void attach(Network network) {
    network_ = network;
    std::optional<CareOfAddress> coa;
    if (network == Network::Public) coa = CareOfAddress{kPublicCoa, kMnPort, "eth0"};
    if (network == Network::Private) coa = CareOfAddress{kPrivateCoa, kMnPort, "wlan0"};
    executeMobileNode(mn_.onCareOfChange(coa, now_, mnUnixTime()));
  }
  /// Moves: the old link goes at once, the new address comes `link_delay` later.
  void move(Network to, Duration link_delay) {
    attach(Network::None);
    at(now_ + link_delay, [this, to] { attach(to); });
  }

  /// Numbered UDP echoes from the correspondent every `interval` in [from, until), to the home
  /// address (IPv4) or to the prefix address (IPv6).
  void startEchoes(bool ipv6, TimePoint from, TimePoint until, Duration interval) {
    for (TimePoint t = from; t < until; t += interval) {
      at(t, [this, ipv6] { sendEcho(ipv6); });
    }
  }
  struct EchoLog {
    std::uint32_t sent = 0;
    std::map<std::uint32_t, TimePoint> sent_at;
    std::map<std::uint32_t, TimePoint> answered_at;
    /// The longest time without an answer between two answered echoes, measured between the
    /// sending times of consecutive answered echoes (so the echo interval is the resolution).
    [[nodiscard]] Duration longestGap() const {
      Duration gap{0};
      std::optional<TimePoint> previous;
      for (const auto& [sequence, sent_time] : sent_at) {
        if (!answered_at.contains(sequence)) continue;
        if (previous) gap = std::max(gap, sent_time - *previous);
        previous = sent_time;
      }
      return gap;
    }
    [[nodiscard]] std::size_t lost() const { return sent - answered_at.size(); }
  };
  EchoLog& echoes(bool ipv6) { return ipv6 ? echoes6_ : echoes4_; }

  [[nodiscard]] const std::vector<std::string>& log() const { return log_; }
  [[nodiscard]] std::size_t droppedInNetwork() const { return dropped_; }

 private:
  using Event = std::function<void()>;

  void at(TimePoint t, Event e) { events_.emplace(std::make_pair(t, sequence_++), std::move(e)); }
  std::chrono::nanoseconds haUnixTime() const { return kUnixStart + (now_ - TimePoint{}); }
  std::chrono::nanoseconds mnUnixTime() const {
    return haUnixTime() +
           std::chrono::duration_cast<std::chrono::nanoseconds>(options_.mn_clock_offset);
  }

  // --- correspondent ---------------------------------------------------------------------
  void sendEcho(bool ipv6) {
    EchoLog& log = echoes(ipv6);
    const std::uint32_t sequence = log.sent++;
    log.sent_at[sequence] = now_;
    const Bytes payload = sequencePayload(sequence);
    Bytes packet = ipv6 ? udpOverIpv6(kCorrespondent6, 5000, kMnAddress6, kEchoPort, payload)
                        : udpOverIpv4({kCorrespondent, 5000}, {kHoa, kEchoPort}, payload);
    at(now_ + options_.home_delay, [this, packet] { homeAgentFromHome(packet); });
  }
  void correspondentReceive(const Bytes& packet) {
    const unsigned version = packet.empty() ? 0 : packet[0] >> 4;
    ByteView payload;
    if (version == 4) {
      auto ip = wire::decodeIpv4(packet);
      if (!ip || ip->header.destination != kCorrespondent) return;
      auto udp = wire::decodeUdp(ip->payload);
      if (!udp || udp->header.source_port != kEchoPort) return;
      payload = udp->payload;
    } else if (version == 6) {
      auto ip = wire::decodeIpv6(packet);
      if (!ip || ip->header.destination != kCorrespondent6) return;
      auto udp = wire::decodeUdp(ip->upper_layer);
      if (!udp || udp->header.source_port != kEchoPort) return;
      payload = udp->payload;
    } else {
      return;
    }
    EchoLog& log = echoes(version == 6);
    log.answered_at.emplace(sequenceOf(payload), now_);
  }

  // --- home agent ------------------------------------------------------------------------
  void homeAgentFromHome(const Bytes& packet) {
    PacketBuffer b;
    (void)b.assign(packet);
    const SendDecision d = ha_.forwardFromHome(b, now_);
    if (d.verdict != SendVerdict::Tunnel) return;
    if (!applyEncapsulation(b, d.encapsulation)) return;
    fromHomeAgent(Bytes(b.data().begin(), b.data().end()));
  }
  void homeAgentReceive(const Bytes& packet) {
    auto ip = wire::decodeIpv4(packet);
    if (!ip) return;
    PacketBuffer b;
    ReceiveDecision d;
    if (ip->header.protocol == wire::ip_protocol::kUdp) {
      auto udp = wire::decodeUdp(ip->payload);
      if (!udp || udp->header.destination_port != wire::kMipv4Port) return;
      const DatagramAddresses addresses{{ip->header.source, udp->header.source_port},
                                        {ip->header.destination, udp->header.destination_port}};
      const auto type = peekMipv4MessageType(udp->payload);
      if (type == wire::Mipv4MessageType::RegistrationRequest) {
        executeHomeAgent(ha_.onRegistrationRequest(udp->payload, addresses, now_, haUnixTime()));
        return;
      }
      if (type != wire::Mipv4MessageType::TunnelData) return;
      (void)b.assign(udp->payload);
      d = ha_.onUdpTunnelData(b, addresses, ip->header.tos, now_);
    } else {
      (void)b.assign(packet);
      d = ha_.onTunnelPacket(b, now_);
    }
    if (d.verdict == ReceiveVerdict::Deliver) {
      const Bytes inner(b.data().begin(), b.data().end());
      at(now_ + options_.home_delay, [this, inner] { correspondentReceive(inner); });
    } else if (d.verdict == ReceiveVerdict::Reply) {
      if (applyEncapsulation(b, d.reply)) fromHomeAgent(Bytes(b.data().begin(), b.data().end()));
    }
  }
  void executeHomeAgent(const HomeAgentActions& actions) {
    for (const auto& a : actions) {
      if (const auto* s = std::get_if<SendDatagram>(&a)) {
        fromHomeAgent(udpOverIpv4(s->source, s->destination, s->payload));
      } else if (const auto* l = std::get_if<LogEvent>(&a)) {
        log_.push_back("ha: " + l->message);
      }
    }
  }
  /// A packet leaving the HA towards the Internet.
  void fromHomeAgent(const Bytes& packet) {
    auto ip = wire::decodeIpv4(packet);
    if (!ip) return;
    const Ipv4Address destination = ip->header.destination;
    at(now_ + options_.core_delay, [this, packet, destination] {
      if (destination == kNatAddress) {
        auto inside = nat_.inbound(packet, now_);
        if (!inside) {
          ++dropped_;
          return;
        }
        at(now_ + options_.access_delay,
           [this, p = *inside] { mobileNodeReceive(p, Network::Private); });
      } else if (destination == kPublicCoa) {
        at(now_ + options_.access_delay,
           [this, packet] { mobileNodeReceive(packet, Network::Public); });
      } else {
        ++dropped_;
      }
    });
  }

  // --- mobile node -----------------------------------------------------------------------
  void executeMobileNode(const MobileNodeActions& actions) {
    for (const auto& a : actions) {
      if (const auto* s = std::get_if<SendDatagram>(&a)) {
        fromMobileNode(udpOverIpv4(s->source, s->destination, s->payload));
      } else if (const auto* l = std::get_if<LogEvent>(&a)) {
        log_.push_back("mn: " + l->message);
      }
    }
  }
  /// A packet leaving the MN on its current link (lost without one, or from a stale address).
  void fromMobileNode(const Bytes& packet) {
    auto ip = wire::decodeIpv4(packet);
    const Ipv4Address current = network_ == Network::Public    ? kPublicCoa
                                : network_ == Network::Private ? kPrivateCoa
                                                               : Ipv4Address{};
    if (!ip || network_ == Network::None || ip->header.source != current) {
      ++dropped_;
      return;
    }
    const Network network = network_;
    at(now_ + options_.access_delay, [this, packet, network] {
      Bytes out = packet;
      if (network == Network::Private) {
        auto translated = nat_.outbound(packet, now_);
        if (!translated) {
          ++dropped_;
          return;
        }
        out = std::move(*translated);
      }
      at(now_ + options_.core_delay, [this, out] { homeAgentReceive(out); });
    });
  }
  void mobileNodeReceive(const Bytes& packet, Network network) {
    if (network != network_) {  // the MN has left that link
      ++dropped_;
      return;
    }
    auto ip = wire::decodeIpv4(packet);
    if (!ip) return;
    PacketBuffer b;
    ReceiveDecision d;
    if (ip->header.protocol == wire::ip_protocol::kUdp) {
      auto udp = wire::decodeUdp(ip->payload);
      if (!udp || udp->header.destination_port != kMnPort) return;
      const Ipv4Endpoint source{ip->header.source, udp->header.source_port};
      const auto type = peekMipv4MessageType(udp->payload);
      if (type == wire::Mipv4MessageType::RegistrationReply) {
        executeMobileNode(mn_.onRegistrationReply(udp->payload, source, now_, mnUnixTime()));
        return;
      }
      if (type != wire::Mipv4MessageType::TunnelData) return;
      (void)b.assign(udp->payload);
      d = mn_.onUdpTunnelData(b, source, ip->header.tos, now_);
    } else {
      (void)b.assign(packet);
      d = mn_.onTunnelPacket(b, now_);
    }
    if (d.verdict == ReceiveVerdict::Deliver) {
      mobileNodeApplication(Bytes(b.data().begin(), b.data().end()));
    }
  }
  /// The MN's applications: answer echoes to the home address and to the prefix address.
  void mobileNodeApplication(const Bytes& packet) {
    Bytes answer;
    if ((packet[0] >> 4) == 4) {
      auto ip = wire::decodeIpv4(packet);
      if (!ip) return;
      auto udp = wire::decodeUdp(ip->payload);
      if (!udp || udp->header.destination_port != kEchoPort) return;
      answer = udpOverIpv4({ip->header.destination, kEchoPort},
                           {ip->header.source, udp->header.source_port}, udp->payload);
    } else {
      auto ip = wire::decodeIpv6(packet);
      if (!ip) return;
      auto udp = wire::decodeUdp(ip->upper_layer);
      if (!udp || udp->header.destination_port != kEchoPort) return;
      answer = udpOverIpv6(ip->header.destination, kEchoPort, ip->header.source,
                           udp->header.source_port, udp->payload);
    }
    PacketBuffer b;
    (void)b.assign(answer);
    const SendDecision d = mn_.encapsulate(b, now_);
    if (d.verdict != SendVerdict::Tunnel || !applyEncapsulation(b, d.encapsulation)) return;
    fromMobileNode(Bytes(b.data().begin(), b.data().end()));
  }

  SimOptions options_;
  SeededRandom random_{2024};
  HomeAgent ha_;
  MobileNode mn_;
  NatModel nat_;
  TimePoint now_{};
  Network network_ = Network::None;
  std::map<std::pair<TimePoint, std::uint64_t>, Event> events_;
  std::uint64_t sequence_ = 0;
  EchoLog echoes4_;
  EchoLog echoes6_;
  std::vector<std::string> log_;
  std::size_t dropped_ = 0;
};

}  // namespace dsmip::dsmip4::sim
