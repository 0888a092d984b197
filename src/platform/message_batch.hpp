#pragma once
// The preallocated arrays behind batched socket I/O (recvmmsg/sendmmsg): message headers,
// iovecs, peer addresses and ancillary-data buffers for up to kMaxBatch datagrams, allocated
// once per socket so that no datagram costs an allocation. Shared by the socket wrappers of
// this folder; callers of the platform layer do not need it.

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "platform/socket_address.hpp"

namespace dsmip::platform {

/// One control message (cmsg) of a received datagram.
struct ControlMessage {
  int level = 0;
  int type = 0;
  ByteView data;
};

/// Calls f(ControlMessage) for every control message of `msg` (bounds-checked walk; no CMSG_*
/// macros).
template <typename F>
void forEachControlMessage(const msghdr& msg, F&& f);

/// Appends control messages to a buffer, in the layout the kernel expects (CMSG_SPACE).
class ControlBuilder {
 public:
  explicit ControlBuilder(std::span<std::uint8_t> space) : space_(space) {}
  /// False if it does not fit.
  bool add(int level, int type, const void* data, std::size_t length);
  [[nodiscard]] std::size_t size() const { return used_; }

 private:
  std::span<std::uint8_t> space_;
  std::size_t used_ = 0;
};

/// What sendmmsg-based batch sends report.
struct SendBatchResult {
  /// Datagrams handled: sent, or dropped for a reason of their own (too big, unroutable, …).
  /// Less than the batch size only when the socket buffer is full (would block): retry the
  /// rest when the socket is writable, or drop it.
  std::size_t consumed = 0;
  /// How many of the consumed ones were dropped, and the errno of the first.
  std::size_t failed = 0;
  int first_errno = 0;
};

class MessageBatch {
 public:
  static constexpr std::size_t kMaxBatch = 64;
  static constexpr std::size_t kControlSize = 256;

  MessageBatch();

  /// Sets up message i to receive into the buffer's tail space after `headroom` bytes (the
  /// buffer is reset), with room for a peer address and control data.
  void prepareReceive(std::size_t i, PacketBuffer& buffer, std::size_t headroom);
  /// Sets up message i to send `payload` to `destination` (nullptr: connected or header-
  /// included sockets) with `control_length` bytes of control data in control(i).
  void prepareSend(std::size_t i, ByteView payload, const SocketAddress* destination,
                   std::size_t control_length);
  /// Control buffer of message i (kControlSize bytes, aligned for cmsghdr).
  [[nodiscard]] std::span<std::uint8_t> control(std::size_t i);

  /// recvmmsg of `count` prepared messages (nonblocking); 0 if nothing is waiting.
  [[nodiscard]] Result<std::size_t> receive(int fd, std::size_t count, std::string_view what);
  /// sendmmsg of `count` prepared messages; a datagram failing for a reason of its own is
  /// skipped and counted, the batch goes on.
  [[nodiscard]] SendBatchResult send(int fd, std::size_t count, std::string_view what,
                                     Error* fatal);

  [[nodiscard]] const msghdr& header(std::size_t i) const { return messages_[i].msg_hdr; }
  /// Bytes received into message i.
  [[nodiscard]] std::size_t length(std::size_t i) const { return messages_[i].msg_len; }
  [[nodiscard]] bool truncated(std::size_t i) const {
    return (messages_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
  }
  [[nodiscard]] const sockaddr_storage& peer(std::size_t i) const { return names_[i]; }
  [[nodiscard]] socklen_t peerLength(std::size_t i) const {
    return messages_[i].msg_hdr.msg_namelen;
  }

 private:
  std::unique_ptr<mmsghdr[]> messages_;
  std::unique_ptr<iovec[]> iovecs_;
  std::unique_ptr<sockaddr_storage[]> names_;
  std::unique_ptr<std::uint64_t[]> controls_;  // kMaxBatch * kControlSize bytes, 8-aligned
};

/// Errors a datagram socket reports for one datagram (or for an earlier ICMP error, with
/// IP_RECVERR) rather than for the socket: the batch skips the datagram and goes on.
[[nodiscard]] bool isPerDatagramError(int err);

// --- template implementation ----------------------------------------------------------------

namespace detail {
inline constexpr std::size_t cmsgAlign(std::size_t n) {
  return (n + sizeof(std::size_t) - 1) & ~(sizeof(std::size_t) - 1);
}
}  // namespace detail

template <typename F>
void forEachControlMessage(const msghdr& msg, F&& f) {
  if (msg.msg_control == nullptr) return;
  const auto* base = static_cast<const std::uint8_t*>(msg.msg_control);
  const std::size_t total = msg.msg_controllen;
  const std::size_t header = detail::cmsgAlign(sizeof(cmsghdr));
  std::size_t at = 0;
  while (at + sizeof(cmsghdr) <= total) {
    cmsghdr h{};
    std::memcpy(&h, base + at, sizeof(h));
    if (h.cmsg_len < header || h.cmsg_len > total - at) return;
    f(ControlMessage{h.cmsg_level, h.cmsg_type, ByteView(base + at + header, h.cmsg_len - header)});
    at += detail::cmsgAlign(h.cmsg_len);
  }
}

}  // namespace dsmip::platform
