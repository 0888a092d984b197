// Batched datagram I/O plumbing.
#include "platform/message_batch.hpp"

#include <cerrno>
#include <cstring>

#include "platform/fd.hpp"

namespace dsmip::platform {

static_assert(MessageBatch::kControlSize % sizeof(std::uint64_t) == 0);

bool ControlBuilder::add(int level, int type, const void* data, std::size_t length) {
  const std::size_t header = detail::cmsgAlign(sizeof(cmsghdr));
  const std::size_t space = header + detail::cmsgAlign(length);
  if (space > space_.size() - used_) return false;
  std::memset(space_.data() + used_, 0, space);
  cmsghdr h{};
  h.cmsg_len = header + length;
  h.cmsg_level = level;
  h.cmsg_type = type;
  std::memcpy(space_.data() + used_, &h, sizeof(h));
  std::memcpy(space_.data() + used_ + header, data, length);
  used_ += space;
  return true;
}

MessageBatch::MessageBatch()
    : messages_(std::make_unique<mmsghdr[]>(kMaxBatch)),
      iovecs_(std::make_unique<iovec[]>(kMaxBatch)),
      names_(std::make_unique<sockaddr_storage[]>(kMaxBatch)),
      controls_(
          std::make_unique<std::uint64_t[]>(kMaxBatch * kControlSize / sizeof(std::uint64_t))) {}

std::span<std::uint8_t> MessageBatch::control(std::size_t i) {
  auto* base = static_cast<std::uint8_t*>(static_cast<void*>(controls_.get()));
  return {base + i * kControlSize, kControlSize};
}

void MessageBatch::prepareReceive(std::size_t i, PacketBuffer& buffer, std::size_t headroom) {
  buffer.reset(headroom);
  const MutableByteView space = buffer.tailSpace();
  iovecs_[i] = iovec{space.data(), space.size()};
  msghdr& h = messages_[i].msg_hdr;
  h = msghdr{};
  h.msg_name = &names_[i];
  h.msg_namelen = sizeof(sockaddr_storage);
  h.msg_iov = &iovecs_[i];
  h.msg_iovlen = 1;
  h.msg_control = control(i).data();
  h.msg_controllen = kControlSize;
  messages_[i].msg_len = 0;
}

void MessageBatch::prepareSend(std::size_t i, ByteView payload, const SocketAddress* destination,
                               std::size_t control_length) {
  // sendmsg does not write through iov_base; the iovec type is shared with receiving.
  iovecs_[i] = iovec{const_cast<std::uint8_t*>(payload.data()), payload.size()};  // NOLINT
  msghdr& h = messages_[i].msg_hdr;
  h = msghdr{};
  if (destination != nullptr) {
    std::memcpy(&names_[i], &destination->storage, destination->length);
    h.msg_name = &names_[i];
    h.msg_namelen = destination->length;
  }
  h.msg_iov = &iovecs_[i];
  h.msg_iovlen = 1;
  if (control_length > 0) {
    h.msg_control = control(i).data();
    h.msg_controllen = control_length;
  }
  messages_[i].msg_len = 0;
}

bool isPerDatagramError(int err) {
  switch (err) {
    case EMSGSIZE:      // larger than the path MTU with DF, or than the socket allows
    case ENETUNREACH:   // no route
    case EHOSTUNREACH:  // no route / neighbour unreachable / an earlier ICMP error
    case ECONNREFUSED:  // an earlier ICMP port unreachable (IP_RECVERR)
    case EHOSTDOWN:
    case ENETDOWN:
    case EACCES:         // broadcast without SO_BROADCAST, or forbidden by policy
    case EPERM:          // dropped by netfilter
    case EINVAL:         // unusable address for this socket (e.g. multicast source)
    case EADDRNOTAVAIL:  // source address (IP_PKTINFO) not local
    case EPROTO:
    case ENOPROTOOPT:
      return true;
    default:
      return false;
  }
}

Result<std::size_t> MessageBatch::receive(int fd, std::size_t count, std::string_view what) {
  if (count > kMaxBatch) count = kMaxBatch;
  // A pending asynchronous error (IP_RECVERR) makes recvmmsg fail once before any datagram;
  // the error itself stays in the error queue for readError(). Retry a few times.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int n = retryOnEintr([&] {
      return ::recvmmsg(fd, messages_.get(), static_cast<unsigned>(count), MSG_DONTWAIT, nullptr);
    });
    if (n >= 0) return static_cast<std::size_t>(n);
    if (isWouldBlock(errno)) return std::size_t{0};
    if (!isPerDatagramError(errno)) return osError(what, errno);
  }
  return std::size_t{0};
}

SendBatchResult MessageBatch::send(int fd, std::size_t count, std::string_view what, Error* fatal) {
  SendBatchResult result;
  if (count > kMaxBatch) count = kMaxBatch;
  std::size_t retried = count;  // index of the datagram last retried after an error
  while (result.consumed < count) {
    const int n = retryOnEintr([&] {
      return ::sendmmsg(fd, messages_.get() + result.consumed,
                        static_cast<unsigned>(count - result.consumed), MSG_DONTWAIT);
    });
    if (n > 0) {
      result.consumed += static_cast<std::size_t>(n);
      continue;
    }
    const int err = n == 0 ? EAGAIN : errno;
    if (isWouldBlock(err) || err == ENOBUFS) break;
    if (isPerDatagramError(err)) {
      // With IP_RECVERR an ICMP error from earlier traffic is also reported by the next send
      // (once: reporting clears it). Retry the datagram once before blaming it.
      if (retried != result.consumed) {
        retried = result.consumed;
        continue;
      }
      // The datagram failed on its own: skip it and go on with the rest.
      if (result.failed++ == 0) result.first_errno = err;
      ++result.consumed;
      continue;
    }
    if (fatal != nullptr) *fatal = osError(what, err).error();
    break;
  }
  return result;
}

}  // namespace dsmip::platform
