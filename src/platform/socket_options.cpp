// Shared socket options.
#include "platform/socket_options.hpp"

#include <sys/socket.h>

#include "platform/fd.hpp"

namespace dsmip::platform {

void setSocketBuffers(int fd, int bytes, bool receive, bool send) {
  if (bytes <= 0) return;
  if (receive && ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == -1) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
  }
  if (send && ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) == -1) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
  }
}

Status bindToDevice(int fd, const std::string& device) {
  if (device.empty()) return {};
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                   static_cast<socklen_t>(device.size())) == -1) {
    return osError("setsockopt(SO_BINDTODEVICE)", errno, device);
  }
  return {};
}

}  // namespace dsmip::platform
