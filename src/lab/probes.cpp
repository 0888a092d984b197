#include "lab/probes.hpp"

#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/bytes.hpp"
#include "platform/clock.hpp"
#include "platform/socket_address.hpp"
#include "wire/icmpv4.hpp"
#include "wire/ipv4.hpp"

namespace dsmip::lab {

using platform::IpAddress;
using platform::osError;
using platform::UniqueFd;

namespace {

// The first payload octets of every probe: which requests are ours, and their full sequence
// number (the ICMP field has only 16 bits).
constexpr std::array<std::uint8_t, 8> kMagic = {'d', 's', 'm', 'i', 'p', 'l', 'a', 'b'};
constexpr std::size_t kMagicAndSequence = 16;

constexpr std::uint8_t kIcmpv6EchoRequest = 128;
constexpr std::uint8_t kIcmpv6EchoReply = 129;

platform::SocketAddress socketAddress(const IpAddress& address, std::uint16_t port) {
  if (const auto* v4 = std::get_if<Ipv4Address>(&address)) {
    return platform::toSocketAddress(Ipv4Endpoint{*v4, port});
  }
  return platform::toSocketAddress(Ipv6Endpoint{std::get<Ipv6Address>(address), port});
}

void writePayload(ByteWriter& w, std::uint64_t sequence, std::size_t payload) {
  w.bytes(kMagic);
  w.u64(sequence);
  for (std::size_t i = kMagicAndSequence; i < payload; ++i) w.u8(static_cast<std::uint8_t>(i));
}

// The full sequence number in an echo payload; nullopt if it is not ours.
std::optional<std::uint64_t> payloadSequence(ByteView data) {
  if (data.size() < kMagicAndSequence) return std::nullopt;
  if (!std::equal(kMagic.begin(), kMagic.end(), data.begin())) return std::nullopt;
  ByteReader r(data.subspan(kMagic.size(), 8));
  const std::uint64_t sequence = r.u64();
  if (!r.ok()) return std::nullopt;
  return sequence;
}

}  // namespace

// --- EchoProbe ---------------------------------------------------------------------------

Result<std::unique_ptr<EchoProbe>> EchoProbe::open(platform::EventLoop& loop, const Namespace& ns,
                                                   Family family, std::uint16_t identifier,
                                                   std::size_t payload, EchoStreamRecord* record,
                                                   const std::optional<IpAddress>& source,
                                                   const std::string& device) {
  auto fd = inNamespace(ns, [&]() -> Result<UniqueFd> {
    const bool v6 = family == Family::Ipv6;
    const int protocol = v6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
    const int s =
        ::socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (s < 0) return osError("raw ICMP socket", errno, ns.name());
    UniqueFd owner(s);
    // Only echo replies reach this socket (requests the kernel answers, errors: not ours).
    if (v6) {
      icmp6_filter filter{};
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
      if (::setsockopt(s, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) != 0) {
        return osError("ICMP6_FILTER", errno);
      }
    } else {
      icmp_filter filter{};
      filter.data = ~(1u << ICMP_ECHOREPLY);
      if (::setsockopt(s, SOL_RAW, ICMP_FILTER, &filter, sizeof filter) != 0) {
        return osError("ICMP_FILTER", errno);
      }
    }
    if (!device.empty() && ::setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                                        static_cast<socklen_t>(device.size())) != 0) {
      return osError("SO_BINDTODEVICE", errno, device);
    }
    if (source) {
      const platform::SocketAddress a = socketAddress(*source, 0);
      if (::bind(s, a.get(), a.length) != 0) {
        return osError("bind probe", errno, platform::toString(*source));
      }
    }
    return owner;
  });
  if (!fd) return Unexpected{fd.error()};
  std::unique_ptr<EchoProbe> probe(
      new EchoProbe(family, identifier, payload, record, std::move(*fd)));
  EchoProbe* self = probe.get();
  auto watch = platform::FdWatch::create(loop, self->fd_.get(), platform::Interest::Read,
                                         [self](platform::IoEvents) { self->onReadable(); });
  if (!watch) return Unexpected{watch.error()};
  probe->watch_ = std::move(*watch);
  return probe;
}

EchoProbe::~EchoProbe() { watch_.reset(); }

void EchoProbe::send(TimePoint now) {
  if (!target_) return;
  EchoSample sample;
  sample.sequence = record_->samples.size();
  sample.sent = now;
  const auto sequence16 = static_cast<std::uint16_t>(sample.sequence & 0xFFFF);
  PacketBuffer packet;
  {
    MutableByteView body = packet.append(payload_);
    ByteWriter w(body);
    writePayload(w, sample.sequence, payload_);
  }
  bool built = true;
  if (family_ == Family::Ipv6) {
    // The kernel computes the ICMPv6 checksum of raw ICMPv6 sockets (RFC 3542 §3.1).
    MutableByteView header = packet.prepend(8);
    ByteWriter w(header);
    w.u8(kIcmpv6EchoRequest);
    w.u8(0);
    w.u16(0);
    w.u16(identifier_);
    w.u16(sequence16);
    built = w.ok();
  } else {
    built = wire::prependIcmpv4EchoRequest(packet, identifier_, sequence16).has_value();
  }
  const platform::SocketAddress to = socketAddress(*target_, 0);
  const ByteView bytes = packet.data();
  const ssize_t n =
      built ? ::sendto(fd_.get(), bytes.data(), bytes.size(), 0, to.get(), to.length) : -1;
  sample.send_failed = n != static_cast<ssize_t>(bytes.size());
  record_->samples.push_back(sample);
}

void EchoProbe::onReadable() {
  std::array<std::uint8_t, 2048> buffer{};
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    const TimePoint now = platform::monotonicNow();
    ByteView message(buffer.data(), static_cast<std::size_t>(n));
    std::uint16_t identifier = 0;
    ByteView data;
    if (family_ == Family::Ipv6) {
      // Raw ICMPv6 sockets deliver the message alone, its checksum verified by the kernel.
      ByteReader r(message);
      const std::uint8_t type = r.u8();
      r.skip(3);
      identifier = r.u16();
      r.skip(2);
      if (!r.ok() || type != kIcmpv6EchoReply) continue;
      data = r.remainingView();
    } else {
      auto ip = wire::decodeIpv4(message);
      if (!ip) continue;
      auto icmp = wire::decodeIcmpv4(ip->payload);
      if (!icmp || icmp->type != wire::icmpv4_type::kEchoReply) continue;
      const auto* echo = std::get_if<wire::Icmpv4Echo>(&icmp->body);
      if (echo == nullptr) continue;
      identifier = echo->identifier;
      data = echo->data;
    }
    if (identifier != identifier_) continue;
    const auto sequence = payloadSequence(data);
    if (!sequence || *sequence >= record_->samples.size()) continue;
    EchoSample& sample = record_->samples[*sequence];
    if (!sample.replied) sample.replied = now;  // duplicates keep the first
  }
}

// --- TcpSink -----------------------------------------------------------------------------

Result<std::unique_ptr<TcpSink>> TcpSink::open(platform::EventLoop& loop, const Namespace& ns,
                                               std::uint16_t port, TcpStreamRecord* ipv6,
                                               TcpStreamRecord* ipv4) {
  std::unique_ptr<TcpSink> sink(new TcpSink(loop));
  for (TcpStreamRecord* record : {ipv6, ipv4}) {
    if (record == nullptr) continue;
    const bool v6 = record == ipv6;
    auto fd = inNamespace(ns, [&]() -> Result<UniqueFd> {
      const int s =
          ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (s < 0) return osError("TCP socket", errno);
      UniqueFd owner(s);
      const int one = 1;
      ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (v6) ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      const platform::SocketAddress a =
          v6 ? platform::toSocketAddress(Ipv6Endpoint{Ipv6Address{}, port})
             : platform::toSocketAddress(Ipv4Endpoint{Ipv4Address{}, port});
      if (::bind(s, a.get(), a.length) != 0) return osError("bind TCP sink", errno);
      if (::listen(s, 8) != 0) return osError("listen", errno);
      return owner;
    });
    if (!fd) return Unexpected{fd.error()};
    auto listener = std::make_unique<Listener>();
    listener->fd = std::move(*fd);
    listener->record = record;
    Listener* l = listener.get();
    TcpSink* self = sink.get();
    auto watch = platform::FdWatch::create(loop, l->fd.get(), platform::Interest::Read,
                                           [self, l](platform::IoEvents) { self->onAccept(*l); });
    if (!watch) return Unexpected{watch.error()};
    listener->watch = std::move(*watch);
    sink->listeners_.push_back(std::move(listener));
  }
  return sink;
}

TcpSink::~TcpSink() {
  connections_.clear();
  listeners_.clear();
}

void TcpSink::onAccept(Listener& listener) {
  for (;;) {
    const int fd = ::accept4(listener.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    // One stream per family: a new connection means the old one is gone (m6t: new address).
    std::erase_if(connections_, [&](const std::unique_ptr<Connection>& c) {
      return c->record == listener.record;
    });
    listener.record->connections.push_back(platform::monotonicNow());
    auto c = std::make_unique<Connection>();
    c->fd = UniqueFd(fd);
    c->record = listener.record;
    auto watch = platform::FdWatch::create(loop_, fd, platform::Interest::Read,
                                           [this, fd](platform::IoEvents) { onData(fd); });
    if (!watch) continue;
    c->watch = std::move(*watch);
    connections_.push_back(std::move(c));
  }
}

void TcpSink::onData(int fd) {
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if ((*it)->fd.get() != fd) continue;
    Connection& c = **it;
    std::array<std::uint8_t, 65536> buffer{};
    for (;;) {
      const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        c.record->reads.push_back({platform::monotonicNow(), static_cast<std::uint64_t>(n)});
        continue;
      }
      if (n < 0 && platform::isWouldBlock(errno)) return;
      connections_.erase(it);  // end of stream or error
      return;
    }
  }
}

// --- TcpSender ---------------------------------------------------------------------------

namespace {
constexpr std::size_t kTcpChunk = 1200;  // one write, TCP_NODELAY
constexpr Duration kReconnectDelay = std::chrono::milliseconds(200);
constexpr Duration kConnectRestart = std::chrono::seconds(1);  // SYN back-off would be slower
constexpr int kSendBuffer = 32 * 1024;  // little queued data: pauses take effect quickly
}  // namespace

TcpSender::TcpSender(platform::EventLoop& loop, const Namespace& ns, Family family,
                     std::uint16_t port, double bytes_per_second, TcpStreamRecord* record)
    : loop_(loop),
      ns_(ns),
      family_(family),
      port_(port),
      bytes_per_second_(bytes_per_second),
      record_(record) {}

TcpSender::~TcpSender() {
  watch_.reset();
  fd_.reset();
}

void TcpSender::setTarget(const std::optional<IpAddress>& target) {
  if (target == target_) return;
  target_ = target;
  close(platform::monotonicNow() - kReconnectDelay);  // connect to the new address at once
}

void TcpSender::setPaused(bool paused) {
  paused_ = paused;
  allowance_ = 0;
}

void TcpSender::close(TimePoint now) {
  watch_.reset();
  fd_.reset();
  state_ = State::Idle;
  retry_at_ = now + kReconnectDelay;
}

void TcpSender::startConnect(TimePoint now) {
  if (!target_) return;
  auto fd = inNamespace(ns_, [&]() -> Result<UniqueFd> {
    const int s = ::socket(family_ == Family::Ipv6 ? AF_INET6 : AF_INET,
                           SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return osError("TCP socket", errno);
    return UniqueFd(s);
  });
  if (!fd) {
    retry_at_ = now + kReconnectDelay;
    return;
  }
  const int one = 1;
  ::setsockopt(fd->get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(fd->get(), SOL_SOCKET, SO_SNDBUF, &kSendBuffer, sizeof kSendBuffer);
  const platform::SocketAddress to = socketAddress(*target_, port_);
  if (::connect(fd->get(), to.get(), to.length) != 0 && errno != EINPROGRESS) {
    retry_at_ = now + kReconnectDelay;
    return;
  }
  fd_ = std::move(*fd);
  state_ = State::Connecting;
  connect_started_ = now;
  auto watch = platform::FdWatch::create(loop_, fd_.get(), platform::Interest::ReadWrite,
                                         [this](platform::IoEvents e) { onEvents(e); });
  if (!watch) {
    close(now);
    return;
  }
  watch_ = std::move(*watch);
}

void TcpSender::onEvents(platform::IoEvents events) {
  const TimePoint now = platform::monotonicNow();
  if (state_ == State::Connecting) {
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      close(now);
      return;
    }
    if (events.writable) {
      state_ = State::Connected;
      last_tick_ = now;
      allowance_ = 0;
      (void)watch_.setInterest(platform::Interest::Read);
    }
    return;
  }
  // The receiver never writes: readable means the end of the connection (or a reset).
  if (events.readable || events.error || events.hangup) {
    std::array<std::uint8_t, 256> scratch{};
    const ssize_t n = ::recv(fd_.get(), scratch.data(), scratch.size(), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && !platform::isWouldBlock(errno)) || events.error) close(now);
  }
}

void TcpSender::tick(TimePoint now) {
  switch (state_) {
    case State::Idle:
      if (target_ && now >= retry_at_) startConnect(now);
      return;
    case State::Connecting:
      if (now - connect_started_ > kConnectRestart) close(now - kReconnectDelay);
      return;
    case State::Connected:
      break;
  }
  const Duration elapsed = last_tick_ ? now - *last_tick_ : Duration::zero();
  last_tick_ = now;
  if (paused_) return;
  allowance_ += bytes_per_second_ * toSeconds(elapsed);
  static const std::array<std::uint8_t, kTcpChunk> kData{};
  while (allowance_ >= static_cast<double>(kTcpChunk)) {
    const ssize_t n = ::send(fd_.get(), kData.data(), kData.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      allowance_ -= static_cast<double>(n);
      record_->bytes_sent += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n < 0 && platform::isWouldBlock(errno)) {
      // The path is stalled: do not build up a burst for when it comes back.
      allowance_ = std::min(allowance_, 2.0 * kTcpChunk);
      return;
    }
    close(now);
    return;
  }
}

// --- Sniffer -----------------------------------------------------------------------------

bool isLinkChatter(ByteView packet, std::uint16_t ether_type) {
  if (ether_type != 0x0800 && ether_type != 0x86DD) return true;  // ARP and the rest
  ByteReader r(packet);
  const std::uint8_t version = static_cast<std::uint8_t>(r.u8() >> 4);
  if (version == 4) {
    ByteReader h(packet);
    h.skip(9);
    const std::uint8_t protocol = h.u8();
    h.skip(6);
    const std::uint8_t first = h.u8();  // destination's first octet
    if (!h.ok()) return true;
    return protocol == 2 || first >= 224;  // IGMP, multicast, broadcast
  }
  if (version == 6) {
    ByteReader h(packet);
    h.skip(6);
    const std::uint8_t next = h.u8();
    h.skip(1);
    const ByteView source = h.bytes(16);
    const ByteView destination = h.bytes(16);
    if (!h.ok()) return true;
    if (destination[0] == 0xFF) return true;                           // multicast: MLD, ND
    if (source[0] == 0xFE && (source[1] & 0xC0) == 0x80) return true;  // link-local
    if (next == 58) {
      const std::uint8_t type = h.u8();
      if (h.ok() && type >= 133 && type <= 137) return true;  // RS, RA, NS, NA, redirect
    }
    return false;
  }
  return true;
}

Result<std::unique_ptr<Sniffer>> Sniffer::open(platform::EventLoop& loop, const Namespace& mn,
                                               const std::vector<std::string>& interfaces) {
  std::unique_ptr<Sniffer> sniffer(new Sniffer());
  sniffer->buffers_.resize(16);  // full size: veth offloads hand packet sockets 64 KB frames
  sniffer->meta_.resize(16);
  for (const std::string& name : interfaces) {
    auto socket = inNamespace(mn, [&]() -> Result<platform::PacketSocket> {
      auto netlink = platform::Netlink::open();
      if (!netlink) return Unexpected{netlink.error()};
      auto index = netlink->linkIndex(name);
      if (!index) return Unexpected{index.error()};
      platform::PacketSocketOptions options;
      options.ignore_outgoing = false;
      options.buffer_bytes = 1 << 20;
      return platform::PacketSocket::open(*index, platform::PacketProtocol::All, std::nullopt,
                                          options);
    });
    if (!socket) return Unexpected{socket.error()};
    auto tap = std::make_unique<Tap>(Tap{name, std::move(*socket), {}});
    Tap* t = tap.get();
    Sniffer* self = sniffer.get();
    auto watch = platform::FdWatch::create(loop, t->socket.fd(), platform::Interest::Read,
                                           [self, t](platform::IoEvents) { self->onReadable(*t); });
    if (!watch) return Unexpected{watch.error()};
    tap->watch = std::move(*watch);
    sniffer->taps_.push_back(std::move(tap));
  }
  return sniffer;
}

Sniffer::~Sniffer() { taps_.clear(); }

void Sniffer::record(const std::string& interface, AttachmentRecord* attachment) {
  interface_ = interface;
  attachment_ = attachment;
}

void Sniffer::onReadable(Tap& tap) {
  for (;;) {
    auto n = tap.socket.receiveBatch(buffers_, meta_);
    if (!n || *n == 0) return;
    const TimePoint now = platform::monotonicNow();
    if (attachment_ == nullptr || tap.interface != interface_) continue;
    for (std::size_t i = 0; i < *n; ++i) {
      const ByteView packet = buffers_[i].data();
      WirePacket p;
      p.at = now;
      p.length = static_cast<std::uint32_t>(packet.size());
      p.outgoing = meta_[i].type == platform::PacketType::Outgoing;
      p.link_chatter = isLinkChatter(packet, meta_[i].protocol);
      attachment_->wire.push_back(p);
    }
  }
}

// --- MobileNodeLinks ---------------------------------------------------------------------

Result<MobileNodeLinks> MobileNodeLinks::open(const Namespace& mn) {
  auto netlink = inNamespace(mn, [] { return platform::Netlink::open(); });
  if (!netlink) return Unexpected{netlink.error()};
  return MobileNodeLinks(std::move(*netlink));
}

Status MobileNodeLinks::attach(const VisitedNetwork& network) {
  auto index = netlink_.linkIndex(network.mn_interface);
  if (!index) return Unexpected{index.error()};
  if (Status s = netlink_.setLinkUp(*index, true); !s) return s;
  std::optional<platform::IpPrefix> address;
  std::optional<IpAddress> router;
  if (network.mn_ipv6) {
    address = Ipv6Prefix{*network.mn_ipv6, 64};
    router = *network.router_ipv6;
  } else {
    address = Ipv4Prefix{*network.mn_ipv4, 24};
    router = *network.router_ipv4;
  }
  if (Status s = netlink_.addAddress(*index, *address);
      !s && !platform::hasErrno(s.error(), EEXIST)) {
    return s;
  }
  if (Status s = netlink_.waitForLocalAddress(platform::addressOf(*address)); !s) return s;
  platform::Route route;
  route.destination = platform::defaultPrefix(platform::familyOf(*router));
  route.gateway = router;
  route.ifindex = *index;
  // The prefix route that makes the router on-link appears with the address, a moment later
  // for IPv6: retry briefly.
  Status added;
  for (int attempt = 0; attempt < 50; ++attempt) {
    added = netlink_.addRoute(route, platform::WriteMode::Replace);
    if (added || !platform::hasErrno(added.error(), ENETUNREACH)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return added;
}

Status MobileNodeLinks::detach(const VisitedNetwork& network) {
  auto index = netlink_.linkIndex(network.mn_interface);
  if (!index) return Unexpected{index.error()};
  auto addresses = netlink_.addresses(*index);
  if (!addresses) return Unexpected{addresses.error()};
  for (const platform::InterfaceAddress& a : *addresses) {
    if (a.scope != 0) continue;  // link-local addresses go with the link
    if (Status s = netlink_.deleteAddress(*index, a.address);
        !s && !platform::hasErrno(s.error(), EADDRNOTAVAIL)) {
      return s;
    }
  }
  return netlink_.setLinkUp(*index, false);
}

}  // namespace dsmip::lab
