// UDP sockets with batched I/O and the error queue.
#include "platform/udp_socket.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "platform/socket_options.hpp"

namespace dsmip::platform {

namespace {

int level(IpFamily f) { return f == IpFamily::V4 ? IPPROTO_IP : IPPROTO_IPV6; }

int pmtuValue(IpFamily f, PmtuDiscovery mode) {
  if (f == IpFamily::V4) {
    switch (mode) {
      case PmtuDiscovery::Dont:
        return IP_PMTUDISC_DONT;
      case PmtuDiscovery::Want:
        return IP_PMTUDISC_WANT;
      case PmtuDiscovery::Do:
        return IP_PMTUDISC_DO;
      case PmtuDiscovery::Probe:
        return IP_PMTUDISC_PROBE;
    }
  }
  switch (mode) {
    case PmtuDiscovery::Dont:
      return IPV6_PMTUDISC_DONT;
    case PmtuDiscovery::Want:
      return IPV6_PMTUDISC_WANT;
    case PmtuDiscovery::Do:
      return IPV6_PMTUDISC_DO;
    case PmtuDiscovery::Probe:
      return IPV6_PMTUDISC_PROBE;
  }
  return 0;
}

Status setInt(int fd, int lvl, int name, int value, std::string_view what) {
  if (::setsockopt(fd, lvl, name, &value, sizeof(value)) == -1) return osError(what, errno);
  return {};
}

// Adds the per-datagram TOS and source-address control messages.
std::size_t buildSendControl(IpFamily family, const OutgoingDatagram& d,
                             std::span<std::uint8_t> space) {
  ControlBuilder control(space);
  const int tos = d.tos;
  if (family == IpFamily::V4) {
    if (tos != 0) control.add(IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
    if (d.source) {
      if (const auto* v4 = std::get_if<Ipv4Address>(&*d.source)) {
        in_pktinfo info{};
        info.ipi_spec_dst = toInAddr(*v4);
        control.add(IPPROTO_IP, IP_PKTINFO, &info, sizeof(info));
      }
    }
  } else {
    if (tos != 0) control.add(IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
    if (d.source) {
      if (const auto* v6 = std::get_if<Ipv6Address>(&*d.source)) {
        in6_pktinfo info{};
        info.ipi6_addr = toIn6Addr(*v6);
        control.add(IPPROTO_IPV6, IPV6_PKTINFO, &info, sizeof(info));
      }
    }
  }
  return control.size();
}

}  // namespace

Result<UdpSocket> UdpSocket::open(const IpEndpoint& bind, const UdpSocketOptions& options) {
  const IpFamily family = familyOf(bind);
  const int af = family == IpFamily::V4 ? AF_INET : AF_INET6;
  UniqueFd fd{::socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP)};
  if (!fd) return osError("socket(UDP)", errno);
  const int lvl = level(family);
  if (family == IpFamily::V6) {
    if (auto s = setInt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, options.ipv6_only ? 1 : 0,
                        "setsockopt(IPV6_V6ONLY)");
        !s) {
      return Unexpected{s.error()};
    }
  }
  if (options.reuse_address) {
    if (auto s = setInt(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)"); !s) {
      return Unexpected{s.error()};
    }
  }
  if (auto s = bindToDevice(fd.get(), options.bind_device); !s) return Unexpected{s.error()};
  setSocketBuffers(fd.get(), options.buffer_bytes);

  const bool v4 = family == IpFamily::V4;
  struct Option {
    int name;
    int value;
    std::string_view what;
  };
  const Option settings[] = {
      {v4 ? IP_PKTINFO : IPV6_RECVPKTINFO, 1, "setsockopt(IP_PKTINFO)"},
      {v4 ? IP_RECVTOS : IPV6_RECVTCLASS, 1, "setsockopt(IP_RECVTOS)"},
      {v4 ? IP_MTU_DISCOVER : IPV6_MTU_DISCOVER, pmtuValue(family, options.pmtu_discovery),
       "setsockopt(IP_MTU_DISCOVER)"},
      {v4 ? IP_RECVERR : IPV6_RECVERR, options.receive_errors ? 1 : 0, "setsockopt(IP_RECVERR)"},
  };
  for (const Option& o : settings) {
    if (auto s = setInt(fd.get(), lvl, o.name, o.value, o.what); !s) return Unexpected{s.error()};
  }

  const SocketAddress address = toSocketAddress(bind);
  if (::bind(fd.get(), address.get(), address.length) == -1) {
    return osError("bind(UDP)", errno, toString(bind));
  }
  SocketAddress bound;
  bound.length = sizeof(bound.storage);
  if (::getsockname(fd.get(), bound.get(), &bound.length) == -1) {
    return osError("getsockname(UDP)", errno);
  }
  auto local = fromSocketAddress(bound.storage, bound.length);
  if (!local) return osError("getsockname(UDP)", EAFNOSUPPORT);
  return UdpSocket(std::move(fd), family, *local);
}

Status UdpSocket::setPmtuDiscovery(PmtuDiscovery mode) {
  return setInt(fd_.get(), level(family_),
                family_ == IpFamily::V4 ? IP_MTU_DISCOVER : IPV6_MTU_DISCOVER,
                pmtuValue(family_, mode), "setsockopt(IP_MTU_DISCOVER)");
}

Result<std::size_t> UdpSocket::receiveBatch(std::span<PacketBuffer> buffers,
                                            std::span<ReceivedDatagram> meta,
                                            std::size_t headroom) {
  const std::size_t count = std::min({buffers.size(), meta.size(), MessageBatch::kMaxBatch});
  for (std::size_t i = 0; i < count; ++i) batch_->prepareReceive(i, buffers[i], headroom);
  auto received = batch_->receive(fd_.get(), count, "recvmmsg(UDP)");
  if (!received) return received;
  for (std::size_t i = 0; i < *received; ++i) {
    // The kernel wrote at most the tail space, so the resize fits.
    [[maybe_unused]] const bool fits = buffers[i].resize(batch_->length(i));
    ReceivedDatagram& m = meta[i];
    m = ReceivedDatagram{};
    if (auto source = fromSocketAddress(batch_->peer(i), batch_->peerLength(i))) {
      m.source = *source;
    }
    m.truncated = batch_->truncated(i);
    if (family_ == IpFamily::V6) m.destination = Ipv6Address{};
    forEachControlMessage(batch_->header(i), [&](const ControlMessage& c) {
      if (c.level == IPPROTO_IP && c.type == IP_PKTINFO && c.data.size() >= sizeof(in_pktinfo)) {
        in_pktinfo info{};
        std::memcpy(&info, c.data.data(), sizeof(info));
        m.destination = fromInAddr(info.ipi_addr);
        m.ifindex = info.ipi_ifindex;
      } else if (c.level == IPPROTO_IP && c.type == IP_TOS && !c.data.empty()) {
        m.tos = c.data[0];
      } else if (c.level == IPPROTO_IPV6 && c.type == IPV6_PKTINFO &&
                 c.data.size() >= sizeof(in6_pktinfo)) {
        in6_pktinfo info{};
        std::memcpy(&info, c.data.data(), sizeof(info));
        m.destination = fromIn6Addr(info.ipi6_addr);
        m.ifindex = static_cast<int>(info.ipi6_ifindex);
      } else if (c.level == IPPROTO_IPV6 && c.type == IPV6_TCLASS && c.data.size() >= sizeof(int)) {
        int tclass = 0;
        std::memcpy(&tclass, c.data.data(), sizeof(tclass));
        m.tos = static_cast<std::uint8_t>(tclass);
      }
    });
  }
  return received;
}

SendBatchResult UdpSocket::sendBatch(std::span<const OutgoingDatagram> datagrams, Error* error) {
  SendBatchResult total;
  while (total.consumed < datagrams.size()) {
    const std::size_t count = std::min(datagrams.size() - total.consumed, MessageBatch::kMaxBatch);
    for (std::size_t i = 0; i < count; ++i) {
      const OutgoingDatagram& d = datagrams[total.consumed + i];
      const SocketAddress destination = toSocketAddress(d.destination);
      const std::size_t control = buildSendControl(family_, d, batch_->control(i));
      batch_->prepareSend(i, d.payload, &destination, control);
    }
    Error fatal;
    const SendBatchResult r = batch_->send(fd_.get(), count, "sendmmsg(UDP)", &fatal);
    if (total.failed == 0 && r.failed > 0) total.first_errno = r.first_errno;
    total.consumed += r.consumed;
    total.failed += r.failed;
    if (fatal.code != ErrorCode::Ok) {
      if (error != nullptr) *error = std::move(fatal);
      break;
    }
    if (r.consumed < count) break;  // would block
  }
  return total;
}

Status UdpSocket::sendTo(const IpEndpoint& destination, ByteView payload, std::uint8_t tos) {
  const OutgoingDatagram d{destination, payload, tos, std::nullopt};
  Error fatal;
  const SendBatchResult r = sendBatch(std::span<const OutgoingDatagram>(&d, 1), &fatal);
  if (fatal.code != ErrorCode::Ok) return Unexpected{std::move(fatal)};
  if (r.consumed == 0) return osError("sendto(UDP)", EAGAIN, toString(destination));
  if (r.failed > 0) return osError("sendto(UDP)", r.first_errno, toString(destination));
  return {};
}

Result<std::optional<IcmpError>> UdpSocket::readError() {
  std::array<std::uint8_t, 64> payload{};  // the offending datagram: not needed, truncated
  iovec iov{payload.data(), payload.size()};
  sockaddr_storage name{};
  alignas(cmsghdr) std::array<std::uint8_t, 512> control{};
  msghdr msg{};
  msg.msg_name = &name;
  msg.msg_namelen = sizeof(name);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  const ssize_t n =
      retryOnEintr([&] { return ::recvmsg(fd_.get(), &msg, MSG_ERRQUEUE | MSG_DONTWAIT); });
  if (n < 0) {
    if (isWouldBlock(errno)) return std::optional<IcmpError>{};
    return osError("recvmsg(MSG_ERRQUEUE)", errno);
  }
  std::optional<IcmpError> out;
  forEachControlMessage(msg, [&](const ControlMessage& c) {
    const bool is_error = (c.level == IPPROTO_IP && c.type == IP_RECVERR) ||
                          (c.level == IPPROTO_IPV6 && c.type == IPV6_RECVERR);
    if (!is_error || c.data.size() < sizeof(sock_extended_err)) return;
    sock_extended_err ee{};
    std::memcpy(&ee, c.data.data(), sizeof(ee));
    IcmpError e;
    if (auto destination = fromSocketAddress(name, msg.msg_namelen)) e.destination = *destination;
    switch (ee.ee_origin) {
      case SO_EE_ORIGIN_ICMP:
        e.origin = IcmpError::Origin::Icmp;
        break;
      case SO_EE_ORIGIN_ICMP6:
        e.origin = IcmpError::Origin::Icmp6;
        break;
      default:
        e.origin = IcmpError::Origin::Local;
        break;
    }
    e.type = ee.ee_type;
    e.code = ee.ee_code;
    e.info = ee.ee_info;
    e.error = static_cast<int>(ee.ee_errno);
    // SO_EE_OFFENDER: a socket address right after the structure.
    const std::size_t rest = c.data.size() - sizeof(ee);
    if (rest >= sizeof(sa_family_t)) {
      sockaddr_storage offender{};
      std::memcpy(&offender, c.data.data() + sizeof(ee), std::min(rest, sizeof(offender)));
      if (offender.ss_family != AF_UNSPEC) {
        if (auto o = fromSocketAddress(offender, static_cast<socklen_t>(rest))) {
          e.offender = addressOf(*o);
        }
      }
    }
    out = e;
  });
  return out;
}

}  // namespace dsmip::platform
