#pragma once
// File descriptors: a move-only owner and the small helpers every syscall wrapper shares
// (EINTR retry, errno → Error, would-block test).

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"

namespace dsmip::platform {

/// Owns one file descriptor and closes it on destruction. Move-only; -1 means "none".
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  /// Gives up ownership without closing.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }
  /// Closes the current descriptor (if any) and takes `fd`.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

/// Calls `call` until it does not fail with EINTR; returns its last result (errno is kept).
template <typename Call>
auto retryOnEintr(Call&& call) {
  for (;;) {
    auto r = call();
    if (!(r == -1 && errno == EINTR)) return r;
  }
}

/// True for EAGAIN/EWOULDBLOCK: a nonblocking call that found nothing to do.
[[nodiscard]] inline bool isWouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

/// A SystemError carrying errno and a readable detail: "<context>: <strerror>" (context may
/// be empty). `what` must be static text ("netlink: add route").
[[nodiscard]] Unexpected<Error> osError(std::string_view what, int err,
                                        std::string_view context = {});

/// True if `error` is a system error with errno `err`.
[[nodiscard]] inline bool hasErrno(const Error& error, int err) {
  return error.code == ErrorCode::SystemError && error.system_errno == err;
}

/// Sets or clears O_NONBLOCK.
[[nodiscard]] Status setNonBlocking(int fd, bool nonblocking = true);

}  // namespace dsmip::platform
