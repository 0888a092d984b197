#pragma once
// A TUN device: the kernel hands the daemon whole IP packets routed to the device and takes
// packets the daemon writes as if they had arrived on it. Layer 3 only (IFF_TUN | IFF_NO_PI:
// no Ethernet header, no packet-information prefix), nonblocking. Not persistent: the device
// disappears when the descriptor is closed, so a crashed daemon leaves nothing behind.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "platform/fd.hpp"

namespace dsmip::platform {

class TunDevice {
 public:
  /// Creates the device `name` (at most 15 bytes; "" or a template such as "m6t%d" lets the
  /// kernel pick a free name). The device starts down and without addresses; configure it with
  /// Netlink. EBUSY if an interface of that name exists and is not a free persistent TUN.
  [[nodiscard]] static Result<TunDevice> open(std::string_view name);

  TunDevice(TunDevice&&) noexcept = default;
  TunDevice& operator=(TunDevice&&) noexcept = default;

  [[nodiscard]] int fd() const { return fd_.get(); }
  /// The name the kernel gave the device.
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] int ifindex() const { return ifindex_; }

  /// Reads one packet into `buffer`: the buffer is reset to `headroom` bytes of free space and
  /// the packet placed after it. Returns false when no packet is waiting (EAGAIN). A packet
  /// longer than the buffer's tailroom is truncated by the kernel; size with the device MTU.
  [[nodiscard]] Result<bool> readPacket(PacketBuffer& buffer,
                                        std::size_t headroom = PacketBuffer::kDefaultHeadroom);
  /// Reads packets into buffers[0], buffers[1], … until the device has no more or the span is
  /// full; returns how many were read (0 if none was waiting). A read error after at least one
  /// packet ends the batch early and is reported by the next call.
  [[nodiscard]] Result<std::size_t> readBatch(
      std::span<PacketBuffer> buffers, std::size_t headroom = PacketBuffer::kDefaultHeadroom);
  /// Hands one IP packet (IPv4 or IPv6, by its version nibble) to the kernel. EAGAIN if the
  /// device queue is full; EIO if the device is down; EINVAL for a malformed header.
  [[nodiscard]] Status writePacket(ByteView packet);

 private:
  TunDevice(UniqueFd fd, std::string name, int ifindex)
      : fd_(std::move(fd)), name_(std::move(name)), ifindex_(ifindex) {}
  UniqueFd fd_;
  std::string name_;
  int ifindex_ = 0;
  int deferred_errno_ = 0;  // read error that ended a batch, reported next call
};

}  // namespace dsmip::platform
