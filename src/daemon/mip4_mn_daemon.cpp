#include "daemon/mip4_mn_daemon.hpp"

#include <fmt/format.h>

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/logging.hpp"
#include "daemon/mip4_packet_text.hpp"
#include "daemon/mip4_status.hpp"
#include "daemon/mip4_system.hpp"
#include "daemon/runtime.hpp"
#include "platform/clock.hpp"
#include "platform/random.hpp"
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
constexpr int kSocketBuffer = 4 << 20;
// Netlink notifications come in bursts (an address, then its routes): look at the route to the
// home agent once they settled.
constexpr Duration kAttachmentSettle = 10ms;
// A safety net besides notifications.
constexpr Duration kAttachmentPoll = 5s;

std::chrono::nanoseconds unixTime() { return std::chrono::nanoseconds{platform::unixTimeNanos()}; }

class MobileNodeDaemon {
 public:
  MobileNodeDaemon(const MobileNodeDaemonConfig& config, DaemonRuntime& runtime)
      : config_(config),
        runtime_(runtime),
        core_(config.core, random_),
        deadline_(runtime.loop(), [this](TimePoint now) { onTimer(now); }),
        settle_(runtime.loop(), [this](TimePoint) { evaluateCareOf(); }),
        send_log_(dsmip4::kDropReasonCount),
        receive_log_(dsmip4::kDropReasonCount) {
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
  void reconfigure(const MobileNodeDaemonConfig& fresh, const ConfigChanges& live) {
    applyLogLevel(live, fresh.log_level);
    if (live.size() == 1 && changed(live, "log-level")) return;
    execute(core_.reconfigure(fresh.core, platform::monotonicNow()));
    follow();
  }
  void stop();
  std::string handleControl(std::string_view request);

 private:
  struct Attachment {
    Ipv4Address address;
    int ifindex = 0;
    std::string interface;
    friend bool operator==(const Attachment&, const Attachment&) = default;
  };
  [[nodiscard]] std::optional<Attachment> currentAttachment();
  void evaluateCareOf();
  void onUdpReadable();
  void onUdpError();
  void onRawReadable(std::size_t which);
  void onTunReadable();
  void onTimer(TimePoint now);
  void execute(const dsmip4::MobileNodeActions& actions);
  void apply(const SystemChanges& changes);
  void transmit(PacketBuffer& packet, const dsmip4::Encapsulation& encapsulation);
  void logDrop(bool receive, dsmip4::DropReason reason, ByteView packet, bool via_udp,
               TimePoint now);
  void flush();
  void follow() { deadline_.follow(core_.nextDeadline()); }

  const MobileNodeDaemonConfig& config_;
  DaemonRuntime& runtime_;
  platform::SystemRandom random_;
  dsmip4::MobileNode core_;
  DeadlineTimer deadline_;
  platform::Timer settle_;
  std::optional<MobileNodeSystem> system_;
  std::optional<platform::TunDevice> tun_;
  std::array<std::optional<platform::RawIpv4Receiver>, 2> raw_;  // protocol 4, protocol 41
  std::optional<platform::RawIpv4Sender> sender_;
  std::unique_ptr<platform::NetlinkMonitor> monitor_;
  // The registration socket on the care-of address; replaced when the care-of address changes.
  std::optional<platform::UdpSocket> socket_;
  std::optional<Attachment> attachment_;
  platform::FdWatch socket_watch_;
  std::vector<platform::FdWatch> watches_;
  std::vector<PacketBuffer> udp_buffers_;
  std::vector<platform::ReceivedDatagram> udp_meta_;
  std::vector<PacketBuffer> raw_buffers_;
  std::vector<platform::RawPacketInfo> raw_meta_;
  std::vector<PacketBuffer> tun_buffers_;
  std::vector<platform::OutgoingDatagram> udp_out_;
  std::vector<ByteView> raw_out_;
  DropLog send_log_;
  DropLog receive_log_;
  std::uint64_t tun_write_errors_ = 0;
  std::uint64_t udp_send_errors_ = 0;
  std::uint64_t raw_send_errors_ = 0;
  std::uint64_t send_would_block_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t other_messages_ = 0;
  std::uint64_t socket_icmp_errors_ = 0;
  std::uint64_t stale_sends_ = 0;
  std::uint64_t encapsulation_errors_ = 0;
  std::uint64_t sockets_opened_ = 0;
  std::uint64_t system_errors_ = 0;
};

Status MobileNodeDaemon::start() {
  platform::Netlink& nl = runtime_.netlink();
  if (!config_.interface.empty()) {
    if (auto index = nl.linkIndex(config_.interface); !index) {
      return makeError(ErrorCode::SystemError, fmt::format("interface {}: {}", config_.interface,
                                                           index.error().toString()));
    }
  }
  const std::array<std::uint8_t, 2> protocols{wire::ip_protocol::kIpv4, wire::ip_protocol::kIpv6};
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    auto raw = platform::RawIpv4Receiver::open(protocols[i]);
    if (!raw) return Unexpected{raw.error()};
    raw_[i] = std::move(*raw);
  }
  auto sender = platform::RawIpv4Sender::open();
  if (!sender) return Unexpected{sender.error()};
  sender_ = std::move(*sender);

  auto tun = platform::TunDevice::open(config_.tun);
  if (!tun) {
    return makeError(ErrorCode::SystemError, fmt::format("cannot create TUN device {}: {}",
                                                         config_.tun, tun.error().toString()));
  }
  tun_ = std::move(*tun);
  // Only the addresses the registration grants: no link-local address, no router
  // solicitations on the tunnel device.
  (void)platform::writeSysctl(platform::ipv6ConfKey(tun_->name(), "addr_gen_mode"), "1");
  if (Status s = nl.setLinkMtu(tun_->ifindex(), config_.mtu); !s) return s;
  if (Status s = nl.setLinkUp(tun_->ifindex(), true); !s) return s;
  platform::InstalledState& installed = runtime_.installed();
  // Packets from the HA arrive decapsulated through the TUN with any source address.
  if (Status s = installed.setSysctl(platform::ipv4ConfKey(tun_->name(), "rp_filter"), "0"); !s) {
    return s;
  }
  MobileNodeSystemConfig sc;
  sc.tun_ifindex = tun_->ifindex();
  sc.table = config_.table;
  sc.rule_priority = config_.rule_priority;
  sc.routes4 = config_.routes4;
  sc.routes6 = config_.routes6;
  system_.emplace(std::move(sc));
  apply(system_->start());

  platform::EventLoop& loop = runtime_.loop();
  platform::MonitorOptions mo;
  mo.ipv6_addresses = false;
  mo.ipv6_routes = false;
  auto monitor = platform::NetlinkMonitor::create(
      loop, [this](const platform::NetlinkEvent&) { settle_.armAfter(kAttachmentSettle); }, mo);
  if (!monitor) return Unexpected{monitor.error()};
  monitor_ = std::move(*monitor);
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
      "DSMIPv4 mobile node up: home address {}, home agent {}:{}, tun {} (mtu {}), {} "
      "prefix request(s), table {}",
      config_.core.home_address.toString(), config_.core.home_agent.toString(),
      config_.core.home_agent_port, tun_->name(), config_.mtu, config_.core.prefixes.size(),
      config_.table);
  evaluateCareOf();
  return {};
}

std::optional<MobileNodeDaemon::Attachment> MobileNodeDaemon::currentAttachment() {
  // The care-of address is the source the kernel would use towards the home agent, on the
  // interface of that route (co-located care-of address, RFC 5944 §3.6).
  platform::Netlink& nl = runtime_.netlink();
  auto route = nl.lookupRoute(platform::IpAddress{config_.core.home_agent});
  if (!route || route->type != platform::RouteType::Unicast || route->ifindex == 0 ||
      route->ifindex == tun_->ifindex() || !route->preferred_source) {
    return std::nullopt;
  }
  const auto* source = std::get_if<Ipv4Address>(&*route->preferred_source);
  if (source == nullptr || !source->isUnicast()) return std::nullopt;
  auto link = nl.link(route->ifindex);
  if (!link || !link->running()) return std::nullopt;
  if (!config_.interface.empty() && link->name != config_.interface) return std::nullopt;
  return Attachment{*source, route->ifindex, link->name};
}

void MobileNodeDaemon::evaluateCareOf() {
  settle_.armAfter(kAttachmentPoll);
  const std::optional<Attachment> now_attached = currentAttachment();
  if (now_attached == attachment_ && (socket_ || !now_attached)) return;
  const TimePoint now = platform::monotonicNow();
  if (!now_attached) {
    log::info("no route to the home agent {}: no care-of address",
              config_.core.home_agent.toString());
    attachment_.reset();
    execute(core_.onCareOfChange(std::nullopt, now, unixTime()));
    socket_watch_.reset();
    socket_.reset();
    follow();
    return;
  }
  platform::UdpSocketOptions options;
  options.buffer_bytes = kSocketBuffer;
  options.bind_device = now_attached->interface;
  options.pmtu_discovery = platform::PmtuDiscovery::Dont;
  options.receive_errors = true;
  auto socket = platform::UdpSocket::open(
      platform::IpEndpoint{Ipv4Endpoint{now_attached->address, config_.local_port}}, options);
  if (!socket) {
    // The address may still be tentative or going away: the next notification or poll retries.
    ++system_errors_;
    log::warn("cannot open the registration socket on {}: {}", now_attached->address.toString(),
              socket.error().toString());
    settle_.armAfter(std::chrono::milliseconds(200));
    return;
  }
  socket_watch_.reset();
  socket_ = std::move(*socket);
  ++sockets_opened_;
  attachment_ = now_attached;
  auto w = platform::FdWatch::create(runtime_.loop(), socket_->fd(), platform::Interest::Read,
                                     [this](platform::IoEvents ev) {
                                       if (ev.error) onUdpError();
                                       if (ev.readable) onUdpReadable();
                                     });
  if (w) socket_watch_ = std::move(*w);
  const auto local = std::get<Ipv4Endpoint>(socket_->localEndpoint());
  execute(core_.onCareOfChange(
      dsmip4::CareOfAddress{local.address, local.port, now_attached->interface}, now, unixTime()));
  follow();
}

void MobileNodeDaemon::apply(const SystemChanges& changes) {
  for (const SystemChange& change : changes) {
    log::debug("{}", describeSystemChange(change));
    if (Status s = applySystemChange(runtime_.installed(), change); !s) {
      ++system_errors_;
      log::error("{} failed: {}", describeSystemChange(change), s.error().toString());
    }
  }
}

void MobileNodeDaemon::execute(const dsmip4::MobileNodeActions& actions) {
  for (const dsmip4::MobileNodeAction& action : actions) {
    if (const auto* d = std::get_if<dsmip4::SendDatagram>(&action)) {
      // Only from the current socket: a request of an attempt from an address we left is moot.
      if (!socket_ || std::get<Ipv4Endpoint>(socket_->localEndpoint()) != d->source) {
        ++stale_sends_;
        continue;
      }
      if (Status s = socket_->sendTo(platform::IpEndpoint{d->destination}, d->payload); !s) {
        ++udp_send_errors_;
        log::warn("cannot send to {}: {}", d->destination.toString(), s.error().toString());
      }
    } else if (const auto* h = std::get_if<dsmip4::ConfigureHomeAddress>(&action)) {
      log::info("{} home address {}", h->enable ? "configuring" : "removing",
                h->home_address.toString());
      apply(system_->plan(*h));
    } else if (const auto* p = std::get_if<dsmip4::ConfigureIpv6Prefix>(&action)) {
      log::info("{} {} {} (address {}, tunnel to the {})", p->enable ? "configuring" : "removing",
                p->link_local ? "link-local registration" : "prefix", p->prefix.toString(),
                p->address.toString(), dsmip4::ipv6TunnelModeName(p->mode));
      apply(system_->plan(*p));
    } else if (const auto* c = std::get_if<dsmip4::DataPathChanged>(&action)) {
      std::string prefixes;
      for (const dsmip4::PrefixPath& pp : c->path.prefixes) {
        prefixes +=
            fmt::format(" {} ({})", pp.prefix.toString(), dsmip4::ipv6TunnelModeName(pp.mode));
      }
      log::info("data path {}: {} from {}:{} to {}{}", c->path.active ? "active" : "inactive",
                dsmip4::tunnelTransportName(c->path.transport), c->path.care_of.address.toString(),
                c->path.care_of.port, c->path.home_agent.toString(),
                prefixes.empty() ? "" : ";" + prefixes);
    } else if (const auto* line = std::get_if<dsmip4::LogEvent>(&action)) {
      if (log::enabled(line->level)) log::write(line->level, line->message);
    }
  }
}

void MobileNodeDaemon::transmit(PacketBuffer& packet, const dsmip4::Encapsulation& encapsulation) {
  if (encapsulation.udp) {
    if (!socket_) {
      ++stale_sends_;
      return;
    }
    if (Status s = dsmip4::prependInnerLayers(packet, encapsulation); !s) {
      ++encapsulation_errors_;
      return;
    }
    udp_out_.push_back(platform::OutgoingDatagram{platform::IpEndpoint{encapsulation.destination()},
                                                  packet.data(), encapsulation.outer.tos,
                                                  std::nullopt});
    return;
  }
  if (Status s = dsmip4::applyEncapsulation(packet, encapsulation); !s) {
    ++encapsulation_errors_;
    return;
  }
  raw_out_.push_back(packet.data());
}

void MobileNodeDaemon::flush() {
  if (!udp_out_.empty()) {
    if (socket_) {
      const platform::SendBatchResult r = socket_->sendBatch(udp_out_);
      udp_send_errors_ += r.failed;
      if (r.consumed < udp_out_.size()) send_would_block_ += udp_out_.size() - r.consumed;
    }
    udp_out_.clear();
  }
  if (!raw_out_.empty()) {
    const platform::SendBatchResult r = sender_->sendBatch(raw_out_);
    raw_send_errors_ += r.failed;
    if (r.consumed < raw_out_.size()) send_would_block_ += raw_out_.size() - r.consumed;
    raw_out_.clear();
  }
}

void MobileNodeDaemon::logDrop(bool receive, dsmip4::DropReason reason, ByteView packet,
                               bool via_udp, TimePoint now) {
  // Packets of other sources on the TUN (the kernel's own multicast) and anything while no
  // binding is valid are expected: debug only.
  const LogLevel level = !receive && (reason == dsmip4::DropReason::NotRegisteredSource ||
                                      reason == dsmip4::DropReason::NoBinding ||
                                      reason == dsmip4::DropReason::UnsupportedProtocol)
                             ? LogLevel::Debug
                             : LogLevel::Info;
  DropLog& drops = receive ? receive_log_ : send_log_;
  const auto r = static_cast<std::size_t>(reason);
  if (!log::enabled(level) || !drops.allow(r, now)) return;
  log::write(level, fmt::format("drop {} {}: {}{}", receive ? "from tunnel" : "towards tunnel",
                                dsmip4::dropReasonName(reason),
                                via_udp ? describeTunnelData(packet) : describeIpPacket(packet),
                                drops.suffix(r)));
}

void MobileNodeDaemon::onUdpReadable() {
  for (int round = 0; round < kBatchesPerWakeup && socket_; ++round) {
    auto n = socket_->receiveBatch(udp_buffers_, udp_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n && socket_; ++i) {
      const platform::ReceivedDatagram& meta = udp_meta_[i];
      const auto* from = std::get_if<Ipv4Endpoint>(&meta.source);
      if (from == nullptr) continue;
      if (meta.truncated) {
        ++truncated_;
        continue;
      }
      PacketBuffer& payload = udp_buffers_[i];
      const auto type = dsmip4::peekMipv4MessageType(payload.data());
      if (type == wire::Mipv4MessageType::RegistrationReply) {
        execute(core_.onRegistrationReply(payload.data(), *from, now, unixTime()));
      } else if (type == wire::Mipv4MessageType::TunnelData) {
        const dsmip4::ReceiveDecision d = core_.onUdpTunnelData(payload, *from, meta.tos, now);
        if (d.verdict == dsmip4::ReceiveVerdict::Deliver) {
          if (Status s = tun_->writePacket(payload.data()); !s) ++tun_write_errors_;
        } else if (d.verdict == dsmip4::ReceiveVerdict::Drop) {
          logDrop(true, d.reason, payload.data(), true, now);
        }
      } else {
        ++other_messages_;
      }
    }
    flush();
    if (*n < kBatch) break;
  }
  follow();
}

void MobileNodeDaemon::onUdpError() {
  for (int i = 0; i < 64 && socket_; ++i) {
    auto e = socket_->readError();
    if (!e || !*e) break;
    ++socket_icmp_errors_;
  }
}

void MobileNodeDaemon::onRawReadable(std::size_t which) {
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
      const dsmip4::ReceiveDecision d = core_.onTunnelPacket(packet, now);
      if (d.verdict == dsmip4::ReceiveVerdict::Deliver) {
        if (Status s = tun_->writePacket(packet.data()); !s) ++tun_write_errors_;
      } else if (d.verdict == dsmip4::ReceiveVerdict::Drop) {
        logDrop(true, d.reason, packet.data(), false, now);
      }
    }
    if (*n < kBatch) break;
  }
  follow();
}

void MobileNodeDaemon::onTunReadable() {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = tun_->readBatch(tun_buffers_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      PacketBuffer& packet = tun_buffers_[i];
      const dsmip4::SendDecision d = core_.encapsulate(packet, now);
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

void MobileNodeDaemon::onTimer(TimePoint now) {
  execute(core_.onTimer(now, unixTime()));
  follow();
}

void MobileNodeDaemon::stop() {
  // Deregister (lifetime 0) and wait for the reply, retransmissions included, at most
  // stop-timeout; then the runtime removes what is left.
  execute(core_.onStop(platform::monotonicNow(), unixTime()));
  follow();
  const TimePoint give_up = platform::monotonicNow() + config_.stop_timeout;
  platform::EventLoop& loop = runtime_.loop();
  while (!core_.stopped()) {
    const TimePoint now = platform::monotonicNow();
    if (now >= give_up) {
      log::warn("no deregistration reply within {}: stopping anyway",
                formatDuration(config_.stop_timeout));
      break;
    }
    if (Status s = loop.runOnce(give_up - now); !s) break;
  }
  if (core_.stopped()) log::info("deregistered");
}

std::string MobileNodeDaemon::handleControl(std::string_view request) {
  MobileNodeStatusContext context;
  context.tun = tun_ ? tun_->name() : config_.tun;
  context.mtu = config_.mtu;
  context.table = config_.table;
  context.daemon_counters = {{"tun-write-errors", tun_write_errors_},
                             {"udp-send-errors", udp_send_errors_},
                             {"raw-send-errors", raw_send_errors_},
                             {"send-would-block", send_would_block_},
                             {"truncated", truncated_},
                             {"other-messages", other_messages_},
                             {"socket-icmp-errors", socket_icmp_errors_},
                             {"stale-sends", stale_sends_},
                             {"encapsulation-errors", encapsulation_errors_},
                             {"sockets-opened", sockets_opened_},
                             {"system-errors", system_errors_}};
  return handleMobileNodeControl(core_, config_.core, context, request, platform::monotonicNow());
}

}  // namespace

int runMobileNode(const MobileNodeDaemonConfig& config,
                  Reloadable<MobileNodeDaemonConfig> reloadable) {
  installLogSink("mip4-mn", config.log_level);
  auto runtime = DaemonRuntime::create("mip4-mn");
  if (!runtime) {
    log::error("cannot start: {}", runtime.error().toString());
    return kExitRuntimeError;
  }
  auto daemon = std::make_unique<MobileNodeDaemon>(config, **runtime);
  MobileNodeDaemon* d = daemon.get();
  auto fail = [&](const std::string& what) {
    log::error("{}", what);
    daemon.reset();
    (void)(*runtime)->installed().removeAll();
    return kExitRuntimeError;
  };
  if (Status s = daemon->start(); !s) return fail("cannot start: " + s.error().toString());
  ConfigReloader reloader("mip4-mn", std::move(reloadable.running));
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
      reloadWith<MobileNodeDaemonConfig>(
          reloader, load,
          [d](const MobileNodeDaemonConfig& fresh, const ConfigChanges& live) {
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
