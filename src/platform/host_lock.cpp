// Host-wide named locks on abstract Unix sockets.
#include "platform/host_lock.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

namespace dsmip::platform {

Result<HostLock> HostLock::acquire(std::string_view name) {
  sockaddr_un address{};
  // Abstract names start with a NUL byte and are not NUL-terminated.
  if (name.empty() || name.size() + 1 > sizeof(address.sun_path)) {
    return makeError(ErrorCode::InvalidArgument, "lock name empty or too long");
  }
  UniqueFd fd{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (!fd) return osError("socket(AF_UNIX)", errno);
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address),  // NOLINT: sockaddr API
             length) == -1) {
    return osError("bind(abstract lock)", errno, std::string(name));
  }
  return HostLock(std::move(fd), std::string(name));
}

}  // namespace dsmip::platform
