#include "daemon/m6t_client_daemon.hpp"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <vector>

#include "daemon/logging.hpp"
#include "daemon/m6t_status.hpp"
#include "daemon/runtime.hpp"
#include "m6t/addressing.hpp"
#include "platform/clock.hpp"
#include "platform/host_lock.hpp"
#include "platform/icmp_socket.hpp"
#include "platform/random.hpp"
#include "platform/sysctl.hpp"
#include "platform/tun.hpp"
#include "platform/udp_socket.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"

namespace dsmip::daemon {

namespace {

constexpr std::size_t kBatch = 64;
constexpr int kBatchesPerWakeup = 8;
constexpr int kSocketBuffer = 4 << 20;
// Netlink notifications come in bursts (an address, then its routes): look at the routing
// state once they settled.
constexpr Duration kAttachmentSettle = std::chrono::milliseconds(20);
// A safety net besides notifications: re-check the attachment this often.
constexpr Duration kAttachmentPoll = std::chrono::seconds(5);

std::optional<std::string> notEmpty(const std::string& s) {
  if (s.empty()) return "must not be empty";
  return std::nullopt;
}

std::optional<std::string> interfaceName(const std::string& s) {
  if (s.empty() || s.size() > 15) return "must be 1 to 15 characters (an interface name)";
  for (char c : s) {
    if (c == '/' || c == ' ' || c == ':') return "must not contain '/', ':' or spaces";
  }
  return std::nullopt;
}

/// Tunnel addresses reserved host-wide through abstract-socket locks (m6t §2.5).
class HostAddressRegistry : public m6t::AddressRegistry {
 public:
  bool reserve(const Ipv6Address& address) override {
    auto lock = platform::HostLock::acquire("dsmip-m6t-address-" + address.toString());
    if (!lock) return false;
    locks_.emplace(address, std::move(*lock));
    return true;
  }
  void release(const Ipv6Address& address) override { locks_.erase(address); }

 private:
  std::map<Ipv6Address, platform::HostLock> locks_;
};

class ClientDaemon {
 public:
  ClientDaemon(const ClientDaemonConfig& config, DaemonRuntime& runtime)
      : config_(config),
        runtime_(runtime),
        core_(config.core, random_, registry_),
        deadline_(runtime.loop(), [this](TimePoint now) { onTimer(now); }),
        settle_(runtime.loop(), [this](TimePoint) { evaluateAttachment(); }),
        drop_log_(static_cast<std::size_t>(m6t::ClientDrop::kCount)) {
    tun_buffers_.resize(kBatch);
    udp_buffers_.resize(kBatch);
    udp_meta_.resize(kBatch);
    pending_.reserve(kBatch);
  }

  Status start();
  /// The Live keys of a reloaded configuration.
  void reconfigure(const ClientDaemonConfig& fresh, const ConfigChanges& live) {
    applyLogLevel(live, fresh.log_level);
    if (live.size() == 1 && changed(live, "log-level")) return;
    execute(core_.reconfigure(fresh.core, platform::monotonicNow()));
    follow();
  }
  void stop();
  std::string handleControl(std::string_view request);

 private:
  void evaluateAttachment();
  void onTunReadable();
  void onUdpReadable();
  void onUdpError();
  void onIcmpv4Readable();
  void onTimer(TimePoint now);
  void execute(m6t::Actions actions);
  void openSocket(const m6t::OpenSocket& open);
  void flushSends();
  void logDrop(m6t::ClientDrop reason, TimePoint now);
  void follow() { deadline_.follow(core_.nextDeadline()); }

  const ClientDaemonConfig& config_;
  DaemonRuntime& runtime_;
  platform::SystemRandom random_;
  HostAddressRegistry registry_;
  m6t::Client core_;
  DeadlineTimer deadline_;
  platform::Timer settle_;
  std::optional<platform::TunDevice> tun_;
  std::optional<platform::UdpSocket> socket_;
  std::uint32_t socket_generation_ = 0;
  std::optional<platform::Icmpv4Listener> icmpv4_;
  std::optional<platform::Icmpv6Sender> icmpv6_;
  std::unique_ptr<platform::NetlinkMonitor> monitor_;
  platform::FdWatch socket_watch_;
  std::vector<platform::FdWatch> watches_;
  std::vector<Ipv6Prefix> routes_installed_;
  std::vector<PacketBuffer> tun_buffers_;
  std::vector<PacketBuffer> udp_buffers_;
  std::vector<platform::ReceivedDatagram> udp_meta_;
  std::vector<platform::OutgoingDatagram> pending_;
  PacketBuffer icmp_buffer_{4096, 64};
  DropLog drop_log_;
  std::uint64_t tun_write_errors_ = 0;
  std::uint64_t send_errors_ = 0;
  std::uint64_t send_would_block_ = 0;
  std::uint64_t socket_icmp_errors_ = 0;
  std::uint64_t icmpv6_send_errors_ = 0;
  std::uint64_t system_errors_ = 0;
};

Status ClientDaemon::start() {
  auto icmpv4 = platform::Icmpv4Listener::open();
  if (!icmpv4) return Unexpected{icmpv4.error()};
  icmpv4_ = std::move(*icmpv4);
  auto icmpv6 = platform::Icmpv6Sender::open();
  if (!icmpv6) return Unexpected{icmpv6.error()};
  icmpv6_ = std::move(*icmpv6);

  auto tun = platform::TunDevice::open(config_.tun);
  if (!tun) {
    return makeError(ErrorCode::SystemError, fmt::format("cannot create TUN device {}: {}",
                                                         config_.tun, tun.error().toString()));
  }
  tun_ = std::move(*tun);
  platform::Netlink& nl = runtime_.netlink();
  // Only the tunnel address: no link-local address, no router solicitations on the device.
  (void)platform::writeSysctl(platform::ipv6ConfKey(tun_->name(), "addr_gen_mode"), "1");
  if (Status s = nl.setLinkMtu(tun_->ifindex(), config_.core.mtu); !s) return s;
  if (Status s = nl.setLinkUp(tun_->ifindex(), true); !s) return s;

  platform::EventLoop& loop = runtime_.loop();
  platform::MonitorOptions mo;
  mo.ipv6_addresses = false;
  mo.ipv6_routes = false;
  auto monitor = platform::NetlinkMonitor::create(
      loop, [this](const platform::NetlinkEvent&) { settle_.armAfter(kAttachmentSettle); }, mo);
  if (!monitor) return Unexpected{monitor.error()};
  monitor_ = std::move(*monitor);

  auto tw = platform::FdWatch::create(loop, tun_->fd(), platform::Interest::Read,
                                      [this](platform::IoEvents) { onTunReadable(); });
  if (!tw) return Unexpected{tw.error()};
  watches_.push_back(std::move(*tw));
  auto iw = platform::FdWatch::create(loop, icmpv4_->fd(), platform::Interest::Read,
                                      [this](platform::IoEvents) { onIcmpv4Readable(); });
  if (!iw) return Unexpected{iw.error()};
  watches_.push_back(std::move(*iw));

  log::info("m6t client up: tun {} (mtu {}), gateway {}, prefix {}, keep-alive {}, dead after {}",
            tun_->name(), config_.core.mtu, config_.core.gateway.toString(),
            config_.core.prefix.toString(), formatDuration(config_.core.keepalive_interval),
            config_.core.dead_after);
  evaluateAttachment();
  return {};
}

void ClientDaemon::evaluateAttachment() {
  // The IPv4 attachment is what the kernel would use towards the gateway: the interface, the
  // router and the source address of the route lookup (m6t §3).
  std::optional<m6t::Ipv4Attachment> attachment;
  auto route = runtime_.netlink().lookupRoute(platform::IpAddress{config_.core.gateway.address});
  if (route && route->ifindex != tun_->ifindex() && route->type == platform::RouteType::Unicast) {
    m6t::Ipv4Attachment a;
    a.interface_index = static_cast<std::uint32_t>(route->ifindex);
    if (route->gateway) {
      if (const auto* g = std::get_if<Ipv4Address>(&*route->gateway)) a.next_hop = *g;
    }
    if (route->preferred_source) {
      if (const auto* src = std::get_if<Ipv4Address>(&*route->preferred_source)) a.local = *src;
    }
    if (!a.local.isUnspecified()) attachment = a;
  }
  execute(core_.onAttachment(attachment, platform::monotonicNow()));
  settle_.armAfter(kAttachmentPoll);
  follow();
}

void ClientDaemon::openSocket(const m6t::OpenSocket& open) {
  socket_watch_.reset();
  socket_.reset();
  platform::UdpSocketOptions options;
  options.buffer_bytes = kSocketBuffer;
  options.pmtu_discovery = platform::PmtuDiscovery::Dont;  // m6t §2.6: never DF
  options.receive_errors = true;
  auto socket =
      platform::UdpSocket::open(platform::IpEndpoint{Ipv4Endpoint{open.local, 0}}, options);
  if (!socket) {
    ++system_errors_;
    log::error("cannot open the UDP socket from {}: {}", open.local.toString(),
               socket.error().toString());
    return;
  }
  socket_ = std::move(*socket);
  socket_generation_ = open.generation;
  auto w = platform::FdWatch::create(runtime_.loop(), socket_->fd(), platform::Interest::Read,
                                     [this](platform::IoEvents ev) {
                                       if (ev.error) onUdpError();
                                       if (ev.readable) onUdpReadable();
                                     });
  if (w) socket_watch_ = std::move(*w);
  const auto local = std::get<Ipv4Endpoint>(socket_->localEndpoint());
  core_.onSocketOpened(open.generation, local);
  log::info("UDP socket {} -> {} opened", local.toString(), open.remote.toString());
}

void ClientDaemon::execute(m6t::Actions actions) {
  platform::InstalledState& installed = runtime_.installed();
  platform::Netlink& nl = runtime_.netlink();
  const int ifindex = tun_->ifindex();
  for (m6t::Action& action : actions) {
    if (auto* a = std::get_if<m6t::AddAddress>(&action)) {
      Status s =
          installed.addAddress(ifindex, Ipv6Prefix{a->address, 128}, {}, platform::IfExists::Adopt);
      if (!s) {
        ++system_errors_;
        log::error("cannot add {} to {}: {}", a->address.toString(), tun_->name(),
                   s.error().toString());
      }
    } else if (auto* r = std::get_if<m6t::RemoveAddress>(&action)) {
      if (Status s = installed.removeAddress(ifindex, Ipv6Prefix{r->address, 128}); !s) {
        ++system_errors_;
        log::warn("cannot remove {}: {}", r->address.toString(), s.error().toString());
      }
    } else if (auto* ir = std::get_if<m6t::InstallRoute>(&action)) {
      if (std::find(routes_installed_.begin(), routes_installed_.end(), ir->destination) !=
          routes_installed_.end()) {
        continue;
      }
      platform::Route route;
      route.destination = ir->destination;
      route.ifindex = ifindex;
      if (Status s = installed.addRoute(route, platform::IfExists::Adopt); !s) {
        ++system_errors_;
        log::error("cannot route {} into {}: {}", ir->destination.toString(), tun_->name(),
                   s.error().toString());
      } else {
        routes_installed_.push_back(ir->destination);
      }
    } else if (auto* rr = std::get_if<m6t::RemoveRoute>(&action)) {
      auto it = std::find(routes_installed_.begin(), routes_installed_.end(), rr->destination);
      if (it == routes_installed_.end()) continue;
      routes_installed_.erase(it);
      platform::Route route;
      route.destination = rr->destination;
      route.ifindex = ifindex;
      if (Status s = installed.removeRoute(route); !s) {
        ++system_errors_;
        log::warn("cannot remove the route {}: {}", rr->destination.toString(),
                  s.error().toString());
      }
    } else if (auto* o = std::get_if<m6t::OpenSocket>(&action)) {
      openSocket(*o);
    } else if (std::get_if<m6t::CloseSocket>(&action) != nullptr) {
      socket_watch_.reset();
      socket_.reset();
    } else if (auto* m = std::get_if<m6t::SetTunMtu>(&action)) {
      if (Status s = nl.setLinkMtu(ifindex, m->mtu); !s) {
        ++system_errors_;
        log::error("cannot set the MTU of {} to {}: {}", tun_->name(), m->mtu,
                   s.error().toString());
      }
    } else if (auto* d = std::get_if<m6t::SendDatagram>(&action)) {
      if (socket_ && d->socket == socket_generation_) {
        if (Status s = socket_->sendTo(platform::IpEndpoint{d->to}, d->payload); !s) ++send_errors_;
      }
    } else if (auto* line = std::get_if<m6t::LogEvent>(&action)) {
      if (log::enabled(line->level)) log::write(line->level, line->message);
    }
  }
}

void ClientDaemon::logDrop(m6t::ClientDrop reason, TimePoint now) {
  const auto r = static_cast<std::size_t>(reason);
  // Packets from other sources on the TUN (link-local, multicast listener reports) are normal
  // noise: debug only.
  const LogLevel level =
      reason == m6t::ClientDrop::WrongSource || reason == m6t::ClientDrop::NoTunnel
          ? LogLevel::Debug
          : LogLevel::Warn;
  if (!log::enabled(level) || !drop_log_.allow(r, now)) return;
  log::write(level, fmt::format("drop {}{}", m6t::clientDropName(reason), drop_log_.suffix(r)));
}

void ClientDaemon::flushSends() {
  if (pending_.empty()) return;
  if (socket_) {
    const platform::SendBatchResult r = socket_->sendBatch(pending_);
    send_errors_ += r.failed;
    if (r.consumed < pending_.size()) send_would_block_ += pending_.size() - r.consumed;
  }
  pending_.clear();
}

void ClientDaemon::onTunReadable() {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = tun_->readBatch(tun_buffers_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      PacketBuffer& packet = tun_buffers_[i];
      const m6t::ClientVerdict v = core_.onTunPacket(packet, now);
      if (v.disposition == m6t::Disposition::SendDatagram) {
        pending_.push_back(platform::OutgoingDatagram{
            platform::IpEndpoint{config_.core.gateway}, packet.data(), 0, {}});
      } else if (v.disposition == m6t::Disposition::SendIcmpv6) {
        if (Status s = icmpv6_->send(v.icmp_destination, packet.data()); !s) ++icmpv6_send_errors_;
      }
      if (v.drop != m6t::ClientDrop::None) logDrop(v.drop, now);
    }
    flushSends();
    if (*n < kBatch) break;
  }
  follow();
}

void ClientDaemon::onUdpReadable() {
  for (int round = 0; round < kBatchesPerWakeup && socket_; ++round) {
    auto n = socket_->receiveBatch(udp_buffers_, udp_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      const auto* from = std::get_if<Ipv4Endpoint>(&udp_meta_[i].source);
      if (from == nullptr || udp_meta_[i].truncated) continue;
      PacketBuffer& packet = udp_buffers_[i];
      const m6t::ClientVerdict v = core_.onDatagram(socket_generation_, *from, packet, now);
      if (v.disposition == m6t::Disposition::WriteTun) {
        if (Status s = tun_->writePacket(packet.data()); !s) ++tun_write_errors_;
      }
      if (v.drop != m6t::ClientDrop::None) logDrop(v.drop, now);
    }
    if (*n < kBatch) break;
  }
  follow();
}

void ClientDaemon::onUdpError() {
  for (int i = 0; i < 64 && socket_; ++i) {
    auto e = socket_->readError();
    if (!e || !*e) break;
    ++socket_icmp_errors_;
  }
}

void ClientDaemon::onIcmpv4Readable() {
  for (int i = 0; i < 64; ++i) {
    auto got = icmpv4_->receive(icmp_buffer_);
    if (!got || !*got) break;
    auto ip = wire::decodeIpv4(icmp_buffer_.data());
    if (!ip || ip->header.protocol != wire::ip_protocol::kIcmp) continue;
    execute(core_.onIcmpv4(ip->payload, platform::monotonicNow()));
  }
  follow();
}

void ClientDaemon::onTimer(TimePoint now) {
  execute(core_.onTimer(now));
  follow();
}

void ClientDaemon::stop() { execute(core_.stop()); }

std::string ClientDaemon::handleControl(std::string_view request) {
  ClientStatusContext context;
  context.tun = tun_ ? tun_->name() : config_.tun;
  context.daemon_counters = {
      {"tun-write-errors", tun_write_errors_},     {"send-errors", send_errors_},
      {"send-would-block", send_would_block_},     {"socket-icmp-errors", socket_icmp_errors_},
      {"icmpv6-send-errors", icmpv6_send_errors_}, {"system-errors", system_errors_}};
  return handleClientControl(core_, context, request, platform::monotonicNow());
}

}  // namespace

ClientDaemonConfig defaultClientConfig() {
  ClientDaemonConfig c;
  c.core.routes = {Ipv6Prefix{Ipv6Address{}, 0}};
  c.control = defaultControlPath("m6t-client");
  return c;
}

void declareClientOptions(OptionTable& table, ClientDaemonConfig& c) {
  table
      .add("gateway", "IPV4:PORT", "the tunnel gateway's UDP address and port", &c.core.gateway,
           Validator<Ipv4Endpoint>{}, Presence::Required)
      .add("prefix", "IPV6/80", "the /80 the tunnel addresses are made from (m6t §2.2)", &c.prefix)
      .add("ula", "IPV6/48", "ULA /48 to build the /80 from, with --subnet-id and --mn-id", &c.ula)
      .add("subnet-id", "N", "16-bit subnet ID of the /80 (with --ula)", &c.subnet_id)
      .add("mn-id", "N", "16-bit mobile node ID of the /80 (with --ula)", &c.mn_id)
      .add("tun", "NAME", "name of the TUN device to create", &c.tun,
           Validator<std::string>(interfaceName))
      .add("mtu", "N", "tunnel MTU (m6t §2.6)", &c.core.mtu, inRange<std::uint32_t>(1280, 65507))
      .add("keepalive", "DUR", "keep-alive interval (m6t §2.3, decision D8)",
           &c.core.keepalive_interval,
           inRange<Duration>(std::chrono::milliseconds(100), std::chrono::hours(24)))
      .add("dead-after", "N", "keep-alives in a row without reply that declare the path dead",
           &c.core.dead_after, inRange<std::uint32_t>(1, 1000))
      .addList("route", "PREFIX", "IPv6 destination routed through the tunnel", &c.core.routes)
      .add("control", "PATH", "control socket (for dsmip show)", &c.control,
           Validator<std::string>(notEmpty))
      .addCommonOptions(&c.log_level)
      // What the core applies to the running tunnel (Client::reconfigure); the gateway, the
      // addresses, the TUN device, its MTU and routes need a restart.
      .setReload(Reload::Live, {"keepalive", "dead-after"})
      .addCheck([&c]() -> Status {
        const bool parts = c.ula || c.subnet_id || c.mn_id;
        if (c.prefix && parts) {
          return makeError(ErrorCode::InvalidArgument,
                           "prefix: give either --prefix or --ula with --subnet-id and --mn-id, "
                           "not both");
        }
        if (c.prefix) {
          c.core.prefix = *c.prefix;
        } else if (parts) {
          if (!c.ula)
            return makeError(ErrorCode::InvalidArgument,
                             "ula: needed with --subnet-id and --mn-id");
          if (!c.subnet_id) {
            return makeError(ErrorCode::InvalidArgument, "subnet-id: needed with --ula");
          }
          if (!c.mn_id) return makeError(ErrorCode::InvalidArgument, "mn-id: needed with --ula");
          auto assembled = m6t::assembleM6tPrefix(*c.ula, *c.subnet_id, *c.mn_id);
          if (!assembled) {
            return makeError(ErrorCode::InvalidArgument, "ula: " + assembled.error().detail);
          }
          c.core.prefix = *assembled;
        } else {
          return makeError(ErrorCode::InvalidArgument,
                           "prefix: a /80 is required (--prefix, or --ula with --subnet-id and "
                           "--mn-id)");
        }
        return m6t::validateClientConfig(c.core);
      });
}

int runClient(const ClientDaemonConfig& config, Reloadable<ClientDaemonConfig> reloadable) {
  installLogSink("m6t-client", config.log_level);
  auto runtime = DaemonRuntime::create("m6t-client");
  if (!runtime) {
    log::error("cannot start: {}", runtime.error().toString());
    return kExitRuntimeError;
  }
  auto daemon = std::make_unique<ClientDaemon>(config, **runtime);
  ClientDaemon* d = daemon.get();
  if (Status s = daemon->start(); !s) {
    log::error("cannot start: {}", s.error().toString());
    d->stop();
    daemon.reset();
    (void)(*runtime)->installed().removeAll();
    return kExitRuntimeError;
  }
  ConfigReloader reloader("m6t-client", std::move(reloadable.running));
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
      reloadWith<ClientDaemonConfig>(
          reloader, load,
          [d](const ClientDaemonConfig& fresh, const ConfigChanges& live) {
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
