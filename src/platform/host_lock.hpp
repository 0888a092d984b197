#pragma once
// A lock held by one process of the host (more exactly, of the network namespace): a Unix
// socket bound to a name in the abstract namespace. Binding is atomic, a second bind of the
// same name fails with EADDRINUSE, and the kernel releases the name when the socket closes —
// also when the holder crashes, so no stale lock is ever left behind.

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "platform/fd.hpp"

namespace dsmip::platform {

class HostLock {
 public:
  /// Takes the lock `name` (at most 100 bytes). EADDRINUSE if another socket holds it.
  [[nodiscard]] static Result<HostLock> acquire(std::string_view name);
  HostLock(HostLock&&) noexcept = default;
  HostLock& operator=(HostLock&&) noexcept = default;
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  HostLock(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}
  UniqueFd fd_;
  std::string name_;
};

}  // namespace dsmip::platform
