#include "daemon/m6t_gateway_daemon.hpp"

#include <fmt/format.h>

#include <array>
#include <memory>
#include <vector>

#include "daemon/control.hpp"
#include "daemon/logging.hpp"
#include "daemon/m6t_status.hpp"
#include "daemon/runtime.hpp"
#include "platform/clock.hpp"
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
// Batches handled per readiness callback before giving the other descriptors a turn.
constexpr int kBatchesPerWakeup = 8;
// Socket buffers sized for bursts: 8 MiB each way.
constexpr int kSocketBuffer = 8 << 20;

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

class GatewayDaemon {
 public:
  GatewayDaemon(const GatewayDaemonConfig& config, DaemonRuntime& runtime)
      : config_(config),
        runtime_(runtime),
        core_(config.core, random_),
        deadline_(runtime.loop(), [this](TimePoint now) { onTimer(now); }),
        drop_log_(static_cast<std::size_t>(m6t::GatewayDrop::kCount)),
        event_log_(4, 5.0, 20.0) {
    udp_buffers_.resize(kBatch);
    udp_meta_.resize(kBatch);
    tun_buffers_.resize(kBatch);
  }

  Status start();
  std::string handleControl(std::string_view request);
  /// The Live keys of a reloaded configuration.
  void reconfigure(const GatewayDaemonConfig& fresh, const ConfigChanges& live) {
    applyLogLevel(live, fresh.log_level);
    if (live.size() == 1 && changed(live, "log-level")) return;
    execute(core_.reconfigure(fresh.core, platform::monotonicNow()));
    follow();
  }

 private:
  void onUdpReadable(std::size_t socket);
  void onUdpError(std::size_t socket);
  void onTunReadable();
  void onIcmpv4Readable();
  void onTimer(TimePoint now);
  void execute(const m6t::Actions& actions);
  void queueSend(m6t::SocketId socket, const Ipv4Endpoint& to, ByteView payload);
  void flushSends();
  void sendIcmpv6(const m6t::GatewayVerdict& v, ByteView message);
  void logVerdict(const m6t::GatewayVerdict& v, const Ipv4Endpoint* from, TimePoint now);
  void follow() { deadline_.follow(core_.nextDeadline()); }

  const GatewayDaemonConfig& config_;
  DaemonRuntime& runtime_;
  platform::SystemRandom random_;
  m6t::Gateway core_;
  DeadlineTimer deadline_;
  std::vector<platform::UdpSocket> sockets_;
  std::vector<Ipv4Endpoint> bound_;
  std::optional<platform::TunDevice> tun_;
  std::optional<platform::Icmpv4Listener> icmpv4_;
  std::optional<platform::Icmpv6Sender> icmpv6_;
  std::vector<platform::FdWatch> watches_;  // after the descriptors: unwatched first
  std::vector<PacketBuffer> udp_buffers_;
  std::vector<platform::ReceivedDatagram> udp_meta_;
  std::vector<PacketBuffer> tun_buffers_;
  PacketBuffer icmp_buffer_{4096, 64};
  std::vector<std::vector<platform::OutgoingDatagram>> pending_;  // per socket
  DropLog drop_log_;
  DropLog event_log_;
  // Failures around the core (the core's counters cover what it decides).
  std::uint64_t tun_write_errors_ = 0;
  std::uint64_t send_errors_ = 0;
  std::uint64_t send_would_block_ = 0;
  std::uint64_t icmpv6_send_errors_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t icmp_errors_on_sockets_ = 0;
};

Status GatewayDaemon::start() {
  // UDP sockets first: failing to bind changes nothing on the system.
  platform::UdpSocketOptions options;
  options.buffer_bytes = kSocketBuffer;
  options.pmtu_discovery = platform::PmtuDiscovery::Dont;  // m6t §2.6: never DF
  options.receive_errors = true;
  for (const Ipv4Endpoint& listen : config_.core.listen) {
    auto socket = platform::UdpSocket::open(platform::IpEndpoint{listen}, options);
    if (!socket) {
      return makeError(
          ErrorCode::SystemError,
          fmt::format("cannot listen on {}: {}", listen.toString(), socket.error().toString()));
    }
    bound_.push_back(std::get<Ipv4Endpoint>(socket->localEndpoint()));
    sockets_.push_back(std::move(*socket));
  }
  pending_.resize(sockets_.size());
  for (auto& p : pending_) p.reserve(kBatch);

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
  // No link-local address or router solicitations on the tunnel device.
  (void)platform::writeSysctl(platform::ipv6ConfKey(tun_->name(), "addr_gen_mode"), "1");
  if (Status s = nl.setLinkMtu(tun_->ifindex(), config_.core.mtu); !s) return s;
  if (Status s = nl.setLinkUp(tun_->ifindex(), true); !s) return s;
  platform::InstalledState& installed = runtime_.installed();
  if (Status s = installed.setSysctl("net/ipv6/conf/all/forwarding", "1"); !s) return s;
  for (const Ipv6Prefix& prefix : config_.core.prefixes) {
    platform::Route route;
    route.destination = prefix;
    route.ifindex = tun_->ifindex();
    if (Status s = installed.addRoute(route); !s) {
      return makeError(ErrorCode::SystemError,
                       fmt::format("cannot route {} into {}: {}", prefix.toString(), tun_->name(),
                                   s.error().toString()));
    }
  }

  platform::EventLoop& loop = runtime_.loop();
  for (std::size_t i = 0; i < sockets_.size(); ++i) {
    auto w = platform::FdWatch::create(loop, sockets_[i].fd(), platform::Interest::Read,
                                       [this, i](platform::IoEvents ev) {
                                         if (ev.error) onUdpError(i);
                                         if (ev.readable) onUdpReadable(i);
                                       });
    if (!w) return Unexpected{w.error()};
    watches_.push_back(std::move(*w));
  }
  auto tw = platform::FdWatch::create(loop, tun_->fd(), platform::Interest::Read,
                                      [this](platform::IoEvents) { onTunReadable(); });
  if (!tw) return Unexpected{tw.error()};
  watches_.push_back(std::move(*tw));
  auto iw = platform::FdWatch::create(loop, icmpv4_->fd(), platform::Interest::Read,
                                      [this](platform::IoEvents) { onIcmpv4Readable(); });
  if (!iw) return Unexpected{iw.error()};
  watches_.push_back(std::move(*iw));

  std::string listening;
  for (const auto& b : bound_) listening += (listening.empty() ? "" : ", ") + b.toString();
  std::string prefixes;
  for (const auto& p : config_.core.prefixes) prefixes += " " + p.toString();
  std::string has;
  for (const auto& h : config_.core.home_agents) has += " " + h.toString();
  log::info("m6t gateway up: listening on {}; tun {} (mtu {}); prefixes{}; home agents{}",
            listening, tun_->name(), config_.core.mtu, prefixes, has);
  follow();
  return {};
}

void GatewayDaemon::logVerdict(const m6t::GatewayVerdict& v, const Ipv4Endpoint* from,
                               TimePoint now) {
  if (v.event == m6t::GatewayEvent::StateCreated ||
      v.event == m6t::GatewayEvent::StateCreatedAfterEviction) {
    if (log::enabled(LogLevel::Debug) && event_log_.allow(0, now)) {
      log::debug("state created (temporary): {} at {}{}{}", v.mobile_node.toString(),
                 from ? from->toString() : "?",
                 v.event == m6t::GatewayEvent::StateCreatedAfterEviction
                     ? ", after evicting the oldest temporary state (table full)"
                     : "",
                 event_log_.suffix(0));
    }
  } else if (v.event == m6t::GatewayEvent::StateActivated) {
    if (event_log_.allow(1, now)) {
      const m6t::GatewayState* s = core_.states().find(v.mobile_node);
      log::info("state active: {} at {}{}", v.mobile_node.toString(),
                s ? s->endpoint.toString() : "?", event_log_.suffix(1));
    }
  }
  if (v.drop == m6t::GatewayDrop::None) return;
  const auto reason = static_cast<std::size_t>(v.drop);
  // The kernel's own multicast on the device is expected noise.
  const LogLevel level =
      v.drop == m6t::GatewayDrop::TunMulticast ? LogLevel::Debug : LogLevel::Warn;
  if (!log::enabled(level) || !drop_log_.allow(reason, now)) return;
  std::string detail;
  if (v.drop == m6t::GatewayDrop::StateMismatch || v.drop == m6t::GatewayDrop::KeepaliveMismatch) {
    if (const m6t::GatewayState* s = core_.states().find(v.mobile_node)) {
      detail = fmt::format(" (its state is bound to {})", s->endpoint.toString());
    }
  }
  log::write(level, fmt::format(
                        "drop {}: {}{}{}{}", m6t::gatewayDropName(v.drop),
                        v.mobile_node.isUnspecified() ? std::string("-") : v.mobile_node.toString(),
                        from ? " from " + from->toString() : std::string(), detail,
                        drop_log_.suffix(reason)));
}

void GatewayDaemon::queueSend(m6t::SocketId socket, const Ipv4Endpoint& to, ByteView payload) {
  if (socket >= pending_.size()) return;
  pending_[socket].push_back(platform::OutgoingDatagram{platform::IpEndpoint{to}, payload, 0, {}});
}

void GatewayDaemon::flushSends() {
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    auto& queue = pending_[i];
    if (queue.empty()) continue;
    Error error;
    const platform::SendBatchResult r = sockets_[i].sendBatch(queue, &error);
    send_errors_ += r.failed;
    if (r.consumed < queue.size()) send_would_block_ += queue.size() - r.consumed;
    queue.clear();
  }
}

void GatewayDaemon::sendIcmpv6(const m6t::GatewayVerdict& v, ByteView message) {
  if (Status s = icmpv6_->send(v.icmp_destination, message); !s) ++icmpv6_send_errors_;
}

void GatewayDaemon::onUdpReadable(std::size_t socket) {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = sockets_[socket].receiveBatch(udp_buffers_, udp_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      const auto* from = std::get_if<Ipv4Endpoint>(&udp_meta_[i].source);
      if (from == nullptr) continue;
      if (udp_meta_[i].truncated) {
        ++truncated_;
        continue;
      }
      PacketBuffer& packet = udp_buffers_[i];
      const m6t::GatewayVerdict v =
          core_.onDatagram(static_cast<m6t::SocketId>(socket), *from, packet, now);
      switch (v.disposition) {
        case m6t::Disposition::WriteTun:
          if (Status s = tun_->writePacket(packet.data()); !s) ++tun_write_errors_;
          break;
        case m6t::Disposition::SendDatagram:
          queueSend(v.socket, v.to, packet.data());
          break;
        case m6t::Disposition::SendIcmpv6:
          sendIcmpv6(v, packet.data());
          break;
        case m6t::Disposition::Drop:
        case m6t::Disposition::Consumed:
          break;
      }
      if (v.event != m6t::GatewayEvent::None || v.drop != m6t::GatewayDrop::None) {
        logVerdict(v, from, now);
      }
    }
    flushSends();
    if (*n < kBatch) break;
  }
  follow();
}

void GatewayDaemon::onUdpError(std::size_t socket) {
  // ICMP errors about datagrams to mobile nodes (port unreachable when a NAT mapping is gone):
  // the error queue must be drained; the state ages out on its own.
  for (int i = 0; i < 64; ++i) {
    auto e = sockets_[socket].readError();
    if (!e || !*e) break;
    ++icmp_errors_on_sockets_;
  }
}

void GatewayDaemon::onTunReadable() {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = tun_->readBatch(tun_buffers_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      PacketBuffer& packet = tun_buffers_[i];
      const m6t::GatewayVerdict v = core_.onTunPacket(packet, now);
      switch (v.disposition) {
        case m6t::Disposition::SendDatagram:
          queueSend(v.socket, v.to, packet.data());
          break;
        case m6t::Disposition::SendIcmpv6:
          sendIcmpv6(v, packet.data());
          break;
        case m6t::Disposition::WriteTun:
        case m6t::Disposition::Drop:
        case m6t::Disposition::Consumed:
          break;
      }
      if (v.event != m6t::GatewayEvent::None || v.drop != m6t::GatewayDrop::None) {
        logVerdict(v, nullptr, now);
      }
    }
    flushSends();
    if (*n < kBatch) break;
  }
  follow();
}

void GatewayDaemon::onIcmpv4Readable() {
  for (int i = 0; i < 64; ++i) {
    auto got = icmpv4_->receive(icmp_buffer_);
    if (!got || !*got) break;
    auto ip = wire::decodeIpv4(icmp_buffer_.data());
    if (!ip || ip->header.protocol != wire::ip_protocol::kIcmp) continue;
    execute(core_.onIcmpv4(ip->payload, platform::monotonicNow()));
  }
  follow();
}

void GatewayDaemon::onTimer(TimePoint now) {
  execute(core_.onTimer(now));
  follow();
}

void GatewayDaemon::execute(const m6t::Actions& actions) {
  for (const m6t::Action& a : actions) {
    if (const auto* line = std::get_if<m6t::LogEvent>(&a)) {
      if (log::enabled(line->level)) log::write(line->level, line->message);
    }
    // The gateway core asks for nothing else outside its per-packet verdicts.
  }
}

std::string GatewayDaemon::handleControl(std::string_view request) {
  GatewayStatusContext context;
  context.tun = tun_ ? tun_->name() : config_.tun;
  context.listen = bound_;
  context.daemon_counters = {
      {"tun-write-errors", tun_write_errors_}, {"send-errors", send_errors_},
      {"send-would-block", send_would_block_}, {"icmpv6-send-errors", icmpv6_send_errors_},
      {"truncated-datagrams", truncated_},     {"socket-icmp-errors", icmp_errors_on_sockets_}};
  return handleGatewayControl(core_, context, request, platform::monotonicNow());
}

}  // namespace

GatewayDaemonConfig defaultGatewayConfig() {
  GatewayDaemonConfig c;
  c.core.listen = {Ipv4Endpoint{Ipv4Address{}, 3544}};
  c.control = defaultControlPath("m6t-gateway");
  return c;
}

void declareGatewayOptions(OptionTable& table, GatewayDaemonConfig& c) {
  table
      .addList("listen", "IPV4:PORT", "UDP address and port the gateway listens on (m6t §2.1)",
               &c.core.listen)
      .addList("prefix", "IPV6/LEN", "prefix the mobile nodes' tunnel addresses come from",
               &c.core.prefixes, Validator<Ipv6Prefix>{}, Presence::Required)
      .addList("home-agent", "IPV6",
               "home agent address: the only destination mobile nodes may reach",
               &c.core.home_agents, Validator<Ipv6Address>{}, Presence::Required)
      .add("tun", "NAME", "name of the TUN device to create", &c.tun,
           Validator<std::string>(interfaceName))
      .add("mtu", "N", "tunnel MTU (m6t §2.6)", &c.core.mtu,
           inRange<std::uint32_t>(1280, m6t::kMaxTunnelMtu))
      .add("temporary-lifetime", "DUR",
           "lifetime of a temporary state (HA processing time + GW-HA round trip)",
           &c.core.temporary_lifetime,
           inRange<Duration>(std::chrono::milliseconds(1), std::chrono::hours(1)))
      .add("active-lifetime", "DUR",
           "an active state is removed after this long without traffic or keep-alive",
           &c.core.active_lifetime,
           inRange<Duration>(std::chrono::milliseconds(100), std::chrono::hours(24 * 7)))
      .add("rate-limit", "N",
           "new temporary states per second per IPv4 address, port not considered (0: no limit)",
           &c.core.rate_limit, inRange<double>(0, 1e9))
      .add("rate-limit-burst", "N", "new temporary states an IPv4 address may create at once",
           &c.core.rate_limit_burst, inRange<double>(1, 1e9))
      .add("max-states", "N", "most states held at once (temporary and active)", &c.core.max_states,
           inRange<std::size_t>(1, 0xFFFF'FFF0u))
      .add("control", "PATH", "control socket (for dsmip show)", &c.control,
           Validator<std::string>(notEmpty))
      .addCommonOptions(&c.log_level)
      // What the core applies to its running states (Gateway::reconfigure); listen, prefix,
      // mtu, max-states, tun and control need a restart.
      .setReload(Reload::Live, {"home-agent", "temporary-lifetime", "active-lifetime", "rate-limit",
                                "rate-limit-burst"})
      .addCheck([&c]() -> Status { return m6t::validateGatewayConfig(c.core); });
}

int runGateway(const GatewayDaemonConfig& config, Reloadable<GatewayDaemonConfig> reloadable) {
  installLogSink("m6t-gateway", config.log_level);
  auto runtime = DaemonRuntime::create("m6t-gateway");
  if (!runtime) {
    log::error("cannot start: {}", runtime.error().toString());
    return kExitRuntimeError;
  }
  auto daemon = std::make_unique<GatewayDaemon>(config, **runtime);
  if (Status s = daemon->start(); !s) {
    log::error("cannot start: {}", s.error().toString());
    daemon.reset();
    (void)(*runtime)->installed().removeAll();
    return kExitRuntimeError;
  }
  GatewayDaemon* d = daemon.get();
  ConfigReloader reloader("m6t-gateway", std::move(reloadable.running));
  if (Status s = (*runtime)->serveControl(config.control,
                                          [d, &reloader](std::string_view request) {
                                            return reloader.decorate(request,
                                                                     d->handleControl(request));
                                          });
      !s) {
    log::error("cannot serve the control socket {}: {}", config.control, s.error().toString());
    daemon.reset();
    (void)(*runtime)->installed().removeAll();
    return kExitRuntimeError;
  }
  if (reloadable.load) {
    (*runtime)->onReload([d, &reloader, load = std::move(reloadable.load)] {
      reloadWith<GatewayDaemonConfig>(
          reloader, load,
          [d](const GatewayDaemonConfig& fresh, const ConfigChanges& live) {
            d->reconfigure(fresh, live);
          },
          platform::unixTimeNanos());
    });
  }
  const int code = (*runtime)->run();
  daemon.reset();
  return code;
}

}  // namespace dsmip::daemon
