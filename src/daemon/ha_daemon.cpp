#include "daemon/ha_daemon.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "daemon/dsmip6_esp.hpp"
#include "daemon/dsmip6_payload.hpp"
#include "daemon/dsmip6_signalling.hpp"
#include "daemon/ha_status.hpp"
#include "daemon/logging.hpp"
#include "daemon/runtime.hpp"
#include "dsmip6/home_agent.hpp"
#include "platform/clock.hpp"
#include "platform/nd_advertiser.hpp"
#include "platform/random.hpp"
#include "platform/raw_socket.hpp"
#include "platform/sysctl.hpp"
#include "platform/tun.hpp"
#include "platform/udp_socket.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::daemon {

namespace {

namespace ip = wire::ip_protocol;

constexpr std::size_t kBatch = 64;
// Batches handled per readiness callback before the other descriptors get a turn.
constexpr int kBatchesPerWakeup = 8;
constexpr int kSocketBuffer = 8 << 20;
constexpr std::size_t kEventKinds = 64;

std::string packetSummary(ByteView packet) {
  const auto h = dsmip6::peekIpHeader(packet);
  if (!h) return fmt::format("{} octets, not IP", packet.size());
  if (h->version == 6) {
    return fmt::format("{} -> {} proto {}", h->source6.toString(), h->destination6.toString(),
                       h->protocol);
  }
  return fmt::format("{} -> {} proto {}", h->source4.toString(), h->destination4.toString(),
                     h->protocol);
}

class HaDaemon {
 public:
  HaDaemon(const HaDaemonConfig& config, DaemonRuntime& runtime)
      : config_(config),
        runtime_(runtime),
        core_(config.core, random_),
        esp_(config.esp.configured()
                 ? std::make_unique<EspSignallingFilter>(random_, EspPeer::MobileNode)
                 : nullptr),
        path_(esp_ ? static_cast<SignallingFilter&>(*esp_) : pass_),
        deadline_(runtime.loop(), [this](TimePoint now) { onTimer(now); }),
        filter_deadline_(runtime.loop(), [this](TimePoint now) { onFilterTimer(now); }),
        drop_log_(dsmip6::kDropReasonCount),
        event_log_(kEventKinds, 5.0, 20.0) {
    tun_buffers_.resize(kBatch);
    udp_buffers_.resize(kBatch);
    udp_meta_.resize(kBatch);
    raw_buffers_.resize(kBatch);
    raw_meta_.resize(kBatch);
    raw_out_.reserve(kBatch);
  }

  Status start();
  void stop();
  std::string handleControl(std::string_view request);
  /// The Live keys of a reloaded configuration.
  void reconfigure(const HaDaemonConfig& fresh, const ConfigChanges& live);

 private:
  void onTunReadable();
  void onUdpReadable();
  void onRawReadable(platform::RawIpv4Receiver& receiver);
  void onTimer(TimePoint now);
  void onFilterTimer(TimePoint now);
  void execute(dsmip6::HomeAgentActions actions, TimePoint now);
  void apply(const dsmip6::PacketDecision& d, PacketBuffer& buffer, TimePoint now,
             bool decrypted = false);
  void payloadFromTunnel(PacketBuffer& buffer, const dsmip6::Transport& transport, TimePoint now);
  void sendSignalling(const dsmip6::SendSignalling& send, TimePoint now);
  void flushRaw();
  void writeTun(ByteView packet);
  void logDrop(dsmip6::DropReason reason, ByteView packet, TimePoint now);
  void intercept6(const dsmip6::InterceptIpv6Address& a);
  void intercept4(const dsmip6::InterceptIpv4Address& a);
  void announce(const Ipv6Address& address, bool router);
  void routePrefix(const platform::IpPrefix& prefix, bool enable);
  void systemError(std::string_view what, const Error& error);
  void follow() {
    deadline_.follow(core_.nextDeadline());
    filter_deadline_.follow(path_.filter().nextDeadline());
  }

  const HaDaemonConfig& config_;
  DaemonRuntime& runtime_;
  platform::SystemRandom random_;
  dsmip6::HomeAgent core_;
  // The IPsec stage: ESP when [[esp_sa]]/[[esp_policy]] are configured, else pass-through.
  std::unique_ptr<EspSignallingFilter> esp_;
  PassThroughFilter pass_;
  SequenceStore sequence_store_{config_.esp.state_directory, "ha"};
  SignallingPath path_;
  // Tunnel-mode ESP for payload (draft Req. #1), when a tunnel-mode SA is configured.
  std::optional<EspPayloadStage> payload_;
  DeadlineTimer deadline_;
  // Time-driven work of the IPsec stage (SA lifetimes in seconds), with or without traffic.
  DeadlineTimer filter_deadline_;
  int home_ifindex_ = 0;
  std::optional<platform::TunDevice> tun_;
  std::optional<platform::UdpSocket> udp_;
  std::optional<platform::RawIpv4Receiver> raw41_;
  std::optional<platform::RawIpv4Receiver> raw4_;
  std::optional<platform::RawIpv4Sender> raw_sender_;
  std::vector<platform::FdWatch> watches_;
  std::map<Ipv6Address, platform::ProxyNeighbour> proxied6_;
  // RFC 6275 §10.4.1: an unsolicited Neighbor Advertisement (Override) when interception of a
  // home address starts, so that nodes on the home link (a mobile node that was at home left
  // its link-layer address in their caches) send to the home agent at once.
  std::optional<platform::NeighbourAdvertiser> advertiser_;
  std::uint64_t neighbour_advertisements_ = 0;
  std::map<Ipv4Address, platform::ProxyNeighbour> proxied4_;
  std::vector<PacketBuffer> tun_buffers_;
  std::vector<PacketBuffer> udp_buffers_;
  std::vector<platform::ReceivedDatagram> udp_meta_;
  std::vector<PacketBuffer> raw_buffers_;
  std::vector<platform::RawPacketInfo> raw_meta_;
  std::vector<ByteView> raw_out_;  // IPv4-outer packets of the current batch
  PacketBuffer scratch_;           // outbound signalling
  std::uint16_t identification_ = 0;
  DropLog drop_log_;
  DropLog event_log_;
  // Failures around the core (the core counts what it decides).
  std::uint64_t tun_write_errors_ = 0;
  std::uint64_t raw_send_errors_ = 0;
  std::uint64_t raw_send_would_block_ = 0;
  std::uint64_t udp_send_errors_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t system_errors_ = 0;
  std::uint64_t udp_icmp_errors_ = 0;
};

void HaDaemon::systemError(std::string_view what, const Error& error) {
  ++system_errors_;
  log::error("{}: {}", what, error.toString());
}

Status HaDaemon::start() {
  if (esp_) {
    // Manual SAs and the SPD before any socket: a BU never leaves unprotected.
    if (Status s = sequence_store_.prepare(); !s) return s;
    if (Status s = esp_->install(config_.esp.built, platform::monotonicNow(), &sequence_store_);
        !s) {
      return s;
    }
    esp_->nameSecurityAssociations(config_.esp.sas);
    log::info("ESP: {} security association(s), {} policy entries", config_.esp.built.sas.size(),
              config_.esp.built.policies.size());
    payload_.emplace(*esp_, TunnelEnd::HomeAgent);
    if (payload_->active()) log::info("ESP: tunnel-mode payload protection per the SPD");
  }
  platform::Netlink& nl = runtime_.netlink();
  auto home = nl.linkIndex(config_.home_interface);
  if (!home) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("home_interface: no interface '{}'", config_.home_interface));
  }
  home_ifindex_ = *home;

  // Sockets first: failing to bind changes nothing on the system.
  if (config_.core.ipv4_address) {
    platform::UdpSocketOptions options;
    options.buffer_bytes = kSocketBuffer;
    options.pmtu_discovery = platform::PmtuDiscovery::Dont;
    const Ipv4Endpoint bind{*config_.core.ipv4_address, config_.core.udp_port};
    auto udp = platform::UdpSocket::open(platform::IpEndpoint{bind}, options);
    if (!udp) {
      return makeError(ErrorCode::SystemError,
                       fmt::format("cannot listen on {} (ipv4_address must be local): {}",
                                   bind.toString(), udp.error().toString()));
    }
    udp_ = std::move(*udp);
    platform::RawSocketOptions raw;
    raw.buffer_bytes = kSocketBuffer;
    auto r41 = platform::RawIpv4Receiver::open(ip::kIpv6, raw);
    if (!r41) return Unexpected{r41.error()};
    raw41_ = std::move(*r41);
    auto r4 = platform::RawIpv4Receiver::open(ip::kIpv4, raw);
    if (!r4) return Unexpected{r4.error()};
    raw4_ = std::move(*r4);
    auto sender = platform::RawIpv4Sender::open(raw);
    if (!sender) return Unexpected{sender.error()};
    raw_sender_ = std::move(*sender);
  }

  auto tun = platform::TunDevice::open(config_.tun);
  if (!tun) {
    return makeError(ErrorCode::SystemError, fmt::format("cannot create TUN device {}: {}",
                                                         config_.tun, tun.error().toString()));
  }
  tun_ = std::move(*tun);
  // No link-local address, router solicitations or MLD reports on the TUN device.
  (void)platform::writeSysctl(platform::ipv6ConfKey(tun_->name(), "addr_gen_mode"), "1");
  std::uint32_t tun_mtu = config_.tun_mtu;
  if (payload_ && payload_->active()) {
    // tun_mtu is sized for the plain tunnel headers; payload ESP adds its own IPv6 header and
    // ESP overhead inside them (a packet the kernel cannot fit gets a Packet Too Big here).
    tun_mtu = std::max<std::uint32_t>(1280, tun_mtu - std::min(tun_mtu, kPayloadEspOverhead));
    log::info("{} MTU {}: tun_mtu less the payload ESP overhead", config_.tun, tun_mtu);
  }
  if (Status s = nl.setLinkMtu(tun_->ifindex(), tun_mtu); !s) return s;
  if (Status s = nl.setLinkUp(tun_->ifindex(), true); !s) return s;

  // Proxy ND needs forwarding and proxy_ndp on the home link; proxy ARP needs forwarding and
  // a route through another interface (the TUN). Answers without the random delay.
  platform::InstalledState& installed = runtime_.installed();
  const std::string& home_if = config_.home_interface;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"net/ipv6/conf/all/forwarding", "1"},
           {platform::ipv6ConfKey(home_if, "forwarding"), "1"},
           {platform::ipv6ConfKey(home_if, "proxy_ndp"), "1"},
           {platform::ipv6NeighKey(home_if, "proxy_delay"), "0"}}) {
    if (Status s = installed.setSysctl(key, value); !s) return s;
  }
  if (config_.core.ipv4_address) {
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"net/ipv4/conf/all/forwarding", "1"},
             {platform::ipv4NeighKey(home_if, "proxy_delay"), "0"},
             // Decapsulated packets enter through the TUN from sources routed elsewhere only
             // for a moment during a handover; do not drop them by reverse-path filtering.
             {platform::ipv4ConfKey(tun_->name(), "rp_filter"), "0"}}) {
      if (Status s = installed.setSysctl(key, value); !s) return s;
    }
  }

  platform::EventLoop& loop = runtime_.loop();
  auto tw = platform::FdWatch::create(loop, tun_->fd(), platform::Interest::Read,
                                      [this](platform::IoEvents) { onTunReadable(); });
  if (!tw) return Unexpected{tw.error()};
  watches_.push_back(std::move(*tw));
  if (udp_) {
    auto uw = platform::FdWatch::create(loop, udp_->fd(), platform::Interest::Read,
                                        [this](platform::IoEvents ev) {
                                          if (ev.error) {
                                            for (int i = 0; i < 64; ++i) {
                                              auto e = udp_->readError();
                                              if (!e || !*e) break;
                                              ++udp_icmp_errors_;
                                            }
                                          }
                                          if (ev.readable) onUdpReadable();
                                        });
    if (!uw) return Unexpected{uw.error()};
    watches_.push_back(std::move(*uw));
    for (platform::RawIpv4Receiver* r : {&*raw41_, &*raw4_}) {
      auto rw = platform::FdWatch::create(loop, r->fd(), platform::Interest::Read,
                                          [this, r](platform::IoEvents) { onRawReadable(*r); });
      if (!rw) return Unexpected{rw.error()};
      watches_.push_back(std::move(*rw));
    }
  }

  const TimePoint now = platform::monotonicNow();
  execute(core_.onStart(now), now);
  std::string prefixes;
  for (const auto& p : config_.core.home_prefixes) prefixes += " " + p.toString();
  log::info(
      "home agent up: address {} (routed into {}), IPv4 {} port {}, home link {} (prefixes{}), "
      "{} mobile node(s) configured",
      config_.core.address.toString(), tun_->name(),
      config_.core.ipv4_address ? config_.core.ipv4_address->toString() : "none",
      config_.core.udp_port, config_.home_interface, prefixes, config_.core.mobile_nodes.size());
  follow();
  return {};
}

void HaDaemon::stop() {
  const TimePoint now = platform::monotonicNow();
  execute(core_.onStop(now), now);
}

void HaDaemon::writeTun(ByteView packet) {
  if (Status s = tun_->writePacket(packet); !s) ++tun_write_errors_;
}

void HaDaemon::flushRaw() {
  if (raw_out_.empty()) return;
  if (raw_sender_) {
    const platform::SendBatchResult r = raw_sender_->sendBatch(raw_out_);
    raw_send_errors_ += r.failed;
    if (r.consumed < raw_out_.size()) raw_send_would_block_ += raw_out_.size() - r.consumed;
  }
  raw_out_.clear();
}

void HaDaemon::logDrop(dsmip6::DropReason reason, ByteView packet, TimePoint now) {
  const auto r = static_cast<std::size_t>(reason);
  const LogLevel level = reason == dsmip6::DropReason::NoBinding ? LogLevel::Debug : LogLevel::Warn;
  if (!log::enabled(level) || !drop_log_.allow(r, now)) return;
  log::write(level, fmt::format("drop {}: {}{}", dsmip6::dropReasonName(reason),
                                packetSummary(packet), drop_log_.suffix(r)));
}

void HaDaemon::apply(const dsmip6::PacketDecision& d, PacketBuffer& buffer, TimePoint now,
                     bool decrypted) {
  if (d.verdict == dsmip6::Verdict::Drop) {
    logDrop(d.drop_reason, buffer.data(), now);
    return;
  }
  // Keep exactly the inner packet (or, to encapsulate, the packet itself) in the buffer.
  if (!buffer.trimFront(d.inner_offset) || !buffer.trimBack(buffer.size() - d.inner_length)) {
    ++truncated_;
    return;
  }
  switch (d.verdict) {
    case dsmip6::Verdict::Encapsulate: {
      // Payload ESP (Req. #1): protected and re-addressed for the binding, or the plain tunnel.
      dsmip6::TunnelHeaders tunnel = d.tunnel;
      const auto step =
          payload_ ? payload_->protect(buffer, tunnel, now) : EspPayloadStage::Outcome::Plain;
      if (step == EspPayloadStage::Outcome::Dropped) return;
      if (step == EspPayloadStage::Outcome::Plain &&
          !dsmip6::prependTunnelHeaders(buffer, tunnel)) {
        ++truncated_;
        return;
      }
      if (tunnel.encapsulation == dsmip6::Encapsulation::Ipv6) {
        writeTun(buffer.data());  // the kernel forwards it to the care-of address
      } else {
        raw_out_.push_back(buffer.data());  // IPv4 outer: IP-in-IPv4 or UDP, as decided
      }
      break;
    }
    case dsmip6::Verdict::Deliver:
      // Cleartext payload that a protect entry covers must have come through ESP.
      if (!decrypted && payload_ && !payload_->admitClear(buffer, now)) return;
      if (d.rewrite_traffic_class) {
        (void)dsmip6::applyInnerTrafficClass(buffer.mutableData(), d.traffic_class);
      }
      writeTun(buffer.data());  // the kernel forwards the mobile node's packet on
      break;
    case dsmip6::Verdict::Signalling: {
      // ESP on a tunnel-mode SA is payload, told apart by its SPI (Req. #1).
      if (!decrypted && payload_ && payload_->isPayloadEsp(buffer.data())) {
        payloadFromTunnel(buffer, d.transport, now);
        break;
      }
      // Tunnel interface → IPsec stage → protocol module.
      auto inbound = path_.receive(buffer, d.transport, now);
      if (inbound) execute(core_.onSignalling(buffer.data(), *inbound, now), now);
      break;
    }
    case dsmip6::Verdict::Drop:
      break;
  }
}

void HaDaemon::payloadFromTunnel(PacketBuffer& buffer, const dsmip6::Transport& transport,
                                 TimePoint now) {
  // Decrypted, the inner packet passes the same ingress checks as tunnelled payload: outer
  // source (and port) of the binding, inner source, ECN (RFC 6275 §10.4.5, RFC 5555 §4.5).
  const auto tunnelled = payload_->open(buffer, transport, now);
  if (tunnelled) apply(core_.onTunnelledPacket(*tunnelled), buffer, now, true);
}

void HaDaemon::onTunReadable() {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = tun_->readBatch(tun_buffers_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      PacketBuffer& packet = tun_buffers_[i];
      apply(core_.onTunPacket(packet.data()), packet, now);
    }
    flushRaw();
    if (*n < kBatch) break;
  }
  follow();
}

void HaDaemon::onUdpReadable() {
  for (int round = 0; round < kBatchesPerWakeup && udp_; ++round) {
    auto n = udp_->receiveBatch(udp_buffers_, udp_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      const platform::ReceivedDatagram& meta = udp_meta_[i];
      const auto* from = std::get_if<Ipv4Endpoint>(&meta.source);
      const auto* to = std::get_if<Ipv4Address>(&meta.destination);
      if (from == nullptr || to == nullptr || meta.truncated) {
        ++truncated_;
        continue;
      }
      PacketBuffer& payload = udp_buffers_[i];
      dsmip6::TunnelledPacket t;
      t.outer = dsmip6::Encapsulation::Udp;
      t.ipv4_source = *from;
      t.ipv4_destination = Ipv4Endpoint{*to, config_.core.udp_port};
      t.traffic_class = meta.tos;
      t.payload = payload.data();
      apply(core_.onTunnelledPacket(t), payload, now);
    }
    flushRaw();
    if (*n < kBatch) break;
  }
  follow();
}

void HaDaemon::onRawReadable(platform::RawIpv4Receiver& receiver) {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = receiver.receiveBatch(raw_buffers_, raw_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      if (raw_meta_[i].truncated) {
        ++truncated_;
        continue;
      }
      PacketBuffer& packet = raw_buffers_[i];
      apply(core_.onIpv4Packet(packet.data()), packet, now);
    }
    flushRaw();
    if (*n < kBatch) break;
  }
  follow();
}

void HaDaemon::onTimer(TimePoint now) {
  execute(core_.onTimer(now), now);
  follow();
}

void HaDaemon::onFilterTimer(TimePoint now) {
  path_.filter().onTimer(now);
  follow();
}

void HaDaemon::sendSignalling(const dsmip6::SendSignalling& send, TimePoint now) {
  // Protocol module → IPsec stage → tunnel interface → socket.
  auto prepared = path_.prepare(send, scratch_, identification_++, now);
  if (!prepared) return;
  switch (prepared->socket) {
    case SignallingSocket::RawIpv6:
      // The HA address is not local: the kernel forwards what the TUN hands it.
      writeTun(prepared->bytes);
      break;
    case SignallingSocket::Udp:
      if (!udp_) {
        ++udp_send_errors_;
        break;
      }
      if (Status s =
              udp_->sendTo(platform::IpEndpoint{send.transport.ipv4_destination}, prepared->bytes);
          !s) {
        ++udp_send_errors_;
      }
      break;
    case SignallingSocket::RawIpv4:
      if (!raw_sender_ || !raw_sender_->send(prepared->bytes)) ++raw_send_errors_;
      break;
  }
}

void HaDaemon::intercept6(const dsmip6::InterceptIpv6Address& a) {
  platform::InstalledState& installed = runtime_.installed();
  platform::Route route;
  route.destination = Ipv6Prefix{a.address, 128};
  route.ifindex = tun_->ifindex();
  route.metric = config_.route_metric;
  if (a.enable) {
    const platform::ProxyNeighbour proxy{home_ifindex_, a.address, a.router};
    if (auto it = proxied6_.find(a.address); it != proxied6_.end() && !(it->second == proxy)) {
      (void)installed.removeProxyNeighbour(it->second);  // the Router flag changed
      proxied6_.erase(it);
    }
    if (!proxied6_.count(a.address)) {
      if (Status s = installed.addProxyNeighbour(proxy, platform::IfExists::Adopt); !s) {
        systemError(
            fmt::format("proxy ND for {} on {}", a.address.toString(), config_.home_interface),
            s.error());
      } else {
        proxied6_.emplace(a.address, proxy);
        announce(a.address, a.router);
      }
    }
    if (Status s = installed.addRoute(route, platform::IfExists::Adopt); !s) {
      systemError(fmt::format("route {} into {}", a.address.toString(), tun_->name()), s.error());
    }
    log::debug("intercepting {} on {}{}", a.address.toString(), config_.home_interface,
               a.router ? " (router)" : "");
  } else {
    if (auto it = proxied6_.find(a.address); it != proxied6_.end()) {
      (void)installed.removeProxyNeighbour(it->second);
      proxied6_.erase(it);
    }
    (void)installed.removeRoute(route);
    log::debug("no longer intercepting {}", a.address.toString());
  }
}

void HaDaemon::announce(const Ipv6Address& address, bool router) {
  if (!advertiser_) {
    auto advertiser = platform::NeighbourAdvertiser::open(home_ifindex_);
    if (!advertiser) {
      systemError(fmt::format("neighbour advertisements on {}", config_.home_interface),
                  advertiser.error());
      return;
    }
    advertiser_ = std::move(*advertiser);
  }
  if (Status s = advertiser_->announce(address, router); !s) {
    ++raw_send_errors_;
    log::debug("neighbour advertisement for {}: {}", address.toString(), s.error().toString());
    return;
  }
  ++neighbour_advertisements_;
}

void HaDaemon::intercept4(const dsmip6::InterceptIpv4Address& a) {
  platform::InstalledState& installed = runtime_.installed();
  platform::Route route;
  route.destination = Ipv4Prefix{a.address, 32};
  route.ifindex = tun_->ifindex();
  route.metric = config_.route_metric;
  const platform::ProxyNeighbour proxy{home_ifindex_, a.address, false};
  if (a.enable) {
    // The route first: proxy ARP answers only for addresses routed through another interface.
    if (Status s = installed.addRoute(route, platform::IfExists::Adopt); !s) {
      systemError(fmt::format("route {} into {}", a.address.toString(), tun_->name()), s.error());
    }
    if (!proxied4_.count(a.address)) {
      if (Status s = installed.addProxyNeighbour(proxy, platform::IfExists::Adopt); !s) {
        systemError(
            fmt::format("proxy ARP for {} on {}", a.address.toString(), config_.home_interface),
            s.error());
      } else {
        proxied4_.emplace(a.address, proxy);
      }
    }
  } else {
    if (proxied4_.erase(a.address) > 0) (void)installed.removeProxyNeighbour(proxy);
    (void)installed.removeRoute(route);
  }
}

void HaDaemon::routePrefix(const platform::IpPrefix& prefix, bool enable) {
  platform::Route route;
  route.destination = prefix;
  route.ifindex = tun_->ifindex();
  route.metric = config_.route_metric;
  if (enable) {
    if (Status s = runtime_.installed().addRoute(route, platform::IfExists::Adopt); !s) {
      systemError(fmt::format("route {} into {}", platform::toString(prefix), tun_->name()),
                  s.error());
    }
  } else {
    (void)runtime_.installed().removeRoute(route);
  }
}

void HaDaemon::execute(dsmip6::HomeAgentActions actions, TimePoint now) {
  for (dsmip6::HomeAgentAction& action : actions) {
    if (auto* send = std::get_if<dsmip6::SendSignalling>(&action)) {
      sendSignalling(*send, now);
    } else if (auto* i6 = std::get_if<dsmip6::InterceptIpv6Address>(&action)) {
      intercept6(*i6);
    } else if (auto* i4 = std::get_if<dsmip6::InterceptIpv4Address>(&action)) {
      intercept4(*i4);
    } else if (auto* r6 = std::get_if<dsmip6::RouteIpv6Prefix>(&action)) {
      routePrefix(platform::IpPrefix{r6->prefix}, r6->enable);
    } else if (auto* r4 = std::get_if<dsmip6::RouteIpv4Prefix>(&action)) {
      routePrefix(platform::IpPrefix{r4->prefix}, r4->enable);
    } else if (auto* e = std::get_if<dsmip6::Event>(&action)) {
      const auto kind = static_cast<std::size_t>(e->kind) % kEventKinds;
      if (log::enabled(e->level) && event_log_.allow(kind, now)) {
        log::write(e->level, fmt::format("{}: {}{}", dsmip6::eventKindName(e->kind), e->message,
                                         event_log_.suffix(kind)));
      }
    }
  }
}

void HaDaemon::reconfigure(const HaDaemonConfig& fresh, const ConfigChanges& live) {
  applyLogLevel(live, fresh.log_level);
  if (live.size() == 1 && changed(live, "log-level")) return;
  const TimePoint now = platform::monotonicNow();
  execute(core_.reconfigure(fresh.core, now), now);
  follow();
}

std::string HaDaemon::handleControl(std::string_view request) {
  HaStatusContext context;
  context.home_interface = config_.home_interface;
  context.tun = tun_ ? tun_->name() : config_.tun;
  context.signalling = &path_;
  context.daemon_counters = {{"tun-write-errors", tun_write_errors_},
                             {"raw-send-errors", raw_send_errors_},
                             {"raw-send-would-block", raw_send_would_block_},
                             {"udp-send-errors", udp_send_errors_},
                             {"udp-icmp-errors", udp_icmp_errors_},
                             {"truncated", truncated_},
                             {"neighbour-advertisements", neighbour_advertisements_},
                             {"system-errors", system_errors_}};
  if (payload_ && payload_->active()) {
    for (auto& counter : payload_->counters()) context.daemon_counters.push_back(counter);
  }
  return handleHaControl(core_, std::move(context), request, platform::monotonicNow());
}

}  // namespace

int runHa(const HaDaemonConfig& config, Reloadable<HaDaemonConfig> reloadable) {
  installLogSink("ha", config.log_level);
  auto runtime = DaemonRuntime::create("ha");
  if (!runtime) {
    log::error("cannot start: {}", runtime.error().toString());
    return kExitRuntimeError;
  }
  auto daemon = std::make_unique<HaDaemon>(config, **runtime);
  HaDaemon* d = daemon.get();
  if (Status s = daemon->start(); !s) {
    log::error("cannot start: {}", s.error().toString());
    d->stop();
    daemon.reset();
    (void)(*runtime)->installed().removeAll();
    return kExitRuntimeError;
  }
  ConfigReloader reloader("ha", std::move(reloadable.running));
  if (Status s = (*runtime)->serveControl(config.control,
                                          [d, &reloader](std::string_view request) {
                                            return reloader.decorate(request,
                                                                     d->handleControl(request));
                                          });
      !s) {
    log::error("cannot serve the control socket {}: {}", config.control, s.error().toString());
    d->stop();
    daemon.reset();
    (void)(*runtime)->installed().removeAll();
    return kExitRuntimeError;
  }
  if (reloadable.load) {
    (*runtime)->onReload([d, &reloader, load = std::move(reloadable.load)] {
      reloadWith<HaDaemonConfig>(
          reloader, load,
          [d](const HaDaemonConfig& fresh, const ConfigChanges& live) {
            d->reconfigure(fresh, live);
          },
          platform::unixTimeNanos());
    });
  }
  (*runtime)->onStop([d] { d->stop(); });
  const int code = (*runtime)->run();
  daemon.reset();
  return code;
}

}  // namespace dsmip::daemon
