// UniqueFd and the shared error helpers.
#include "platform/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace dsmip::platform {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) {
    // close() is never retried: on Linux the descriptor is released even when it reports
    // EINTR, and retrying could close a descriptor another part of the program just opened.
    ::close(fd_);
  }
  fd_ = fd;
}

Unexpected<Error> osError(std::string_view what, int err, std::string_view context) {
  Error e;
  e.code = ErrorCode::SystemError;
  e.reason = what;
  e.system_errno = err;
  if (!context.empty()) {
    e.detail.assign(context);
    e.detail += ": ";
  }
  e.detail += std::strerror(err);
  return Unexpected<Error>{std::move(e)};
}

Status setNonBlocking(int fd, bool nonblocking) {
  const int flags = retryOnEintr([&] { return ::fcntl(fd, F_GETFL); });
  if (flags == -1) return osError("fcntl(F_GETFL)", errno);
  const int wanted = nonblocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && retryOnEintr([&] { return ::fcntl(fd, F_SETFL, wanted); }) == -1) {
    return osError("fcntl(F_SETFL)", errno);
  }
  return {};
}

}  // namespace dsmip::platform
