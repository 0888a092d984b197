#include "daemon/mip4_ha_daemon.hpp"

#include <fmt/format.h>

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/logging.hpp"
#include "daemon/mip4_packet_text.hpp"
#include "daemon/mip4_status.hpp"
#include "daemon/mip4_system.hpp"
#include "daemon/runtime.hpp"
#include "platform/arp_sender.hpp"
#include "platform/clock.hpp"
#include "platform/raw_socket.hpp"
#include "platform/sysctl.hpp"
#include "platform/tun.hpp"
#include "platform/udp_socket.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::daemon {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t kBatch = 32;
constexpr int kBatchesPerWakeup = 8;
constexpr int kSocketBuffer = 8 << 20;
// RFC 5944 §4.6: the gratuitous ARP is "retransmitted a small number of times".
constexpr int kAnnouncements = 3;
constexpr Duration kAnnouncementInterval = 1s;

std::chrono::nanoseconds unixTime() { return std::chrono::nanoseconds{platform::unixTimeNanos()}; }

class HomeAgentDaemon {
 public:
  HomeAgentDaemon(const HomeAgentDaemonConfig& config, DaemonRuntime& runtime)
      : config_(config),
        runtime_(runtime),
        deadline_(runtime.loop(), [this](TimePoint now) { onTimer(now); }),
        announce_timer_(runtime.loop(), [this](TimePoint now) { onAnnounceTimer(now); }),
        forward_log_(dsmip4::kDropReasonCount),
        reverse_log_(dsmip4::kDropReasonCount),
        security_log_(1, 1.0, 10.0) {
    udp_buffers_.resize(kBatch);
    udp_meta_.resize(kBatch);
    raw_buffers_.resize(kBatch);
    raw_meta_.resize(kBatch);
    tun_buffers_.resize(kBatch);
    udp_out_.reserve(kBatch);
    raw_out_.reserve(kBatch);
  }

  Status start();
  /// The Live keys of a reloaded configuration.
  void reconfigure(const HomeAgentDaemonConfig& fresh, const ConfigChanges& live) {
    applyLogLevel(live, fresh.log_level);
    if (live.size() == 1 && changed(live, "log-level")) return;
    execute(core_->reconfigure(fresh.core, platform::monotonicNow()));
    follow();
  }
  void stop();
  std::string handleControl(std::string_view request);

 private:
  void onUdpReadable();
  void onUdpError();
  void onRawReadable(std::size_t which);
  void onTunReadable();
  void onTimer(TimePoint now);
  void onAnnounceTimer(TimePoint now);
  void execute(const dsmip4::HomeAgentActions& actions);
  void apply(const SystemChanges& changes);
  void transmit(PacketBuffer& packet, const dsmip4::Encapsulation& encapsulation);
  void receive(PacketBuffer& packet, const dsmip4::ReceiveDecision& d, bool via_udp, TimePoint now);
  void logDrop(bool reverse, dsmip4::DropReason reason, ByteView packet, bool via_udp,
               TimePoint now);
  void flush();
  void follow() { deadline_.follow(core_->nextDeadline()); }

  const HomeAgentDaemonConfig& config_;
  DaemonRuntime& runtime_;
  std::optional<dsmip4::HomeAgent> core_;
  std::optional<HomeAgentSystem> system_;
  DeadlineTimer deadline_;
  platform::Timer announce_timer_;
  int home_ifindex_ = 0;
  std::optional<Ipv4Prefix> home_network_;
  std::optional<platform::UdpSocket> udp_;
  std::array<std::optional<platform::RawIpv4Receiver>, 2> raw_;  // protocol 4, protocol 41
  std::optional<platform::RawIpv4Sender> sender_;
  std::optional<platform::ArpSender> arp_;
  std::optional<platform::TunDevice> tun_;
  std::vector<platform::FdWatch> watches_;  // after the descriptors: unwatched first
  std::vector<PacketBuffer> udp_buffers_;
  std::vector<platform::ReceivedDatagram> udp_meta_;
  std::vector<PacketBuffer> raw_buffers_;
  std::vector<platform::RawPacketInfo> raw_meta_;
  std::vector<PacketBuffer> tun_buffers_;
  std::vector<platform::OutgoingDatagram> udp_out_;
  std::vector<ByteView> raw_out_;
  struct Announcement {
    Ipv4Address address;
    int remaining = 0;
  };
  std::deque<Announcement> announcements_;
  DropLog forward_log_;
  DropLog reverse_log_;
  DropLog security_log_;
  // Failures and events around the core (its own counters cover what it decides).
  std::uint64_t tun_write_errors_ = 0;
  std::uint64_t udp_send_errors_ = 0;
  std::uint64_t raw_send_errors_ = 0;
  std::uint64_t send_would_block_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t other_messages_ = 0;
  std::uint64_t socket_icmp_errors_ = 0;
  std::uint64_t encapsulation_errors_ = 0;
  std::uint64_t announcements_sent_ = 0;
  std::uint64_t system_errors_ = 0;
};

Status HomeAgentDaemon::start() {
  platform::Netlink& nl = runtime_.netlink();
  const Ipv4Address address = *config_.address;
  auto home = nl.linkIndex(config_.home_interface);
  if (!home) {
    return makeError(
        ErrorCode::SystemError,
        fmt::format("home-interface {}: {}", config_.home_interface, home.error().toString()));
  }
  home_ifindex_ = *home;
  // The home network is that of the home agent's address on the home link.
  auto addresses = nl.addresses(home_ifindex_, platform::IpFamily::V4);
  if (!addresses) return Unexpected{addresses.error()};
  for (const platform::InterfaceAddress& a : *addresses) {
    const auto* p = std::get_if<Ipv4Prefix>(&a.address);
    if (p != nullptr && p->address == address) {
      home_network_ = Ipv4Prefix{p->address, p->length}.normalised();
    }
  }
  if (!home_network_) {
    return makeError(ErrorCode::SystemError,
                     fmt::format("address {} is not configured on home-interface {}",
                                 address.toString(), config_.home_interface));
  }
  dsmip4::HomeAgentConfig core = config_.core;
  core.home_network = home_network_;
  for (const dsmip4::MobileNodePolicy& mn : core.mobile_nodes) {
    if (!home_network_->contains(mn.home_address)) {
      log::warn("home address {} is outside the home network {}: proxy ARP will not reach it",
                mn.home_address.toString(), home_network_->toString());
    }
  }
  core_.emplace(std::move(core));

  // Sockets first: failing to bind changes nothing on the system.
  platform::UdpSocketOptions options;
  options.buffer_bytes = kSocketBuffer;
  options.pmtu_discovery = platform::PmtuDiscovery::Dont;
  options.receive_errors = true;
  auto udp = platform::UdpSocket::open(
      platform::IpEndpoint{Ipv4Endpoint{Ipv4Address{}, config_.port}}, options);
  if (!udp) {
    return makeError(ErrorCode::SystemError, fmt::format("cannot listen on UDP port {}: {}",
                                                         config_.port, udp.error().toString()));
  }
  udp_ = std::move(*udp);
  const std::array<std::uint8_t, 2> protocols{wire::ip_protocol::kIpv4, wire::ip_protocol::kIpv6};
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    auto raw = platform::RawIpv4Receiver::open(protocols[i]);
    if (!raw) return Unexpected{raw.error()};
    raw_[i] = std::move(*raw);
  }
  auto sender = platform::RawIpv4Sender::open();
  if (!sender) return Unexpected{sender.error()};
  sender_ = std::move(*sender);
  auto arp = platform::ArpSender::open(home_ifindex_);
  if (arp) {
    arp_ = std::move(*arp);
  } else {
    log::warn("no gratuitous ARP on {}: {}", config_.home_interface, arp.error().toString());
  }

  auto tun = platform::TunDevice::open(config_.tun);
  if (!tun) {
    return makeError(ErrorCode::SystemError, fmt::format("cannot create TUN device {}: {}",
                                                         config_.tun, tun.error().toString()));
  }
  tun_ = std::move(*tun);
  // No link-local address or router solicitations on the tunnel device.
  (void)platform::writeSysctl(platform::ipv6ConfKey(tun_->name(), "addr_gen_mode"), "1");
  if (Status s = nl.setLinkMtu(tun_->ifindex(), config_.mtu); !s) return s;
  if (Status s = nl.setLinkUp(tun_->ifindex(), true); !s) return s;
  system_.emplace(tun_->ifindex(), home_ifindex_);

  platform::InstalledState& installed = runtime_.installed();
  // The home agent's end of the tunnels' link (RFC 4213 §3.7, fe80::HA): the source with which
  // it (a DHCPv6 server or relay, RFC 5454 §3.7.1) reaches a mobile node's registered
  // link-local address.
  {
    platform::AddressOptions address_options;
    address_options.no_dad = true;
    address_options.no_prefix_route = true;
    const Ipv6Prefix link_local{dsmip4::tunnelLinkLocalAddress(address), 128};
    if (Status s = installed.addAddress(tun_->ifindex(), link_local, address_options,
                                        platform::IfExists::Adopt);
        !s) {
      return makeError(ErrorCode::SystemError,
                       fmt::format("cannot add {} to {}: {}", link_local.toString(), tun_->name(),
                                   s.error().toString()));
    }
  }
  // Proxy ARP answers only when forwarding is on; the home side's packets are forwarded into
  // the TUN; proxy_delay 0 answers ARP requests at once (not after up to 0.8 s).
  for (const auto& [key, value] :
       {std::pair<std::string, std::string>{"net/ipv4/ip_forward", "1"},
        {"net/ipv6/conf/all/forwarding", "1"},
        {platform::ipv4NeighKey(config_.home_interface, "proxy_delay"), "0"},
        // Decapsulated packets enter through the TUN with a home address as source.
        {platform::ipv4ConfKey(tun_->name(), "rp_filter"), "0"}}) {
    if (Status s = installed.setSysctl(key, value); !s) {
      return makeError(ErrorCode::SystemError,
                       fmt::format("cannot set {} = {}: {}", key, value, s.error().toString()));
    }
  }

  platform::EventLoop& loop = runtime_.loop();
  auto uw = platform::FdWatch::create(loop, udp_->fd(), platform::Interest::Read,
                                      [this](platform::IoEvents ev) {
                                        if (ev.error) onUdpError();
                                        if (ev.readable) onUdpReadable();
                                      });
  if (!uw) return Unexpected{uw.error()};
  watches_.push_back(std::move(*uw));
  for (std::size_t i = 0; i < raw_.size(); ++i) {
    auto rw = platform::FdWatch::create(loop, raw_[i]->fd(), platform::Interest::Read,
                                        [this, i](platform::IoEvents) { onRawReadable(i); });
    if (!rw) return Unexpected{rw.error()};
    watches_.push_back(std::move(*rw));
  }
  auto tw = platform::FdWatch::create(loop, tun_->fd(), platform::Interest::Read,
                                      [this](platform::IoEvents) { onTunReadable(); });
  if (!tw) return Unexpected{tw.error()};
  watches_.push_back(std::move(*tw));

  log::info(
      "DSMIPv4 home agent up: {} port {} on {} (home network {}); tun {} (mtu {}); {} mobile "
      "node(s)",
      address.toString(), config_.port, config_.home_interface, home_network_->toString(),
      tun_->name(), config_.mtu, config_.core.mobile_nodes.size());
  follow();
  return {};
}

void HomeAgentDaemon::apply(const SystemChanges& changes) {
  for (const SystemChange& change : changes) {
    if (const auto* a = std::get_if<AnnounceAddress>(&change)) {
      if (!arp_) continue;
      announcements_.push_back(Announcement{a->address, kAnnouncements});
      if (!announce_timer_.armed()) announce_timer_.armAfter(Duration{0});
      continue;
    }
    log::debug("{}", describeSystemChange(change));
    if (Status s = applySystemChange(runtime_.installed(), change); !s) {
      ++system_errors_;
      log::error("{} failed: {}", describeSystemChange(change), s.error().toString());
    }
  }
}

void HomeAgentDaemon::onAnnounceTimer(TimePoint) {
  if (!arp_) return;
  std::deque<Announcement> later;
  while (!announcements_.empty()) {
    Announcement a = announcements_.front();
    announcements_.pop_front();
    // Only while the home address is still intercepted.
    if (Status s = arp_->announce(a.address); !s) {
      ++system_errors_;
      log::warn("gratuitous ARP for {} failed: {}", a.address.toString(), s.error().toString());
    } else {
      ++announcements_sent_;
    }
    if (--a.remaining > 0) later.push_back(a);
  }
  announcements_ = std::move(later);
  if (!announcements_.empty()) announce_timer_.armAfter(kAnnouncementInterval);
}

void HomeAgentDaemon::execute(const dsmip4::HomeAgentActions& actions) {
  for (const dsmip4::HomeAgentAction& action : actions) {
    if (const auto* d = std::get_if<dsmip4::SendDatagram>(&action)) {
      // Replies leave from the address the core names (its own), from port 434; sent at once
      // (the payload lives in `actions`).
      const std::array<platform::OutgoingDatagram, 1> one{
          platform::OutgoingDatagram{platform::IpEndpoint{d->destination}, d->payload, 0,
                                     platform::IpAddress{d->source.address}}};
      Error error;
      const platform::SendBatchResult r = udp_->sendBatch(one, &error);
      if (r.failed > 0 || r.consumed == 0) {
        ++udp_send_errors_;
        log::warn("cannot send to {}: errno {}", d->destination.toString(),
                  r.failed > 0 ? r.first_errno : error.system_errno);
      }
    } else if (const auto* h = std::get_if<dsmip4::InterceptHomeAddress>(&action)) {
      log::info("{} home address {}", h->enable ? "intercepting" : "releasing",
                h->home_address.toString());
      if (!h->enable) {
        std::erase_if(announcements_,
                      [&](const Announcement& a) { return a.address == h->home_address; });
      }
      apply(system_->plan(*h));
    } else if (const auto* p = std::get_if<dsmip4::InterceptIpv6Prefix>(&action)) {
      log::info("{} {} {} of {}", p->enable ? "routing" : "withdrawing",
                p->link_local ? "link-local address" : "prefix", p->prefix.toString(),
                p->home_address.toString());
      apply(system_->plan(*p));
    } else if (const auto* line = std::get_if<dsmip4::LogEvent>(&action)) {
      if (log::enabled(line->level)) log::write(line->level, line->message);
    }
  }
}

void HomeAgentDaemon::transmit(PacketBuffer& packet, const dsmip4::Encapsulation& encapsulation) {
  if (encapsulation.udp) {
    // RFC 3519 §3.3: Tunnel Data from port 434 to the mobile node's (NAT's) endpoint.
    if (Status s = dsmip4::prependInnerLayers(packet, encapsulation); !s) {
      ++encapsulation_errors_;
      return;
    }
    udp_out_.push_back(platform::OutgoingDatagram{platform::IpEndpoint{encapsulation.destination()},
                                                  packet.data(), encapsulation.outer.tos,
                                                  platform::IpAddress{encapsulation.outer.source}});
    return;
  }
  if (Status s = dsmip4::applyEncapsulation(packet, encapsulation); !s) {
    ++encapsulation_errors_;
    return;
  }
  raw_out_.push_back(packet.data());
}

void HomeAgentDaemon::flush() {
  if (!udp_out_.empty()) {
    const platform::SendBatchResult r = udp_->sendBatch(udp_out_);
    udp_send_errors_ += r.failed;
    if (r.consumed < udp_out_.size()) send_would_block_ += udp_out_.size() - r.consumed;
    udp_out_.clear();
  }
  if (!raw_out_.empty()) {
    const platform::SendBatchResult r = sender_->sendBatch(raw_out_);
    raw_send_errors_ += r.failed;
    if (r.consumed < raw_out_.size()) send_would_block_ += raw_out_.size() - r.consumed;
    raw_out_.clear();
  }
}

void HomeAgentDaemon::logDrop(bool reverse, dsmip4::DropReason reason, ByteView packet,
                              bool via_udp, TimePoint now) {
  const bool security = reason == dsmip4::DropReason::SpoofedInnerIpv4Source ||
                        reason == dsmip4::DropReason::SpoofedInnerIpv6Source;
  if (security) {
    // RFC 3024 §4.2.1, RFC 5454 §4: a security event, logged (rate-limited) with the packet.
    if (security_log_.allow(0, now)) {
      log::warn("security: dropped {} from a tunnel: {}{}", dsmip4::dropReasonName(reason),
                via_udp ? describeTunnelData(packet) : describeIpPacket(packet),
                security_log_.suffix(0));
    }
    return;
  }
  // Multicast and other noise from the kernel on the TUN is expected: debug only.
  const LogLevel level = !reverse && (reason == dsmip4::DropReason::NoBinding ||
                                      reason == dsmip4::DropReason::UnsupportedProtocol)
                             ? LogLevel::Debug
                             : LogLevel::Info;
  DropLog& drops = reverse ? reverse_log_ : forward_log_;
  const auto r = static_cast<std::size_t>(reason);
  if (!log::enabled(level) || !drops.allow(r, now)) return;
  log::write(level, fmt::format("drop {} {}: {}{}", reverse ? "from tunnel" : "towards tunnel",
                                dsmip4::dropReasonName(reason),
                                via_udp ? describeTunnelData(packet) : describeIpPacket(packet),
                                drops.suffix(r)));
}

void HomeAgentDaemon::receive(PacketBuffer& packet, const dsmip4::ReceiveDecision& d, bool via_udp,
                              TimePoint now) {
  switch (d.verdict) {
    case dsmip4::ReceiveVerdict::Deliver:
      if (Status s = tun_->writePacket(packet.data()); !s) ++tun_write_errors_;
      break;
    case dsmip4::ReceiveVerdict::Reply:
      transmit(packet, d.reply);
      break;
    case dsmip4::ReceiveVerdict::Drop:
      logDrop(true, d.reason, packet.data(), via_udp, now);
      break;
    case dsmip4::ReceiveVerdict::Consumed:
      break;
  }
  if (d.ecn_anomaly != wire::EcnAnomaly::None && log::enabled(LogLevel::Debug)) {
    log::debug("ECN anomaly at decapsulation for {}", d.home_address.toString());
  }
}

void HomeAgentDaemon::onUdpReadable() {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = udp_->receiveBatch(udp_buffers_, udp_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      const platform::ReceivedDatagram& meta = udp_meta_[i];
      const auto* from = std::get_if<Ipv4Endpoint>(&meta.source);
      const auto* to = std::get_if<Ipv4Address>(&meta.destination);
      if (from == nullptr || to == nullptr) continue;
      if (meta.truncated) {
        ++truncated_;
        continue;
      }
      PacketBuffer& payload = udp_buffers_[i];
      const dsmip4::DatagramAddresses addresses{*from, Ipv4Endpoint{*to, config_.port}};
      const auto type = dsmip4::peekMipv4MessageType(payload.data());
      if (type == wire::Mipv4MessageType::RegistrationRequest) {
        execute(core_->onRegistrationRequest(payload.data(), addresses, now, unixTime()));
      } else if (type == wire::Mipv4MessageType::TunnelData) {
        const dsmip4::ReceiveDecision d = core_->onUdpTunnelData(payload, addresses, meta.tos, now);
        receive(payload, d, true, now);
      } else {
        ++other_messages_;
      }
    }
    flush();
    if (*n < kBatch) break;
  }
  follow();
}

void HomeAgentDaemon::onUdpError() {
  // ICMP errors about datagrams to mobile nodes (a NAT mapping that is gone): drained and
  // counted; the binding's lifetime and the MN's keep-alives deal with them.
  for (int i = 0; i < 64; ++i) {
    auto e = udp_->readError();
    if (!e || !*e) break;
    ++socket_icmp_errors_;
  }
}

void HomeAgentDaemon::onRawReadable(std::size_t which) {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = raw_[which]->receiveBatch(raw_buffers_, raw_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      if (raw_meta_[i].truncated) {
        ++truncated_;
        continue;
      }
      PacketBuffer& packet = raw_buffers_[i];
      const dsmip4::ReceiveDecision d = core_->onTunnelPacket(packet, now);
      receive(packet, d, false, now);
    }
    flush();
    if (*n < kBatch) break;
  }
  follow();
}

void HomeAgentDaemon::onTunReadable() {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = tun_->readBatch(tun_buffers_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      PacketBuffer& packet = tun_buffers_[i];
      const dsmip4::SendDecision d = core_->forwardFromHome(packet, now);
      if (d.verdict == dsmip4::SendVerdict::Tunnel) {
        transmit(packet, d.encapsulation);
      } else {
        logDrop(false, d.reason, packet.data(), false, now);
      }
    }
    flush();
    if (*n < kBatch) break;
  }
  follow();
}

void HomeAgentDaemon::onTimer(TimePoint now) {
  execute(core_->onTimer(now));
  follow();
}

void HomeAgentDaemon::stop() {
  if (!core_ || !system_) return;
  execute(core_->onShutdown(platform::monotonicNow()));
}

std::string HomeAgentDaemon::handleControl(std::string_view request) {
  HomeAgentStatusContext context;
  context.tun = tun_ ? tun_->name() : config_.tun;
  context.mtu = config_.mtu;
  context.home_interface = config_.home_interface;
  context.home_network = home_network_;
  context.daemon_counters = {{"tun-write-errors", tun_write_errors_},
                             {"udp-send-errors", udp_send_errors_},
                             {"raw-send-errors", raw_send_errors_},
                             {"send-would-block", send_would_block_},
                             {"truncated", truncated_},
                             {"other-messages", other_messages_},
                             {"socket-icmp-errors", socket_icmp_errors_},
                             {"encapsulation-errors", encapsulation_errors_},
                             {"gratuitous-arps", announcements_sent_},
                             {"system-errors", system_errors_}};
  return handleHomeAgentControl(*core_, context, request, platform::monotonicNow());
}

}  // namespace

int runHomeAgent(const HomeAgentDaemonConfig& config,
                 Reloadable<HomeAgentDaemonConfig> reloadable) {
  installLogSink("mip4-ha", config.log_level);
  auto runtime = DaemonRuntime::create("mip4-ha");
  if (!runtime) {
    log::error("cannot start: {}", runtime.error().toString());
    return kExitRuntimeError;
  }
  auto daemon = std::make_unique<HomeAgentDaemon>(config, **runtime);
  HomeAgentDaemon* d = daemon.get();
  auto fail = [&](const std::string& what) {
    log::error("{}", what);
    daemon.reset();
    (void)(*runtime)->installed().removeAll();
    return kExitRuntimeError;
  };
  if (Status s = daemon->start(); !s) return fail("cannot start: " + s.error().toString());
  ConfigReloader reloader("mip4-ha", std::move(reloadable.running));
  if (Status s = (*runtime)->serveControl(config.control,
                                          [d, &reloader](std::string_view request) {
                                            return reloader.decorate(request,
                                                                     d->handleControl(request));
                                          });
      !s) {
    return fail(fmt::format("cannot serve the control socket {}: {}", config.control,
                            s.error().toString()));
  }
  if (reloadable.load) {
    (*runtime)->onReload([d, &reloader, load = std::move(reloadable.load)] {
      reloadWith<HomeAgentDaemonConfig>(
          reloader, load,
          [d](const HomeAgentDaemonConfig& fresh, const ConfigChanges& live) {
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
