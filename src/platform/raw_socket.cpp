// Raw IPv4/IPv6 sockets.
#include "platform/raw_socket.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "platform/socket_options.hpp"

namespace dsmip::platform {

namespace {

constexpr std::size_t kIpv4HeaderMin = 20;
constexpr std::size_t kIpv6HeaderLength = 40;

Status enable(int fd, int level, int name, std::string_view what) {
  const int one = 1;
  if (::setsockopt(fd, level, name, &one, sizeof(one)) == -1) return osError(what, errno);
  return {};
}

Result<UniqueFd> openRaw(int family, int protocol, const RawSocketOptions& options,
                         std::string_view what) {
  UniqueFd fd{::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol)};
  if (!fd) return osError(what, errno);
  if (auto s = bindToDevice(fd.get(), options.bind_device); !s) return Unexpected{s.error()};
  setSocketBuffers(fd.get(), options.buffer_bytes);
  return fd;
}

// Sends `packets` in chunks of up to kMaxBatch; `prepare(i, packet)` sets up message i and
// returns false for a packet that cannot be sent (counted as failed with EINVAL). `consumed`
// stays a prefix count of `packets` so that a caller can resume after "would block".
template <typename Prepare>
SendBatchResult sendPackets(MessageBatch& batch, int fd, std::span<const ByteView> packets,
                            Prepare prepare, std::string_view what, Error* error) {
  SendBatchResult total;
  auto note_failure = [&](int err) {
    if (total.failed++ == 0) total.first_errno = err;
  };
  while (total.consumed < packets.size()) {
    std::size_t count = 0;
    // Gather the run of valid packets starting at `consumed`.
    while (count < MessageBatch::kMaxBatch && total.consumed + count < packets.size() &&
           prepare(count, packets[total.consumed + count])) {
      ++count;
    }
    if (count == 0) {  // the packet at `consumed` is malformed
      note_failure(EINVAL);
      ++total.consumed;
      continue;
    }
    Error fatal;
    const SendBatchResult r = batch.send(fd, count, what, &fatal);
    for (std::size_t i = 0; i < r.failed; ++i) note_failure(r.first_errno);
    total.consumed += r.consumed;
    if (fatal.code != ErrorCode::Ok) {
      if (error != nullptr) *error = std::move(fatal);
      break;
    }
    if (r.consumed < count) break;  // would block
  }
  return total;
}

Status singleResult(const SendBatchResult& r, const Error& fatal, std::string_view what) {
  if (fatal.code != ErrorCode::Ok) return Unexpected{fatal};
  if (r.consumed == 0) return osError(what, EAGAIN);
  if (r.failed > 0) return osError(what, r.first_errno);
  return {};
}

void parseIpv6Control(const msghdr& header, RawPacketInfo& m) {
  forEachControlMessage(header, [&](const ControlMessage& c) {
    if (c.level != IPPROTO_IPV6) return;
    if (c.type == IPV6_PKTINFO && c.data.size() >= sizeof(in6_pktinfo)) {
      in6_pktinfo info{};
      std::memcpy(&info, c.data.data(), sizeof(info));
      m.destination = fromIn6Addr(info.ipi6_addr);
      m.ifindex = static_cast<int>(info.ipi6_ifindex);
    } else if ((c.type == IPV6_HOPLIMIT || c.type == IPV6_TCLASS) && c.data.size() >= sizeof(int)) {
      int value = 0;
      std::memcpy(&value, c.data.data(), sizeof(value));
      (c.type == IPV6_HOPLIMIT ? m.hop_limit : m.tos) = static_cast<std::uint8_t>(value);
    }
  });
}

}  // namespace

// --- IPv4 ---------------------------------------------------------------------------------

Result<RawIpv4Receiver> RawIpv4Receiver::open(std::uint8_t protocol,
                                              const RawSocketOptions& options) {
  auto fd = openRaw(AF_INET, protocol, options, "socket(AF_INET, SOCK_RAW)");
  if (!fd) return Unexpected{fd.error()};
  if (auto s = enable(fd->get(), IPPROTO_IP, IP_PKTINFO, "setsockopt(IP_PKTINFO)"); !s) {
    return Unexpected{s.error()};
  }
  return RawIpv4Receiver(std::move(*fd));
}

Result<std::size_t> RawIpv4Receiver::receiveBatch(std::span<PacketBuffer> buffers,
                                                  std::span<RawPacketInfo> meta,
                                                  std::size_t headroom) {
  const std::size_t count = std::min({buffers.size(), meta.size(), MessageBatch::kMaxBatch});
  for (std::size_t i = 0; i < count; ++i) batch_->prepareReceive(i, buffers[i], headroom);
  auto received = batch_->receive(fd_.get(), count, "recvmmsg(raw IPv4)");
  if (!received) return received;
  for (std::size_t i = 0; i < *received; ++i) {
    [[maybe_unused]] const bool fits = buffers[i].resize(batch_->length(i));
    RawPacketInfo& m = meta[i];
    m = RawPacketInfo{};
    m.truncated = batch_->truncated(i);
    if (auto peer = fromSocketAddress(batch_->peer(i), batch_->peerLength(i))) {
      m.source = addressOf(*peer);
    }
    forEachControlMessage(batch_->header(i), [&](const ControlMessage& c) {
      if (c.level == IPPROTO_IP && c.type == IP_PKTINFO && c.data.size() >= sizeof(in_pktinfo)) {
        in_pktinfo info{};
        std::memcpy(&info, c.data.data(), sizeof(info));
        m.destination = fromInAddr(info.ipi_addr);
        m.ifindex = info.ipi_ifindex;
      }
    });
  }
  return received;
}

Result<RawIpv4Sender> RawIpv4Sender::open(const RawSocketOptions& options) {
  auto fd = openRaw(AF_INET, IPPROTO_RAW, options, "socket(AF_INET, IPPROTO_RAW)");
  if (!fd) return Unexpected{fd.error()};
  return RawIpv4Sender(std::move(*fd));
}

SendBatchResult RawIpv4Sender::sendBatch(std::span<const ByteView> packets, Error* error) {
  auto prepare = [this](std::size_t i, ByteView packet) {
    if (packet.size() < kIpv4HeaderMin || (packet[0] >> 4) != 4) return false;
    Ipv4Address destination;
    std::memcpy(destination.bytes.data(), packet.data() + 16, 4);
    const SocketAddress to = toSocketAddress(Ipv4Endpoint{destination, 0});
    batch_->prepareSend(i, packet, &to, 0);
    return true;
  };
  return sendPackets(*batch_, fd_.get(), packets, prepare, "sendmmsg(raw IPv4)", error);
}

Status RawIpv4Sender::send(ByteView packet) {
  Error fatal;
  const SendBatchResult r = sendBatch(std::span<const ByteView>(&packet, 1), &fatal);
  return singleResult(r, fatal, "send(raw IPv4)");
}

// --- IPv6 ---------------------------------------------------------------------------------

Result<RawIpv6Receiver> RawIpv6Receiver::open(std::uint8_t next_header,
                                              const RawSocketOptions& options) {
  auto fd = openRaw(AF_INET6, next_header, options, "socket(AF_INET6, SOCK_RAW)");
  if (!fd) return Unexpected{fd.error()};
  for (const int name : {IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS}) {
    if (auto s = enable(fd->get(), IPPROTO_IPV6, name, "setsockopt(IPV6_RECV…)"); !s) {
      return Unexpected{s.error()};
    }
  }
  return RawIpv6Receiver(std::move(*fd));
}

Result<std::size_t> RawIpv6Receiver::receiveBatch(std::span<PacketBuffer> buffers,
                                                  std::span<RawPacketInfo> meta,
                                                  std::size_t headroom) {
  const std::size_t count = std::min({buffers.size(), meta.size(), MessageBatch::kMaxBatch});
  for (std::size_t i = 0; i < count; ++i) batch_->prepareReceive(i, buffers[i], headroom);
  auto received = batch_->receive(fd_.get(), count, "recvmmsg(raw IPv6)");
  if (!received) return received;
  for (std::size_t i = 0; i < *received; ++i) {
    [[maybe_unused]] const bool fits = buffers[i].resize(batch_->length(i));
    RawPacketInfo& m = meta[i];
    m = RawPacketInfo{};
    m.source = Ipv6Address{};
    m.destination = Ipv6Address{};
    m.truncated = batch_->truncated(i);
    if (auto peer = fromSocketAddress(batch_->peer(i), batch_->peerLength(i))) {
      m.source = addressOf(*peer);
    }
    parseIpv6Control(batch_->header(i), m);
  }
  return received;
}

Result<RawIpv6Sender> RawIpv6Sender::open(const RawSocketOptions& options) {
  auto fd = openRaw(AF_INET6, IPPROTO_RAW, options, "socket(AF_INET6, IPPROTO_RAW)");
  if (!fd) return Unexpected{fd.error()};
  std::uint32_t scope = 0;
  if (!options.bind_device.empty()) {
    scope = ::if_nametoindex(options.bind_device.c_str());
    if (scope == 0) return osError("if_nametoindex", errno, options.bind_device);
  }
  return RawIpv6Sender(std::move(*fd), scope);
}

SendBatchResult RawIpv6Sender::sendBatch(std::span<const ByteView> packets, Error* error) {
  auto prepare = [this](std::size_t i, ByteView packet) {
    if (packet.size() < kIpv6HeaderLength || (packet[0] >> 4) != 6) return false;
    const Ipv6Address destination = Ipv6Address::fromBytes(packet.subspan(24, 16));
    // The port field of a raw IPv6 socket address must be 0 (or the protocol): leave it 0.
    const SocketAddress to =
        toSocketAddress(Ipv6Endpoint{destination, 0}, destination.isLinkLocal() ? scope_ : 0);
    batch_->prepareSend(i, packet, &to, 0);
    return true;
  };
  return sendPackets(*batch_, fd_.get(), packets, prepare, "sendmmsg(raw IPv6)", error);
}

Status RawIpv6Sender::send(ByteView packet) {
  Error fatal;
  const SendBatchResult r = sendBatch(std::span<const ByteView>(&packet, 1), &fatal);
  return singleResult(r, fatal, "send(raw IPv6)");
}

}  // namespace dsmip::platform
