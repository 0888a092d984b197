// Synchronous rtnetlink requests and the notification monitor.
#include "platform/netlink.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <cstring>

#include "platform/clock.hpp"

namespace dsmip::platform {

namespace {

// Dumps arrive in datagrams of up to ~32 KiB; 64 KiB leaves room for large link messages.
constexpr std::size_t kReceiveBufferSize = 64 * 1024;
constexpr int kDumpAttempts = 5;

Result<UniqueFd> openNetlinkSocket(unsigned groups, std::uint32_t& port_id) {
  UniqueFd fd{::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)};
  if (!fd) return osError("socket(AF_NETLINK)", errno);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = groups;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == -1) {
    return osError("bind(AF_NETLINK)", errno);
  }
  socklen_t len = sizeof(addr);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == -1) {
    return osError("getsockname(AF_NETLINK)", errno);
  }
  port_id = addr.nl_pid;
  return fd;
}

// The extended-ack text of an error message, if the kernel sent one.
std::string extendedAck(const nlmsghdr* nlh) {
  if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return {};
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  // With NETLINK_CAP_ACK the request is not echoed back (NLM_F_CAPPED says so).
  std::size_t offset = sizeof(nlmsgerr);
  if ((nlh->nlmsg_flags & NLM_F_CAPPED) == 0) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  if (kNetlinkHeaderLength + offset > nlh->nlmsg_len) return {};
  std::string text;
  mnl_attr_parse(
      nlh, static_cast<unsigned>(offset),
      [](const nlattr* attr, void* data) -> int {
        if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG) {
          const auto* p = static_cast<const char*>(mnl_attr_get_payload(attr));
          static_cast<std::string*>(data)->assign(p, ::strnlen(p, mnl_attr_get_payload_len(attr)));
        }
        return MNL_CB_OK;
      },
      &text);
  return text;
}

ByteView messageView(const nlmsghdr* nlh) {
  return ByteView(static_cast<const std::uint8_t*>(static_cast<const void*>(nlh)), nlh->nlmsg_len);
}

}  // namespace

Result<Netlink> Netlink::open() {
  std::uint32_t port_id = 0;
  auto fd = openNetlinkSocket(0, port_id);
  if (!fd) return Unexpected{fd.error()};
  const int one = 1;
  // Extended acks give readable reasons; capped acks keep error replies small. Both are
  // optional (older kernels): failures are ignored.
  ::setsockopt(fd->get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  ::setsockopt(fd->get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  // The kernel always answers; the timeout only guards against a bug turning into a hang.
  timeval timeout{};
  timeout.tv_sec = 10;
  ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return Netlink(std::move(*fd), port_id, std::make_unique<std::uint8_t[]>(kReceiveBufferSize));
}

Status Netlink::transact(Result<Bytes> request, std::string_view what, const std::string& context,
                         const MessageHandler& on_message,
                         const std::function<void()>& on_restart) {
  if (!request) return Unexpected{std::move(request).error()};
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    bool interrupted = false;
    if (auto s = transactOnce(*request, what, context, on_message, interrupted); !s) return s;
    if (!interrupted) return {};
    // NLM_F_DUMP_INTR: the table changed during the dump, which may hold duplicates or miss
    // entries. Start again from nothing.
    if (on_restart) on_restart();
  }
  return osError(what, EAGAIN, context.empty() ? "dump kept being interrupted" : context);
}

Status Netlink::transactOnce(Bytes& request, std::string_view what, const std::string& context,
                             const MessageHandler& on_message, bool& interrupted) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): netlink header of our request
  auto* req = reinterpret_cast<nlmsghdr*>(request.data());
  req->nlmsg_seq = nextSeq();
  const std::uint32_t seq = req->nlmsg_seq;

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  const ssize_t sent = retryOnEintr([&] {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
    return ::sendto(fd_.get(), request.data(), request.size(), 0,
                    reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel));
  });
  if (sent < 0) return osError(what, errno, context);

  for (;;) {
    const ssize_t n =
        retryOnEintr([&] { return ::recv(fd_.get(), buffer_.get(), kReceiveBufferSize, 0); });
    if (n < 0) {
      if (isWouldBlock(errno)) return osError(what, ETIMEDOUT, "no answer from the kernel");
      return osError(what, errno, context);
    }
    int len = static_cast<int>(n);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): netlink wire header
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer_.get());
    for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
      if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != port_id_) continue;  // stale reply
      if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) != 0) interrupted = true;
      if (nlh->nlmsg_type == NLMSG_ERROR) {
        if (nlh->nlmsg_len < kNetlinkHeaderLength + sizeof(int)) {
          return osError(what, EPROTO, "short netlink error message");
        }
        const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
        if (err->error == 0) return {};  // the acknowledgement
        std::string detail = context;
        if (std::string ack = extendedAck(nlh); !ack.empty()) {
          detail += detail.empty() ? ack : " (" + ack + ")";
        }
        return osError(what, -err->error, detail);
      }
      if (nlh->nlmsg_type == NLMSG_DONE) {
        // A dump ends here; its payload may carry an error code.
        if (nlh->nlmsg_len >= kNetlinkHeaderLength + sizeof(int)) {
          int status = 0;
          std::memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
          if (status < 0) return osError(what, -status, context);
        }
        return {};
      }
      if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_OVERRUN) continue;
      on_message(messageView(nlh));
    }
  }
}

// --- links --------------------------------------------------------------------------------

Result<LinkInfo> Netlink::link(int ifindex) {
  std::optional<LinkInfo> found;
  auto s = transact(encodeGetLink(ifindex, {}, 0), "netlink: get link",
                    "interface #" + std::to_string(ifindex), [&](ByteView m) {
                      if (rtnlKind(m) != RtnlKind::NewLink) return;
                      if (auto l = decodeLink(m)) found = std::move(*l);
                    });
  if (!s) return Unexpected{std::move(s).error()};
  if (!found) return osError("netlink: get link", ENODEV, "interface #" + std::to_string(ifindex));
  return std::move(*found);
}

Result<LinkInfo> Netlink::link(std::string_view name) {
  std::optional<LinkInfo> found;
  auto s =
      transact(encodeGetLink(0, name, 0), "netlink: get link", std::string(name), [&](ByteView m) {
        if (rtnlKind(m) != RtnlKind::NewLink) return;
        if (auto l = decodeLink(m)) found = std::move(*l);
      });
  if (!s) return Unexpected{std::move(s).error()};
  if (!found) return osError("netlink: get link", ENODEV, std::string(name));
  return std::move(*found);
}

Result<int> Netlink::linkIndex(std::string_view name) {
  auto l = link(name);
  if (!l) return Unexpected{std::move(l).error()};
  return l->index;
}

Result<std::vector<LinkInfo>> Netlink::links() {
  std::vector<LinkInfo> out;
  auto s = transact(
      encodeDump(DumpKind::Links, std::nullopt, 0), "netlink: dump links", {},
      [&](ByteView m) {
        if (rtnlKind(m) != RtnlKind::NewLink) return;
        if (auto l = decodeLink(m)) out.push_back(std::move(*l));
      },
      [&] { out.clear(); });
  if (!s) return Unexpected{std::move(s).error()};
  return out;
}

Status Netlink::setLinkUp(int ifindex, bool up) {
  return transact(encodeSetLink(ifindex, up, std::nullopt, 0),
                  up ? "netlink: set link up" : "netlink: set link down",
                  "interface #" + std::to_string(ifindex), [](ByteView) {});
}

Status Netlink::setLinkMtu(int ifindex, std::uint32_t mtu) {
  return transact(encodeSetLink(ifindex, std::nullopt, mtu, 0), "netlink: set link mtu",
                  "interface #" + std::to_string(ifindex) + " mtu " + std::to_string(mtu),
                  [](ByteView) {});
}

// --- addresses ----------------------------------------------------------------------------

Status Netlink::addAddress(int ifindex, const IpPrefix& address, const AddressOptions& options) {
  return transact(encodeAddress(true, ifindex, address, options, 0), "netlink: add address",
                  toString(address) + " on #" + std::to_string(ifindex), [](ByteView) {});
}

Status Netlink::waitForLocalAddress(const IpAddress& address, Duration timeout) {
  const TimePoint deadline = monotonicNow() + timeout;
  for (;;) {
    auto route = lookupRoute(address);
    if (route && route->type == RouteType::Local) return {};
    if (monotonicNow() >= deadline) {
      return osError("netlink: wait for local address", ETIMEDOUT,
                     toString(address) + " is not (yet) a local address");
    }
    // The kernel's address work item normally runs within microseconds.
    const timespec pause{0, 1'000'000};
    ::nanosleep(&pause, nullptr);
  }
}

Status Netlink::deleteAddress(int ifindex, const IpPrefix& address) {
  return transact(encodeAddress(false, ifindex, address, {}, 0), "netlink: delete address",
                  toString(address) + " on #" + std::to_string(ifindex), [](ByteView) {});
}

Result<std::vector<InterfaceAddress>> Netlink::addresses(std::optional<int> ifindex,
                                                         std::optional<IpFamily> family) {
  std::vector<InterfaceAddress> out;
  auto s = transact(
      encodeDump(DumpKind::Addresses, family, 0), "netlink: dump addresses", {},
      [&](ByteView m) {
        if (rtnlKind(m) != RtnlKind::NewAddress) return;
        auto a = decodeAddress(m);
        if (!a) return;
        if (ifindex && a->ifindex != *ifindex) return;
        if (family && familyOf(a->address) != *family) return;
        out.push_back(std::move(*a));
      },
      [&] { out.clear(); });
  if (!s) return Unexpected{std::move(s).error()};
  return out;
}

// --- routes -------------------------------------------------------------------------------

Status Netlink::addRoute(const Route& route, WriteMode mode) {
  return transact(encodeRoute(true, route, mode, 0),
                  mode == WriteMode::Replace ? "netlink: replace route" : "netlink: add route",
                  toString(route), [](ByteView) {});
}

Status Netlink::deleteRoute(const Route& route) {
  return transact(encodeRoute(false, route, WriteMode::Create, 0), "netlink: delete route",
                  toString(route), [](ByteView) {});
}

Result<std::vector<Route>> Netlink::routes(IpFamily family, std::optional<std::uint32_t> table) {
  std::vector<Route> out;
  auto s = transact(
      encodeDump(DumpKind::Routes, family, 0), "netlink: dump routes", {},
      [&](ByteView m) {
        if (rtnlKind(m) != RtnlKind::NewRoute) return;
        auto r = decodeRoute(m);
        if (!r || familyOf(r->destination) != family) return;
        if (table && r->table != *table) return;
        out.push_back(std::move(*r));
      },
      [&] { out.clear(); });
  if (!s) return Unexpected{std::move(s).error()};
  return out;
}

Result<std::optional<Route>> Netlink::defaultRoute(IpFamily family, std::uint32_t table) {
  auto all = routes(family, table);
  if (!all) return Unexpected{std::move(all).error()};
  std::optional<Route> best;
  for (Route& r : *all) {
    if (!r.isDefault() || r.type != RouteType::Unicast) continue;
    if (!best || r.metric < best->metric) best = std::move(r);
  }
  return best;
}

Result<Route> Netlink::lookupRoute(const IpAddress& destination,
                                   const std::optional<IpAddress>& source) {
  std::optional<Route> found;
  auto s = transact(encodeRouteLookup(destination, source, 0), "netlink: route lookup",
                    toString(destination), [&](ByteView m) {
                      if (rtnlKind(m) != RtnlKind::NewRoute) return;
                      if (auto r = decodeRoute(m)) found = std::move(*r);
                    });
  if (!s) return Unexpected{std::move(s).error()};
  if (!found) return osError("netlink: route lookup", EPROTO, "no route in the kernel's reply");
  return std::move(*found);
}

// --- proxy neighbours ---------------------------------------------------------------------

Status Netlink::addProxyNeighbour(const ProxyNeighbour& entry) {
  return transact(encodeProxyNeighbour(true, entry, 0), "netlink: add proxy neighbour",
                  toString(entry.address) + " on #" + std::to_string(entry.ifindex),
                  [](ByteView) {});
}

Status Netlink::deleteProxyNeighbour(const ProxyNeighbour& entry) {
  return transact(encodeProxyNeighbour(false, entry, 0), "netlink: delete proxy neighbour",
                  toString(entry.address) + " on #" + std::to_string(entry.ifindex),
                  [](ByteView) {});
}

Result<std::vector<ProxyNeighbour>> Netlink::proxyNeighbours(std::optional<IpFamily> family) {
  std::vector<ProxyNeighbour> out;
  auto s = transact(
      encodeDump(DumpKind::ProxyNeighbours, family, 0), "netlink: dump proxy neighbours", {},
      [&](ByteView m) {
        if (rtnlKind(m) != RtnlKind::NewNeighbour) return;
        auto p = decodeProxyNeighbour(m);
        if (!p) return;
        if (family && familyOf(p->address) != *family) return;
        out.push_back(std::move(*p));
      },
      [&] { out.clear(); });
  if (!s) return Unexpected{std::move(s).error()};
  return out;
}

// --- rules --------------------------------------------------------------------------------

Status Netlink::addRule(const Rule& rule) {
  return transact(encodeRule(true, rule, 0), "netlink: add rule", toString(rule), [](ByteView) {});
}

Status Netlink::deleteRule(const Rule& rule) {
  return transact(encodeRule(false, rule, 0), "netlink: delete rule", toString(rule),
                  [](ByteView) {});
}

Result<std::vector<Rule>> Netlink::rules(IpFamily family) {
  std::vector<Rule> out;
  auto s = transact(
      encodeDump(DumpKind::Rules, family, 0), "netlink: dump rules", {},
      [&](ByteView m) {
        if (rtnlKind(m) != RtnlKind::NewRule) return;
        if (auto r = decodeRule(m); r && r->family == family) {
          out.push_back(std::move(*r));
        }
      },
      [&] { out.clear(); });
  if (!s) return Unexpected{std::move(s).error()};
  return out;
}

// --- monitor ------------------------------------------------------------------------------

NetlinkMonitor::NetlinkMonitor(UniqueFd fd, Callback callback)
    : fd_(std::move(fd)),
      callback_(std::move(callback)),
      buffer_(std::make_unique<std::uint8_t[]>(kReceiveBufferSize)) {}

NetlinkMonitor::~NetlinkMonitor() = default;

Result<std::unique_ptr<NetlinkMonitor>> NetlinkMonitor::create(EventLoop& loop, Callback callback,
                                                               const MonitorOptions& options) {
  unsigned groups = 0;
  if (options.links) groups |= RTMGRP_LINK;
  if (options.ipv4_addresses) groups |= RTMGRP_IPV4_IFADDR;
  if (options.ipv6_addresses) groups |= RTMGRP_IPV6_IFADDR;
  if (options.ipv4_routes) groups |= RTMGRP_IPV4_ROUTE;
  if (options.ipv6_routes) groups |= RTMGRP_IPV6_ROUTE;
  std::uint32_t port_id = 0;
  auto fd = openNetlinkSocket(groups, port_id);
  if (!fd) return Unexpected{fd.error()};
  if (auto s = setNonBlocking(fd->get()); !s) return Unexpected{s.error()};
  const int size = options.receive_buffer_bytes;
  // SO_RCVBUFFORCE exceeds rmem_max when privileged; otherwise take what SO_RCVBUF allows.
  if (::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == -1) {
    ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  std::unique_ptr<NetlinkMonitor> monitor(new NetlinkMonitor(std::move(*fd), std::move(callback)));
  NetlinkMonitor* self = monitor.get();
  auto watch = FdWatch::create(loop, self->fd(), Interest::Read, [self](IoEvents) {
    // Errors are counted by drain(); nothing else to do here.
    [[maybe_unused]] auto r = self->drain();
  });
  if (!watch) return Unexpected{watch.error()};
  monitor->watch_ = std::move(*watch);
  return monitor;
}

Result<std::size_t> NetlinkMonitor::drain() {
  std::size_t delivered = 0;
  // Bounded so that a storm of notifications cannot starve the rest of the loop; the socket
  // stays readable and the loop comes back.
  for (int reads = 0; reads < 256; ++reads) {
    sockaddr_nl from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = retryOnEintr([&] {
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
      return ::recvfrom(fd_.get(), buffer_.get(), kReceiveBufferSize, MSG_DONTWAIT,
                        reinterpret_cast<sockaddr*>(&from), &from_len);
    });
    if (n < 0) {
      if (isWouldBlock(errno)) break;
      if (errno == ENOBUFS) {
        ++overruns_;
        callback_(NetlinkEvent{ResyncNeeded{}});
        ++delivered;
        continue;
      }
      return osError("netlink monitor: recv", errno);
    }
    if (from.nl_pid != 0) continue;  // only the kernel's notifications
    int len = static_cast<int>(n);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): netlink wire header
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer_.get());
    for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
      const ByteView m = messageView(nlh);
      switch (rtnlKind(m)) {
        case RtnlKind::NewLink:
        case RtnlKind::DelLink: {
          auto link = decodeLink(m);
          if (!link) {
            ++malformed_;
            break;
          }
          callback_(NetlinkEvent{LinkEvent{rtnlKind(m) == RtnlKind::DelLink, std::move(*link)}});
          ++delivered;
          break;
        }
        case RtnlKind::NewAddress:
        case RtnlKind::DelAddress: {
          auto address = decodeAddress(m);
          if (!address) {
            ++malformed_;
            break;
          }
          callback_(
              NetlinkEvent{AddressEvent{rtnlKind(m) == RtnlKind::DelAddress, std::move(*address)}});
          ++delivered;
          break;
        }
        case RtnlKind::NewRoute:
        case RtnlKind::DelRoute: {
          auto route = decodeRoute(m);
          if (!route) {
            // Other families (e.g. MPLS) are not ours; only count real parse failures.
            if (route.error().code != ErrorCode::Unsupported) ++malformed_;
            break;
          }
          callback_(NetlinkEvent{RouteEvent{rtnlKind(m) == RtnlKind::DelRoute, std::move(*route)}});
          ++delivered;
          break;
        }
        default:
          break;
      }
    }
  }
  return delivered;
}

}  // namespace dsmip::platform
