// TUN device on /dev/net/tun.
#include "platform/tun.hpp"

// <net/if.h> before any <linux/…> header that includes <linux/if.h>: glibc then tells the
// kernel header not to define the same structures again.
#include <net/if.h>
//
#include <fcntl.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

namespace dsmip::platform {

Result<TunDevice> TunDevice::open(std::string_view name) {
  if (name.size() >= IFNAMSIZ) {
    return makeError(ErrorCode::InvalidArgument,
                     "TUN device name '" + std::string(name) + "' is longer than 15 bytes");
  }
  UniqueFd fd{retryOnEintr([] { return ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC); })};
  if (!fd) return osError("open /dev/net/tun", errno);

  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) == -1) {
    return osError("ioctl(TUNSETIFF)", errno, std::string(name));
  }
  std::string actual(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
  const unsigned index = ::if_nametoindex(actual.c_str());
  if (index == 0) return osError("if_nametoindex", errno, actual);
  return TunDevice(std::move(fd), std::move(actual), static_cast<int>(index));
}

Result<bool> TunDevice::readPacket(PacketBuffer& buffer, std::size_t headroom) {
  if (deferred_errno_ != 0) {
    return osError("TUN read", std::exchange(deferred_errno_, 0), name_);
  }
  buffer.reset(headroom);
  const MutableByteView space = buffer.tailSpace();
  const ssize_t n = retryOnEintr([&] { return ::read(fd_.get(), space.data(), space.size()); });
  if (n < 0) {
    if (isWouldBlock(errno)) return false;
    return osError("TUN read", errno, name_);
  }
  // n <= space.size(), so resize cannot fail.
  [[maybe_unused]] const bool ok = buffer.resize(static_cast<std::size_t>(n));
  return true;
}

Result<std::size_t> TunDevice::readBatch(std::span<PacketBuffer> buffers, std::size_t headroom) {
  std::size_t count = 0;
  for (PacketBuffer& buffer : buffers) {
    auto r = readPacket(buffer, headroom);
    if (!r) {
      if (count == 0) return Unexpected{std::move(r).error()};
      deferred_errno_ = r.error().system_errno;
      break;
    }
    if (!*r) break;
    ++count;
  }
  return count;
}

Status TunDevice::writePacket(ByteView packet) {
  const ssize_t n = retryOnEintr([&] { return ::write(fd_.get(), packet.data(), packet.size()); });
  if (n < 0) return osError("TUN write", errno, name_);
  return {};
}

}  // namespace dsmip::platform
